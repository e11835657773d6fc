/** `gateway serve`: flags (each with an environment variable), start, stop on SIGTERM/SIGINT. */
import { DEFAULT_SAMPLING_RATE, parseTracing } from '../runtime/tracing/settings.js'
import { parseArgs } from 'node:util'
import { ConfigError, parseListen, startGateway } from '../server/gateway.js'
import { parseTrustedIps } from '../runtime/trust.js'
import { parseStreamListen, splitStreamListen } from '../runtime/stream/listeners.js'
import { singleFileMount } from '../reload/mount-check.js'
import { createLogger, LOG_LEVELS, pluginLogger, type LogLevel } from '../observability/logger.js'
import { textLine } from './report.js'
import { autoWorkers } from './cpu-limit.js'
import { installSafetyNet } from './safety-net.js'
import { luaRequires, REQUIRES_OPTION } from './lua-requires.js'
import { KEEPALIVE_OPTIONS, upstreamKeepalive } from './upstream-keepalive.js'
import { attachWorker, isClusterWorker, primaryChannel, reportHash, runPrimary } from './workers.js'
import type { Io } from './validate.js'
import type { ReloadResult } from '../reload/reloader.js'
import { DEFAULT_SERVER_TOKEN, serverTokens } from '../version.js'
import { DEFAULT_HEADERS, DEFAULT_HEADERS_UPSTREAM, wireHeaders } from '../runtime/kong-headers.js'
import { DEFAULT_ERROR_DEFAULT_TYPE, errorFormat, TEMPLATE_SUFFIXES, type TemplateSuffix } from '../runtime/error-format.js'

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : []

/** A size in bytes as nginx writes it: `8192`, `8k`, `1m`. */
function size(flag: string, v: string): number {
  const m = /^(\d+)([kKmM]?)$/.exec(v.trim())
  const n = m ? Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1024 : 1024 * 1024) : NaN
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} must be a size in bytes like 8192, 8k or 1m`)
  return n
}

const offMeansNone = (listen: string[]) => (listen.length === 1 && listen[0] === 'off' ? [] : listen)

/** A timeout in whole milliseconds, at least 1. */
function millis(flag: string, v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31 - 1) throw new Error(`${flag} must be a whole number of milliseconds of at least 1`)
  return n
}

export async function serve(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      'tls-listen': { type: 'string', multiple: true },
      'stream-listen': { type: 'string', multiple: true },
      'admin-listen': { type: 'string' },
      'trusted-ips': { type: 'string' },
      'real-ip-header': { type: 'string' },
      'real-ip-recursive': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'log-level': { type: 'string' },
      'access-log': { type: 'boolean' },
      'underscores-in-headers': { type: 'string' },
      'server-token': { type: 'string' },
      headers: { type: 'string' },
      'headers-upstream': { type: 'string' },
      'allow-debug-header': { type: 'string' },
      'tracing-instrumentations': { type: 'string' },
      'tracing-sampling-rate': { type: 'string' },
      'error-default-type': { type: 'string' },
      'error-template-html': { type: 'string' },
      'error-template-json': { type: 'string' },
      'error-template-xml': { type: 'string' },
      'error-template-plain': { type: 'string' },
      workers: { type: 'string' },
      'client-body-buffer-size': { type: 'string' },
      'client-body-timeout': { type: 'string' },
      'send-timeout': { type: 'string' },
      'proxy-buffer-size': { type: 'string' },
      'temp-dir': { type: 'string' },
      ...REQUIRES_OPTION,
      ...KEEPALIVE_OPTIONS,
    },
  })
  const workersSpec = values.workers ?? io.env.GATEWAY_WORKERS ?? '1'
  const workerCount = workersSpec === 'auto' ? autoWorkers() : Number(workersSpec)
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    io.err("gateway serve: --workers must be a whole number of at least 1, or 'auto'")
    return 2
  }
  const inWorker = isClusterWorker()
  const level = (values['log-level'] ?? io.env.GATEWAY_LOG_LEVEL ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(level)) {
    io.err(`gateway serve: --log-level must be one of: ${LOG_LEVELS.join(', ')}`)
    return 2
  }
  const log = createLogger(level)
  const accessLog = values['access-log'] ?? ['1', 'true', 'on'].includes(io.env.GATEWAY_ACCESS_LOG ?? '')
  // Kong's template turns underscores on; `off` is nginx's default, the hardened choice.
  const underscores = values['underscores-in-headers'] ?? io.env.GATEWAY_UNDERSCORES_IN_HEADERS ?? 'on'
  if (underscores !== 'on' && underscores !== 'off') {
    io.err("gateway serve: --underscores-in-headers must be 'on' or 'off'")
    return 2
  }
  const underscoresInHeaders = underscores === 'on'
  // Kong's real_ip_header and real_ip_recursive (defaults X-Real-IP, off).
  const realIpHeader = values['real-ip-header'] ?? io.env.GATEWAY_REAL_IP_HEADER ?? 'X-Real-IP'
  if (realIpHeader.toLowerCase() === 'proxy_protocol') {
    io.err('gateway serve: --real-ip-header proxy_protocol is not supported (the listeners do not speak the PROXY protocol)')
    return 2
  }
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(realIpHeader)) {
    io.err('gateway serve: --real-ip-header must be a header name')
    return 2
  }
  const recursive = values['real-ip-recursive'] ?? io.env.GATEWAY_REAL_IP_RECURSIVE ?? 'off'
  if (recursive !== 'on' && recursive !== 'off') {
    io.err("gateway serve: --real-ip-recursive must be 'on' or 'off'")
    return 2
  }
  const env = io.env
  // Kong's product token unless told otherwise: what Kong clients and monitors match (version.ts).
  const serverToken = values['server-token'] ?? env.GATEWAY_SERVER_TOKEN ?? DEFAULT_SERVER_TOKEN
  try {
    serverTokens(serverToken)
  } catch (err) {
    io.err(`gateway serve: --server-token: ${(err as Error).message}`)
    return 2
  }
  // Kong's `headers` and `headers_upstream`, with Kong's defaults and messages.
  const headers = values.headers ?? env.GATEWAY_HEADERS ?? DEFAULT_HEADERS
  const headersUpstream = values['headers-upstream'] ?? env.GATEWAY_HEADERS_UPSTREAM ?? DEFAULT_HEADERS_UPSTREAM
  try {
    wireHeaders(serverTokens(serverToken), headers, headersUpstream)
  } catch (err) {
    io.err(`gateway serve: ${(err as Error).message}`)
    return 2
  }
  // Kong's allow_debug_header (off by default), written as kong.conf writes a boolean.
  const allowDebug = (values['allow-debug-header'] ?? env.GATEWAY_ALLOW_DEBUG_HEADER ?? 'off').toLowerCase()
  if (!['on', 'off', 'true', 'false'].includes(allowDebug)) {
    io.err("gateway serve: --allow-debug-header must be 'on' or 'off'")
    return 2
  }
  // Kong's tracing_instrumentations (off by default) and tracing_sampling_rate (0.01), with Kong's messages.
  const tracingInstrumentations = values['tracing-instrumentations'] ?? env.GATEWAY_TRACING_INSTRUMENTATIONS ?? 'off'
  const tracingRate = values['tracing-sampling-rate'] ?? env.GATEWAY_TRACING_SAMPLING_RATE ?? String(DEFAULT_SAMPLING_RATE)
  try {
    parseTracing(tracingInstrumentations, tracingRate)
  } catch (err) {
    io.err(`gateway serve: ${(err as Error).message}`)
    return 2
  }
  // Kong's error_default_type and error_template_*: checked (and the templates read) now, not at the first error.
  const errorDefaultType = values['error-default-type'] ?? env.GATEWAY_ERROR_DEFAULT_TYPE ?? DEFAULT_ERROR_DEFAULT_TYPE
  const errorTemplates: Partial<Record<TemplateSuffix, string>> = {}
  for (const suffix of Object.keys(TEMPLATE_SUFFIXES) as TemplateSuffix[]) {
    const path = values[`error-template-${suffix}`] ?? env[`GATEWAY_ERROR_TEMPLATE_${suffix.toUpperCase()}`]
    if (path) errorTemplates[suffix] = path
  }
  try {
    errorFormat(errorDefaultType, errorTemplates)
  } catch (err) {
    io.err(
      `gateway serve: ${(err as Error).message.replace(/^error_(default_type|template_(\w+))/, (_m, name: string) => `--error-${name.replace('_', '-')}`)}`,
    )
    return 2
  }
  let limits
  try {
    limits = {
      bodyBufferBytes: size('--client-body-buffer-size', values['client-body-buffer-size'] ?? env.GATEWAY_CLIENT_BODY_BUFFER_SIZE ?? '8k'),
      bodyTimeoutMs: millis('--client-body-timeout', values['client-body-timeout'] ?? env.GATEWAY_CLIENT_BODY_TIMEOUT ?? '60000'),
      sendTimeoutMs: millis('--send-timeout', values['send-timeout'] ?? env.GATEWAY_SEND_TIMEOUT ?? '60000'),
      proxyBufferBytes: size('--proxy-buffer-size', values['proxy-buffer-size'] ?? env.GATEWAY_PROXY_BUFFER_SIZE ?? '32k'),
      ...((values['temp-dir'] ?? env.GATEWAY_TEMP_DIR) ? { tempDir: values['temp-dir'] ?? env.GATEWAY_TEMP_DIR } : {}),
    }
  } catch (err) {
    io.err(`gateway serve: ${(err as Error).message}`)
    return 2
  }
  let keepalive
  try {
    keepalive = upstreamKeepalive(values, env)
  } catch (err) {
    io.err(`gateway serve: ${(err as Error).message}`)
    return 2
  }
  let requires: string[]
  try {
    requires = luaRequires(values['untrusted-lua-sandbox-requires'], env)
  } catch (err) {
    io.err(`gateway serve: ${(err as Error).message}`)
    return 2
  }
  // Set before the config compiles (chunks take the sandbox of their compile time). The Lua
  // runtime is loaded here only when the list is not empty; otherwise a config that uses Lua loads it.
  if (requires.length > 0) (await import('../lua/engine.js')).setLuaLimits({ requires })
  // Several --config (or a comma-separated GATEWAY_CONFIG), each a file or a directory: one config, merged.
  const configPaths = values.config ?? (list(env.GATEWAY_CONFIG).length > 0 ? list(env.GATEWAY_CONFIG) : ['kong.yml'])
  const configName = configPaths.join(', ')
  const opts = {
    config: configPaths,
    // Kong's `proxy_listen = off`: no proxy listener (an admin-only node).
    listen: offMeansNone(values.listen ?? (list(env.GATEWAY_LISTEN).length ? list(env.GATEWAY_LISTEN) : ['0.0.0.0:8000'])),
    tlsListen: values['tls-listen'] ?? list(env.GATEWAY_TLS_LISTEN),
    // Kong's stream_listen: comma-separated entries, `off` (the default) for none; the flag may repeat.
    streamListen: (values['stream-listen'] ?? [env.GATEWAY_STREAM_LISTEN ?? 'off']).flatMap(splitStreamListen),
    streamLog: (level: 'error' | 'warn' | 'info', fields: Record<string, unknown>, msg: string) => log[level]({ ...fields, subsystem: 'stream' }, msg),
    adminListen: values['admin-listen'] ?? env.GATEWAY_ADMIN_LISTEN ?? '127.0.0.1:8001',
    trustedIps: values['trusted-ips'] ?? env.GATEWAY_TRUSTED_IPS ?? '',
    realIpHeader,
    realIpRecursive: recursive === 'on',
    drainTimeoutMs: Number(values['drain-timeout'] ?? env.GATEWAY_DRAIN_TIMEOUT ?? 25_000),
    limits,
    upstreamKeepalive: keepalive,
    env,
    accessLog: accessLog ? (entry: Record<string, unknown>) => log.info(entry, 'access') : undefined,
    underscoresInHeaders,
    serverToken,
    headers,
    headersUpstream,
    allowDebugHeader: allowDebug === 'on' || allowDebug === 'true',
    tracingInstrumentations,
    tracingSamplingRate: Number(tracingRate),
    errorDefaultType,
    errorTemplates,
    pluginLog: pluginLogger(log),
    requestLog: (fields: Record<string, unknown>, msg: string) => log.error(fields, msg),
    onReload: (r: ReloadResult) => {
      if (inWorker && r.result === 'applied' && r.hash) reportHash(r.hash)
      if (r.result === 'unchanged') return
      const fields = {
        config: configName,
        hash: r.hash,
        duration_ms: r.durationMs,
        ...(r.error ? { error: r.error } : {}),
      }
      if (r.result === 'applied') log.info(fields, 'config reload applied')
      else log.error(fields, `config reload ${r.result}`)
      // One line per problem, with its position: what `gateway validate` prints.
      for (const i of r.issues ?? []) log.error({ file: i.file, line: i.line, column: i.column, path: i.path, entity: i.entity }, `${textLine(i)}`)
    },
  }
  try {
    for (const spec of [...opts.listen, ...opts.tlsListen, ...(opts.adminListen === 'off' ? [] : [opts.adminListen])]) parseListen(spec)
    opts.streamListen.forEach(parseStreamListen)
    parseTrustedIps(opts.trustedIps)
    if (!Number.isInteger(opts.drainTimeoutMs) || opts.drainTimeoutMs < 0) throw new Error('--drain-timeout must be a whole number of milliseconds')
  } catch (err) {
    io.err(`gateway serve: ${(err as Error).message}`)
    return 2
  }
  // A plugin's stray timer or promise is logged, not fatal (safety-net.ts).
  installSafetyNet(log)
  if (workerCount > 1 && !inWorker) {
    // The primary: admin listener and its own view of the config; workers proxy.
    try {
      return await runPrimary({
        count: workerCount,
        log,
        drainTimeoutMs: opts.drainTimeoutMs,
        start: (workers, notReady, serverStats, primaryMetrics) =>
          startGateway({ ...opts, listen: [], tlsListen: [], streamListen: [], accessLog: undefined, workers, notReady, serverStats, primaryMetrics }),
      })
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const i of err.issues) io.err(textLine(i))
        io.err(`${configName}: ${err.message}; not starting`)
        return 1
      }
      io.err(`gateway serve: ${(err as Error).message}`)
      return 2
    }
  }
  let gateway
  try {
    // A worker counts on the primary's counters, so that limits hold for the node.
    gateway = await startGateway(inWorker ? { ...opts, adminListen: 'off', primary: primaryChannel() } : opts)
  } catch (err) {
    // A worker that cannot start must exit, so that the primary replaces it: its IPC channel
    // (held open by the metrics aggregation's listener) would otherwise keep it alive, idle.
    if (inWorker) process.disconnect?.()
    if (err instanceof ConfigError) {
      for (const i of err.issues) io.err(textLine(i))
      io.err(`${configName}: ${err.message}; not starting`)
      return 1
    }
    const e = err as NodeJS.ErrnoException
    // A config path's own message names it (config/files.ts); a file that vanished between listing and reading, by its path.
    const unreadable = e.name === 'ConfigPathError' ? `cannot read ${e.message}` : `cannot read ${e.path ?? configName}`
    io.err(`gateway serve: ${e.code === 'ENOENT' ? unreadable : e.message}`)
    return e.code === 'ENOENT' || e.code === 'EADDRINUSE' || e.code === 'EACCES' ? 2 : 1
  }
  const g = gateway
  const summary = g.holder.current().config
  for (const path of configPaths) {
    const pinned = singleFileMount(path)
    if (pinned && !inWorker) log.warn({ config: path }, pinned)
  }
  if (!inWorker)
    log.info(
      {
        config: configName,
        hash: g.holder.current().hash,
        proxy: g.proxy,
        tls: g.tls,
        ...(g.stream.length > 0 ? { stream: g.stream } : {}),
        admin: g.admin ?? 'off',
        services: summary.services.length,
        routes: summary.routes.length,
        ...(requires.length > 0 ? { untrusted_lua_sandbox_requires: requires } : {}),
      },
      'gateway started',
    )
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping: draining in-flight requests')
      void g.close().then(() => {
        log.info('stopped')
        log.flush()
        resolve()
      })
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
    // SIGHUP reloads now, even when the bytes look unchanged.
    process.on('SIGHUP', () => void g.reload(true))
    if (inWorker) attachWorker(g, () => stop('primary'))
  })
  // A worker's IPC channel would keep it alive after its listeners closed.
  if (inWorker) process.disconnect?.()
  return 0
}

/**
 * A running gateway: load the file, compile, listen. Used by `gateway serve`
 * and by the tests (which listen on port 0 and read the bound addresses).
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { ConfigIssue } from '../config/issues.js'
import { loadPaths } from '../config/load.js'
import { redactForConfig } from '../config/secrets/index.js'
import { compileRuntime, pluginsOf, type CompileOptions } from '../compile/runtime.js'
import { createNodeState, type NodeState } from '../node/state.js'
import type { PrimaryChannel } from '../node/counter-protocol.js'
import type { UpstreamKeepalive } from '../node/pools.js'
import { BUNDLED_PLUGINS, type PluginSet } from '../plugins/set.js'
import cluster from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'
import { mergeExpositions } from '../observability/kong-exposition.js'
import type { RequestLog } from '../runtime/state.js'
import { DEFAULT_CLIENT_LIMITS, type ClientLimits } from '../runtime/limits.js'
import type { ProxyOptions } from '../runtime/options.js'
import { wireHeaders } from '../runtime/kong-headers.js'
import { DEFAULT_REAL_IP, parseTrustedIps } from '../runtime/trust.js'
import { parseTracing } from '../runtime/tracing/settings.js'
import { buildAdminServer } from './admin.js'
import { registerProcessGauges } from '../observability/kong-node.js'
import { buildProxyServer, type ProxyServer, type ProxyServerOptions } from './app.js'
import { defaultCertificate } from './default-certificate.js'
import { ListenerStats, type ServerStats, type ServerTotals } from './listener-stats.js'
import { RuntimeHolder } from '../reload/holder.js'
import { createReloader, type ReloadResult, type Reloader } from '../reload/reloader.js'
import { watchConfig, type ConfigWatcher } from '../reload/watcher.js'
import { serverTokens } from '../version.js'
import { errorFormat, type TemplateSuffix } from '../runtime/error-format.js'
import { parseStreamListen, startStreamListeners, type StreamListeners } from '../runtime/stream/listeners.js'
import type { StreamLog } from '../runtime/stream/session.js'
import { createSecureContext } from 'node:tls'

export interface GatewayOptions {
  /** The declarative files and directories, merged as one config (config/files.ts, config/merge.ts). */
  config: string | readonly string[]
  listen: string[]
  tlsListen?: string[]
  /** Kong's stream_listen entries: `HOST:PORT [ssl] [udp]` (none by default, as Kong's `off`). */
  streamListen?: string[]
  /** Where the stream listeners report sessions they could not serve (no route, upstream failures); silent when unset. */
  streamLog?: StreamLog | undefined
  /** 'off' disables the admin listener. */
  adminListen: string
  trustedIps?: string
  /** Kong's real_ip_header: the header a trusted peer names the client in (default X-Real-IP). */
  realIpHeader?: string
  /** Kong's real_ip_recursive (default false). */
  realIpRecursive?: boolean
  env?: NodeJS.ProcessEnv
  /** Watch the file and reload on change (default true). */
  watch?: boolean
  /** Trailing debounce of file events (ms, default 250). */
  debounceMs?: number
  /** Safety poll of the file (ms, default 10000; 0 = off). */
  pollMs?: number
  /** Called after each reload attempt (logging). */
  onReload?: (r: ReloadResult) => void
  /** One entry per proxied request, when set (off by default). */
  accessLog?: ((entry: Record<string, unknown>) => void) | undefined
  /** Keep request headers whose names contain '_' (default true, as Kong's template; false: dropped, as nginx's default). */
  underscoresInHeaders?: boolean
  /** The product token in Server and Via (default Kong's, `kong/<version>`: version.ts). */
  serverToken?: string
  /** Kong's `headers`: its headers on answers, comma-separated (default `server_tokens, latency_tokens, X-Kong-Request-Id`; `off`: none). */
  headers?: string
  /** Kong's `headers_upstream`: `X-Kong-Request-Id` (the default) or `off`. */
  headersUpstream?: string
  /** Kong's `allow_debug_header` (default false): a request with `Kong-Debug` gets the matched route's and service's ids and names back. */
  allowDebugHeader?: boolean
  /** Kong's error_default_type: the template of an nginx-level error for a request without Accept or Content-Type (default text/plain). */
  errorDefaultType?: string
  /** Kong's error_template_html|json|xml|plain: files whose `%s` take the message and the request id. */
  errorTemplates?: Partial<Record<TemplateSuffix, string>>
  /** For the primary of several workers: each worker's pid and configuration hash, for /status. */
  workers?: (() => { pid: number; hash: string | undefined }[]) | undefined
  /** For the primary of several workers: why the node cannot take traffic on configuration `hash` yet (/readyz), or undefined. */
  notReady?: ((hash: string) => string | undefined) | undefined
  /** In a worker of several: the line to the primary, which keeps the node's counters. */
  primary?: PrimaryChannel | undefined
  /** For the primary of several workers: the `server` block of /status, summed over the workers. */
  serverStats?: (() => Promise<ServerStats>) | undefined
  /** For the primary of several workers: its own plugin-side series (the node's counters), merged into the workers' sum. */
  primaryMetrics?: Registry | undefined
  /** The plugins this gateway runs (default: the bundled ones). Custom sets load the file on the main thread. */
  plugins?: PluginSet
  /** Where plugin instances log (silent when unset). */
  pluginLog?: CompileOptions['pluginLog']
  /** Where unexpected errors of the request path go, with the request id (silent when unset). */
  requestLog?: RequestLog | undefined
  /**
   * The node state (pools, health, plugin slots) to run on; by default the
   * gateway creates its own and closes it when it stops. One passed in is the
   * caller's to close.
   */
  node?: NodeState
  /** On close, how long in-flight requests may take before their connections are cut (ms, default 25000). */
  drainTimeoutMs?: number
  /** Request body and response buffering, client_body_timeout, send_timeout (each defaults to nginx's under Kong). */
  limits?: Partial<ClientLimits>
  /** Kong's upstream_keepalive_pool_size, _max_requests, _idle_timeout (default Kong's 512, 10000, 60 s). */
  upstreamKeepalive?: Partial<UpstreamKeepalive>
  /** Kong's tracing_instrumentations, comma-separated (default `off`: no request is traced). */
  tracingInstrumentations?: string
  /** Kong's tracing_sampling_rate, 0 to 1 (default 0.01). */
  tracingSamplingRate?: number
}

export interface Gateway {
  holder: RuntimeHolder
  /** What this gateway keeps across reloads: pools, target health, plugin slots. */
  node: NodeState
  /** `host:port` actually bound, in the order given. */
  proxy: string[]
  tls: string[]
  /** The stream listeners bound, `host:port` with ` ssl` or ` udp`, in the order given. */
  stream: string[]
  admin: string | undefined
  reloader: Reloader
  /** Looks at the file now (SIGHUP uses force). */
  reload(force?: boolean): Promise<ReloadResult>
  /** /readyz answers 503 from now on (shutdown has begun elsewhere, e.g. in workers). */
  markDraining(): void
  /** Connections and requests of this gateway's proxy listeners (Kong's /status `server` block). */
  serverStats(): ServerStats
  /** The totals of serverStats() alone (cheap), and a listener told each time one grows (on the request path: keep it cheap). */
  serverTotals(): ServerTotals
  onServerGrowth(listener: () => void): void
  close(): Promise<void>
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid configuration: ${issues.length} ${issues.length === 1 ? 'error' : 'errors'}`)
  }
}

/** A listen address and Kong's options on it (`proxy_listen`'s syntax: `0.0.0.0:8443 http2 ssl`). */
export interface ListenSpec {
  host: string
  port: number
  /** `ssl`: a TLS listener (as --tls-listen). */
  ssl: boolean
  /** `http2`: cleartext HTTP/2 (h2c) beside HTTP/1.1 on a plain listener; TLS listeners always offer h2. */
  http2: boolean
}

// nginx's listen options that tune the socket, accepted so that Kong's lines work as written; they change nothing here.
const NGINX_ONLY = /^(?:reuseport|deferred|bind|backlog=\d+|ipv6only=(?:on|off)|so_keepalive=\S+)$/

/** `host:port`, `[v6]:port` or `:port` (all interfaces), then Kong's options, space-separated. */
export function parseListen(spec: string): ListenSpec {
  const [address = '', ...flags] = spec.trim().split(/\s+/)
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address)
  if (!m) throw new Error(`invalid listen address '${spec}': expected HOST:PORT`)
  const port = Number(m[3])
  if (port > 65535) throw new Error(`invalid listen address '${spec}': port out of range`)
  const out: ListenSpec = { host: m[1] ?? (m[2] || '0.0.0.0'), port, ssl: false, http2: false }
  for (const flag of flags) {
    if (flag === 'ssl') out.ssl = true
    else if (flag === 'http2') out.http2 = true
    else if (!NGINX_ONLY.test(flag)) throw new Error(`invalid listen address '${spec}': unsupported option '${flag}'`)
  }
  return out
}

const bound = (app: FastifyInstance) => {
  const a = app.server.address() as AddressInfo
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`
}

/** The workers' plugin metrics, summed, in the text format (the primary serves no traffic itself), with the primary's own. */
function clusterPluginMetrics(own: Registry | undefined): () => Promise<string> {
  const aggregator = new AggregatorRegistry()
  return async () => {
    const summed = (await aggregator.clusterMetrics()) as string
    return own ? mergeExpositions(summed, await own.metrics()) : summed
  }
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  // A bad token, headers list, error type or template stops the start before anything is opened.
  const wire = wireHeaders(serverTokens(opts.serverToken), opts.headers, opts.headersUpstream, opts.allowDebugHeader)
  const errors = errorFormat(opts.errorDefaultType, opts.errorTemplates)
  const tracing = parseTracing(opts.tracingInstrumentations, opts.tracingSamplingRate)
  const env = opts.env ?? process.env
  const plugins = opts.plugins ?? BUNDLED_PLUGINS
  const loaded = await loadPaths(typeof opts.config === 'string' ? [opts.config] : opts.config, { env, registry: plugins.registry })
  if (!loaded.ok) throw new ConfigError(loaded.issues)
  // Everything that outlives a reload: pools, target health, plugin metrics and slots.
  const node =
    opts.node ??
    createNodeState({
      id: env.GATEWAY_NODE_ID,
      secret: env.GATEWAY_NODE_SECRET === undefined ? undefined : Buffer.from(env.GATEWAY_NODE_SECRET, 'base64url'),
      syslogSocket: env.GATEWAY_SYSLOG_SOCKET,
      trustedCertificate: env.GATEWAY_LUA_SSL_TRUSTED_CERTIFICATE,
      upstreamKeepalive: opts.upstreamKeepalive,
      primary: opts.primary,
    })
  const ownsNode = opts.node === undefined
  // Kong's per-process gauges (heap as the Lua VM, timers), summed across workers by the primary.
  registerProcessGauges(node.metrics, node.id)
  // With --workers, the primary's /metrics sums what each worker counted (prom-client's cluster aggregation).
  if (cluster.isWorker) {
    new AggregatorRegistry() // its constructor installs the worker's answer to the primary's requests
    AggregatorRegistry.setRegistries([node.metrics])
  }
  const servedPluginMetrics = opts.workers ? clusterPluginMetrics(opts.primaryMetrics) : node.metrics
  let first
  try {
    await plugins.prepare(pluginsOf(loaded.config))
    first = compileRuntime(loaded.config, loaded.hash, { node, pluginLog: opts.pluginLog, plugins })
  } catch (err) {
    if (ownsNode) await node.close()
    // A plugin's error may quote its settings: never its secrets.
    if (err instanceof Error) err.message = redactForConfig(err.message, loaded.config, plugins.registry)
    throw err
  }
  const holder = new RuntimeHolder(first)
  // Every default of the request path, resolved here once; each listener gets this same value.
  const proxyOptions: ProxyOptions = {
    trusted: parseTrustedIps(opts.trustedIps),
    realIp: { header: (opts.realIpHeader ?? DEFAULT_REAL_IP.header).toLowerCase(), recursive: opts.realIpRecursive ?? DEFAULT_REAL_IP.recursive },
    accessLog: opts.accessLog,
    requestLog: opts.requestLog,
    underscoresInHeaders: opts.underscoresInHeaders ?? true,
    limits: { ...DEFAULT_CLIENT_LIMITS, ...opts.limits },
    wire,
    errors,
    tracing,
  }
  let draining = false
  const servers: FastifyInstance[] = []
  const proxy: string[] = []
  const tls: string[] = []
  let admin: string | undefined
  const reloader = createReloader({
    file: opts.config,
    holder,
    env,
    node,
    onResult: opts.onReload,
    pluginLog: opts.pluginLog,
    plugins: opts.plugins,
  })
  let watcher: ConfigWatcher | undefined
  const proxyServers: ProxyServer[] = []
  const stats = new ListenerStats()
  // Checked before anything is opened: a bad entry stops the start.
  const streamSpecs = (opts.streamListen ?? []).map(parseStreamListen)
  let streams: StreamListeners | undefined
  let closing: Promise<void> | undefined
  // Graceful stop: /readyz answers 503 from now on; the proxy listeners stop
  // accepting and finish what is in flight (cut after the drain timeout); the
  // admin listener closes last so probes see the drain.
  const closeAll = () =>
    (closing ??= (async () => {
      draining = true
      await watcher?.close()
      const drainMs = opts.drainTimeoutMs ?? 25_000
      const drained = Promise.allSettled([...proxyServers.map((p) => p.app.close()), streams?.close(drainMs)])
      const timeout = setTimeout(() => {
        for (const p of proxyServers) p.cut()
      }, drainMs)
      await drained
      clearTimeout(timeout)
      await Promise.allSettled(servers.filter((s) => !proxyServers.some((p) => p.app === s)).map((s) => s.close()))
      reloader.close()
      holder.current().dispose()
      if (ownsNode) await node.close()
    })())
  try {
    // `--listen ... ssl` is a TLS listener too (Kong's proxy_listen lists both kinds).
    const plainSpecs = opts.listen.map(parseListen)
    const tlsSpecs = [...plainSpecs.filter((l) => l.ssl), ...(opts.tlsListen ?? []).map((spec) => ({ ...parseListen(spec), ssl: true }))]
    const listenProxy = async (l: ListenSpec, build: ProxyServerOptions): Promise<string> => {
      const p = buildProxyServer(build)
      servers.push(p.app)
      proxyServers.push(p)
      stats.track(p.app.server, build.tls === true)
      await p.app.listen({ host: l.host, port: l.port })
      return bound(p.app)
    }
    for (const l of plainSpecs.filter((l) => !l.ssl)) proxy.push(await listenProxy(l, { holder, proxy: proxyOptions, http2: l.http2 }))
    const sslStreams = streamSpecs.some((s) => s.ssl)
    const defaultCert = tlsSpecs.length > 0 || sslStreams ? await defaultCertificate() : undefined
    for (const l of tlsSpecs) tls.push(await listenProxy(l, { holder, tls: true, proxy: proxyOptions, defaultCertificate: defaultCert }))
    if (streamSpecs.length > 0) {
      const streamLog = opts.streamLog ?? (() => {})
      streams = await startStreamListeners(streamSpecs, {
        current: () => holder.current(),
        log: streamLog,
        defaultContext: sslStreams && defaultCert ? createSecureContext({ cert: defaultCert.cert, key: defaultCert.key }) : undefined,
      })
    }
    if (opts.adminListen !== 'off') {
      const { host, port, ssl, http2 } = parseListen(opts.adminListen)
      if (ssl || http2) throw new Error(`invalid admin listen address '${opts.adminListen}': the admin listener takes no '${ssl ? 'ssl' : 'http2'}' option`)
      const app = buildAdminServer({
        holder,
        reloader,
        isDraining: () => draining,
        server: opts.serverStats ?? (() => stats.snapshot()),
        workers: opts.workers,
        notReady: opts.notReady,
        pluginMetrics: servedPluginMetrics,
        wire,
      })
      servers.push(app)
      await app.listen({ host, port })
      admin = bound(app)
    }
    if (opts.watch !== false) {
      watcher = watchConfig({ file: opts.config, onChange: () => void reloader.request(), debounceMs: opts.debounceMs, pollMs: opts.pollMs })
      await watcher.ready
    }
  } catch (err) {
    await closeAll()
    throw err
  }
  return {
    holder,
    node,
    proxy,
    tls,
    stream: [...(streams?.bound ?? [])],
    admin,
    reloader,
    reload: (force) => reloader.request(force),
    markDraining: () => {
      draining = true
    },
    serverStats: () => stats.snapshot(),
    serverTotals: () => stats.totals(),
    onServerGrowth: (listener) => stats.onGrowth(listener),
    close: closeAll,
  }
}

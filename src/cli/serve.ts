/** `gateway serve`: flags (each with an environment variable), start, stop on SIGTERM/SIGINT. */
import { parseArgs } from 'node:util'
import { ConfigError, parseListen, startGateway } from '../server/gateway.js'
import { parseTrustedIps } from '../runtime/trust.js'
import { singleFileMount } from '../reload/mount-check.js'
import { textLine } from './report.js'
import type { Io } from './validate.js'
import type { ReloadResult } from '../reload/reloader.js'

export const SERVE_USAGE = `  gateway serve [--config PATH] [--listen HOST:PORT]... [--tls-listen HOST:PORT]...
                [--admin-listen HOST:PORT|off] [--trusted-ips CIDR,...] [--drain-timeout MS]
      Serve a declarative file, reloading it when it changes (SIGHUP forces a reload).
      Defaults: ./kong.yml, 0.0.0.0:8000, no TLS, admin 127.0.0.1:8001, drain 25000 ms.
      Environment: GATEWAY_CONFIG, GATEWAY_LISTEN, GATEWAY_TLS_LISTEN, GATEWAY_ADMIN_LISTEN,
      GATEWAY_TRUSTED_IPS, GATEWAY_DRAIN_TIMEOUT (lists are comma-separated).`

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])

export async function serve(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      listen: { type: 'string', multiple: true },
      'tls-listen': { type: 'string', multiple: true },
      'admin-listen': { type: 'string' },
      'trusted-ips': { type: 'string' },
      'drain-timeout': { type: 'string' },
    },
  })
  const env = io.env
  const opts = {
    config: values.config ?? env.GATEWAY_CONFIG ?? 'kong.yml',
    listen: values.listen ?? (list(env.GATEWAY_LISTEN).length ? list(env.GATEWAY_LISTEN) : ['0.0.0.0:8000']),
    tlsListen: values['tls-listen'] ?? list(env.GATEWAY_TLS_LISTEN),
    adminListen: values['admin-listen'] ?? env.GATEWAY_ADMIN_LISTEN ?? '127.0.0.1:8001',
    trustedIps: values['trusted-ips'] ?? env.GATEWAY_TRUSTED_IPS ?? '',
    drainTimeoutMs: Number(values['drain-timeout'] ?? env.GATEWAY_DRAIN_TIMEOUT ?? 25_000),
    env,
    onReload: (r: ReloadResult) => {
      if (r.result === 'unchanged') return
      io.out(JSON.stringify({ msg: `config reload ${r.result}`, config: values.config ?? env.GATEWAY_CONFIG ?? 'kong.yml', hash: r.hash, duration_ms: r.durationMs, ...(r.error ? { error: r.error } : {}) }))
      for (const i of r.issues ?? []) io.err(textLine(i))
    },
  }
  try {
    for (const spec of [...opts.listen, ...opts.tlsListen, ...(opts.adminListen === 'off' ? [] : [opts.adminListen])]) parseListen(spec)
    parseTrustedIps(opts.trustedIps)
    if (!Number.isInteger(opts.drainTimeoutMs) || opts.drainTimeoutMs < 0) throw new Error('--drain-timeout must be a whole number of milliseconds')
  } catch (err) {
    io.err(`gateway serve: ${(err as Error).message}`)
    return 2
  }
  let gateway
  try {
    gateway = await startGateway(opts)
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const i of err.issues) io.err(textLine(i))
      io.err(`${opts.config}: ${err.message}; not starting`)
      return 1
    }
    const e = err as NodeJS.ErrnoException
    io.err(`gateway serve: ${e.code === 'ENOENT' ? `cannot read ${opts.config}` : e.message}`)
    return e.code === 'ENOENT' || e.code === 'EADDRINUSE' || e.code === 'EACCES' ? 2 : 1
  }
  const g = gateway
  const summary = g.holder.current().config
  const pinned = singleFileMount(opts.config)
  if (pinned) io.err(JSON.stringify({ level: 'warn', msg: pinned }))
  io.out(JSON.stringify({ msg: 'gateway started', config: opts.config, proxy: g.proxy, tls: g.tls, admin: g.admin ?? 'off', services: summary.services.length, routes: summary.routes.length }))
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.out(JSON.stringify({ msg: 'stopping', signal }))
      void g.close().then(resolve)
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
    // SIGHUP reloads now, even when the bytes look unchanged.
    process.on('SIGHUP', () => void g.reload(true))
  })
  return 0
}

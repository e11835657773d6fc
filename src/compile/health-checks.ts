/**
 * Active health checks: the gateway probes each target of an upstream on its
 * own timers and records the outcome in the node's health store. A checker
 * belongs to one Runtime and stops when that Runtime is disposed.
 *
 * Each probe opens a connection of its own and closes it, as Kong's checker
 * does: a probe riding a kept-alive connection would test neither the connect
 * nor, over https, the handshake. https probes talk TLS with the upstream's
 * probe settings (upstream-tls.ts compileProbeTls) and send the name Kong's
 * checker sends: https_sni, else the upstream's host_header, else the
 * target's host when it is a name. A failed handshake is a TCP failure.
 * `type: tcp` probes only open a connection (Kong's checker does the same);
 * grpc and grpcs probes are plain-text http GETs, as Kong's checker sends
 * them (lua-resty-healthcheck 3.1.0, which Kong pins, talks TLS for `https`
 * only and never HTTP/2), so a grpcs probe has no handshake either.
 * At most `active.concurrency` probes of one upstream are in flight at once
 * (Kong's default 10, kong/db/schema/entities/upstreams.lua): a target whose
 * timer fires while all slots are taken waits its turn, in order.
 */
import { connect, isIP } from 'node:net'
import { Client, type buildConnector } from 'undici'
import type { Upstream } from '../config/model.js'
import { timedConnector } from '../node/connector.js'
import { record, type HealthStore, type Outcome, type Thresholds } from '../node/health.js'
import { tlsConnectOptions } from '../node/pools.js'
import type { ProbeTls } from './upstream-tls.js'

type Checks = Upstream['healthchecks']

/** Thresholds of one side (active or passive): both records have the same shape. */
function thresholdsOf(c: Checks['active'] | Checks['passive']): Thresholds {
  return {
    healthyStatuses: new Set(c.healthy.http_statuses),
    unhealthyStatuses: new Set(c.unhealthy.http_statuses),
    successes: c.healthy.successes,
    httpFailures: c.unhealthy.http_failures,
    tcpFailures: c.unhealthy.tcp_failures,
    timeouts: c.unhealthy.timeouts,
  }
}

export const passiveThresholds = (u: Upstream): Thresholds => thresholdsOf(u.healthchecks.passive)
const activeThresholds = (u: Upstream): Thresholds => thresholdsOf(u.healthchecks.active)

export interface ActiveChecker {
  stop(): void
}

type ProbeTarget = { host: string; port: number; key: string }

/** A name without its port (a host_header may carry one; a server name never does). */
const withoutPort = (host: string) => (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, ''))

/**
 * Probes targets on their own timers: healthy targets every `healthy.interval`
 * seconds, unhealthy ones every `unhealthy.interval` (0 disables either).
 * `tls`: how https probes connect (compileProbeTls; plain probes ignore it).
 */
export function startActiveChecks(u: Upstream, targets: readonly ProbeTarget[], health: HealthStore, tls: ProbeTls): ActiveChecker {
  const a = u.healthchecks.active
  const t = activeThresholds(u)
  const timers = new Map<string, NodeJS.Timeout>()
  if ((a.healthy.interval === 0 && a.unhealthy.interval === 0) || targets.length === 0) return { stop() {} }
  const https = a.type === 'https'
  const timeoutMs = a.timeout * 1000
  const headers = Object.fromEntries(Object.entries(a.headers ?? {}).map(([k, v]) => [k, v.join(', ')]))
  // Once per target: a connector with the probe's timeout and, over https, its TLS settings and server name.
  const connectorFor = (target: ProbeTarget): buildConnector.connector => {
    if (!https) return timedConnector(timeoutMs, {})
    const connect = timedConnector(timeoutMs, { ...tlsConnectOptions(tls) })
    const servername = a.https_sni ?? (u.host_header ? withoutPort(u.host_header) : isIP(target.host) ? undefined : target.host)
    // undici would send the Host header's name; the checker's name wins (undefined: none, for an address).
    return (opts, cb) => connect({ ...opts, servername }, cb)
  }
  const connectors = new Map(targets.map((target) => [target.key, connectorFor(target)]))
  let stopped = false
  // The concurrency slots: a count of probes in flight and the turns waiting for one (FIFO).
  let inFlight = 0
  const waiting: (() => void)[] = []
  const acquire = (): Promise<void> | undefined => {
    if (inFlight < a.concurrency) {
      inFlight++
      return undefined
    }
    return new Promise((resolve) => waiting.push(resolve))
  }
  // A freed slot passes straight to the next waiter, so inFlight never goes over the limit.
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else inFlight--
  }
  // type tcp: a connection made is a success, as Kong's checker counts it; nothing is sent.
  const tcpProbe = (target: ProbeTarget) =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: target.host, port: target.port })
      const done = (outcome: Outcome) => {
        clearTimeout(timer)
        socket.destroy()
        if (!stopped) record(health.of(target.key), t, outcome)
        resolve()
      }
      const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs)
      socket.once('connect', () => done({ kind: 'connected' }))
      socket.once('error', () => done({ kind: 'tcp' }))
    })
  const probe = async (target: ProbeTarget) => {
    if (a.type === 'tcp') return tcpProbe(target)
    const state = health.of(target.key)
    const client = new Client(`${https ? 'https' : 'http'}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`, {
      connect: connectors.get(target.key)!,
    })
    try {
      const r = await client.request({
        path: a.http_path,
        method: 'GET',
        headers: { ...headers, host: u.host_header ?? target.host },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      await r.body.dump()
      if (!stopped) record(state, t, { kind: 'http', status: r.statusCode })
    } catch (err) {
      if (stopped) return
      const code = (err as NodeJS.ErrnoException).code ?? ''
      record(state, t, code.includes('TIMEOUT') ? { kind: 'timeout' } : { kind: 'tcp' })
    } finally {
      void client.destroy().catch(() => {})
    }
  }
  const schedule = (target: ProbeTarget) => {
    const state = health.of(target.key)
    const interval = state.healthy ? a.healthy.interval : a.unhealthy.interval
    // A disabled side still re-checks occasionally whether the state changed.
    const delay = interval > 0 ? interval * 1000 : 1000
    const timer = setTimeout(async () => {
      if (stopped) return
      if (interval > 0) {
        await acquire()
        if (stopped) return
        try {
          await probe(target)
        } finally {
          release()
        }
      }
      if (!stopped) schedule(target)
    }, delay)
    timer.unref()
    timers.set(target.key, timer)
  }
  for (const target of targets) schedule(target)
  return {
    stop() {
      stopped = true
      for (const timer of timers.values()) clearTimeout(timer)
    },
  }
}

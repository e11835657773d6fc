/**
 * Active health checks: the gateway probes each target of an upstream on its
 * own timers and records the outcome in the node's health store. A checker
 * belongs to one Runtime and stops when that Runtime is disposed.
 */
import { request } from 'undici'
import type { Upstream } from '../config/model.js'
import { record, type HealthStore, type Thresholds } from '../node/health.js'

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

/**
 * Probes targets on their own timers: healthy targets every `healthy.interval`
 * seconds, unhealthy ones every `unhealthy.interval` (0 disables either).
 */
export function startActiveChecks(u: Upstream, targets: readonly { host: string; port: number; key: string }[], health: HealthStore): ActiveChecker {
  const a = u.healthchecks.active
  const t = activeThresholds(u)
  const timers = new Map<string, NodeJS.Timeout>()
  if ((a.healthy.interval === 0 && a.unhealthy.interval === 0) || targets.length === 0) return { stop() {} }
  const scheme = a.type === 'https' ? 'https' : 'http'
  let stopped = false
  const probe = async (target: (typeof targets)[number]) => {
    const state = health.of(target.key)
    try {
      const r = await request(`${scheme}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}${a.http_path}`, {
        method: 'GET',
        headers: { ...Object.fromEntries(Object.entries(a.headers ?? {}).map(([k, v]) => [k, v.join(', ')])), host: u.host_header ?? target.host },
        headersTimeout: a.timeout * 1000,
        bodyTimeout: a.timeout * 1000,
      })
      await r.body.dump()
      if (!stopped) record(state, t, { kind: 'http', status: r.statusCode })
    } catch (err) {
      if (stopped) return
      const code = (err as NodeJS.ErrnoException).code ?? ''
      record(state, t, code.includes('TIMEOUT') ? { kind: 'timeout' } : { kind: 'tcp' })
    }
  }
  const schedule = (target: (typeof targets)[number]) => {
    const state = health.of(target.key)
    const interval = state.healthy ? a.healthy.interval : a.unhealthy.interval
    // A disabled side still re-checks occasionally whether the state changed.
    const delay = interval > 0 ? interval * 1000 : 1000
    const timer = setTimeout(async () => {
      if (stopped) return
      if (interval > 0) await probe(target)
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

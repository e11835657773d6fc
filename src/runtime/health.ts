/**
 * Target health: passive checks (proxied traffic counts successes and
 * failures) and active checks (the gateway probes each target). State lives
 * outside the Runtime, keyed by upstream name and target address, so a reload
 * that keeps a target keeps what is known about it.
 */
import { request } from 'undici'
import type { Upstream } from '../config/model.js'

export type Outcome = { kind: 'http'; status: number } | { kind: 'tcp' } | { kind: 'timeout' }

export interface TargetHealth {
  healthy: boolean
  successes: number
  httpFailures: number
  tcpFailures: number
  timeouts: number
}

const states = new Map<string, TargetHealth>()

export function healthKey(upstream: string, host: string, port: number): string {
  return `${upstream}|${host}:${port}`
}

export function healthOf(key: string): TargetHealth {
  let s = states.get(key)
  if (!s) {
    s = { healthy: true, successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0 }
    states.set(key, s)
  }
  return s
}

/** Forgets targets no longer configured (called after a config is applied). */
export function retainHealth(keys: ReadonlySet<string>): void {
  for (const k of states.keys()) if (!keys.has(k)) states.delete(k)
}

interface Thresholds {
  healthyStatuses: ReadonlySet<number>
  unhealthyStatuses: ReadonlySet<number>
  successes: number
  httpFailures: number
  tcpFailures: number
  timeouts: number
}

/** Applies one observation with Kong's counters: a failure counter reaching its threshold marks the target unhealthy, successes reaching theirs mark it healthy. */
export function record(state: TargetHealth, t: Thresholds, outcome: Outcome): void {
  if (outcome.kind === 'http' && t.healthyStatuses.has(outcome.status)) {
    state.httpFailures = state.tcpFailures = state.timeouts = 0
    if (!state.healthy && t.successes > 0 && ++state.successes >= t.successes) {
      state.healthy = true
      state.successes = 0
    }
    return
  }
  let count: number
  let limit: number
  if (outcome.kind === 'http') {
    if (!t.unhealthyStatuses.has(outcome.status)) return
    count = ++state.httpFailures
    limit = t.httpFailures
  } else if (outcome.kind === 'tcp') {
    count = ++state.tcpFailures
    limit = t.tcpFailures
  } else {
    count = ++state.timeouts
    limit = t.timeouts
  }
  state.successes = 0
  if (state.healthy && limit > 0 && count >= limit) state.healthy = false
}

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
export function startActiveChecks(u: Upstream, targets: readonly { host: string; port: number; key: string }[]): ActiveChecker {
  const a = u.healthchecks.active
  const t = activeThresholds(u)
  const timers = new Map<string, NodeJS.Timeout>()
  if ((a.healthy.interval === 0 && a.unhealthy.interval === 0) || targets.length === 0) return { stop() {} }
  const scheme = a.type === 'https' ? 'https' : 'http'
  let stopped = false
  const probe = async (target: (typeof targets)[number]) => {
    const state = healthOf(target.key)
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
    const state = healthOf(target.key)
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

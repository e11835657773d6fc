/**
 * Target health as the node knows it: counters and the healthy flag of each
 * target, keyed by upstream name and target address, so a reload that keeps a
 * target keeps what is known about it. Passive checks (proxied traffic) and
 * active probes (compile/health-checks.ts) feed it through `record`.
 */

/** What one observation saw: an HTTP status, a TCP failure, a timeout, or (tcp probes) a connection made. */
export type Outcome = { kind: 'http'; status: number } | { kind: 'tcp' } | { kind: 'timeout' } | { kind: 'connected' }

export interface TargetHealth {
  healthy: boolean
  successes: number
  httpFailures: number
  tcpFailures: number
  timeouts: number
}

export function healthKey(upstream: string, host: string, port: number): string {
  return `${upstream}|${host}:${port}`
}

export class HealthStore {
  readonly #states = new Map<string, TargetHealth>()

  /** The state of one target (see healthKey), healthy until told otherwise. */
  of(key: string): TargetHealth {
    let s = this.#states.get(key)
    if (!s) {
      s = { healthy: true, successes: 0, httpFailures: 0, tcpFailures: 0, timeouts: 0 }
      this.#states.set(key, s)
    }
    return s
  }

  /** Forgets targets outside `keys` (called when a replaced config retires). */
  retain(keys: ReadonlySet<string>): void {
    for (const k of this.#states.keys()) if (!keys.has(k)) this.#states.delete(k)
  }
}

export interface Thresholds {
  healthyStatuses: ReadonlySet<number>
  unhealthyStatuses: ReadonlySet<number>
  successes: number
  httpFailures: number
  tcpFailures: number
  timeouts: number
}

/** Applies one observation with Kong's counters: a failure counter reaching its threshold marks the target unhealthy, successes reaching theirs mark it healthy. */
export function record(state: TargetHealth, t: Thresholds, outcome: Outcome): void {
  if (outcome.kind === 'connected' || (outcome.kind === 'http' && t.healthyStatuses.has(outcome.status))) {
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

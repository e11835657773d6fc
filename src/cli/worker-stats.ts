/**
 * `--workers N`: the /status `server` block in the primary, which has no proxy
 * listener of its own. When /status is read it asks every worker for its
 * listeners' counts over IPC and sums the answers. A worker that does not
 * answer in time counts with what it said last.
 *
 * A worker that dies keeps its accepted, handled and request totals in the
 * sum, and its replacement starts at 0, so the totals never go backwards (as
 * nginx's counters outlive a worker). For the totals to be its final ones
 * even when it is killed outright (SIGKILL, the OOM killer), a worker also
 * reports its totals as they grow, at most once per REPORT_MS: a report per
 * request would cost each request an IPC message. What a worker counted in
 * its last REPORT_MS before such a death is lost.
 */
import type { Worker } from 'node:cluster'
import type { Gateway } from '../server/gateway.js'
import { NO_STATS, sumStats, type ServerStats, type ServerTotals } from '../server/listener-stats.js'

/** The longest a worker's growing totals go unreported. */
export const REPORT_MS = 20

/** A /status poll (primary → worker, without `stats`) and its answer (worker → primary). */
export type StatsMessage = { type: 'server-stats'; id: number; stats?: ServerStats }
/** A worker's totals, sent unasked when they have grown. */
export type TotalsMessage = { type: 'server-totals'; totals: ServerTotals }

const isStats = (m: unknown): m is StatsMessage => (m as { type?: unknown } | null)?.type === 'server-stats'
const isTotals = (m: unknown): m is TotalsMessage => (m as { type?: unknown } | null)?.type === 'server-totals'

const TOTALS = ['total_requests', 'connections_accepted', 'connections_handled'] as const

/** The larger of each total: reports and poll answers travel in order, but a total never shrinks anyway. */
function latest(a: ServerTotals | undefined, b: ServerTotals): ServerTotals {
  if (!a) return { total_requests: b.total_requests, connections_accepted: b.connections_accepted, connections_handled: b.connections_handled }
  return {
    total_requests: Math.max(a.total_requests, b.total_requests),
    connections_accepted: Math.max(a.connections_accepted, b.connections_accepted),
    connections_handled: Math.max(a.connections_handled, b.connections_handled),
  }
}

export interface StatsCollector {
  /** The workers' counts, summed (at most `timeoutMs` after the call). */
  collect(): Promise<ServerStats>
  /** Feeds a message from worker `w` (other messages are ignored). */
  receive(w: Worker, m: unknown): void
  /** `w` exited: its totals stay in the sum, its connections are gone. */
  retire(w: Worker): void
}

export function statsCollector(workers: () => Iterable<Worker>, timeoutMs = 1000): StatsCollector {
  /** Live workers: the last poll answer (connections) and the latest totals (polls and reports). */
  const last = new Map<Worker, ServerStats>()
  const totals = new Map<Worker, ServerTotals>()
  /** Dead workers' totals, summed; and what each had when it was added (a report may arrive after the exit). */
  const retired: ServerStats = { ...NO_STATS }
  const folded = new WeakMap<Worker, ServerTotals>()
  const waiting = new Map<number, { left: Set<Worker>; done: () => void }>()
  let nextId = 0
  const total = () => {
    const live = [...last.entries()].map(([w, s]) => ({ ...s, ...totals.get(w) }))
    // A worker that reported but never answered a poll yet: its totals, no connections known.
    for (const [w, t] of totals) if (!last.has(w)) live.push({ ...NO_STATS, ...t })
    return sumStats([retired, ...live])
  }
  /** Adds to the dead's sum what `w` counted beyond what was already added. */
  const fold = (w: Worker, now: ServerTotals) => {
    const before = folded.get(w)
    for (const k of TOTALS) retired[k] += Math.max(0, now[k] - (before?.[k] ?? 0))
    folded.set(w, latest(before, now))
  }
  const note = (w: Worker, t: ServerTotals) => {
    if (folded.has(w)) fold(w, t)
    else totals.set(w, latest(totals.get(w), t))
  }
  return {
    collect() {
      const id = nextId++
      const left = new Set(workers())
      if (left.size === 0) return Promise.resolve(total())
      return new Promise<ServerStats>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          waiting.delete(id)
          resolve(total())
        }
        const timer = setTimeout(done, timeoutMs)
        timer.unref()
        waiting.set(id, { left, done })
        for (const w of left) w.send({ type: 'server-stats', id } satisfies StatsMessage)
      })
    },
    receive(w, m) {
      if (isTotals(m)) return note(w, m.totals)
      if (!isStats(m) || !m.stats) return
      note(w, m.stats)
      // A late answer from a dead worker counts in its totals (above), never as live connections.
      if (!folded.has(w)) last.set(w, m.stats)
      const pending = waiting.get(m.id)
      pending?.left.delete(w)
      if (pending?.left.size === 0) pending.done()
    },
    retire(w) {
      const t = totals.get(w)
      last.delete(w)
      totals.delete(w)
      fold(w, t ?? { total_requests: 0, connections_accepted: 0, connections_handled: 0 })
      for (const p of waiting.values()) {
        p.left.delete(w)
        if (p.left.size === 0) p.done()
      }
    },
  }
}

/**
 * In a worker: answer the primary's polls with this gateway's counts, and
 * report its totals within REPORT_MS of their growing.
 */
export function answerStats(g: Gateway): void {
  const send = (m: StatsMessage | TotalsMessage) => {
    // A failed send means the primary is gone: nothing left to report to.
    if (process.connected && process.send) process.send(m, undefined, undefined, () => undefined)
  }
  process.on('message', (m: unknown) => {
    if (isStats(m) && !m.stats) send({ type: 'server-stats', id: m.id, stats: g.serverStats() })
  })
  let pending: NodeJS.Timeout | undefined
  const report = () => {
    pending = undefined
    send({ type: 'server-totals', totals: g.serverTotals() })
  }
  // Called for every connection and request: one check, a timer only when none is pending.
  g.onServerGrowth(() => {
    pending ??= setTimeout(report, REPORT_MS).unref()
  })
}

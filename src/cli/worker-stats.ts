/**
 * `--workers N`: the /status `server` block in the primary, which has no proxy
 * listener of its own. When /status is read it asks every worker for its
 * listeners' counts over IPC and sums the answers. A worker that does not
 * answer in time counts with what it said last; a worker that died keeps its
 * accepted, handled and request totals in the sum (as nginx's counters outlive
 * a worker), so the totals never go backwards when a worker is replaced.
 */
import type { Worker } from 'node:cluster'
import type { Gateway } from '../server/gateway.js'
import { NO_STATS, sumStats, type ServerStats } from '../server/listener-stats.js'

export type StatsMessage = { type: 'server-stats'; id: number; stats?: ServerStats }

const isStats = (m: unknown): m is StatsMessage => (m as { type?: unknown } | null)?.type === 'server-stats'

export interface StatsCollector {
  /** The workers' counts, summed (at most `timeoutMs` after the call). */
  collect(): Promise<ServerStats>
  /** Feeds a message from worker `w` (other messages are ignored). */
  receive(w: Worker, m: unknown): void
  /** `w` exited: its totals stay in the sum, its connections are gone. */
  retire(w: Worker): void
}

export function statsCollector(workers: () => Iterable<Worker>, timeoutMs = 1000): StatsCollector {
  const last = new Map<Worker, ServerStats>()
  const retired: ServerStats = { ...NO_STATS }
  const waiting = new Map<number, { left: Set<Worker>; done: () => void }>()
  let nextId = 0
  const total = () => sumStats([retired, ...last.values()])
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
      if (!isStats(m) || !m.stats) return
      last.set(w, m.stats)
      const pending = waiting.get(m.id)
      pending?.left.delete(w)
      if (pending?.left.size === 0) pending.done()
    },
    retire(w) {
      const s = last.get(w)
      last.delete(w)
      if (s) {
        retired.total_requests += s.total_requests
        retired.connections_accepted += s.connections_accepted
        retired.connections_handled += s.connections_handled
      }
      for (const p of waiting.values()) {
        p.left.delete(w)
        if (p.left.size === 0) p.done()
      }
    },
  }
}

/** In a worker: answer the primary's requests with this gateway's counts. */
export function answerStats(g: Gateway): void {
  process.on('message', (m: unknown) => {
    if (isStats(m) && !m.stats) process.send?.({ type: 'server-stats', id: m.id, stats: g.serverStats() } satisfies StatsMessage)
  })
}

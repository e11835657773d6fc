/**
 * The node's counters in a single process: exact and synchronous, on one
 * CounterStore. The gateway without `--workers` uses these; a worker of
 * `--workers` uses LeasedCounters (counter-lease.ts), which counts on the
 * primary's store instead, and falls back to these when the primary is gone.
 */
import type { CounterTake, NodeCounters } from '../plugins/types.js'
import { CounterStore } from './counter-store.js'

export class LocalCounters implements NodeCounters {
  readonly store = new CounterStore()

  get(keys: readonly string[]): number[] {
    const now = Date.now()
    return keys.map((k) => this.store.get(k, now))
  }

  take(keys: readonly string[], limits: readonly number[], ttls: readonly number[]): CounterTake {
    const now = Date.now()
    const used = keys.map((k) => this.store.get(k, now))
    for (let i = 0; i < keys.length; i++) if (used[i]! >= limits[i]!) return { ok: false, used }
    for (let i = 0; i < keys.length; i++) this.store.add(keys[i]!, 1, ttls[i]!, now)
    return { ok: true, used }
  }

  add(keys: readonly string[], by: number, ttls: readonly number[]): void {
    const now = Date.now()
    for (let i = 0; i < keys.length; i++) this.store.add(keys[i]!, by, ttls[i]!, now)
  }

  close(): void {
    this.store.close()
  }
}

/**
 * The `local` policy's counters (Kong's kong_rate_limiting_counters shm): one
 * map per node (a node slot), keyed by Kong's counter keys. Keys carry the
 * plugin instance's scope, not its id, so a reload that keeps the scope keeps
 * the counts. Entries expire like Kong's (TTL from the first increment); a
 * sweep drops them, and a cap bounds the map when windows are still open.
 */
import { nodeSlot } from '../../types.js'

interface Counter {
  value: number
  expiresAt: number
}

/** Above this many keys, expired ones are swept at once and, if still over, the oldest go. */
const MAX_KEYS = 1_000_000
const SWEEP_EVERY_MS = 10_000

export class LocalCounters {
  readonly #counters = new Map<string, Counter>()
  #sweeper: NodeJS.Timeout | undefined

  /** The current value of a counter (0 when absent or expired). */
  get(key: string, now = Date.now()): number {
    const c = this.#counters.get(key)
    return c !== undefined && c.expiresAt > now ? c.value : 0
  }

  /** Adds `by` to a counter, creating it with a TTL of `ttlSeconds`; returns the new value. */
  incr(key: string, by: number, ttlSeconds: number, now = Date.now()): number {
    const counters = this.#counters
    const c = counters.get(key)
    if (c !== undefined && c.expiresAt > now) {
      c.value += by
      return c.value
    }
    if (counters.size >= MAX_KEYS) {
      this.#sweep(now)
      // Still full: drop the oldest keys (insertion order), like the shm's LRU eviction.
      for (const k of counters.keys()) {
        if (counters.size < MAX_KEYS) break
        counters.delete(k)
      }
    }
    counters.set(key, { value: by, expiresAt: now + ttlSeconds * 1000 })
    this.#ensureSweeper()
    return by
  }

  /** How many keys are held (tests). */
  get size(): number {
    return this.#counters.size
  }

  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper)
    this.#sweeper = undefined
    this.#counters.clear()
  }

  #sweep(now: number): void {
    for (const [key, c] of this.#counters) if (c.expiresAt <= now) this.#counters.delete(key)
  }

  #ensureSweeper(): void {
    if (this.#sweeper) return
    this.#sweeper = setInterval(() => {
      this.#sweep(Date.now())
      if (this.#counters.size === 0) {
        clearInterval(this.#sweeper)
        this.#sweeper = undefined
      }
    }, SWEEP_EVERY_MS)
    this.#sweeper.unref()
  }
}

/** The node's local counters, shared by rate-limiting and response-ratelimiting (Kong shares the shm). */
export const LOCAL_COUNTERS = nodeSlot(
  'shared:rate-limit-counters',
  () => new LocalCounters(),
  (c) => c.close(),
)

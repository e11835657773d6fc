/**
 * Counters with a TTL in one process (Kong's kong_rate_limiting_counters shm):
 * the map behind the node's counters, in a single process and in the primary
 * of `--workers`. Entries expire like Kong's (TTL from the first increment); a
 * sweep drops them, and a cap bounds the map when windows are still open.
 */

export interface CounterEntry {
  value: number
  readonly expiresAt: number
  /** In the primary of several workers: the workers that may hold a lease on this counter. */
  holders?: Set<number> | undefined
}

/** Above this many keys, expired ones are swept at once and, if still over, the oldest go. */
export const MAX_KEYS = 1_000_000

/**
 * What one counter costs, estimated for Kong's shared-dict gauges: the key's
 * characters (one byte each in V8's one-byte strings) plus the entry object
 * and its map slot. Kong's rate-limiting keys run to about 128 characters,
 * so the store's capacity is MAX_KEYS such entries.
 */
export const ENTRY_BYTES = 96
export const CAPACITY_BYTES = MAX_KEYS * (ENTRY_BYTES + 128)
const SWEEP_EVERY_MS = 10_000

export class CounterStore {
  readonly #counters = new Map<string, CounterEntry>()
  #sweeper: NodeJS.Timeout | undefined

  /** The live entry of a key, if any. */
  entry(key: string, now = Date.now()): CounterEntry | undefined {
    const c = this.#counters.get(key)
    return c !== undefined && c.expiresAt > now ? c : undefined
  }

  /** The current value of a counter (0 when absent or expired). */
  get(key: string, now = Date.now()): number {
    return this.entry(key, now)?.value ?? 0
  }

  /** Adds `by` to a counter, creating it with a TTL of `ttlSeconds`; returns its entry. */
  add(key: string, by: number, ttlSeconds: number, now = Date.now()): CounterEntry {
    const counters = this.#counters
    const c = counters.get(key)
    if (c !== undefined && c.expiresAt > now) {
      c.value += by
      return c
    }
    if (counters.size >= MAX_KEYS) {
      this.#sweep(now)
      // Still full: drop the oldest keys (insertion order), like the shm's LRU eviction.
      for (const k of counters.keys()) {
        if (counters.size < MAX_KEYS) break
        counters.delete(k)
      }
    }
    // An expired entry is replaced, never reused: its holders belong to the window that ended.
    const fresh: CounterEntry = { value: by, expiresAt: now + ttlSeconds * 1000 }
    counters.delete(key)
    counters.set(key, fresh)
    this.#ensureSweeper()
    return fresh
  }

  /** Adds `by` to a counter, creating it with a TTL of `ttlSeconds`; returns the new value. */
  incr(key: string, by: number, ttlSeconds: number, now = Date.now()): number {
    return this.add(key, by, ttlSeconds, now).value
  }

  /** The bytes the live and not yet swept entries hold, estimated (ENTRY_BYTES); read at scrape time. */
  bytes(): number {
    let n = 0
    for (const k of this.#counters.keys()) n += ENTRY_BYTES + k.length
    return n
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

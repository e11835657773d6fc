/**
 * The `local` policy's counters (Kong's kong_rate_limiting_counters shm): one
 * map for the whole process, keyed by Kong's counter keys. Keys carry the
 * plugin instance's scope, not its id, so a reload that keeps the scope keeps
 * the counts. Entries expire like Kong's (TTL from the first increment); a
 * sweep drops them, and a cap bounds the map when windows are still open.
 */

interface Counter {
  value: number
  expiresAt: number
}

const counters = new Map<string, Counter>()
/** Above this many keys, expired ones are swept at once and, if still over, the oldest go. */
const MAX_KEYS = 1_000_000
const SWEEP_EVERY_MS = 10_000
let sweeper: NodeJS.Timeout | undefined

function sweep(now: number): void {
  for (const [key, c] of counters) if (c.expiresAt <= now) counters.delete(key)
}

function ensureSweeper(): void {
  if (sweeper) return
  sweeper = setInterval(() => {
    sweep(Date.now())
    if (counters.size === 0) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }, SWEEP_EVERY_MS)
  sweeper.unref()
}

/** The current value of a counter (0 when absent or expired). */
export function localGet(key: string, now = Date.now()): number {
  const c = counters.get(key)
  return c !== undefined && c.expiresAt > now ? c.value : 0
}

/** Adds `by` to a counter, creating it with a TTL of `ttlSeconds`; returns the new value. */
export function localIncr(key: string, by: number, ttlSeconds: number, now = Date.now()): number {
  const c = counters.get(key)
  if (c !== undefined && c.expiresAt > now) {
    c.value += by
    return c.value
  }
  if (counters.size >= MAX_KEYS) {
    sweep(now)
    // Still full: drop the oldest keys (insertion order), like the shm's LRU eviction.
    for (const k of counters.keys()) {
      if (counters.size < MAX_KEYS) break
      counters.delete(k)
    }
  }
  counters.set(key, { value: by, expiresAt: now + ttlSeconds * 1000 })
  ensureSweeper()
  return by
}

/** For tests: how many keys are held. */
export function localSize(): number {
  return counters.size
}

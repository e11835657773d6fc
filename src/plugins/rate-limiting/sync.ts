/**
 * rate-limiting's `sync_rate` (> 0) for the redis policy: counters kept on the
 * node and synchronised with Redis every `sync_rate` seconds, as Kong's
 * policies/init.lua does, so that a request whose keys are known costs no
 * round trip.
 *
 * - First sight of a key: Kong's INCR script, so the request is in Redis at
 *   once. The local count starts from the value after it, with -1 pending,
 *   since the request's own count() adds it again.
 * - Afterwards the count is the value last read from Redis plus what this node
 *   counted since (`delta`). Accepted requests add 1; refused ones nothing.
 * - The flush (a timer armed by traffic, every `sync_rate` seconds) sends every
 *   delta in one round trip (INCRBY, and EXPIREAT when that creates the key) and
 *   takes the values Redis answers as the new base, so other nodes' counts show
 *   up here. Keys unused since the previous flush are dropped (their next
 *   request reads Redis again); with no keys left the timer stops.
 *
 * Kong's known flaws are not reproduced: EXPIREAT gets seconds (Kong passes
 * milliseconds, so its keys never expire); what is counted while a flush is on
 * the wire, and what a failed flush carried, stay for the next flush (Kong
 * clears both); the first request of a key counts locally at once (Kong's
 * local count misses it until the flush).
 */
import { redisIdentity, type RedisClients } from '../shared/redis/client.js'
import type { RedisConfig } from '../shared/redis/schema.js'
import { runScript, type RedisScript } from '../shared/redis/script.js'
import { numbers, redisIncrBefore } from '../shared/rate-limit/redis-ops.js'
import { nodeSlot, type PluginLog } from '../types.js'

/**
 * The flush, for many keys: ARGV holds each key's delta and EXPIREAT (Unix
 * seconds). A zero delta only reads. Returns the values after the change.
 */
const SYNC: RedisScript = {
  name: 'rateLimitSync',
  lua: `local out = {}
for i, key in ipairs(KEYS) do
  local delta = tonumber(ARGV[2 * i - 1])
  if delta == 0 then
    out[i] = tonumber(redis.call('get', key) or '0')
  else
    local existed = redis.call('exists', key)
    out[i] = redis.call('incrby', key, delta)
    if existed == 0 then redis.call('expireat', key, ARGV[2 * i]) end
  end
end
return out`,
}

/** Keys per script call in a flush; the calls of one flush go out together. */
const KEYS_PER_CALL = 500

export interface Counter {
  /** Redis's value, as of the last read or flush. */
  base: number
  /** Counted here and not yet sent. */
  delta: number
  /** The end of the key's window, Unix seconds: the EXPIREAT of a key the flush creates. */
  readonly expireAt: number
  /** Used since the last flush. */
  touched: boolean
  /** The first read from Redis, while it is on the wire. */
  ready: Promise<void> | undefined
}

/** The counters of the instances that share one Redis configuration and one sync_rate. */
export class SyncedCounters {
  readonly #counters = new Map<string, Counter>()
  readonly #clients: RedisClients
  readonly #cfg: RedisConfig
  readonly #intervalMs: number
  readonly #log: PluginLog
  #timer: NodeJS.Timeout | undefined
  #flushing = false
  #closed = false

  constructor(clients: RedisClients, cfg: RedisConfig, syncRate: number, log: PluginLog) {
    this.#clients = clients
    this.#cfg = cfg
    this.#intervalMs = syncRate * 1000
    this.#log = log
  }

  /**
   * The counters of `keys` (a key's count before this request is base + delta);
   * a promise when a key is new here and Redis is asked first. `windows` are the
   * keys' window starts (Unix ms), `ttls` their expirations in seconds.
   */
  usage(keys: readonly string[], ttls: readonly number[], windows: readonly number[]): Counter[] | Promise<Counter[]> {
    const out: Counter[] = []
    let fresh: number[] | undefined
    let pending: Promise<void>[] | undefined
    for (let i = 0; i < keys.length; i++) {
      let c = this.#counters.get(keys[i]!)
      if (c === undefined) {
        c = { base: 0, delta: 0, expireAt: windows[i]! / 1000 + ttls[i]!, touched: true, ready: undefined }
        this.#counters.set(keys[i]!, c)
        ;(fresh ??= []).push(i)
      } else {
        c.touched = true
        if (c.ready) (pending ??= []).push(c.ready)
      }
      out.push(c)
    }
    if (fresh) (pending ??= []).push(this.#read(keys, ttls, out, fresh))
    if (!pending) return out
    return Promise.all(pending).then(() => out)
  }

  /** An accepted request: 1 more on each counter, sent with the next flush. */
  count(counters: readonly Counter[]): void {
    for (const c of counters) c.delta += 1
    this.#arm()
  }

  /** Sends what was counted (the timer calls it). */
  async flush(): Promise<void> {
    if (this.#flushing || this.#closed) return
    this.#flushing = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    try {
      await this.#send()
    } finally {
      this.#flushing = false
      if (this.#counters.size > 0) this.#arm()
    }
  }

  /** Stops the timer and forgets the counters (the node stops; unsent counts are lost, as in Kong). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#counters.clear()
  }

  /** First sight of `fresh` keys: Kong's INCR script, so that Redis counts this request now. */
  #read(keys: readonly string[], ttls: readonly number[], out: readonly Counter[], fresh: readonly number[]): Promise<void> {
    const counters = fresh.map((i) => out[i]!)
    const ready = redisIncrBefore(
      this.#clients,
      this.#cfg,
      fresh.map((i) => keys[i]!),
      fresh.map((i) => ttls[i]!),
    ).then(
      (before) => {
        counters.forEach((c, j) => {
          // Redis holds this request already; its count() adds it here, so -1 until then.
          c.base = before[j]! + 1
          c.delta -= 1
          c.ready = undefined
        })
        // A refused request leaves the -1 to send.
        this.#arm()
      },
      (err: unknown) => {
        fresh.forEach((i, j) => {
          const c = counters[j]!
          c.ready = undefined
          if (this.#counters.get(keys[i]!) === c) this.#counters.delete(keys[i]!)
        })
        throw err
      },
    )
    for (const c of counters) c.ready = ready
    return ready
  }

  #arm(): void {
    if (this.#timer || this.#flushing || this.#closed) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      // #send handles Redis's failures; this only guards against a bug ending as an unhandled rejection.
      this.flush().catch((err: unknown) => this.#log.error('counter sync failed', { err: err instanceof Error ? err.message : String(err) }))
    }, this.#intervalMs)
    // Counters waiting for a sync must not keep the process alive.
    this.#timer.unref()
  }

  async #send(): Promise<void> {
    const keys: string[] = []
    const batch: Counter[] = []
    const sent: number[] = []
    for (const [key, c] of this.#counters) {
      if (c.ready) continue
      if (!c.touched && c.delta === 0) {
        this.#counters.delete(key)
        continue
      }
      c.touched = false
      keys.push(key)
      batch.push(c)
      sent.push(c.delta)
      // What is counted from now on waits for the next flush.
      c.delta = 0
    }
    if (keys.length === 0) return
    let failure: unknown
    try {
      const client = await this.#clients.get(this.#cfg)
      const calls: Promise<unknown>[] = []
      for (let at = 0; at < keys.length; at += KEYS_PER_CALL) {
        const end = Math.min(at + KEYS_PER_CALL, keys.length)
        const args: number[] = []
        for (let i = at; i < end; i++) args.push(sent[i]!, batch[i]!.expireAt)
        calls.push(runScript(client, SYNC, keys.slice(at, end), args))
      }
      const replies = await Promise.allSettled(calls)
      replies.forEach((r, n) => {
        const at = n * KEYS_PER_CALL
        try {
          if (r.status === 'rejected') throw r.reason
          numbers(r.value).forEach((v, j) => (batch[at + j]!.base = v))
        } catch (err) {
          failure = err
          restore(batch, sent, at, Math.min(at + KEYS_PER_CALL, keys.length))
        }
      })
    } catch (err) {
      failure = err
      restore(batch, sent, 0, keys.length)
    }
    if (failure === undefined || this.#closed) return
    // Deltas of windows that have ended are of no use any more.
    const now = Date.now() / 1000
    keys.forEach((key, i) => {
      if (batch[i]!.expireAt <= now && this.#counters.get(key) === batch[i]) this.#counters.delete(key)
    })
    this.#log.error('failed to sync counters to Redis', { err: failure instanceof Error ? failure.message : String(failure) })
  }
}

/** A failed call may or may not have reached Redis: its deltas go with the next flush (sent twice at worst, never lost). */
function restore(batch: Counter[], sent: readonly number[], from: number, to: number): void {
  for (let i = from; i < to; i++) batch[i]!.delta += sent[i]!
}

/** The node's synced counters, one set per Redis configuration and sync_rate (kept across reloads). */
export class SyncGroups {
  readonly #groups = new Map<string, SyncedCounters>()

  get(clients: RedisClients, cfg: RedisConfig, syncRate: number, log: PluginLog): SyncedCounters {
    const id = `${redisIdentity(cfg)}:${syncRate}`
    let g = this.#groups.get(id)
    if (!g) {
      g = new SyncedCounters(clients, cfg, syncRate, log)
      this.#groups.set(id, g)
    }
    return g
  }

  close(): void {
    for (const g of this.#groups.values()) g.close()
    this.#groups.clear()
  }
}

export const SYNC_GROUPS = nodeSlot(
  'rate-limiting:sync',
  () => new SyncGroups(),
  (g) => g.close(),
)

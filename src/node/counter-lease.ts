/**
 * The node's counters in a worker of `--workers`: the counts live in the
 * primary (counter-authority.ts); this side answers what it can by itself.
 *
 * - A take on keys that all hold a lease is answered at once (the units were
 *   counted in the primary when leased); a lease running low is refilled in
 *   the background, so a busy key far from its limit rarely waits.
 * - A take on a key known to be full (the primary refused it with no lease
 *   out) is refused at once until the key expires: a flood of refused requests
 *   costs no round trip.
 * - Anything else asks the primary. A tick's questions go in one message.
 *
 * `used` (the headers' count) is the primary's value at the last answer minus
 * this worker's unused lease: other workers' unused leases count as used, so
 * X-RateLimit-Remaining may lag by what they hold; refusals are exact.
 *
 * If the primary is gone, or does not answer in time, the worker counts on
 * its own (per worker, as before node-wide counters) rather than stall. An
 * answer that comes after that still brings its lease: those units are
 * counted in the primary, and this worker is the one asked to give them back.
 */
import type { CounterTake, NodeCounters } from '../plugins/types.js'
import { MAX_KEYS } from './counter-store.js'
import { LocalCounters } from './counters.js'
import {
  ANSWER_TIMEOUT_MS,
  COUNTERS,
  isCountersMessage,
  type CounterAnswer,
  type CounterOp,
  type CounterReply,
  type PrimaryChannel,
  type TakeAnswer,
} from './counter-protocol.js'

interface Lease {
  /** Units this worker may count without asking. */
  lease: number
  /** The node's count as last seen, minus this worker's unused lease (headers only). */
  used: number
  /** A value the key is known to have reached, exactly (0: none known). */
  floor: number
  readonly expiresAt: number
  /** The size of the last lease granted: a refill starts below a quarter of it. */
  grant: number
  /** The limit of the last answer: a lease granted under a higher one is not used. */
  limit: number
  refilling: boolean
}

interface Waiter {
  /** The primary's answer, or undefined when it cannot answer (in time): the worker decides by itself. */
  answer(a: CounterAnswer | undefined): void
  /** An answer that came after `answer(undefined)`: what it granted must not be lost. */
  late?: ((a: CounterAnswer) => void) | undefined
}

interface Batch {
  /** Per operation; undefined once answered (or, expired, when no late answer matters). */
  readonly waiters: (Waiter | undefined)[]
  left: number
  readonly timer: NodeJS.Timeout
  /** Once the worker stopped waiting: until when a late answer is still settled (epoch ms). */
  lateUntil?: number
}

export interface LeaseOptions {
  /** How long a batch may wait for the primary before the worker counts on its own (ms, default ANSWER_TIMEOUT_MS). */
  answerTimeoutMs?: number
}

const SWEEP_EVERY_MS = 10_000
/** How long an expired batch's answers are still settled (ms): a primary this late is stuck, not slow. */
const LATE_MS = 60_000

export class LeasedCounters implements NodeCounters {
  readonly #channel: PrimaryChannel
  readonly #leases = new Map<string, Lease>()
  /** Counts made while the primary cannot answer. */
  readonly #fallback = new LocalCounters()
  readonly #batches = new Map<number, Batch>()
  readonly #timeoutMs: number
  readonly #stop: () => void
  #ops: CounterOp[] = []
  #waiters: Waiter[] = []
  #scheduled = false
  #seq = 0
  #connected = true
  #sweeper: NodeJS.Timeout | undefined

  constructor(channel: PrimaryChannel, opts: LeaseOptions = {}) {
    this.#channel = channel
    this.#timeoutMs = opts.answerTimeoutMs ?? ANSWER_TIMEOUT_MS
    this.#stop = channel.listen(
      (m) => this.#receive(m),
      () => this.#disconnected(),
    )
  }

  get(keys: readonly string[]): number[] | Promise<number[]> {
    if (!this.#connected) return this.#fallback.get(keys)
    return this.#ask({ op: 'get', keys: [...keys] }).then((a) => (Array.isArray(a) ? a : this.#fallback.get(keys)))
  }

  add(keys: readonly string[], by: number, ttls: readonly number[]): void {
    if (!this.#connected) return this.#fallback.add(keys, by, ttls)
    this.#queue({ op: 'add', keys: [...keys], by, ttls: [...ttls] }, { answer: noop })
  }

  take(keys: readonly string[], limits: readonly number[], ttls: readonly number[]): CounterTake | Promise<CounterTake> {
    if (!this.#connected) return this.#fallback.take(keys, limits, ttls)
    const now = Date.now()
    const n = keys.length
    const held: (Lease | undefined)[] = []
    let all = true
    for (let i = 0; i < n; i++) {
      const e = this.#live(keys[i]!, now)
      // Known full at this limit: refused here, exactly as the primary would.
      if (e && e.floor >= limits[i]!) return { ok: false, used: keys.map((k, j) => this.#seen(this.#live(k, now), limits[j]!)) }
      // No lease left, or a limit lowered (by a reload) since the lease was granted: the primary decides.
      if (!e || e.lease < 1 || limits[i]! < e.limit) all = false
      held.push(e)
    }
    if (all) {
      const used: number[] = []
      let low: number[] | undefined
      for (let i = 0; i < n; i++) {
        const e = held[i]!
        used.push(e.used)
        e.used += 1
        e.lease -= 1
        if (!e.refilling && e.lease * 4 < e.grant) (low ??= []).push(i)
      }
      if (low) this.#refill(low, keys, limits, ttls, held)
      return { ok: true, used }
    }
    // Some key has no lease: the primary decides, with this worker's leases on these keys given back.
    const returned = held.map((e) => {
      const units = e?.lease ?? 0
      if (e) e.lease = 0
      return units
    })
    const op: CounterOp = { op: 'take', keys: [...keys], limits: [...limits], ttls: [...ttls], returned, count: 1 }
    // Answered late, after this worker decided by itself: the request is settled, its lease is not.
    const late = (a: CounterAnswer) => {
      if (isTake(a)) this.#apply(op.keys, op.limits, a)
    }
    return this.#ask(op, late).then((a) => {
      if (!isTake(a)) return this.#fallback.take(keys, limits, ttls)
      this.#apply(keys, limits, a)
      return { ok: a.ok, used: a.used }
    })
  }

  close(): void {
    this.#stop()
    this.#disconnected()
    this.#fallback.close()
  }

  /** How many keys this worker holds a view of (tests). */
  get size(): number {
    return this.#leases.size
  }

  /** The count to show for a key: its exact value when known full, the estimate otherwise. */
  #seen(e: Lease | undefined, limit: number): number {
    if (!e) return 0
    return e.floor >= limit ? e.floor : e.used
  }

  #live(key: string, now: number): Lease | undefined {
    const e = this.#leases.get(key)
    if (e === undefined) return undefined
    if (e.expiresAt > now) return e
    this.#leases.delete(key)
    return undefined
  }

  #refill(low: number[], keys: readonly string[], limits: readonly number[], ttls: readonly number[], held: (Lease | undefined)[]): void {
    for (const i of low) held[i]!.refilling = true
    const op: CounterOp = {
      op: 'take',
      keys: low.map((i) => keys[i]!),
      limits: low.map((i) => limits[i]!),
      ttls: low.map((i) => ttls[i]!),
      returned: low.map(() => 0),
      count: 0,
    }
    const apply = (a: CounterAnswer | undefined) => {
      if (isTake(a)) this.#apply(op.keys, op.limits, a)
    }
    void this.#ask(op, apply).then((a) => {
      for (const i of low) held[i]!.refilling = false
      apply(a)
    })
  }

  /** The primary's answer about `keys`: leases, the count seen, full keys. */
  #apply(keys: readonly string[], limits: readonly number[], a: TakeAnswer): void {
    const now = Date.now()
    for (let i = 0; i < keys.length; i++) {
      const expiresAt = a.expires[i]!
      if (!(expiresAt > now)) continue
      let e = this.#live(keys[i]!, now)
      if (e === undefined || e.expiresAt !== expiresAt) {
        if (this.#leases.size >= MAX_KEYS) this.#sweep(now)
        // Still full: forget the oldest views (their unused leases stay counted in the primary).
        for (const k of this.#leases.keys()) {
          if (this.#leases.size < MAX_KEYS) break
          this.#leases.delete(k)
        }
        e = { lease: 0, used: 0, floor: 0, expiresAt, grant: 0, limit: limits[i]!, refilling: false }
        this.#leases.delete(keys[i]!)
        this.#leases.set(keys[i]!, e)
        this.#ensureSweeper()
      }
      e.limit = limits[i]!
      const leased = a.leases[i]!
      if (leased > 0) {
        e.lease += leased
        e.grant = leased
      }
      e.used = Math.max(0, a.values[i]! - e.lease)
      if (a.full[i]) e.floor = Math.max(e.floor, a.values[i]!)
    }
  }

  /** `late` settles an answer that comes after the worker stopped waiting for it. */
  #ask(op: CounterOp, late?: (a: CounterAnswer) => void): Promise<CounterAnswer | undefined> {
    return new Promise((resolve) => this.#queue(op, { answer: resolve, late }))
  }

  #queue(op: CounterOp, waiter: Waiter): void {
    this.#ops.push(op)
    this.#waiters.push(waiter)
    if (this.#scheduled) return
    this.#scheduled = true
    // One message per turn of the event loop: requests that arrive together share it.
    setImmediate(() => this.#flush())
  }

  #flush(): void {
    this.#scheduled = false
    const ops = this.#ops
    const waiters = this.#waiters
    this.#ops = []
    this.#waiters = []
    if (ops.length === 0) return
    if (!this.#connected) return waiters.forEach((w) => w.answer(undefined))
    const batch = ++this.#seq
    // Not unref'd: requests wait on it, and it is cleared as soon as the answers are in. It expires
    // the batch one turn later: after a stall of this worker (a loaded machine), timers run before
    // the answers already waiting on the channel are read, and those answers must win. (node:cluster
    // also holds the primary's messages back while a connection it handed this worker is not yet
    // acknowledged: those answers come after the stall, late, and are settled as such.)
    const timer = setTimeout(() => setImmediate(() => this.#expire(batch)), this.#timeoutMs)
    this.#batches.set(batch, { waiters, left: waiters.length, timer })
    if (!this.#channel.send({ type: COUNTERS, batch, ops })) this.#disconnected()
  }

  /** The answer to one operation of a batch. */
  #answer(batch: number, index: number, answer: CounterAnswer): void {
    const b = this.#batches.get(batch)
    const waiter = b?.waiters[index]
    if (!b || !waiter) return
    b.waiters[index] = undefined
    if (--b.left === 0) {
      this.#batches.delete(batch)
      clearTimeout(b.timer)
    }
    if (b.lateUntil === undefined) waiter.answer(answer)
    else waiter.late?.(answer)
  }

  /**
   * A batch's unanswered operations get nothing: they count on their own. The
   * batch stays to settle late answers, up to LATE_MS, unless the channel is
   * `closed` (nothing more will come).
   */
  #expire(batch: number, closed = false): void {
    const b = this.#batches.get(batch)
    if (!b || (b.lateUntil !== undefined && !closed)) return
    clearTimeout(b.timer)
    const waiting = b.lateUntil === undefined ? [...b.waiters] : []
    if (closed) this.#batches.delete(batch)
    else this.#keepForLate(batch, b)
    for (const w of waiting) w?.answer(undefined)
  }

  #keepForLate(batch: number, b: Batch): void {
    const now = Date.now()
    for (const [id, old] of this.#batches) if (old.lateUntil !== undefined && old.lateUntil < now) this.#batches.delete(id)
    b.lateUntil = now + LATE_MS
    b.waiters.forEach((w, i) => {
      if (w && !w.late) {
        b.waiters[i] = undefined
        b.left--
      }
    })
    if (b.left === 0) this.#batches.delete(batch)
  }

  #receive(m: unknown): void {
    if (!isCountersMessage(m)) return
    const msg = m as { replies?: unknown; revoke?: unknown; keys?: unknown }
    if (Array.isArray(msg.replies)) {
      for (const [batch, index, answer] of msg.replies as CounterReply[]) this.#answer(batch, index, answer)
      return
    }
    if (typeof msg.revoke === 'number' && Array.isArray(msg.keys)) {
      // Questions not sent yet may give units back too: they must reach the primary before this answer.
      if (this.#ops.length > 0) this.#flush()
      // Give back every unused unit at once: the primary is about to refuse on these keys.
      const now = Date.now()
      const returned = (msg.keys as string[]).map((k) => {
        const e = this.#live(k, now)
        if (!e) return 0
        const units = e.lease
        e.lease = 0
        e.grant = 0
        return units
      })
      if (!this.#channel.send({ type: COUNTERS, revoked: msg.revoke, returned })) this.#disconnected()
    }
  }

  #disconnected(): void {
    if (!this.#connected) return
    this.#connected = false
    this.#leases.clear()
    if (this.#sweeper) clearInterval(this.#sweeper)
    this.#sweeper = undefined
    for (const batch of [...this.#batches.keys()]) this.#expire(batch, true)
  }

  #sweep(now: number): void {
    for (const [key, e] of this.#leases) if (e.expiresAt <= now) this.#leases.delete(key)
  }

  #ensureSweeper(): void {
    if (this.#sweeper) return
    this.#sweeper = setInterval(() => {
      this.#sweep(Date.now())
      if (this.#leases.size === 0) {
        clearInterval(this.#sweeper)
        this.#sweeper = undefined
      }
    }, SWEEP_EVERY_MS)
    this.#sweeper.unref()
  }
}

const noop = () => undefined

const isTake = (a: CounterAnswer | undefined): a is TakeAnswer => typeof a === 'object' && a !== null && !Array.isArray(a)

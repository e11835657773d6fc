/**
 * The node's counters in the primary of `--workers`: every count of every
 * worker lands here, so a limit holds for the node as Kong's shm holds it for
 * its nginx workers. Answers each worker's batch of operations, leases units
 * to workers when a key is far from its limit, and takes leases back before
 * refusing (see counter-protocol.ts).
 *
 * A take touching a key whose leases are being taken back waits for that to
 * end, then decides on exact values. A worker that does not answer a revoke
 * in time, or dies, keeps its units counted as used: a limit may then refuse
 * early by those units, never let more through. A late answer (a worker
 * that was only slow) still gives its units back, so what was refused early
 * is admitted again at the next request.
 */
import { CounterStore, type CounterEntry } from './counter-store.js'
import {
  COUNTERS,
  REVOKE_TIMEOUT_MS,
  type CounterAnswer,
  type CounterOp,
  type CounterReply,
  type TakeAnswer,
  type ToPrimary,
  type ToWorker,
} from './counter-protocol.js'

/** At most this many units leased to a worker per key and answer: what the worker's headers may lag by. */
export const LEASE_MAX = 100
/** A lease is at most 1/(LEASE_SHARE × workers) of what is left, so leases shrink to none near a limit. */
const LEASE_SHARE = 4
/** How long a late answer to a timed-out revoke is still taken into account (ms). */
const LATE_MS = 60_000

export interface AuthorityOptions {
  /** Sends to one worker; false when it is gone (nothing will come back from it). */
  send(worker: number, message: ToWorker): boolean
  /** How many workers share the node (lease sizes). */
  workers(): number
  /** How long a revoke waits for a worker's answer (ms, default REVOKE_TIMEOUT_MS). */
  revokeTimeoutMs?: number
  /**
   * A revoke timed out: these workers kept their units on these keys, so a limit may refuse
   * early by those units until their late answers come (the primary logs it).
   */
  onLate?(workers: number[], keys: string[]): void
}

interface Revocation {
  /** Each asked worker's keys, in the order of its revoke message. */
  readonly asked: Map<number, string[]>
  readonly finish: () => void
}

type TakeOp = Extract<CounterOp, { op: 'take' }>

export class CounterAuthority {
  readonly store = new CounterStore()
  readonly #opts: AuthorityOptions
  readonly #revoking = new Map<string, Promise<void>>()
  readonly #revocations = new Map<number, Revocation>()
  /** Revokes that timed out: id → the workers that had not answered, with their keys, until LATE_MS. */
  readonly #late = new Map<number, { asked: Map<number, string[]>; until: number }>()
  /** Answers computed and not sent yet, per worker: sent at the end of a batch, and before any revoke. */
  readonly #outbox = new Map<number, CounterReply[]>()
  #seq = 0
  #closed = false

  constructor(opts: AuthorityOptions) {
    this.#opts = opts
  }

  /** A counters message from `worker`. Malformed ones are dropped: they come from our own workers. */
  handle(worker: number, m: ToPrimary): void {
    if (this.#closed) return
    if ('revoked' in m) return this.#returned(worker, m.revoked, m.returned)
    if (!Array.isArray(m.ops)) return
    // Answers found while this batch is read go out together at its end; one that had to wait goes
    // out the moment it is found, before anything else can revoke what it grants.
    let reading = true
    m.ops.forEach((op, index) => {
      const done = (a: CounterAnswer) => this.#reply(worker, [m.batch, index, a], !reading)
      try {
        this.#run(worker, op, done)
      } catch {
        // A malformed operation (never sent by our workers): no answer, so that worker counts it itself.
        done(null)
      }
    })
    reading = false
    this.#flush(worker)
  }

  /** A worker is gone: revokes stop waiting for it. Its leases stay counted. */
  gone(worker: number): void {
    this.#outbox.delete(worker)
    for (const r of [...this.#revocations.values()]) {
      if (r.asked.delete(worker) && r.asked.size === 0) r.finish()
    }
    for (const l of this.#late.values()) l.asked.delete(worker)
  }

  close(): void {
    this.#closed = true
    this.#outbox.clear()
    this.#late.clear()
    for (const r of [...this.#revocations.values()]) r.finish()
    this.store.close()
  }

  #reply(worker: number, reply: CounterReply, now: boolean): void {
    const box = this.#outbox.get(worker)
    if (box) box.push(reply)
    else this.#outbox.set(worker, [reply])
    if (now) this.#flush(worker)
  }

  #flush(worker: number): void {
    const replies = this.#outbox.get(worker)
    if (!replies) return
    this.#outbox.delete(worker)
    this.#opts.send(worker, { type: COUNTERS, replies })
  }

  #run(worker: number, op: CounterOp, done: (a: CounterAnswer) => void): void {
    const now = Date.now()
    switch (op.op) {
      case 'get':
        return done(op.keys.map((k) => this.store.get(k, now)))
      case 'add':
        op.keys.forEach((k, i) => this.store.add(k, op.by, op.ttls[i]!, now))
        return done(null)
      case 'take':
        // Given-back units were counted and never used: they are free again at once.
        op.keys.forEach((k, i) => {
          const e = this.store.entry(k, now)
          if (e && op.returned[i]! > 0) e.value -= op.returned[i]!
        })
        return this.#take(worker, op, done)
      default:
        return done(null)
    }
  }

  /** Decides a take; `done` runs in the same turn as the decision, so a lease granted is on its way at once. */
  #take(worker: number, op: TakeOp, done: (a: TakeAnswer) => void): void {
    const waits = op.keys.map((k) => this.#revoking.get(k)).filter((p) => p !== undefined)
    if (waits.length > 0) {
      // A refill never waits: it gets nothing on those keys this time.
      if (op.count === 0) return done(this.#grant(worker, op))
      return void Promise.all(waits).then(() => this.#take(worker, op, done))
    }
    if (this.#closed) {
      // Stopping: let it through uncounted, as the workers stop too.
      const zeros = op.keys.map(() => 0)
      return done({ ok: true, used: zeros, leases: zeros, values: zeros, expires: zeros, full: op.keys.map(() => false) })
    }
    if (op.count === 0) return done(this.#grant(worker, op))
    const now = Date.now()
    const entries = op.keys.map((k) => this.store.entry(k, now))
    const values = entries.map((e) => e?.value ?? 0)
    const holders = (i: number) => entries[i]?.holders?.size ?? 0
    const over = op.keys.flatMap((_, i) => (values[i]! >= op.limits[i]! ? [i] : []))
    if (over.length === 0) return done(this.#grant(worker, op))
    // At the limit with leases out, the value may hold units nobody used: take them back and decide
    // again. A key at its limit with none out is exact, and refuses at once.
    if (over.every((i) => holders(i) > 0)) return void this.#revoke(over.map((i) => op.keys[i]!)).then(() => this.#take(worker, op, done))
    return done({
      ok: false,
      used: values,
      leases: values.map(() => 0),
      values,
      expires: entries.map((e) => e?.expiresAt ?? 0),
      // Not "full" while a late answer may still free units: the worker must ask again.
      full: values.map((v, i) => v >= op.limits[i]! && holders(i) === 0 && !this.#awaitsLate(op.keys[i]!)),
    })
  }

  /** Counts `op.count` on every key, with a lease on each key far enough from its limit. */
  #grant(worker: number, op: TakeOp): TakeAnswer {
    const now = Date.now()
    const n = op.keys.length
    const answer: TakeAnswer = { ok: true, used: [], leases: [], values: [], expires: [], full: [] }
    const workers = Math.max(1, this.#opts.workers())
    for (let i = 0; i < n; i++) {
      const key = op.keys[i]!
      const before = this.store.get(key, now)
      const left = op.limits[i]! - before - op.count
      // No lease on a key whose leases are being taken back: the revoke would not know of it.
      const lease = this.#revoking.has(key) ? 0 : Math.max(0, Math.min(LEASE_MAX, Math.floor(left / (LEASE_SHARE * workers))))
      let e: CounterEntry | undefined
      if (op.count + lease > 0) {
        e = this.store.add(key, op.count + lease, op.ttls[i]!, now)
        if (lease > 0) (e.holders ??= new Set()).add(worker)
      } else e = this.store.entry(key, now)
      answer.used.push(before)
      answer.leases.push(lease)
      answer.values.push(e?.value ?? 0)
      answer.expires.push(e?.expiresAt ?? 0)
      answer.full.push(false)
    }
    return answer
  }

  /** Asks every holder of `keys` for its leases back; resolves once all answered (or timed out, or are gone). */
  #revoke(keys: string[]): Promise<void> {
    const now = Date.now()
    const held = keys.map((k) => this.store.entry(k, now))
    const id = ++this.#seq
    const asked = new Map<number, string[]>()
    keys.forEach((k, i) => {
      for (const w of held[i]?.holders ?? []) {
        const list = asked.get(w)
        if (list) list.push(k)
        else asked.set(w, [k])
      }
    })
    // Whatever is not given back stays counted; afterwards nobody holds a lease on these keys.
    const release = () => {
      for (const e of held) if (e) e.holders = undefined
    }
    for (const [w, ks] of [...asked]) {
      // Leases granted to w and not sent yet go first, or w would give back nothing of them.
      this.#flush(w)
      if (!this.#opts.send(w, { type: COUNTERS, revoke: id, keys: ks })) asked.delete(w)
    }
    if (asked.size === 0) {
      release()
      return Promise.resolve()
    }
    const done = new Promise<void>((resolve) => {
      // Not unref'd: a refusal waits on it, and it lasts REVOKE_TIMEOUT_MS at most.
      const timer = setTimeout(() => {
        // Whoever has not answered may answer later: its units are then free again.
        const now = Date.now()
        for (const [lid, l] of this.#late) if (l.until < now) this.#late.delete(lid)
        if (asked.size > 0) {
          this.#late.set(id, { asked, until: now + LATE_MS })
          this.#opts.onLate?.([...asked.keys()], keys)
        }
        finish()
      }, this.#opts.revokeTimeoutMs ?? REVOKE_TIMEOUT_MS)
      const finish = () => {
        if (!this.#revocations.has(id)) return
        clearTimeout(timer)
        this.#revocations.delete(id)
        release()
        for (const k of keys) this.#revoking.delete(k)
        resolve()
      }
      this.#revocations.set(id, { asked, finish })
    })
    for (const k of keys) this.#revoking.set(k, done)
    return done
  }

  /** Whether a timed-out revoke on `key` may still be answered. */
  #awaitsLate(key: string): boolean {
    if (this.#late.size === 0) return false
    const now = Date.now()
    for (const [id, l] of this.#late) {
      if (l.until < now) this.#late.delete(id)
      else for (const keys of l.asked.values()) if (keys.includes(key)) return true
    }
    return false
  }

  #returned(worker: number, id: number, returned: unknown): void {
    const r = this.#revocations.get(id) ?? this.#late.get(id)
    const keys = r?.asked.get(worker)
    if (!r || !keys) return
    const now = Date.now()
    if (Array.isArray(returned)) {
      keys.forEach((k, i) => {
        const n = returned[i]
        const e = this.store.entry(k, now)
        if (e && typeof n === 'number' && n > 0) e.value -= n
      })
    }
    r.asked.delete(worker)
    if ('finish' in r) {
      if (r.asked.size === 0) r.finish()
    } else if (r.asked.size === 0) this.#late.delete(id)
  }
}

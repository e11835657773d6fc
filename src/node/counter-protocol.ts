/**
 * What the workers of `--workers` and their primary say about the node's
 * counters, over the cluster's IPC channel. The primary holds every count
 * (counter-authority.ts); a worker asks for what it cannot answer itself
 * (counter-lease.ts), a tick's questions in one message.
 *
 * Leases: when a key is far from its limit, the primary counts a few units
 * more than asked and hands them to the worker, which then accepts that many
 * requests without asking. Leased units are counted as used until they are
 * used or given back; when a key reaches its limit while leases are out, the
 * primary takes them back (`revoke`) before it refuses, so a refusal is exact.
 */

/**
 * How long the primary waits for a worker to give its leases back before it
 * decides without them (ms). Only a refusal waits on it, and only while a
 * worker holds a lease on that key; a worker busy for a second (a loaded
 * machine) must not make a refusal early, so it is generous.
 */
export const REVOKE_TIMEOUT_MS = 5000

/**
 * How long a worker waits for the primary's answer before it counts on its
 * own (ms). Longer than a revoke may take: a take that waits on a revoke is
 * answered within REVOKE_TIMEOUT_MS, and a worker that gave up sooner would
 * admit by its own count what the primary is about to refuse.
 */
export const ANSWER_TIMEOUT_MS = REVOKE_TIMEOUT_MS + 2000

/** The `type` of every counters message (other messages share the channel). */
export const COUNTERS = 'gateway:counters'

export type CounterOp =
  /**
   * Count `count` (1: a request; 0: only a refill of leases) on every key if
   * each is below its limit. `returned`: the lease units the worker gives back
   * per key (they were counted, never used).
   */
  | { op: 'take'; keys: string[]; limits: number[]; ttls: number[]; returned: number[]; count: 0 | 1 }
  | { op: 'get'; keys: string[] }
  | { op: 'add'; keys: string[]; by: number; ttls: number[] }

export interface TakeAnswer {
  ok: boolean
  /** Each key's value before this request, leases out included. */
  used: number[]
  /** The units leased to the asking worker, per key. */
  leases: number[]
  /** Each key's value after the answer, leases out included. */
  values: number[]
  /** When each key expires (epoch ms); 0 when it does not exist. */
  expires: number[]
  /** At or over its limit with no lease out: the value is exact and only grows until the key expires. */
  full: boolean[]
}

export type CounterAnswer = TakeAnswer | number[] | null

export type ToPrimary =
  | { type: typeof COUNTERS; batch: number; ops: CounterOp[] }
  /** The answer to a revoke: the units given back, per key of the revoke. */
  | { type: typeof COUNTERS; revoked: number; returned: number[] }

/** The answer to the `index`-th operation of a batch. */
export type CounterReply = [batch: number, index: number, answer: CounterAnswer]

export type ToWorker =
  /**
   * Answers, sent as soon as they are known: a lease granted must reach the
   * worker before any revoke that concerns it, so nothing waits for the rest
   * of its batch.
   */
  | { type: typeof COUNTERS; replies: CounterReply[] }
  /** Give back the leases of `keys` now. */
  | { type: typeof COUNTERS; revoke: number; keys: string[] }

/** A worker's line to its primary. */
export interface PrimaryChannel {
  /** Sends a message; false when the channel is closed. */
  send(message: ToPrimary): boolean
  /** Calls `onMessage` with every message from the primary and `onClose` once the channel closes; returns what stops listening. */
  listen(onMessage: (message: unknown) => void, onClose: () => void): () => void
}

export const isCountersMessage = (m: unknown): m is { type: typeof COUNTERS } =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === COUNTERS

/**
 * Kong's plugin queue (kong/tools/queue.lua), shared by the logging and
 * tracing plugins: a bounded in-memory queue of entries, sent in batches by
 * one background loop, with exponential-backoff retries. Queues live on the
 * node (a slot), keyed by the caller, so a reload that keeps the same key
 * keeps the queue and its entries. Entries are strings (encoded log records)
 * or objects (spans); `max_bytes` counts string entries only, as Kong's
 * ("requires string content").
 */
import * as z from 'zod'
import { integer, number } from '../../config/schema/typedefs.js'
import { nodeSlot, type PluginLog } from '../types.js'

/** The defaults a plugin may change in its `queue` record (Kong: typedefs.queue { default = ... }). */
export interface QueueDefaults {
  max_batch_size?: number
  max_coalescing_delay?: number
  max_entries?: number
}

/** Kong's typedefs.queue record, with a plugin's own defaults. */
export const queueSchemaWith = (d: QueueDefaults = {}) =>
  z
    .strictObject({
      max_batch_size: integer(1, 1000000)
        .default(d.max_batch_size ?? 1)
        .describe('Maximum number of entries that can be processed at a time.'),
      max_coalescing_delay: number(0, 3600)
        .default(d.max_coalescing_delay ?? 1)
        .describe('Maximum number of (fractional) seconds to elapse after the first entry was queued before the queue starts calling the handler.'),
      max_entries: integer(1, 1000000)
        .default(d.max_entries ?? 10000)
        .describe('Maximum number of entries that can be waiting on the queue.'),
      max_bytes: z
        .number()
        .int({ error: 'expected an integer' })
        .nullable()
        .optional()
        .describe('Maximum number of bytes that can be waiting on a queue, requires string content.'),
      max_retry_time: z.number().default(60).describe('Time in seconds before the queue gives up calling a failed handler for a batch.'),
      initial_retry_delay: number(0.001, 1000000).default(0.01).describe('Time in seconds before the initial retry is made for a failing batch.'),
      max_retry_delay: number(0.001, 1000000).default(60).describe('Maximum time in seconds between retries, caps exponential backoff.'),
      concurrency_limit: z
        .union([z.literal(1), z.literal(-1)], { error: 'expected one of: -1, 1' })
        .default(1)
        .describe('The number of queue delivery timers. -1 indicates unlimited.'),
    })
    .prefault({})
    .describe('How log entries are queued and sent in batches.')

/** Kong's typedefs.queue with its own defaults (http-log, tcp-log, statsd, ...). */
export const queueSchema = queueSchemaWith()

export type QueueParams = z.output<typeof queueSchema>

/** Sends one batch; throws (or rejects) with the reason when it failed. */
export type BatchHandler<T = string> = (entries: T[]) => Promise<void>

const sizeOf = (entry: unknown): number => (typeof entry === 'string' ? Buffer.byteLength(entry) : 0)

const CAPACITY_WARNING_THRESHOLD = 0.8
// Below this much coalescing budget left (s), the batch goes out as it is.
const COALESCE_MIN_TIME = 0.05

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    // Unref'd: a queue waiting to retry must not keep the process alive.
    setTimeout(resolve, ms).unref()
  })

export class LogQueue<T = string> {
  private entries: T[] = []
  private head = 0
  private bytes = 0
  private running = false
  private warned = false
  private dropping = false
  private wake: (() => void) | undefined

  constructor(
    /** Shown in log lines; never holds credentials. */
    readonly name: string,
    readonly params: QueueParams,
    public handler: BatchHandler<T>,
    public log: PluginLog,
    private readonly onIdle: () => void,
  ) {}

  get count(): number {
    return this.entries.length - this.head
  }

  get queuedBytes(): number {
    return this.bytes
  }

  /** Adds an entry; false when it was refused (larger than max_bytes). Never waits. */
  enqueue(entry: T): boolean {
    const p = this.params
    if (p.concurrency_limit === -1) {
      // Kong: no queue at all, each entry is handled on its own.
      void this.handle([entry])
      return true
    }
    if (this.count >= p.max_entries * CAPACITY_WARNING_THRESHOLD) {
      if (!this.warned) {
        this.warn(`queue at ${CAPACITY_WARNING_THRESHOLD * 100}% capacity`)
        this.warned = true
      }
    } else this.warned = false

    if (this.count >= p.max_entries) {
      // Kong logs this on every drop; once per episode is enough here.
      if (!this.dropping) this.err('queue full, dropping old entries until processing is successful again')
      this.dropOldest()
      this.dropping = true
    }
    const max = p.max_bytes ?? undefined
    if (max !== undefined) {
      const size = sizeOf(entry)
      if (size > max) {
        this.err(`string to be queued is longer (${size} bytes) than the queue's max_bytes (${max} bytes)`)
        return false
      }
      let dropped = 0
      while (this.count > 0 && this.bytes + size > max) {
        this.dropOldest()
        dropped++
      }
      if (dropped > 0) {
        this.dropping = true
        this.err(`byte capacity exceeded, ${dropped} queue entries were dropped`)
      }
      this.bytes += size
    }
    this.entries.push(entry)
    if (this.wake && this.count >= p.max_batch_size) this.wake()
    if (!this.running) void this.run()
    return true
  }

  private dropOldest(): void {
    if (this.params.max_bytes != null) this.bytes -= sizeOf(this.entries[this.head])
    // Let go of the dropped entry; the slot is past `head` and never read again.
    ;(this.entries as unknown[])[this.head++] = undefined
    this.compact()
  }

  private take(n: number): T[] {
    const batch = this.entries.slice(this.head, this.head + n)
    this.head += batch.length
    if (this.params.max_bytes != null) for (const e of batch) this.bytes -= sizeOf(e)
    this.compact()
    return batch
  }

  private compact(): void {
    if (this.head === this.entries.length) {
      this.entries = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
    }
  }

  // One loop per queue (Kong's concurrency_limit 1): coalesce, send, repeat until empty.
  private async run(): Promise<void> {
    this.running = true
    try {
      while (this.count > 0) {
        const started = performance.now()
        const p = this.params
        let left = p.max_coalescing_delay - (performance.now() - started) / 1000
        while (this.count < p.max_batch_size && left >= COALESCE_MIN_TIME) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left * 1000)
            timer.unref()
            this.wake = () => {
              clearTimeout(timer)
              resolve()
            }
          })
          this.wake = undefined
          left = p.max_coalescing_delay - (performance.now() - started) / 1000
        }
        const batch = this.take(Math.min(p.max_batch_size, this.count))
        if (this.dropping) {
          this.log.info(`queue ${this.name}: queue resumed processing`)
          this.dropping = false
        }
        if (batch.length > 0) await this.handle(batch)
      }
    } finally {
      this.running = false
      if (this.count === 0) this.onIdle()
    }
  }

  private async handle(batch: T[]): Promise<void> {
    const p = this.params
    const start = performance.now()
    for (let retry = 0; ; retry++) {
      try {
        await this.handler(batch)
        return
      } catch (e) {
        this.warn(`handler could not process entries: ${e instanceof Error ? e.message : String(e)}`)
      }
      if ((performance.now() - start) / 1000 > p.max_retry_time) {
        this.err(`could not send entries due to max_retry_time exceeded. ${batch.length} queue entries were lost`)
        return
      }
      await sleep(Math.min(p.max_retry_delay, 2 ** retry * p.initial_retry_delay) * 1000)
    }
  }

  private warn(msg: string): void {
    this.log.warn(`queue ${this.name}: ${msg}`)
  }

  private err(msg: string): void {
    this.log.error(`queue ${this.name}: ${msg}`)
  }
}

/** The node's log queues, by key. */
export class LogQueues {
  readonly #queues = new Map<string, LogQueue<unknown>>()

  /**
   * The queue for `key`, created on first use. An existing queue keeps its
   * entries and takes the latest handler and logger (Kong: the latest handler
   * config wins); it is forgotten once it has sent everything.
   */
  get<T = string>(key: string, name: string, params: QueueParams, handler: BatchHandler<T>, log: PluginLog): LogQueue<T> {
    const queues = this.#queues
    // A key names one plugin's queue, so the entry type under it never changes.
    const q = queues.get(key) as LogQueue<T> | undefined
    if (q) {
      q.handler = handler
      q.log = log
      return q
    }
    const created: LogQueue<T> = new LogQueue<T>(name, params, handler, log, () => {
      if (queues.get(key) === created && created.count === 0) queues.delete(key)
    })
    queues.set(key, created as LogQueue<unknown>)
    return created
  }

  /** Each live queue: its display name and what waits in it (for tests and diagnostics). */
  sizes(): { name: string; entries: number; bytes: number }[] {
    return [...this.#queues.values()].map((q) => ({ name: q.name, entries: q.count, bytes: q.queuedBytes }))
  }

  clear(): void {
    this.#queues.clear()
  }
}

export const LOG_QUEUES = nodeSlot(
  'plugins:queues',
  () => new LogQueues(),
  (q) => q.clear(),
)

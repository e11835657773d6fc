/**
 * A span as Kong's tracer makes it (kong/pdk/tracing.lua): random ids
 * (16-byte trace id, 8-byte span id), a parent, a kind, attributes, events
 * and a status; times are Unix ms with fractions (performance's clock). And
 * Kong's probability sampler over a trace id.
 */
import { randomBytes } from 'node:crypto'
import type { KitSpan } from '../../plugins/types.js'

/** Kong's span kinds. */
export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const

type Value = string | number | boolean

/** Unix ms now, with the precision of performance.now(). */
export const nowMs = (): number => performance.timeOrigin + performance.now()

// Ids are cut from a pool of random bytes: one randomBytes call per 512 span
// ids instead of one per id (a synchronous call into OpenSSL each, 7 % of the
// gateway's CPU when every request is traced). A spent pool is replaced, never
// refilled, so the ids already handed out (views of it) keep their bytes.
const POOL_SIZE = 4096
let pool = randomBytes(POOL_SIZE)
let used = 0

function randomId(size: number): Buffer {
  if (used + size > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE)
    used = 0
  }
  const id = pool.subarray(used, used + size)
  used += size
  return id
}

export const newTraceId = (): Buffer => randomId(16)
export const newSpanId = (): Buffer => randomId(8)

export class Span implements KitSpan {
  readonly spanId = newSpanId()
  endMs: number | undefined = undefined
  status = 0
  attributes: Record<string, Value>
  events: { name: string; timeMs: number; attributes?: Record<string, Value> }[] = []

  constructor(
    readonly name: string,
    readonly kind: number,
    public parentId: Buffer | undefined,
    public startMs: number,
    attributes?: Record<string, Value>,
  ) {
    this.attributes = attributes ?? {}
  }

  setAttribute(key: string, value: Value | undefined): void {
    if (value === undefined) delete this.attributes[key]
    else this.attributes[key] = value
  }

  addEvent(name: string, attributes?: Record<string, Value>): void {
    this.events.push(attributes ? { name, timeMs: nowMs(), attributes } : { name, timeMs: nowMs() })
  }

  /** Kong's span:record_error: an `exception` event with the message. */
  recordError(message: string): void {
    this.addEvent('exception', { 'exception.message': message })
  }

  setStatus(status: number): void {
    this.status = status
  }

  /** Ends the span once (Kong ignores a second finish, and an end before the start). */
  finish(endMs?: number): void {
    if (this.endMs !== undefined) return
    const end = endMs ?? nowMs()
    if (end < this.startMs) return
    this.endMs = end
  }
}

const TWO_64 = 2 ** 64

/**
 * Kong's trace-id-based sampler: rate >= 1 keeps all, <= 0 none; otherwise the
 * first 8 bytes of the id, read as LuaJIT's uint64_t* reads them on x86
 * (little-endian), below rate * 2^64.
 */
export function sampleTraceId(traceId: Buffer, rate: number): boolean {
  if (rate >= 1) return true
  if (rate <= 0) return false
  if (traceId.length < 8) return false
  return traceId.readBigUInt64LE(0) < BigInt(Math.floor(rate * TWO_64))
}

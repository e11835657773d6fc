/**
 * AWS's binary event stream (`application/vnd.amazon.eventstream`), read
 * incrementally: each message is a prelude (total length, headers length,
 * and a CRC32 of those 8 bytes), typed headers, a payload and a CRC32 of
 * everything before it. Both CRCs are checked; lengths are bounded before
 * anything is held, so a broken or hostile peer cannot make the reader hold
 * more than one message of at most MAX_MESSAGE bytes. Bytes may arrive cut
 * anywhere: an incomplete message waits for the next chunk.
 */
import { crc32 } from 'node:zlib'

/** A header value as JSON can hold it (longs beyond 2^53 and byte arrays as text). */
export type HeaderValue = boolean | number | string

export interface EventStreamMessage {
  readonly headers: Readonly<Record<string, HeaderValue>>
  readonly payload: Buffer
}

/** The stream cannot be read further (a CRC, a length or a header is wrong). */
export class EventStreamError extends Error {}

const PRELUDE = 12
const TRAILER = 4
// AWS's own limits for a message and its headers.
export const MAX_MESSAGE = 16 * 1024 * 1024
const MAX_HEADERS = 128 * 1024

/** Reads one header block into a record; throws on anything that does not fit its bounds. */
function readHeaders(buf: Buffer, start: number, end: number): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {}
  let at = start
  const need = (n: number) => {
    if (at + n > end) throw new EventStreamError('event stream header runs past its block')
  }
  while (at < end) {
    need(1)
    const nameLength = buf.readUInt8(at++)
    if (nameLength === 0) throw new EventStreamError('event stream header with an empty name')
    need(nameLength + 1)
    const name = buf.toString('utf8', at, at + nameLength)
    at += nameLength
    const type = buf.readUInt8(at++)
    let value: HeaderValue
    switch (type) {
      case 0:
        value = true
        break
      case 1:
        value = false
        break
      case 2:
        need(1)
        value = buf.readInt8(at)
        at += 1
        break
      case 3:
        need(2)
        value = buf.readInt16BE(at)
        at += 2
        break
      case 4:
        need(4)
        value = buf.readInt32BE(at)
        at += 4
        break
      case 5:
      case 8: {
        // long, and timestamp (milliseconds since the epoch)
        need(8)
        const n = buf.readBigInt64BE(at)
        at += 8
        const safe = n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)
        value = type === 8 && safe ? new Date(Number(n)).toISOString() : safe ? Number(n) : n.toString()
        break
      }
      case 6:
      case 7: {
        // byte array (as base64), string
        need(2)
        const length = buf.readUInt16BE(at)
        at += 2
        need(length)
        value = buf.toString(type === 7 ? 'utf8' : 'base64', at, at + length)
        at += length
        break
      }
      case 9: {
        need(16)
        const hex = buf.toString('hex', at, at + 16)
        value = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
        at += 16
        break
      }
      default:
        throw new EventStreamError(`event stream header '${name}' has unknown type ${type}`)
    }
    out[name] = value
  }
  return out
}

/**
 * Decodes the message at the start of `buf`, or says how many bytes it needs
 * when `buf` does not hold all of it yet.
 */
function readMessage(buf: Buffer): { message: EventStreamMessage; length: number } | { need: number } {
  if (buf.length < PRELUDE) return { need: PRELUDE }
  const total = buf.readUInt32BE(0)
  const headersLength = buf.readUInt32BE(4)
  if (crc32(buf.subarray(0, 8)) !== buf.readUInt32BE(8)) throw new EventStreamError('event stream prelude CRC mismatch')
  if (total < PRELUDE + TRAILER || total > MAX_MESSAGE) throw new EventStreamError(`event stream message length ${total} out of bounds`)
  if (headersLength > MAX_HEADERS || PRELUDE + headersLength + TRAILER > total)
    throw new EventStreamError(`event stream headers length ${headersLength} out of bounds`)
  if (buf.length < total) return { need: total }
  if (crc32(buf.subarray(0, total - TRAILER)) !== buf.readUInt32BE(total - TRAILER)) throw new EventStreamError('event stream message CRC mismatch')
  const headers = readHeaders(buf, PRELUDE, PRELUDE + headersLength)
  // A copy: the payload must not keep the whole chunk it came in alive.
  const payload = Buffer.from(buf.subarray(PRELUDE + headersLength, total - TRAILER))
  return { message: { headers, payload }, length: total }
}

/** An incremental reader: push chunks as they come, get the messages they complete. */
export class EventStreamReader {
  #pending: Buffer[] = []
  #size = 0
  #need = PRELUDE

  /** Bytes held for a message not yet complete. */
  get held(): number {
    return this.#size
  }

  /** The messages this chunk completes; throws EventStreamError when the stream is broken. */
  push(chunk: Buffer): EventStreamMessage[] {
    if (chunk.length === 0) return []
    this.#pending.push(chunk)
    this.#size += chunk.length
    const out: EventStreamMessage[] = []
    // Chunks are joined only once a whole prelude or message is there (no copy per small chunk).
    if (this.#size >= this.#need) {
      let buf = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#size)
      let r = readMessage(buf)
      while ('message' in r) {
        out.push(r.message)
        buf = buf.subarray(r.length)
        r = readMessage(buf)
      }
      this.#pending = buf.length > 0 ? [buf] : []
      this.#size = buf.length
      this.#need = r.need
    }
    return out
  }
}

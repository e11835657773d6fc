// A test-side encoder of AWS event-stream messages (application/vnd.amazon.eventstream), written
// from AWS's description of the format and independent of the gateway's decoder: a prelude of
// total length, headers length and their CRC32; typed headers; the payload; a CRC32 of it all.
import { crc32 } from 'node:zlib'

export type Header =
  | { name: string; type: 'true' | 'false' }
  | { name: string; type: 'byte' | 'short' | 'integer'; value: number }
  | { name: string; type: 'long' | 'timestamp'; value: bigint }
  | { name: string; type: 'bytes'; value: Buffer }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'uuid'; value: string }

const TYPE_CODES = { true: 0, false: 1, byte: 2, short: 3, integer: 4, long: 5, bytes: 6, string: 7, timestamp: 8, uuid: 9 } as const

function header(h: Header): Buffer {
  const name = Buffer.from(h.name, 'utf8')
  let value: Buffer
  switch (h.type) {
    case 'true':
    case 'false':
      value = Buffer.alloc(0)
      break
    case 'byte':
      value = Buffer.alloc(1)
      value.writeInt8(h.value)
      break
    case 'short':
      value = Buffer.alloc(2)
      value.writeInt16BE(h.value)
      break
    case 'integer':
      value = Buffer.alloc(4)
      value.writeInt32BE(h.value)
      break
    case 'long':
    case 'timestamp':
      value = Buffer.alloc(8)
      value.writeBigInt64BE(h.value)
      break
    case 'bytes':
    case 'string': {
      const bytes = typeof h.value === 'string' ? Buffer.from(h.value, 'utf8') : h.value
      value = Buffer.alloc(2 + bytes.length)
      value.writeUInt16BE(bytes.length)
      bytes.copy(value, 2)
      break
    }
    case 'uuid':
      value = Buffer.from(h.value.replace(/-/g, ''), 'hex')
      break
  }
  return Buffer.concat([Buffer.from([name.length]), name, Buffer.from([TYPE_CODES[h.type]]), value])
}

/** One message, CRCs computed. */
export function encodeMessage(headers: Header[], payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload
  const hs = Buffer.concat(headers.map(header))
  const total = 12 + hs.length + body.length + 4
  const out = Buffer.alloc(total)
  out.writeUInt32BE(total, 0)
  out.writeUInt32BE(hs.length, 4)
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8)
  hs.copy(out, 12)
  body.copy(out, 12 + hs.length)
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4)
  return out
}

/** A Bedrock ConverseStream event: `:event-type`, JSON content, message type `event`. */
export function converseEvent(type: string, body: unknown): Buffer {
  return encodeMessage(
    [
      { name: ':event-type', type: 'string', value: type },
      { name: ':content-type', type: 'string', value: 'application/json' },
      { name: ':message-type', type: 'string', value: 'event' },
    ],
    JSON.stringify(body),
  )
}

/** A Bedrock stream exception (as AWS sends one mid-stream). */
export function converseException(type: string, message: string): Buffer {
  return encodeMessage(
    [
      { name: ':exception-type', type: 'string', value: type },
      { name: ':content-type', type: 'string', value: 'application/json' },
      { name: ':message-type', type: 'string', value: 'exception' },
    ],
    JSON.stringify({ message }),
  )
}

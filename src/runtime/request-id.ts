/**
 * Request ids: 32 hex characters like nginx's $request_id (Kong's
 * X-Kong-Request-Id), cut from a pooled random buffer turned into hex once
 * per refill, so the hot path neither calls the CSPRNG nor encodes bytes.
 */
import { randomFillSync } from 'node:crypto'

const ID_CHARS = 32
const POOL = Buffer.alloc(256 * (ID_CHARS / 2))
let hex = ''
let offset = 0

export function nextRequestId(): string {
  if (offset >= hex.length) {
    hex = randomFillSync(POOL).toString('hex')
    offset = 0
  }
  const id = hex.slice(offset, offset + ID_CHARS)
  offset += ID_CHARS
  return id
}

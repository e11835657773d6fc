/**
 * Request ids: 32 hex characters like nginx's $request_id (Kong's
 * X-Kong-Request-Id), cut from a pooled random buffer so the hot path does not
 * call into the CSPRNG for every request.
 */
import { randomFillSync } from 'node:crypto'

const POOL = Buffer.alloc(16 * 256)
let offset = POOL.length

export function nextRequestId(): string {
  if (offset >= POOL.length) {
    randomFillSync(POOL)
    offset = 0
  }
  const id = POOL.toString('hex', offset, offset + 16)
  offset += 16
  return id
}

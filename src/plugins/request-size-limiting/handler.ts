/**
 * request-size-limiting: a numeric Content-Length over the limit is refused in
 * access, before any byte of the body is read. Without one, the body is counted
 * as it streams upstream and the upstream request is cut past the limit (Kong
 * reads the whole body first; we never buffer it).
 */
import { definePhases, type Exit, type Kit } from '../types.js'
import { UNIT_BYTES, type RequestSizeLimitingConfig } from './schema.js'

const ERR_TOO_LARGE = 'Request size limit exceeded'
const ERR_NO_LENGTH = 'A valid Content-Length header is required'

export default definePhases<RequestSizeLimitingConfig>((conf) => {
  const maxBytes = conf.allowed_payload_size * UNIT_BYTES[conf.size_unit]
  const TOO_LARGE: Exit = { status: 413, error: ERR_TOO_LARGE }
  // A client waiting for 100 Continue is told 417 Expectation Failed instead.
  const EXPECTATION_FAILED: Exit = { status: 417, error: ERR_TOO_LARGE }
  const NO_LENGTH: Exit = { status: 411, error: ERR_NO_LENGTH }

  const refusal = (kit: Kit): Exit => (kit.request.header('expect')?.trim().toLowerCase() === '100-continue' ? EXPECTATION_FAILED : TOO_LARGE)

  return {
    access(kit) {
      const cl = kit.request.header('content-length')
      const length = cl === undefined || cl.trim() === '' ? NaN : Number(cl)
      if (Number.isFinite(length)) return length > maxBytes ? refusal(kit) : undefined
      // Kong compares the header value exactly.
      if (conf.require_content_length && kit.request.header('transfer-encoding') !== 'chunked') return NO_LENGTH
      kit.request.limitBody(maxBytes, refusal(kit))
      return undefined
    },
  }
})

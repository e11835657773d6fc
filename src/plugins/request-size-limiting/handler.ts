/**
 * request-size-limiting: a numeric Content-Length over the limit is refused in
 * access, before any byte of the body is read. Without one, the body is counted
 * as it streams upstream and the upstream request is cut past the limit (Kong
 * reads the whole body first; we never buffer it).
 */
import { REQUEST_SIZE_LIMITING } from '../../errors.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { UNIT_BYTES, type RequestSizeLimitingConfig } from './schema.js'

// A client waiting for 100 Continue is told 417 Expectation Failed instead.
const { TOO_LARGE, EXPECTATION_FAILED, NO_LENGTH } = REQUEST_SIZE_LIMITING

export default definePhases<RequestSizeLimitingConfig>((conf) => {
  const maxBytes = conf.allowed_payload_size * UNIT_BYTES[conf.size_unit]
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

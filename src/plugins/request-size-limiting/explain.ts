/** request-size-limiting's explain hook: what the Content-Length (or its absence) decides before the body is read. */
import { REQUEST_SIZE_LIMITING } from '../../errors.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import { UNIT_BYTES, type RequestSizeLimitingConfig } from './schema.js'

export function explainRequestSizeLimiting(conf: RequestSizeLimitingConfig, req: ExplainRequest): ExplainOutcome {
  const maxBytes = conf.allowed_payload_size * UNIT_BYTES[conf.size_unit]
  const cl = req.headers['content-length']?.[0]
  const length = cl === undefined || cl.trim() === '' ? NaN : Number(cl)
  const tooLarge = req.headers.expect?.[0]?.trim().toLowerCase() === '100-continue' ? REQUEST_SIZE_LIMITING.EXPECTATION_FAILED : REQUEST_SIZE_LIMITING.TOO_LARGE
  if (Number.isFinite(length))
    return length > maxBytes
      ? { answers: tooLarge, note: `Content-Length ${length} > ${maxBytes} bytes` }
      : { note: `Content-Length ${length} ≤ ${maxBytes} bytes` }
  if (conf.require_content_length && req.headers['transfer-encoding']?.[0] !== 'chunked') return { answers: REQUEST_SIZE_LIMITING.NO_LENGTH }
  return { note: `no Content-Length: the body is counted as it streams (limit ${maxBytes} bytes)` }
}

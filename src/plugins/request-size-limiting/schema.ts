/** request-size-limiting (Kong PRIORITY 951): refuse request bodies over a size. */
import * as z from 'zod'
import { metaFields, oneOf } from '../../config/schema/typedefs.js'

/** Bytes per unit (Kong's unit_multiplication_factor). */
export const UNIT_BYTES = { megabytes: 1048576, kilobytes: 1024, bytes: 1 } as const

export const config = z.strictObject({
  // Kong's plain `integer`: no bounds (0 or less refuses any non-empty body).
  allowed_payload_size: z
    .number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') })
    .int({ error: 'expected an integer' })
    .default(128)
    .describe('Largest request body allowed, in `size_unit`s.'),
  size_unit: oneOf(['megabytes', 'kilobytes', 'bytes'])
    .default('megabytes')
    .describe('Unit of `allowed_payload_size`: `megabytes` (2^20 bytes), `kilobytes` (1024 bytes) or `bytes`.'),
  require_content_length: z.boolean().default(false).describe('Answer 411 to a request that has no valid Content-Length and is not chunked.'),
  ...metaFields,
})

export type RequestSizeLimitingConfig = z.infer<typeof config>

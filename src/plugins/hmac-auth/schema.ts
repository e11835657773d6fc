/** hmac-auth (Kong PRIORITY 1030): requests signed with a shared secret (HMAC-SHA1/256/384/512). */
import * as z from 'zod'
import { metaFields, oneOf } from '../../config/schema/typedefs.js'

export const ALGORITHMS = ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const

export const config = z.strictObject({
  hide_credentials: z.boolean().default(false).describe('Remove the Authorization / Proxy-Authorization header carrying the signature before proxying.'),
  clock_skew: z
    .number()
    .gt(0, { error: 'value must be greater than 0' })
    .default(300)
    .describe('Seconds the Date / X-Date header may differ from the gateway clock (replay protection).'),
  anonymous: z.string().optional().describe('Consumer (id or username) to use when authentication fails, instead of answering 401.'),
  validate_request_body: z.boolean().default(false).describe('Require the Digest header (`SHA-256=<base64>`) to match the request body.'),
  enforce_headers: z.array(z.string()).default([]).describe('Headers (or `request-line`, `@request-target`) every signature must cover.'),
  algorithms: z
    .array(oneOf(ALGORITHMS))
    .default([...ALGORITHMS])
    .describe('Signature algorithms clients may use.'),
  realm: z.string().optional().describe('Realm of the `WWW-Authenticate: hmac realm="..."` header sent with a 401.'),
  ...metaFields,
})

export type HmacAuthConfig = z.infer<typeof config>

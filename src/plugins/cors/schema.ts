/** cors (Kong PRIORITY 2000): Cross-Origin Resource Sharing headers and preflight answers. */
import * as z from 'zod'
import { metaFields, oneOf } from '../../config/schema/typedefs.js'

export const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const

// Kong accepts `*` or anything its regex engine compiles (plain origins compile too).
const origin = z.string().refine(
  (v) => {
    if (v === '*') return true
    try {
      new RegExp(v)
      return true
    } catch {
      return false
    }
  },
  { error: (iss) => `'${String(iss.input)}' is not a valid regex` },
)

export const config = z.strictObject({
  origins: z
    .array(origin)
    .optional()
    .describe('Allowed origins for Access-Control-Allow-Origin: `*`, plain origins (scheme://host[:port]) or regexes. Empty or absent allows all.'),
  headers: z.array(z.string()).optional().describe('Value of Access-Control-Allow-Headers on preflights; absent echoes Access-Control-Request-Headers.'),
  exposed_headers: z.array(z.string()).optional().describe('Value of Access-Control-Expose-Headers; absent exposes no custom headers.'),
  methods: z
    .array(oneOf(METHODS))
    .default([...METHODS])
    .describe('Value of Access-Control-Allow-Methods on preflights.'),
  max_age: z.number().optional().describe('Seconds a preflight answer may be cached (Access-Control-Max-Age).'),
  credentials: z.boolean().default(false).describe('Send Access-Control-Allow-Credentials: true.'),
  private_network: z
    .boolean()
    .default(false)
    .describe('Answer Access-Control-Request-Private-Network: true preflights with Access-Control-Allow-Private-Network: true.'),
  preflight_continue: z.boolean().default(false).describe('Proxy OPTIONS preflights to the upstream instead of answering them.'),
  allow_origin_absent: z.boolean().default(true).describe('Add the CORS headers to responses of requests without an Origin header.'),
  ...metaFields,
})

export type CorsConfig = z.infer<typeof config>

/** proxy-cache (Kong PRIORITY 100): caches upstream responses in memory and answers repeats itself. */
import * as z from 'zod'
import { integer, metaFields, oneOf } from '../../config/schema/typedefs.js'

const wholeNumber = z.number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') }).int({ error: 'expected an integer' })

export const config = z.strictObject({
  response_code: z
    .array(integer(100, 900))
    // zod's .min() also runs on a non-array ("" has a length): Kong reports only the type, so
    // the length is a refinement (skipped after a type error); meta keeps minItems in the editors' schema.
    .refine((codes) => codes.length >= 1, { error: 'length must be at least 1' })
    .meta({ minItems: 1 })
    .default([200, 301, 404])
    .describe('Upstream response status codes considered cacheable.'),
  request_method: z
    .array(oneOf(['HEAD', 'GET', 'POST', 'PATCH', 'PUT']))
    .default(['GET', 'HEAD'])
    .describe('Downstream request methods considered cacheable.'),
  content_type: z
    .array(z.string())
    .default(['text/plain', 'application/json'])
    .describe(
      'Upstream response content types considered cacheable: type/subtype and parameters must match exactly (`application/json` does not match `application/json; charset=utf-8`); `type/*` and `*/*` match any subtype or type with the same parameters.',
    ),
  cache_ttl: wholeNumber
    .gt(0, { error: 'value must be greater than 0' })
    .default(300)
    .describe('Seconds a cached response is served before it is refreshed from the upstream.'),
  // typedefs.oneOf reports a missing value as `expected one of`; Kong says `required field missing`.
  strategy: z
    .enum(['memory'], { error: (iss) => (iss.input === undefined ? 'required field missing' : 'expected one of: memory') })
    .describe('Where cache entries are held. Only `memory` (in-process, bounded by size) is available.'),
  cache_control: z
    .boolean()
    .default(false)
    .describe('Respect the Cache-Control behaviours of RFC 7234 (request and response directives, max-age/s-maxage/Expires as TTL).'),
  ignore_uri_case: z.boolean().default(false).describe('Lower-case the URI in the cache key, so paths differing only in case share an entry.'),
  storage_ttl: wholeNumber
    .optional()
    .describe('Seconds to keep entries in storage, independent of `cache_ttl` or Cache-Control TTLs (an expired but stored entry is refreshed: `Refresh`).'),
  memory: z
    .strictObject({
      dictionary_name: z
        .string()
        .default('kong_db_cache')
        .describe('Name of the in-memory store holding the entries. Instances naming the same store share it; it survives config reloads.'),
    })
    .prefault({})
    .describe('Options of the `memory` strategy.'),
  vary_query_params: z
    .array(z.string())
    .optional()
    .describe('Query parameters that form the cache key, in this order. When unset, all of them (sorted by name).'),
  vary_headers: z.array(z.string()).optional().describe('Request headers that form the cache key, in this order. When unset, none.'),
  response_headers: z
    .strictObject({
      age: z.boolean().default(true).describe('Send `Age` on cache hits.'),
      // Some Kong versions spell the field `Age` (its DP compat layer translates between the two).
      Age: z.boolean().optional().describe('The same switch spelled `Age`; when set it wins over `age`.'),
      'X-Cache-Status': z.boolean().default(true).describe('Send `X-Cache-Status` (Miss, Hit, Refresh, Bypass).'),
      'X-Cache-Key': z.boolean().default(true).describe('Send `X-Cache-Key` (the entry key).'),
    })
    .prefault({})
    .describe('Diagnostic headers to send; a request with a `Kong-Debug` header gets all of them regardless.'),
  ...metaFields,
})

export type ProxyCacheConfig = z.infer<typeof config>

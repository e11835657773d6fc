/** http-log (Kong PRIORITY 12): sends each request's log record to an HTTP server, in batches. */
import * as z from 'zod'
import { headerName, httpUrl, metaFields, oneOf, referenceable } from '../../config/schema/typedefs.js'
import { customFieldsByLua } from '../shared/log-fields-schema.js'
import { queueSchema } from '../shared/queue.js'

// Kong's typedefs.url: parsed, with a host and a scheme. Only http and https can be sent to.
const url = httpUrl()

const FORBIDDEN: Record<string, string> = {
  host: "cannot contain 'Host' header",
  'content-length': "cannot contain 'Content-Length' header",
  'content-type': "cannot contain 'Content-Type' header",
}

const headers = z
  .record(headerName, referenceable(z.string().min(1, { error: 'length must be at least 1' }), 'A header value.'))
  .superRefine((m, ctx) => {
    for (const k of Object.keys(m)) {
      const err = FORBIDDEN[k.toLowerCase()]
      if (err) ctx.addIssue({ code: 'custom', message: err, path: [k] })
    }
  })
  .optional()
  .describe('Headers added to the requests sent to the log server (not Host, Content-Length or Content-Type).')

const deprecated = (what: string) => `Deprecated: ${what}.`

export const config = z
  .strictObject({
    http_endpoint: referenceable(url, 'The HTTP(S) URL the log records are sent to; user info in it becomes a Basic Authorization header.', 'url'),
    method: oneOf(['POST', 'PUT', 'PATCH']).default('POST').describe('The method used to send the records.'),
    content_type: oneOf(['application/json', 'application/json; charset=utf-8']).default('application/json').describe('The Content-Type of the records.'),
    timeout: z.number().default(10000).describe('Timeout (ms) of each request to the log server.'),
    keepalive: z.number().default(60000).describe('How long (ms) an idle connection to the log server is kept.'),
    retry_count: z.number().int({ error: 'expected an integer' }).optional().describe(deprecated('has no effect; use queue.max_retry_time')),
    queue_size: z
      .number()
      .int({ error: 'expected an integer' })
      .optional()
      .describe(deprecated('use queue.max_batch_size (a value other than 1 overrides it)')),
    flush_timeout: z.number().optional().describe(deprecated('use queue.max_coalescing_delay (a value other than 2 overrides it)')),
    headers,
    queue: queueSchema,
    custom_fields_by_lua: customFieldsByLua,
    ...metaFields,
  })
  .superRefine((c, ctx) => {
    let userinfo: boolean
    try {
      const u = new URL(c.http_endpoint)
      userinfo = u.username !== '' || u.password !== ''
    } catch {
      return
    }
    if (userinfo && c.headers && Object.keys(c.headers).some((k) => k.toLowerCase() === 'authorization')) {
      ctx.addIssue({ code: 'custom', message: "specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed" })
    }
  })

export type HttpLogConfig = z.infer<typeof config>

/** redirect (Kong PRIORITY 779): answers every request with a redirect. */
import * as z from 'zod'
import { integer, metaFields } from '../../config/schema/typedefs.js'

// Kong's typedefs.url, read the way luasocket's url.parse reads it: a scheme and a host are required.
const url = z.string().superRefine((v, ctx) => {
  let rest = v.replace(/#[\s\S]*$/, '')
  const scheme = /^[A-Za-z0-9][A-Za-z0-9+.-]*:/.exec(rest)
  if (scheme) rest = rest.slice(scheme[0].length)
  const authority = /^\/\/([^/]*)/.exec(rest)?.[1]
  const host = authority?.replace(/^[^@]*@/, '').replace(/:[^:\]]*$/, '')
  if (!host) ctx.addIssue({ code: 'custom', message: 'missing host in url' })
  else if (!scheme) ctx.addIssue({ code: 'custom', message: 'missing scheme in url' })
})

export const config = z.strictObject({
  status_code: integer(100, 599).default(301).describe('The response code to send.'),
  location: url.describe('The URL to redirect to.'),
  keep_incoming_path: z.boolean().default(false).describe("Use the incoming request's path and query string in the redirect URL."),
  ...metaFields,
})

export type RedirectConfig = z.infer<typeof config>

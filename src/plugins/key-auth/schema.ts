/** key-auth (Kong PRIORITY 1250): API keys in a header, the query or the body. */
import * as z from 'zod'
import { headerName, metaFields } from '../../config/schema/typedefs.js'

export const config = z.strictObject({
  key_names: z
    .array(headerName)
    .min(1, { error: 'length must be at least 1' })
    .default(['apikey'])
    .describe('Names of the header, query argument or body field carrying the key; the first one found wins.'),
  hide_credentials: z.boolean().default(false).describe('Remove the key from the request before proxying.'),
  anonymous: z.string().optional().describe('Consumer (id or username) to use when authentication fails, instead of answering 401.'),
  key_in_header: z.boolean().default(true).describe('Look for the key in headers.'),
  key_in_query: z.boolean().default(true).describe('Look for the key in the query string.'),
  key_in_body: z.boolean().default(false).describe('Look for the key in a form-urlencoded or JSON body.'),
  run_on_preflight: z.boolean().default(true).describe('Authenticate CORS preflight (OPTIONS) requests too.'),
  realm: z.string().optional().describe('Realm of the WWW-Authenticate header sent with a 401.'),
  ...metaFields,
})

export type KeyAuthConfig = z.infer<typeof config>

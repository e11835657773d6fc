/** basic-auth (Kong PRIORITY 1100): username and password in an `Authorization: Basic` header. */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'

export const config = z.strictObject({
  anonymous: z.string().optional().describe('Consumer (id or username) to use when authentication fails, instead of answering 401.'),
  hide_credentials: z
    .boolean()
    .default(false)
    .describe('Remove the Authorization / Proxy-Authorization header the credentials were read from before proxying.'),
  realm: z.string().default('service').describe('Realm of the `WWW-Authenticate: Basic realm="..."` header sent with a 401.'),
  ...metaFields,
})

export type BasicAuthConfig = z.infer<typeof config>

/** loggly (Kong PRIORITY 6): each request's log record to Loggly, as an RFC 5424 message over UDP. */
import * as z from 'zod'
import { host, metaFields, port, referenceable } from '../../config/schema/typedefs.js'
import { customFieldsByLua } from '../shared/log-fields-schema.js'
import { severity } from '../shared/severity.js'

export const config = z.strictObject({
  host: host.default('logs-01.loggly.com').describe('The Loggly server (host name or IP address).'),
  port: port.default(514).describe('The Loggly server UDP port.'),
  key: referenceable(z.string(), 'The Loggly customer token, sent in each message.'),
  tags: z
    .array(z.string())
    .default(['kong'])
    // Kong's set: each tag once, in the order given.
    .transform((tags) => [...new Set(tags)])
    .describe('Loggly tags, each sent as tag="..." in the structured data.'),
  log_level: severity('The least severe severity sent: messages of a less severe one are not sent.'),
  successful_severity: severity('The severity of a response with a status below 400.'),
  client_errors_severity: severity('The severity of a 4xx response.'),
  server_errors_severity: severity('The severity of a 5xx response.'),
  timeout: z.number().default(10000).describe('An optional timeout in milliseconds when sending data to the Loggly server.'),
  custom_fields_by_lua: customFieldsByLua,
  ...metaFields,
})

export type LogglyConfig = z.infer<typeof config>

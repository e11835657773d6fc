/** tcp-log (Kong PRIORITY 7): each request's log record as one JSON line over TCP or TLS. */
import * as z from 'zod'
import { host, metaFields, port } from '../../config/schema/typedefs.js'
import { customFieldsByLua } from '../shared/log-fields-schema.js'

export const config = z.strictObject({
  host: host.describe('The IP address or host name to send data to.'),
  port: port.describe('The port to send data to on the upstream server.'),
  timeout: z.number().default(10000).describe('An optional timeout in milliseconds when sending data to the upstream server.'),
  keepalive: z.number().default(60000).describe('An optional value in milliseconds that defines how long an idle connection lives before being closed.'),
  tls: z.boolean().default(false).describe('Indicates whether to perform a TLS handshake against the remote server.'),
  tls_sni: z.string().optional().describe('An optional string that defines the SNI (Server Name Indication) hostname to send in the TLS handshake.'),
  custom_fields_by_lua: customFieldsByLua,
  ...metaFields,
})

export type TcpLogConfig = z.infer<typeof config>

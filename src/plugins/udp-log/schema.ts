/** udp-log (Kong PRIORITY 8): each request's log record as one JSON datagram. */
import * as z from 'zod'
import { host, metaFields, port } from '../../config/schema/typedefs.js'
import { customFieldsByLua } from '../shared/log-fields-schema.js'

export const config = z.strictObject({
  host: host.describe('The IP address or host name to send data to.'),
  port: port.describe('The port to send data to.'),
  timeout: z.number().default(10000).describe('An optional timeout in milliseconds when sending data to the upstream server.'),
  custom_fields_by_lua: customFieldsByLua,
  ...metaFields,
})

export type UdpLogConfig = z.infer<typeof config>

/** correlation-id (Kong PRIORITY 100001): tags each request with an id header. */
import * as z from 'zod'
import { metaFields, oneOf } from '../../config/schema/typedefs.js'

export const config = z.strictObject({
  header_name: z.string().default('Kong-Request-ID').describe('The header carrying the correlation id.'),
  generator: oneOf(['uuid', 'uuid#counter', 'tracker'])
    .default('uuid#counter')
    .describe(
      'How ids are made: `uuid` (random v4), `uuid#counter` (a per-process uuid and a counter) or `tracker` (server address, port, pid, connection, request count and time).',
    ),
  echo_downstream: z.boolean().default(false).describe('Send the id back to the client in the response too.'),
  ...metaFields,
})

export type CorrelationIdConfig = z.infer<typeof config>

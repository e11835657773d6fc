/** standard-webhooks (Kong PRIORITY 760): the config, as Kong's schema.lua has it. */
import * as z from 'zod'
import { metaFields, referenceable } from '../../config/schema/typedefs.js'

export const config = z.strictObject({
  secret_v1: referenceable(z.string(), 'The webhook secret: the HMAC-SHA256 key the sender signs with (used as written, as Kong does).'),
  // Kong: integer, gt = -1, default 5 * 60.
  tolerance_second: z
    .number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') })
    .int({ error: 'expected an integer' })
    .gt(-1, { error: 'value must be greater than -1' })
    .default(300)
    .describe("Seconds a webhook's timestamp may lag behind the gateway's clock; an older one is refused with 400."),
  ...metaFields,
})

export type StandardWebhooksConfig = z.infer<typeof config>

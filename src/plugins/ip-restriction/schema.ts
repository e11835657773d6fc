/** ip-restriction (Kong PRIORITY 990): allow or deny clients by IP address or CIDR range. */
import * as z from 'zod'
import { integer, metaFields, whenValid } from '../../config/schema/typedefs.js'
import { parseCidr } from './cidr.js'

// Kong's typedefs.ip_or_cidr.
const ipOrCidr = z.string().refine((v) => parseCidr(v) !== undefined, { error: (iss) => `invalid ip or cidr range: '${String(iss.input)}'` })

const nonEmpty = (a: readonly unknown[] | undefined) => a !== undefined && a.length > 0

export const config = z
  .strictObject({
    allow: z
      .array(ipOrCidr)
      .optional()
      .describe('IPv4/IPv6 addresses or CIDR ranges allowed in; every other client is refused. One of `allow` or `deny` must be given.'),
    deny: z.array(ipOrCidr).optional().describe('IPv4/IPv6 addresses or CIDR ranges refused; checked before `allow`.'),
    // Kong's field is a bare number; a status the HTTP layer cannot send is refused here rather than failing each request.
    status: integer(100, 599).optional().describe('The HTTP status of refused requests (403 when unset).'),
    message: z
      .string()
      .min(1, { error: 'length must be at least 1' })
      .optional()
      .describe('The message of refused requests (`IP address not allowed: <client ip>` when unset).'),
    ...metaFields,
  })
  .superRefine(
    (c, ctx) => {
      if (!nonEmpty(c.allow) && !nonEmpty(c.deny)) {
        ctx.addIssue({ code: 'custom', message: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" })
      }
    },
    whenValid('allow', 'deny'),
  )

export type IpRestrictionConfig = z.infer<typeof config>

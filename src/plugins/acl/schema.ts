/** acl (Kong PRIORITY 950): allow or deny consumers by their ACL groups. */
import * as z from 'zod'
import { metaFields, whenValid } from '../../config/schema/typedefs.js'

const group = z.string().min(1, { error: 'length must be at least 1' })
const nonEmpty = (a: readonly unknown[] | undefined) => a !== undefined && a.length > 0

export const config = z
  .strictObject({
    allow: z
      .array(group)
      .optional()
      .describe('Groups allowed to use the route or service; everyone else is refused. Exactly one of `allow` or `deny` must be given.'),
    deny: z.array(group).optional().describe('Groups refused; everyone else is allowed. Exactly one of `allow` or `deny` must be given.'),
    hide_groups_header: z.boolean().default(false).describe('Do not send the X-Consumer-Groups (or X-Authenticated-Groups) header upstream.'),
    always_use_authenticated_groups: z
      .boolean()
      .default(false)
      .describe(
        'Use the groups another plugin authenticated (kong.ctx.shared.authenticated_groups) even when a consumer with a credential is set; by default they are used only without a consumer or with an anonymous one.',
      ),
    ...metaFields,
  })
  // Kong's entity checks, in Kong's order: only_one_of, then at_least_one_of.
  .superRefine(
    (c, ctx) => {
      const count = Number(nonEmpty(c.allow)) + Number(nonEmpty(c.deny))
      if (count !== 1) ctx.addIssue({ code: 'custom', message: "exactly one of these fields must be non-empty: 'config.allow', 'config.deny'" })
      if (count === 0) ctx.addIssue({ code: 'custom', message: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" })
    },
    whenValid('allow', 'deny'),
  )

export type AclConfig = z.infer<typeof config>

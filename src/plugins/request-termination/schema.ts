/** request-termination (Kong PRIORITY 2): answer with a fixed response. */
import * as z from 'zod'
import { headerName, integer, metaFields, whenValid } from '../../config/schema/typedefs.js'

// Kong's rules count only non-empty strings as set.
const present = (v: string | undefined) => v !== undefined && v.length > 0

export const config = z
  .strictObject({
    status_code: integer(100, 599).default(503).describe('The response code to send.'),
    message: z.string().optional().describe('The message to send, as JSON {"message": ...}, when no body is given.'),
    content_type: z.string().optional().describe('Content-Type of the raw body; requires `body`.'),
    body: z.string().optional().describe('The raw response body to send; excludes `message`.'),
    echo: z.boolean().default(false).describe('Echo a copy of the request back to the client as JSON (for debugging).'),
    trigger: headerName.optional().describe('When set, the plugin only acts on requests carrying a header or query argument with this name.'),
    ...metaFields,
  })
  .superRefine(
    (c, ctx) => {
      // Kong's custom_validator returns at its first failure: one message per config.
      const problem =
        present(c.message) && (present(c.content_type) || present(c.body))
          ? 'message cannot be used with content_type or body'
          : present(c.content_type) && !present(c.body)
            ? 'content_type requires a body'
            : c.echo && (present(c.content_type) || present(c.body))
              ? 'echo cannot be used with content_type and body'
              : undefined
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    },
    whenValid('message', 'content_type', 'body', 'echo'),
  )

export type RequestTerminationConfig = z.infer<typeof config>

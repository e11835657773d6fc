/** ai-prompt-guard (Kong PRIORITY 771): the config, as Kong's schema.lua has it. */
import * as z from 'zod'
import { metaFields, whenValid } from '../../config/schema/typedefs.js'
import { llmFormat, maxRequestBodySize } from '../shared/ai-prompt/schema-fields.js'

// Kong's len_max on an array: checked once it is an array (a refinement, so a type error stands alone).
const patterns = (description: string) =>
  z
    .array(z.string().min(1, { error: 'length must be at least 1' }).max(500, { error: 'length must be at most 500' }))
    .refine((a) => a.length <= 10, { error: 'length must be at most 10' })
    .meta({ maxItems: 10 })
    .optional()
    .describe(description)

const nonEmpty = (a: readonly unknown[] | undefined) => a !== undefined && a.length > 0

export const config = z
  .strictObject({
    allow_patterns: patterns(
      'PCRE patterns (as ngx.re, case-sensitive) a prompt must match one of to pass, when any are given; checked after `deny_patterns` (at most 10, each 1 to 500 characters).',
    ),
    deny_patterns: patterns('PCRE patterns (as ngx.re, case-sensitive) a prompt must match none of (at most 10, each 1 to 500 characters).'),
    allow_all_conversation_history: z
      .boolean()
      .default(false)
      .describe('Check only the latest `user` message of a chat; by default every `user` message of the conversation is checked.'),
    max_request_body_size: maxRequestBodySize,
    match_all_roles: z
      .boolean()
      .default(false)
      .describe('Check the messages of every role, not only `user` ones. Requires `allow_all_conversation_history` to be false.'),
    llm_format: llmFormat,
    ...metaFields,
  })
  // Kong's entity checks, in Kong's order: at_least_one_of, then the conditional on match_all_roles.
  .superRefine(
    (c, ctx) => {
      if (!nonEmpty(c.allow_patterns) && !nonEmpty(c.deny_patterns)) {
        ctx.addIssue({ code: 'custom', message: "at least one of these fields must be non-empty: 'config.allow_patterns', 'config.deny_patterns'" })
      }
      if (c.match_all_roles && c.allow_all_conversation_history) {
        ctx.addIssue({ code: 'custom', path: ['allow_all_conversation_history'], message: 'value must be false' })
        ctx.addIssue({ code: 'custom', message: "failed conditional validation given value of field 'config.match_all_roles'" })
      }
    },
    whenValid('allow_patterns', 'deny_patterns', 'allow_all_conversation_history', 'match_all_roles'),
  )

export type AiPromptGuardConfig = z.infer<typeof config>

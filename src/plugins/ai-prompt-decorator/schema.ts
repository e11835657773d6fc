/** ai-prompt-decorator (Kong PRIORITY 772): the config, as Kong's schema.lua has it. */
import * as z from 'zod'
import { metaFields, oneOf, whenValid } from '../../config/schema/typedefs.js'
import { llmFormat, maxRequestBodySize } from '../shared/ai-prompt/schema-fields.js'

const prompt = z.strictObject({
  role: oneOf(['system', 'assistant', 'user']).default('system').describe('The role of the message added: `system`, `assistant` or `user`.'),
  content: z
    .string()
    .min(1, { error: 'length must be at least 1' })
    .max(500, { error: 'length must be at most 500' })
    .describe('The text of the message added (1 to 500 characters).'),
  ...metaFields,
})

// Kong's len_max on an array: checked once it is an array (a refinement, so a type error stands alone).
const prompts = (description: string) =>
  z
    .array(prompt)
    .refine((a) => a.length <= 15, { error: 'length must be at most 15' })
    .meta({ maxItems: 15 })
    .optional()
    .describe(description)

const nonEmpty = (a: readonly unknown[] | undefined) => a !== undefined && a.length > 0

export const config = z
  .strictObject({
    prompts: z
      .strictObject({
        prepend: prompts("Messages put before the request's chat `messages`, in this order (at most 15)."),
        append: prompts("Messages put after the request's chat `messages`, in this order (at most 15)."),
        ...metaFields,
      })
      .optional()
      .describe('The messages added to every chat request. At least one of `prepend` or `append` must be non-empty.'),
    max_request_body_size: maxRequestBodySize,
    llm_format: llmFormat,
    ...metaFields,
  })
  .superRefine((c, ctx) => {
    if (!nonEmpty(c.prompts?.prepend) && !nonEmpty(c.prompts?.append)) {
      ctx.addIssue({ code: 'custom', message: "at least one of these fields must be non-empty: 'config.prompts.prepend', 'config.prompts.append'" })
    }
  }, whenValid('prompts'))

export type AiPromptDecoratorConfig = z.infer<typeof config>

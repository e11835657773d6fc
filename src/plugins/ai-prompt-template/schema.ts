/** ai-prompt-template (Kong PRIORITY 773): the config, as Kong's schema.lua has it. */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'
import { maxRequestBodySize } from '../shared/ai-prompt/schema-fields.js'

const template = z.strictObject({
  name: z.string().describe('The name a request calls the template by: `{template://NAME}` as its `messages` or `prompt`.'),
  template: z
    .string()
    .describe(
      "The body sent upstream in place of the request: text (usually JSON) where each `{{name}}` is replaced by the request's `properties.name`, JSON-escaped.",
    ),
  ...metaFields,
})

export const config = z.strictObject({
  templates: z.array(template).describe('The templates requests may call; the first with the called name is used.'),
  allow_untemplated_requests: z.boolean().default(true).describe('Let through requests that call no template; when false they are refused with 400.'),
  log_original_request: z
    .boolean()
    .default(false)
    .describe("Add the client's body, as it was before templating, to the log plugins' record as `ai.payload.original_request`."),
  max_request_body_size: maxRequestBodySize,
  ...metaFields,
})

export type AiPromptTemplateConfig = z.infer<typeof config>

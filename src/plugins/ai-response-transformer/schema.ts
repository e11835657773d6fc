/** ai-response-transformer (Kong PRIORITY 768): the config (kong/plugins/ai-response-transformer/schema.lua). */
import * as z from 'zod'
import { transformerChecks, transformerFields } from '../shared/ai/transformer-schema.js'

export const config = z
  .strictObject({
    ...transformerFields,
    parse_llm_response_json_instructions: z
      .boolean({ error: 'expected a boolean' })
      .default(false)
      .describe("Reads the LLM's answer as `{status, headers, body}` instructions for the answer to the client (the prompt must ask for them)."),
  })
  .superRefine(transformerChecks)

export type AiResponseTransformerConfig = z.infer<typeof config>

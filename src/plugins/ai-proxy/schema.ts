/** ai-proxy (Kong PRIORITY 770): the config, Kong's llm record plus ai-proxy's own fields (kong/plugins/ai-proxy/schema.lua). */
import * as z from 'zod'
import { metaFields, oneOf } from '../../config/schema/typedefs.js'
import { llmFields, llmRecordChecks } from '../shared/ai/schema.js'

export const config = z
  .strictObject({
    ...llmFields,
    response_streaming: oneOf(['allow', 'deny', 'always'])
      .default('allow')
      .describe('Server-sent-event answers: `allow` when the client asks (`stream: true`), `deny` refuses such a request, `always` streams every answer.'),
    max_request_body_size: z
      .number({ error: 'expected an integer' })
      .int({ error: 'expected an integer' })
      .gt(0, { error: 'value must be greater than 0' })
      .default(8 * 1024)
      .describe('The largest request body (bytes) the plugin reads and translates.'),
    model_name_header: z
      .boolean({ error: 'expected a boolean' })
      .default(true)
      .describe('Sends the model used as `X-Kong-LLM-Model: <provider>/<model>` on the answer.'),
    llm_format: oneOf(['openai', 'bedrock', 'gemini'])
      .default('openai')
      .describe("The format clients speak: OpenAI's (translated to the provider's), or a provider's native one."),
    ...metaFields,
  })
  .superRefine((c, ctx) => {
    llmRecordChecks(c, ctx)
    // Kong's plugin-level conditionals: the entity message, then the field's own.
    if (c.llm_format !== 'openai' && c.route_type !== 'llm/v1/chat') {
      ctx.addIssue({ code: 'custom', path: [], message: "native provider options in llm_format can only be used with the 'llm/v1/chat' route_type" })
      ctx.addIssue({ code: 'custom', path: ['route_type'], message: 'value must be llm/v1/chat' })
    }
    for (const native of ['bedrock', 'gemini'] as const)
      if (c.llm_format === native && c.model.provider !== native) {
        ctx.addIssue({ code: 'custom', path: [], message: `native llm_format '${native}' can only be used with the '${native}' model.provider` })
        ctx.addIssue({ code: 'custom', path: ['model', 'provider'], message: `value must be ${native}` })
      }
  })

export type AiProxyConfig = z.infer<typeof config>

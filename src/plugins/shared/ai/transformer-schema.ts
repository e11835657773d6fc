/**
 * The config both AI transformer plugins share (kong/plugins/ai-request-
 * transformer/schema.lua, ai-response-transformer/schema.lua): the prompt,
 * the extract pattern, the HTTP client settings and the `llm` record, which
 * must be a chat.
 */
import * as z from 'zod'
import { host, metaFields, port } from '../../../config/schema/typedefs.js'
import { llmFields, llmRecordChecks } from './schema.js'

const llm = z.strictObject(llmFields).describe('The LLM that rewrites the body: its route type, model, credential and logging.')

export const transformerFields = {
  prompt: z
    .string({ error: (iss) => (iss.input === undefined ? undefined : 'expected a string') })
    .describe('The system prompt: what the LLM is to do with the body, and what it answers.'),
  transformation_extract_pattern: z
    .string({ error: 'expected a string' })
    .optional()
    .describe("A regular expression whose first match in the LLM's answer becomes the body; an answer it does not match is a failure."),
  http_timeout: z
    .number({ error: 'expected an integer' })
    .int({ error: 'expected an integer' })
    .default(60000)
    .describe('Timeout (ms) of the call to the LLM.'),
  https_verify: z.boolean({ error: 'expected a boolean' }).default(true).describe("Verifies the LLM service's TLS certificate."),
  max_request_body_size: z
    .number({ error: 'expected an integer' })
    .int({ error: 'expected an integer' })
    .gt(0, { error: 'value must be greater than 0' })
    .default(8 * 1024)
    .describe('The largest body (bytes) sent to the LLM.'),
  http_proxy_host: host.optional().describe('An HTTP proxy for the call to the LLM (not used yet by this gateway).'),
  http_proxy_port: port.optional().describe('Its port.'),
  https_proxy_host: host.optional().describe('An HTTPS proxy for the call to the LLM (not used yet by this gateway).'),
  https_proxy_port: port.optional().describe('Its port.'),
  llm,
  ...metaFields,
}

interface TransformerShape {
  http_proxy_host?: string | undefined
  http_proxy_port?: number | undefined
  https_proxy_host?: string | undefined
  https_proxy_port?: number | undefined
  llm: z.infer<typeof llm>
}

/** Kong's entity checks of a transformer plugin. */
export function transformerChecks(c: TransformerShape, ctx: z.core.$RefinementCtx): void {
  llmRecordChecks(c.llm, ctx, ['llm'])
  if (c.llm.route_type !== 'llm/v1/chat') {
    ctx.addIssue({ code: 'custom', path: [], message: "'config.llm.route_type' must be 'llm/v1/chat' for AI transformer plugins" })
    ctx.addIssue({ code: 'custom', path: ['llm', 'route_type'], message: 'value must be llm/v1/chat' })
  }
  for (const p of ['http', 'https'] as const)
    if ((c[`${p}_proxy_host`] === undefined) !== (c[`${p}_proxy_port`] === undefined))
      ctx.addIssue({ code: 'custom', path: [], message: `all or none of these fields must be set: 'config.${p}_proxy_host', 'config.${p}_proxy_port'` })
}

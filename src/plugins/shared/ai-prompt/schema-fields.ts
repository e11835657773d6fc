/**
 * Config fields the AI prompt plugins share, with Kong's types, defaults and
 * messages (the schema.lua of each ai-prompt plugin).
 */
import * as z from 'zod'
import { oneOf } from '../../../config/schema/typedefs.js'

/** Kong's `integer`, `gt = 0`, default 8 * 1024; a fraction is only "expected an integer". */
export const maxRequestBodySize = z
  .number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') })
  .refine((v) => Number.isInteger(v), { error: 'expected an integer', abort: true })
  .refine((v) => v > 0, { error: 'value must be greater than 0' })
  .default(8 * 1024)
  .describe(
    'The most bytes of request body the plugin reads: a body past both this and the 8 KiB client body buffer is not read, and the request is refused as not being a chat or completions request.',
  )

/** Kong's `llm_format` (decorator and guard). */
export const llmFormat = oneOf(['openai', 'bedrock', 'gemini'])
  .default('openai')
  .describe('The format of the request body: `openai` (chat `messages` or completions `prompt`), `bedrock` or `gemini`.')

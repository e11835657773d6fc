/**
 * ai-prompt-template: a request whose `messages` or `prompt` is
 * `{template://NAME}` is replaced, before it is proxied, by the template of
 * that name rendered with the request's `properties` (templater.ts). The body
 * is read as JSON whatever its Content-Type, as Kong reads it; what the
 * request sends upstream (and what later AI plugins read) is the rendered
 * text, Content-Type unchanged. Refusals are Kong's 400 `{"error":{"message"}}`.
 */
import { AI_PROMPT } from '../../errors.js'
import { fromBytes } from '../../lua/core/value.js'
import { addSerializeValue } from '../../lua/pdk/serialize-values.js'
import { bodyTable, rawBody, setOutput, setRawBody } from '../shared/ai-prompt/request.js'
import { truthy } from '../shared/ai-prompt/lua-json.js'
import { definePhases, type Exit } from '../types.js'
import { render } from './templater.js'
import type { AiPromptTemplateConfig } from './schema.js'

const PREFIX = '{template://'

/** The template a reference names, or undefined when the value is no reference (Kong's extract_template_name). */
function referenceName(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v.startsWith(PREFIX) || !v.endsWith('}')) return undefined
  return v.slice(PREFIX.length, -1)
}

export default definePhases<AiPromptTemplateConfig>((conf, env) => {
  const max = conf.max_request_body_size
  // The first template of each name wins, as Kong's linear search finds it.
  const templates = new Map<string, string>()
  for (const t of conf.templates) if (!templates.has(t.name)) templates.set(t.name, t.template)

  const refuse = (answer: Exit, message: string): Exit => {
    env.log.debug(message)
    return answer
  }

  return {
    async access(kit) {
      if (conf.log_original_request) {
        const original = await rawBody(kit, max)
        addSerializeValue(kit, { key: 'ai.payload.original_request', value: original && fromBytes(original), mode: 'set' })
      }
      const body = await bodyTable(kit, 'application/json', max)
      if (body === undefined) return refuse(AI_PROMPT.NOT_JSON, 'this LLM route only supports application/json requests')
      // A JSON array is a table to Kong too, with neither field.
      const fields: Record<string, unknown> = Array.isArray(body) ? {} : body
      const messages = fields.messages
      const prompt = fields.prompt
      if (truthy(messages) && truthy(prompt)) return refuse(AI_PROMPT.BOTH_FORMATS, "cannot run 'messages' and 'prompt' templates at the same time")
      const reference = truthy(messages) ? messages : prompt
      if (!truthy(reference)) {
        return refuse(AI_PROMPT.NOT_LLM_FORMAT, "only 'llm/v1/chat' and 'llm/v1/completions' formats are supported for templating")
      }
      const name = referenceName(reference)
      if (name === undefined) {
        if (conf.allow_untemplated_requests) return
        return refuse(AI_PROMPT.UNTEMPLATED, 'this LLM route only supports templated requests')
      }
      const template = templates.get(name)
      if (template === undefined) {
        const message = `could not find template name [${name}]`
        return refuse(AI_PROMPT.badRequest(message), message)
      }
      const rendered = render(template, truthy(fields.properties) ? fields.properties : {})
      if (!rendered.ok) return refuse(AI_PROMPT.badRequest(rendered.error), rendered.error)
      setRawBody(kit, rendered.text)
      setOutput(kit, 'render-prompt-template', 'transformed', true)
    },
  }
})

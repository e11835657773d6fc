/**
 * Ollama's wire format, which the mistral and llama2 drivers may speak
 * (kong/llm/drivers/shared.lua to_ollama / from_ollama).
 */
import type { Body } from '../request.js'
import { mergeDefaults } from '../request.js'
import type { AiModel } from '../schema.js'
import type { Result } from './types.js'

export function toOllama(b: Body, model: AiModel): Result<Body> {
  mergeDefaults(b, model.options)
  if (b.prompt !== undefined && b.messages !== undefined)
    return { error: "cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema" }
  const out: Body = {}
  if (b.messages !== undefined) out.messages = b.messages
  else if (b.prompt !== undefined) out.prompt = b.prompt
  out.stream = b.stream ?? false
  out.model = model.name ?? b.name
  out.tools = b.tools
  out.tool_choice = b.tool_choice
  if (model.options) out.options = { num_predict: b.max_tokens, temperature: b.temperature, top_p: b.top_p, top_k: b.top_k }
  return { ok: out }
}

/** An Ollama answer as OpenAI's; the stop reason is worked out from max_tokens, as Kong does. */
export function fromOllama(raw: string, model: AiModel, routeType: string): Result<string> {
  let t: Record<string, any>
  try {
    t = JSON.parse(raw) as Record<string, any>
  } catch {
    return { error: 'failed to decode ollama response' }
  }
  const evalCount = typeof t.eval_count === 'number' ? t.eval_count : 0
  const promptCount = typeof t.prompt_eval_count === 'number' ? t.prompt_eval_count : 0
  const out: Body = {
    model: t.model,
    created: t.created_at,
    usage: { completion_tokens: evalCount, prompt_tokens: promptCount, total_tokens: evalCount + promptCount },
  }
  if (routeType === 'llm/v1/chat') {
    const stop = t.eval_count !== undefined && t.eval_count === (model.options?.max_tokens ?? -1) ? 'length' : 'stop'
    out.object = 'chat.completion'
    out.choices = [{ finish_reason: t.finish_reason ?? stop, index: 0, message: t.message }]
  } else if (routeType === 'llm/v1/completions') {
    out.object = 'text_completion'
    out.choices = [{ index: 0, text: t.response }]
  } else return { error: `no ollama-format transformer for response type ${routeType}` }
  return { ok: JSON.stringify(out) }
}

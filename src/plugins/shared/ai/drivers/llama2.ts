/**
 * The Llama 2 driver (kong/llm/drivers/llama2.lua), for self-hosted models
 * at `upstream_url`: OpenAI's format, Ollama's, or `raw` (Hugging Face text
 * generation: the chat flattened into Llama 2's [INST] prompt).
 */
import type { Body } from '../request.js'
import { mergeDefaults } from '../request.js'
import { fromOllama, toOllama } from './ollama.js'
import { openaiAnswer, openaiBody } from './openai.js'
import type { Driver, Result } from './types.js'
import { endpointOf } from './url.js'
import { ollamaStream } from './ollama-stream.js'
import { noStreamTransformer, passThrough } from './stream.js'

const text = (v: unknown) => (typeof v === 'string' ? v : String(v))

/** Llama 2's instruction prompt from a chat: the first message is the system prompt, the second closes the first turn. */
function toInstructions(messages: unknown[]): string {
  let out = ''
  messages.forEach((m, i) => {
    const msg = (m ?? {}) as { role?: unknown; content?: unknown }
    if (i === 0) out += `<s>[INST] <<SYS>> ${text(msg.content)} <</SYS>>`
    else if (i === 1) out += ` ${text(msg.content)} [/INST]`
    else if (msg.role === 'system') out += ` ${text(msg.content)} </s>`
    else if (msg.role === 'user') out += ` <s>[INST] ${text(msg.content)} [/INST]`
  })
  return out
}

function toRaw(b: Body): Result<Body> {
  const parameters: Body = { max_new_tokens: b.max_tokens, top_p: b.top_p, top_k: b.top_k, temperature: b.temperature, stream: b.stream ?? false }
  if (b.prompt !== undefined && b.messages !== undefined)
    return { error: "cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema" }
  const out: Body = { parameters }
  if (Array.isArray(b.messages)) out.inputs = toInstructions(b.messages)
  else if (b.prompt !== undefined) out.inputs = `<s> [INST] <<SYS>> You are a helpful assistant. <<SYS>> ${text(b.prompt)} [/INST]`
  return { ok: out }
}

function fromRaw(raw: string, routeType: string): Result<string> {
  let t: any
  try {
    t = JSON.parse(raw)
  } catch {
    return { error: 'failed to decode llama2 response' }
  }
  if (!t || !Array.isArray(t.data) || t.data.length > 1) return { error: 'cannot parse response from llama2 endpoint' }
  const generated = t.data[0]?.generated_text
  if (generated === undefined || generated === null) return { error: 'response data is empty from llama2 endpoint' }
  const parts = String(generated).split('[/INST]')
  const reply = parts[parts.length - 1]!.trim()
  const out: Body =
    routeType === 'llm/v1/chat'
      ? { choices: [{ message: { content: reply, role: 'assistant' }, index: 0 }], object: 'chat.completion' }
      : { choices: [{ index: 0, text: reply }], object: 'text_completion' }
  if (t.usage !== undefined) out.usage = t.usage
  return { ok: JSON.stringify(out) }
}

export const llama2: Driver = {
  provider: 'llama2',
  countsTokens: true,
  clearHeaders: [],
  toFormat(b, model, routeType) {
    const format = model.options?.llama2_format
    if (format === 'openai') return openaiBody(b, model)
    mergeDefaults(b, model.options)
    const out = format === 'ollama' ? toOllama(b, model) : toRaw(b)
    return 'error' in out ? { error: `error transforming to llama2://${routeType}/${format}` } : out
  },
  fromFormat(raw, model, routeType) {
    const format = model.options?.llama2_format
    if (format === 'openai') return openaiAnswer('llama2', raw, routeType)
    const out = format === 'ollama' ? fromOllama(raw, model, routeType) : fromRaw(raw, routeType)
    return 'error' in out ? { error: `transformation failed from type llama2://${routeType}: ${out.error}` } : out
  },
  // Kong has no stream transformer for the raw format: its events are errors, and the client gets none.
  streamTranslator(model, routeType) {
    const format = model.options?.llama2_format
    if (format === 'openai') return passThrough
    return format === 'ollama' ? ollamaStream('llama2', routeType) : noStreamTransformer('llama2', routeType, format)
  },
  endpoint(model) {
    const url = model.options?.upstream_url
    return url === undefined ? { error: 'upstream_url is required for llama2' } : endpointOf(url)
  },
}

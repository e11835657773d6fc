/**
 * Gemini's request format (kong/llm/drivers/gemini.lua to_format): an OpenAI
 * chat as `contents` of `parts` (roles user and model), the system prompts
 * joined into `systemInstruction`, multi-modal parts as inline or file data,
 * tool calls and results as function parts, the sampling options as
 * `generationConfig` and the function tools as `function_declarations`.
 */
import type { Body } from '../request.js'
import type { AiModel } from '../schema.js'
import { isObject } from './answer.js'

/** A shape Kong's Lua could not index: its pcall reports the error as `nil`. */
export class Unmappable extends Error {}

/** A refusal with Kong's message (the transformer's `nil, nil, err`). */
export class Refused extends Error {}

const ROLES: Readonly<Record<string, string>> = { system: 'system', user: 'user', assistant: 'model' }

/** Lua truthiness: only nil (null, absent) and false are false. */
const truthy = (v: unknown) => v !== undefined && v !== null && v !== false

/** Penlight's stringx.split with a plain separator (a trailing empty field dropped, as utils.split does). */
function split(s: string, sep: string): string[] {
  const parts = s.split(sep)
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  return parts
}

/** A data: URL as its parts; any other URL (https, a bucket) as it is. */
function imageComponents(img: string): { mimetype?: string; data?: string } | string {
  if (img.length < 10) throw new Refused('could not decode OpenAI image-part, image URL is less than 10 bytes, which is not parsable')
  const protocol = split(img.slice(0, 6), ':')[0] ?? ''
  if (protocol !== 'data') return img
  const outer = split(img.slice(protocol.length + 1), ';')
  if (outer[1] === undefined) throw new Unmappable()
  const inner = split(outer[1], ',')
  return { mimetype: outer[0], data: inner[1] }
}

/** One OpenAI content part as Gemini's (Kong's openai_part_to_gemini_part); undefined: not in the expected format. */
export function geminiPart(part: unknown): Body | undefined {
  if (!isObject(part)) throw new Unmappable()
  if (part.type === 'image_url') {
    const img = part.image_url
    // A string has no `.url` (nil in Lua); anything else but an object cannot be indexed.
    if (!isObject(img) && typeof img !== 'string') throw new Unmappable()
    const url = isObject(img) ? img.url : undefined
    if (!truthy(url)) throw new Refused("message part type is 'image_url' but is missing .image_url.url block")
    if (typeof url !== 'string') throw new Unmappable()
    const c = imageComponents(url)
    return typeof c === 'string' ? { fileData: { fileUri: c, mimeType: 'image/generic' } } : { inlineData: { data: c.data, mimeType: c.mimetype } }
  }
  if (part.type === 'text') {
    if (!truthy(part.text)) throw new Refused("message part type is 'text' but is missing .text block")
    return { text: part.text }
  }
  if (typeof part.type !== 'string' && typeof part.type !== 'number') throw new Unmappable()
  throw new Refused(`cannot transform part of type '${part.type}' to Gemini format`)
}

/** OpenAI's tools as one Gemini tool of function declarations (Kong's to_tools); undefined without any function. */
export function toTools(tools: unknown): Body[] | undefined {
  if (!truthy(tools)) return undefined
  if (!Array.isArray(tools)) {
    if (isObject(tools)) return undefined
    throw new Unmappable()
  }
  let declarations: unknown[] | undefined
  tools.forEach((v, i) => {
    if (typeof v === 'string') return
    if (!isObject(v)) throw new Unmappable()
    // Kong keeps each function at its tool's position.
    if (truthy(v.function)) (declarations ??= [])[i] = v.function
  })
  return declarations ? [{ function_declarations: Array.from(declarations, (d) => d ?? null) }] : undefined
}

function parts(content: unknown, i: number): unknown {
  if (typeof content === 'string') return [{ text: content }]
  if (Array.isArray(content)) {
    if (content.length === 0) throw new Refused(`message at position ${i} does not match expected array format`)
    return content.map((p, j) => {
      const out = geminiPart(p)
      if (!out) throw new Refused(`message at position ${i}, part at position ${j + 1} does not match expected OpenAI format`)
      return out
    })
  }
  if (isObject(content)) throw new Refused(`message at position ${i} does not match expected array format`)
  // Anything else leaves the parts empty (an empty Lua table, encoded as an object).
  return {}
}

/** Kong's to_gemini_chat_openai (after merge_config_defaults). */
export function toGeminiChat(b: Body, model: AiModel): Body {
  const out: Body = {}
  if (Array.isArray(b.messages) && b.messages.length > 0) {
    let system: string | undefined
    let contents: unknown[] | undefined
    const push = (v: unknown) => {
      // The tool turns are appended to a list that an earlier turn must have started.
      if (!contents) throw new Unmappable()
      contents.push(v)
    }
    b.messages.forEach((v, idx) => {
      if (!isObject(v)) throw new Unmappable()
      const i = idx + 1
      if (v.role === 'system') {
        if (truthy(v.content) && typeof v.content !== 'string' && typeof v.content !== 'number') throw new Unmappable()
        system = (system ?? '') + (truthy(v.content) ? String(v.content) : '')
      } else if (v.role === 'tool') {
        // Kong names every function response get_product_info.
        push({
          role: 'function',
          parts: [{ function_response: { response: { content: v.content === undefined || v.content === null ? {} : [v.content] }, name: 'get_product_info' } }],
        })
      } else if (v.role === 'assistant' && Array.isArray(v.tool_calls) && v.tool_calls.length > 0) {
        push({
          role: 'function',
          parts: v.tool_calls.map((t) => {
            if (!isObject(t) || !isObject(t.function)) throw new Unmappable()
            return { function_call: { name: t.function.name } }
          }),
        })
      } else {
        contents ??= []
        // Lua's `mapping[v.role or "user"]`: a role without a mapping is left out.
        const key = truthy(v.role) ? v.role : 'user'
        const role = typeof key === 'string' && Object.hasOwn(ROLES, key) ? ROLES[key] : undefined
        contents.push({ role, parts: parts(v.content, i) })
      }
    })
    if (contents) out.contents = contents
    if (system !== undefined) {
      if (typeof model.name !== 'string') throw new Unmappable()
      if (model.name.slice(0, 10) === 'gemini-1.0') throw new Refused("system prompts aren't supported on gemini-1.0 models")
      out.systemInstruction = { parts: [{ text: system }] }
    }
  }
  out.generationConfig = { maxOutputTokens: b.max_tokens, stopSequences: b.stop, temperature: b.temperature, topK: b.top_k, topP: b.top_p }
  out.tools = truthy(b.tools) ? toTools(b.tools) : undefined
  out.tool_config = b.tool_config
  return out
}

/**
 * The Cohere driver (kong/llm/drivers/cohere.lua): chats go to `/v1/chat` as
 * Cohere's `message` (the last one) and `chat_history` (the rest, as USER or
 * CHATBOT turns), completions to `/v1/generate` with the `prompt`; top_p and
 * top_k are Cohere's `p` and `k`. A request with `tools` is sent in OpenAI's
 * format, as Kong sends it. Answers (chat, generate, and the v2 chat shape)
 * come back as OpenAI's with the billed tokens as usage.
 */
import type { Body } from '../request.js'
import { mergeDefaults } from '../request.js'
import type { AiModel } from '../schema.js'
import { openaiBody } from './openai.js'
import type { Driver, Result } from './types.js'
import { isObject, mapAnswer } from './answer.js'
import { providerEndpoint } from './url.js'
import { cohereStream } from './cohere-stream.js'

const ORIGIN = 'https://api.cohere.com:443'
const PATHS = { 'llm/v1/chat': '/v1/chat', 'llm/v1/completions': '/v1/generate' } as const

const given = (v: unknown) => v !== undefined && v !== null && v !== false

/** A failed mapping: Kong's pcall turns any error inside a transformer into one message. */
class Unmappable extends Error {}

/** The request as Cohere's chat or generate API takes it (Kong changes the request itself). */
function toCohere(b: Body, model: AiModel): Body {
  b.p = b.top_p
  b.k = b.top_k
  delete b.top_p
  delete b.top_k
  b.model = given(model.name) ? model.name : b.model
  if (!given(b.stream)) b.stream = false
  if (given(b.prompt) && given(b.messages)) throw new Unmappable()
  if (Array.isArray(b.messages)) {
    const messages = b.messages
    if (messages.length > 1)
      b.chat_history = messages.slice(0, -1).map((v) => {
        if (!isObject(v)) throw new Unmappable()
        // Only the assistant's turns are the CHATBOT's; system prompts join the USER's.
        return { role: v.role === 'assistant' || v.role === 'CHATBOT' ? 'CHATBOT' : 'USER', message: v.content }
      })
    const last: unknown = messages[messages.length - 1]
    if (last !== undefined && !isObject(last)) throw new Unmappable()
    b.message = last?.content
    delete b.messages
  } else if (given(b.prompt)) {
    delete b.messages
    delete b.message
  }
  return b
}

/** Lua's `a and b and (x + y)`: a sum only when both counts are there; a missing one is an error, as in Kong. */
function sum(units: Body, inKey: string, outKey: string): number {
  const a = units[outKey]
  const c = units[inKey]
  if (typeof a !== 'number' || typeof c !== 'number') throw new Unmappable()
  return a + c
}

/** Cohere's billed units as OpenAI's usage (an empty object without them). */
function billed(units: unknown): Body {
  if (!isObject(units)) return {}
  return { completion_tokens: units.output_tokens, prompt_tokens: units.input_tokens, total_tokens: sum(units, 'input_tokens', 'output_tokens') }
}

/** A `co.generate` answer: one choice per generation. */
function generations(t: Body, model: AiModel, strict: boolean): Body {
  if (!Array.isArray(t.generations)) throw new Unmappable()
  const choices = t.generations.map((v, i) => {
    if (!isObject(v)) throw new Unmappable()
    return { index: i, text: v.text, finish_reason: 'stop' }
  })
  let usage: Body = {}
  if (given(t.meta)) {
    const meta = isObject(t.meta) ? t.meta : {}
    // The completions route reads billed_units without checking it is there (an error when it is not).
    if (strict && !isObject(meta.billed_units)) throw new Unmappable()
    usage = billed(meta.billed_units)
  }
  return { choices, object: 'text_completion', model: model.name, id: t.id, usage }
}

function chatText(t: Body, model: AiModel, usage: Body): Body {
  return {
    choices: [{ index: 0, message: { role: 'assistant', content: t.text }, finish_reason: 'stop' }],
    object: 'chat.completion',
    model: model.name,
    id: t.generation_id,
    usage,
  }
}

function fromChat(t: Body, model: AiModel): Result<Body> {
  if (given(t.prompt) && given(t.generations)) return { ok: generations(t, model, false) }
  if (given(t.text)) return { ok: chatText(t, model, given(t.meta) ? billed(isObject(t.meta) ? t.meta.billed_units : undefined) : {}) }
  if (given(t.message)) {
    // Cohere's v2 chat: the tool plan, else the content, and its tool calls as they are.
    const m = isObject(t.message) ? t.message : {}
    return {
      ok: {
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: given(m.tool_plan) ? m.tool_plan : m.content, tool_calls: m.tool_calls },
            finish_reason: t.finish_reason,
          },
        ],
        object: 'chat.completion',
        model: model.name,
        id: t.id,
        usage: given(t.usage) ? billed(isObject(t.usage) ? t.usage.billed_units : undefined) : {},
      },
    }
  }
  return { error: "'text' or 'generations' missing from cohere response body" }
}

function fromCompletion(t: Body, model: AiModel): Result<Body> {
  if (given(t.prompt) && given(t.generations)) return { ok: generations(t, model, true) }
  if (given(t.text)) {
    // A chat answer on the completions route: Cohere's own token_count.
    const c = isObject(t.token_count) ? t.token_count : undefined
    return { ok: chatText(t, model, c ? { completion_tokens: c.response_tokens, prompt_tokens: c.prompt_tokens, total_tokens: c.total_tokens } : {}) }
  }
  return { error: "'text' or 'generations' missing from cohere response body" }
}

export const cohere: Driver = {
  provider: 'cohere',
  countsTokens: true,
  clearHeaders: [],
  toFormat(b, model, routeType) {
    if (given(b.tools)) return openaiBody(b, model)
    mergeDefaults(b, model.options)
    try {
      return { ok: toCohere(b, model) }
    } catch {
      return { error: `error transforming to cohere://${routeType}` }
    }
  },
  fromFormat(raw, model, routeType) {
    return mapAnswer('cohere', routeType, raw, (body) => (routeType === 'llm/v1/chat' ? fromChat(body, model) : fromCompletion(body, model)))
  },
  streamTranslator: cohereStream,
  endpoint(model, routeType) {
    return providerEndpoint(ORIGIN, PATHS, model.options, routeType)
  },
}

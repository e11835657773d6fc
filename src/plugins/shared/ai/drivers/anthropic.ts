/**
 * The Anthropic driver (kong/llm/drivers/anthropic.lua): chats go to the
 * Messages API (`/v1/messages`: system prompt apart, OpenAI tool calls and
 * tool choice mapped to Claude's), completions to the legacy Text Completions
 * API (`/v1/complete`: a Human/Assistant prompt); answers come back as
 * OpenAI's with the stop reason and token usage. The `anthropic-version`
 * header is the configured one.
 */
import type { Body } from '../request.js'
import { mergeDefaults } from '../request.js'
import type { AiModel } from '../schema.js'
import type { Driver, Result } from './types.js'
import { isObject, mapAnswer } from './answer.js'
import { providerEndpoint } from './url.js'
import { anthropicStream } from './anthropic-stream.js'

const ORIGIN = 'https://api.anthropic.com:443'
const PATHS = { 'llm/v1/chat': '/v1/messages', 'llm/v1/completions': '/v1/complete' } as const

/** A failed mapping: Kong's pcall turns any error inside a transformer into one message. */
class Unmappable extends Error {}

/** Lua's `x or y`: only nil (and false) fall through. */
const or = (a: unknown, b: unknown) => (a === undefined || a === null || a === false ? b : a)

/** OpenAI tool calls as Claude's `tool_use` blocks; arguments that are not JSON become a null input. */
function toolUses(calls: unknown): Body[] | undefined {
  if (!Array.isArray(calls)) return undefined
  const out = calls.map((c): Body => {
    if (!isObject(c) || !isObject(c.function)) throw new Unmappable()
    let input: unknown
    try {
      input = typeof c.function.arguments === 'string' ? JSON.parse(c.function.arguments) : null
    } catch {
      input = null
    }
    return { type: 'tool_use', id: c.id, name: c.function.name, input }
  })
  return out.length > 0 ? out : undefined
}

/** The chat without its system prompt (the last one wins), tool results as the user's. */
function toClaudeMessages(messages: unknown[]): { messages: unknown[]; system: unknown } {
  const out: unknown[] = []
  let system: unknown
  for (const v of messages) {
    if (!isObject(v)) throw new Unmappable()
    if (v.role !== 'assistant' && v.role !== 'user' && v.role !== 'tool') system = v.content
    else if (v.role === 'assistant' && v.tool_calls !== undefined && v.tool_calls !== null) out.push({ role: 'assistant', content: toolUses(v.tool_calls) })
    else if (v.role === 'tool') out.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: v.tool_call_id, content: v.content }] })
    else out.push(v)
  }
  return { messages: out, system }
}

/** OpenAI's function tools as Claude's: the function itself, `parameters` renamed `input_schema`. */
function toTools(tools: unknown): unknown {
  if (!Array.isArray(tools)) {
    if (isObject(tools)) return {}
    throw new Unmappable()
  }
  const out: Body[] = []
  for (const v of tools) {
    if (!isObject(v) || !isObject(v.function)) continue
    const { parameters, ...rest } = v.function
    out.push({ ...rest, input_schema: parameters })
  }
  // An empty Lua table is encoded as a JSON object.
  return out.length > 0 ? out : {}
}

/** OpenAI's tool_choice as Claude's; a value with no Claude equivalent is left out. */
function toToolChoice(choice: unknown): Body | undefined {
  if (typeof choice === 'string') {
    if (choice === 'required') return { type: 'any' }
    if (choice === 'none' || choice === 'auto') return { type: choice }
    return undefined
  }
  if (isObject(choice)) {
    if (choice.type === 'function') {
      if (!isObject(choice.function)) throw new Unmappable()
      if (choice.function.name !== undefined && choice.function.name !== null) return { type: 'tool', name: choice.function.name }
    }
    return undefined
  }
  return undefined
}

function toChat(b: Body, model: AiModel): Body {
  if (!Array.isArray(b.messages)) throw new Unmappable()
  const { messages, system } = toClaudeMessages(b.messages)
  const o = model.options
  return {
    messages,
    system,
    temperature: or(o?.temperature, b.temperature),
    max_tokens: or(o?.max_tokens, b.max_tokens),
    model: or(model.name, b.model),
    stream: or(b.stream, false),
    tools: b.tools !== undefined && b.tools !== null ? toTools(b.tools) : undefined,
    tool_choice: b.tool_choice !== undefined && b.tool_choice !== null ? toToolChoice(b.tool_choice) : undefined,
  }
}

function toCompletion(b: Body, model: AiModel): Body {
  let prompt: string
  if (typeof b.prompt === 'string') prompt = `Human: ${b.prompt}\n\nAssistant:`
  else if (Array.isArray(b.messages)) {
    // Claude 2's flattened chat: roles as speaker labels, the system prompt bare, ending on the Assistant's turn.
    prompt = ''
    for (const v of b.messages) {
      if (!isObject(v) || typeof v.content !== 'string') throw new Unmappable()
      if (v.role === 'assistant') prompt += 'Assistant: '
      else if (v.role === 'user') prompt += 'Human: '
      prompt += `${v.content}\n\n`
    }
    prompt += 'Assistant:'
  } else throw new Unmappable()
  const o = model.options
  return {
    prompt,
    temperature: or(o?.temperature, b.temperature),
    max_tokens_to_sample: or(o?.max_tokens, b.max_tokens),
    model: or(model.name, b.model),
    stream: or(b.stream, false),
  }
}

const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined)

/** The text blocks joined by newlines (a newline before every block but the first), and the tool_use blocks as OpenAI tool calls. */
function fromChat(t: Body): Result<Body> {
  if (t.content === undefined || t.content === null || t.content === false) return { error: "'content' not in anthropic://llm/v1/chat response" }
  if (!Array.isArray(t.content)) return { error: 'unexpected_error' }
  let content = ''
  let toolCalls: Body[] | undefined
  t.content.forEach((v, i) => {
    if (!isObject(v)) throw new Unmappable()
    if (v.text !== undefined && v.text !== null && v.text !== false) {
      const s = text(v.text)
      if (s === undefined) throw new Unmappable()
      content += (i !== 0 ? '\n' : '') + s
    }
    if (v.type === 'tool_use') (toolCalls ??= []).push({ id: v.id, type: 'function', function: { name: v.name, arguments: JSON.stringify(v.input ?? null) } })
  })
  let usage: unknown = 'no usage data returned from upstream'
  if (isObject(t.usage)) {
    const input = t.usage.input_tokens
    const output = t.usage.output_tokens
    usage = {
      prompt_tokens: input,
      completion_tokens: output,
      total_tokens: typeof input === 'number' && typeof output === 'number' ? input + output : undefined,
    }
  }
  return {
    ok: {
      choices: [{ index: 0, message: { role: 'assistant', content, tool_calls: toolCalls }, finish_reason: t.stop_reason }],
      usage,
      model: t.model,
      object: 'chat.completion',
    },
  }
}

function fromCompletion(t: Body): Result<Body> {
  if (t.completion === undefined || t.completion === null || t.completion === false)
    // Kong's message names the chat route here too.
    return { error: "'completion' not in anthropic://llm/v1/chat response" }
  return { ok: { choices: [{ index: 0, text: t.completion, finish_reason: t.stop_reason }], model: t.model, object: 'text_completion' } }
}

export const anthropic: Driver = {
  provider: 'anthropic',
  countsTokens: true,
  clearHeaders: [],
  toFormat(b, model, routeType) {
    mergeDefaults(b, model.options)
    try {
      return { ok: routeType === 'llm/v1/chat' ? toChat(b, model) : toCompletion(b, model) }
    } catch {
      return { error: `error transforming to anthropic://${routeType}` }
    }
  },
  fromFormat(raw, _model, routeType) {
    return mapAnswer('anthropic', routeType, raw, (body) => (routeType === 'llm/v1/chat' ? fromChat(body) : fromCompletion(body)))
  },
  streamTranslator: anthropicStream,
  endpoint(model, routeType) {
    return providerEndpoint(ORIGIN, PATHS, model.options, routeType)
  },
  headers(model): Record<string, string> {
    const v = model.options?.anthropic_version
    return v === undefined ? {} : { 'anthropic-version': v }
  },
}

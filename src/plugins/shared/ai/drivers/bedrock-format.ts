/**
 * Bedrock's Converse format (kong/llm/drivers/bedrock.lua): an OpenAI chat
 * becomes Converse's `system` blocks, `messages` of content blocks (tool calls
 * as `toolUse`, tool results as the user's `toolResult`), `inferenceConfig`
 * from the sampling options, tools as `toolConfig`, with the request's
 * `guardrailConfig` and `bedrock.additionalModelRequestFields` passed on; the
 * answer's first content block, tool uses, stop reason and token usage come
 * back as OpenAI's.
 */
import type { Body } from '../request.js'
import type { AiModel } from '../schema.js'
import { isObject } from './answer.js'
import type { Result } from './types.js'

/** A mapping that failed with Kong's words for it. */
export class Unmappable extends Error {}

const ROLES: Readonly<Record<string, string>> = { system: 'assistant', user: 'user', assistant: 'assistant', tool: 'user' }

/** Converse's stop reasons as OpenAI's finish_reason (anything else is `stop`). */
const STOP_REASONS: Readonly<Record<string, string>> = {
  max_tokens: 'length',
  end_turn: 'stop',
  tool_use: 'tool_calls',
  guardrail_intervened: 'guardrail_intervened',
}
export const finishReason = (reason: unknown): string => (typeof reason === 'string' && Object.hasOwn(STOP_REASONS, reason) ? STOP_REASONS[reason]! : 'stop')

/**
 * Models that refuse a system prompt: Kong's Lua patterns (`.` any
 * character, `.-` any run of them), unanchored, as regular expressions.
 */
const NO_SYSTEM_ROLE = [
  /amazon.titan/,
  /cohere.command.*text/,
  /cohere.command.*light.*text/,
  /mistral.mistral.*7b.*instruct/,
  /mistral.mixtral.*8x7b.*instruct/,
]
export const refusesSystemPrompt = (name: string): boolean => NO_SYSTEM_ROLE.some((p) => p.test(name))

const given = (v: unknown) => v !== undefined && v !== null && v !== false

/** JSON text as a value, or undefined when it is not JSON (cjson.decode's failure). */
function decoded(text: unknown): { value: unknown } | undefined {
  if (typeof text !== 'string') return undefined
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return undefined
  }
}

/** OpenAI's function tools as Converse tool specs; a tool without a function leaves a gap (null), as Kong's sparse table encodes. */
export function toTools(tools: unknown): unknown[] | undefined {
  if (!Array.isArray(tools)) return undefined
  const out: unknown[] = tools.map((v) =>
    isObject(v) && given(v.function) && isObject(v.function)
      ? { toolSpec: { name: v.function.name, description: v.function.description, inputSchema: { json: v.function.parameters } } }
      : null,
  )
  while (out.length > 0 && out[out.length - 1] === null) out.pop()
  return out.length > 0 ? out : undefined
}

/** An assistant's tool calls as toolUse blocks (Kong keeps only the last: here each is kept, so every tool result has its use). */
function toolUses(calls: unknown[]): Body[] | undefined {
  const out: Body[] = []
  for (const tool of calls) {
    if (!isObject(tool) || !isObject(tool.function)) throw new Unmappable('nil')
    const input = decoded(tool.function.arguments)
    if (!input) throw new Unmappable("failed to decode function response arguments from assistant's message, not JSON format")
    out.push({ toolUse: { toolUseId: tool.id, name: tool.function.name, input: input.value } })
  }
  return out.length > 0 ? out : undefined
}

/** A tool's answer as a toolResult block: JSON content as is, any other JSON value as `{result}`. */
function toolResult(v: Body): Body {
  const content = decoded(v.content)
  if (!content) throw new Unmappable('failed to decode function response arguments, not JSON format')
  const json = typeof content.value === 'object' && content.value !== null ? content.value : { result: content.value }
  return { toolResult: { toolUseId: v.tool_call_id, content: [{ json }], status: v.status } }
}

/** Kong's to_bedrock_chat_openai, on a request whose defaults are merged. */
export function toConverse(b: Body, model: AiModel): Body {
  const out: Body = { anthropic_version: model.options?.anthropic_version ?? 'bedrock-2023-05-31' }
  if (Array.isArray(b.messages) && b.messages.length > 0) {
    const system: Body[] = []
    const messages: Body[] = []
    // The user message holding the results of the tool calls just made (Kong sends one message per result).
    let results: unknown[] | undefined
    for (const v of b.messages) {
      if (!isObject(v)) throw new Unmappable('nil')
      if (v.role === 'system') system.push({ text: v.content })
      else if (v.role === 'tool') {
        // Converse wants the roles to alternate: one call's results after another's join the same user message.
        const block = toolResult(v)
        if (results && messages.at(-1)?.content === results) results.push(block)
        else messages.push({ role: 'user', content: (results = [block]) })
      } else {
        let content: unknown
        if (typeof v.content === 'object' && v.content !== null) content = v.content
        else if (typeof v.tool_calls === 'object' && v.tool_calls !== null) content = Array.isArray(v.tool_calls) ? toolUses(v.tool_calls) : undefined
        else content = [{ text: given(v.content) ? v.content : '' }]
        const role = typeof v.role === 'string' ? v.role : 'user'
        messages.push({ role: Object.hasOwn(ROLES, role) ? ROLES[role] : undefined, content })
      }
    }
    if (messages.length > 0) out.messages = messages
    if (system.length > 0) {
      const name = String(model.name)
      if (refusesSystemPrompt(name)) throw new Unmappable(`system prompts are unsupported for model '${name}`)
      out.system = system
    }
  }
  out.inferenceConfig = { maxTokens: b.max_tokens, stopSequences: b.stop, temperature: b.temperature, topP: b.top_p }
  out.guardrailConfig = b.guardrailConfig
  const native = isObject(b.bedrock) ? b.bedrock : undefined
  // Kong wraps these two in a one-element array (an archaic placeholder Bedrock refuses); they go as given.
  let toolConfig: unknown = native && given(native.toolConfig) ? (isObject(native.toolConfig) ? { ...native.toolConfig } : native.toolConfig) : undefined
  if (Array.isArray(b.tools) && b.tools.length > 0) {
    const config: Body = isObject(toolConfig) ? toolConfig : {}
    config.tools = toTools(b.tools)
    toolConfig = config
  }
  out.toolConfig = toolConfig
  out.additionalModelRequestFields = native && given(native.additionalModelRequestFields) ? native.additionalModelRequestFields : undefined
  return out
}

/** Converse's tool uses as OpenAI tool calls; an empty input has no arguments. */
export function fromToolUses(content: unknown): Body[] | undefined {
  if (!Array.isArray(content)) return undefined
  let out: Body[] | undefined
  for (const t of content) {
    if (!isObject(t) || !given(t.toolUse)) continue
    const use = isObject(t.toolUse) ? t.toolUse : {}
    const input = use.input
    const filled = typeof input === 'object' && input !== null && Object.keys(input).length > 0
    ;(out ??= []).push({ function: { arguments: filled ? JSON.stringify(input) : undefined, name: use.name }, id: use.toolUseId, type: 'function' })
  }
  return out
}

/** Kong's from_bedrock_chat_openai. */
export function fromConverse(raw: string, model: AiModel): Result<Body> {
  let answer: unknown
  try {
    answer = JSON.parse(raw)
  } catch {
    return { error: 'failed to decode response from Bedrock' }
  }
  const r = isObject(answer) ? answer : {}
  const message = isObject(r.output) && isObject(r.output.message) ? r.output.message : undefined
  const content = message?.content
  if (!Array.isArray(content) || content.length === 0) return { error: 'no generation candidates received from Bedrock, or max_tokens too short' }
  const first = content[0]
  const out: Body = {
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: isObject(first) ? first.text : undefined, tool_calls: fromToolUses(content) },
        finish_reason: finishReason(r.stopReason),
      },
    ],
    object: 'chat.completion',
    model: model.name,
  }
  if (given(r.usage)) {
    const u = isObject(r.usage) ? r.usage : {}
    out.usage = { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.totalTokens }
  }
  out.trace = r.trace
  return { ok: out }
}

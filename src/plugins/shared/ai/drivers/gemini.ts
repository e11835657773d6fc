/**
 * The Gemini driver (kong/llm/drivers/gemini.lua): chats go to Google AI
 * Studio's `/v1beta/models/{model}:generateContent` (`:streamGenerateContent`
 * when streaming), or to Vertex AI's publisher model when
 * `model.options.gemini` names its endpoint, project and location. The
 * credential is the configured key header or parameter, or a GCP service
 * account's access token. Answers and streamed chunks come back as OpenAI's,
 * with Gemini's token counts. Completions are not translated, as in Kong.
 */
import { mergeDefaults, type Body } from '../request.js'
import { gcpTokenSource } from '../gcp-token.js'
import type { AiModel } from '../schema.js'
import { isObject } from './answer.js'
import { Refused, toGeminiChat } from './gemini-request.js'
import type { Driver, Result, StreamTranslator } from './types.js'
import { endpointOf } from './url.js'

const PUBLIC_ORIGIN = 'https://generativelanguage.googleapis.com'

const truthy = (v: unknown) => v !== undefined && v !== null && v !== false

/** The first candidate when there is one (Lua's `#candidates > 0` and `candidates[1]`). */
function firstCandidate(t: Body): Body | undefined {
  const c: unknown = Array.isArray(t.candidates) && t.candidates.length > 0 ? t.candidates[0] : undefined
  if (c === undefined) return undefined
  if (!isObject(c)) throw new Error('candidate is not an object')
  return c
}

/** The first candidate's parts, when its first part has `key` (Kong's is_response_content / is_tool_content). */
function partsWith(c: Body | undefined, key: 'text' | 'functionCall'): unknown[] | undefined {
  const content = c?.content
  if (!isObject(content) || !Array.isArray(content.parts) || content.parts.length === 0) return undefined
  const first: unknown = content.parts[0]
  if (!isObject(first)) throw new Error('part is not an object')
  return truthy(first[key]) ? content.parts : undefined
}

/** Function-call parts as OpenAI tool calls (the arguments as JSON text). */
function toolCalls(parts: unknown[], typed: boolean): Body[] {
  return parts.map((p) => {
    if (!isObject(p) || !isObject(p.functionCall)) throw new Error('not a function call')
    const fn = { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? null) }
    return typed ? { function: fn, type: 'function' } : { function: fn }
  })
}

/** Kong's from_gemini_chat_openai. */
function fromChat(t: Body, model: AiModel, transformer: boolean): Result<Body> {
  const c = firstCandidate(t)
  if (!c) return { error: 'no generation candidates received from Gemini, or max_tokens too short' }
  // An empty Lua table: encoded as an object when nothing fills it (a safety block).
  let choices: unknown = {}
  let object: string | undefined
  if (transformer && c.finishReason === 'SAFETY') return { error: 'transformation generation candidate breached Gemini content safety' }
  const text = partsWith(c, 'text')
  if (text) {
    if (typeof c.finishReason !== 'string') throw new Error('no finishReason')
    choices = [{ index: 0, message: { role: 'assistant', content: (text[0] as Body).text }, finish_reason: c.finishReason.toLowerCase() }]
    object = 'chat.completion'
  } else {
    const calls = partsWith(c, 'functionCall')
    if (calls) choices = [{ index: 0, message: { role: 'assistant', tool_calls: toolCalls(calls, false) } }]
  }
  const out: Body = { choices, model: model.name, object }
  const u = t.usageMetadata
  if (truthy(u)) {
    if (!isObject(u)) throw new Error('usageMetadata is not an object')
    out.usage = { prompt_tokens: u.promptTokenCount, completion_tokens: u.candidatesTokenCount, total_tokens: u.totalTokenCount }
  }
  return { ok: out }
}

/** A count as Lua's `x and x.count or 0` reads it. */
const count = (u: unknown, key: string): number => {
  const v = isObject(u) ? u[key] : undefined
  return typeof v === 'number' ? v : 0
}

/**
 * Kong's handle_stream_event: text and function-call chunks as OpenAI chunks
 * (the finish reason as Gemini names it), each setting the token counts
 * Gemini reports so far; anything else is dropped.
 */
function streamTranslator(model: AiModel): StreamTranslator {
  return (event) => {
    const data = event.data
    if (data === undefined || data.length === 0) return undefined
    if (data === '[DONE]') return { data }
    try {
      const t: unknown = JSON.parse(data)
      if (!isObject(t)) return undefined
      const c = firstCandidate(t)
      const finish = c && truthy(c.finishReason) ? c.finishReason : undefined
      const usage = {
        promptTokens: count(t.usageMetadata, 'promptTokenCount'),
        completionTokens: count(t.usageMetadata, 'candidatesTokenCount'),
        replace: true,
      }
      const text = partsWith(c, 'text')
      if (text) {
        const chunk = { model: model.name, choices: [{ delta: { content: (text[0] as Body).text, role: 'assistant' }, index: 0, finish_reason: finish }] }
        return { data: JSON.stringify(chunk), usage }
      }
      const calls = partsWith(c, 'functionCall')
      if (calls) {
        const chunk = { model: model.name, choices: [{ delta: { tool_calls: toolCalls(calls, true) }, index: 0, finish_reason: finish }] }
        return { data: JSON.stringify(chunk), usage }
      }
      return undefined
    } catch {
      // Kong logs the frame it could not decode or map, and sends nothing for it.
      return undefined
    }
  }
}

export const gemini: Driver = {
  provider: 'gemini',
  countsTokens: true,
  clearHeaders: ['set-cookie'],
  toFormat(b, model, routeType) {
    if (routeType !== 'llm/v1/chat') return { error: `no transformer for gemini://${routeType}` }
    mergeDefaults(b, model.options)
    try {
      return { ok: toGeminiChat(b, model) }
    } catch (e) {
      return { error: `error transforming to gemini://${routeType}: ${e instanceof Refused ? e.message : 'nil'}` }
    }
  },
  fromFormat(raw, model, routeType, context) {
    const fail = (e: string) => ({ error: `transformation failed from type gemini://${routeType}: ${e}` })
    if (routeType !== 'llm/v1/chat') return { error: `no transformer available from format gemini://${routeType}` }
    let decoded: unknown
    try {
      decoded = JSON.parse(raw)
    } catch {
      return fail('failed to decode response from Gemini')
    }
    let out: Result<Body>
    try {
      if (typeof decoded !== 'object' || decoded === null) throw new Error('not a table')
      out = fromChat(Array.isArray(decoded) ? {} : (decoded as Body), model, context?.transformer === true)
    } catch {
      out = { error: 'unexpected_error' }
    }
    return 'error' in out ? fail(out.error) : { ok: JSON.stringify(out.ok) }
  },
  streamTranslator: (model) => streamTranslator(model),
  endpoint(model, routeType, stream) {
    const o = model.options
    const op = stream ? 'streamGenerateContent' : 'generateContent'
    const g = o?.gemini
    let url: string | undefined = o?.upstream_url
    let path: string | undefined
    if (url === undefined) {
      // Kong has an operation for the chat route alone.
      if (routeType !== 'llm/v1/chat') return { error: `gemini has no operation for ${routeType}` }
      if (typeof model.name !== 'string') return { error: 'invalid model parameter' }
      if (g?.api_endpoint !== undefined && g.project_id !== undefined && g.location_id !== undefined) {
        url = `https://${g.api_endpoint}`
        path = `/v1/projects/${g.project_id}/locations/${g.location_id}/publishers/google/models/${model.name}:${op}`
      } else {
        url = PUBLIC_ORIGIN
        path = `/v1beta/models/${model.name}:${op}`
      }
    }
    return endpointOf(url, o?.upstream_path ?? path)
  },
  // Kong's pre_request: no compression, which breaks Gemini's streams.
  headers: () => ({ 'accept-encoding': 'identity' }),
  identity({ auth }, ctx) {
    if (!auth?.gcp_use_service_account) return undefined
    const source = gcpTokenSource(auth.gcp_service_account_json ?? ctx.env.GCP_SERVICE_ACCOUNT, ctx.node)
    return {
      async headers() {
        const t = await source.token()
        return 'error' in t ? t : { ok: { authorization: `Bearer ${t.ok}` } }
      },
    }
  },
}

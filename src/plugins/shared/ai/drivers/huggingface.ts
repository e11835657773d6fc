/**
 * The Hugging Face driver (kong/llm/drivers/huggingface.lua): the model's
 * inference URL (`https://api-inference.huggingface.co/models/<name>`, or
 * `upstream_url`) takes completions at its root as `inputs`, chats at
 * `/v1/chat/completions`; the sampling options go into `parameters`, the
 * `huggingface` options into `options`. Answers (a text-generation list or an
 * OpenAI-style chat) come back as OpenAI's, and a 200 answer that carries an
 * `error` is Kong's 500. Streamed events are rebuilt as OpenAI chunks.
 */
import { AI } from '../../../../errors.js'
import type { Body } from '../request.js'
import { mergeDefaults } from '../request.js'
import type { AiModel } from '../schema.js'
import { isObject } from './answer.js'
import type { Driver, Endpoint, Result, StreamTranslator } from './types.js'
import { endpointOf } from './url.js'

const ORIGIN = 'https://api-inference.huggingface.co/models/'

/** Lua's `if v then`: JSON null is cjson.null, a truthy value; only absent and false are false. */
const truthy = (v: unknown): boolean => v !== undefined && v !== false

/** Indexing a value Lua cannot index (nil, cjson.null, a number, a boolean) is an error. */
class Unindexable extends Error {}

/** Lua's `v[key]` on a decoded JSON value: arrays by 1-based position, objects by name, strings never hold our keys. */
function index(v: unknown, key: string | number): unknown {
  if (typeof v === 'string') return undefined
  if (Array.isArray(v)) return typeof key === 'number' ? v[key - 1] : undefined
  if (isObject(v)) return typeof key === 'string' ? v[key] : undefined
  throw new Unindexable()
}

/** Kong's safe_access: each key in turn, nil as soon as one is missing or false. */
function dig(v: unknown, ...keys: (string | number)[]): unknown {
  let value = v
  for (const key of keys) {
    value = truthy(value) ? index(value, key) : value
    if (!truthy(value)) return undefined
  }
  return value
}

/** A field set on a Lua table: a JSON list given a named field is written back as an object keyed "1".."n". */
function tableOf(v: unknown): Body {
  if (isObject(v)) return { ...v }
  if (Array.isArray(v)) return Object.fromEntries(v.map((x, i) => [String(i + 1), x]))
  throw new Unindexable()
}

/** cjson.encode: an empty Lua table, whichever JSON it came from, is written as an object. */
const encode = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (Array.isArray(x) && x.length === 0 ? {} : x))

/** Kong's set_default_parameters: the request's sampling options, unless `parameters` has them, moved there. */
function parameters(b: Body): Body | unknown[] {
  const given = truthy(b.parameters) ? b.parameters : {}
  const read = (k: string) => index(given, k)
  const set: [string, unknown][] = []
  for (const k of ['top_k', 'top_p', 'temperature']) if (read(k) === undefined && b[k] !== undefined) set.push([k, b[k]])
  let drop: string | undefined
  if (read('max_tokens') === undefined) {
    // Conversational models take max_length, text generation max_new_tokens; the request's value replaces it, even when absent.
    const k = truthy(b.messages) ? 'max_length' : 'max_new_tokens'
    if (b.max_tokens !== undefined) set.push([k, b.max_tokens])
    else drop = k
  }
  for (const k of ['top_k', 'top_p', 'temperature', 'max_tokens']) delete b[k]
  // A list nobody adds a field to stays a list (cjson writes an empty one as an object).
  if (Array.isArray(given) && set.length === 0) return given.length === 0 ? {} : given
  const out = tableOf(given)
  for (const [k, v] of set) out[k] = v
  if (drop !== undefined) delete out[drop]
  return out
}

/** Kong's to_huggingface (the request itself is changed, as Kong changes it). */
function toHuggingface(b: Body, model: AiModel, completions: boolean): Body {
  const params = parameters(b)
  const hf = model.options?.huggingface
  if (completions) {
    b.inputs = b.prompt
    delete b.prompt
  }
  b.options = { use_cache: hf?.use_cache ?? false, wait_for_model: hf?.wait_for_model ?? false }
  b.parameters = params
  if (model.name !== undefined) b.model = model.name
  return b
}

/** Lua's `..` with an error message: strings and numbers join; anything else is an error. */
function concat(v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(14)))
  throw new Unindexable()
}

/** Kong's from_huggingface: a text-generation list or a chat answer as OpenAI's. */
function fromHuggingface(t: unknown, model: AiModel, routeType: string): Result<Body> {
  // cjson.decode gives false for `false`: Kong takes it as a failed decode.
  if (t === false) return { error: 'Failed to decode response' }
  const problem = truthy(index(t, 'error')) ? index(t, 'error') : index(t, 'message')
  if (truthy(problem)) return { error: `API error: ${concat(problem)}` }
  const object = index(t, 'object')
  const usage = index(t, 'usage')
  const out: Body = { model: model.name, object: truthy(object) ? object : routeType, choices: [], usage: truthy(usage) ? usage : {} }
  if (typeof t === 'string') throw new Unindexable() // Kong writes generated_text into the decoded value
  const first = index(t, 1)
  const generated = truthy(first) ? index(first, 'generated_text') : undefined
  const choices: Body[] = []
  if (truthy(generated)) choices.push({ message: { content: generated }, index: 0, finish_reason: 'complete' })
  else if (truthy(index(t, 'choices'))) {
    const list = index(t, 'choices')
    if (!Array.isArray(list) && !isObject(list)) throw new Unindexable() // ipairs over a non-table
    const items = Array.isArray(list) ? list : []
    items.forEach((choice, i) => {
      const message = index(choice, 'message')
      const content = truthy(message) ? index(message, 'content') : undefined
      choices.push({ message: { content: truthy(content) ? content : '' }, index: i, finish_reason: 'complete' })
    })
  } else return { error: 'Invalid response format' }
  out.choices = choices
  return { ok: out }
}

/** Kong's from_format: decode, map, encode; any failure in Kong's words, an error while mapping as `unexpected_error`. */
function fromFormat(raw: string, model: AiModel, routeType: string): Result<string> {
  const fail = (e: string) => ({ error: `transformation failed from type huggingface://${routeType}: ${e}` })
  let decoded: unknown
  try {
    decoded = JSON.parse(raw)
  } catch {
    return fail('Failed to decode response')
  }
  let out: Result<Body>
  try {
    out = fromHuggingface(decoded, model, routeType)
  } catch {
    return fail('unexpected_error')
  }
  return 'error' in out ? fail(out.error) : { ok: encode(out.ok) }
}

/** Kong's handle_huggingface_stream: each event's text as an OpenAI chunk; an event that is not JSON (`[DONE]` too) is dropped. */
function streamTranslator(model: AiModel, routeType: string): StreamTranslator {
  const chat = routeType === 'llm/v1/chat'
  return (event) => {
    if (event.data === undefined || event.data === '') return undefined
    try {
      const e: unknown = JSON.parse(event.data)
      if (chat) {
        const content = dig(e, 'choices', 1, 'delta', 'content') ?? ''
        const own = index(e, 'model')
        const chunk = {
          choices: [{ delta: { content, role: 'assistant' }, index: 0 }],
          model: truthy(own) ? own : model.name,
          object: 'chat.completion.chunk',
        }
        return { data: encode(chunk) }
      }
      const text = dig(e, 'token', 'text') ?? ''
      return { data: encode({ choices: [{ text, index: 0 }], model: model.name, object: 'text_completion' }) }
    } catch {
      return undefined
    }
  }
}

/** Kong's huggingface_endpoint: the model's URL, chats under `/v1/chat/completions` (preserve too). */
function endpoint(model: AiModel, routeType: string): Result<Endpoint> {
  const base = model.options?.upstream_url ?? (model.name !== undefined ? ORIGIN + model.name : undefined)
  if (base === undefined) return { error: 'no model to name in the Hugging Face URL', answer: AI.NO_HUGGINGFACE_URL }
  const url = routeType === 'llm/v1/completions' ? base : `${base}/v1/chat/completions`
  let out: Result<Endpoint>
  try {
    out = endpointOf(url)
  } catch {
    return { error: `invalid upstream url '${url}'` }
  }
  if ('error' in out) return out
  // luasocket gives no path for `http://host:port`: Kong then sets none, and the routed path is sent.
  const bare = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(?:[?#]|$)/i.test(url)
  return { ok: { ...out.ok, pathRule: bare ? 'routed' : 'fixed' } }
}

export const huggingface: Driver = {
  provider: 'huggingface',
  countsTokens: false,
  clearHeaders: [],
  headerAuthOnly: true,
  toFormat(b, model, routeType) {
    mergeDefaults(b, model.options)
    try {
      return { ok: toHuggingface(b, model, routeType === 'llm/v1/completions') }
    } catch {
      return { error: `error transforming to huggingface://${routeType}` }
    }
  },
  fromFormat,
  streamTranslator,
  endpoint,
}

/**
 * What Kong's LLM layer checks and fills in on an OpenAI-format request before
 * a driver translates it (kong/llm/init.lua, kong/llm/drivers/shared.lua):
 * the request's format, the model's `$(...)` templates, the config's default
 * options, and the prompt-token estimate for providers that do not count.
 */
import type { Kit } from '../../types.js'
import type { AiModel, RouteType } from './schema.js'

/** A parsed JSON object body (Kong's request table). */
export type Body = Record<string, unknown>

const isObject = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v)
const hasMessages = (b: Body) => Array.isArray(b.messages) && b.messages.length > 0
const hasPrompt = (b: Body) => typeof b.prompt === 'string'

/** Kong's validate_incoming: chat messages, or a completion prompt. */
export function hasPrompts(b: Body): boolean {
  return hasMessages(b) || hasPrompt(b)
}

/** Kong's llm.is_compatible: undefined when the body's format fits the route type, else Kong's message. */
export function incompatibility(b: Body, routeType: RouteType): string | undefined {
  if (routeType === 'preserve') return undefined
  const formats: RouteType[] = []
  if (hasMessages(b)) formats.push('llm/v1/chat')
  if (hasPrompt(b)) formats.push('llm/v1/completions')
  if (formats.length > 1) return 'request matches multiple LLM request formats'
  const format = formats[0]
  if (format === undefined) return 'request format not recognised'
  return format === routeType ? undefined : `[${format}] message format is not compatible with [${routeType}] route type`
}

/** The JSON body as an object, or undefined (not JSON, not an object, too large). */
export function parseBody(raw: Buffer, contentType: string | undefined, maxBytes: number): Body | undefined {
  const type = (contentType ?? 'application/json').toLowerCase()
  if (!type.includes('json') || raw.length > maxBytes) return undefined
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'))
    return isObject(v) ? v : undefined
  } catch {
    return undefined
  }
}

/** A model whose string values may hold one `$(source.key)` template each. */
export interface ModelTemplate {
  readonly model: AiModel
  /** Whether any value holds a template (else `model` is used as is). */
  readonly templated: boolean
}

const TEMPLATE = /\$\((.*?)\)/

function anyTemplate(v: unknown): boolean {
  if (typeof v === 'string') return TEMPLATE.test(v)
  if (isObject(v)) return Object.values(v).some(anyTemplate)
  return false
}

export function modelTemplate(model: AiModel): ModelTemplate {
  return { model, templated: anyTemplate(model) }
}

/** Kong's conf_from_request: a named route capture, a header or a query argument. */
function fromRequest(kit: Kit, source: string, key: string): { value: string | undefined } | { error: string } {
  if (source === 'uri_captures') return { value: kit.request.uriCaptures?.named[key] }
  if (source === 'headers') return { value: kit.request.header(key) }
  if (source === 'query_params') {
    const v = kit.request.query.get(key)
    return { value: v ?? undefined }
  }
  return { error: `source '${source}' is not supported` }
}

function fill(kit: Kit, v: unknown): { value: unknown } | { error: string } {
  if (isObject(v)) {
    const out: Body = {}
    for (const [k, x] of Object.entries(v)) {
      const r = fill(kit, x)
      if ('error' in r) return r
      out[k] = r.value
    }
    return { value: out }
  }
  if (typeof v !== 'string') return { value: v }
  const m = TEMPLATE.exec(v)
  if (!m) return { value: v }
  const parts = m[1]!.split('.')
  if (parts.length !== 2) return { error: `cannot parse expression for field '${v}'` }
  const r = fromRequest(kit, parts[0]!, parts[1]!)
  if ('error' in r) return r
  if (r.value === undefined) return { error: `${parts[0]} key ${parts[1]} was not provided` }
  return { value: v.slice(0, m.index) + r.value + v.slice(m.index + m[0].length) }
}

/** Kong's merge_model_options: the model with its templates filled from this request. */
export function modelFor(kit: Kit, t: ModelTemplate): { model: AiModel } | { error: string } {
  if (!t.templated) return { model: { ...t.model } }
  const r = fill(kit, t.model)
  return 'error' in r ? r : { model: r.value as AiModel }
}

/** Kong's merge_config_defaults: the config's sampling options win over the request's. */
export function mergeDefaults(b: Body, options: AiModel['options']): void {
  if (!options) return
  if (options.temperature !== undefined) b.temperature = options.temperature
  if (options.max_tokens !== undefined) b.max_tokens = options.max_tokens
  if (options.top_p !== undefined) b.top_p = options.top_p
  if (options.top_k !== undefined) b.top_k = options.top_k
}

/** Kong's count_words: whitespace-separated words of a string, or of a multi-modal content's text parts. */
function countWords(v: unknown): number {
  const words = (s: string) => s.split(/\s+/).filter((w) => w !== '').length
  if (typeof v === 'string') return words(v)
  if (Array.isArray(v)) {
    let n = 0
    for (const item of v) if (isObject(item) && item.type === 'text' && typeof item.text === 'string') n += words(item.text)
    return n
  }
  return 0
}

/**
 * Kong's calculate_cost: a word count standing in for tokens (times
 * `factor`), over a response's choices, a chat's messages or a prompt.
 * Undefined where Kong fails ("Invalid request format").
 */
export function estimateTokens(b: Body, factor: number): number | undefined {
  let cost = 0
  if (Array.isArray(b.choices)) {
    for (const c of b.choices) {
      if (!isObject(c)) continue
      const msg = c.message
      if (isObject(msg) && msg.content !== undefined && msg.content !== null) cost += countWords(msg.content) * factor
      else if (c.text !== undefined && c.text !== null) cost += countWords(c.text) * factor
    }
  } else if (Array.isArray(b.messages)) {
    for (const m of b.messages) cost += countWords(isObject(m) ? m.content : undefined) * factor
  } else if (b.prompt !== undefined && b.prompt !== null) {
    const p = b.prompt
    if (typeof p === 'string') cost = countWords(p) * factor
    else if (Array.isArray(p)) {
      for (const item of p) {
        if (typeof item === 'string') cost += countWords(item) * factor
        else if (typeof item === 'number') cost += 1
        else if (Array.isArray(item) && item.every((x) => typeof x === 'number')) cost += item.length
        else return undefined
      }
    } else return undefined
  }
  return Math.floor(cost + 0.5)
}

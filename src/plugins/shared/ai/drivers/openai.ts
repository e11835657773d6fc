/**
 * The OpenAI driver (kong/llm/drivers/openai.lua): requests already speak
 * OpenAI's format, so the body only gets the configured model and options,
 * and an answer is checked for `choices`.
 */
import type { Body } from '../request.js'
import { mergeDefaults } from '../request.js'
import type { AiModel, RouteType } from '../schema.js'
import type { Driver, Result } from './types.js'
import { endpointOf } from './url.js'

export const OPENAI_ORIGIN = 'https://api.openai.com:443'

export const OPENAI_PATHS: Record<Exclude<RouteType, 'preserve'>, string> = {
  'llm/v1/chat': '/v1/chat/completions',
  'llm/v1/completions': '/v1/completions',
}

/** The request as OpenAI's API takes it: the configured model and options win; top_k is not OpenAI's. */
export function openaiBody(b: Body, model: AiModel): Result<Body> {
  mergeDefaults(b, model.options)
  b.model = model.name ?? b.model
  // Lua's `stream or false`: nil becomes false, anything else stays.
  if (b.stream === undefined || b.stream === null) b.stream = false
  delete b.top_k
  return { ok: b }
}

/** An OpenAI answer: JSON with `choices`, passed on as the upstream wrote it. */
export function openaiAnswer(provider: string, raw: string, routeType: string): Result<string> {
  let t: unknown
  try {
    t = JSON.parse(raw)
  } catch {
    return { error: `transformation failed from type ${provider}://${routeType}: failed to decode ${routeType} response` }
  }
  if (typeof t === 'object' && t !== null && (t as Body).choices !== undefined && (t as Body).choices !== null) return { ok: raw }
  return { error: `transformation failed from type ${provider}://${routeType}: 'choices' not in ${routeType} response` }
}

export const openai: Driver = {
  provider: 'openai',
  countsTokens: false,
  clearHeaders: ['set-cookie'],
  toFormat: (b, model) => openaiBody(b, model),
  fromFormat: (raw, _model, routeType) => openaiAnswer('openai', raw, routeType),
  endpoint(model, routeType) {
    const o = model.options
    if (o?.upstream_url !== undefined) return endpointOf(o.upstream_url)
    const path = o?.upstream_path ?? (routeType === 'preserve' ? undefined : OPENAI_PATHS[routeType]) ?? '/'
    return endpointOf(OPENAI_ORIGIN, path)
  },
}

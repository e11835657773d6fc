/**
 * One request's LLM statistics (Kong's kong/llm/plugin/observability.lua)
 * and how they go into the log record (serialize-analytics.lua): under
 * `ai.<namespace>` the `meta`, `usage` and, with log_payloads, `payload`.
 */
import { addSerializeValue } from '../../../lua/pdk/serialize-values.js'
import { toLua } from '../../../lua/pdk/convert.js'
import type { Kit } from '../../types.js'

export class LlmStats {
  /** When the request was handed to the model (ms, performance clock). */
  startedAt = 0
  /** Milliseconds from then to the answer's headers. */
  latencyMs = 0
  promptTokens = 0
  completionTokens = 0
  cost = 0

  start(): void {
    this.startedAt = performance.now()
  }
  /** Kong's record_request_end: whole milliseconds. */
  end(): void {
    if (this.startedAt > 0) this.latencyMs = Math.floor(performance.now() - this.startedAt)
  }
  get totalTokens(): number {
    return this.promptTokens + this.completionTokens
  }
  /** Kong's llm_tpot_latency: latency over completion tokens (0 without any). */
  get timePerToken(): number {
    return this.completionTokens > 0 ? this.latencyMs / this.completionTokens : 0
  }
  /** Kong's usage from an OpenAI-format answer's `usage`. */
  readUsage(body: unknown): void {
    const usage = typeof body === 'object' && body !== null ? (body as { usage?: unknown }).usage : undefined
    if (typeof usage !== 'object' || usage === null) return
    const u = usage as { prompt_tokens?: unknown; completion_tokens?: unknown }
    if (typeof u.prompt_tokens === 'number') this.promptTokens = u.prompt_tokens
    if (typeof u.completion_tokens === 'number') this.completionTokens = u.completion_tokens
  }
  /** Kong's cost: both prices per million tokens, else 0. */
  price(input: number | undefined, output: number | undefined): void {
    this.cost = input !== undefined && output !== undefined ? (this.promptTokens * input + this.completionTokens * output) / 1_000_000 : 0
  }
}

export interface AnalyticsMeta {
  pluginId: string
  provider: string
  requestModel: string
  responseModel: string
  /** Provider fields added to `meta` (azure's ids). */
  extra?: Record<string, string | undefined> | undefined
}

/** Sets `ai.<namespace>.meta` and `.usage` (and the payloads) in the request's log record. */
export function serializeAnalytics(
  kit: Kit,
  namespace: string,
  meta: AnalyticsMeta,
  stats: LlmStats,
  payloads?: { request: string | undefined; response: string | undefined },
): void {
  const set = (key: string, value: unknown) => addSerializeValue(kit, { key: `ai.${namespace}.${key}`, value: toLua(value), mode: 'set' })
  set('meta', {
    plugin_id: meta.pluginId,
    provider_name: meta.provider,
    request_model: meta.requestModel,
    response_model: meta.responseModel,
    llm_latency: stats.latencyMs,
    ...meta.extra,
  })
  set('usage', {
    time_per_token: stats.timePerToken,
    prompt_tokens: stats.promptTokens,
    completion_tokens: stats.completionTokens,
    total_tokens: stats.totalTokens,
    cost: stats.cost,
  })
  if (payloads) {
    set('payload.request', payloads.request)
    set('payload.response', payloads.response)
  }
}

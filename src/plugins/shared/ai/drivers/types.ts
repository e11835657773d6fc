/** The contract of one provider's driver: how an OpenAI-format request and answer map to its wire format. */
import type { Body } from '../request.js'
import type { AiModel, Provider, RouteType } from '../schema.js'

/** Where a request goes: Kong's set_scheme + set_target + set_path. */
export interface Endpoint {
  scheme: 'http' | 'https'
  host: string
  port: number
  path: string
  /** Query arguments the provider needs unless the client sent them (azure's api-version). */
  defaultQuery?: Record<string, string>
}

export type Result<T> = { ok: T } | { error: string }

export interface Driver {
  readonly provider: Provider
  /** Kong's streaming_has_token_counts: the provider reports prompt tokens (no estimate needed). */
  readonly countsTokens: boolean
  /** Response headers dropped from a translated answer (Kong's clear_response_headers). */
  readonly clearHeaders: readonly string[]
  /** Kong's to_format: the body sent upstream (may be `b` itself, changed). */
  toFormat(b: Body, model: AiModel, routeType: Exclude<RouteType, 'preserve'>): Result<Body>
  /** Kong's from_format: the upstream's answer as OpenAI's, as text. */
  fromFormat(raw: string, model: AiModel, routeType: Exclude<RouteType, 'preserve'>): Result<string>
  /** Kong's configure_request: the upstream endpoint (before preserve's path rule). */
  endpoint(model: AiModel, routeType: RouteType): Result<Endpoint>
  /** Headers the provider needs besides the configured auth (anthropic-version). */
  headers?(model: AiModel): Record<string, string>
  /** Extra fields of the logged `meta` (Kong's ai_extra_meta: azure's ids). */
  meta?(model: AiModel): Record<string, string | undefined>
}

/** The contract of one provider's driver: how an OpenAI-format request and answer map to its wire format. */
import type { TextAnswer } from '../../../../errors.js'
import type { Body } from '../request.js'
import type { NodeView } from '../../../types.js'
import type { AiAuth, AiModel, Provider, RouteType } from '../schema.js'

/** Where a request goes: Kong's set_scheme + set_target + set_path. */
export interface Endpoint {
  scheme: 'http' | 'https'
  host: string
  port: number
  path: string
  /** Query arguments the provider needs unless the client sent them (azure's api-version). */
  defaultQuery?: Record<string, string>
  /**
   * How `path` is used (absent: set, except that preserve sends the client's
   * path): 'fixed' is set on preserve too; 'routed' sets none, so the path
   * the router built is sent (huggingface, whose URL may have no path).
   */
  pathRule?: 'fixed' | 'routed'
}

/** A failure; `answer` is what Kong sends the client instead of its default (huggingface's 400 text). */
export type Result<T> = { ok: T } | { error: string; answer?: TextAnswer }

/** One message of a streamed answer, as Kong's frame_to_events splits the provider's bytes. */
export interface StreamEvent {
  event?: string
  id?: string
  /** The message's data (JSON text for every provider; `[DONE]` ends OpenAI's stream). */
  data?: string
}

/** One streamed event translated (Kong's from_format with `stream/<route_type>`). */
export interface StreamFrame {
  /** An OpenAI chunk as JSON text, or `[DONE]`; absent: nothing is sent for this event. */
  data?: string
  /** Token counts the event reports (Kong's metadata): added up, or replacing the running counts. */
  usage?: { promptTokens?: number; completionTokens?: number; replace?: boolean }
  /**
   * The event could not be translated (Kong's from_format error): logged and
   * skipped, the stream goes on. A translator that throws counts the same.
   */
  error?: string
}

/**
 * Translates one request's stream, event by event, in order: made per
 * request, it keeps what the provider says once and later events need
 * (anthropic's model and prompt tokens from `message_start`).
 */
export type StreamTranslator = (event: StreamEvent) => StreamFrame | undefined

/** A credential fetched rather than configured (gemini's GCP access token), made once per plugin instance. */
export interface Identity {
  /** The headers this request gets upstream, or why there are none (the request is then refused before proxying). */
  headers(): Promise<Result<Record<string, string>>>
}

/** Who reads an answer: the transformer plugins refuse what ai-proxy passes on (gemini's safety blocks). */
export interface AnswerContext {
  transformer?: boolean
}

export interface Driver {
  readonly provider: Provider
  /** Kong's streaming_has_token_counts: the provider reports prompt tokens (no estimate needed). */
  readonly countsTokens: boolean
  /** Response headers dropped from a translated answer (Kong's clear_response_headers). */
  readonly clearHeaders: readonly string[]
  /** Kong's to_format: the body sent upstream (may be `b` itself, changed). */
  toFormat(b: Body, model: AiModel, routeType: Exclude<RouteType, 'preserve'>): Result<Body>
  /** Kong's from_format: the upstream's answer as OpenAI's, as text. */
  fromFormat(raw: string, model: AiModel, routeType: Exclude<RouteType, 'preserve'>, context?: AnswerContext): Result<string>
  /** Kong's from_format for `stream/<route_type>`; absent, OpenAI-format events pass as they came. */
  streamTranslator?(model: AiModel, routeType: Exclude<RouteType, 'preserve'>): StreamTranslator
  /** Kong's configure_request: the upstream endpoint (before preserve's path rule). */
  endpoint(model: AiModel, routeType: RouteType, stream?: boolean): Result<Endpoint>
  /**
   * Kong's configure_request for this provider sets the auth header whatever
   * `allow_override` says and never adds the query parameter (huggingface).
   */
  readonly headerAuthOnly?: boolean
  /** Headers the provider needs besides the configured auth (anthropic-version). */
  headers?(model: AiModel): Record<string, string>
  /** Kong's cloud identity (`auth.gcp_use_service_account`): undefined when the config asks for none. */
  identity?(auth: AiAuth | undefined, node: NodeView): Identity | undefined
  /** Extra fields of the logged `meta` (Kong's ai_extra_meta: azure's ids). */
  meta?(model: AiModel): Record<string, string | undefined>
}

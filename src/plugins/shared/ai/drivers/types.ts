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

/** Who reads an answer: the transformer plugins refuse what ai-proxy passes on (gemini's safety blocks). */
export interface AnswerContext {
  transformer?: boolean
}

/** A request as it goes on the wire, for a driver to authenticate (sign) it. */
export interface OutgoingRequest {
  readonly method: string
  readonly scheme: 'http' | 'https'
  readonly host: string
  readonly port: number
  /** The path exactly as sent (already escaped). */
  readonly path: string
  /** The query as sent (a repeated name has each of its values). */
  readonly query: Readonly<Record<string, string | string[]>>
  readonly body: string | Buffer
}

/**
 * What a driver keeps per plugin config (Kong's cloud_identity_function):
 * made once when the config is compiled, used by each request.
 */
export interface DriverIdentity {
  /** Why this config cannot reach the provider (Kong: `AWS region not specified anywhere`): each request fails before proxying. */
  readonly error?: string
  /** Kong's configure_request when it depends on the identity (bedrock's region) and on streaming (converse-stream). */
  endpoint?(model: AiModel, routeType: RouteType, stream: boolean): Result<Endpoint>
  /** Headers fetched for each request (gemini's GCP access token), or why there are none: the request is refused before proxying. */
  headers?(): Promise<Result<Record<string, string>>>
  /** Headers that authenticate the request as sent (bedrock's SigV4); rejects with a reason fit for the log, never a secret. */
  sign?(req: OutgoingRequest): Promise<Record<string, string>>
}

export interface IdentityContext {
  readonly node: NodeView
  /** The process environment, read when the config is compiled. */
  readonly env: NodeJS.ProcessEnv
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
  /** Kong's cloud_identity_function: per-config credentials, endpoint and signer (bedrock), or fetched tokens (gemini); absent, the configured auth is all. */
  identity?(llm: { auth?: AiAuth | undefined; model: AiModel }, ctx: IdentityContext): DriverIdentity | undefined
  /** The model takes no system prompt (Kong's bedrock_unsupported_system_role_patterns): the transformers ask it differently. */
  refusesSystemPrompt?(model: AiModel): boolean
  /** Extra fields of the logged `meta` (Kong's ai_extra_meta: azure's ids). */
  meta?(model: AiModel): Record<string, string | undefined>
}

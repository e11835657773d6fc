/**
 * The plugin kit: what a phase function gets per request (Kong's PDK, typed).
 *
 * One Kit per request, shared by every plugin of that request: the client's
 * request as received, the changes sent upstream, the response on its way
 * back, the tries and timings the log phase reads, and the Exit a plugin
 * answers with instead of proxying.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Consumer, Route, Service } from '../config/model.js'

/**
 * A response a plugin answers with instead of proxying. Exactly one body form:
 * - `error`: Kong's `kong.response.error` — the negotiated error template with request_id;
 * - `message`: Kong's `kong.response.exit(status, {message = ...})` — compact JSON;
 * - `json`: any value, sent as compact JSON (`kong.response.exit(status, table)`);
 * - `body`: raw bytes, sent as is (set `content-type` in headers).
 */
export interface Exit {
  status: number
  error?: string
  message?: string
  json?: unknown
  body?: string | Buffer
  headers?: Record<string, string | string[]>
  /**
   * The plugin answered as a proxy (Kong's aws-lambda and azure-functions):
   * Kong's `Via` is appended to the answer's, when `headers` has Via on. It
   * names HTTP/2 (`2 <token>`) whatever the client spoke, as Kong does: those
   * plugins test nginx's $http2, which is set (to '') on every request.
   */
  via?: boolean
}

/**
 * Captures of the matched route's regex path: unnamed[0] is the whole match.
 * A group that took no part in the match is undefined (Kong's nil), one that
 * matched nothing is ''.
 */
export interface UriCaptures {
  unnamed: (string | undefined)[]
  named: Record<string, string | undefined>
}

/** The client's request, as received (read-only). */
export interface KitRequest {
  readonly method: string
  readonly scheme: 'http' | 'https'
  /** Host header without port, lower-cased. */
  readonly host: string
  /** The gateway port the request came in on. */
  readonly port: number
  /** The path as the client sent it, without the query. */
  readonly path: string
  /** The normalized path the router matched on. */
  readonly normalizedPath: string
  /** The query string without `?` ('' when none). */
  readonly rawQuery: string
  /** The request target exactly as sent (path and query, e.g. `/a/../b?x=1`). */
  readonly rawTarget: string
  /** The parsed query (built on first use). */
  readonly query: URLSearchParams
  /** Lower-cased header names; repeated headers are arrays (set-cookie) or comma-joined (Node's rules). */
  readonly headers: IncomingHttpHeaders
  /** Every value of a header, in order (`[]` when absent). */
  headerValues(name: string): readonly string[]
  /** The first value of a header. */
  header(name: string): string | undefined
  /** The gateway address and port the request came in on (nginx's $server_addr / $server_port). */
  readonly serverAddr: string
  /** A per-process serial of the client connection, and how many requests it has carried so far (this one included). */
  readonly connection: { readonly id: number; readonly requests: number }
  /** The client address after the trusted-ips and real-ip rules (Kong's `kong.client.get_forwarded_ip`, nginx's remote_addr). */
  readonly clientIp: string
  /** The client's port (the TCP peer's; Kong's `kong.client.get_forwarded_port` without forwarded headers). */
  readonly clientPort: number
  /** The address of the TCP peer (Kong's `kong.client.get_ip`, nginx's realip_remote_addr). */
  readonly peerIp: string
  /** Whether an address is in --trusted-ips (Kong's `kong.ip.is_trusted`); false for anything not an IP address. */
  isTrustedIp(ip: string): boolean
  readonly httpVersion: string
  /** The TLS session of an https request (nginx's $ssl_protocol and $ssl_cipher, OpenSSL's names); undefined on http. */
  readonly tls: { readonly version: string; readonly cipher: string } | undefined
  readonly uriCaptures: UriCaptures | undefined
  /**
   * The whole request body, read on first call (later calls share it). Once read,
   * the upstream is sent these bytes (or what `upstream.setBody` put instead).
   */
  body(): Promise<Buffer>
  /**
   * Caps the body while it streams upstream: past `maxBytes` the upstream
   * request is cut and the client gets `exit` (when nothing was answered yet).
   * A body already read into memory is checked at once.
   */
  limitBody(maxBytes: number, exit: Exit): void
}

/** Changes to the request the gateway sends upstream. */
export interface KitUpstream {
  /** The current value of a header that will be sent upstream. */
  header(name: string): string | string[] | undefined
  setHeader(name: string, value: string | string[]): void
  clearHeader(name: string): void
  /** The query that will be sent upstream (a live, mutable copy). */
  readonly query: URLSearchParams
  /** Replaces the whole query (a string without `?`). */
  setRawQuery(query: string): void
  /** Replaces the upstream path (unescaped; escaped as the router's upstream path is). */
  setPath(path: string): void
  readonly path: string
  setMethod(method: string): void
  readonly method: string
  /** Replaces the body sent upstream (sets Content-Length, drops Transfer-Encoding). */
  setBody(body: Buffer | string): void
  /**
   * Sends the request to this host and port instead of the service's (Kong's
   * kong.service.set_target): the upstream's balancer is bypassed; scheme,
   * timeouts and TLS settings stay the service's, unless `scheme` is given
   * (Kong's kong.service.request.set_scheme).
   */
  setTarget(host: string, port: number, scheme?: 'http' | 'https'): void
}

/** The response on its way to the client (header_filter / body_filter / log phases). */
export interface KitResponse {
  status: number
  /** Lower-cased names; mutable in the header_filter phase. */
  readonly headers: Record<string, string | string[] | number>
  header(name: string): string | undefined
  setHeader(name: string, value: string | string[]): void
  addHeader(name: string, value: string): void
  clearHeader(name: string): void
  /**
   * From header_filter: this plugin's body_filter does not need this response
   * (say, not cacheable, not JSON). When no body_filter needs it, the response
   * streams instead of being buffered.
   */
  skipBody(): void
  /**
   * From header_filter: this plugin transforms the body chunk by chunk as it
   * passes (Kong's body_filter per ngx.arg[1], `last` for ngx.arg[2]),
   * without buffering it; it also leaves this plugin's whole-body
   * bodyFilter out for this response. Several plugins' filters chain in
   * plugin order. The body's length changes, so Content-Length is dropped.
   * What the filter returns is sent (empty: nothing for this chunk); a filter
   * that throws is logged and the client's connection is cut (the head is
   * already out). On an answer the gateway makes whole (exit, error), the
   * filter sees the whole body once, with `last` true.
   */
  streamBody(filter: StreamBodyFilter): void
  /** 'service' for proxied responses, 'exit' for plugin answers, 'error' for the gateway's own errors. */
  readonly source: 'service' | 'exit' | 'error'
}

/** One plugin's per-chunk body filter (KitResponse.streamBody). */
export type StreamBodyFilter = (chunk: Buffer, last: boolean) => Buffer | string

/** A credential as the consumer headers need it. */
export interface AuthCredential {
  readonly id: string
  /** X-Credential-Identifier: key-auth id, basic/hmac username, jwt key. */
  readonly identifier: string
  readonly consumer?: string | undefined
}

export interface PluginLog {
  error(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  debug(msg: string, fields?: Record<string, unknown>): void
}

/** Per request, shared by every plugin of that request. */
export interface Kit {
  readonly requestId: string
  readonly request: KitRequest
  readonly upstream: KitUpstream
  /**
   * The response. Before the response phases it holds only the headers plugins
   * set early (Kong's kong.response.set_header in access): they are added to
   * whatever response follows — proxied, exit or error.
   */
  readonly response: KitResponse
  readonly route: Route | undefined
  readonly service: Service | undefined
  /** The authenticated consumer, once an auth plugin set it. */
  readonly consumer: Consumer | undefined
  readonly credential: AuthCredential | undefined
  /** True when the consumer is an `anonymous` fallback. */
  readonly anonymous: boolean
  /**
   * Kong's `kong.client.authenticate` plus the consumer headers: sets the
   * consumer and credential and the X-Consumer-* / X-Credential-Identifier /
   * X-Anonymous-Consumer headers sent upstream (absent values cleared). The
   * consumer may be absent: ldap-auth authenticates a credential that belongs
   * to no consumer, as Kong's `kong.client.authenticate(nil, credential)`.
   */
  authenticate(consumer: Consumer | undefined, credential: AuthCredential | undefined, anonymous?: boolean): void
  /** Data shared between the plugins of one request (Kong's `kong.ctx.shared`). */
  readonly shared: Record<string, unknown>
  /** Milliseconds since the request arrived. */
  elapsed(): number
  /** When the request arrived (Unix ms). */
  readonly startedAt: number
  /**
   * Kong's ctx.KONG_WAITING_TIME: a plugin that answered after calling a
   * service itself (aws-lambda) names how long it waited (ms); the log's
   * latencies then count it as `proxy`, and the gateway's own time without it.
   */
  waited(ms: number): void
  /** What `waited` set (undefined when nothing did). */
  readonly waitingTime: number | undefined
  /** What happened upstream, once the request was sent (undefined: answered by the gateway). */
  readonly proxied: KitProxied | undefined
  /**
   * A gRPC service's trailers (lower-case names: `grpc-status`, `grpc-message`,
   * metadata), once its answer ended (body_filter on); undefined before, or
   * when there were none. What is left when the answer goes out is sent to the
   * client as trailers.
   */
  readonly upstreamTrailers: Readonly<Record<string, string>> | undefined
  /** Drops the upstream's trailers (a body_filter that moved them into the body, as grpc-web does). */
  clearUpstreamTrailers(): void
  /** Bytes of the request (request line, headers, body) and of the response sent so far (headers and body). */
  sizes(): { request: number; response: number }
  /** The request's trace when there is one (--tracing-instrumentations on, or a plugin started one). */
  readonly trace: KitTrace | undefined
  /** The request's trace, started for propagation alone when instrumentations are off. */
  startTrace(): KitTrace
  /**
   * Kong's request-scoped observability logs: from this call on, the lines
   * plugins' Lua writes during the request (kong.log, ngx.log) are kept for
   * the log phase (at most 1,000), with the span running when each was written.
   */
  keepLogs(): void
  /** A log line written for this request; kept only after keepLogs(). */
  logLine(level: 'error' | 'warn' | 'info' | 'debug', message: string): void
  /** The lines kept so far. */
  logLines(): readonly KitLogLine[]
}

/** A log line kept for the request (Kong's o11y log entry). */
export interface KitLogLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug'
  readonly message: string
  /** Unix ms. */
  readonly timeMs: number
  /** The span running when it was written (traced requests). */
  readonly spanId: Buffer | undefined
}

/**
 * A span of the request's trace (Kong's kong.tracing span): ids are raw bytes
 * (16-byte trace id, 8-byte span id), times Unix ms with fractions. Kinds are
 * Kong's: 1 internal, 2 server, 3 client.
 */
export interface KitSpan {
  readonly name: string
  readonly kind: number
  readonly spanId: Buffer
  /** The parent's span id: another span of the request, or the caller's (extracted from the request). */
  parentId: Buffer | undefined
  readonly startMs: number
  /** Undefined until the span ends. */
  readonly endMs: number | undefined
  /** 0 unset, 1 ok, 2 error. */
  readonly status: number
  readonly attributes: Readonly<Record<string, string | number | boolean>>
  readonly events: readonly { readonly name: string; readonly timeMs: number; readonly attributes?: Readonly<Record<string, string | number | boolean>> }[]
  setAttribute(key: string, value: string | number | boolean | undefined): void
  addEvent(name: string, attributes?: Record<string, string | number | boolean>): void
  setStatus(status: number): void
  finish(endMs?: number): void
}

/**
 * The request's trace (Kong's tracer over ngx.ctx.KONG_SPANS and its tracing
 * context). With --tracing-instrumentations it holds the root span `kong` and
 * what the instrumentations recorded; otherwise a plugin that propagates gets
 * one for that alone (`kit.startTrace()`), whose spans are never exported.
 */
export interface KitTrace {
  /** The trace id every span is exported with (Kong's raw trace id): the root's, or one extracted from the request. */
  traceId: Buffer
  /** The root span (`kong`, or `root` when only propagating). */
  readonly root: KitSpan
  /** Only for propagation: instrumentations are off, nothing is exported (Kong's `kong.propagation_only`). */
  readonly propagationOnly: boolean
  /** The trace's sampling decision, undefined until a plugin or the tracer made one. */
  sampled: boolean | undefined
  /** The W3C flags sent on (Kong's tracing context flags). */
  flags: number | undefined
  /**
   * Kong's get_sampling_decision: false when only propagating or the caller
   * said not sampled; else the probability sampler over the trace id at
   * `rate` (the plugin's sampling_rate, or --tracing-sampling-rate).
   */
  samplingDecision(parentSampled: boolean | undefined, rate: number | undefined): boolean
  /**
   * The span the upstream sees as its parent: the balancer span of the last
   * try (created now, linked when the request is logged) when the balancer
   * instrumentation is on, else the root.
   */
  upstreamParent(): KitSpan
  /** The innermost span running now (a plugin phase's, else the root): the parent of a span a plugin starts. */
  readonly active: KitSpan
  /** Starts a span under `active` (Kong's kong.tracing.start_span); kind 1 unless given. */
  startSpan(name: string, kind?: number, attributes?: Record<string, string | number | boolean>): KitSpan
  /** Whether an instrumentation is on (`http_client`, `balancer`, ...: Kong's tracing_instrumentations). */
  instrumented(name: string): boolean
  /** Every span of the request, in creation order (in the log phase: the balancer spans linked, the root ended). */
  spans(): readonly KitSpan[]
}

/** One try at an upstream target (Kong's `balancer_data.tries` entry). */
export interface KitTry {
  readonly ip: string
  readonly port: number
  /** When the balancer started picking this try's target (Unix ms). */
  readonly balancerStart: number
  /** How long picking took (ms, fractional). */
  readonly balancerLatency: number
  /** The try failed before an answer: 502 (connection or protocol error) or 504 (timeout). */
  readonly failed?: 502 | 504 | undefined
}

/** The upstream side of a request, for the log phase (Kong's log serializer). */
export interface KitProxied {
  /** Path and query as sent upstream. */
  readonly uri: string
  /** `scheme://host:port` of the last try. */
  readonly origin: string
  /** Status of the upstream's response (0 until it answered). */
  readonly status: number
  /** One entry per attempt. */
  readonly tries: readonly KitTry[]
  /** nginx's $upstream_status: each try's status (502/504 for a failed one), comma-separated; '' before any. */
  readonly statusText: string
  /** Gateway time before the first byte went upstream (ms). */
  readonly kongLatency: number
  /** From sending to the upstream's response headers (ms; -1 until they arrived). */
  readonly upstreamLatency: number
  /** From the upstream's headers to the end of its body (ms; -1 until it ended). */
  readonly receiveLatency: number
}

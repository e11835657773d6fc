/**
 * The plugin contract and the plugin kit: what a bundled plugin declares, and
 * the typed API its phase handlers use (Kong's PDK, in TypeScript).
 *
 * A plugin is one definition (name, priority, config schema, scopes, phases)
 * whose `handler` loads, on first use, a factory that runs once per plugin
 * instance when a config is compiled. The factory does everything that can be
 * done ahead of time (parse the config, compile regexes, build lookup tables)
 * and returns the phase functions that run per request with a `Kit`. The
 * config layer sees definitions only; handlers are loaded by compile.
 */
import type * as z from 'zod'
import type { Registry } from 'prom-client'
import type { IncomingHttpHeaders } from 'node:http'
import type { SecureContext } from 'node:tls'
import type { Protocol } from '../config/schema/typedefs.js'
import type {
  Acl,
  BasicauthCredential,
  Consumer,
  HmacauthCredential,
  JwtSecret,
  KeyauthCredential,
  Oauth2AuthorizationCode,
  Oauth2Credential,
  Oauth2Token,
  Plugin,
  Route,
  Service,
} from '../config/model.js'

export interface PluginScopes {
  /** false when Kong's schema forbids this scope (`no_consumer`, ...). */
  consumer: boolean
  route: boolean
  service: boolean
}

/**
 * The phases a plugin may implement, in the order a request meets them; then
 * the two Kong runs on stream routes (its stream subsystem): `preread` and
 * `streamLog` (Kong's `log` there, whose record differs); then `certificate`,
 * which runs in a TLS handshake of the proxy, global instances only.
 */
export const PHASE_NAMES = ['rewrite', 'access', 'headerFilter', 'bodyFilter', 'log', 'preread', 'streamLog', 'certificate'] as const
export type PhaseName = (typeof PHASE_NAMES)[number]

/**
 * Creates the phase functions of one plugin instance; runs once per instance
 * when a config is compiled (never per request).
 */
export type PluginFactory<C = any> = (conf: C, env: PluginEnv) => PluginPhases

/** What a definition's `handler` gives: the factory, or a module whose default export it is. */
export type HandlerSource<C> = PluginFactory<C> | { readonly default: PluginFactory<C> }

export interface PluginDefinition<S extends z.ZodType = z.ZodType<any, any>> {
  /** kebab-case, as in Kong; also the folder name. */
  readonly name: string
  /** Kong's static PRIORITY: higher runs first within a phase. */
  readonly priority: number
  readonly version: string
  /** The `config` record; fills Kong's defaults. */
  readonly config: S
  /** Default for the plugin entity's `protocols`. */
  readonly protocols: readonly Protocol[]
  /**
   * Kong's `typedefs.protocols_http`: an instance's `protocols` may only name
   * grpc, grpcs, http and https (a stream protocol is refused when the file is
   * loaded). Unset: any protocol, as Kong's `typedefs.protocols`.
   */
  readonly httpOnly?: boolean
  readonly scopes: PluginScopes
  /** The phases the handler implements; an instance returning another one is refused when the config is compiled. */
  readonly phases: readonly PhaseName[]
  /**
   * Loads the handler. Called once, when a config that uses the plugin is first
   * compiled, so validating a file never loads request code:
   * `handler: () => import('./handler.js')`.
   */
  handler(): HandlerSource<z.output<S>> | Promise<HandlerSource<z.output<S>>>
  /**
   * Optional, for `gateway explain`: what this instance's access phase would
   * do with `req`, predicted from the same parsed config the handler's
   * factory gets. Must have no side effect (no counter, no network, no
   * clock-dependent answer). Undefined: it cannot say ("runs; outcome depends
   * on runtime").
   */
  explain?(conf: z.output<S>, req: ExplainRequest): ExplainOutcome | undefined
}

/** The request as `gateway explain` describes it, for plugins' explain hooks. */
export interface ExplainRequest {
  readonly method: string
  /** The normalized path. */
  readonly path: string
  /** Lower-cased names, every value in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>
  readonly query: URLSearchParams
  /** The client address (`--client-ip`), when given. */
  readonly clientIp: string | undefined
  /** The consumer identified so far by the plugins before this one. */
  readonly consumer: Consumer | undefined
  /** Whether a credential (not an anonymous fallback) identified it. */
  readonly credential: boolean
  /** `--consumer`: authenticate as this consumer when the request carries no credential of its own. */
  readonly assume: Consumer | undefined
  readonly consumers: ConsumerIndex
}

/** What an explain hook predicts. */
export interface ExplainOutcome {
  /** The plugin answers instead of proxying: Kong's status and message (from the errors catalogue). */
  readonly answers?: Exit
  /** The plugin identifies this consumer (a credential's owner, or the anonymous fallback). */
  readonly identifies?: { readonly consumer: Consumer; readonly anonymous: boolean }
  /** What else to say (never a secret). */
  readonly note?: string
  /** The phase does nothing for this request (a trigger absent, a preflight skipped). */
  readonly skipped?: boolean
}

/** Kong's default plugin protocols. */
export const PROTOCOLS_ALL: readonly Protocol[] = ['grpc', 'grpcs', 'http', 'https']

export const ANY_SCOPE: PluginScopes = { consumer: true, route: true, service: true }
export const NO_CONSUMER: PluginScopes = { consumer: false, route: true, service: true }

/** A definition of the first plugin API: no phases, no handler (those come with `pluginSet([{ definition, handler }])`). */
export type PluginDeclaration<S extends z.ZodType = z.ZodType> = Omit<PluginDefinition<S>, 'phases' | 'handler'>

/** Declares a plugin; the identity function that keeps the config type. */
export function definePlugin<S extends z.ZodType>(def: PluginDefinition<S>): PluginDefinition<S>
export function definePlugin<S extends z.ZodType>(def: PluginDeclaration<S>): PluginDeclaration<S>
export function definePlugin<S extends z.ZodType>(def: PluginDeclaration<S>): PluginDeclaration<S> {
  return def
}

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

/** What `create` gets besides its config: indexes of the compiled config, a logger. */
export interface PluginEnv {
  /** The plugin entity (id, scope, protocols, instance_name). */
  readonly plugin: Plugin
  readonly consumers: ConsumerIndex
  /** Logs with the plugin's name attached. */
  readonly log: PluginLog
  /** This node: its identity (Kong's node_id, hostname) and the state plugins keep across reloads. */
  readonly node: NodeView
  /** The gateway's plugin metrics registry (prom-client), served on the admin /metrics. */
  readonly metrics: Registry
}

/**
 * Something a plugin keeps for as long as the node runs, across reloads:
 * counters, cache stores, client connections, open files. Declared once (a
 * module constant), created on first use, closed when the gateway stops.
 */
export interface NodeSlot<T> {
  /** Unique per node: by convention `plugin-name:what` or `shared:what`. */
  readonly key: string
  create(node: NodeView): T
  close?(value: T): void | Promise<void>
}

/** Declares a node slot. */
export function nodeSlot<T>(key: string, create: (node: NodeView) => T, close?: (value: T) => void | Promise<void>): NodeSlot<T> {
  return close ? { key, create, close } : { key, create }
}

/** What plugins see of the node. */
export interface NodeView {
  /** Kong's node_id: shared by the workers of one node. */
  readonly id: string
  readonly hostname: string
  /**
   * 32 random bytes made when the node starts (a worker of --workers gets the
   * primary's): a key that every worker agrees on, for what must verify
   * across them when the config sets no key of its own (session's default
   * secret). Never logged or shown.
   */
  readonly secret: Buffer
  /** The local syslog socket the syslog plugin writes to (GATEWAY_SYSLOG_SOCKET; /dev/log by default). */
  readonly syslogSocket: string
  /**
   * Kong's lua_ssl_trusted_certificate (GATEWAY_LUA_SSL_TRUSTED_CERTIFICATE):
   * PEM certificate authorities that plugins' own TLS clients (acme's ACME
   * client) trust besides the system's; undefined: the system's alone.
   */
  readonly trustedCa: readonly string[] | undefined
  /** The node's plugin metrics registry (prom-client), served on the admin /metrics. */
  readonly metrics: Registry
  /** The value of a slot on this node, created on first use. */
  slot<T>(slot: NodeSlot<T>): T
  /**
   * Counters shared by the whole node (Kong's kong_rate_limiting_counters shm):
   * with `--workers`, every worker counts on the same ones. Kept across reloads.
   */
  readonly counters: NodeCounters
  /**
   * Shows a node-wide store as one of Kong's lua_shared_dicts on /metrics
   * (`kong_memory_lua_shared_dict_bytes` and `_total_bytes`), read when scraped.
   */
  sharedDict(name: string, source: SharedDictSource): void
  /** What each shared dict holds now, and may grow to (read by statsd's shdict_usage). */
  sharedDictUsage(): SharedDictUsage[]
}

/** One shared dict's bytes now and the bytes it may grow to. */
export interface SharedDictUsage {
  name: string
  used: number
  capacity: number
}

/** A store shown as a Kong shared dict: its bytes now and the bytes it may grow to. */
export interface SharedDictSource {
  used(): number
  capacity(): number
}

/**
 * Node-wide counters with a TTL from their first increment. Answers are
 * synchronous when the node can give them without asking another process
 * (always in a single process; most of the time in a worker), a promise
 * otherwise.
 */
export interface NodeCounters {
  /** Each key's value (0 when absent or expired). */
  get(keys: readonly string[]): number[] | Promise<number[]>
  /**
   * Rate limiting's check and count as one step: when every key is below its
   * limit, adds 1 to each (creating it with its TTL in seconds) and answers ok;
   * otherwise counts nothing. `used` is each key's value before this request.
   */
  take(keys: readonly string[], limits: readonly number[], ttls: readonly number[]): CounterTake | Promise<CounterTake>
  /** Adds `by` to each key, creating it with its TTL in seconds. */
  add(keys: readonly string[], by: number, ttls: readonly number[]): void
}

export interface CounterTake {
  ok: boolean
  used: number[]
}

/** Consumers and credentials, indexed once per config. */
export interface ConsumerIndex {
  byId(id: string): Consumer | undefined
  /** Kong's `anonymous` lookup: an id or a username. */
  byIdOrUsername(value: string): Consumer | undefined
  keyauth(key: string): KeyauthCredential | undefined
  basicauth(username: string): BasicauthCredential | undefined
  jwt(key: string): JwtSecret | undefined
  hmacauth(username: string): HmacauthCredential | undefined
  /** The consumer's ACL groups, in declaration order. */
  groups(consumerId: string): readonly string[]
  acls(consumerId: string): readonly Acl[]
  /** An oauth2 client application by its client_id. */
  oauth2Client(clientId: string): Oauth2Credential | undefined
  /** An oauth2 client application by its id. */
  oauth2Credential(id: string): Oauth2Credential | undefined
  /** A declared oauth2 token by its access token (compared by digest, confirmed in constant time). */
  oauth2Token(accessToken: string): Oauth2Token | undefined
  /** A declared oauth2 token by its refresh token. */
  oauth2Refresh(refreshToken: string): Oauth2Token | undefined
  /** A declared oauth2 authorization code. */
  oauth2Code(code: string): Oauth2AuthorizationCode | undefined
}

/** What a phase function may return: an Exit stops the phase (rewrite/access only). */
export type PhaseResult = Exit | undefined | void | Promise<Exit | undefined | void>

/** The phase functions of one plugin instance. All optional; an absent phase costs nothing. */
export interface PluginPhases {
  /** Before routing; global instances only. */
  rewrite?(kit: Kit): PhaseResult
  /** After routing, in priority (or dynamic) order. */
  access?(kit: Kit): PhaseResult
  /** Response status and headers (proxied, exit or error), before they are sent. */
  headerFilter?(kit: Kit): void
  /**
   * The whole response body (buffered when any instance of the request has this
   * phase); returns the body to send.
   */
  bodyFilter?(kit: Kit, body: Buffer): Buffer | string
  /** After the response was sent (or the client went away). */
  log?(kit: Kit): void
  /**
   * Stream routes: after routing, before the upstream is picked (Kong's
   * `preread`). A StreamExit ends the session: the connection is closed.
   */
  preread?(kit: StreamKit): StreamExit | undefined | void
  /** Stream routes: once the session is over (Kong's `log` in its stream subsystem). */
  streamLog?(kit: StreamKit): void
  /**
   * A TLS handshake on a proxy listener whose server name (lower-cased) no
   * `snis` entry matched, so that the default certificate would be served
   * (Kong's `certificate` phase as acme uses it). Returns the certificate to
   * serve instead, or undefined; global instances only. Runs per handshake:
   * answer from memory, and return a promise only on a miss.
   */
  certificate?(servername: string): CertificateAnswer
}

/** What a certificate phase answers: a context to serve, or undefined for the default certificate. */
export type CertificateAnswer = SecureContext | undefined | Promise<SecureContext | undefined>

/** Kong's `ngx.exit(status)` in the preread phase: the session ends with this status, nothing is proxied. */
export interface StreamExit {
  readonly status: number
}

/** One try at a stream upstream (Kong's `balancer_data.tries` entry). */
export interface StreamTry {
  readonly ip: string
  readonly port: number
  /** When the balancer started picking this try's target (Unix ms). */
  readonly balancerStart: number
  readonly balancerLatency: number
  /** The try failed to connect: 502 (refused, reset, TLS) or 504 (connect timeout). */
  readonly failed?: 502 | 504 | undefined
}

/** A stream session (TCP connection or UDP exchange), as stream plugins see it. */
export interface StreamKit {
  /** The route's protocol this session is served as: what the listener and the route agreed on. */
  readonly protocol: 'tcp' | 'tls' | 'tls_passthrough' | 'udp'
  /** The client's address and port (nginx's $remote_addr / $remote_port). */
  readonly clientIp: string
  readonly clientPort: number
  /** The listener's address and port. */
  readonly serverAddr: string
  readonly serverPort: number
  /** The server name the client asked for (handshake or ClientHello), if any. */
  readonly sni: string | undefined
  /** The TLS session the gateway terminated (OpenSSL's names); undefined for tcp, passthrough and udp. */
  readonly tls: { readonly version: string; readonly cipher: string } | undefined
  /** Undefined for a session that matched no route (only global instances log it, as in Kong). */
  readonly route: Route | undefined
  readonly service: Service | undefined
  /** When the session started (Unix ms). */
  readonly startedAt: number
  /** Data shared between the plugins of one session (Kong's `kong.ctx.shared`). */
  readonly shared: Record<string, unknown>
  /** What the session did; final in streamLog. */
  readonly session: StreamSessionFacts
}

export interface StreamSessionFacts {
  /** nginx's $status for streams: 200, or 403 / 500 / 502 / 503 when the gateway ended it. */
  readonly status: number
  /** Bytes from and to the client. */
  readonly received: number
  readonly sent: number
  /** Bytes from and to the upstream. */
  readonly upstreamReceived: number
  readonly upstreamSent: number
  readonly tries: readonly StreamTry[]
  /** Whether a connection to an upstream was made. */
  readonly proxied: boolean
  /** Gateway time before the upstream connection was made, or until the session ended when none was (ms). */
  readonly kongLatency: number
  /** The whole session (ms; up to now before the log phase). */
  readonly durationMs: number
}

/** Declares a handler's factory with its config type (the default export of a plugin's handler.ts). */
export function definePhases<C>(create: PluginFactory<C>): PluginFactory<C> {
  return create
}

/**
 * The handler of the first plugin API (`pluginSet([{ definition, handler }])`),
 * still accepted for custom plugins: a name and a `create` factory.
 */
export interface PluginHandler<C = Record<string, unknown>> {
  readonly name: string
  /** Runs once per plugin instance when a config is compiled. */
  create(conf: C, env: PluginEnv): PluginPhases
}

/** Declares a handler of the first plugin API with its config type. */
export function defineHandler<C>(h: PluginHandler<C>): PluginHandler<C> {
  return h
}

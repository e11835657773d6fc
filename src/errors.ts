/**
 * The error catalogue: every answer the gateway makes itself, with Kong's
 * status, message, body shape and headers, and nginx's reason phrases. The
 * request path and the plugins refer to these entries; none writes its own.
 * Facts from Kong 3.10 (kong/runloop/handler.lua, kong/error_handlers.lua,
 * kong/pdk/response.lua, kong/plugins/*) and nginx 1.27.1 (the one Kong's
 * OpenResty bundles).
 *
 * Three body shapes, as Kong has them:
 * - `error` (kong.response.error): the template `{"message", "request_id"}`,
 *   negotiated on Accept (JSON when absent);
 * - `error` with `negotiate: 'nginx'` (an nginx-level error through Kong's
 *   error handler): the same template, negotiated on Accept, then on the
 *   request's Content-Type, then error_default_type (text/plain by default);
 * - `message` (kong.response.exit(status, { message })): compact JSON.
 * Three plugins answer outside these: jwt's claim errors are a JSON table
 * (kong.response.exit(status, table)); proxy-cache's 504 and session's
 * logout 200 have no body.
 */

/** kong.response.error / Kong's error handler. */
export interface ErrorAnswer {
  readonly status: number
  readonly error: string
  readonly headers?: Readonly<Record<string, string>>
  /** 'nginx': negotiated as Kong's error handler does (Accept, then Content-Type, then error_default_type). */
  readonly negotiate?: 'nginx'
}

/** kong.response.exit(status, { message }). */
export interface MessageAnswer {
  readonly status: number
  readonly message: string
  readonly headers?: Readonly<Record<string, string>>
}

/** kong.response.exit(status, table): any JSON value, compact. */
export interface JsonAnswer {
  readonly status: number
  readonly json: unknown
}

/** kong.response.exit(status): no body. */
export interface EmptyAnswer {
  readonly status: number
}

/** kong.response.exit(status, "text"): the string is the body, with no Content-Type unless given (Kong's `default_type ''`). */
export interface TextAnswer {
  readonly status: number
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
}

const error = (status: number, message: string, headers?: Record<string, string>): ErrorAnswer =>
  Object.freeze(headers ? { status, error: message, headers: Object.freeze(headers) } : { status, error: message })
const nginx = (status: number, message: string): ErrorAnswer => Object.freeze({ status, error: message, negotiate: 'nginx' })
const exit = (status: number, message: string): MessageAnswer => Object.freeze({ status, message })
const table = (status: number, json: unknown): JsonAnswer => Object.freeze({ status, json })
const empty = (status: number): EmptyAnswer => Object.freeze({ status })
const text = (status: number, body: string, headers?: Record<string, string>): TextAnswer =>
  Object.freeze(headers ? { status, body, headers: Object.freeze(headers) } : { status, body })
/** Lua's %q, as Kong quotes a path or a method in its messages. */
const luaQuoted = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\\n')}"`

// ---------------------------------------------------------------- the proxy path

/** A request target that is not a path, or a path with a bad escape (nginx: 400). */
export const BAD_REQUEST = nginx(400, 'Bad request')
/** A header line or the header block larger than nginx's buffers (494, sent as 400 by Kong's error handler). */
export const HEADER_TOO_LARGE = nginx(400, 'Request header or cookie too large')
/** A request line larger than nginx's buffers. */
export const URI_TOO_LONG = nginx(414, 'URI too long')
/** TRACE (and CONNECT): nginx refuses them before Kong runs. */
export const METHOD_NOT_ALLOWED = nginx(405, 'Method not allowed')
export const NO_ROUTE = error(404, 'no Route matched with those values')
export const NO_SERVICE = error(503, 'no Service found with those values')
/** A route that takes https only, asked over http, with https_redirect_status_code 426. */
export const HTTPS_REQUIRED = error(426, 'Please use HTTPS protocol', { connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' })
/** A grpc/grpcs-only route asked without a gRPC content type. */
export const NOT_GRPC = error(415, 'Non-gRPC request matched gRPC route')
/** A grpc/grpcs-only route asked over HTTP/1. */
export const HTTP2_REQUIRED = error(426, 'Please use HTTP2 protocol', { connection: 'Upgrade', upgrade: 'HTTP/2' })
/**
 * A gRPC request on a grpcs-only route over plain text: Kong answers HTTP 200
 * with the gRPC status CANCELLED in the head (kong/runloop/handler.lua).
 */
export const GRPC_ON_GRPCS_ROUTE = Object.freeze({
  status: 200,
  headers: Object.freeze({ 'content-type': 'application/grpc', 'grpc-status': '1', 'grpc-message': 'gRPC request matched gRPCs route' }),
})
export const NO_PEER = error(503, 'failure to get a peer from the ring-balancer')
export const NAME_RESOLUTION = error(503, 'name resolution failed')
/** Retries used up with no target left to try (the balancer phase exits with 503). */
export const RETRY_NO_PEER = nginx(503, 'The upstream server is currently unavailable')
export const UPSTREAM_INVALID = nginx(502, 'An invalid response was received from the upstream server')
export const UPSTREAM_TIMEOUT = nginx(504, 'The upstream server is timing out')
/** A plugin (or the gateway) failed: Kong's delayed 500 in access. */
export const UNEXPECTED = error(500, 'An unexpected error occurred')
/**
 * A body a plugin must read is larger than the gateway buffers (Kong spools big
 * bodies to disk instead; it would answer this only past client_max_body_size).
 */
export const PAYLOAD_TOO_LARGE = error(413, 'Payload too large')

// ---------------------------------------------------------------- gRPC

/**
 * The names of gRPC's status codes, as Kong writes them in `grpc-message`
 * when an answer to a gRPC request has no message of its own
 * (kong/pdk/response.lua GRPC_MESSAGES); indexed by code.
 */
export const GRPC_STATUS_NAMES: readonly string[] = Object.freeze([
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
])

const HTTP_TO_GRPC: Readonly<Record<number, number>> = Object.freeze({
  200: 0,
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 6,
  429: 8,
  499: 1,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
})

/**
 * The `grpc-status` Kong gives an HTTP status on a gRPC answer
 * (kong/pdk/response.lua HTTP_TO_GRPC_STATUS): the listed ones, else by
 * class (5xx Internal, 4xx InvalidArgument, 2xx OK), else Unknown.
 */
export function grpcStatusOf(status: number): number {
  const listed = HTTP_TO_GRPC[status]
  if (listed !== undefined) return listed
  if (status >= 500 && status <= 599) return 13
  if (status >= 400 && status <= 499) return 3
  if (status >= 200 && status <= 299) return 0
  return 2
}

// ---------------------------------------------------------------- plugins

/** key-auth, basic-auth, hmac-auth, jwt: `anonymous` names no consumer. */
export const anonymousMissing = (id: string): ErrorAnswer => error(500, `anonymous consumer ${id} is configured but doesn't exist`)

export const KEY_AUTH = Object.freeze({
  NO_KEY: error(401, 'No API key found in request'),
  DUPLICATE: error(401, 'Duplicate API key found'),
  INVALID: error(401, 'Unauthorized'),
})

export const BASIC_AUTH = Object.freeze({
  UNAUTHORIZED: error(401, 'Unauthorized'),
})

/** ldap-auth: every failed authentication; a server that cannot be reached is UNEXPECTED (500), as Kong's unhandled error. */
export const LDAP_AUTH = Object.freeze({
  UNAUTHORIZED: error(401, 'Unauthorized'),
})

export const HMAC_AUTH = Object.freeze({
  UNAUTHORIZED: error(401, 'Unauthorized'),
  NO_DATE: error(401, 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication'),
  NOT_VALID: error(401, 'HMAC signature cannot be verified'),
  NOT_SAME: error(401, 'HMAC signature does not match'),
})

/** jwt answers with kong.response.exit: compact JSON. */
export const JWT = Object.freeze({
  UNAUTHORIZED: exit(401, 'Unauthorized'),
  MULTIPLE_TOKENS: exit(401, 'Multiple tokens provided'),
  UNRECOGNIZABLE: exit(401, 'Unrecognizable token'),
  badToken: (why: string) => exit(401, `Bad token; ${why}`),
  noClaim: (claim: string) => exit(401, `No mandatory '${claim}' in claims`),
  invalidClaim: (claim: string) => exit(401, `Invalid '${claim}' in claims`),
  noCredentials: (claim: string) => exit(401, `No credentials found for given '${claim}'`),
  INVALID_ALGORITHM: exit(401, 'Invalid algorithm'),
  INVALID_KEY: exit(401, 'Invalid key/secret'),
  INVALID_SIGNATURE: exit(401, 'Invalid signature'),
  noConsumer: (claim: string, key: string) => exit(401, `Could not find consumer for '${claim}=${key}'`),
  /** verify_registered_claims' errors, one entry per failing claim, as the whole body. */
  claims: (errors: Readonly<Record<string, string | readonly string[]>>) => table(401, errors),
  /** check_maximum_expiration's error table. */
  EXP_TOO_LONG: table(401, Object.freeze({ exp: 'exceeds maximum allowed expiration' })),
})

/**
 * oauth2 answers with kong.response.exit(status, { error, error_description }):
 * compact JSON; the handler adds its WWW-Authenticate / Cache-Control headers.
 */
const oauth2Error = (status: number, error: string, description: string) => table(status, Object.freeze({ error, error_description: description }))
export const OAUTH2 = Object.freeze({
  MISSING: oauth2Error(401, 'invalid_request', 'The access token is missing'),
  INVALID: oauth2Error(401, 'invalid_token', 'The access token is invalid or has expired'),
  GLOBAL_TOKEN: oauth2Error(401, 'invalid_token', "The access token is global, but the current plugin is configured without 'global_credentials'"),
  invalidMethod: (method: string, endpoint: string) => oauth2Error(405, 'invalid_method', `The HTTP method ${method} is invalid for the ${endpoint} endpoint`),
  /** An endpoint's answer: its parameters (or `{ redirect_uri }`), 200 or 400 (401 for a client sent in a header). */
  endpoint: (status: number, body: Readonly<Record<string, unknown>>) => table(status, body),
  /** Kong's DB-less strategy refuses the write that issuing needs; the Lua error becomes the delayed 500. */
  cannotCreate: (entity: 'oauth2_tokens' | 'oauth2_authorization_codes') => `cannot create '${entity}' entities when not using a database`,
})

export const ACL = Object.freeze({
  FORBIDDEN: error(403, 'You cannot consume this service'),
  UNAUTHORIZED: error(401, 'Unauthorized'),
})

export const IP_RESTRICTION = Object.freeze({
  NO_IP: error(403, 'Cannot identify the client IP address, unix domain sockets are not supported.'),
  notAllowed: (ip: string, status = 403) => error(status, `IP address not allowed: ${ip}`),
  /** The configured `message` (and `status`) instead of the default refusal. */
  refused: (message: string, status = 403) => error(status, message),
})

export const BOT_DETECTION = Object.freeze({
  FORBIDDEN: error(403, 'Forbidden'),
  TOO_MANY_USER_AGENTS: error(400, 'Only one User-Agent header allowed'),
})

/** rate-limiting's defaults (`error_code`, `error_message` in its schema). */
export const RATE_LIMITING = Object.freeze({
  DEFAULT_CODE: 429,
  DEFAULT_MESSAGE: 'API rate limit exceeded',
  /** A limit used up: kong.response.error with the configured code and message. */
  exceeded: (status: number, message: string) => error(status, message),
})

/** kong.response.error (access.lua:91-92), unlike the header_filter 429, which has no body. */
export const RESPONSE_RATELIMITING = Object.freeze({
  exceeded: (limit: string) => error(429, `API rate limit exceeded for '${limit}'`),
})

/** kong.response.exit(200) with no body (access.lua): the answer to a logout request. */
export const SESSION = Object.freeze({
  LOGOUT: empty(200),
})

/** kong.response.error(400) with Kong's default message: any webhook that does not verify. */
export const STANDARD_WEBHOOKS = Object.freeze({
  REFUSED: error(400, 'Bad request'),
})

/**
 * acme's answers on the HTTP-01 challenge path (kong/plugins/acme/handler.lua
 * and lua-resty-acme's http-01 challenge): the sanity token `x` gets
 * kong.response.exit(404, "Not found\n"); a known token its key authorization
 * as ngx.say writes it (a newline after); an unknown one ngx.exit(404) and a
 * storage failure ngx.exit(500), both Kong error pages (rendered here as
 * kong.response.error renders them: negotiated on Accept alone).
 */
export const ACME = Object.freeze({
  SANITY: text(404, 'Not found\n'),
  challenge: (keyAuthorization: string) => text(200, `${keyAuthorization}\n`),
  UNKNOWN_TOKEN: error(404, 'Not found'),
  STORAGE_FAILED: error(500, 'An unexpected error occurred'),
})

/**
 * The AI prompt plugins (ai-prompt-template, ai-prompt-decorator,
 * ai-prompt-guard) refuse with their filters' bad_request:
 * kong.response.exit(400, { error = { message } }).
 */
const aiBadRequest = (message: string) => table(400, { error: { message } })
export const AI_PROMPT = Object.freeze({
  badRequest: aiBadRequest,
  /** The body is not JSON (ai-prompt-template reads it as JSON whatever its Content-Type). */
  NOT_JSON: aiBadRequest('this LLM route only supports application/json requests'),
  /** ai-prompt-decorator: no `messages` to decorate. */
  NOT_CHAT: aiBadRequest('this LLM route only supports llm/chat type requests'),
  BOTH_FORMATS: aiBadRequest("cannot run 'messages' and 'prompt' templates at the same time"),
  NOT_LLM_FORMAT: aiBadRequest("only 'llm/v1/chat' and 'llm/v1/completions' formats are supported for templating"),
  UNTEMPLATED: aiBadRequest('this LLM route only supports templated requests'),
  /** ai-prompt-guard says no more than this, so that clients do not learn a guard is in use. */
  GUARD_REFUSED: aiBadRequest('bad request'),
  /** ai-prompt-guard: a pattern PCRE refuses, or a match PCRE gave up on: kong.response.exit(500), no body. */
  PATTERN_FAILED: empty(500),
})

export const REQUEST_SIZE_LIMITING = Object.freeze({
  TOO_LARGE: error(413, 'Request size limit exceeded'),
  /** The same refusal to a client that waits with Expect: 100-continue. */
  EXPECTATION_FAILED: error(417, 'Request size limit exceeded'),
  NO_LENGTH: error(411, 'A valid Content-Length header is required'),
})

/** request-termination's own defaults (not the PDK's table), sent as compact JSON. */
export const REQUEST_TERMINATION_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
})

/** request-termination's answer with a message (configured or its default): compact JSON. */
export const REQUEST_TERMINATION = Object.freeze({
  message: (status: number, message: string) => exit(status, message),
})

/** request-callout's defaults for a failed callout (`error_response_code`, `error_response_msg`). */
export const REQUEST_CALLOUT = Object.freeze({
  DEFAULT_CODE: 400,
  DEFAULT_MESSAGE: 'service callout error',
  /** A callout failed under `on_error: fail` (or retries ran out): kong.response.error. */
  failed: (status: number, message: string) => error(status, message),
})

const NEEDS_PROTO = 'transcoding requests require a .proto file defining the service'

/** grpc-web answers with kong.response.exit and a string: the text is the body. */
export const GRPC_WEB = Object.freeze({
  /** A preflight (OPTIONS): Kong's fixed CORS answer, whatever was asked. */
  preflight: (allowOrigin: string) =>
    text(200, 'OK', {
      'content-type': 'application/grpc-web-text+proto',
      'access-control-allow-origin': allowOrigin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type,x-grpc-web,x-user-agent',
    }),
  /** JSON messages and no `proto` to convert them with. */
  NEEDS_PROTO: text(400, NEEDS_PROTO),
  /** The `proto` file could not be read or parsed (why, as logged when the config was compiled). */
  badProto: (reason: string) => text(400, reason),
  /** JSON messages for a path that is no method of the `proto`. */
  unknownPath: (path: string) => text(400, `Unknown path ${luaQuoted(path)}`),
})

/** grpc-gateway answers with kong.response.exit and a string, too. */
export const GRPC_GATEWAY = Object.freeze({
  PREFLIGHT: text(200, 'OK', {
    'content-type': 'application/json',
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET,POST,PATCH,DELETE',
    'access-control-allow-headers': 'content-type',
  }),
  NEEDS_PROTO: text(400, NEEDS_PROTO),
  /** The `proto` file could not be read or parsed (why, as logged when the config was compiled). */
  badProto: (reason: string) => text(400, `failed to transcode .proto file ${reason}`),
  /** No binding for the request's method. */
  unknownMethod: (method: string) => text(400, `failed to transcode .proto file Unknown method ${luaQuoted(method)}`),
  /** No binding of that method matches the path. */
  unknownPath: (path: string) => text(400, `failed to transcode .proto file Unknown path ${luaQuoted(path)}`),
  /** cjson could not decode the body (its own message follows). */
  badJson: (reason: string) => text(400, `decode json err: ${reason}`),
  /** body "*" and a JSON body that is not an object or array. */
  BODY_NOT_TABLE: text(400, 'body must be a table'),
  /** The values do not fit the method's input message (a string field given a number, a null, ...). */
  ENCODE_FAILED: text(400, 'failed to encode payload'),
})

/** aws-lambda: a proxy-integration answer Kong cannot read (kong.response.exit with a table). */
export const AWS_LAMBDA = Object.freeze({
  badProxyResponse: (why: string) => table(502, Object.freeze({ message: 'Bad Gateway', error: `could not JSON decode Lambda function response: ${why}` })),
})

/** azure-functions: the function could not be reached (kong.response.exit(500, { message })). */
export const AZURE_FUNCTIONS = Object.freeze({
  UNREACHABLE: exit(500, 'An unexpected error occurred'),
})

export const PROXY_CACHE = Object.freeze({
  /** `Cache-Control: only-if-cached` and nothing cached. */
  ONLY_IF_CACHED: empty(504),
})

// ---------------------------------------------------------------- Lua: what cannot run here

/**
 * The parts of OpenResty's `ngx` that need nginx itself, by the name a snippet
 * reaches them with (a namespace or a function), and why. Config validation
 * refuses a snippet that names one of them (src/lua/syntax/unavailable.ts);
 * the runtime raises the same message when one is reached dynamically.
 */
export const LUA_UNAVAILABLE: Readonly<Record<string, string>> = Object.freeze({
  'ngx.timer': 'timers need nginx',
  'ngx.socket': 'cosockets need nginx (request-callout can call other services)',
  'ngx.location': 'subrequests need nginx (request-callout can call other services)',
  'ngx.thread': 'light threads need nginx',
  'ngx.sleep': 'a snippet runs to its end without yielding',
  'ngx.exec': 'internal redirects need nginx',
  'ngx.shared': 'shared dicts need nginx',
})

/** The reason for `name` (`ngx.timer.at` → the entry of `ngx.timer`), or undefined when it can run here. */
export function luaUnavailableReason(name: string): string | undefined {
  for (let end = name.length; end > 0; end = name.lastIndexOf('.', end - 1)) {
    const reason = LUA_UNAVAILABLE[name.slice(0, end)]
    if (reason !== undefined) return reason
  }
  return undefined
}

/** `ngx.timer.at is not available in this gateway (Lua line 3): timers need nginx`; without a line at run time. */
export function luaUnavailable(name: string, line?: number): string {
  const where = line === undefined ? '' : ` (Lua line ${line})`
  return `${name} is not available in this gateway${where}: ${luaUnavailableReason(name) ?? 'it needs nginx'}`
}

/** `require` of a module not in the allow-list, in Kong's words (kong/tools/sandbox/init.lua, denied_require). */
export const luaRequireDenied = (name: string): string => `require '${name}' not allowed within sandbox`

/**
 * A chunk's globals and upvalues passed the bound on what Lua may keep between
 * requests (src/lua/retained-state.ts): logged, and the chunk starts afresh.
 * Kong has no such bound (a worker's LuaJIT would run out of memory instead).
 */
export function luaStateTooLarge(chunk: string, limitBytes: number): string {
  return `Lua state kept between requests by ${chunk} passed ${Math.round(limitBytes / 1048576)} MiB: its globals and upvalues were reset`
}

/** `--untrusted-lua-sandbox-requires` names a module the sandbox cannot load (serve and validate refuse to start). */
export function luaRequiresUnknown(unknown: readonly string[], available: readonly string[]): string {
  const what = unknown.length === 1 ? `module '${unknown[0]}' is` : `modules ${unknown.map((m) => `'${m}'`).join(', ')} are`
  return `--untrusted-lua-sandbox-requires: ${what} not available to Lua in this gateway (available: ${available.join(', ')})`
}

// ---------------------------------------------------------------- messages and phrases

/** kong.response.error's default message per status (kong/pdk/response.lua). */
const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthorized',
  402: 'Payment required',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  407: 'Proxy authentication required',
  408: 'Request timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length required',
  412: 'Precondition failed',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  416: 'Range not satisfiable',
  417: 'Expectation failed',
  418: "I'm a teapot",
  421: 'Misdirected request',
  422: 'Unprocessable entity',
  423: 'Locked',
  424: 'Failed dependency',
  425: 'Too early',
  426: 'Upgrade required',
  428: 'Precondition required',
  429: 'Too many requests',
  431: 'Request header fields too large',
  451: 'Unavailable for legal reasons',
  494: 'Request header or cookie too large',
  500: 'An unexpected error occurred',
  501: 'Not implemented',
  502: 'An invalid response was received from the upstream server',
  503: 'The upstream server is currently unavailable',
  504: 'The upstream server is timing out',
  505: 'HTTP version not supported',
  506: 'Variant also negotiates',
  507: 'Insufficient storage',
  508: 'Loop detected',
  510: 'Not extended',
  511: 'Network authentication required',
}

/** The message kong.response.error uses for a status when none is given. */
export function defaultMessage(status: number): string {
  return DEFAULT_MESSAGES[status] ?? `The upstream server responded with ${status}`
}

/**
 * nginx 1.27.1's status lines (ngx_http_status_lines). A status without one is
 * written as the code and a space ("HTTP/1.1 426 "), as nginx does.
 */
const REASONS: Readonly<Record<number, string>> = {
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Time-out',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
  505: 'HTTP Version Not Supported',
  507: 'Insufficient Storage',
}

/** The reason phrase nginx writes for a status it sets itself ('' when it has none). */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? ''
}

/**
 * The AI plugins' answers (kong/llm/plugin/shared-filters/normalize-request.lua
 * `bail`): `{ error = { message } }`, or a bare status.
 */
export const AI = Object.freeze({
  /** A request the plugin cannot send on (Kong's bail(400, msg)). */
  bad: (message: string): JsonAnswer => table(400, { error: { message } }),
  NO_PROMPTS: table(400, { error: { message: "request body doesn't contain valid prompts" } }),
  NO_MODEL: table(400, { error: { message: 'model parameter not found in request, nor in gateway configuration' } }),
  ownModel: (model: string): JsonAnswer => table(400, { error: { message: `cannot use own model - must be: ${model}` } }),
  STREAMING_DENIED: table(400, { error: { message: 'response streaming is not enabled for this LLM' } }),
  /** The transformers' internal_server_error(msg). */
  failed: (message: string): JsonAnswer => table(500, { error: { message } }),
  /** Kong's bail(500): a request that cannot be configured (no body). */
  FAILED: empty(500),
  /** The provider's cloud identity failed (bedrock without a region, gemini's GCP token not had): Kong's bail(500, msg). */
  IDENTITY_FAILED: table(500, { error: { message: 'LLM request failed before proxying' } }),
  /** The transformers' answer for the same failure: kong.response.exit(500, msg). */
  TRANSFORMER_IDENTITY_FAILED: table(500, { message: 'LLM request failed before proxying' }),
  /** huggingface with neither `upstream_url` nor a model to put in its URL (Kong's text, its typo kept). */
  NO_HUGGINGFACE_URL: text(400, 'Could not parse the Hugging Face model endponit'),
  /** The body of an answer the driver could not translate (sent with status 500). */
  untranslatable: (message: string): string => JSON.stringify({ error: { message } }),
})

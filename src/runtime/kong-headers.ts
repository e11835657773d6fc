/**
 * Kong's `headers` and `headers_upstream` settings (kong.conf): which of its
 * own headers the gateway adds to answers and to upstream requests, with the
 * product token they carry. Parsed once at start into one frozen value; the
 * request path only reads its fields (a string, or undefined when off).
 *
 * Kong's rules: names are case-insensitive; `server_tokens` is `Server` and
 * `Via`, `latency_tokens` the four latency headers; `off` first switches
 * everything off, `off` anywhere else is ignored; an empty list adds nothing;
 * `X-Kong-Upstream-Status` is only added when named.
 *
 * Kong's `allow_debug_header` is here too: when on, a request carrying
 * `Kong-Debug` (any value: Kong only asks whether it is there) gets the
 * matched route's and service's ids and names on its answer.
 */
import type { RouteMatch } from '../compile/router.js'
import type { ServerTokens } from '../version.js'

export const DEFAULT_HEADERS = 'server_tokens, latency_tokens, X-Kong-Request-Id'
export const DEFAULT_HEADERS_UPSTREAM = 'X-Kong-Request-Id'

/** What the gateway writes of its own on the wire, resolved at start. */
export interface WireHeaders {
  /** `Server` on the gateway's answers (and proxied ones without one); undefined: off. */
  readonly server: string | undefined
  /** `Via` on proxied answers (`1.1 <token>`); undefined: off. */
  readonly via: string | undefined
  /** `Via` on answers of gRPC services (`2 <token>`: Kong names HTTP/2, the version it spoke upstream); undefined: off. */
  readonly viaGrpc: string | undefined
  /** The product token: a plugin's `Via` equal to it keeps the plugin's `Server` (when Via is on). */
  readonly token: string
  /** `Via` to the upstream (`1.1 <token>`): Kong's settings do not reach it. */
  readonly viaUpstream: string
  /** The same for an HTTP/1.0 client: Kong writes the client's version, and LuaJIT prints 1.0 as `1`. */
  readonly viaUpstreamHttp10: string
  /** The same for an HTTP/2 client (`2 <token>`). */
  readonly viaUpstreamHttp2: string
  readonly upstreamLatency: boolean
  readonly proxyLatency: boolean
  readonly responseLatency: boolean
  readonly adminLatency: boolean
  readonly upstreamStatus: boolean
  /** `X-Kong-Request-Id` on answers. */
  readonly requestId: boolean
  /** `X-Kong-Request-Id` to the upstream (headers_upstream). */
  readonly upstreamRequestId: boolean
  /** `allow_debug_header`: a `Kong-Debug` request gets Kong-Route-Id/-Name and Kong-Service-Id/-Name. */
  readonly debugHeader: boolean
}

const KNOWN = new Set([
  'server_tokens',
  'latency_tokens',
  'via',
  'server',
  'x-kong-proxy-latency',
  'x-kong-response-latency',
  'x-kong-admin-latency',
  'x-kong-upstream-latency',
  'x-kong-upstream-status',
  'x-kong-request-id',
])
const KNOWN_UPSTREAM = new Set(['x-kong-request-id'])

/** The names a list enables, lower-cased; throws Kong's message on an unknown one. */
function enabled(setting: string, value: string, known: ReadonlySet<string>): Set<string> {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  const on = new Set<string>()
  for (const entry of entries) {
    const name = entry.toLowerCase()
    if (name === 'off') continue
    if (!known.has(name)) throw new Error(`${setting}: invalid entry '${entry}'`)
    on.add(name)
  }
  if (entries[0]?.toLowerCase() === 'off') on.clear()
  if (on.has('server_tokens')) on.add('server').add('via')
  if (on.has('latency_tokens')) on.add('x-kong-proxy-latency').add('x-kong-response-latency').add('x-kong-admin-latency').add('x-kong-upstream-latency')
  return on
}

/** `headers` and `headersUpstream` as kong.conf writes them (comma-separated); Kong's defaults when absent (allow_debug_header off). */
export function wireHeaders(
  tokens: ServerTokens,
  headers = DEFAULT_HEADERS,
  headersUpstream = DEFAULT_HEADERS_UPSTREAM,
  allowDebugHeader = false,
): WireHeaders {
  const on = enabled('headers', headers, KNOWN)
  const up = enabled('headers_upstream', headersUpstream, KNOWN_UPSTREAM)
  return Object.freeze({
    server: on.has('server') ? tokens.server : undefined,
    via: on.has('via') ? tokens.via : undefined,
    viaGrpc: on.has('via') ? `2 ${tokens.server}` : undefined,
    token: tokens.server,
    viaUpstream: tokens.via,
    viaUpstreamHttp10: tokens.viaHttp10,
    viaUpstreamHttp2: tokens.viaHttp2,
    upstreamLatency: on.has('x-kong-upstream-latency'),
    proxyLatency: on.has('x-kong-proxy-latency'),
    responseLatency: on.has('x-kong-response-latency'),
    adminLatency: on.has('x-kong-admin-latency'),
    upstreamStatus: on.has('x-kong-upstream-status'),
    requestId: on.has('x-kong-request-id'),
    upstreamRequestId: up.has('x-kong-request-id'),
    debugHeader: allowDebugHeader,
  })
}

/**
 * Kong's debug headers (kong/router/utils.lua add_debug_headers): set when the
 * route matched, so every answer after that has them, the plugins' own and
 * errors included, and a 404 of no route has none. Each only when the entity
 * has it (a service-less route, an unnamed route). Callers check
 * `wire.debugHeader` first, so a gateway without it pays one boolean test.
 */
export function addDebugHeaders(
  out: Record<string, unknown>,
  reqHeaders: Readonly<Record<string, string | string[] | undefined>>,
  match: RouteMatch | undefined,
): void {
  if (match === undefined || reqHeaders['kong-debug'] === undefined) return
  const { route, service } = match
  if (route.id) out['kong-route-id'] = route.id
  if (route.name) out['kong-route-name'] = route.name
  if (service?.id) out['kong-service-id'] = service.id
  if (service?.name) out['kong-service-name'] = service.name
}

/**
 * Headers across the proxy: hop-by-hop removal both ways (the client's own
 * Connection list is applied before anything of ours is added, so a client can
 * never strip a header the gateway sets), which of a client's headers may
 * never reach the upstream because the gateway alone sets them, and the
 * client's spelling of the names it sent (nginx forwards a header line as it came).
 */
import type { IncomingHttpHeaders } from 'node:http'

// `expect` too: the gateway answers 100-continue itself (undici cannot send it on).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy',
  'te',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'host',
  'http2-settings',
  'expect',
])
// Headers only the gateway may set upstream (the auth and acl plugins set the
// consumer and credential ones; X-Kong-* is the gateway's namespace). Kong
// clears the consumer headers only on routes with an auth plugin; we never
// forward a client's copy, so an upstream can trust them on every route.
const GATEWAY_ONLY = new Set(['x-anonymous-consumer'])
const GATEWAY_ONLY_PREFIXES = ['x-consumer-', 'x-credential-', 'x-authenticated-', 'x-kong-']
// What the gateway works out from the connection (upstream-request.ts sets
// Kong's X-Forwarded-* and X-Real-IP): a client's copy counts only from a
// trusted peer; from anyone else every X-Forwarded-* (X-Forwarded-Ssl too,
// which frameworks read as the scheme) and Forwarded are dropped.
const FROM_PROXIES_PREFIX = 'x-forwarded-'

/** A name no client may send upstream in this spelling (`name` lower-case, '-' for '_'). */
function reserved(name: string, trusted: boolean): boolean {
  // Most names do not start with `x-`: one comparison of two characters.
  if (name.charCodeAt(0) !== 120 || name.charCodeAt(1) !== 45) return !trusted && name === 'forwarded'
  if (GATEWAY_ONLY.has(name)) return true
  for (const p of GATEWAY_ONLY_PREFIXES) if (name.startsWith(p)) return true
  return !trusted && (name.startsWith(FROM_PROXIES_PREFIX) || name === 'x-real-ip')
}

/**
 * A name with '_' that CGI, PHP, WSGI and Rails read as the dashed one (they
 * turn both into HTTP_X_CONSUMER_ID): when underscores are allowed at all
 * (--underscores-in-headers), such an alias of a reserved, computed or
 * hop-by-hop header is still never forwarded, from any peer.
 */
function aliasOfProtected(key: string): boolean {
  if (!key.includes('_')) return false
  const name = key.replaceAll('_', '-')
  return reserved(name, false) || HOP_BY_HOP.has(name) || name === 'content-length' || name === 'via'
}

const CONNECTION_KEEP = new Set(['keep-alive', 'close', 'upgrade'])

const NONE: ReadonlySet<string> = new Set()

function connectionNamed(value: string | string[] | undefined): ReadonlySet<string> {
  // The common values name no header: skip the split.
  if (value === undefined || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Upgrade' || value === 'upgrade') return NONE
  const out = new Set<string>()
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase()
    if (name && !CONNECTION_KEEP.has(name)) out.add(name)
  }
  return out
}

/**
 * The client's headers to send upstream: without hop-by-hop ones, those its
 * Connection header names, the ones only the gateway sets, and (unless the
 * peer is a trusted proxy) the forwarding ones the gateway computes.
 */
export function requestEndToEnd(headers: IncomingHttpHeaders, trusted: boolean): Record<string, string | string[]> {
  const named = connectionNamed(headers.connection)
  const out: Record<string, string | string[]> = {}
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || named.has(key) || reserved(key, trusted) || aliasOfProtected(key)) continue
    const v = headers[key]
    if (v !== undefined) out[key] = v
  }
  const te = headers.te
  if (typeof te === 'string' && /\btrailers\b/i.test(te)) out.te = 'trailers'
  return out
}

/**
 * The upstream's headers without hop-by-hop ones and those its Connection
 * header names. `Trailer` stays when the upstream was sent `TE: trailers`
 * (the client asked for them), as Kong keeps it
 * (spec/02-integration/05-proxy/03-upstream_headers_spec.lua:192).
 */
export function responseEndToEnd(headers: IncomingHttpHeaders, trailers = false): Record<string, string | string[] | number> {
  const named = connectionNamed(headers.connection)
  const out: Record<string, string | string[] | number> = {}
  for (const key in headers) {
    if ((HOP_BY_HOP.has(key) && !(trailers && key === 'trailer')) || named.has(key)) continue
    const v = headers[key]
    if (v !== undefined) out[key] = v
  }
  return out
}

// Names the gateway writes upstream itself (upstream-request.ts, forward.ts): nginx's proxy_set_header
// spells them, not the client, and the request path reads them by their lower-case key.
const OWN_SPELLING = new Set(['host', 'te', 'content-length', 'transfer-encoding', 'via', 'x-real-ip', 'x-kong-request-id'])

// The lower-case form of the raw names clients send (`User-Agent`, `Accept`): a name seen before
// costs a lookup instead of a new string. Bounded: names past the bound are lower-cased each time.
const LOWER = new Map<string, string>()
const LOWER_MAX = 1024

function lowerName(name: string): string {
  let key = LOWER.get(name)
  if (key === undefined) {
    key = name.toLowerCase()
    if (LOWER.size < LOWER_MAX) LOWER.set(name, key)
  }
  return key
}

/**
 * `headers` (lower-case keys) with the names the client sent in another
 * spelling written as it sent them, as nginx forwards them: upstreams and
 * Kong's tests may match names case-sensitively. Not the names the gateway
 * writes itself, nor those in `plugins` (a plugin's spelling wins,
 * upstream-changes.ts). `headers` itself, untouched, when no name needs it:
 * a client sending lower-case names (HTTP/2 ones always do) costs one scan
 * of its raw names.
 */
export function clientSpelling(
  raw: readonly string[],
  headers: Record<string, string | string[]>,
  plugins?: ReadonlyMap<string, string>,
): Record<string, string | string[]> {
  let names: Map<string, string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const key = lowerName(name)
    if (key === name || headers[key] === undefined || OWN_SPELLING.has(key) || key.startsWith(FROM_PROXIES_PREFIX) || plugins?.has(key)) continue
    // A name sent twice in two spellings: the first one, as nginx's first line.
    if (!names?.has(key)) (names ??= new Map()).set(key, name)
  }
  if (names === undefined) return headers
  // A fresh object in the same order (no `delete`, which would slow undici's walk over it).
  const out: Record<string, string | string[]> = {}
  for (const key in headers) out[names.get(key) ?? key] = headers[key]!
  return out
}

export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/**
 * Headers across the proxy: hop-by-hop removal both ways (the client's own
 * Connection list is applied before anything of ours is added, so a client can
 * never strip a header the gateway sets), and the X-Forwarded-* set.
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
// Headers only the gateway may set upstream (the auth and acl plugins do). Kong
// clears them only on routes with an auth plugin; we never forward a client's
// copy, so an upstream can trust them on every route.
const GATEWAY_ONLY = new Set([
  'x-consumer-id',
  'x-consumer-custom-id',
  'x-consumer-username',
  'x-credential-identifier',
  'x-anonymous-consumer',
  'x-consumer-groups',
  'x-authenticated-groups',
  'x-credential-username',
])
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

/** The client's headers without hop-by-hop ones, those its Connection header names, and the consumer headers. */
export function requestEndToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const named = connectionNamed(headers.connection)
  const out: Record<string, string | string[]> = {}
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || named.has(key) || GATEWAY_ONLY.has(key)) continue
    const v = headers[key]
    if (v !== undefined) out[key] = v
  }
  const te = headers.te
  if (typeof te === 'string' && /\btrailers\b/i.test(te)) out.te = 'trailers'
  return out
}

/** The upstream's headers without hop-by-hop ones and those its Connection header names. */
export function responseEndToEnd(headers: IncomingHttpHeaders): Record<string, string | string[] | number> {
  const named = connectionNamed(headers.connection)
  const out: Record<string, string | string[] | number> = {}
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || named.has(key)) continue
    const v = headers[key]
    if (v !== undefined) out[key] = v
  }
  return out
}

export function firstValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

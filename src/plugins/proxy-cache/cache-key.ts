/**
 * Kong's proxy-cache key: sha256 hex of `prefix|method|uri|params|headers`
 * (kong/plugins/proxy-cache/cache_key.lua), with the same quirks: `uri` is the
 * request line ($request) cut at the first `?`, so a request without a query
 * keeps its ` HTTP/x.y` tail; a query argument without `=` counts as a bare flag
 * (arguments are read by http/args.ts, as kong.request.get_query reads them).
 */
import { createHash } from 'node:crypto'
import type { ArgValue } from '../../http/args.js'

const byCodeUnit = (a: string | true, b: string | true) => {
  const x = a === true ? '' : a
  const y = b === true ? '' : b
  return x < y ? -1 : x > y ? 1 : 0
}

/** `field=value` for each field present, in the given order; several values sorted and comma-joined; joined by `:`. */
export function keyFrom(fields: readonly string[], lookup: (field: string) => ArgValue | undefined): string {
  const parts: string[] = []
  for (const field of fields) {
    const v = lookup(field)
    if (v === undefined) continue
    if (Array.isArray(v))
      parts.push(
        `${field}=${[...v]
          .sort(byCodeUnit)
          .map((x) => (x === true ? '' : x))
          .join(',')}`,
      )
    else if (v === true) parts.push(field)
    else parts.push(`${field}=${v}`)
  }
  return parts.join(':')
}

/** The params part: every argument sorted by name, or only `vary` (in its order) when given. */
export function paramsKey(args: Map<string, ArgValue>, vary: readonly string[] | undefined): string {
  const fields = vary && vary.length > 0 ? vary : [...args.keys()].sort()
  return keyFrom(fields, (f) => args.get(f))
}

/** `<consumer id>:<route id>`, `<route id>` or `default`. */
export function prefixOf(consumerId: string | undefined, routeId: string | undefined): string {
  if (consumerId !== undefined && routeId !== undefined) return `${consumerId}:${routeId}`
  return routeId ?? 'default'
}

/** nginx's $request (`GET /p?q HTTP/1.1`) with everything from the first `?` removed. */
export function requestUri(method: string, rawTarget: string, httpVersion: string): string {
  const line = `${method} ${rawTarget} HTTP/${httpVersion}`
  const q = line.indexOf('?')
  return q === -1 ? line : line.slice(0, q)
}

export function cacheKey(prefix: string, method: string, uri: string, params: string, headers: string): string {
  return createHash('sha256').update(`${prefix}|${method}|${uri}|${params}|${headers}`).digest('hex')
}

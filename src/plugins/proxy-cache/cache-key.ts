/**
 * Kong's proxy-cache key: sha256 hex of `prefix|method|uri|params|headers`
 * (kong/plugins/proxy-cache/cache_key.lua), with the same quirks: `uri` is the
 * request line ($request) cut at the first `?`, so a request without a query
 * keeps its ` HTTP/x.y` tail; a query argument without `=` counts as a bare flag.
 */
import { createHash } from 'node:crypto'

/** A query argument or header: a string, several of them, or `true` for a bare `?flag`. */
export type ArgValue = string | true | (string | true)[]

// kong.request.get_query's default cap (lua_max_uri_args).
const MAX_ARGS = 100

function unescape(s: string): string {
  const plus = s.includes('+') ? s.replaceAll('+', ' ') : s
  if (!plus.includes('%')) return plus
  try {
    return decodeURIComponent(plus)
  } catch {
    // Invalid escapes stay as written (nginx decodes what it can; close enough for a key).
    return plus
  }
}

/** ngx.req.get_uri_args: `a=1&b&a=2` → { a: ['1', '2'], b: true }. */
export function parseArgs(rawQuery: string): Map<string, ArgValue> {
  const args = new Map<string, ArgValue>()
  if (rawQuery === '') return args
  let n = 0
  for (const part of rawQuery.split('&')) {
    if (part === '') continue
    if (++n > MAX_ARGS) break
    const eq = part.indexOf('=')
    const key = unescape(eq === -1 ? part : part.slice(0, eq))
    if (key === '') continue
    const value: string | true = eq === -1 ? true : unescape(part.slice(eq + 1))
    const prev = args.get(key)
    args.set(key, prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value])
  }
  return args
}

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

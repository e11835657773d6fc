/**
 * The header parsing proxy-cache needs, as Kong does it: Cache-Control
 * directives (kong.tools.http parse_directive_header / calculate_resource_ttl)
 * and media types (kong.tools.mime_type, RFC 2045 grammar).
 */

export type Directives = Record<string, number | string | true>

const NONE: Directives = Object.freeze({}) as Directives

/**
 * `no-cache, max-age=60` → { 'no-cache': true, 'max-age': 60 }. Like Kong, a
 * piece is split at the first `=`, only leading space is trimmed from the name
 * and a value that reads as a number becomes one.
 */
export function parseDirectives(h: string | string[] | number | undefined): Directives {
  if (h === undefined) return NONE
  const s = Array.isArray(h) ? h.join(', ') : String(h)
  if (s === '') return NONE
  const out: Directives = {}
  for (const piece of s.split(',')) {
    if (piece === '') continue
    const eq = piece.indexOf('=')
    let name = (eq === -1 ? piece : piece.slice(0, eq)).replace(/^\s+/, '')
    if (name === '') name = eq === -1 ? piece : piece.slice(0, eq)
    if (name === '') continue
    const raw = eq === -1 || eq === piece.length - 1 ? undefined : piece.slice(eq + 1)
    out[name.toLowerCase()] = raw === undefined ? true : (luaNumber(raw) ?? raw)
  }
  return out
}

// Lua's tonumber on a directive value: decimal (surrounding space allowed) or 0x hex.
function luaNumber(s: string): number | undefined {
  const t = s.trim()
  if (!/^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/.test(t)) return undefined
  return /^[+-]?0[xX]/.test(t) ? (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[+-]?0[xX]/, ''), 16) : Number(t)
}

/** A numeric directive, or undefined (absent, or a value that is not a number). */
export function num(d: Directives, name: string): number | undefined {
  const v = d[name]
  return typeof v === 'number' ? v : undefined
}

/** Seconds a response may be cached: s-maxage, else max-age, else Expires − now; never negative. */
export function resourceTtl(cc: Directives, expires: string | string[] | number | undefined, nowSec: number): number {
  let maxAge = num(cc, 's-maxage') ?? num(cc, 'max-age')
  if (maxAge === undefined && expires !== undefined) {
    // Several Expires headers: the last one wins.
    const last = Array.isArray(expires) ? expires[expires.length - 1] : String(expires)
    const at = last === undefined ? NaN : Date.parse(last)
    if (!Number.isNaN(at)) maxAge = Math.floor(at / 1000) - nowSec
  }
  return maxAge === undefined ? 0 : Math.max(maxAge, 0)
}

export interface MediaType {
  type: string
  subtype: string
  params: Record<string, string>
}

// RFC 2045 token: ASCII except controls, space and the separators.
const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/

function token(s: string, i: number): number {
  let j = i
  while (j < s.length && TOKEN_CHAR.test(s[j]!)) j++
  return j
}

/** `Application/JSON; Charset=utf-8` → application, json, { charset: 'utf-8' }; undefined when malformed. */
export function parseMediaType(s: string): MediaType | undefined {
  let type: string
  let subtype: string
  let i = token(s, 0)
  if (i > 0 && s[i] === '/') {
    const j = token(s, i + 1)
    if (j === i + 1) return undefined
    type = s.slice(0, i).toLowerCase()
    subtype = s.slice(i + 1, j).toLowerCase()
    i = j
  } else if (s[0] === '*') {
    type = subtype = '*'
    i = 1
  } else {
    return undefined
  }
  const params: Record<string, string> = {}
  while (i < s.length) {
    let k = i
    while (s[k] === ' ' || s[k] === '\t') k++
    if (s[k] !== ';') return undefined
    k++
    while (s[k] === ' ' || s[k] === '\t') k++
    const nameEnd = token(s, k)
    if (nameEnd === k || s[nameEnd] !== '=') return undefined
    const name = s.slice(k, nameEnd).toLowerCase()
    k = nameEnd + 1
    let value: string
    if (s[k] === '"') {
      let m = k + 1
      while (m < s.length && s[m] !== '"') m += s[m] === '\\' && m + 1 < s.length ? 2 : 1
      if (m >= s.length) return undefined
      value = s.slice(k + 1, m)
      k = m + 1
    } else {
      const e = token(s, k)
      if (e === k) return undefined
      value = s.slice(k, e)
      k = e
    }
    params[name] = value
    i = k
  }
  return { type, subtype, params }
}

/** Parameters in a stable form (`charset=utf-8;q=1`), for matching. */
export function paramsKey(params: Record<string, string> | undefined): string {
  if (!params) return ''
  const keys = Object.keys(params)
  if (keys.length === 0) return ''
  return keys
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join(';')
}

/**
 * The configured content types compiled into a matcher: exact type/subtype,
 * `type/*` and `*\/*`, each with exactly the same parameters. Entries Kong
 * cannot parse are ignored.
 */
export function contentTypeMatcher(patterns: readonly string[]): (contentType: string) => boolean {
  const exact = new Set<string>()
  const typeWild = new Set<string>()
  const any = new Set<string>()
  for (const p of patterns) {
    const m = parseMediaType(p)
    if (!m) continue
    const pk = paramsKey(m.params)
    if (m.type === '*' && m.subtype === '*') any.add(pk)
    else if (m.subtype === '*') typeWild.add(`${m.type}\n${pk}`)
    else exact.add(`${m.type}/${m.subtype}\n${pk}`)
  }
  return (contentType) => {
    const m = parseMediaType(contentType)
    const pk = paramsKey(m?.params)
    // An unparseable type still matches `*/*` (Kong looks it up with empty parameters).
    if (m && (exact.has(`${m.type}/${m.subtype}\n${pk}`) || typeWild.has(`${m.type}\n${pk}`))) return true
    return any.has(pk)
  }
}

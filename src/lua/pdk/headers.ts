/**
 * Request headers as Kong's PDK reads them, and the checks its header functions
 * share: the name lookup (`_` reads `-`, any case), the live value, the value
 * check for setters, the case-insensitive headers table, and the max_headers /
 * max_args bound. Used by kong.request, kong.response, kong.service.* and ngx.req.
 *
 * Reads of request headers see what earlier plugins set (Kong reads
 * `ngx.var.http_*`, which kong.service.request.set_header changes).
 */
import { argsObject, type ArgValue } from '../../http/args.js'
import type { Kit } from '../../plugins/types.js'
import { LuaError } from '../core/errors.js'
import { tostring } from '../core/ops.js'
import { LuaTable, numberToString, typeName, type LuaValue } from '../core/value.js'
import { headerToLua, toLua } from './convert.js'
import { kit, run } from './run.js'

/** Headers that describe the client connection, not the request sent on: read from the client's request. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/** Kong's header name lookup: `_` reads `-`, any case. */
export const headerName = (n: string): string => n.toLowerCase().replace(/_/g, '-')

/**
 * A request header as Kong's PDK reads it (ngx.var.http_* / ngx.req.get_headers): as it will
 * go upstream, so earlier plugins' changes show; `name` lower-case. The upstream copy lacks
 * what the gateway sets itself: Host is the client's until a plugin sets it (Kong's
 * set_header('host') changes the request's Host too), hop-by-hop headers are the client's. A
 * header the client repeated is its values, as nginx keeps them, while no plugin changed it
 * (Node joins repeats with ', ' or '; ', so only such a value can be one).
 */
export function liveHeader(k: Kit, n: string): string | readonly string[] | undefined {
  if (HOP_BY_HOP.has(n)) return clientHeader(k, n)
  const v = k.upstream.header(n)
  if (v === undefined) return n === 'host' ? k.request.header('host') : undefined
  if (typeof v === 'string' && (v.includes(', ') || v.includes('; ')) && v === k.request.headers[n]) return clientHeader(k, n)
  return v
}

function clientHeader(k: Kit, n: string): string | readonly string[] | undefined {
  const all = k.request.headerValues(n)
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : all
}

/** The current value of a request header (its first value when repeated, as Kong's get_header). */
export function currentHeader(name: string): string | undefined {
  const v = liveHeader(kit(), headerName(name))
  return typeof v === 'string' || v === undefined ? v : v[0]
}

/** Kong's PDK check of a header value: string, number, boolean or an array of strings. */
export function headerValue(name: LuaValue, v: LuaValue): string | string[] {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberToString(v)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (v instanceof LuaTable) {
    const out: string[] = []
    for (const x of v.arr) {
      if (typeof x !== 'string') throw new LuaError(`invalid header value in array "${tostring(name)}": got ${typeName(x)}, expected string`)
      out.push(x)
    }
    return out
  }
  throw new LuaError(`invalid header value for "${tostring(name)}": got ${typeName(v)}, expected array of string, string, number or boolean`)
}

export function headerNameArg(n: LuaValue, msg = 'header name must be a string'): string {
  if (typeof n !== 'string') throw new LuaError(msg)
  return n
}

/** max_headers / max_args checks as Kong's (1..1000, default 100). */
export function maxArg(v: LuaValue, what: string, dflt = 100): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number') throw new LuaError(`${what} must be a number`)
  if (v < 1) throw new LuaError(`${what} must be >= 1`)
  if (v > 1000) throw new LuaError(`${what} must be <= 1000`)
  return v
}

/** Request headers as Kong returns them: lower-case names, repeated headers as arrays, at most `max`. */
export function requestHeaders(max: number): LuaTable {
  return readRequestHeaders(max)[0]
}

/** requestHeaders, and whether headers past `max` were left out (OpenResty's "truncated"). */
export function readRequestHeaders(max: number): [LuaTable, boolean] {
  const k = kit()
  const t = new LuaTable()
  const names = new Set(Object.keys(headersOf(k.upstream)))
  for (const name of Object.keys(k.request.headers)) if (HOP_BY_HOP.has(name) || name === 'host') names.add(name)
  let n = 0
  for (const name of names) {
    if (n++ >= max) return [caseInsensitive(t), true]
    t.setStr(name, headerToLua(liveHeader(k, name)))
  }
  return [caseInsensitive(t), false]
}

/**
 * What a reader past its limit returns, as Kong's patched ngx.req readers do
 * (kong/globalpatches.lua): the table, "truncated", and a notice in the log.
 */
export function maybeTruncated(t: LuaValue, truncated: boolean, what: string): LuaValue[] {
  if (!truncated) return [t]
  run().log('info', `${what} truncated`)
  return [t, 'truncated']
}

/** An argument table for Lua, with maybeTruncated's result. */
export function argsResult(r: { args: Map<string, ArgValue>; truncated: boolean }, what: string): LuaValue[] {
  return maybeTruncated(toLua(argsObject(r.args)), r.truncated, what)
}

function headersOf(up: { header(n: string): unknown }): Record<string, string | string[]> {
  return (up as unknown as { headers: Record<string, string | string[]> }).headers
}

const CI_META = new LuaTable()
CI_META.setStr('__index', (t: LuaValue, key: LuaValue): LuaValue[] => {
  if (typeof key !== 'string' || !(t instanceof LuaTable)) return []
  const n = headerName(key)
  return n === key ? [] : [t.get(n)]
})

/** A headers table whose lookups ignore case and read `_` as `-` (OpenResty's get_headers). */
export function caseInsensitive(t: LuaTable): LuaTable {
  t.metatable = CI_META
  return t
}

/**
 * URI escaping and query strings as OpenResty does them: ngx.escape_uri
 * (nginx's escape sets, type 2 = URI component by default, type 0 = full
 * URI), ngx.unescape_uri ('+' becomes a space, bad '%' sequences stay),
 * ngx.encode_args (array values repeat the key, `true` gives a bare key,
 * `false` is skipped) and ngx.decode_args (max_args, default 100, with
 * "truncated"; repeated keys become arrays; a bare key is `true`).
 *
 * encode_args walks tables in our iteration order (array part, then hash keys
 * in insertion order); OpenResty follows LuaJIT's hash order.
 */
import { B } from '../../core/budget.js'
import { LuaError } from '../../core/errors.js'
import { argError, checkString, toArith } from '../../core/ops.js'
import { LuaTable, numberToString, typeName, type LuaFunction, type LuaValue } from '../../core/value.js'
import { stringArg } from './codec.js'

/** nginx escape sets by type: true for bytes that become %XX. */
function escapeSet(extra: string, ctl: boolean, high: boolean, keep?: RegExp): boolean[] {
  const set: boolean[] = []
  for (let c = 0; c < 256; c++) {
    const ch = String.fromCharCode(c)
    if (keep !== undefined) set[c] = !keep.test(ch)
    else set[c] = (ctl && c < 0x20) || (high && c >= 0x7f) || extra.includes(ch)
  }
  return set
}

/** Types 0..6 of ngx_http_lua_escape_uri: uri, args, uri_component, html, refresh, memcached, mail_auth. */
const SETS: boolean[][] = [
  escapeSet(' #%?', true, true),
  escapeSet(' #%+?', true, true),
  escapeSet('', true, true, /[A-Za-z0-9\-._~!'()*]/),
  escapeSet(' "#%\'', true, true),
  escapeSet(' "\'', true, true),
  escapeSet(' %', true, false),
  escapeSet(' %', true, false),
]

const HEX = '0123456789ABCDEF'

export function escapeUri(s: string, type: number): string {
  const set = SETS[type]!
  let out = ''
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (set[c]) {
      out += s.slice(from, i) + '%' + HEX[c >> 4] + HEX[c & 15]
      from = i + 1
    }
  }
  if (from === 0) return s
  out += s.slice(from)
  B.alloc(out.length)
  return out
}

export const escape_uri: LuaFunction = (s, type) => {
  const str = stringArg(s)
  let t = 2
  if (type !== undefined) {
    if (typeof type !== 'number') throw new LuaError('"type" is not a number')
    if (type < 0 || type > 6) throw new LuaError(`"type" ${numberToString(type)} out of range`)
    t = Math.trunc(type)
  }
  B.steps(1 + (str.length >> 4))
  return [escapeUri(str, t)]
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1
}

/** ngx_http_lua_unescape_uri for URI components: %XX decoded, '+' → ' ', anything else kept. */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x25 && i + 2 < s.length && hexValue(s.charCodeAt(i + 1)) >= 0 && hexValue(s.charCodeAt(i + 2)) >= 0) {
      out += String.fromCharCode(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)))
      i += 2
    } else out += c === 0x2b ? ' ' : s[i]
  }
  B.alloc(out.length)
  return out
}

export const unescape_uri: LuaFunction = (s) => {
  const str = stringArg(s)
  B.steps(1 + (str.length >> 4))
  return [unescapeUri(str)]
}

/** A query-argument value as lua_tolstring gives it (numbers as %.14g), or undefined for other types. */
function argText(v: LuaValue): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? numberToString(v) : undefined
}

/** ngx_http_lua_process_args_option: the table as a query string. */
export function encodeArgs(t: LuaTable): string {
  const parts: string[] = []
  for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
    B.steps(1)
    const [k, v] = e
    if (typeof k !== 'string') throw new LuaError('attempt to use a non-string key in the "args" option table')
    const key = escapeUri(k, 2)
    if (typeof v === 'boolean') {
      if (v) parts.push(key)
    } else if (v instanceof LuaTable) {
      for (let f = v.next(undefined); f !== undefined; f = v.next(f[0])) {
        B.steps(1)
        const item = f[1]
        if (typeof item === 'boolean') {
          if (item) parts.push(key)
          continue
        }
        const text = argText(item)
        if (text === undefined) throw new LuaError(`attempt to use ${typeName(item)} as query arg value`)
        parts.push(key + '=' + escapeUri(text, 2))
      }
    } else {
      const text = argText(v)
      if (text === undefined) throw new LuaError(`attempt to use ${typeName(v)} as query arg value`)
      parts.push(key + '=' + escapeUri(text, 2))
    }
  }
  const out = parts.join('&')
  B.alloc(out.length)
  return out
}

export const encode_args: LuaFunction = (...args) => {
  if (args.length !== 1) throw new LuaError(`expecting 1 argument but seen ${args.length}`)
  const t = args[0]
  if (!(t instanceof LuaTable)) return argError(1, 'encode_args', `table expected, got ${typeName(t)}`)
  return [encodeArgs(t)]
}

/** ngx_http_lua_set_multi_value_table: a repeated key turns its value into an array. */
function addArg(t: LuaTable, key: string, value: string | boolean): void {
  const old = t.get(key)
  if (old === undefined) t.set(key, value)
  else if (old instanceof LuaTable) old.set(old.length() + 1, value)
  else t.set(key, new LuaTable([old, value]))
}

/**
 * ngx_http_lua_parse_args: `a=1&b&c=2`. Keys and values are URI-unescaped,
 * empty keys are dropped, and after `max` '&'-terminated pairs (0 = no limit)
 * parsing stops with "truncated".
 */
export function decodeArgs(s: string, max: number): [LuaTable, boolean] {
  const t = new LuaTable()
  let count = 0
  let start = 0
  while (start <= s.length) {
    let amp = s.indexOf('&', start)
    const last = amp < 0
    if (last) amp = s.length
    B.steps(1)
    const pair = s.slice(start, amp)
    if (!last || pair !== '') {
      const eq = pair.indexOf('=')
      const key = unescapeUri(eq < 0 ? pair : pair.slice(0, eq))
      if (key !== '') addArg(t, key, eq < 0 ? true : unescapeUri(pair.slice(eq + 1)))
    }
    if (last) break
    if (max > 0 && ++count === max) return [t, true]
    start = amp + 1
  }
  return [t, false]
}

export const decode_args: LuaFunction = (...args) => {
  const n = args.length
  if (n !== 1 && n !== 2) throw new LuaError(`expecting 1 or 2 arguments but seen ${n}`)
  const s = checkString(args[0], 1, 'decode_args')
  let max = 100
  if (n === 2) {
    // luaL_checkint: the argument is present, so an explicit nil reads "got nil".
    const m = toArith(args[1])
    if (m === undefined) return argError(2, 'decode_args', `number expected, got ${typeName(args[1])}`)
    max = Math.trunc(m)
  }
  const [t, truncated] = decodeArgs(s, max)
  return truncated ? [t, 'truncated'] : [t]
}

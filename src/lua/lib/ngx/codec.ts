/**
 * OpenResty's pure byte-string functions: ngx.encode_base64/decode_base64,
 * md5/md5_bin/sha1_bin/hmac_sha1, crc32_short/crc32_long and quote_sql_str,
 * with lua-resty-core's argument handling (nil/false become "", other
 * non-strings go through tostring) or lua-nginx-module's argument-count
 * errors where the function is written in C there.
 */
import { createHash, createHmac } from 'node:crypto'
import { B } from '../../core/budget.js'
import { LuaError } from '../../core/errors.js'
import { checkString, tostring } from '../../core/ops.js'
import { fromBytes, toBytes, typeName, type LuaFunction, type LuaValue } from '../../core/value.js'

/** resty.core's coercion: `nil`/`false` → "", a string as is, anything else through tostring. */
export function stringArg(v: LuaValue): string {
  if (typeof v === 'string') return v
  if (v === undefined || v === false) return ''
  return tostring(v)
}

/** Charges the work of reading `n` input bytes and creating `out` bytes. */
function charge(n: number, out: number): void {
  B.steps(1 + (n >> 6))
  B.alloc(out)
}

const BASE64 = /^[A-Za-z0-9+/]*$/

export const encode_base64: LuaFunction = (s, noPadding) => {
  const str = stringArg(s)
  if (noPadding !== undefined && noPadding !== false && noPadding !== true) throw new LuaError(`bad no_padding: boolean expected, got ${typeName(noPadding)}`)
  let out = toBytes(str).toString('base64')
  if (noPadding === true) out = out.replace(/=+$/, '')
  charge(str.length, out.length)
  return [out]
}

/**
 * nginx's ngx_decode_base64: the input ends at the first '=', every byte
 * before it must be in the alphabet, and a lone trailing sextet is invalid.
 * Padding is optional and whatever follows the first '=' is ignored.
 */
export const decode_base64: LuaFunction = (s) => {
  if (typeof s !== 'string') throw new LuaError('string argument only')
  const eq = s.indexOf('=')
  const body = eq < 0 ? s : s.slice(0, eq)
  if (!BASE64.test(body) || body.length % 4 === 1) return [undefined]
  const out = fromBytes(Buffer.from(body, 'base64'))
  charge(s.length, out.length)
  return [out]
}

function digest(alg: 'md5' | 'sha1', s: string): Buffer {
  B.steps(1 + (s.length >> 6))
  return createHash(alg).update(toBytes(s)).digest()
}

export const md5: LuaFunction = (s) => {
  B.alloc(32)
  return [digest('md5', stringArg(s)).toString('hex')]
}

export const md5_bin: LuaFunction = (s) => {
  B.alloc(16)
  return [fromBytes(digest('md5', stringArg(s)))]
}

export const sha1_bin: LuaFunction = (s) => {
  B.alloc(20)
  return [fromBytes(digest('sha1', stringArg(s)))]
}

export const hmac_sha1: LuaFunction = (...args) => {
  if (args.length !== 2) throw new LuaError(`expecting 2 arguments, but got ${args.length}`)
  const key = checkString(args[0], 1, 'hmac_sha1')
  const msg = checkString(args[1], 2, 'hmac_sha1')
  charge(key.length + msg.length, 20)
  return [fromBytes(createHmac('sha1', toBytes(key)).update(toBytes(msg)).digest())]
}

/** The CRC-32 (IEEE 802.3, reflected, as nginx's ngx_crc32) lookup table. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(s: string): number {
  B.steps(1 + (s.length >> 6))
  let c = 0xffffffff
  for (let i = 0; i < s.length; i++) c = CRC_TABLE[(c ^ s.charCodeAt(i)) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** crc32_short and crc32_long differ only in how nginx computes them: same results. */
export const crc32_short: LuaFunction = (s) => [crc32(stringArg(s))]
export const crc32_long: LuaFunction = (s) => [crc32(stringArg(s))]

/** MySQL quoting (lua-nginx-module's escape set; bytes >= 0x80 pass through). */
const SQL_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\b': '\\b',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\x1a': '\\Z',
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
}

export const quote_sql_str: LuaFunction = (...args) => {
  if (args.length !== 1) throw new LuaError('expecting one argument')
  const s = checkString(args[0], 1, 'quote_sql_str')
  // eslint-disable-next-line no-control-regex -- MySQL quoting escapes NUL, backspace and Ctrl-Z
  const out = "'" + s.replace(/[\0\b\n\r\t\x1a\\'"]/g, (c) => SQL_ESCAPES[c] ?? c) + "'"
  charge(s.length, out.length)
  return [out]
}

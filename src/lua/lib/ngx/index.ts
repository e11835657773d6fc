/**
 * The request-independent part of the `ngx` table: constants, ngx.null,
 * ngx.re, codecs, hashes, URI and query-string helpers and the clock. The
 * runtime creates the ngx table per plugin instance (or per request view),
 * calls fillNgx on it, then adds the request-bound parts (ngx.var, ngx.req,
 * ngx.say, ngx.exit, ngx.ctx, ngx.log, ...).
 */
import type { LuaFunction, LuaTable } from '../../core/value.js'
import { NULL } from '../lightuserdata.js'
import * as codec from './codec.js'
import { CORE, HTTP_METHODS, HTTP_STATUSES, LOG_LEVELS } from './constants.js'
import { newReTable } from './re.js'
import * as clock from './time.js'
import * as uri from './uri.js'

const FUNCTIONS: Record<string, LuaFunction> = {
  encode_base64: codec.encode_base64,
  decode_base64: codec.decode_base64,
  md5: codec.md5,
  md5_bin: codec.md5_bin,
  sha1_bin: codec.sha1_bin,
  hmac_sha1: codec.hmac_sha1,
  crc32_short: codec.crc32_short,
  crc32_long: codec.crc32_long,
  quote_sql_str: codec.quote_sql_str,
  escape_uri: uri.escape_uri,
  unescape_uri: uri.unescape_uri,
  encode_args: uri.encode_args,
  decode_args: uri.decode_args,
  time: clock.time,
  now: clock.now,
  today: clock.today,
  localtime: clock.localtime,
  utctime: clock.utctime,
  update_time: clock.update_time,
  http_time: clock.http_time,
  cookie_time: clock.cookie_time,
  parse_http_time: clock.parse_http_time,
}

/** Sets the pure ngx.* fields on `t` (a fresh ngx.re table each time). */
export function fillNgx(t: LuaTable): LuaTable {
  for (const table of [CORE, LOG_LEVELS, HTTP_METHODS, HTTP_STATUSES]) for (const [k, v] of Object.entries(table)) t.setStr(k, v)
  for (const [k, f] of Object.entries(FUNCTIONS)) t.setStr(k, f)
  t.setStr('null', NULL)
  t.setStr('re', newReTable())
  return t
}

// fillNgx: the request-independent ngx.* fields (constants from lua-nginx-module's README and
// src/ngx_http_lua_consts.c / nginx's headers), ngx.null, and the read-only ngx.re table.
import t from 'tap'
import { setindex, tostring } from '../../../src/lua/core/ops.js'
import { LuaTable } from '../../../src/lua/core/value.js'
import { newCjson } from '../../../src/lua/lib/cjson.js'
import { fillNgx } from '../../../src/lua/lib/ngx/index.js'
import { errorOf, fn } from './helpers.js'

const ngx = fillNgx(new LuaTable())

t.test('core, log level, method and status constants (README)', async (t) => {
  const want: Record<string, number> = {
    OK: 0,
    ERROR: -1,
    AGAIN: -2,
    DONE: -4,
    DECLINED: -5,
    STDERR: 0,
    EMERG: 1,
    ALERT: 2,
    CRIT: 3,
    ERR: 4,
    WARN: 5,
    NOTICE: 6,
    INFO: 7,
    DEBUG: 8,
    HTTP_GET: 2,
    HTTP_HEAD: 4,
    HTTP_POST: 8,
    HTTP_PUT: 16,
    HTTP_DELETE: 32,
    HTTP_OPTIONS: 512,
    HTTP_PATCH: 16384,
    HTTP_TRACE: 32768,
    HTTP_CONTINUE: 100,
    HTTP_OK: 200,
    HTTP_CREATED: 201,
    HTTP_NO_CONTENT: 204,
    HTTP_MOVED_PERMANENTLY: 301,
    HTTP_MOVED_TEMPORARILY: 302,
    HTTP_NOT_MODIFIED: 304,
    HTTP_PERMANENT_REDIRECT: 308,
    HTTP_BAD_REQUEST: 400,
    HTTP_UNAUTHORIZED: 401,
    HTTP_FORBIDDEN: 403,
    HTTP_NOT_FOUND: 404,
    HTTP_NOT_ALLOWED: 405,
    HTTP_REQUEST_TIMEOUT: 408,
    HTTP_GONE: 410,
    HTTP_TOO_MANY_REQUESTS: 429,
    HTTP_CLOSE: 444,
    HTTP_ILLEGAL: 451,
    HTTP_INTERNAL_SERVER_ERROR: 500,
    HTTP_METHOD_NOT_IMPLEMENTED: 501,
    HTTP_BAD_GATEWAY: 502,
    HTTP_SERVICE_UNAVAILABLE: 503,
    HTTP_GATEWAY_TIMEOUT: 504,
    HTTP_INSUFFICIENT_STORAGE: 507,
  }
  for (const [k, v] of Object.entries(want)) t.equal(ngx.get(k), v, `ngx.${k}`)
})

t.test('ngx.null is cjson.null, and prints as LuaJIT prints NULL', async (t) => {
  t.equal(ngx.get('null'), newCjson(false).get('null'))
  t.equal(tostring(ngx.get('null')), 'userdata: NULL')
  t.equal(fn(newCjson(false), 'encode')(ngx.get('null'))[0], 'null')
})

t.test('functions are in place and ngx.re is read-only', async (t) => {
  for (const name of ['encode_base64', 'decode_base64', 'md5', 'md5_bin', 'sha1_bin', 'hmac_sha1', 'crc32_short', 'crc32_long', 'quote_sql_str'])
    t.type(ngx.get(name), 'function', name)
  for (const name of ['escape_uri', 'unescape_uri', 'encode_args', 'decode_args', 'time', 'now', 'today', 'localtime', 'utctime', 'update_time'])
    t.type(ngx.get(name), 'function', name)
  for (const name of ['http_time', 'cookie_time', 'parse_http_time']) t.type(ngx.get(name), 'function', name)
  const re = ngx.get('re') as LuaTable
  for (const name of ['match', 'find', 'gmatch', 'sub', 'gsub']) t.type(re.get(name), 'function', `ngx.re.${name}`)
  t.equal(
    errorOf(() => setindex(re, 'match', () => [])),
    'Cannot modify ngx.re.match. Protected by the sandbox.',
  )
  t.not(fillNgx(new LuaTable()).get('re'), re, 'each ngx table gets its own ngx.re')
  t.equal(fn(ngx, 'md5')('hello')[0], '5d41402abc4b2a76b9719d911017c592')
})

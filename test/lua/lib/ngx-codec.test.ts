// ngx.encode_base64/decode_base64, md5/sha1/hmac/crc32, quote_sql_str, escape_uri/unescape_uri, encode_args/decode_args.
// Expected values: lua-nginx-module's README (cited "README"), RFC test vectors, and nginx's rules as
// lua-nginx-module and lua-resty-core implement them (cited by function).
import t from 'tap'
import { BudgetExceeded } from '../../../src/lua/core/errors.js'
import { LuaTable, type LuaValue } from '../../../src/lua/core/value.js'
import { NULL } from '../../../src/lua/lib/lightuserdata.js'
import * as codec from '../../../src/lua/lib/ngx/codec.js'
import * as uri from '../../../src/lua/lib/ngx/uri.js'
import { errorOf, lua, metered, plain } from './helpers.js'

const one = (f: (...a: LuaValue[]) => LuaValue[], ...args: LuaValue[]) => f(...args)[0]
const hex = (s: LuaValue) => Buffer.from(s as string, 'latin1').toString('hex')

t.test('encode_base64, with no_padding (README)', async (t) => {
  t.equal(one(codec.encode_base64, 'hello'), 'aGVsbG8=')
  t.equal(one(codec.encode_base64, 'hello', true), 'aGVsbG8')
  t.equal(one(codec.encode_base64, 'hello', false), 'aGVsbG8=')
  t.equal(one(codec.encode_base64, ''), '')
  t.equal(one(codec.encode_base64, undefined), '', 'nil is the empty string (resty.core)')
  t.equal(one(codec.encode_base64, 123), 'MTIz', 'numbers go through tostring')
  t.equal(one(codec.encode_base64, '\0\xff\xfe'), 'AP/+', 'bytes, not text')
  t.equal(
    errorOf(() => codec.encode_base64('a', 1)),
    'bad no_padding: boolean expected, got number',
  )
})

t.test('decode_base64: nil for invalid input, padding optional (README; nginx ngx_decode_base64)', async (t) => {
  t.equal(one(codec.decode_base64, 'aGVsbG8='), 'hello')
  t.equal(one(codec.decode_base64, 'aGVsbG8'), 'hello')
  t.equal(one(codec.decode_base64, 'AP/+'), '\0\xff\xfe')
  t.equal(one(codec.decode_base64, ''), '')
  t.equal(one(codec.decode_base64, 'aGVsbG8=trailing'), 'hello', 'the input ends at the first =')
  t.equal(one(codec.decode_base64, 'aGV$'), undefined)
  t.equal(one(codec.decode_base64, 'a'), undefined, 'a lone sextet')
  t.equal(one(codec.decode_base64, 'aGVsbG8-'), undefined, 'base64url characters are not base64')
  t.equal(
    errorOf(() => codec.decode_base64(undefined)),
    'string argument only',
  )
  t.equal(
    errorOf(() => codec.decode_base64(12)),
    'string argument only',
  )
})

t.test('md5, md5_bin, sha1_bin, hmac_sha1 (README, RFC 1321/3174/2202 vectors)', async (t) => {
  t.equal(one(codec.md5, 'hello'), '5d41402abc4b2a76b9719d911017c592')
  t.equal(one(codec.md5, ''), 'd41d8cd98f00b204e9800998ecf8427e')
  t.equal(one(codec.md5, undefined), 'd41d8cd98f00b204e9800998ecf8427e', 'nil hashes as ""')
  t.equal(one(codec.md5, 42), one(codec.md5, '42'))
  t.equal(hex(one(codec.md5_bin, 'abc')), '900150983cd24fb0d6963f7d28e17f72')
  t.equal((one(codec.md5_bin, 'abc') as string).length, 16)
  t.equal(hex(one(codec.sha1_bin, 'abc')), 'a9993e364706816aba3e25717850c26c9cd0d89d')
  t.equal(one(codec.encode_base64, one(codec.hmac_sha1, 'thisisverysecretstuff', 'some string we want to sign')), 'R/pvxzHC4NLtj7S+kXFg/NePTmk=')
  t.equal(hex(one(codec.hmac_sha1, 'Jefe', 'what do ya want for nothing?')), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79')
  t.equal(
    errorOf(() => codec.hmac_sha1('key')),
    'expecting 2 arguments, but got 1',
  )
  t.equal(
    errorOf(() => codec.hmac_sha1('key', lua({}))),
    "bad argument #2 to 'hmac_sha1' (string expected, got table)",
  )
})

t.test('crc32_short and crc32_long agree (CRC-32/IEEE check value)', async (t) => {
  t.equal(one(codec.crc32_short, '123456789'), 0xcbf43926)
  t.equal(one(codec.crc32_long, '123456789'), 0xcbf43926)
  t.equal(one(codec.crc32_short, 'hello'), 907060870)
  t.equal(one(codec.crc32_long, ''), 0)
  t.equal(one(codec.crc32_short, '\xff'.repeat(100)), one(codec.crc32_long, '\xff'.repeat(100)))
})

t.test('quote_sql_str: MySQL quoting (lua-nginx-module ngx_http_lua_ngx_escape_sql_str)', async (t) => {
  t.equal(one(codec.quote_sql_str, "it's"), "'it\\'s'")
  t.equal(one(codec.quote_sql_str, 'a"b\\c'), "'a\\\"b\\\\c'")
  t.equal(one(codec.quote_sql_str, '\0\b\n\r\t\x1a'), "'\\0\\b\\n\\r\\t\\Z'")
  t.equal(one(codec.quote_sql_str, ''), "''")
  t.equal(one(codec.quote_sql_str, 12), "'12'")
  t.equal(one(codec.quote_sql_str, 'caf\xc3\xa9'), "'caf\xc3\xa9'", 'bytes >= 0x80 pass')
  t.equal(
    errorOf(() => codec.quote_sql_str('a', 'b')),
    'expecting one argument',
  )
})

t.test('escape_uri: type 2 (component) by default, type 0 for a full URI (README)', async (t) => {
  t.equal(one(uri.escape_uri, 'a b&c=d/\xc3\xa9'), 'a%20b%26c%3Dd%2F%C3%A9')
  t.equal(one(uri.escape_uri, "AZaz09-._~!'()*"), "AZaz09-._~!'()*", 'unreserved characters stay')
  t.equal(one(uri.escape_uri, '@:$,;+?#[]'), '%40%3A%24%2C%3B%2B%3F%23%5B%5D')
  t.equal(one(uri.escape_uri, 'a b#c?d%e/f&g', 0), 'a%20b%23c%3Fd%25e/f&g')
  t.equal(one(uri.escape_uri, '\x01\x7f\x80', 0), '%01%7F%80')
  t.equal(one(uri.escape_uri, 'a+b c', 1), 'a%2Bb%20c', 'type 1 (args) also escapes +')
  t.equal(one(uri.escape_uri, undefined), '')
  t.equal(one(uri.escape_uri, 3.5), '3.5')
  t.equal(
    errorOf(() => uri.escape_uri('x', 7)),
    '"type" 7 out of range',
  )
  t.equal(
    errorOf(() => uri.escape_uri('x', 'a')),
    '"type" is not a number',
  )
})

t.test('unescape_uri: + is a space, bad % sequences stay (README)', async (t) => {
  t.equal(one(uri.unescape_uri, 'b%20r56+7'), 'b r56 7')
  t.equal(one(uri.unescape_uri, 'try %search%%20%again%'), 'try %search% %again%')
  t.equal(one(uri.unescape_uri, '%41%4a%4A'), 'AJJ')
  t.equal(one(uri.unescape_uri, '%C3%A9'), '\xc3\xa9', 'bytes, not text')
  t.equal(one(uri.unescape_uri, 'end%4'), 'end%4')
  t.equal(one(uri.unescape_uri, undefined), '')
})

t.test('encode_args (README; spec/01-unit/05-utils_spec.lua cases shared with ngx.encode_args)', async (t) => {
  const enc = (v: unknown) => one(uri.encode_args, lua(v))
  t.equal(enc({ foo: 3, 'b r': 'hello world' }), 'foo=3&b%20r=hello%20world')
  t.equal(enc({ baz: [32, 'hello'] }), 'baz=32&baz=hello')
  t.equal(enc({ a: true, b: 1 }), 'a&b=1')
  t.equal(enc({ a: false, b: 'x' }), 'b=x', 'false is nil')
  t.equal(enc({ a: [] }), '', 'an empty table is nil')
  t.equal(enc({ a: [true, false, 'x'] }), 'a&a=x')
  t.equal(enc({ a: 1.5 }), 'a=1.5')
  // spec/01-unit/05-utils_spec.lua:261, :282, :288, :328 (kong.tools.http.encode_args mimics ngx.encode_args there).
  t.equal(enc({ foo: 'bar', hello: 'world' }), 'foo=bar&hello=world')
  t.equal(enc({ 'hello world': 'foo' }), 'hello%20world=foo')
  t.equal(enc({ a: 1, b: 2 }), 'a=1&b=2')
  t.equal(enc({ foo: '%bar%' }), 'foo=%25bar%25')
  t.equal(
    errorOf(() => enc({ 1: 'x' })),
    'attempt to use a non-string key in the "args" option table',
  )
  t.equal(
    errorOf(() => enc({ a: NULL })),
    'attempt to use userdata as query arg value',
  )
  t.equal(
    errorOf(() => enc({ a: [[1]] })),
    'attempt to use table as query arg value',
  )
  t.equal(
    errorOf(() => uri.encode_args(lua({}), 1)),
    'expecting 1 argument but seen 2',
  )
  t.equal(
    errorOf(() => uri.encode_args('a=1')),
    "bad argument #1 to 'encode_args' (table expected, got string)",
  )
})

t.test('decode_args: repeated keys become arrays, bare keys true, max_args with "truncated" (README)', async (t) => {
  const dec = (...a: LuaValue[]) => uri.decode_args(...a)
  t.same(plain(dec('a=1&b=2')[0]), { a: '1', b: '2' })
  t.same(plain(dec('a=1&a=2&a=3')[0]), { a: { 1: '1', 2: '2', 3: '3' } })
  t.same(plain(dec('flag&x=')[0]), { flag: true, x: '' })
  t.same(plain(dec('=x&&y=1&')[0]), { y: '1' }, 'empty keys are dropped')
  t.same(plain(dec('a%20b=c+d%26')[0]), { 'a b': 'c d&' })
  t.same(plain(dec('a=b=c')[0]), { a: 'b=c' })
  t.same(plain(dec('')[0]), {})
  const [trunc, err] = dec('a=1&b=2&c=3', 2)
  t.same([plain(trunc), err], [{ a: '1', b: '2' }, 'truncated'])
  t.same(dec('a=1&b=2', 2).length, 1, 'the last pair does not count toward truncation')
  const many = Array.from({ length: 101 }, (_, i) => `k${i}=${i}`).join('&')
  const [hundred, why] = dec(many)
  t.same([Object.keys(plain(hundred) as object).length, why], [100, 'truncated'], 'default max_args is 100')
  t.equal(Object.keys(plain(dec(many, 0)[0]) as object).length, 101, '0 removes the limit')
  t.equal(
    errorOf(() => uri.decode_args()),
    'expecting 1 or 2 arguments but seen 0',
  )
  t.equal(
    errorOf(() => uri.decode_args('a', undefined)),
    "bad argument #2 to 'decode_args' (number expected, got nil)",
  )
  t.ok(dec('a=1')[0] instanceof LuaTable)
})

t.test('budget: long inputs are charged', async (t) => {
  const big = 'a b'.repeat(200_000)
  t.type(
    metered(() => uri.escape_uri(big), { memory: 256 * 1024 }),
    BudgetExceeded,
  )
  t.type(
    metered(() => uri.decode_args('a&'.repeat(100_000), 0), { instructions: 20_000 }),
    BudgetExceeded,
  )
  t.equal(
    metered(() => one(codec.md5, 'hello')),
    '5d41402abc4b2a76b9719d911017c592',
  )
})

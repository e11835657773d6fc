// cjson and cjson.safe: encode/decode with lua-cjson's rules and messages, configuration, Kong's settings, budgets.
// Cases marked "lua-cjson tests/test.lua" or "agentzh.t" come from openresty/lua-cjson's own test suite;
// README cases from its README (OpenResty's additions); Kong cases cite Kong's source.
import t from 'tap'
import { BudgetExceeded } from '../../../src/lua/core/errors.js'
import { setindex, tostring } from '../../../src/lua/core/ops.js'
import { LuaTable, type LuaValue } from '../../../src/lua/core/value.js'
import { ARRAY_MT, EMPTY_ARRAY_MT, newCjson, requireCjson } from '../../../src/lua/lib/cjson.js'
import { EMPTY_ARRAY, NULL } from '../../../src/lua/lib/lightuserdata.js'
import { errorOf, fn, lua, luajit, metered, plain } from './helpers.js'

const Inf = Infinity

/** A fresh `cjson` module and its functions. */
function cjson() {
  const m = newCjson(false)
  const f =
    (name: string) =>
    (...a: LuaValue[]) =>
      fn(m, name)(...a)
  return { m, encode: (v: LuaValue) => fn(m, 'encode')(v)[0], decode: (s: LuaValue) => fn(m, 'decode')(s)[0], f }
}

t.test('encodes simple values (lua-cjson tests/test.lua)', async (t) => {
  const { encode } = cjson()
  t.equal(encode(NULL), 'null')
  t.equal(encode(undefined), 'null')
  t.equal(encode(true), 'true')
  t.equal(encode(false), 'false')
  t.equal(encode(new LuaTable()), '{}')
  t.equal(encode(10), '10')
  t.equal(encode('hello'), '"hello"')
  t.equal(
    errorOf(() => encode(() => [])),
    'Cannot serialise function: type not supported',
  )
  t.equal(encode(lua([1, 'two', true, [3]])), '[1,"two",true,[3]]')
})

t.test('numbers use %.14g (encode_number_precision), compared with luajit', async (t) => {
  const { encode, f } = cjson()
  const nums = [0.1, 1 / 3, 123456789012345, 1e15, 2 ** 53, -0.5, 1e-7, 3.14159265358979, 100, -0]
  const want = ['0.1', '0.33333333333333', '1.2345678901235e+14', '1e+15', '9.007199254741e+15', '-0.5', '1e-07', '3.1415926535898', '100', '-0']
  t.same(
    nums.map((n) => encode(n)),
    want,
  )
  const live = luajit(
    `for _, n in ipairs({0.1, 1/3, 123456789012345, 1e15, 2^53, -0.5, 1e-7, 3.14159265358979, 100, -0.0}) do io.write(string.format("%.14g", n), "\\n") end`,
  )
  if (live === undefined) t.comment('NOT CHECKED: luajit not installed')
  else t.same(live.trim().split('\n'), want, 'luajit prints the same %.14g')
  // lua-cjson tests/test.lua: "Encode number with precision 3".
  t.same(f('encode_number_precision')(3), [3])
  t.equal(encode(1 / 3), '0.333')
  t.equal(encode(1234), '1.23e+03')
})

t.test('NaN and Infinity: refused by default, encode_invalid_numbers switches (lua-cjson tests/test.lua)', async (t) => {
  const { encode, f } = cjson()
  t.equal(
    errorOf(() => encode(NaN)),
    'Cannot serialise number: must not be NaN or Infinity',
  )
  t.equal(
    errorOf(() => encode(Inf)),
    'Cannot serialise number: must not be NaN or Infinity',
  )
  t.equal(
    errorOf(() => encode(lua({ x: -Inf }))),
    'Cannot serialise number: must not be NaN or Infinity',
  )
  t.same(f('encode_invalid_numbers')('null'), ['null'])
  t.equal(encode(NaN), 'null')
  t.equal(encode(Inf), 'null')
  t.same(f('encode_invalid_numbers')(true), [true])
  t.equal(encode(NaN), 'NaN')
  t.equal(encode(Inf), 'Infinity')
  t.equal(encode(-Inf), '-Infinity')
  t.same(f('encode_invalid_numbers')('off'), [false])
})

t.test('nesting limits (lua-cjson tests/test.lua)', async (t) => {
  const { encode, decode, f } = cjson()
  t.same(f('encode_max_depth')(5), [5])
  t.equal(encode(lua([[[[['nested']]]]])), '[[[[["nested"]]]]]')
  t.equal(
    errorOf(() => encode(lua([[[[[['nested']]]]]]))),
    'Cannot serialise, excessive nesting (6)',
  )
  t.equal(encode(lua({ a: { b: { c: { d: { e: 'nested' } } } } })), '{"a":{"b":{"c":{"d":{"e":"nested"}}}}}')
  const cycle = new LuaTable()
  cycle.set(1, cycle)
  t.equal(
    errorOf(() => encode(cycle)),
    'Cannot serialise, excessive nesting (6)',
  )
  t.same(f('encode_max_depth')(1000), [1000])
  t.equal(
    errorOf(() => encode(cycle)),
    'Cannot serialise, excessive nesting (1001)',
  )
  t.same(f('decode_max_depth')(5), [5])
  t.same(plain(decode('[[[[[ "nested" ]]]]]')), { 1: { 1: { 1: { 1: { 1: 'nested' } } } } })
  t.equal(
    errorOf(() => decode('[[[[[[ "nested" ]]]]]]')),
    'Found too many nested data structures (6) at character 6',
  )
  t.equal(
    errorOf(() => decode('{"a":{"b":{"c":{"d":{"e":{"f":"nested"}}}}}}')),
    'Found too many nested data structures (6) at character 26',
  )
  t.same(f('decode_max_depth')(1000), [1000])
  t.equal(
    errorOf(() => decode('['.repeat(1100) + '1100' + ']'.repeat(1100))),
    'Found too many nested data structures (1001) at character 1001',
  )
})

t.test('nesting past 1000 is refused even when allowed, and a JS stack overflow is a nesting error', async (t) => {
  const { encode, decode, f } = cjson()
  f('encode_max_depth')(100_000)
  f('decode_max_depth')(100_000)
  let deep = new LuaTable()
  for (let i = 0; i < 5000; i++) deep = new LuaTable([deep])
  t.equal(
    errorOf(() => encode(deep)),
    'Cannot serialise, excessive nesting (1001)',
  )
  t.equal(
    errorOf(() => decode('['.repeat(5000) + ']'.repeat(5000))),
    'Found too many nested data structures (1001) at character 1001',
  )
  let ok = new LuaTable()
  for (let i = 0; i < 999; i++) ok = new LuaTable([ok])
  // Encode from near the bottom of the JS stack: the result is JSON or cjson's error, never a RangeError.
  let max = 0
  const probe = (n: number): number => {
    max = n
    return probe(n + 1) + 1
  }
  try {
    probe(0)
  } catch {
    // max is how deep this frame shape can go
  }
  const nest = (n: number): unknown => (n === 0 ? encode(ok) : nest(n - 1))
  let r: unknown
  try {
    r = nest(max - 200)
  } catch (e) {
    r = e
  }
  t.ok(typeof r === 'string' || (r instanceof Error && r.name === 'LuaError' && /excessive nesting/.test(r.message)), String(r).slice(0, 80))
})

t.test('sparse arrays (lua-cjson tests/test.lua; defaults convert=false ratio=2 safe=10)', async (t) => {
  const { encode, f } = cjson()
  const sparse = (entries: [number, LuaValue][]) => {
    const x = new LuaTable()
    for (const [k, v] of entries) x.set(k, v)
    return x
  }
  t.equal(
    encode(
      sparse([
        [1, 'a'],
        [10, 'b'],
      ]),
    ),
    '["a",null,null,null,null,null,null,null,null,"b"]',
    'max index 10 <= safe',
  )
  t.equal(
    errorOf(() =>
      encode(
        sparse([
          [1, 'a'],
          [20, 'b'],
        ]),
      ),
    ),
    'Cannot serialise table: excessively sparse array',
  )
  t.same(f('encode_sparse_array')(true, 2, 3), [true, 2, 3])
  t.equal(encode(sparse([[3, 'sparse test']])), '[null,null,"sparse test"]')
  t.equal(
    encode(
      sparse([
        [1, 'one'],
        [4, 'sparse test'],
      ]),
    ),
    '["one",null,null,"sparse test"]',
  )
  t.equal(
    encode(
      sparse([
        [1, 'one'],
        [5, 'sparse test'],
      ]),
    ),
    '{"1":"one","5":"sparse test"}',
    'converted to an object',
  )
  t.same(f('encode_sparse_array')(false), [false, 2, 3])
  const strKey = new LuaTable()
  strKey.set('2', 'numeric string key test')
  t.equal(encode(strKey), '{"2":"numeric string key test"}')
  const bad = new LuaTable()
  bad.set(false, 'wrong')
  t.equal(
    errorOf(() => encode(bad)),
    'Cannot serialise boolean: table key must be a number or string',
  )
  t.equal(encode(lua({ 1: 'a', x: 'b' })), '{"1":"a","x":"b"}', 'mixed keys make an object with number keys as strings')
})

t.test('string escaping: every octet, and / as \\/ by default (lua-cjson tests/octets-escaped.dat)', async (t) => {
  const { encode, decode, f } = cjson()
  let raw = ''
  for (let i = 0; i < 256; i++) raw += String.fromCharCode(i)
  let want = '"'
  for (let i = 0; i < 256; i++) {
    const c = String.fromCharCode(i)
    const named: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 0x22: '\\"', 0x5c: '\\\\', 0x2f: '\\/' }
    want += named[i] ?? (i < 0x20 || i === 0x7f ? '\\u' + i.toString(16).padStart(4, '0') : c)
  }
  want += '"'
  t.equal(encode(raw), want)
  t.equal(decode(want), raw)
  t.equal(encode('a/b'), '"a\\/b"')
  t.same(f('encode_escape_forward_slash')(false), [false])
  t.equal(encode('a/b'), '"a/b"')
  // Bytes are not validated as UTF-8: they pass through.
  t.equal(encode('caf\xc3\xa9 \xff'), '"caf\xc3\xa9 \xff"')
})

t.test('escape_forward_slash is per instance (lua-cjson tests/test.lua)', async (t) => {
  const j1 = newCjson(false)
  const r1 = fn(j1, 'encode')('/')[0]
  const j2 = fn(j1, 'new')()[0] as LuaTable
  fn(j2, 'encode_escape_forward_slash')(false)
  t.same([r1, fn(j2, 'encode')('/')[0], fn(j1, 'encode')('/')[0]], ['"\\/"', '"/"', '"\\/"'])
})

t.test('decodes values (lua-cjson tests/test.lua)', async (t) => {
  const { decode } = cjson()
  t.equal(decode('"test string"'), 'test string')
  t.same(plain(decode('[ 0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10 ]')), { 1: 0, 2: -5000, 3: -1, 4: 0.0003, 5: 1023.2, 6: 0 })
  t.equal(decode('null'), NULL)
  t.equal(decode('true'), true)
  t.equal(decode('false'), false)
  t.same(plain(decode('{ "1": "one", "3": "three" }')), { 1: 'one', 3: 'three' })
  const keys = decode('{ "1": "one" }') as LuaTable
  t.equal(keys.get('1'), 'one', 'object keys stay strings')
  t.equal(keys.get(1), undefined)
  t.same(plain(decode('{ "a": "a", "b": "b" }')), { a: 'a', b: 'b' })
  const arr = decode('[ "one", null, "three" ]') as LuaTable
  t.same([arr.get(1), arr.get(2), arr.get(3), arr.length()], ['one', NULL, 'three', 3])
  t.equal(decode(123), 123, 'a number argument is read as its string')
  t.equal(decode('[1]\0garbage') instanceof LuaTable, true, 'a NUL byte ends the input')
  t.same(plain(decode('{"a":1,"a":2}')), { a: 2 }, 'the last duplicate key wins')
})

t.test('\\u escapes become UTF-8 bytes (lua-cjson tests/test.lua)', async (t) => {
  const { decode } = cjson()
  t.equal(decode('"\\uF800"'), '\xef\xa0\x80')
  t.equal(decode('"\\u00e9"'), '\xc3\xa9')
  t.equal(decode('"\\ud83d\\ude00"'), '\xf0\x9f\x98\x80')
  t.equal(decode('"\\u0000"'), '\0')
  t.equal(decode('"caf\xc3\xa9"'), 'caf\xc3\xa9', 'raw UTF-8 bytes are kept')
  for (const bad of ['"\\uDC00\\uD800"', '"\\uDB00\\uDB00"', '"\\uDB00"', '"\\uDB00\\uD"']) {
    t.equal(
      errorOf(() => decode(bad)),
      'Expected value but found invalid unicode escape code at character 2',
      bad,
    )
  }
})

t.test('invalid JSON: messages in cjson words (lua-cjson tests/test.lua)', async (t) => {
  const { decode } = cjson()
  const cases: [string, string][] = [
    ['\0"\0"', 'JSON parser does not support UTF-16 or UTF-32'],
    ['"\0"\0', 'JSON parser does not support UTF-16 or UTF-32'],
    ['', 'Expected value but found T_END at character 1'],
    ['{ "unexpected eof": ', 'Expected value but found T_END at character 21'],
    ['{ "extra data": true }, false', 'Expected the end but found T_COMMA at character 23'],
    [' { "bad escape \\q code" } ', 'Expected object key string but found invalid escape code at character 16'],
    [' { "bad unicode \\u0f6 escape" } ', 'Expected object key string but found invalid unicode escape code at character 17'],
    [' [ "bad barewood", test ] ', 'Expected value but found invalid token at character 20'],
    ['[ -+12 ]', 'Expected value but found invalid number at character 3'],
    ['-v', 'Expected value but found invalid number at character 1'],
    ['[ 0.4eg10 ]', 'Expected comma or array end but found invalid token at character 6'],
    ['Oops', 'Expected value but found invalid token at character 1'],
    ['{', 'Expected object key string but found T_END at character 2'],
    ['[1,]', 'Expected value but found T_ARR_END at character 4'],
    ['{"a" 1}', 'Expected colon but found T_INTEGER at character 6'],
    ['{"a":1 "b":2}', 'Expected comma or object end but found T_STRING at character 8'],
    ['[1 2]', 'Expected comma or array end but found T_INTEGER at character 4'],
    ['"abc', 'Expected value but found unexpected end of string at character 5'],
    ['{1:2}', 'Expected object key string but found T_INTEGER at character 2'],
  ]
  for (const [input, msg] of cases)
    t.equal(
      errorOf(() => decode(input)),
      msg,
      JSON.stringify(input),
    )
  t.equal(
    errorOf(() => decode(lua({}))),
    "bad argument #1 to 'decode' (string expected, got table)",
  )
  t.equal(
    errorOf(() => fn(newCjson(false), 'decode')()),
    "bad argument #1 to 'decode' (expected 1 argument)",
  )
  t.equal(
    errorOf(() => fn(newCjson(false), 'encode')(1, 2)),
    "bad argument #1 to 'encode' (expected 1 argument)",
  )
})

t.test('decode_invalid_numbers: strtod forms are numbers unless turned off (lua-cjson tests/test.lua)', async (t) => {
  const { decode, f } = cjson()
  t.equal(decode('0x6.ffp1'), 13.9921875)
  t.same(plain(decode('[ 0123, 00.33 ]')), { 1: 123, 2: 0.33 })
  t.same(plain(decode('[ +Inf, Inf, -Inf ]')), { 1: Inf, 2: Inf, 3: -Inf })
  t.same(plain(decode('[ +Infinity, Infinity, -Infinity ]')), { 1: Inf, 2: Inf, 3: -Inf })
  const nans = decode('[ +NaN, NaN, -NaN ]') as LuaTable
  t.ok([1, 2, 3].every((i) => Number.isNaN(nans.get(i))))
  t.equal(
    errorOf(() => decode('Infrared')),
    'Expected the end but found invalid token at character 4',
  )
  t.equal(
    errorOf(() => decode('Noodle')),
    'Expected value but found invalid token at character 1',
  )
  t.same(f('decode_invalid_numbers')(false), [false])
  t.equal(
    errorOf(() => decode('0x6')),
    'Expected value but found invalid number at character 1',
  )
  t.equal(
    errorOf(() => decode('[ 0123, 00.33 ]')),
    'Expected value but found invalid number at character 3',
  )
  t.equal(
    errorOf(() => decode('[ +Inf, Inf, -Inf ]')),
    'Expected value but found invalid token at character 3',
  )
  t.same(f('decode_invalid_numbers')('on'), [true])
})

t.test('integers go through strtoll: beyond 64 bits they saturate (lua_cjson.c json_next_number_token)', async (t) => {
  const { decode, encode } = cjson()
  t.equal(decode('9007199254740993'), 9007199254740992, 'rounded to the nearest double')
  t.equal(decode('99999999999999999999'), 2 ** 63, 'LLONG_MAX as a double')
  t.equal(decode('-99999999999999999999'), -(2 ** 63))
  t.equal(decode('1e400'), Inf)
  t.equal(encode(decode('12345678901234567890')), '9.2233720368548e+18')
})

t.test('comments with decode_allow_comment (lua-cjson tests/test.lua)', async (t) => {
  const { decode, f } = cjson()
  t.equal(
    errorOf(() => decode('{//comment\n}')),
    'Expected object key string but found invalid token at character 2',
  )
  t.same(f('decode_allow_comment')(true), [true])
  t.same(plain(decode('{//comment\n}')), {})
  t.same(plain(decode('{//comment\r\n}')), {})
  t.equal(decode('"test // /* */ string"//comment'), 'test // /* */ string')
  t.same(plain(decode('{/* A multi-line\ncomment*/}')), {})
  t.same(plain(decode('{"a" /* Comment */: 1}')), { a: 1 })
  t.same(plain(decode('/*first*//*second*/{}')), {})
  t.equal(
    errorOf(() => decode('{}/*Unclosed')),
    'Expected the end but found unclosed multi-line comment at character 13',
  )
  t.equal(
    errorOf(() => decode('{"a":1/*x*/0}')),
    'Expected comma or object end but found T_INTEGER at character 12',
  )
})

t.test('encode_indent (lua-cjson tests/test.lua)', async (t) => {
  const { encode, f } = cjson()
  t.same(f('encode_indent')('  '), ['  '])
  t.equal(encode(lua({ a: 'a', b: 'b' })), '{\n  "a": "a",\n  "b": "b"\n}')
  t.equal(encode(new LuaTable()), '{}')
  t.equal(encode(lua({ a: { b: 1 } })), '{\n  "a": {\n    "b": 1\n  }\n}')
  t.equal(encode(lua([1, 2, 3])), '[\n  1,\n  2,\n  3\n]')
  t.equal(encode(EMPTY_ARRAY), '[]')
  t.equal(encode(lua([{ a: 'a' }, { b: 'b' }])), '[\n  {\n    "a": "a"\n  },\n  {\n    "b": "b"\n  }\n]')
  f('encode_indent')('abc')
  t.equal(encode(lua({ a: { b: 1 } })), '{\nabc"a": {\nabcabc"b": 1\nabc}\n}')
  t.same(f('encode_indent')(''), [''])
  t.equal(encode(lua([{ a: 'a' }, { b: 'b' }])), '[{"a":"a"},{"b":"b"}]')
})

t.test('empty tables, empty_array, empty_array_mt, array_mt (README, agentzh.t)', async (t) => {
  const { m, encode, f } = cjson()
  t.equal(encode(new LuaTable()), '{}')
  t.equal(encode(lua({ dogs: {} })), '{"dogs":{}}')
  t.equal(encode(lua({ arr: EMPTY_ARRAY })), '{"arr":[]}')
  const emptyArr = new LuaTable()
  emptyArr.metatable = m.get('empty_array_mt') as LuaTable
  t.equal(encode(lua({ arr: emptyArr })), '{"arr":[]}')
  const filled = lua(['hello', 'world', 'lua']) as LuaTable
  filled.metatable = EMPTY_ARRAY_MT
  t.equal(encode(filled), '["hello","world","lua"]')
  const tagged = new LuaTable()
  tagged.metatable = ARRAY_MT
  t.equal(encode(tagged), '[]')
  // README: holes become null, non-integer keys are ignored.
  const holes = new LuaTable()
  holes.set(1, 'one')
  holes.set(2, 'two')
  holes.set(4, 'three')
  holes.set('foo', 'bar')
  holes.metatable = m.get('array_mt') as LuaTable
  t.equal(encode(holes), '["one","two"]', 'array_mt uses the length (#t is 2 here: a border)')
  t.same(f('encode_empty_table_as_object')(false), [false])
  t.equal(encode(new LuaTable()), '[]')
  t.equal(encode(lua({ dogs: {} })), '{"dogs":[]}')
  t.same(f('encode_empty_table_as_object')('on'), [true])
  t.equal(m.get('empty_array'), EMPTY_ARRAY)
  t.equal(m.get('array_mt'), ARRAY_MT, 'one array_mt for every instance')
})

t.test('decode_array_with_array_mt keeps [] as [] (README)', async (t) => {
  const { encode, decode, f } = cjson()
  t.equal(encode(decode('{"my_array":[]}')), '{"my_array":{}}')
  t.same(f('decode_array_with_array_mt')(true), [true])
  const v = decode('{"my_array":[]}') as LuaTable
  t.equal((v.get('my_array') as LuaTable).metatable, ARRAY_MT)
  t.equal(encode(v), '{"my_array":[]}')
})

t.test('__len and __index on a table make it an array read through them (lua_cjson.c json_append_data)', async (t) => {
  const { encode } = cjson()
  const x = new LuaTable()
  const mt = new LuaTable()
  mt.set('__len', () => [3])
  mt.set('__index', (_t: LuaValue, k: LuaValue) => [`v${tostring(k)}`])
  x.metatable = mt
  t.equal(encode(x), '["v1","v2","v3"]')
})

t.test('encode_skip_unsupported_value_types (README)', async (t) => {
  const { encode, f } = cjson()
  t.same(f('encode_skip_unsupported_value_types')(true), [true])
  t.equal(encode(lua({ key: 'val', f: () => [], g: 1 })), '{"key":"val","g":1}')
  t.equal(encode(lua([() => [], 2])), '[2]')
  t.equal(
    encode(() => []),
    '',
  )
})

t.test('configuration errors (lua-cjson tests/test.lua)', async (t) => {
  const { f } = cjson()
  const cases: [string, LuaValue[], string][] = [
    ['encode_number_precision', [0], "bad argument #1 to 'encode_number_precision' (expected integer between 1 and 16)"],
    ['encode_number_precision', ['five'], "bad argument #1 to 'encode_number_precision' (number expected, got string)"],
    ['encode_keep_buffer', [undefined, true], "bad argument #2 to 'encode_keep_buffer' (found too many arguments)"],
    ['encode_max_depth', ['wrong'], "bad argument #1 to 'encode_max_depth' (number expected, got string)"],
    ['decode_max_depth', ['0'], "bad argument #1 to 'decode_max_depth' (expected integer between 1 and 2147483647)"],
    ['encode_invalid_numbers', [-2], "bad argument #1 to 'encode_invalid_numbers' (invalid option '-2')"],
    ['decode_invalid_numbers', [true, false], "bad argument #2 to 'decode_invalid_numbers' (found too many arguments)"],
    ['encode_sparse_array', ['not quite on'], "bad argument #1 to 'encode_sparse_array' (invalid option 'not quite on')"],
  ]
  for (const [name, args, msg] of cases)
    t.equal(
      errorOf(() => f(name)(...args)),
      msg,
      name,
    )
  t.same(f('encode_number_precision')(), [14], 'no argument reads the setting')
  t.same(fn(fn(newCjson(false), 'new')()[0] as LuaTable, 'encode_sparse_array')(), [false, 2, 10])
})

t.test('cjson.safe returns nil, err instead of raising (lua-cjson tests/test.lua)', async (t) => {
  const safe = newCjson(true)
  t.same(fn(safe, 'encode')(true), ['true'])
  t.equal(
    errorOf(() => fn(safe, 'encode')('arg1', 'arg2')),
    "bad argument #1 to 'encode' (expected 1 argument)",
    'the argument count still raises',
  )
  t.same(fn(safe, 'decode')('Oops'), [undefined, 'Expected value but found invalid token at character 1'])
  t.same(fn(fn(safe, 'new')()[0] as LuaTable, 'decode')('Oops'), [undefined, 'Expected value but found invalid token at character 1'])
  t.same(
    fn(safe, 'encode')(() => []),
    [undefined, 'Cannot serialise function: type not supported'],
  )
  t.same(fn(safe, 'decode')(lua({})), [undefined, "bad argument #1 to '?' (string expected, got table)"])
  const big = new LuaTable([() => []])
  t.same(fn(safe, 'encode')(big), [undefined, 'Cannot serialise function: type not supported'])
})

t.test("require 'cjson.safe' carries Kong's globalpatches settings; 'cjson' and new() do not", async (t) => {
  // kong/globalpatches.lua:20-21: cjson_safe.encode_sparse_array(nil, nil, 2^15); encode_number_precision(CJSON_MAX_PRECISION = 16).
  const safe = requireCjson('cjson.safe')
  const plainCjson = requireCjson('cjson')
  t.same(fn(safe, 'encode_sparse_array')(), [false, 2, 32768])
  t.same(fn(safe, 'encode_number_precision')(), [16])
  t.same(fn(safe, 'encode')(1 / 3), ['0.3333333333333333'])
  t.same(fn(plainCjson, 'encode')(1 / 3), ['0.33333333333333'])
  const sparse = new LuaTable()
  sparse.set(1, 1)
  sparse.set(1000, 2)
  t.equal((fn(safe, 'encode')(sparse)[0] as string).length, 2 + 1 + 998 * 5 + 2)
  t.equal(
    errorOf(() => fn(plainCjson, 'encode')(sparse)),
    'Cannot serialise table: excessively sparse array',
  )
  t.same(fn(fn(safe, 'new')()[0] as LuaTable, 'encode_number_precision')(), [14], 'new() starts from lua-cjson defaults')
})

t.test('each require gives an isolated module; module tables are read-only', async (t) => {
  const a = requireCjson('cjson')
  const b = requireCjson('cjson')
  fn(a, 'encode_number_precision')(3)
  t.same(fn(a, 'encode')(1 / 3), ['0.333'])
  t.same(fn(b, 'encode')(1 / 3), ['0.33333333333333'], 'the other instance keeps its precision')
  t.equal(
    errorOf(() => setindex(a, 'encode', () => [])),
    'Cannot modify cjson.encode. Protected by the sandbox.',
  )
  t.equal(
    errorOf(() => setindex(ARRAY_MT, '__index', new LuaTable())),
    'Cannot modify cjson.array_mt.__index. Protected by the sandbox.',
  )
  t.same([a.get('_NAME'), a.get('_VERSION')], ['cjson', '2.1.0.11'])
})

t.test('cjson.null is the shared NULL light userdata, printed as LuaJIT prints NULL', async (t) => {
  t.equal(newCjson(false).get('null'), NULL)
  t.equal(requireCjson('cjson.safe').get('null'), NULL)
  t.equal(tostring(NULL), 'userdata: NULL')
})

t.test('object keys come out in table order (array part, then insertion order)', async (t) => {
  const { encode } = cjson()
  const x = new LuaTable()
  for (const k of ['zeta', 'alpha', 'mid']) x.set(k, k.length)
  t.equal(encode(x), '{"zeta":4,"alpha":5,"mid":3}')
})

t.test('round trips the documents of lua-cjson tests/example*.json', async (t) => {
  const { encode, decode } = cjson()
  const docs = [
    '{"menu": {"id": "file","value": "File","popup": {"menuitem": [{"value": "New", "onclick": "CreateNewDoc()"},{"value": "Open", "onclick": "OpenDoc()"}]}}}',
    '{"menu": {"header": "SVG Viewer","items": [{"id": "Open"},{"id": "OpenNew", "label": "Open New"},null,{"id": "ZoomIn", "label": "Zoom In"}]}}',
    '[ 0.110001, 0.12345678910111, 0.412454033640, 2.6651441426902, 2.718281828459, 3.1415926535898, 2.1406926327793 ]',
  ]
  for (const doc of docs) {
    const once = decode(doc)
    t.same(plain(decode(encode(once))), plain(once))
  }
  t.equal(encode(decode(docs[2]!)), '[0.110001,0.12345678910111,0.41245403364,2.6651441426902,2.718281828459,3.1415926535898,2.1406926327793]')
})

t.test('budgets: encode and decode are charged, cjson.safe does not swallow a stop', async (t) => {
  const { encode, decode } = cjson()
  const big = new LuaTable(Array.from({ length: 50_000 }, (_, i) => i))
  t.type(
    metered(() => encode(big), { instructions: 10_000 }),
    BudgetExceeded,
    'encoding 50,000 values needs more than 10,000 steps',
  )
  const wide = 'x'.repeat(1 << 20)
  const r = metered(() => encode(wide), { memory: 512 * 1024 })
  t.type(r, BudgetExceeded)
  t.equal((r as BudgetExceeded).what, 'memory')
  t.type(
    metered(() => decode('[' + '1,'.repeat(100_000) + '1]'), { instructions: 10_000 }),
    BudgetExceeded,
  )
  const safe = newCjson(true)
  t.type(
    metered(() => fn(safe, 'encode')(big), { instructions: 10_000 }),
    BudgetExceeded,
    'not turned into nil, err',
  )
  t.equal(
    metered(() => encode(lua({ a: [1, 2, 3] }))),
    '{"a":[1,2,3]}',
    'small work fits the default budget',
  )
})

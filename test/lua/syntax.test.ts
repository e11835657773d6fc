// checkLua / checkLuaExpression: LuaJIT's verdicts and messages without a Lua VM.
import { createRequire } from 'node:module'
import t from 'tap'
import { checkLua, checkLuaExpression, type LuaSyntaxError } from '../../src/lua/syntax/index.js'

// Expectations were taken from LuaJIT 2.1's loadstring on Debian (luajit 2.1.0~beta3+git20220320, `LuaJIT 2.1.0-beta3`):
//   luajit -e 'local f, err = loadstring(io.read("*a")); print(err)' < snippet.lua
// They are written out here, so the tests do not need luajit.
const CHUNKS: [string, LuaSyntaxError | undefined][] = [
  ['return function() kong.response.exit(200) end', undefined],
  ['kong.response.exit(403, { message = "forbidden" })', undefined],
  [
    'local h = kong.request.get_header("x-api-key")\nif not h then\n  return kong.response.exit(401, "no key")\nend\nkong.service.request.set_header("x-key", h)',
    undefined,
  ],
  ['for i = 1, 3 do\n  if i == 2 then goto continue end\n  local x = i * 2\n  ::continue::\nend', undefined],
  ['local bit = require "bit"\nreturn bit.band(0xff, 0x0f) + bit.lshift(1, 4)', undefined],
  ['local n = 1LL + 2ULL + 0x10LL + 3i + 0x1p4 + 1e-3 + .5 + 0xA.8p1 + 0b101', undefined],
  ['local s = [[\nlong]] .. [==[ a ]] b ]==]\n--[[ c\n]] --[==[ d ]==]', undefined],
  ['local e = "\\x41\\65\\u{48}\\z\n   \\n\\t\\\\\\"\\0" .. \'a\\\nb\'', undefined],
  ['local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end', undefined],
  ['local t = {[1]=1, [2]=2; n=2,}\na.b.c, d[1] = t.n, #t', undefined],
  ['while true do break end\nrepeat local x = 1 until x', undefined],
  ['goto done\nlocal z = 1\n::done::', undefined],
  ['::top:: if x then goto top end', undefined],
  ["return (function(...) return select('#', ...) end)(1, 2)", undefined],
  ['f{1, 2}\nf"str"\nf[[long]]\nobj:method"x"', undefined],
  ['local goto = 1\ngoto = goto + 1', undefined],
  ['# shebang line\nreturn 1', undefined],
  ['', undefined],
  ['-- only a comment', undefined],
  ['x = 1\r\ny = 2\r\n', undefined],
  ['local i = 0\nrepeat i = i + 1 if i > 3 then break end until false', undefined],
  ['local a = 1\n\nx = = 2', { line: 3, message: "unexpected symbol near '='", raw: '[string "local a = 1..."]:3: unexpected symbol near \'=\'' }],
  ['x = = 1', { line: 1, message: "unexpected symbol near '='", raw: '[string "x = = 1"]:1: unexpected symbol near \'=\'' }],
  ['x = 1 & 2', { line: 1, message: "unexpected symbol near '&'", raw: '[string "x = 1 & 2"]:1: unexpected symbol near \'&\'' }],
  ['x = 7 // 2', { line: 1, message: "unexpected symbol near '/'", raw: '[string "x = 7 // 2"]:1: unexpected symbol near \'/\'' }],
  ['x = ~1', { line: 1, message: "unexpected symbol near '~'", raw: '[string "x = ~1"]:1: unexpected symbol near \'~\'' }],
  ['x = 1 +', { line: 1, message: "unexpected symbol near '<eof>'", raw: '[string "x = 1 +"]:1: unexpected symbol near \'<eof>\'' }],
  ['x = 1 +\n', { line: 2, message: "unexpected symbol near '<eof>'", raw: '[string "x = 1 +..."]:2: unexpected symbol near \'<eof>\'' }],
  ['x = 1 + + 2', { line: 1, message: "unexpected symbol near '+'", raw: '[string "x = 1 + + 2"]:1: unexpected symbol near \'+\'' }],
  ['$x = 1', { line: 1, message: "unexpected symbol near '$'", raw: '[string "$x = 1"]:1: unexpected symbol near \'$\'' }],
  ['x = 1\u0001', { line: 1, message: "unexpected symbol near 'char(1)'", raw: '[string "x = 1..."]:1: unexpected symbol near \'char(1)\'' }],
  ['local a <const> = 1', { line: 1, message: "unexpected symbol near '<'", raw: '[string "local a <const> = 1"]:1: unexpected symbol near \'<\'' }],
  [
    'f()\n(g)()',
    {
      line: 2,
      message: "ambiguous syntax (function call x new statement) near '('",
      raw: '[string "f()..."]:2: ambiguous syntax (function call x new statement) near \'(\'',
    },
  ],
  ['return 1 2', { line: 1, message: "'<eof>' expected near '2'", raw: "[string \"return 1 2\"]:1: '<eof>' expected near '2'" }],
  ['return return', { line: 1, message: "unexpected symbol near 'return'", raw: '[string "return return"]:1: unexpected symbol near \'return\'' }],
  ['x = 1 end', { line: 1, message: "'<eof>' expected near 'end'", raw: "[string \"x = 1 end\"]:1: '<eof>' expected near 'end'" }],
  ['x', { line: 1, message: "'=' expected near '<eof>'", raw: "[string \"x\"]:1: '=' expected near '<eof>'" }],
  ['x = 1 y', { line: 1, message: "'=' expected near '<eof>'", raw: "[string \"x = 1 y\"]:1: '=' expected near '<eof>'" }],
  ['(x) = 1', { line: 1, message: "syntax error near '='", raw: '[string "(x) = 1"]:1: syntax error near \'=\'' }],
  ['a, f() = 1', { line: 1, message: "syntax error near '='", raw: '[string "a, f() = 1"]:1: syntax error near \'=\'' }],
  ['f(, x)', { line: 1, message: "unexpected symbol near ','", raw: '[string "f(, x)"]:1: unexpected symbol near \',\'' }],
  ['x = {,}', { line: 1, message: "unexpected symbol near ','", raw: '[string "x = {,}"]:1: unexpected symbol near \',\'' }],
  ['if x then', { line: 1, message: "'end' expected near '<eof>'", raw: "[string \"if x then\"]:1: 'end' expected near '<eof>'" }],
  [
    'if x then\n  y = 1\n',
    {
      line: 3,
      message: "'end' expected (to close 'if' at line 1) near '<eof>'",
      raw: "[string \"if x then...\"]:3: 'end' expected (to close 'if' at line 1) near '<eof>'",
    },
  ],
  [
    'return function()\n  kong.response.exit(200)\n',
    {
      line: 3,
      message: "'end' expected (to close 'function' at line 1) near '<eof>'",
      raw: "[string \"return function()...\"]:3: 'end' expected (to close 'function' at line 1) near '<eof>'",
    },
  ],
  [
    'local h = kong.request.get_header("x")\nif h == nil then\n  return kong.response.exit(401)\nelse\n',
    {
      line: 5,
      message: "'end' expected (to close 'if' at line 2) near '<eof>'",
      raw: "[string \"local h = kong.request.get_header(\"x\")...\"]:5: 'end' expected (to close 'if' at line 2) near '<eof>'",
    },
  ],
  [
    'while x do\n',
    {
      line: 2,
      message: "'end' expected (to close 'while' at line 1) near '<eof>'",
      raw: "[string \"while x do...\"]:2: 'end' expected (to close 'while' at line 1) near '<eof>'",
    },
  ],
  [
    'for i = 1, 2 do\n  f(i)\n',
    {
      line: 3,
      message: "'end' expected (to close 'for' at line 1) near '<eof>'",
      raw: "[string \"for i = 1, 2 do...\"]:3: 'end' expected (to close 'for' at line 1) near '<eof>'",
    },
  ],
  [
    'do\n',
    {
      line: 2,
      message: "'end' expected (to close 'do' at line 1) near '<eof>'",
      raw: "[string \"do...\"]:2: 'end' expected (to close 'do' at line 1) near '<eof>'",
    },
  ],
  [
    'repeat\n  x = 1',
    {
      line: 2,
      message: "'until' expected (to close 'repeat' at line 1) near '<eof>'",
      raw: "[string \"repeat...\"]:2: 'until' expected (to close 'repeat' at line 1) near '<eof>'",
    },
  ],
  [
    'kong.response.exit(200, { message = "ok" }',
    { line: 1, message: "')' expected near '<eof>'", raw: '[string "kong.response.exit(200, { message = "ok" }"]:1: \')\' expected near \'<eof>\'' },
  ],
  [
    'f(1,\n2',
    {
      line: 2,
      message: "')' expected (to close '(' at line 1) near '<eof>'",
      raw: "[string \"f(1,...\"]:2: ')' expected (to close '(' at line 1) near '<eof>'",
    },
  ],
  [
    't = {1,\n2',
    {
      line: 2,
      message: "'}' expected (to close '{' at line 1) near '<eof>'",
      raw: "[string \"t = {1,...\"]:2: '}' expected (to close '{' at line 1) near '<eof>'",
    },
  ],
  ['x = a[1', { line: 1, message: "']' expected near '<eof>'", raw: "[string \"x = a[1\"]:1: ']' expected near '<eof>'" }],
  ['if x y = 1 end', { line: 1, message: "'then' expected near 'y'", raw: "[string \"if x y = 1 end\"]:1: 'then' expected near 'y'" }],
  ['while x y() end', { line: 1, message: "'do' expected near 'y'", raw: "[string \"while x y() end\"]:1: 'do' expected near 'y'" }],
  ['for i = 1 do end', { line: 1, message: "',' expected near 'do'", raw: "[string \"for i = 1 do end\"]:1: ',' expected near 'do'" }],
  ['for i do end', { line: 1, message: "'=' or 'in' expected near 'do'", raw: "[string \"for i do end\"]:1: '=' or 'in' expected near 'do'" }],
  ['for a, b do end', { line: 1, message: "'in' expected near 'do'", raw: "[string \"for a, b do end\"]:1: 'in' expected near 'do'" }],
  ['local 1 = 2', { line: 1, message: "'<name>' expected near '1'", raw: "[string \"local 1 = 2\"]:1: '<name>' expected near '1'" }],
  ['local function () end', { line: 1, message: "'<name>' expected near '('", raw: "[string \"local function () end\"]:1: '<name>' expected near '('" }],
  [
    'function f(a, 1) end',
    { line: 1, message: "<name> or '...' expected near '1'", raw: "[string \"function f(a, 1) end\"]:1: <name> or '...' expected near '1'" },
  ],
  ['obj:method', { line: 1, message: "function arguments expected near '<eof>'", raw: '[string "obj:method"]:1: function arguments expected near \'<eof>\'' }],
  [
    'function f() return ... end',
    {
      line: 1,
      message: "cannot use '...' outside a vararg function near '...'",
      raw: "[string \"function f() return ... end\"]:1: cannot use '...' outside a vararg function near '...'",
    },
  ],
  ['x = "abc', { line: 1, message: "unfinished string near '<eof>'", raw: '[string "x = "abc"]:1: unfinished string near \'<eof>\'' }],
  ['x = "abc\ny"', { line: 1, message: "unfinished string near '\"abc'", raw: '[string "x = "abc..."]:1: unfinished string near \'"abc\'' }],
  ['x = [[abc\ndef', { line: 2, message: "unfinished long string near '<eof>'", raw: '[string "x = [[abc..."]:2: unfinished long string near \'<eof>\'' }],
  ['--[[ abc\n', { line: 2, message: "unfinished long comment near '<eof>'", raw: '[string "--[[ abc..."]:2: unfinished long comment near \'<eof>\'' }],
  ['x = [=[ abc ]]', { line: 1, message: "unfinished long string near '<eof>'", raw: '[string "x = [=[ abc ]]"]:1: unfinished long string near \'<eof>\'' }],
  ['x = [=x', { line: 1, message: "invalid long string delimiter near '[='", raw: '[string "x = [=x"]:1: invalid long string delimiter near \'[=\'' }],
  ['x = 3..2', { line: 1, message: "malformed number near '3..2'", raw: '[string "x = 3..2"]:1: malformed number near \'3..2\'' }],
  ['x = 1y = 2', { line: 1, message: "malformed number near '1y'", raw: '[string "x = 1y = 2"]:1: malformed number near \'1y\'' }],
  ['x = 0x', { line: 1, message: "malformed number near '0x'", raw: '[string "x = 0x"]:1: malformed number near \'0x\'' }],
  ['x = 1e+', { line: 1, message: "malformed number near '1e+'", raw: '[string "x = 1e+"]:1: malformed number near \'1e+\'' }],
  ['x = 1.5LL', { line: 1, message: "malformed number near '1.5LL'", raw: '[string "x = 1.5LL"]:1: malformed number near \'1.5LL\'' }],
  ['x = "\\q"', { line: 1, message: "invalid escape sequence near '\"'", raw: '[string "x = "\\q""]:1: invalid escape sequence near \'"\'' }],
  ['x = "abc\\400"', { line: 1, message: "invalid escape sequence near '\"abc'", raw: '[string "x = "abc\\400""]:1: invalid escape sequence near \'"abc\'' }],
  ['x = "\\x4g"', { line: 1, message: "invalid escape sequence near '\"'", raw: '[string "x = "\\x4g""]:1: invalid escape sequence near \'"\'' }],
  ['x = "\\u{110000}"', { line: 1, message: "invalid escape sequence near '\"'", raw: '[string "x = "\\u{110000}""]:1: invalid escape sequence near \'"\'' }],
  ['break', { line: 1, message: 'no loop to break', raw: '[string "break"]:1: no loop to break' }],
  ['do break end x = = 1', { line: 1, message: "unexpected symbol near '='", raw: '[string "do break end x = = 1"]:1: unexpected symbol near \'=\'' }],
  ['goto l', { line: 1, message: "undefined label 'l'", raw: '[string "goto l"]:1: undefined label \'l\'' }],
  ['if x then goto out end', { line: 1, message: "undefined label 'out'", raw: '[string "if x then goto out end"]:1: undefined label \'out\'' }],
  ['::a:: ::a::', { line: 1, message: "duplicate label 'a'", raw: '[string "::a:: ::a::"]:1: duplicate label \'a\'' }],
  [
    'repeat\n  if c then goto skip end\n  local x = 1\n  ::skip::\nuntil x',
    { line: 2, message: "<goto skip> jumps into the scope of local 'x'", raw: '[string "repeat..."]:2: <goto skip> jumps into the scope of local \'x\'' },
  ],
  [
    'while true do\n  goto done\n  local x = 1\n  ::done::\n  x = 2\nend',
    {
      line: 2,
      message: "<goto done> jumps into the scope of local 'x'",
      raw: '[string "while true do..."]:2: <goto done> jumps into the scope of local \'x\'',
    },
  ],
  ['local f = function() break end', { line: 1, message: 'no loop to break', raw: '[string "local f = function() break end"]:1: no loop to break' }],
  [`x = ${'('.repeat(150)}1${')'.repeat(150)}`, undefined],
  [
    `x = ${'('.repeat(250)}1${')'.repeat(250)}`,
    {
      line: 1,
      message: 'chunk has too many syntax levels',
      raw: '[string "x = (((((((((((((((((((((((((((((((((((((((((..."]:1: chunk has too many syntax levels',
    },
  ],
  [
    `x = ${'('.repeat(100_000)}`,
    {
      line: 1,
      message: 'chunk has too many syntax levels',
      raw: '[string "x = (((((((((((((((((((((((((((((((((((((((((..."]:1: chunk has too many syntax levels',
    },
  ],
  [
    'do '.repeat(300) + 'end '.repeat(300),
    {
      line: 1,
      message: 'chunk has too many syntax levels',
      raw: '[string "do do do do do do do do do do do do do do do ..."]:1: chunk has too many syntax levels',
    },
  ],
  [
    'x = = 12345678901234567890123456789012345678',
    { line: 1, message: "unexpected symbol near '='", raw: '[string "x = = 12345678901234567890123456789012345678"]:1: unexpected symbol near \'=\'' },
  ],
  [
    'x = = 123456789012345678901234567890123456789',
    { line: 1, message: "unexpected symbol near '='", raw: '[string "x = = 123456789012345678901234567890123456789"]:1: unexpected symbol near \'=\'' },
  ],
  [
    'x = = 1234567890123456789012345678901234567890',
    { line: 1, message: "unexpected symbol near '='", raw: '[string "x = = 1234567890123456789012345678901234567890"]:1: unexpected symbol near \'=\'' },
  ],
  ['\tx = = 1', { line: 1, message: "unexpected symbol near '='", raw: '[string "..."]:1: unexpected symbol near \'=\'' }],
  ['=named = 1', { line: 1, message: "unexpected symbol near '='", raw: "named = 1:1: unexpected symbol near '='" }],
]

// checkLuaExpression wraps the expression as `return (EXPR\n)`; LuaJIT's answers for that chunk.
const EXPRESSIONS: [string, LuaSyntaxError | undefined][] = [
  ['headers.x or', { line: 2, message: "unexpected symbol near ')'", raw: '[string "return (headers.x or..."]:2: unexpected symbol near \')\'' }],
  ['headers.x or "y"', undefined],
  ["'a' .. (headers.x or 'none')", undefined],
  ['query["a"] + 1', undefined],
  ['a b', { line: 1, message: "')' expected near 'b'", raw: "[string \"return (a b...\"]:1: ')' expected near 'b'" }],
  ['1 +', { line: 2, message: "unexpected symbol near ')'", raw: '[string "return (1 +..."]:2: unexpected symbol near \')\'' }],
  [')', { line: 1, message: "unexpected symbol near ')'", raw: '[string "return ()..."]:1: unexpected symbol near \')\'' }],
  [
    'f(',
    {
      line: 2,
      message: "')' expected (to close '(' at line 1) near '<eof>'",
      raw: "[string \"return (f(...\"]:2: ')' expected (to close '(' at line 1) near '<eof>'",
    },
  ],
  ['x = 1', { line: 1, message: "')' expected near '='", raw: "[string \"return (x = 1...\"]:1: ')' expected near '='" }],
  [
    '"unfinished',
    { line: 1, message: "unfinished string near '\"unfinished'", raw: '[string "return ("unfinished..."]:1: unfinished string near \'"unfinished\'' },
  ],
]

// Read before any check runs: importing the module must not have loaded luaparse.
const require = createRequire(import.meta.url)
const luaparseLoaded = (): boolean => require.cache[require.resolve('luaparse')] !== undefined
const loadedOnImport = luaparseLoaded()

t.test('luaparse is loaded by the first check, not by the import', async (t) => {
  t.equal(loadedOnImport, false, 'not loaded when the module was imported')
  t.equal(checkLua('return 1'), undefined)
  t.equal(luaparseLoaded(), true, 'loaded by the first check')
})

t.test('chunks: the verdict, line and message LuaJIT gives', async (t) => {
  for (const [source, expected] of CHUNKS) t.same(checkLua(source), expected, JSON.stringify(source.length > 70 ? `${source.slice(0, 70)}...` : source))
})

t.test('expressions: checked as the engine compiles them', async (t) => {
  for (const [expr, expected] of EXPRESSIONS) t.same(checkLuaExpression(expr), expected, JSON.stringify(expr))
})

t.test('the messages existing validation tests rely on', async (t) => {
  t.strictSame(checkLua('local a = 1\n\nx = = 2'), {
    line: 3,
    message: "unexpected symbol near '='",
    raw: `[string "local a = 1..."]:3: unexpected symbol near '='`,
  })
  t.match(checkLuaExpression('headers.x or'), { line: 2, message: "unexpected symbol near ')'" })
  t.equal(checkLuaExpression('headers.x or "y"'), undefined)
})

t.test('deeply nested input neither throws nor hangs', async (t) => {
  const deep = [
    '('.repeat(100_000),
    `x = ${'{'.repeat(20_000)}`,
    `x = ${'- '.repeat(20_000)}1`,
    `x = ${Array(20_000).fill('a').join(' .. ')}`,
    'do '.repeat(20_000),
    `x = ${'(\n'.repeat(3000)}`,
  ]
  for (const source of deep) {
    const started = Date.now()
    const e = checkLua(source)
    t.match(e, { message: 'chunk has too many syntax levels' }, source.slice(0, 12))
    t.ok(Date.now() - started < 20_000, 'in reasonable time')
  }
  // LuaJIT stops at its 200th level: line 199 here, one '(' per line after `x = (`
  t.match(checkLua(`x = ${'(\n'.repeat(3000)}`), { line: 199 })
  // long flat input is not nesting
  t.equal(checkLua(`x = ${Array(20_000).fill('a').join(' + ')}`), undefined)
  t.equal(checkLua('x = 1\n'.repeat(20_000)), undefined)
})

t.test('never throws: every prefix of the chunks above gets a verdict', async (t) => {
  let checked = 0
  for (const [source] of CHUNKS) {
    if (source.length > 400) continue
    for (let i = 0; i <= source.length; i++) {
      const e = checkLua(source.slice(0, i))
      checked++
      if (e && !(e.line >= 1 && e.raw.endsWith(`:${e.line}: ${e.message}`)))
        t.fail(`bad result for ${JSON.stringify(source.slice(0, i))}: ${JSON.stringify(e)}`)
    }
  }
  const bytes = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))
  for (const source of [bytes, '\ud800 = 1', '\u001bLuaQ', '@file.lua = =', 'x = "\\u{7fffffff}"']) {
    t.doesNotThrow(() => checkLua(source), JSON.stringify(source.slice(0, 20)))
    checked++
  }
  t.ok(checked > 1000, `${checked} sources checked`)
})

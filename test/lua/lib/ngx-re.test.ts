// ngx.re.match/find/gmatch/sub/gsub: OpenResty's API (lua-nginx-module README, lua-resty-core regex.lua)
// over our metered PCRE engine, and the engine itself against libpcre2 (fixtures/pcre2-cases.json,
// made by fixtures/pcre2-fixture.mjs with fixtures/pcre2-oracle.py).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { BudgetExceeded } from '../../../src/lua/core/errors.js'
import { LuaTable, type LuaFunction, type LuaValue } from '../../../src/lua/core/value.js'
import { compileRegex, execRegex, newSlots } from '../../../src/lua/lib/ngx/pcre/index.js'
import { find, gmatch, gsub, match, regexCacheSize, sub } from '../../../src/lua/lib/ngx/re.js'
import { errorOf, lua, metered, plain } from './helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const H = '\xe7\xbe\x8e\xe5\xa5\xbd\xe7\x94\x9f\xe6\xb4\xbb' // 美好生活 as UTF-8 bytes

interface Case {
  s: string
  p: string
  o: string
  start: number
  pcre2: unknown
  ours?: unknown
  why?: string
}

function engine(c: Case): unknown {
  const flags = {
    caseless: c.o.includes('i'),
    multiline: c.o.includes('m'),
    dotall: c.o.includes('s'),
    extended: c.o.includes('x'),
    utf: /[uU]/.test(c.o),
    dupnames: c.o.includes('D'),
    jsCompat: c.o.includes('J'),
    anchored: c.o.includes('a'),
    dfa: c.o.includes('d'),
    noUtfCheck: c.o.includes('U'),
  }
  const re = compileRegex(c.p, flags)
  if (typeof re === 'string') return { err: re }
  const slots = newSlots(re)
  const rc = execRegex(re, c.s, c.start, slots)
  if (rc === 0) return { ov: null }
  if (rc < 0) return { rc }
  return { ov: Array.from({ length: re.ncap + 1 }, (_, k) => (slots[2 * k]! < 0 || slots[2 * k + 1]! < 0 ? null : [slots[2 * k], slots[2 * k + 1]])) }
}

t.test('the engine agrees with libpcre2 (stored results; live when python3 and libpcre2 are here)', async (t) => {
  const fixture = JSON.parse(readFileSync(join(here, 'fixtures/pcre2-cases.json'), 'utf8')) as { pcre2: string; cases: Case[] }
  t.ok(fixture.cases.length >= 400)
  for (const c of fixture.cases)
    t.same(engine(c), c.ours ?? c.pcre2, `${JSON.stringify(c.p)} /${c.o} on ${JSON.stringify(c.s)}${c.why ? ` (differs: ${c.why})` : ''}`)
  let version: string | undefined
  try {
    version = execFileSync('python3', [join(here, 'fixtures/pcre2-oracle.py'), 'version'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
  } catch {
    version = undefined
  }
  if (version !== fixture.pcre2) {
    t.comment(`NOT CHECKED: libpcre2 ${fixture.pcre2} not available for the live comparison (found: ${version ?? 'none'})`)
    return
  }
  const input = JSON.stringify(fixture.cases.map((c) => [c.s, c.p, c.o, c.start]))
  const live = JSON.parse(execFileSync('python3', [join(here, 'fixtures/pcre2-oracle.py')], { input, maxBuffer: 1e8 }).toString())
  t.same(
    live,
    fixture.cases.map((c) => c.pcre2),
    'the stored results are what libpcre2 gives',
  )
})

const call = (f: LuaFunction, ...args: unknown[]) => f(...args.map(lua))
const m0 = (r: LuaValue[]) => plain(r[0])

t.test('match: captures table with [0], numbered and named groups, false when unset (README)', async (t) => {
  t.same(m0(call(match, 'hello, 1234', '[0-9]+')), { 0: '1234' })
  t.same(m0(call(match, 'hello, 1234', '([0-9])[0-9]+')), { 0: '1234', 1: '1' })
  t.same(m0(call(match, 'hello, 1234', '([0-9])(?<remaining>[0-9]+)')), { 0: '1234', 1: '1', 2: '234', remaining: '234' })
  t.same(m0(call(match, 'hello, world', '(world)|(hello)|(?<named>howdy)')), { 0: 'hello', 1: false, 2: 'hello', 3: false, named: false })
  t.same(m0(call(match, 'hello, world', 'HEL LO', 'ix')), { 0: 'hello' })
  t.same(m0(call(match, 'hello, ' + H, 'HELLO, (.{2})', 'iu')), { 0: 'hello, \xe7\xbe\x8e\xe5\xa5\xbd', 1: '\xe7\xbe\x8e\xe5\xa5\xbd' })
  t.same(m0(call(match, 'hello, ' + H, 'HELLO, (.{2})', 'i')), { 0: 'hello, \xe7\xbe', 1: '\xe7\xbe' }, 'without u, a character is a byte')
  t.same(call(match, 'hello', '[0-9]+'), [undefined], 'no match: nil')
  t.same(m0(call(match, 123, '2')), { 0: '2' }, 'the subject goes through tostring')
})

t.test('match: ctx.pos and res_table (README)', async (t) => {
  const ctx = new LuaTable()
  t.same(m0(match('1234, hello', '[0-9]+', '', ctx)), { 0: '1234' })
  t.equal(ctx.get('pos'), 5)
  const ctx2 = lua({ pos: 2 }) as LuaTable
  t.same(m0(match('1234, hello', '[0-9]+', '', ctx2)), { 0: '234' })
  t.equal(ctx2.get('pos'), 5)
  const failed = lua({ pos: 3 }) as LuaTable
  t.same(match('ab', 'x', '', failed), [undefined])
  t.equal(failed.get('pos'), 3, 'left intact when there is no match')
  const lexer = lua({ pos: 1 }) as LuaTable
  const tokens: LuaValue[] = []
  for (;;) {
    const m = match('let x = 42', '\\s*(\\w+|=)', 'a', lexer)[0]
    if (!(m instanceof LuaTable)) break
    tokens.push(m.get(1))
  }
  t.same(tokens, ['let', 'x', '=', '42'], 'ctx with the a option is a lexer')
  const res = new LuaTable()
  const got = match('hello, 1234', '([0-9])[0-9]+', '', undefined, res)[0]
  t.equal(got, res, 'res_table is filled and returned')
  t.same(plain(res), { 0: '1234', 1: '1' })
  t.same(match('abc', 'a', '', lua({ pos: 5 })), [undefined, 'pcre_exec() failed: -33'], 'a start past the end')
})

t.test('find: from/to, nth (README)', async (t) => {
  t.same(call(find, 'hello, 1234', '([0-9]+)', 'jo'), [8, 11])
  t.same(call(find, 'hello, 1234', '([0-9])([0-9]+)', 'jo', null, 2), [9, 11])
  t.same(call(find, 'hello, 1234', '([0-9])|(x)', 'jo', null, 2), [undefined, undefined], 'an unmatched group')
  t.same(call(find, 'hello, 1234', '([0-9])', 'jo', null, 3), [undefined, undefined, 'nth out of bound'])
  t.same(call(find, 'hello', '[0-9]+'), [undefined])
  t.same(call(find, 'ab', ''), [1, 0], 'an empty match at the start')
  const ctx = new LuaTable()
  t.same(find('a1b2', '[0-9]', '', ctx), [2, 2])
  t.same(find('a1b2', '[0-9]', '', ctx), [4, 4])
  t.equal(ctx.get('pos'), 5)
})

t.test('gmatch: an iterator over the matches (README)', async (t) => {
  const it = call(gmatch, 'hello, world!', '([a-z]+)', 'i')[0] as LuaFunction
  t.same(m0(it()), { 0: 'hello', 1: 'hello' })
  t.same(m0(it()), { 0: 'world', 1: 'world' })
  t.same(it(), [undefined])
  t.same(it(), [undefined], 'stays exhausted')
  const empties = call(gmatch, 'ab', 'x*')[0] as LuaFunction
  const seen: unknown[] = []
  for (let r = empties(); r[0] !== undefined; r = empties()) seen.push(plain(r[0]))
  t.same(seen, [{ 0: '' }, { 0: '' }, { 0: '' }], 'after an empty match the next search starts one byte on')
  t.same(call(gmatch, 'x', '('), [undefined, 'pcre2_compile() failed: missing closing parenthesis in "("'])
})

t.test('sub and gsub with templates (README)', async (t) => {
  t.same(call(sub, 'hello, 1234', '([0-9])[0-9]', '[$0][$1]'), ['hello, [12][1]34', 1])
  t.same(call(sub, 'hello, 1234', '[0-9]', '${0}00'), ['hello, 100234', 1])
  t.same(call(sub, 'hello, 1234', '[0-9]', '$$'), ['hello, $234', 1])
  t.same(call(gsub, 'hello, world', '([a-z])[a-z]+', '[$0,$1]', 'i'), ['[hello,h], [world,w]', 2])
  t.same(call(gsub, 'hello', 'x', 'y'), ['hello', 0], 'no match: the subject and 0')
  t.same(call(gsub, 'abc', '(b)', '$1$9|${1}x'), ['ab|bxc', 1], 'a group the regex lacks is empty')
  t.same(call(gsub, 'abc', '(((((((((((b)))))))))))', '<$11>'), ['a<b>c', 1], 'several digits name one group')
  t.same(call(gsub, 'a1', '[0-9]', 7), ['a7', 1], 'a non-string replacement goes through tostring')
  for (const bad of ['$', 'x$', '${name}', '$a', '${1', '${}', '${1x}'])
    t.same(call(gsub, 'abc', 'b', bad), [undefined, undefined, 'failed to compile the replacement template'], JSON.stringify(bad))
})

t.test('sub and gsub with a function (README)', async (t) => {
  const f: LuaFunction = (m) => ['[' + ((m as LuaTable).get(0) as string) + '][' + ((m as LuaTable).get(1) as string) + ']']
  t.same(sub('hello, 1234', '( [0-9] ) [0-9]', f, 'x'), ['hello, [12][1]34', 1])
  const g: LuaFunction = (m) => ['[' + ((m as LuaTable).get(0) as string) + ',' + ((m as LuaTable).get(1) as string) + ']']
  t.same(gsub('hello, world', '([a-z])[a-z]+', g, 'i'), ['[hello,h], [world,w]', 2])
  t.same(
    gsub('a1b2', '[0-9]', () => []),
    ['anilbnil', 2],
    'a function returning nothing inserts "nil" (resty.core applies tostring)',
  )
  t.same(
    gsub('a1', '(?<d>[0-9])', (m) => [(m as LuaTable).get('d')]),
    ['a1', 1],
    'named captures reach the function',
  )
  t.same(
    gsub('$1', '1', () => ['$0']),
    ['$$0', 1],
    'a function result is not a template',
  )
  t.same(
    gsub('a1b2', '[0-9]', (m) => [match('x9', '[0-9]')[0] instanceof LuaTable ? `<${(m as LuaTable).get(0) as string}>` : '?']),
    ['a<1>b<2>', 2],
    'the function may search again with the same regex',
  )
  const ctx = new LuaTable()
  const meta = new LuaTable()
  meta.set('__newindex', (t: LuaValue, k: LuaValue, v: LuaValue) => {
    match('zz', '(z)')
    ;(t as LuaTable).set(k, v)
    return []
  })
  ctx.metatable = meta
  t.same(m0(match('az', '(z)', '', ctx)), { 0: 'z', 1: 'z' }, "ctx.pos's __newindex may search again")
  t.equal(ctx.get('pos'), 3)
})

t.test('gsub: empty matches advance one byte (resty.core), as Perl does', async (t) => {
  t.same(call(gsub, 'abc', 'x*', '-'), ['-a-b-c-', 4])
  t.same(call(gsub, 'baaac', 'a*', '-'), ['-b--c-', 4])
  t.same(call(gsub, '', '^', 'x'), ['x', 1])
  t.same(call(gsub, 'a\nb\n', '^', '> ', 'm'), ['> a\n> b\n', 2])
  t.same(
    call(gsub, 'a\xe5\xa5\xbd', '', '-', 'u'),
    [undefined, undefined, 'pcre_exec() failed: -36'],
    'in UTF mode the next byte may be inside a character, as in OpenResty',
  )
})

t.test('errors: bad regexes give nil, err; bad options and arguments raise (resty.core)', async (t) => {
  const msg = 'pcre2_compile() failed: missing closing parenthesis in "(a"'
  t.same(call(match, 'x', '(a'), [undefined, msg])
  t.same(call(find, 'x', '(a'), [undefined, undefined, msg])
  t.same(call(sub, 'x', '(a', ''), [undefined, undefined, msg])
  t.same(call(gsub, 'x', '(a', ''), [undefined, undefined, msg])
  t.same(call(match, 'x', 'a{2,1}'), [undefined, 'pcre2_compile() failed: numbers out of order in {} quantifier in "a{2,1}" at "}"'])
  t.equal(
    errorOf(() => call(match, 'x', 'x', 'z')),
    'unknown flag "z" (flags "z")',
  )
  t.equal(
    errorOf(() => call(match, 'x', 'x', 'jz')),
    'unknown flag "z" (flags "jz")',
  )
  t.equal(
    errorOf(() => call(match, 'x', null)),
    "attempt to get length of local 'regex' (a nil value)",
  )
  t.equal(
    errorOf(() => call(match, 'x', 12)),
    "attempt to get length of local 'regex' (a number value)",
  )
  t.same(call(match, '\xff', '.', 'u'), [undefined, 'pcre_exec() failed: -23'], 'invalid UTF-8 subject (PCRE2_ERROR_UTF8_ERR21)')
  t.same(m0(call(match, '\xff', '.', 'U')), { 0: '\xff' }, 'U skips the check')
  t.same(call(match, 'x', '\xff', 'u'), [undefined, 'pcre2_compile() failed: UTF-8 error: illegal byte (0xfe or 0xff) in "\xff" at "\xff"'])
  t.same(call(match, 'x', '((?:ab){300}){300}'), [undefined, 'pcre2_compile() failed: regular expression is too large in "((?:ab){300}){300}"'])
  t.type(
    metered(() => call(match, 'x', '((?:ab){300}){20}'), { instructions: 5000 }),
    BudgetExceeded,
    'compiling charges every instruction emitted',
  )
  t.same(call(match, 'x', 'a(?R)'), [undefined, 'pcre2_compile() failed: recursion is not supported by this gateway\'s regex engine in "a(?R)" at ")"'])
})

t.test('options: a, d, D, J, m, s, x, o (README)', async (t) => {
  t.same(call(match, 'xabc', 'abc', 'a'), [undefined], 'a: anchored at the start position')
  t.same(m0(match('xabc', 'abc', 'a', lua({ pos: 2 }))), { 0: 'abc' })
  t.same(m0(call(match, 'longest', 'long|longest', 'd')), { 0: 'longest' }, 'd: the longest match')
  t.same(m0(call(match, 'ab', '(a)(b)', 'd')), { 0: 'ab' }, 'd: no groups')
  t.same(m0(call(match, 'hello, world', '(?<named>\\w+), (?<named>\\w+)', 'D')), {
    0: 'hello, world',
    1: 'hello',
    2: 'world',
    named: { 1: 'hello', 2: 'world' },
  })
  t.same(m0(call(match, 'b', '(?<n>a)|(?<n>b)', 'D')), { 0: 'b', 1: false, 2: 'b', n: { 1: 'b' } }, 'D leaves unmatched groups out')
  t.same(call(match, 'ab', '(?<n>a)(?<n>b)'), [
    undefined,
    'pcre2_compile() failed: two named subpatterns have the same name (PCRE2_DUPNAMES not set) in "(?<n>a)(?<n>b)" at "b)"',
  ])
  t.same(m0(call(match, 'A', '\\u0041', 'J')), { 0: 'A' }, 'J: \\u escapes')
  t.same(m0(call(match, 'a\nb', '^b$', 'm')), { 0: 'b' })
  t.same(m0(call(match, 'a\nb', 'a.b', 's')), { 0: 'a\nb' })
  t.same(m0(call(match, 'ab', 'a b # comment', 'x')), { 0: 'ab' })
  const before = regexCacheSize()
  for (let i = 0; i < 3; i++) call(match, 'x', 'cache-me-once', 'jo')
  t.equal(regexCacheSize(), before + 1, 'o: compiled once')
  for (let i = 0; i < 1100; i++) call(match, 'x', `p${i}`, 'o')
  t.equal(regexCacheSize(), 1024, 'the cache is bounded (lua_regex_cache_max_entries)')
})

t.test('PCRE features JS RegExp lacks', async (t) => {
  t.same(call(match, 'aaa', 'a++a'), [undefined], 'possessive quantifier')
  t.same(call(match, 'aaab', '(?>a+)ab'), [undefined], 'atomic group')
  t.same(m0(call(match, 'foo\n', 'foo\\Z')), { 0: 'foo' })
  t.same(call(match, 'foo\n', 'foo\\z'), [undefined])
  t.same(m0(call(match, 'x AbC', '\\A\\w (?i)abc')), { 0: 'x AbC' }, '\\A and an inline option')
  t.same(m0(call(match, 'a\tb', 'a\\hb')), { 0: 'a\tb' }, '\\h')
  t.same(m0(call(match, 'a\r\nb', 'a\\Rb')), { 0: 'a\r\nb' }, '\\R')
  t.same(m0(call(match, 'price: 42', 'price: \\K\\d+')), { 0: '42' }, '\\K')
  t.same(m0(call(match, 'A', '\\101')), { 0: 'A' }, 'octal')
  t.same(m0(call(match, 'ab', '(a)?(?(1)b|c)')), { 0: 'ab', 1: 'a' }, 'conditional')
  t.same(m0(call(match, 'a.b', '\\Q.\\E')), { 0: '.' }, '\\Q...\\E')
})

t.test('catastrophic backtracking is metered: the run stops, the event loop does not stall', async (t) => {
  const evil: [string, string][] = [
    ['a'.repeat(40) + '!', '^(a+)+$'],
    ['a'.repeat(40) + '!', '(a|aa)+$'],
    ['z' + 'x'.repeat(40) + 'y', '(x+x+)+z'],
    ['><' + 'a'.repeat(3000), '<(?:a|a)*>'],
  ]
  for (const [s, p] of evil) {
    const r = metered(() => call(match, s, p))
    t.type(r, BudgetExceeded, `${p} under the default budget`)
    t.equal((r as BudgetExceeded).what, 'instructions')
  }
  t.same(call(match, 'a'.repeat(30) + '!', '^(a+)+$'), [undefined, 'pcre_exec() failed: -47'], 'unmetered, PCRE2s match limit answers')
  t.same(call(match, 'x'.repeat(24), '(x+x+)+y'), [undefined], 'a subject without the required "y" is refused at once, as PCRE2 does')
  t.same(
    metered(() => m0(call(match, 'a'.repeat(1000) + 'b', 'a+b'))),
    { 0: 'a'.repeat(1000) + 'b' },
    'linear work fits',
  )
  const big = 'ab'.repeat(100_000)
  t.type(
    metered(() => call(gsub, big, 'a', 'xyz'), { memory: 256 * 1024 }),
    BudgetExceeded,
    'gsub output is charged as memory',
  )
})

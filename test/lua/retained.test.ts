// The bound on what Lua keeps between requests (src/lua/retained-state.ts, src/lua/core/retained.ts).
// Kong keeps a chunk's globals and the upvalues of the function it returned per worker, with no
// bound; the old engine's process reached 1 GB after 120 requests of a snippet appending to them.
// Here the state is measured now and then and a chunk over the bound starts afresh. The bound is
// set to 1 MiB so that each test needs a few MiB, not hundreds (test/lua/attacks.test.ts has the
// default 32 MiB against a running gateway).
import t from 'tap'
import { compile, coroutineLib } from '../../src/lua/compiler/index.js'
import { RetainedWalk, type KeptThread } from '../../src/lua/core/retained.js'
import { LuaTable, type LuaFunction, type LuaValue } from '../../src/lua/core/value.js'
import { DEFAULT_LIMITS, createLuaEngine, luaGlobals, setLuaLimits, type SyncLuaChunk } from '../../src/lua/engine.js'
import type { Kit } from '../../src/plugins/types.js'

const LIMIT = 1024 * 1024
setLuaLimits({ retained: LIMIT })
t.teardown(() => setLuaLimits(DEFAULT_LIMITS))

const logged: string[] = []
const engine = createLuaEngine({ log: (level, msg) => logged.push(`${level}: ${msg}`) })
const request = () => ({ request: { body: async () => Buffer.alloc(0) }, shared: {}, requestId: 'r' }) as unknown as Kit

/** Runs `c` for a new request: the number it answered (kong.response.exit(200, n)), or its error. */
function run(c: SyncLuaChunk, kit = request()): number | string {
  try {
    const exit = c.runSync(kit)
    return Number(exit?.body?.toString())
  } catch (e) {
    return (e as Error).message
  }
}

const RESET = (name: string) => `Lua state kept between requests by ${name} passed 1 MiB: its globals and upvalues were reset`
// 64 KiB more kept per run, a distinct string each time.
const GROW = 'string.rep("x", 65536) .. n'
const ANSWER = 'kong.response.exit(200, tostring(n))'

t.test('the walk counts tables, strings, upvalues and suspended coroutines, not library tables', async (t) => {
  const walk = () => new RetainedWalk()
  const strings = new LuaTable(['a'.repeat(1000), 'b'.repeat(2000)])
  t.equal(walk().measure([strings], Infinity), 64 + 2 * 16 + 3000, 'a table: itself, its slots, its strings')
  const cycle = new LuaTable()
  cycle.setStr('self', cycle)
  t.equal(walk().measure([cycle], Infinity), 64 + 16 + 4, 'a cycle is counted once')
  const env = new LuaTable()
  const meta = new LuaTable()
  meta.setStr('__index', luaGlobals())
  env.metatable = meta
  t.equal(walk().measure([env], Infinity), 2 * 64 + 16 + 7, "a chunk's globals: the sandbox behind them is the process's")

  const scratch = new LuaTable()
  const returned = compile('local kept = { ("z"):rep(5000) } return function() return #kept end', '=closure', scratch)()[0]
  t.equal(walk().measure([returned], Infinity), 64 + 16 + 64 + 16 + 5000, 'a closure: its upvalue, the table in it, the string in that')
  const nested = compile('local s = ("q"):rep(3000) local function f() return function() return s end end return f', '=nested', scratch)()[0]
  t.ok(walk().measure([nested], Infinity) >= 3000, 'an upvalue a nested closure uses is an upvalue of the outer one too')
  const co = coroutineLib().getStr('create') as LuaFunction
  const thread = co((() => []) as LuaFunction)[0] as LuaValue & KeptThread
  thread.kept = 10_000
  t.ok(walk().measure([thread], Infinity) >= 10_000, 'a coroutine: what it allocated while it ran')
  const big = new LuaTable(Array.from({ length: 100_000 }, () => 'x'.repeat(100)))
  const early = walk().measure([big], 1000)
  t.ok(early > 1000 && early < 64 + 16 * 100_000 + 100, `a walk stops once past its limit, before the table's strings (${early})`)
})

t.test('state kept in globals is reset past the bound; the chunk starts from nothing', async (t) => {
  const c = engine.compile(`kept = kept or {} local n = #kept + 1 kept[n] = ${GROW} return ${ANSWER}`, 'globals')
  const got: (number | string)[] = []
  for (let i = 0; i < 40; i++) got.push(run(c))
  const reset = got.indexOf(RESET('globals'))
  t.ok(reset > 0, `reset after ${reset} runs (${got.join(' ')})`)
  t.ok(reset * 65536 <= LIMIT + 4 * 1024 * 1024 + 65536, 'within one look (4 MiB) of the bound')
  t.equal(got[reset + 1], 1, 'the next run finds empty globals')
})

t.test('state kept in upvalues of the function a chunk returned is reset; its factory runs again', async (t) => {
  const c = engine.compile(
    `local kept = {} local function make() local deeper = {} return function() local n = #deeper + 1 deeper[n] = ${GROW} kept[n] = deeper[n] return ${ANSWER} end end return make()`,
    'upvalues',
  )
  const got: (number | string)[] = []
  for (let i = 0; i < 80; i++) got.push(run(c))
  const reset = got.indexOf(RESET('upvalues'))
  t.ok(reset > 0, `reset after ${reset} runs`)
  t.equal(got[reset + 1], 1, 'the chunk ran as on its first request: a new function, new upvalues')
})

t.test('a suspended coroutine counts as what it allocated while it ran', async (t) => {
  const c = engine.compile(
    `co = co or coroutine.wrap(function() local kept = {} while true do local n = #kept + 1 kept[n] = ${GROW} coroutine.yield(n) end end) local n = co() return ${ANSWER}`,
    'coroutine',
  )
  const got: (number | string)[] = []
  for (let i = 0; i < 80; i++) got.push(run(c))
  const reset = got.indexOf(RESET('coroutine'))
  t.ok(reset > 0, `reset after ${reset} runs`)
  t.equal(got[reset + 1], 1, 'a new coroutine after the reset')
})

t.test('an expression that assigns its own globals is bounded too', async (t) => {
  const e = engine.compileExpression(`(function() kept = kept or {} local n = #kept + 1 kept[n] = ${GROW} return n end)()`)
  const got: unknown[] = []
  for (let i = 0; i < 80; i++) {
    try {
      got.push(e.evaluateSync(undefined))
    } catch (err) {
      got.push((err as Error).message)
    }
  }
  const reset = got.indexOf(RESET('expression'))
  t.ok(reset > 0, `reset after ${reset} runs`)
  t.equal(got[reset + 1], 1, 'the next rendering finds empty globals')
})

t.test("one chunk growing another's state through a closure in ngx.ctx: the other is reset and logged", async (t) => {
  // A leaves a closure over its own table in ngx.ctx; B, later in the same request, feeds it.
  const a = engine.compile('kept = kept or {} local n = #kept ngx.ctx.add = function(v) kept[#kept + 1] = v end return ' + ANSWER, 'owner')
  const b = engine.compile(`local n = 0 for i = 1, 4 do ngx.ctx.add(string.rep("y", 65536) .. i .. math.random()) end`, 'feeder')
  const from = logged.length
  let most = 0
  for (let i = 0; i < 200; i++) {
    const kit = request()
    const n = run(a, kit)
    if (typeof n === 'number') most = Math.max(most, n)
    run(b, kit)
  }
  t.ok(
    logged.slice(from).some((l) => l === `error: ${RESET('owner')}`),
    "the owner was reset, found by the feeder's runs, and its engine logged it",
  )
  t.ok(most * 65536 <= 2 * LIMIT + 4 * 1024 * 1024 + 4 * 65536, `it never held more than the bound, a look and a run (${most} x 64 KiB)`)
})

t.test('a chunk keeping what the host hands it (request bodies) is looked at by those bytes, not by its run count', async (t) => {
  // Each run creates one table slot; the 64 KiB body it keeps is the host's. Without counting it,
  // the first look would come after 1,000 runs: 64 MiB kept against a 1 MiB bound.
  const c = engine.compile('kept = kept or {} local n = #kept + 1 kept[n] = kong.request.get_raw_body() return ' + ANSWER, 'bodies')
  const body = Buffer.alloc(65536, 'b')
  const got: (number | string)[] = []
  for (let i = 0; i < 120; i++) {
    const kit = { request: { body: async () => body }, shared: {}, requestId: 'r' } as unknown as Kit
    try {
      got.push(Number((await c.run(kit))?.body?.toString()))
    } catch (e) {
      got.push((e as Error).message)
    }
  }
  const reset = got.indexOf(RESET('bodies'))
  t.ok(reset > 0 && reset * 65536 <= LIMIT + 4 * 1024 * 1024 + 65536, `reset after ${reset} runs, within one look of the bound`)
})

t.test('state under the bound is kept across thousands of runs', async (t) => {
  const c = engine.compile(`count = (count or 0) + 1 cache = cache or {} cache[count % 100] = string.rep("c", 1000) local n = count return ${ANSWER}`, 'cache')
  let last: number | string = 0
  for (let i = 0; i < 5000; i++) last = run(c)
  t.equal(last, 5000, 'every run saw the state the one before left (about 100 KiB, looked at many times)')
})

t.test('raw writes into the process-wide proxies are refused; their own assignments still work', async (t) => {
  const c = engine.compile(
    `kong.ctx.shared.who = "me" ngx.ctx.n = 1 table.insert(ngx.ctx, "per request") local n = #ngx.ctx + (kong.ctx.shared.who == "me" and 1 or 0) return ${ANSWER}`,
    'proxies',
  )
  t.equal(run(c), 2, 'kong.ctx.shared takes assignments; ngx.ctx is a table of the request')
  for (const target of ['kong.ctx.shared', 'kong.ctx', 'ngx', 'ngx.var', 'ngx.header', 'ngx.arg']) {
    t.equal(
      run(engine.compile(`table.insert(${target}, "x")`, 'raw')),
      `raw:1: Cannot modify ${target}.1. Protected by the sandbox.`,
      `table.insert(${target}, ...)`,
    )
  }
})

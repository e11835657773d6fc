// Hostile Lua against a real gateway (loopback, port 0, a real echo upstream):
// every item of issue 13's Safety list and what else a snippet bent on harm
// would try. Each attack is sent 50 times and must give
//   (a) Kong's 500 `{"message":"An unexpected error occurred"}` (and a log
//       line saying why), or a validation error at the YAML line:column;
//   (b) bounded memory: after a full collection, the heap kept once the 50
//       requests are done grows by less than HEAP_BOUND. Each run may create
//       16 MiB (the default budget): a leak of one run's garbage per request
//       would keep 800 MiB, the old engine's 8 MiB per run reached 1 GB after
//       120 requests; 64 MiB leaves room for V8's own caches and the test's
//       bookkeeping and still catches any per-request leak many times over.
//       RSS is reported, not asserted: it keeps whatever peak V8 reached.
//   (c) no event-loop stall over 50 ms for a bystander client using a plain
//       route meanwhile. The gateway runs in this process, so its event loop
//       is measured here (test/helpers/attack.ts): monitorEventLoopDelay's
//       wall-clock max is reported, and the assertion is on the same gaps
//       counting only the gateway's own work (less the time other processes
//       kept it waiting for a CPU). Wall-clock maxima flake on a loaded
//       machine: at a load of 16 on 2 cores, an attack that takes 1 ms showed
//       a 240 ms gap, and a CPU-bound run is kept off the CPU far longer than
//       a sleeping one. Each test also measures a baseline round (the same
//       number of requests to a harmless Lua route) and asserts
//       attack max < baseline max + 50 ms. The budget is the default one,
//       spelled out below: the wall-time guard (20 ms) bounds a run whose
//       instructions are expensive (allocation, garbage collection); the
//       instruction budget stops the rest well before it.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { DEFAULT_BUDGET } from '../../src/lua/core/budget.js'
import { DEFAULT_LIMITS, setLuaLimits } from '../../src/lua/engine.js'
import { underAttack, type AttackReport } from '../helpers/attack.js'
import { fetchRaw, gateway, type Reply, type TestGateway } from '../helpers/gateway.js'
import { pluginLines } from '../helpers/plugin-gateway.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

/** The budget every attack runs under: the defaults, spelled out so that a change to them shows here. */
const BUDGET = { instructions: 1_000_000, memory: 16 * 1024 * 1024, wallMs: 20 }
const N = 50
const STALL_MS = 50
const HEAP_BOUND = 64 * 1024 * 1024
const KONG_500 = 'An unexpected error occurred'

t.setTimeout(900_000)

// Runaway work and memory: the budget stops each (the log line says which budget).
const BUDGET_STOP = /^pre-function error: execution (time )?budget exceeded$/
// Whichever of the three comes first (it depends on the machine's speed).
const ANY_STOP = /^pre-function error: (not enough memory|execution (time )?budget exceeded)$/
// The memory budget, or on a busy machine the wall-time guard first (never the instruction count).
const MEMORY_STOP = /^pre-function error: (not enough memory|execution time budget exceeded)$/
const RUNAWAY: [name: string, lua: string, log: RegExp][] = [
  ['while true do end', 'while true do end', BUDGET_STOP],
  ['a 5,000-statement loop body (one back-edge per 5,000 statements)', `local a = 0 while true do ${'a = a + 1 '.repeat(5000)}end`, BUDGET_STOP],
  ['string.find(("a"):rep(150), ".-.-.-.-b")', 'string.find(("a"):rep(150), ".-.-.-.-b")', BUDGET_STOP],
  ['string.match with (.*)(.*)(.*)(.*)b', 'string.match(("a"):rep(150), "(.*)(.*)(.*)(.*)b")', BUDGET_STOP],
  ['string.gsub with .-.-.-.-b', 'string.gsub(("a"):rep(150), ".-.-.-.-b", "x")', BUDGET_STOP],
  ['string.gmatch with .-.-.-.-b', 'for _ in string.gmatch(("a"):rep(150), ".-.-.-.-b") do end', BUDGET_STOP],
  ['ngx.re.match with (a+)+b', 'ngx.re.match(("a"):rep(40) .. "!b", "(a+)+b", "jo")', BUDGET_STOP],
  ['ngx.re.find with ^(a|aa)+$', 'ngx.re.find(("a"):rep(40) .. "!", "^(a|aa)+$")', BUDGET_STOP],
  ['ngx.re.gsub with (a*)*b', 'ngx.re.gsub(("a"):rep(40) .. "!b", "(a*)*b", "x")', BUDGET_STOP],
  [
    '1,000 coroutines, each looping (the budget is per run)',
    'for i = 1, 1000 do coroutine.resume(coroutine.create(function() while true do end end)) end',
    BUDGET_STOP,
  ],
  [
    '1,000 coroutines taking turns forever',
    'local cos = {} for i = 1, 1000 do cos[i] = coroutine.wrap(function() while true do coroutine.yield() end end) end while true do for i = 1, 1000 do cos[i]() end end',
    BUDGET_STOP,
  ],
  ['pcall cannot swallow the stop', 'while true do pcall(function() while true do end end) end', BUDGET_STOP],
  ['a looping xpcall handler', 'xpcall(function() error("x") end, function() while true do end end)', BUDGET_STOP],
  ['a looping table.sort comparator', 'local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function() while true do end end)', BUDGET_STOP],
  ['table bomb: t[i] = i for i = 1, 1e9', 'local t = {} for i = 1, 1e9 do t[i] = i end', BUDGET_STOP],
  ['hash bomb: t["k" .. i] = i for i = 1, 1e9', 'local t = {} for i = 1, 1e9 do t["k" .. i] = i end', BUDGET_STOP],
  ['string growth: s = s .. s', 'local s = "x" while true do s = s .. s end', MEMORY_STOP],
  ['string.rep("x", 2^31 - 1)', 'local s = string.rep("x", 2^31 - 1)', MEMORY_STOP],
  ['table.concat of a huge table', 'local big = ("x"):rep(1e6) local t = {} for i = 1, 100 do t[i] = big end local s = table.concat(t)', MEMORY_STOP],
  ['table.concat of a table built forever', 'local t = {} for i = 1, 1e9 do t[i] = "xxxxxxxxxxxxxxxx" end local s = table.concat(t)', BUDGET_STOP],
  ['("x"):rep(1e8):upper()', 'local s = ("x"):rep(1e8):upper()', MEMORY_STOP],
  // One call on megabytes is made a piece at a time, so the clock can stop it halfway.
  ['reverse, upper and lower of 4 MB, forever', 'local s = ("ab"):rep(2^21) while true do s = s:reverse():upper():lower() end', ANY_STOP],
  ['ngx.update_time() and ngx.now() forever', 'while true do ngx.update_time() local _ = ngx.now() end', BUDGET_STOP],
  ['ngx.say growing the response forever', 'while true do ngx.say(("x"):rep(1e6)) end', MEMORY_STOP],
  // Usually a stack overflow; on a busy machine the wall-time guard may come first.
  [
    'deep recursion: return 1 + f()',
    'local function f() return 1 + f() end f()',
    /^pre-function error: (access\[0\]:1: stack overflow|execution (time )?budget exceeded)$/,
  ],
]

// Kong's sandbox has no setmetatable, getmetatable or collectgarbage (kong/tools/sandbox/environment/lua.lua):
// the Safety list's __tostring and __gc attacks stop at their first call.
const NO_SETMETATABLE = /^pre-function error: access\[0\]:1: attempt to call global 'setmetatable' \(a nil value\)$/
const METATABLES: [name: string, lua: string, log: RegExp][] = [
  ['error(setmetatable({}, {__tostring = <loop>}))', 'error(setmetatable({}, {__tostring = function() while true do end end}))', NO_SETMETATABLE],
  [
    'a __gc finalizer loop, then collectgarbage',
    'local t = setmetatable({}, {__gc = function() while true do end end}) t = nil collectgarbage()',
    NO_SETMETATABLE,
  ],
  [
    'a loop creating many __gc finalizers',
    'for i = 1, 1e6 do setmetatable({}, {__gc = function() while true do end end}) end collectgarbage()',
    NO_SETMETATABLE,
  ],
]

// What the sandbox keeps out: each fails naming what is missing, as Kong's sandbox does.
const err = (msg: string) => new RegExp(`^pre-function error: access\\[0\\]:1: ${msg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)
const ESCAPES: [lua: string, log: RegExp][] = [
  ['string.dump(function() end)', err("attempt to call field 'dump' (a nil value)")],
  // Kong's own string metatable still reaches the real string.dump; here strings index the sandbox's string table.
  ['("").dump(function() end)', err("attempt to call field 'dump' (a nil value)")],
  ['load("return 1")', err("attempt to call global 'load' (a nil value)")],
  ['loadstring("return 1")', err("attempt to call global 'loadstring' (a nil value)")],
  ['dofile("/etc/passwd")', err("attempt to call global 'dofile' (a nil value)")],
  // spec/01-unit/20-sandbox_spec.lua:305
  ['require "os"', /^pre-function error: require 'os' not allowed within sandbox$/],
  ['io.open("/etc/passwd")', err("attempt to call field 'open' (a nil value)")],
  ['debug.getinfo(1)', err("attempt to index global 'debug' (a nil value)")],
  ['os.execute("id")', err("attempt to call field 'execute' (a nil value)")],
  ['os.exit(1)', err("attempt to call field 'exit' (a nil value)")],
  ['collectgarbage()', err("attempt to call global 'collectgarbage' (a nil value)")],
  ['rawset(string, "upper", print)', err("attempt to call global 'rawset' (a nil value)")],
  ['setfenv(1, {})', err("attempt to call global 'setfenv' (a nil value)")],
  ['getmetatable("").__index.upper = print', err("attempt to call global 'getmetatable' (a nil value)")],
  ['string.upper = print', err('Cannot modify string.upper. Protected by the sandbox.')],
  ['kong.request.get_header = print', err('Cannot modify kong.request.get_header. Protected by the sandbox.')],
  // One proxy table serves every request (kong.ctx.shared, ngx.var ...): a raw write would reach the next request.
  ['table.insert(kong.ctx.shared, kong.request.get_header("authorization"))', err('Cannot modify kong.ctx.shared.1. Protected by the sandbox.')],
  ['table.insert(kong.ctx, "x")', err('Cannot modify kong.ctx.1. Protected by the sandbox.')],
  ['table.insert(ngx, "x")', err('Cannot modify ngx.1. Protected by the sandbox.')],
  ['table.insert(ngx.var, "x")', err('Cannot modify ngx.var.1. Protected by the sandbox.')],
  ['table.insert(ngx.header, "x")', err('Cannot modify ngx.header.1. Protected by the sandbox.')],
  ['table.insert(ngx.arg, "x")', err('Cannot modify ngx.arg.1. Protected by the sandbox.')],
  // Through a computed key: what validation cannot see fails when it runs (test/lua/static-refusal.test.ts has the rest).
  ['local k = "timer" local n = ngx[k] n.at(0, function() end)', err('ngx.timer.at is not available in this gateway: timers need nginx')],
  [
    'local k = "location" local n = ngx[k] n.capture("/x")',
    err('ngx.location.capture is not available in this gateway: subrequests need nginx (request-callout can call other services)'),
  ],
]

interface Setup {
  gw: TestGateway
  up: Upstream
  lines: ReturnType<typeof pluginLines>['lines']
}

const preFunction = (lua: string | string[]) => [{ name: 'pre-function', config: { access: Array.isArray(lua) ? lua : [lua] } }]
const route = (name: string, plugins?: unknown[]) => ({ name, paths: [`/${name}`], ...(plugins ? { plugins } : {}) })

/** The gateway every test attacks: a plain route, a harmless Lua route (the baseline) and one route per attack. */
async function start(): Promise<Setup> {
  const up = await startUpstream()
  const routes = [
    route('plain'),
    route('benign', preFunction('local who = kong.request.get_header("x-who") kong.service.request.set_header("x-seen", who or "nobody")')),
    ...RUNAWAY.map(([, lua], i) => route(`runaway-${i}`, preFunction(lua))),
    ...METATABLES.map(([, lua], i) => route(`meta-${i}`, preFunction(lua))),
    ...ESCAPES.map(([lua], i) => route(`escape-${i}`, preFunction(lua))),
    route('template-loop', [{ name: 'request-transformer', config: { add: { headers: ['x-loop:$((function() while true do end end)())'] } } }]),
    route('callout-loop', [
      { name: 'request-callout', config: { callouts: [{ name: 'c1', request: { url: `${up.url}/callout`, by_lua: 'while true do end' } }] } },
    ]),
    route('upstream-lua-loop', [
      { name: 'request-callout', config: { callouts: [{ name: 'c1', request: { url: `${up.url}/callout` } }], upstream: { by_lua: 'while true do end' } } },
    ]),
    route('tenant-a', preFunction(TENANT_A)),
    route('tenant-b', preFunction(TENANT_B)),
    route('hoard', preFunction(HOARD)),
    ...KEEPERS.map(([, lua], i) => route(`keep-${i}`, preFunction(lua))),
    route('rep-wrap', preFunction('return kong.response.exit(200, tostring(#string.rep("x", 2^31)))')),
    route('late-loop', [
      { name: 'post-function', config: { header_filter: ['while true do end'], body_filter: ['while true do end'], log: ['while true do end'] } },
    ]),
    route('many-chunks', preFunction(Array.from({ length: 50 }, () => UNDER_BUDGET))),
    route('many-templates', [
      {
        name: 'request-transformer',
        config: { add: { headers: Array.from({ length: 50 }, (_, i) => `x-t${i}:$((function() ${UNDER_BUDGET} return n end)())`) } },
      },
    ]),
  ]
  const { lines, pluginLog } = pluginLines()
  const yaml = stringify({ _format_version: '3.0', services: [{ name: 'app', url: up.url, routes }] }, { lineWidth: 0 })
  const gw = await gateway(yaml, { pluginLog })
  return { gw, up, lines }
}

// Tenant A tries every way to reach beyond its own chunk, then leaves `kong` nil in its globals.
const TENANT_A = `
local tried = {}
local function try(name, f) local ok, e = pcall(f) tried[name] = ok and "changed" or e end
try("get_header", function() kong.request.get_header = function() return "forged" end end)
try("upper", function() string.upper = function() return "forged" end end)
try("string_meta", function() getmetatable("").__index.upper = function() return "forged" end end)
try("env_meta", function() getmetatable(_G).__index = { kong = {} } end)
try("ngx_req", function() ngx.req.get_headers = function() return {} end end)
stolen = kong.request.get_header("authorization")
_G.string = { upper = function() return "forged" end }
local exit = kong.response.exit
kong = nil
ngx = nil
return exit(200, tried)`

// Tenant B reads its own header and what A may have left behind.
const TENANT_B = `return kong.response.exit(200, {
  authorization = kong.request.get_header("authorization"),
  from_ngx = ngx.req.get_headers()["authorization"],
  upper = string.upper("b"),
  stolen = stolen,
  kong = type(kong),
})`

// About 600,000 of the 1,000,000 instructions: one run of it passes, two do not.
const UNDER_BUDGET = 'local n = 0 for i = 1, 300000 do n = n + i end'

// A string kept in an upvalue across requests, grown by 1 MiB per request.
const HOARD = `local hoard = ""
return function()
  hoard = hoard .. ("x"):rep(1024 * 1024)
end`

// State that outlives its run, grown by 1 MiB per request in each place a chunk can keep it;
// each answers how many MiB it holds. Every run stays well inside the per-run budget.
const ONE_MIB = 'string.rep("k", 1024 * 1024) .. n'
const ANSWER = 'kong.response.exit(200, tostring(n))'
const KEEPERS: [name: string, lua: string][] = [
  ['a global table', `kept = kept or {} local n = #kept + 1 kept[n] = ${ONE_MIB} return ${ANSWER}`],
  ['an upvalue of the function the chunk returns', `local kept = {} return function() local n = #kept + 1 kept[n] = ${ONE_MIB} return ${ANSWER} end`],
  [
    'an upvalue two closures deep',
    `local function make() local kept = {} return function() local n = #kept + 1 kept[n] = ${ONE_MIB} return ${ANSWER} end end return make()`,
  ],
  [
    "a suspended coroutine's locals",
    `co = co or coroutine.wrap(function() local kept = {} while true do local n = #kept + 1 kept[n] = ${ONE_MIB} coroutine.yield(n) end end) local n = co() return ${ANSWER}`,
  ],
]
const RETAINED = 32 * 1024 * 1024
// Its own run fails and pre-function logs why; a reset found by another chunk's run is logged as is.
const STATE_RESET = /^(pre-function error: )?Lua state kept between requests by access\[0\] passed 32 MiB: its globals and upvalues were reset$/

const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`

/** Asserts (b) and (c) of an attack's report. */
function bounded(t: Test, r: AttackReport): void {
  t.ok(r.bystander.length > 0 && r.bystander.every((s) => s === 200), `the bystander was served meanwhile (${r.bystander.length} requests, all 200)`)
  t.ok(r.heapGrowth < HEAP_BOUND, `heap kept after ${N} attacks: ${MiB(r.heapGrowth)} < ${MiB(HEAP_BOUND)} (RSS ${MiB(r.rssGrowth)})`)
  t.ok(
    r.stallMs < r.baselineStallMs + STALL_MS,
    `longest event-loop stall ${r.stallMs.toFixed(1)} ms < baseline ${r.baselineStallMs.toFixed(1)} ms + ${STALL_MS} ms ` +
      `(wall clock: ${r.wallStallMs.toFixed(1)} ms, baseline ${r.baselineWallStallMs.toFixed(1)} ms; longest collection ${r.gcMs.toFixed(1)} ms)`,
  )
}

/** Asserts (a): every reply is Kong's 500 (its body carries the request id, as Kong 3's does). */
function kong500(t: Test, replies: Reply[]): void {
  t.same([...new Set(replies.map((r) => r.status))], [500], 'every attack answered 500')
  const odd = replies.map((r) => r.json()).filter((b) => b.message !== KONG_500 || typeof b.request_id !== 'string' || Object.keys(b).length !== 2)
  t.same(odd, [], `each with Kong's body {"message":"${KONG_500}","request_id":...}`)
}

let setup: Setup
t.before(async () => {
  setLuaLimits(BUDGET)
  setup = await start()
})
t.teardown(async () => {
  await setup.gw.close()
  await setup.up.close()
  setLuaLimits(DEFAULT_LIMITS)
})

const get = (path: string, headers?: Record<string, string>) => () => fetchRaw(`${setup.gw.url}${path}`, { headers })
const attack = (path: string) => underAttack({ attack: get(path), baseline: get('/benign'), plainUrl: `${setup.gw.url}/plain`, n: N })

t.test('the attacks run under the default budget', async (t) => {
  t.same(DEFAULT_BUDGET, BUDGET)
})

/** One attack on a pre-function route: 500s, one log line each matching `log`, bounded memory and stall. */
function preFunctionAttack(name: string, path: string, log: RegExp): void {
  t.test(name, async (t) => {
    const from = setup.lines.length
    const r = await attack(path)
    kong500(t, r.replies)
    const logged = setup.lines.slice(from).filter((l) => l.plugin === 'pre-function')
    t.equal(logged.length, N, 'one error line per request')
    t.same(
      [...new Set(logged.map((l) => l.msg))].filter((m) => !log.test(m)),
      [],
      `each says why (${log})`,
    )
    bounded(t, r)
  })
}

RUNAWAY.forEach(([name, , log], i) => preFunctionAttack(name, `/runaway-${i}`, log))
METATABLES.forEach(([name, , log], i) => preFunctionAttack(name, `/meta-${i}`, log))
ESCAPES.forEach(([lua, log], i) => preFunctionAttack(`unreachable: ${lua}`, `/escape-${i}`, log))

t.test('string.rep("x", 2^31) is "" as in LuaJIT (the count wraps to a negative int32), not 2 GiB', async (t) => {
  const r = await fetchRaw(`${setup.gw.url}/rep-wrap`)
  t.equal(r.status, 200)
  t.equal(r.body, '0')
})

t.test('a request-transformer template expression that loops', async (t) => {
  const r = await attack('/template-loop')
  kong500(t, r.replies)
  t.equal(setup.up.requests.filter((q) => q.headers['x-loop'] !== undefined).length, 0, 'nothing reached the upstream')
  bounded(t, r)
})

t.test('a request-callout request.by_lua that loops', async (t) => {
  const before = setup.up.requests.length
  const r = await attack('/callout-loop')
  kong500(t, r.replies)
  t.equal(setup.up.requests.slice(before).filter((q) => q.url.startsWith('/callout')).length, 0, 'no callout was made')
  bounded(t, r)
})

t.test('a request-callout upstream.by_lua that loops', async (t) => {
  const r = await attack('/upstream-lua-loop')
  kong500(t, r.replies)
  bounded(t, r)
})

t.test("tenant A tampers with everything it can reach; tenant B still works and never sees A's Authorization", async (t) => {
  const a = await fetchRaw(`${setup.gw.url}/tenant-a`, { headers: { authorization: 'Bearer tenant-a-secret' } })
  t.equal(a.status, 200)
  t.same(a.json(), {
    get_header: 'access[0]:4: Cannot modify kong.request.get_header. Protected by the sandbox.',
    upper: 'access[0]:5: Cannot modify string.upper. Protected by the sandbox.',
    string_meta: "access[0]:6: attempt to call global 'getmetatable' (a nil value)",
    env_meta: "access[0]:7: attempt to call global 'getmetatable' (a nil value)",
    ngx_req: 'access[0]:8: Cannot modify ngx.req.get_headers. Protected by the sandbox.',
  })
  const r = await underAttack({
    attack: get('/tenant-b', { authorization: 'Bearer tenant-b' }),
    baseline: get('/benign'),
    plainUrl: `${setup.gw.url}/plain`,
    n: N,
  })
  const seen = new Set(r.replies.map((b) => `${b.status} ${b.body}`))
  t.equal(seen.size, 1, 'every request of B saw the same')
  const b = r.replies[0]!
  t.equal(b.status, 200)
  t.same(b.json(), { authorization: 'Bearer tenant-b', from_ngx: 'Bearer tenant-b', upper: 'B', kong: 'table' })
  t.notMatch(b.body, /tenant-a/)
  bounded(t, r)
})

t.test("a string kept in an upvalue cannot outgrow one run's memory budget", async (t) => {
  // Each request appends 1 MiB; `..` charges the whole result to the run, so the string
  // stops growing at the per-run budget (16 MiB) and every later request answers 500.
  const r = await attack('/hoard')
  const statuses = r.replies.map((x) => x.status)
  const firstFailure = statuses.indexOf(500)
  t.ok(firstFailure > 0 && firstFailure < N, `some requests appended (${firstFailure}), then the budget refused`)
  t.ok(
    statuses.slice(firstFailure).every((s) => s === 500),
    'every request after the first refusal is refused too',
  )
  t.ok(firstFailure * 1024 * 1024 <= BUDGET.memory, "the string never grew past one run's budget")
  bounded(t, r)
})

// Kong keeps a chunk's globals and upvalues per worker with no bound (its LuaJIT runs out of
// memory); here the state a chunk keeps is measured now and then, and a chunk over 32 MiB starts
// afresh: its request answers 500, the next starts counting from 1.
KEEPERS.forEach(([name], i) => {
  t.test(`state kept in ${name} is bounded`, async (t) => {
    t.equal(DEFAULT_LIMITS.retained, RETAINED, 'the default bound on kept state')
    // What is tested is kept state, not time: each run takes a few ms on a quiet machine, but a
    // loaded one (CI beside other jobs) can stretch a 1 MiB allocation past the 20 ms wall budget,
    // and a run stopped by time is not a reset. The instruction and memory budgets stay as they are.
    setLuaLimits({ wallMs: 2000 })
    t.teardown(() => setLuaLimits({ wallMs: BUDGET.wallMs }))
    const from = setup.lines.length
    const r = await attack(`/keep-${i}`)
    const got = r.replies.map((x) => (x.status === 200 ? Number(x.body) : x.status))
    const resets = got.flatMap((x, j) => (x === 500 ? [j] : []))
    t.ok(resets.length > 0, `the state was reset (${got.join(' ')})`)
    t.ok(
      got.every((x) => x === 500 || (x >= 1 && x <= 40)),
      'no answer held more than the bound and one look (4 MiB) past it',
    )
    t.ok(
      resets.every((j) => j === N - 1 || got[j + 1] === 1),
      'after a reset the chunk starts from nothing',
    )
    const logged = setup.lines.slice(from).filter((l) => l.plugin === 'pre-function')
    t.equal(logged.length, resets.length, 'one error line per reset')
    t.ok(
      logged.every((l) => STATE_RESET.test(l.msg)),
      'each says what was reset',
    )
    bounded(t, r)
  })
})

// After the answer is decided (header_filter, body_filter, log) nothing can answer 500 instead:
// the runaway is stopped and logged, and the upstream's answer goes out as it was.
t.test('loops in header_filter, body_filter and log', async (t) => {
  const from = setup.lines.length
  const r = await attack('/late-loop')
  t.same([...new Set(r.replies.map((x) => x.status))], [200], "the upstream's answer reached the client")
  const logged = setup.lines.slice(from).filter((l) => l.plugin === 'post-function')
  t.equal(logged.length, 3 * N, 'one error line per phase and request')
  t.same(
    [...new Set(logged.map((l) => l.msg))].filter((m) => !/^post-function error: execution (time )?budget exceeded$/.test(m)),
    [],
    'each says the budget stopped it',
  )
  t.same([...new Set(logged.map((l) => l.fields?.phase))].sort(), ['body_filter', 'header_filter', 'log'])
  bounded(t, r)
})

// Fifty runs that each stay under the budget would hold the loop fifty times as long: the
// chunks of one phase, and the templates of one rendering, share one budget.
t.test('fifty pre-function chunks in one phase, each under the budget alone', async (t) => {
  const from = setup.lines.length
  const r = await attack('/many-chunks')
  kong500(t, r.replies)
  const logged = setup.lines.slice(from).filter((l) => l.plugin === 'pre-function')
  t.equal(logged.length, N, 'one error line per request')
  t.same(
    [...new Set(logged.map((l) => l.msg))].filter((m) => !BUDGET_STOP.test(m)),
    [],
    'each says the budget stopped it',
  )
  bounded(t, r)
})

t.test('fifty request-transformer templates, each under the budget alone', async (t) => {
  const before = setup.up.requests.length
  const r = await attack('/many-templates')
  kong500(t, r.replies)
  t.equal(setup.up.requests.slice(before).filter((q) => q.headers['x-t0'] !== undefined).length, 0, 'nothing reached the upstream')
  bounded(t, r)
})

// What cannot even be compiled is refused before it runs: a chunk or a template expression nested
// deeper than LuaJIT's parser allows (200 levels) would otherwise exhaust the compiler's stack.
t.test('Lua nested 1,000 levels deep is refused at validation, at its YAML line:column', async (t) => {
  const nested = `${'('.repeat(1000)}1${')'.repeat(1000)}`
  const yaml = stringify(
    {
      _format_version: '3.0',
      services: [{ name: 'app', url: 'http://127.0.0.1:1', routes: [route('deep', preFunction(`return ${nested}`))] }],
      plugins: [{ name: 'request-transformer', config: { add: { headers: [`x-deep:$(${nested})`] } } }],
    },
    { lineWidth: 0 },
  )
  // Where each value starts in the file (1-based line:column).
  const at = (needle: string) => {
    const lines = yaml.split('\n')
    const i = lines.findIndex((l) => l.includes(needle))
    return `${i + 1}:${lines[i]!.indexOf(needle) + 1}`
  }
  const r = loadConfig(yaml, { file: 'kong.yml' })
  t.notOk(r.ok)
  const issues = r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message.replace(/[()]{20,}/g, '…')}`)
  t.same(issues, [
    `${at('return (')} services[0].routes[0].plugins[0].config.access[0] error parsing pre-function: [string "return …..."]:1: chunk has too many syntax levels`,
    `${at('x-deep:')} plugins[0].config.add.headers[0] value '$…1…' is not in supported format, error:chunk has too many syntax levels (in '…1…')`,
  ])
})

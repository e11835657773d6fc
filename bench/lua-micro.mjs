#!/usr/bin/env node
// Benchmark (not a test): the Lua runtime compiled to JS (src/lua/compiler)
// against LuaJIT with the JIT off (`luajit -joff`, the interpreter), LuaJIT
// with the JIT on, and the old wasmoon engine (Lua 5.4 on WebAssembly) when it
// is still installed, on the same snippets.
//
//   npm run build --silent && node bench/lua-micro.mjs [--runs N] [--only fib,pre-function]
//
// Two kinds of snippets:
// - algorithmic ones (fib, strings, tables, methods): a chunk returning a
//   checksum; reported in ms per chunk run;
// - the gateway's (pre-function, supabase-template, aggregation: the Lua that
//   bench/lua.mjs runs through the gateway, from bench/lua-snippets.mjs): the
//   snippet's own text inside a chunk that gives it a stand-in `kong` (or
//   `headers`) written in Lua and calls it ITERATIONS times; reported in µs per
//   snippet run. The last column runs the same snippet through the gateway's
//   real path instead (engine with the PDK over a stand-in request, or
//   request-transformer's handler): what a request pays, conversions included.
//
// Ours is compiled once and run under a metered budget large enough not to stop
// it (the metering code runs as in production). Every engine is timed in CPU
// time: ours with process.cpuUsage, LuaJIT and wasmoon with os.clock inside
// Lua (also CPU time), so time spent waiting for a core on a busy machine is
// not counted. Every figure is the best of --runs runs after warm-up runs:
// other processes only ever slow a run down, so the best run is the steadiest.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { URLSearchParams } from 'node:url'
import { B } from '../dist/lua/core/budget.js'
import { compile, testEnv } from '../dist/lua/compiler/index.js'
import { AGGREGATION_LUA, PRE_FUNCTION, UUID_BODY, anythingBody, clientHeaders, supabaseTransformer } from './lua-snippets.mjs'

/** Snippet runs per chunk run for the gateway snippets. */
const ITERATIONS = 10_000

const ALGORITHMIC = {
  fib: `local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
return fib(27)`,
  strings: `local s = ""
for i = 1, 20000 do s = s .. i .. "," end
local parts = {}
for i = 1, 20000 do parts[#parts + 1] = "k" .. i .. "=" .. (i * 3) end
return #s + #parts`,
  tables: `local t = {}
for i = 1, 100000 do t[#t + 1] = i * 2 end
local sum = 0
for i = 1, #t do sum = sum + t[i] end
for _, v in ipairs(t) do sum = sum + v end
local h = {}
for i = 1, 20000 do h["k" .. (i % 1000)] = i end
for k, v in pairs(h) do sum = sum + v end
return sum`,
  methods: `local P = {}
P.__index = P
function P.new(x, y) return setmetatable({x = x, y = y}, P) end
function P:add(o) return P.new(self.x + o.x, self.y + o.y) end
function P:len2() return self.x * self.x + self.y * self.y end
local acc, d, s = P.new(0, 0), P.new(1, 2), 0
for i = 1, 300000 do acc = acc:add(d) s = s + acc:len2() % 7 end
return s`,
  // Self tail calls (a jump here) and tail calls of another function (a call).
  tailcalls: `local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + n) end
local function twice(x) return x * 2 end
local function via(x) return twice(x) end
local s = 0
for i = 1, 500 do s = s + loop(2000, 0) + via(i) end
return s`,
}

// ---------------------------------------------------------------------------
// The gateway's snippets in Lua harnesses

/** A Lua table constructor for a flat JS object of strings (or nested plain objects). */
function luaTable(o) {
  const key = (k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `[${JSON.stringify(k)}]`)
  const value = (v) => (v === null ? 'nil' : typeof v === 'object' ? luaTable(v) : JSON.stringify(v))
  return `{ ${Object.entries(o)
    .map(([k, v]) => `${key(k)} = ${value(v)}`)
    .join(', ')} }`
}

const SUPABASE = (() => {
  try {
    return supabaseTransformer()
  } catch {
    return undefined
  }
})()
const HEADERS = clientHeaders(SUPABASE?.keys ?? { SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_0123456789abcdef01234567' })
const ANYTHING_URL = 'http://127.0.0.1:9/_/anything'

/** `body` inside `local function snippet() ... end`, run ITERATIONS times after `setup`; `tally` adds to the checksum. */
const harness = (setup, body, tally) => `${setup}
local function snippet()
${body}
end
local n = 0
for _ = 1, ${ITERATIONS} do
  local r = snippet()
  n = n + ${tally}
end
return n`

const GATEWAY = {
  'pre-function': {
    lua: harness(
      `local req = ${luaTable(HEADERS)}
local sent = {}
local kong = {
  request = { get_header = function(name) return req[name] end },
  service = { request = { set_header = function(name, value) sent[name] = value end } },
  response = { exit = function(status) return status end },
}`,
      PRE_FUNCTION,
      '#sent["X-Client"]',
    ),
    gateway: preFunctionThroughEngine,
  },
  'supabase-template': SUPABASE && {
    lua: harness(`local headers = ${luaTable(HEADERS)}`, `return (${SUPABASE.template})`, "#tostring(r or '')"),
    gateway: supabaseThroughPlugin,
  },
  aggregation: {
    // The stand-in's exit encodes the flat body as the PDK would (sorted keys, quoted strings).
    lua: harness(
      `local callouts = {
  c1 = { response = { status = 200, body = ${luaTable(UUID_BODY)} } },
  c2 = { response = { status = 200, body = ${luaTable(anythingBody(ANYTHING_URL))} } },
}
local answer
local kong = {
  ctx = { shared = { callouts = callouts } },
  response = { exit = function(status, body)
    local keys = {}
    for k in pairs(body) do keys[#keys + 1] = k end
    table.sort(keys)
    local parts = {}
    for i, k in ipairs(keys) do parts[i] = string.format("%q:%q", k, body[k]) end
    answer = "{" .. table.concat(parts, ",") .. "}"
  end },
}`,
      AGGREGATION_LUA,
      '#answer',
    ),
    gateway: aggregationThroughEngine,
  },
}

// ---------------------------------------------------------------------------
// The gateway's path: the real engine and PDK over a stand-in request

/** A request kit with the bench's client headers: what the PDK reads and writes (src/plugins/types.ts Kit). */
function standInKit(shared = {}) {
  const request = { ...HEADERS, host: 'localhost' }
  let up = { ...request }
  return {
    requestId: 'bench',
    shared,
    request: {
      method: 'GET',
      headers: request,
      header: (n) => request[n],
      headerValues: (n) => (request[n] === undefined ? [] : [request[n]]),
      rawQuery: '',
      query: new URLSearchParams(),
      uriCaptures: undefined,
    },
    upstream: {
      get headers() {
        return up
      },
      header: (n) => up[n.toLowerCase()],
      setHeader: (n, v) => void (up[n.toLowerCase()] = v),
      clearHeader: (n) => void delete up[n.toLowerCase()],
      query: new URLSearchParams(),
    },
    response: { status: 200, headers: {} },
    /** Back to the client's headers (between two runs of a snippet that sets some). */
    reset: () => void (up = { ...request }),
  }
}

/** CPU time (user + system) of this process so far, in ms: what os.clock gives LuaJIT. */
function cpuMs() {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Times `n` calls of `f` (its checksum summed); ms per call × 1000 = µs. */
function timed(n, f) {
  let sum = 0
  const t0 = cpuMs()
  for (let i = 0; i < n; i++) sum += f()
  return { ms: cpuMs() - t0, result: sum }
}

async function preFunctionThroughEngine(n) {
  const { createLuaEngine } = await import('../dist/lua/engine.js')
  const chunk = createLuaEngine().compile(PRE_FUNCTION, 'access[1]')
  const kit = standInKit()
  const ctx = { phase: 'access' }
  return () =>
    timed(n, () => {
      kit.reset()
      chunk.runSync(kit, undefined, ctx)
      return kit.upstream.header('x-client').length
    })
}

async function supabaseThroughPlugin(n) {
  const { config } = await import('../dist/plugins/request-transformer/schema.js')
  const { default: create } = await import('../dist/plugins/request-transformer/handler.js')
  const log = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined }
  const phases = create(config.parse(SUPABASE.config), { log, plugin: { id: 'bench' } })
  const kit = standInKit()
  return () =>
    timed(n, () => {
      kit.reset()
      phases.access(kit)
      return kit.upstream.header('authorization').length
    })
}

async function aggregationThroughEngine(n) {
  const { createLuaEngine } = await import('../dist/lua/engine.js')
  const chunk = createLuaEngine().compile(AGGREGATION_LUA, 'upstream.by_lua')
  // What request-callout keeps in kong.ctx.shared.callouts after two cache hits.
  const context = (url, body) => ({
    request: {
      params: { url, method: 'GET', query: {}, headers: { ...HEADERS }, body: undefined, ssl_verify: false, timeouts: undefined, proxy: undefined },
      retries: [],
      n_retries: 0,
    },
    caching: { bypass: false, strategy: 'memory' },
    response: { status: 200, headers: { 'content-type': 'application/json' }, body },
  })
  const callouts = { c1: context('http://127.0.0.1:9/_/uuid', UUID_BODY), c2: context(ANYTHING_URL, anythingBody(ANYTHING_URL)) }
  return () =>
    timed(n, () => {
      const exit = chunk.runSync(standInKit({ callouts }))
      return exit.body.length
    })
}

// ---------------------------------------------------------------------------
// Options and runs

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const RUNS = Number(opt('--runs', 7))
// V8 tiers a chunk up over its first runs; the gateway runs each snippet many times.
const WARMUP = Number(opt('--warmup', 15))
const ALL = [...Object.keys(ALGORITHMIC), ...Object.keys(GATEWAY)]
const only = opt('--only', ALL.join(','))
  .split(',')
  .filter((n) => {
    if (ALL.includes(n)) return true
    console.error(`bench/lua-micro: unknown snippet '${n}' (known: ${ALL.join(', ')})`)
    process.exit(2)
  })

const best = (xs) => Math.min(...xs)

function ours(src) {
  const f = compile(src, '=bench', testEnv())
  const times = []
  let result
  for (let i = 0; i < RUNS + WARMUP; i++) {
    B.begin({ instructions: 1e12, memory: 1e15, wallMs: 1e9 })
    const t0 = cpuMs()
    result = f()[0]
    const dt = cpuMs() - t0
    B.end()
    if (i >= WARMUP) times.push(dt)
  }
  return { ms: best(times), result }
}

async function gatewayPath(make) {
  const run = await make(ITERATIONS)
  const times = []
  let result
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const r = run()
    result = r.result
    if (i >= WARMUP) times.push(r.ms)
  }
  return { ms: best(times), result }
}

/** A Lua driver timing `src` with os.clock: warm-up runs, then RUNS timed runs; prints "ms result". */
const driver = (src) => `
local f = assert((loadstring or load)(${JSON.stringify(src)}))
for i = 1, 3 do f() end
local best, r = math.huge, nil
for i = 1, ${RUNS} do local t0 = os.clock() r = f() best = math.min(best, (os.clock() - t0) * 1000) end
print(string.format("%.3f %s", best, tostring(r)))`

function luajit(src, flags) {
  if (!existsSync('/usr/bin/luajit')) return undefined
  const out = execFileSync('/usr/bin/luajit', [...flags, '-'], { input: driver(src) })
    .toString()
    .trim()
    .split(' ')
  return { ms: Number(out[0]), result: out[1] }
}

let wasmoon
async function wasmoonRun(src) {
  if (wasmoon === undefined) {
    try {
      const { LuaFactory } = await import('wasmoon')
      wasmoon = await new LuaFactory().createEngine()
    } catch {
      wasmoon = null
    }
  }
  if (wasmoon === null) return undefined
  let line = ''
  wasmoon.global.set('print', (s) => (line = s))
  wasmoon.doStringSync(driver(src))
  const out = line.split(' ')
  return { ms: Number(out[0]), result: out[1] }
}

const cell = (s, w) => String(s).padEnd(w)
const line = (cells, widths) => console.log(cells.map((c, i) => cell(c, widths[i])).join(''))
const agree = (a, others) =>
  others.every((x) => x === undefined || String(x.result) === String(a.result))
    ? String(a.result)
    : `MISMATCH ${a.result} vs ${others.map((x) => x?.result).join('/')}`

console.log(
  `bench/lua-micro: node ${process.version}, best of ${RUNS} runs after ${WARMUP} warm-up runs; luajit: ${existsSync('/usr/bin/luajit') ? '/usr/bin/luajit' : 'not installed'}`,
)
const algorithmic = only.filter((n) => n in ALGORITHMIC)
if (algorithmic.length) {
  const w = [12, 12, 14, 12, 15, 12, 14]
  console.log('')
  line(['snippet', 'ours', 'luajit -joff', 'luajit', 'wasmoon (5.4)', 'ours/-joff', 'checksum'], w)
  for (const name of algorithmic) {
    const src = ALGORITHMIC[name]
    const a = ours(src)
    const b = luajit(src, ['-joff'])
    const c = luajit(src, [])
    const d = await wasmoonRun(src)
    const ms = (r) => (r === undefined ? 'n/a' : `${r.ms.toFixed(2)} ms`)
    line([name, ms(a), ms(b), ms(c), ms(d), b ? `${(a.ms / b.ms).toFixed(2)}x` : 'n/a', agree(a, [b, c])], w)
  }
}
const gateway = only.filter((n) => n in GATEWAY)
if (gateway.length) {
  const w = [19, 11, 14, 11, 12, 23, 10]
  const us = (r) => (r === undefined ? 'n/a' : `${((r.ms * 1000) / ITERATIONS).toFixed(3)} µs`)
  console.log(`\nthe gateway's snippets, µs per snippet run (${ITERATIONS.toLocaleString('en-US')} runs per timed chunk):`)
  line(['snippet', 'ours', 'luajit -joff', 'luajit', 'ours/-joff', 'ours, gateway path', 'checksum'], w)
  for (const name of gateway) {
    const g = GATEWAY[name]
    if (!g) {
      line([name, 'n/a: ../shared/corpus/supabase-rendered is absent'], w)
      continue
    }
    const a = ours(g.lua)
    const b = luajit(g.lua, ['-joff'])
    const c = luajit(g.lua, [])
    const p = await gatewayPath(g.gateway)
    line([name, us(a), us(b), us(c), b ? `${(a.ms / b.ms).toFixed(2)}x` : 'n/a', us(p), agree(a, [b, c])], w)
  }
  console.log(
    "\n'ours' and luajit run the snippet against a stand-in `kong` written in Lua (no PDK, no conversions);\n" +
      "'ours, gateway path' runs it as the gateway does: pre-function and aggregation through the engine\n" +
      "(sandbox, budget, PDK over a stand-in request, kong.ctx.shared conversions, exit's JSON), the\n" +
      "template through request-transformer's handler (both of Supabase's templates: add and replace).",
  )
}

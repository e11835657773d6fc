#!/usr/bin/env node
// Benchmark (not a test): the Lua runtime compiled to JS (src/lua/compiler)
// against LuaJIT with the JIT off (`luajit -joff`, the interpreter), LuaJIT
// with the JIT on, and the current wasmoon engine (Lua 5.4 on WebAssembly),
// on the same snippets.
//
//   npm run build --silent && node bench/lua-micro.mjs [--runs N] [--only fib,strings]
//
// Each snippet is a chunk returning a checksum (compared across engines). Ours
// is compiled once and run under a metered budget large enough not to stop it
// (the metering code runs as it does in production). LuaJIT and wasmoon time
// the same loop with os.clock inside Lua. Reported: milliseconds per run
// (median of --runs, after warm-up runs).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { B } from '../dist/lua/core/budget.js'
import { compile, testEnv } from '../dist/lua/compiler/index.js'

const SNIPPETS = {
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

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
const RUNS = Number(opt('--runs', 7))
// V8 tiers a chunk up over its first runs; the gateway runs each snippet many times.
const WARMUP = Number(opt('--warmup', 15))
const only = opt('--only', Object.keys(SNIPPETS).join(',')).split(',')

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function ours(src) {
  const f = compile(src, '=bench', testEnv())
  const times = []
  let result
  for (let i = 0; i < RUNS + WARMUP; i++) {
    B.begin({ instructions: 1e12, memory: 1e15, wallMs: 1e9 })
    const t0 = performance.now()
    result = f()[0]
    const dt = performance.now() - t0
    B.end()
    if (i >= WARMUP) times.push(dt)
  }
  return { ms: median(times), result }
}

/** A Lua driver timing `src` with os.clock: warm-up runs, then RUNS timed runs; prints "ms result". */
const driver = (src) => `
local f = assert((loadstring or load)(${JSON.stringify(src)}))
for i = 1, 3 do f() end
local times, r = {}, nil
for i = 1, ${RUNS} do local t0 = os.clock() r = f() times[#times + 1] = (os.clock() - t0) * 1000 end
table.sort(times)
print(string.format("%.3f %s", times[math.floor(#times / 2) + 1], tostring(r)))`

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

const fmt = (r) => (r === undefined ? 'n/a' : `${r.ms.toFixed(2)} ms`)
console.log(`runs per snippet: ${RUNS} (median), node ${process.version}`)
console.log(['snippet', 'ours', 'luajit -joff', 'luajit', 'wasmoon (5.4)', 'ours/-joff', 'result'].map((s) => s.padEnd(14)).join(''))
for (const name of only) {
  const src = SNIPPETS[name]
  const a = ours(src)
  const b = luajit(src, ['-joff'])
  const c = luajit(src, [])
  const d = await wasmoonRun(src)
  const ratio = b ? (a.ms / b.ms).toFixed(2) + 'x' : 'n/a'
  const agree = [b, c].every((x) => x === undefined || String(x.result) === String(a.result)) ? String(a.result) : `MISMATCH ${a.result} vs ${b?.result}`
  console.log([name, fmt(a), fmt(b), fmt(c), fmt(d), ratio, agree].map((s) => s.padEnd(14)).join(''))
}

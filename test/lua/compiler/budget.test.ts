// Metering: compiled code stops at the run's budget wherever it loops (loops,
// recursion, goto, coroutines, metamethods, error handlers), Lua code cannot
// catch the stop, and deep recursion is a catchable "stack overflow" that the
// process survives.
import t from 'tap'
import { runLuaForTest, testEnv } from '../../../src/lua/compiler/index.js'

const LIMITS = { instructions: 200_000, memory: 16 * 1024 * 1024, wallMs: 60_000 }

const runaway: [string, string][] = [
  ['while true', 'while true do end'],
  ['repeat until false', 'repeat until false'],
  ['numeric for without end', 'for i = 1, math_huge or 1e308 do end'],
  ['generic for over an endless iterator', 'for x in function() return 1 end do end'],
  ['recursion', 'local function f(d) if d < 60 then f(d + 1) f(d + 1) end end f(0)'],
  // A self tail call is a jump (no stack to overflow): its loop head is metered as a call.
  ['endless self tail call', 'local function spin(n) return spin(n + 1) end print(pcall(spin, 1))'],
  ['endless self tail call in a coroutine chunk', 'local function spin(n) return spin(n + 1) end coroutine.wrap(spin)(1)'],
  ['goto loop', '::top:: goto top'],
  ['goto loop in a function', 'local function f() local i = 0 ::again:: i = i + 1 goto again end f()'],
  ['state-machine goto', 'goto b ::a:: ::b:: goto a'],
  ['loop in __index', 'local t = setmetatable({}, {__index = function() while true do end end}) return t.x'],
  ['loop in __tostring of an error value', 'error(setmetatable({}, {__tostring = function() while true do end end}))'],
  ['loop in an xpcall handler', 'xpcall(error, function() while true do end end)'],
  ['loop in a coroutine', 'coroutine.wrap(function() while true do end end)()'],
  ['loop after yields', 'local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end'],
  ['loop in a loaded chunk', 'loadstring("while true do end")()'],
]

for (const [name, lua] of runaway) {
  t.test(`${name} stops at the budget`, async (t) => {
    const r = runLuaForTest(lua, { limits: LIMITS })
    t.equal(r.budget, 'instructions')
    t.equal(r.error, 'execution budget exceeded')
  })
  t.test(`${name}: pcall cannot catch the stop`, async (t) => {
    const r = runLuaForTest(`print(pcall(function() ${lua} end)) print("caught")`, { limits: LIMITS })
    t.equal(r.budget, 'instructions')
    t.equal(r.output, '', 'nothing after the stop runs')
  })
}

t.test('pcall in a loop cannot outlast the budget', async (t) => {
  const r = runLuaForTest('for i = 1, 100 do pcall(function() while true do end end) end print("done")', { limits: LIMITS })
  t.equal(r.budget, 'instructions')
  t.equal(r.output, '')
})

t.test('1,000 coroutines share one budget', async (t) => {
  const env = testEnv()
  const lua = `n = 0
for i = 1, 1000 do
  local co = coroutine.wrap(function() for j = 1, 10000 do n = n + 1 if j % 100 == 0 then coroutine.yield() end end end)
  for k = 1, 100 do co() end
end
print("all done")`
  const r = runLuaForTest(lua, { env, limits: LIMITS })
  t.equal(r.budget, 'instructions')
  t.equal(r.output, '')
  const n = env.getStr('n') as number
  t.ok(n > 10_000 && n < LIMITS.instructions, `${n} iterations ran, fewer than the budget's ${LIMITS.instructions}`)
})

t.test('a budget stop inside a coroutine is not a resume error', async (t) => {
  const r = runLuaForTest('local co = coroutine.create(function() while true do end end) print(coroutine.resume(co)) print("after")', { limits: LIMITS })
  t.equal(r.budget, 'instructions')
  t.equal(r.output, '')
})

t.test('memory: doubling a string stops at the memory budget', async (t) => {
  const r = runLuaForTest('local s = "x" while true do s = s .. s end', { limits: { ...LIMITS, memory: 1024 * 1024 } })
  t.equal(r.budget, 'memory')
  t.equal(r.error, 'not enough memory')
})

t.test('memory: growing a table stops at the memory budget', async (t) => {
  const r = runLuaForTest('local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end', {
    limits: { instructions: 1e9, memory: 1024 * 1024, wallMs: 60_000 },
  })
  t.equal(r.budget, 'memory')
})

t.test('memory: pcall cannot catch the memory stop', async (t) => {
  const r = runLuaForTest('print(pcall(function() local s = "x" while true do s = s .. s end end)) print("after")', {
    limits: { ...LIMITS, memory: 1024 * 1024 },
  })
  t.equal(r.budget, 'memory')
  t.equal(r.output, '')
})

t.test('the next run starts with a full budget', async (t) => {
  runLuaForTest('while true do end', { limits: LIMITS })
  const r = runLuaForTest('local n = 0 for i = 1, 1000 do n = n + i end print(n)', { limits: LIMITS })
  t.equal(r.error, undefined)
  t.equal(r.output, '500500\n')
})

t.test('deep recursion is a catchable stack overflow', async (t) => {
  const r = runLuaForTest('local function f(n) return 1 + f(n + 1) end print(pcall(f, 1)) print("survived")', { limits: LIMITS })
  t.equal(r.output, 'false\tstdin:1: stack overflow\nsurvived\n')
})

t.test('1e6-deep recursion attempts: the process survives and the run goes on', async (t) => {
  // A self tail call is a jump, as in LuaJIT (tail returns "bottom"). Mutual tail recursion
  // (even/odd) still takes a JS frame per call: where LuaJIT finishes, it is a catchable
  // "stack overflow" here, the documented difference.
  const lua = `local function tail(n) if n == 0 then return "bottom" end return tail(n - 1) end
local function plain(n) if n == 0 then return 0 end return 1 + plain(n - 1) end
local function viaPcall(n) if n == 0 then return 0 end local ok, v = pcall(viaPcall, n - 1) if not ok then error(v, 0) end return v end
local even, odd
function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print(pcall(tail, 1e6))
print(pcall(plain, 1e6))
print(pcall(viaPcall, 1e6))
print(pcall(even, 1e6))
print(plain(100), tail(100), even(100))`
  const r = runLuaForTest(lua, { limits: { ...LIMITS, instructions: 1e8 } })
  t.equal(r.error, undefined)
  t.equal(r.output, 'true\tbottom\nfalse\tstdin:2: stack overflow\nfalse\tstdin:3: stack overflow\nfalse\tstdin:6: stack overflow\n100\tbottom\ttrue\n')
})

t.test('an uncaught stack overflow ends the run with its message', async (t) => {
  const r = runLuaForTest('local function f() return 1 + f() end\nf()', { limits: LIMITS })
  t.equal(r.error, 'stdin:1: stack overflow')
})

// What one instruction pays for (compiler/weight.ts): without these charges a 5,000-statement
// body ran 5,000 statements per instruction and held the event loop for seconds.
t.test('a loop back-edge is charged for the size of the body it repeats', async (t) => {
  const env = testEnv()
  const r = runLuaForTest(`n = 0 local a = 0 while true do n = n + 1 ${'a = a + 1 '.repeat(5000)}end`, { env, limits: LIMITS })
  t.equal(r.budget, 'instructions')
  const n = env.getStr('n') as number
  t.ok(n > 0 && n < 100, `${n} passes over 5,000 statements on ${LIMITS.instructions} instructions`)
})

t.test('a function entry is charged for the size of its body', async (t) => {
  const env = testEnv()
  const r = runLuaForTest(`n = 0 local a = 0 local function f() ${'a = a + 1 '.repeat(5000)}end while true do f() n = n + 1 end`, { env, limits: LIMITS })
  t.equal(r.budget, 'instructions')
  const n = env.getStr('n') as number
  t.ok(n > 0 && n < 100, `${n} calls of a 5,000-statement function on ${LIMITS.instructions} instructions`)
})

t.test('a backward goto is charged for the block it repeats', async (t) => {
  const env = testEnv()
  const r = runLuaForTest(`n = 0 local a = 0 ::top:: n = n + 1 ${'a = a + 1 '.repeat(5000)}goto top`, { env, limits: LIMITS })
  t.equal(r.budget, 'instructions')
  const n = env.getStr('n') as number
  t.ok(n > 0 && n < 100, `${n} passes on ${LIMITS.instructions} instructions`)
})

t.test('a coroutine switch costs as many instructions as it takes time', async (t) => {
  const env = testEnv()
  const r = runLuaForTest('n = 0 local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() n = n + 1 end', {
    env,
    limits: LIMITS,
  })
  t.equal(r.budget, 'instructions')
  const n = env.getStr('n') as number
  t.ok(n > 0 && n <= LIMITS.instructions / 100, `${n} resumes on ${LIMITS.instructions} instructions (100 each)`)
})

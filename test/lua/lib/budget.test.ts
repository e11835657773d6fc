// The libraries charge the run's budget: pathological patterns, huge reps and long
// library loops stop with BudgetExceeded (which pcall cannot catch) instead of holding
// the event loop or the heap; outside a run nothing is metered.
import t, { type Test } from 'tap'
import { B, type BudgetLimits } from '../../../src/lua/core/budget.js'
import { BudgetExceeded, LuaError, catchable } from '../../../src/lua/core/errors.js'
import { LuaTable, type LuaFunction, type LuaValue } from '../../../src/lua/core/value.js'
import { standardLibs } from '../../../src/lua/lib/index.js'

const libs = standardLibs()
const str = (name: string): LuaFunction => libs.string!.getStr(name) as LuaFunction
const tab = (name: string): LuaFunction => libs.table!.getStr(name) as LuaFunction
const LIMITS: BudgetLimits = { instructions: 100_000, memory: 1 << 20, wallMs: 60_000 }

/** Runs f under an armed budget; returns what it threw (or undefined). */
function metered(f: () => unknown, limits: BudgetLimits = LIMITS): unknown {
  B.begin(limits)
  try {
    f()
    return undefined
  } catch (e) {
    return e
  } finally {
    B.end()
  }
}

function stopsOn(t: Test, what: 'instructions' | 'memory', f: () => unknown, name: string): void {
  const e = metered(f)
  t.ok(e instanceof BudgetExceeded, `${name}: stopped by the budget`)
  t.equal((e as BudgetExceeded).what, what, `${name}: ${what}`)
  t.notOk(catchable(e), `${name}: pcall cannot catch it`)
}

const a150 = 'a'.repeat(150)

t.test('pathological patterns stop on the instruction budget', (t) => {
  stopsOn(t, 'instructions', () => str('find')(a150, '.-.-.-.-b'), 'find .-.-.-.-b')
  stopsOn(t, 'instructions', () => str('match')(a150, '(.*)(.*)(.*)(.*)b'), 'match (.*)x4 b')
  stopsOn(t, 'instructions', () => str('gsub')(a150, '.-.-.-.-b', 'x'), 'gsub .-.-.-.-b')
  stopsOn(t, 'instructions', () => (str('gmatch')(a150, '.-.-.-.-b')[0] as LuaFunction)(), 'gmatch .-.-.-.-b')
  stopsOn(t, 'instructions', () => str('find')('a'.repeat(100_000), 'a'.repeat(200) + '.b'), 'long pattern retried at every position')
  stopsOn(t, 'instructions', () => str('find')('('.repeat(50_000), '%b()'), 'unbalanced %b over a long subject')
  t.end()
})

t.test('the same pathological find completes when the budget is generous', (t) => {
  // 30 a's keep it small enough to finish: the budget counts the work, it does not refuse the pattern.
  const e = metered(() => t.same(str('find')('a'.repeat(30), '.-.-.-b'), [undefined]), { ...LIMITS, instructions: 10_000_000 })
  t.equal(e, undefined)
  t.end()
})

t.test('huge strings stop on the memory budget before they are built', (t) => {
  const rss = process.memoryUsage().rss
  stopsOn(t, 'memory', () => str('rep')('x', 1e9), 'rep 1 GB')
  stopsOn(t, 'memory', () => str('rep')('abc', 2 ** 30, ','), 'rep with separator')
  stopsOn(t, 'memory', () => str('rep')('x', 2e6), 'rep 2 MB over a 1 MiB budget')
  t.ok(process.memoryUsage().rss - rss < 256 * 1024 * 1024, 'nothing near a gigabyte was allocated')
  const big = 'x'.repeat(600_000)
  stopsOn(t, 'memory', () => str('gsub')('ab'.repeat(10), 'a', big), 'gsub inserting 600 KB ten times')
  stopsOn(t, 'memory', () => str('format')('%s%s', big, big), 'format of two 600 KB strings')
  stopsOn(t, 'memory', () => str('upper')(big + big), 'upper of 1.2 MB')
  stopsOn(t, 'memory', () => tab('concat')(new LuaTable([big, big])), 'concat of 1.2 MB')
  t.end()
})

t.test('library loops charge per element', (t) => {
  const arr: LuaValue[] = Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 50_000)
  stopsOn(t, 'instructions', () => tab('sort')(new LuaTable(arr.slice())), 'sort 50,000 numbers')
  const cmp: LuaFunction = (x, y) => [(x as number) > (y as number)]
  stopsOn(t, 'instructions', () => tab('sort')(new LuaTable(arr.slice()), cmp), 'sort with a comparator')
  stopsOn(t, 'instructions', () => tab('insert')(new LuaTable([1]), -2_000_000_000, 'x'), 'insert far below the array')
  stopsOn(t, 'instructions', () => tab('move')(new LuaTable(), 1, 1e300, 1), 'move over an endless range')
  const strings = new LuaTable(Array.from({ length: 200_000 }, () => 'x'))
  stopsOn(t, 'instructions', () => tab('concat')(strings), 'concat of 200,000 items')
  const n = { left: 0 }
  const counter: LuaFunction = () => {
    n.left++
    return [undefined]
  }
  stopsOn(t, 'instructions', () => tab('foreachi')(strings, counter), 'foreachi over 200,000 items')
  t.ok(n.left < 200_000, 'foreachi stopped before the end')
  t.end()
})

t.test('unmetered outside a run; limits that remain are LuaJIT errors', (t) => {
  t.equal((str('rep')('ab', 1000)[0] as string).length, 2000)
  t.throws(() => str('rep')('x', 2 ** 31 - 1), new LuaError('not enough memory'), 'beyond the longest JS string')
  t.throws(() => str('byte')('x'.repeat(9000), 1, -1), new LuaError('string slice too long'))
  t.throws(() => tab('unpack')(new LuaTable(), 1, 1e6), new LuaError('too many results to unpack'))
  t.equal(B.running, false)
  t.end()
})

t.test('upper, lower and reverse of megabytes can be stopped halfway by the wall-time guard', (t) => {
  // A clock that moves 1 ms each time the budget reads it: a call the budget reads the clock
  // in more than ten times cannot finish under a 10 ms guard.
  const realNow = performance.now.bind(performance)
  let fake = realNow()
  performance.now = () => (fake += 1)
  t.teardown(() => {
    performance.now = realNow
  })
  const big = 'ab'.repeat(4 << 20)
  const limits: BudgetLimits = { instructions: 1e9, memory: 1 << 30, wallMs: 10 }
  for (const name of ['upper', 'lower', 'reverse']) {
    const e = metered(() => str(name)(big), limits)
    t.ok(e instanceof BudgetExceeded && e.what === 'time', `${name} of 8 MB: stopped on time`)
  }
  t.end()
})

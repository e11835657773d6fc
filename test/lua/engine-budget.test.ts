// The engine's budgets across runs: the chunks of one phase share one budget, and the wall-time
// guard holds for all the runs of one request (its phases and plugins can run back to back without
// the event loop turning). The clock is the test's: `skip(ms)` moves performance.now() on, and the
// guard is set to a second so that a busy machine's own delays (tens of ms) stay far inside it.
import t from 'tap'
import { DEFAULT_LIMITS, createLuaEngine, phaseBudget, setLuaLimits } from '../../src/lua/engine.js'
import type { LuaFunction } from '../../src/lua/core/value.js'
import type { Kit } from '../../src/plugins/types.js'

const realNow = performance.now.bind(performance)
let offset = 0
performance.now = () => realNow() + offset
const WALL_MS = 1000
setLuaLimits({ wallMs: WALL_MS })
t.teardown(() => {
  performance.now = realNow
  setLuaLimits(DEFAULT_LIMITS)
})
const skip: LuaFunction = (ms) => {
  offset += ms as number
  return []
}

const engine = createLuaEngine()
// A kit stands for one request: the engine keys the request's wall time on it.
const request = () => ({}) as Kit
// Takes `ms` of (the test's) wall time, then loops long enough for the budget to read the clock.
const slow = (ms: number) => engine.compile(`skip(${ms}) for i = 1, 20000 do end`, 'slow')
const run = (c: ReturnType<typeof slow>, kit: Kit): string => {
  try {
    c.runSync(kit, { skip }, { phase: 'access', budget: phaseBudget() })
    return 'ok'
  } catch (e) {
    return (e as Error).message
  }
}

t.test('two runs of one request share the wall-time guard; another request starts afresh', async (t) => {
  const ms = WALL_MS * 0.6
  const a = slow(ms)
  const b = slow(ms)
  const kit = request()
  t.equal(run(a, kit), 'ok', 'the first run stays under the guard')
  t.equal(run(b, kit), 'execution time budget exceeded', 'the second has only what the first left')
  t.equal(run(b, request()), 'ok', 'the same chunk in another request has the whole guard')
})

t.test("a phase's chunks share one instruction budget", async (t) => {
  // About 60 % of the instructions each (two per iteration).
  const chunk = engine.compile(`local n = 0 for i = 1, ${DEFAULT_LIMITS.instructions * 0.3} do n = n + i end`, 'half')
  const shared = phaseBudget()
  const ctx = { phase: 'access' as const, budget: shared }
  t.equal(chunk.runSync(request(), undefined, ctx), undefined, 'the first chunk runs')
  t.throws(() => chunk.runSync(request(), undefined, ctx), /execution budget exceeded/, 'the second runs out of what is left')
  t.equal(chunk.runSync(request(), undefined, { phase: 'access', budget: phaseBudget() }), undefined, 'a new phase has a new budget')
})

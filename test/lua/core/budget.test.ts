// The run's budget itself: a charge bigger than what is left stops the run at once, and a
// budget shared by several runs (a phase's chunks) is drawn down by each.
import t from 'tap'
import { B, type BudgetLimits } from '../../../src/lua/core/budget.js'
import { BudgetExceeded } from '../../../src/lua/core/errors.js'

const LIMITS: BudgetLimits = { instructions: 100_000, memory: 1 << 20, wallMs: 60_000 }

function metered(f: () => void, limits: BudgetLimits = LIMITS): unknown {
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

t.test('one charge bigger than the rest of the budget stops the run at once', async (t) => {
  let after = false
  const e = metered(() => {
    B.steps(LIMITS.instructions + 1)
    after = true
  })
  t.ok(e instanceof BudgetExceeded && e.what === 'instructions', 'stopped on instructions')
  t.notOk(after, 'nothing after the charge ran')
})

t.test('charges bigger than a slice add up to the budget, not to one slice each', async (t) => {
  let charged = 0
  const e = metered(() => {
    for (;;) {
      B.steps(25_000)
      charged += 25_000
    }
  })
  t.ok(e instanceof BudgetExceeded)
  t.equal(charged, LIMITS.instructions, 'exactly the budget was spent before the stop')
})

t.test('charge() takes what a run used off a shared budget', async (t) => {
  const shared: BudgetLimits = { ...LIMITS }
  B.begin(shared)
  B.steps(30_000)
  B.alloc(1000)
  B.charge(shared)
  B.end()
  t.equal(shared.instructions, LIMITS.instructions - 30_000)
  t.equal(shared.memory, LIMITS.memory - 1000)
  t.ok(shared.wallMs <= LIMITS.wallMs)
  const e = metered(() => B.steps(80_000), shared)
  t.ok(e instanceof BudgetExceeded, 'the next run has only what is left')
})

t.test('a run stopped for one reason reports it, whatever runs after the stop', async (t) => {
  const e = metered(() => {
    try {
      B.alloc(LIMITS.memory + 1)
    } finally {
      // A library's cleanup charging its last steps (the regex machine does) must not relabel the stop.
      B.steps(1)
    }
  })
  t.ok(e instanceof BudgetExceeded && e.what === 'memory', `stopped on memory (${(e as BudgetExceeded).what})`)
})

t.test('the wall-time guard fires soon after its deadline, however slow each instruction is', async (t) => {
  // A clock that moves 0.05 ms per instruction: a 10,000-instruction slice would be 500 ms.
  const realNow = performance.now.bind(performance)
  let fake = realNow()
  performance.now = () => fake
  t.teardown(() => {
    performance.now = realNow
  })
  const start = fake
  const e = metered(
    () => {
      for (;;) {
        fake += 0.05
        B.steps(1)
      }
    },
    { instructions: 1e9, memory: 1 << 20, wallMs: 10 },
  )
  t.ok(e instanceof BudgetExceeded && e.what === 'time')
  // The first slice (100 instructions, 5 ms here) tells the budget to read the clock about every ms.
  t.ok(fake - start < 12, `stopped at ${(fake - start).toFixed(2)} ms of a 10 ms guard`)
})

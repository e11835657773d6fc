/**
 * The budget of one Lua run: instructions (counted at function entries and
 * loop back-edges by compiled code, and per step by library functions written
 * in TypeScript), bytes created (strings and table slots), and wall time as a
 * last guard.
 *
 * Runs are synchronous and never nest, so one module-level budget serves every
 * run: compiled code decrements `B.left` and calls `B.out()` when it goes
 * below zero. `left` is a slice of the run's allowance; `out()` books the
 * slice, checks the clock, and either hands out the next slice or throws
 * BudgetExceeded, which pcall cannot catch.
 */
import { BudgetExceeded } from './errors.js'

export interface BudgetLimits {
  /** Instructions per run (default 1,000,000: a few ms of tight Lua, compiler/weight.ts says what one is). */
  instructions: number
  /** Bytes of strings and table slots a run may create (default 16 MiB). */
  memory: number
  /**
   * Wall-clock guard per run, in ms (default 20; the engine holds it for all
   * the runs of one request). Instructions bound the work but not its cost: a
   * loop that fills a table or builds strings pays the garbage collector too
   * (1,000,000 such instructions take 60-400 ms). The guard keeps any run,
   * plus what cannot be stopped around it (a collection, a rope flattened),
   * under the 50 ms of event-loop stall a concurrent request may see
   * (test/lua/attacks.test.ts): at 40 ms runs reached 50, at 25 ms 47.
   */
  wallMs: number
}

export const DEFAULT_BUDGET: BudgetLimits = { instructions: 1_000_000, memory: 16 * 1024 * 1024, wallMs: 20 }

/**
 * Instructions handed out per slice: the clock is read once per slice. A run
 * starts with a small slice; each next slice is sized so that the clock is
 * read about once per CHECK_MS, up to SLICE for cheap instructions and down
 * to MIN_SLICE when they are slow (cold code, library calls that cost more
 * than they are charged): the wall-time guard then fires within about a
 * millisecond of its deadline instead of a whole 10,000-instruction slice
 * later (20-40 ms seen for a cold regex interpreter).
 */
const SLICE = 10_000
const FIRST_SLICE = 100
const MIN_SLICE = 10
const CHECK_MS = 1

class Budget {
  /** Steps left in the current slice: compiled code does `if (--B.left < 0) B.out()`. */
  left = Number.POSITIVE_INFINITY
  /** Bytes left for the run. */
  bytes = Number.POSITIVE_INFINITY
  private rest = 0
  private deadline = 0
  private active = false
  /** The current slice size and when the clock was last read. */
  private slice = FIRST_SLICE
  private checked = 0
  /** Why the run was stopped: later stops (a `finally` charging steps) report the same. */
  private stopped: BudgetExceeded['what'] | undefined = undefined
  /** What the run was given, for `charge`. */
  private granted = 0
  private memory = 0
  private started = 0
  /** Bytes of the host's values handed to the run (headers, bodies): not limited, but they may be kept. */
  private taken = 0

  /** Arms the budget for one run. */
  begin(limits: BudgetLimits): void {
    this.active = true
    this.slice = FIRST_SLICE
    this.left = Math.min(FIRST_SLICE, limits.instructions)
    this.rest = limits.instructions - this.left
    this.bytes = limits.memory
    this.stopped = undefined
    this.started = this.checked = performance.now()
    this.deadline = this.started + limits.wallMs
    this.granted = limits.instructions
    this.memory = limits.memory
    this.taken = 0
  }

  /**
   * Takes what the current run has used so far off `account`: a budget that
   * several runs share (the chunks of one plugin phase, the templates of one
   * rendering), so that adding runs does not add budget.
   */
  charge(account: BudgetLimits): void {
    account.instructions -= this.granted - (this.left + this.rest)
    account.memory -= this.memory - this.bytes
    account.wallMs -= this.elapsed()
  }

  /**
   * Bytes the run has created or been handed so far: what it could have kept
   * in state that outlives it (core/retained.ts decides when to measure).
   */
  used(): number {
    if (!this.active) return 0
    return Math.max(0, this.memory - Math.max(this.bytes, 0)) + this.taken
  }

  /** Counts `n` bytes of a host value handed to the run (not limited: the host made them). */
  take(n: number): void {
    this.taken += n
  }

  /** Wall time since the run began, in ms. */
  elapsed(): number {
    return performance.now() - this.started
  }

  /** Disarms it (outside a run, nothing is metered: config-time evaluation has its own guard). */
  end(): void {
    this.active = false
    this.left = Number.POSITIVE_INFINITY
    this.bytes = Number.POSITIVE_INFINITY
  }

  /**
   * The current slice is spent: the next one, or BudgetExceeded. `left` may be
   * far below zero (a weighted back-edge, `steps(n)` with a big n): the whole
   * deficit is paid from the rest at once, so a large charge stops the run
   * now instead of being spread over the next checks.
   */
  out(): void {
    if (!this.active) {
      this.left = Number.POSITIVE_INFINITY
      return
    }
    if (this.rest + this.left < 0) this.fail('instructions')
    const now = performance.now()
    if (now > this.deadline) this.fail('time')
    const took = now - this.checked
    this.checked = now
    this.slice = took > CHECK_MS ? Math.max(MIN_SLICE, Math.floor((this.slice * CHECK_MS) / took)) : Math.min(SLICE, this.slice * 2)
    const n = Math.min(this.slice - this.left, this.rest)
    this.rest -= n
    this.left += n
  }

  /** Library code: charges `n` steps at once (a pattern match's loop, string.rep's bytes). */
  steps(n: number): void {
    this.left -= n
    if (this.left < 0) this.out()
  }

  /** Charges `n` bytes created (a new string, a new table slot). */
  alloc(n: number): void {
    this.bytes -= n
    if (this.bytes < 0) this.fail('memory')
  }

  /** Whether a run is being metered. */
  get running(): boolean {
    return this.active
  }

  private fail(what: BudgetExceeded['what']): never {
    // Stay exhausted: anything that runs after this (a __gc, an error handler, a library's
    // `finally`) fails at once, for the reason the run was first stopped.
    this.left = Number.NEGATIVE_INFINITY
    this.rest = 0
    this.bytes = Number.NEGATIVE_INFINITY
    this.stopped ??= what
    throw new BudgetExceeded(this.stopped)
  }
}

/** The process's budget (runs are synchronous and never nest). */
export const B = new Budget()

/**
 * The bound on what Lua keeps between requests. Every chunk whose state
 * outlives a run (a pre-function's globals, the upvalues of the function a
 * chunk returned) registers here; after each run the engine books what the
 * run created or was handed, and once enough has gone by the state is
 * measured (core/retained.ts). A state over the bound is reset, as if the
 * config had just been loaded; when it is the chunk that just ran, its
 * request fails with Kong's 500, else the reset is logged.
 *
 * When to look. A chunk's own state: after it has created `CHECK_BYTES`, or as
 * many bytes as it held at its last look (whichever is more), or after
 * `CHECK_RUNS` of its runs per `CHECK_BYTES` held. A look costs about as much
 * as the state it measures, so its cost per byte created stays constant
 * however large legitimate state is, a chunk stops within `CHECK_BYTES` (and
 * one run) past the bound, and a chunk keeping a little of every request (a
 * header) is still seen within a bounded number of runs. Every state: on the
 * same rule over all runs together, since one chunk's run can grow another's
 * state by calling a closure the other left in ngx.ctx.
 */
import { luaStateTooLarge } from '../errors.js'
import { RetainedWalk } from './core/retained.js'
import type { LuaValue } from './core/value.js'

export interface KeptStateSpec {
  /** The chunk, as logs name it (`access[0]`). */
  readonly name: string
  /** Where its state starts: its globals table, the function it runs. */
  roots(): LuaValue[]
  /** Starts it afresh: empty globals, its main function again. */
  reset(): void
  /** Where a reset is logged when another chunk's run found it. */
  log(msg: string): void
}

/** What a run booked since a look, and what the look found. */
class Account {
  bytes = 0
  runs = 0
  size = 0

  /** Books a run; whether it is time to look. */
  book(used: number): boolean {
    this.bytes += used
    this.runs++
    return this.bytes >= Math.max(CHECK_BYTES, this.size) || this.runs >= CHECK_RUNS * Math.max(1, this.size / CHECK_BYTES)
  }

  looked(size: number): void {
    this.bytes = 0
    this.runs = 0
    this.size = size
  }
}

export interface KeptState extends KeptStateSpec {
  readonly account: Account
}

const CHECK_BYTES = 4 * 1024 * 1024
const CHECK_RUNS = 1000

/** Registered states, held weakly: a config swapped out takes its chunks with it. */
const states = new Set<WeakRef<KeptState>>()
const gone = new FinalizationRegistry<WeakRef<KeptState>>((ref) => states.delete(ref))
/** All runs together. */
const all = new Account()

/** Registers a chunk's state; the engine passes what it returns to `afterRun`. */
export function keepState(spec: KeptStateSpec): KeptState {
  const s: KeptState = { ...spec, account: new Account() }
  const ref = new WeakRef(s)
  states.add(ref)
  gone.register(s, ref)
  return s
}

/**
 * Books a run that created or took `used` bytes, `ran` being the state of the
 * chunk that ran (if it keeps one); measures when it is time. Returns the
 * message when `ran` was over `limit` and has been reset.
 */
export function afterRun(used: number, ran: KeptState | undefined, limit: number): string | undefined {
  let failed: string | undefined
  if (ran !== undefined && ran.account.book(used)) {
    const size = new RetainedWalk().measure(ran.roots(), limit)
    if (size > limit) failed = reset(ran, limit, true)
    else ran.account.looked(size)
  }
  if (all.book(used)) failed = measureAll(ran, limit) ?? failed
  return failed
}

/** Measures every registered state now (afterRun when it is time); returns the message when `ran` was reset. */
export function measureAll(ran: KeptState | undefined, limit: number): string | undefined {
  const walk = new RetainedWalk()
  let total = 0
  let failed: string | undefined
  for (const ref of states) {
    const s = ref.deref()
    if (s === undefined) {
      states.delete(ref)
      continue
    }
    const size = walk.measure(s.roots(), limit)
    if (size <= limit) total += size
    else if (s === ran) failed = reset(s, limit, true)
    else reset(s, limit, false)
  }
  all.looked(total)
  return failed
}

/** Resets `s`; its message, which the chunk's own failed run reports, or else is logged here. */
function reset(s: KeptState, limit: number, ran: boolean): string {
  s.reset()
  s.account.looked(0)
  const msg = luaStateTooLarge(s.name, limit)
  if (!ran) s.log(msg)
  return msg
}

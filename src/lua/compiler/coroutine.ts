/**
 * The coroutine library. A coroutine runs its function's generator form
 * (chunks that mention `coroutine` compile every function as a generator,
 * calls as `yield*`), so coroutine.yield suspends the whole Lua stack of the
 * coroutine down to resume. A yield under a plain call (a library function
 * calling back into Lua, a metamethod, a function of a chunk compiled without
 * generators) cannot suspend: it raises LuaJIT's "attempt to yield across
 * C-call boundary" where it stands. pcall and xpcall have generator forms, so
 * yielding across them works, as in LuaJIT.
 *
 * The budget is per run, not per coroutine: every coroutine draws on `B`.
 */
import { B } from '../core/budget.js'
import { LuaError, catchable } from '../core/errors.js'
import * as ops from '../core/ops.js'
import { up, type KeptThread } from '../core/retained.js'
import { LuaTable, typeName, type LuaFunction, type LuaValue } from '../core/value.js'
import { markSettled, settle } from './positions.js'
import { YIELD_ACROSS, type GenLuaFunction, type LuaGenerator } from './runtime.js'

/** Bytes charged per coroutine (its generator and state). */
const COROUTINE_BYTES = 512

/**
 * Instructions charged per resume: switching to a coroutine goes through its
 * generators (about 1 µs), some hundred times a compiled loop's back-edge, so
 * 1,000 coroutines taking turns would otherwise run into the wall-time guard
 * instead of the instruction budget.
 */
const RESUME_STEPS = 100

type Status = 'suspended' | 'running' | 'normal' | 'dead'

export class Coroutine implements KeptThread {
  readonly luaThread = true
  status: Status = 'suspended'
  it: LuaGenerator | undefined = undefined
  /** Bytes created or taken while it ran: what its suspended frames may hold (core/retained.ts). */
  kept = 0
  constructor(readonly fn: LuaFunction) {}
}

/** The running coroutine; undefined on the main thread. */
let current: Coroutine | undefined

const ACROSS = 'attempt to yield across C-call boundary'

function checkCo(v: LuaValue, fname: string): Coroutine {
  if (!(v instanceof Coroutine)) ops.argError(1, fname, 'coroutine expected')
  return v
}

function create(f?: LuaValue): LuaValue[] {
  if (typeof f !== 'function') ops.argError(1, 'create', `function expected, got ${f === undefined ? 'no value' : typeName(f)}`)
  B.alloc(COROUTINE_BYTES)
  return [new Coroutine(f as LuaFunction)]
}

/** Resumes `co`: [true, values...] or [false, error value]. */
function resumeRaw(co: Coroutine, args: LuaValue[]): LuaValue[] {
  if (co.status === 'dead') return [false, 'cannot resume dead coroutine']
  if (co.status !== 'suspended') return [false, 'cannot resume running coroutine']
  B.steps(RESUME_STEPS)
  const prev = current
  if (prev !== undefined) prev.status = 'normal'
  current = co
  co.status = 'running'
  const used = B.used()
  try {
    let r: IteratorResult<LuaValue[], LuaValue[]>
    if (co.it === undefined) {
      const g = (co.fn as GenLuaFunction).$gen
      if (g === undefined) r = { done: true, value: co.fn(...args) }
      else {
        co.it = g(...args)
        r = co.it.next()
      }
    } else r = co.it.next(args)
    co.status = r.done ? 'dead' : 'suspended'
    if (r.done) co.it = undefined
    return [true, ...r.value]
  } catch (e) {
    co.status = 'dead'
    co.it = undefined
    if (!catchable(e)) throw e
    return [false, settle(e).value]
  } finally {
    co.kept += B.used() - used
    current = prev
    if (prev !== undefined) prev.status = 'running'
  }
}

function resume(co?: LuaValue, ...args: LuaValue[]): LuaValue[] {
  return resumeRaw(checkCo(co, 'resume'), args)
}

/** coroutine.yield under a plain call: there is no generator to suspend. */
function yieldPlain(): LuaValue[] {
  throw new LuaError(ACROSS)
}

function* yieldGen(...args: LuaValue[]): LuaGenerator {
  const back = yield args
  if (back === YIELD_ACROSS) throw new LuaError(ACROSS)
  return back
}
;(yieldPlain as GenLuaFunction).$gen = yieldGen

function status(co?: LuaValue): LuaValue[] {
  return [checkCo(co, 'status').status]
}

function running(): LuaValue[] {
  return [current]
}

function isyieldable(): LuaValue[] {
  return [current !== undefined]
}

function wrap(f?: LuaValue): LuaValue[] {
  if (typeof f !== 'function') ops.argError(1, 'wrap', `function expected, got ${f === undefined ? 'no value' : typeName(f)}`)
  B.alloc(COROUTINE_BYTES)
  const co = new Coroutine(f as LuaFunction)
  const wrapped = (...args: LuaValue[]): LuaValue[] => {
    // The wrapper's own errors get the caller's position; errors raised inside keep their value.
    if (co.status === 'dead') throw new LuaError('cannot resume dead coroutine')
    if (co.status !== 'suspended') throw new LuaError('cannot resume running coroutine')
    const r = resumeRaw(co, args)
    if (r[0] === true) return r.slice(1)
    throw markSettled(new LuaError(r[1]))
  }
  return [up(wrapped, () => [co])]
}

let lib: LuaTable | undefined

/** The coroutine library table (shared, read-only). */
export function coroutineLib(): LuaTable {
  if (lib !== undefined) return lib
  const t = new LuaTable()
  const fns: Record<string, LuaFunction> = { create, resume, yield: yieldPlain, status, running, isyieldable, wrap }
  for (const [k, f] of Object.entries(fns)) t.setStr(k, f)
  t.readonlyName = 'coroutine'
  lib = t
  return t
}

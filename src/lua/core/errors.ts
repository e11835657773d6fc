/**
 * What a Lua run can throw. LuaError carries any Lua value (error() takes any
 * value) and is what pcall catches; BudgetExceeded is not a LuaError, so pcall
 * and xpcall rethrow it and a runaway snippet cannot swallow its own stop.
 */
import type { LuaValue } from './value.js'

/** Frames of JS stack a LuaError keeps. */
const STACK_FRAMES = 32

/** A Lua error: `value` is what error() was given (a message already carries its position). */
export class LuaError extends Error {
  /** Lua's traceback, filled in where the error leaves the run (engine), for the log. */
  luaTraceback: string | undefined
  constructor(readonly value: LuaValue) {
    // The JS stack is where the compiler finds the Lua position and traceback: keep enough of it
    // to reach past library helpers (V8 keeps 10 frames by default).
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = STACK_FRAMES
    super(typeof value === 'string' ? value : 'a non-string Lua error value')
    Error.stackTraceLimit = limit
    this.name = 'LuaError'
  }
}

/**
 * Errors whose value is final: error() made them, a position was added once,
 * or LuaJIT raises them without one (from inside a library function or a
 * metamethod call). Whoever settles errors (compiler/positions.ts) adds no
 * position to these.
 */
const settled = new WeakSet<object>()

/** Marks an error as carrying its final value. */
export function markSettled(e: LuaError): LuaError {
  settled.add(e)
  return e
}

export function isSettled(e: object): boolean {
  return settled.has(e)
}

/** A run went over its budget. Never caught by Lua code. */
export class BudgetExceeded extends Error {
  constructor(readonly what: 'instructions' | 'memory' | 'time') {
    super(what === 'instructions' ? 'execution budget exceeded' : what === 'memory' ? 'not enough memory' : 'execution time budget exceeded')
    this.name = 'BudgetExceeded'
  }
}

/**
 * kong.response.exit / ngx.exit unwinding the run: not an error, and pcall does
 * not catch it (as Kong's). Not an Error either: nothing reads a stack, and
 * making one was a fifth of the CPU time of a by_lua that answers with
 * kong.response.exit (bench/lua-micro.mjs, aggregation); an Error without
 * its stack still cost 2 µs a request in the gateway.
 */
export class LuaExit {
  readonly name = 'LuaExit'
  readonly message = 'exit'
}

/** Whether pcall may catch `e`: Lua errors and JS errors raised by library code, never a stop. */
export function catchable(e: unknown): boolean {
  return !(e instanceof BudgetExceeded || e instanceof LuaExit)
}

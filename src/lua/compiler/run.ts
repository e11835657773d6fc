/**
 * Running a chunk once under a budget, with print captured: what tests (and
 * the differential corpus) use to compare this runtime with LuaJIT.
 */
import { B, type BudgetLimits } from '../core/budget.js'
import { BudgetExceeded, LuaError, LuaExit } from '../core/errors.js'
import * as ops from '../core/ops.js'
import { LuaTable, type LuaValue } from '../core/value.js'
import { openLibs, tableModule } from '../lib/index.js'
import { setPrintSink, writeOut } from './base.js'
import { compile } from './compile.js'
import { settle, traceback } from './positions.js'

export interface TestRunOptions {
  /** Chunk name (`=stdin` by default, as `luajit - < file` names it). */
  chunkname?: string
  /** Globals; a fresh environment (testEnv: every library, `_G`, `io.write`, `require`) by default. */
  env?: LuaTable
  /**
   * The run's budget. Tests compare behaviour, not speed: by default a run may
   * take 100M instructions, 256 MiB and 10 s (the gateway's defaults are far
   * smaller), so a loaded machine does not turn a slow run into a failure.
   */
  limits?: Partial<BudgetLimits>
}

const TEST_BUDGET: BudgetLimits = { instructions: 100_000_000, memory: 256 * 1024 * 1024, wallMs: 10_000 }

export interface TestRunResult {
  /** What print (and io.write) wrote, as text (bytes decoded as UTF-8, as a terminal would). */
  output: string
  /** The same output as bytes, for byte-for-byte comparison with luajit's stdout. */
  bytes: Buffer
  /** The error that ended the run, as luajit's standalone interpreter shows it (without "luajit: "). */
  error?: string
  /** Its Lua traceback, for logs. */
  traceback?: string
  /** The run went over its budget (instructions, memory or time). */
  budget?: BudgetExceeded['what']
}

/**
 * A fresh environment for tests: every library, `_G`, `io.write` writing where
 * print does, and a `require` that knows LuaJIT's table.new and table.clear
 * modules (and OpenResty's other table.* ones).
 */
export function testEnv(): LuaTable {
  const env = openLibs(new LuaTable())
  env.setStr('_G', env)
  env.setStr('require', (...args: LuaValue[]) => {
    const name = ops.checkString(args[0], 1, 'require')
    const mod = tableModule(name)
    if (mod === undefined) throw new LuaError(`module '${name}' not found`)
    return [mod]
  })
  const io = new LuaTable()
  io.setStr('write', (...args: LuaValue[]) => {
    for (let i = 0; i < args.length; i++) writeOut(ops.checkString(args[i], i + 1, 'write'))
    return [io]
  })
  env.setStr('io', io)
  return env
}

/** An error value as luajit's standalone interpreter prints it ('' for nil: it prints nothing). */
function describe(v: LuaValue): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return ops.tostring(v)
  if (v === undefined) return ''
  const h = ops.metamethod(v, '__tostring')
  if (h !== undefined) {
    const s = ops.call(h, [v])[0]
    if (typeof s === 'string') return s
  }
  return '(error object is not a string)'
}

/** Compiles and runs `source` once, capturing print. */
export function runLuaForTest(source: string, opts: TestRunOptions = {}): TestRunResult {
  const env = opts.env ?? testEnv()
  let out = ''
  const prev = setPrintSink((s) => {
    out += s
  })
  const result: Omit<TestRunResult, 'output' | 'bytes'> = {}
  try {
    // Compiling is config-time work, outside the run's budget.
    const f = compile(source, opts.chunkname ?? '=stdin', env)
    B.begin({ ...TEST_BUDGET, ...opts.limits })
    f()
  } catch (e) {
    if (!(e instanceof LuaExit)) {
      try {
        // Still under the budget: describing the error may run a __tostring, which must not run unmetered.
        if (e instanceof BudgetExceeded) throw e
        result.error = describe(settle(e).value)
        result.traceback = traceback(e)
      } catch (e2) {
        if (!(e2 instanceof BudgetExceeded)) throw e2
        result.budget = e2.what
        result.error = e2.message
      }
    }
  } finally {
    B.end()
    setPrintSink(prev)
  }
  const bytes = Buffer.from(out, 'latin1')
  return { output: bytes.toString('utf8'), bytes, ...result }
}

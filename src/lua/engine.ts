/**
 * The Lua engine: Kong users' Lua compiled to JavaScript (src/lua/compiler)
 * and run in Kong's sandbox (sandbox-env.ts) with the PDK (src/lua/pdk).
 *
 * - Each chunk compiles once, with its own globals table whose reads fall
 *   through to the read-only sandbox. Its globals and upvalues persist between
 *   runs, per process, as Kong keeps them per worker; a chunk that returns a
 *   function on its first run has that function run from then on (Kong's
 *   serverless "with upvalues").
 * - A run is synchronous: the request body is read beforehand when the source
 *   may ask for it. The budget (instructions, bytes, wall time) is armed for
 *   the run and for turning its error value into a message, so neither a
 *   runaway loop nor a runaway __tostring can hold the event loop. Runs that
 *   belong together (the chunks of one plugin phase, the templates of one
 *   rendering) share one budget (`phaseBudget`), and the wall-time guard
 *   holds for all the runs of one request, so a config cannot multiply the
 *   stall by adding chunks, phases or plugins.
 * - Errors: a LuaExit is an answer (kong.response.exit / ngx.exit), a
 *   BudgetExceeded or LuaError rejects the run with Lua's message, and the
 *   traceback rides along for the log.
 */
import type { Exit, Kit } from '../plugins/types.js'
import { B, DEFAULT_BUDGET, type BudgetLimits } from './core/budget.js'
import { BudgetExceeded, LuaError, LuaExit } from './core/errors.js'
import { metamethod, call } from './core/ops.js'
import { LuaTable, type LuaFunction, type LuaValue } from './core/value.js'
import { compile, settle, traceback } from './compiler/index.js'
import { fromLua, toLua } from './pdk/convert.js'
import { outputExit } from './pdk/ngx.js'
import { current, type LuaLogLevel, type LuaPhase, type LuaRun } from './pdk/run.js'
import { afterRun, keepState, type KeptState } from './retained-state.js'
import { writeBack } from './pdk/shared.js'
import { redactVaultValues } from './pdk/vault.js'
import { sandboxGlobals } from './sandbox-env.js'
import { checkLua, checkLuaExpression } from './syntax/index.js'
import type { LuaChunk, LuaExpression, LuaSyntaxError, LuaVars } from './types.js'

export interface LuaLimits extends BudgetLimits {
  /** Modules `require` may load (Kong's untrusted_lua_sandbox_requires); none by default. */
  requires: readonly string[]
  /** Bytes one chunk's globals and upvalues may keep between requests (retained-state.ts); 32 MiB. */
  retained: number
}

export const DEFAULT_LIMITS: LuaLimits = { ...DEFAULT_BUDGET, requires: [], retained: 32 * 1024 * 1024 }

let limits: LuaLimits = DEFAULT_LIMITS
let globals = sandboxGlobals(limits.requires)

/** The sandbox's globals (read-only), as chunks see them through their own environment. */
export function luaGlobals(): LuaTable {
  return globals
}

/** A chunk's own globals table: its writes stay in it, its reads fall through to the sandbox. */
function chunkEnv(): LuaTable {
  return resetEnv(new LuaTable())
}

/** Empties a chunk's globals table in place (compiled code holds it): only `_G` and the sandbox behind it. */
function resetEnv(env: LuaTable): LuaTable {
  const meta = new LuaTable()
  meta.setStr('__index', globals)
  env.arr = []
  env.hash = undefined
  env.metatable = meta
  env.setStr('_G', env)
  return env
}

/**
 * Sets the per-run limits and the require allow-list (serve flags); chunks
 * compiled later use them. Throws, changing nothing, when `requires` names a
 * module this gateway cannot load (the CLI checks first, with requirable.ts).
 */
export function setLuaLimits(next: Partial<LuaLimits>): void {
  const requires = next.requires ?? limits.requires
  if (requires.join(',') !== limits.requires.join(',')) globals = sandboxGlobals(requires)
  limits = { ...limits, ...next, requires }
}

/** A fresh budget for runs that share one (a plugin phase's chunks, a rendering's templates). */
export function phaseBudget(): BudgetLimits {
  return { instructions: limits.instructions, memory: limits.memory, wallMs: limits.wallMs }
}

/** A runtime error of a snippet: Lua's message, and its traceback for the log. */
export class LuaRunError extends Error {
  constructor(
    message: string,
    readonly luaTraceback: string | undefined,
  ) {
    super(message)
    this.name = 'LuaRunError'
  }
}

/** Log fields for a failed run: the route it served, Lua's traceback when there is one. */
export function luaErrorFields(e: unknown, kit: Kit | undefined): Record<string, unknown> {
  const f: Record<string, unknown> = { request_id: kit?.requestId, route: kit?.route?.name ?? kit?.route?.id }
  if (e instanceof LuaRunError && e.luaTraceback !== undefined) f.traceback = e.luaTraceback
  return f
}

/** What a run is for (phase) and where its logs go. */
export interface RunContext {
  phase?: LuaPhase
  /** body_filter: the chunk, changed in place by ngx.arg[1] / kong.response.set_raw_body. */
  chunk?: { data: string; eof: boolean }
  /** A budget shared with other runs (phaseBudget()): the run draws on it, what it uses is taken off. */
  budget?: BudgetLimits
}

export interface SyncLuaChunk extends LuaChunk {
  /** Whether the source may read the request body: `run` reads it first; without it `runSync` does the same. */
  readonly readsBody: boolean
  runSync(kit: Kit, vars?: LuaVars, ctx?: RunContext): Exit | undefined
  run(kit: Kit, vars?: LuaVars, ctx?: RunContext): Promise<Exit | undefined>
}

export interface SyncLuaExpression extends LuaExpression {
  evaluateSync(kit: Kit | undefined, vars?: LuaVars): unknown
  /** The Lua value itself (templates render it with Lua's tostring); `budget` as RunContext's. */
  evaluateLua(kit: Kit | undefined, vars?: LuaVars, budget?: BudgetLimits): LuaValue
}

/** A chunk run for its value (custom_fields_by_lua). */
export interface SyncLuaValueChunk {
  /**
   * Runs the chunk for `kit` and returns its first result. Each run starts
   * from fresh globals: Kong loads such code anew for every call
   * (`sandbox(code)()`), so nothing a run leaves in its globals is seen by
   * the next. Throws LuaRunError as `run` does.
   */
  valueSync(kit: Kit, ctx?: RunContext): LuaValue
}

export type LuaLogSink = (level: LuaLogLevel, msg: string) => void

export interface SyncLuaEngine {
  check(source: string): LuaSyntaxError | undefined
  checkExpression(expr: string): LuaSyntaxError | undefined
  /**
   * A chunk. `instance` is the plugin instance it belongs to, the key of kong.ctx.plugin:
   * every chunk given the same one shares that table within a request (all phases of one
   * pre-function, as in Kong); by default the chunk is an instance of its own.
   */
  compile(source: string, name: string, instance?: object): SyncLuaChunk
  /** An expression; `env` replaces the default environment (a templates' one: plugins/shared/lua-template.ts). */
  compileExpression(expr: string, env?: LuaTable): SyncLuaExpression
  /** `chunkname` as Lua's load takes it: the source itself gives LuaJIT's `[string "..."]` in messages. */
  compileValue(source: string, chunkname: string): SyncLuaValueChunk
}

/** An error value as a message, under the run's budget (its __tostring is Lua code too). */
function message(v: LuaValue): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v === undefined) return 'nil'
  const h = metamethod(v, '__tostring')
  if (h !== undefined) {
    try {
      const s = call(h, [v])[0]
      if (typeof s === 'string') return s
    } catch {
      // a __tostring that fails or runs out of budget: no message from it
    }
  }
  return '(error object is not a string)'
}

/**
 * Lua wall time each request has used so far (ms). The wall-time guard holds
 * for a request's runs together: the phases and plugins of one request may
 * run back to back without the event loop turning (rewrite and access of
 * every plugin, header_filter and body_filter), and a config could otherwise
 * stack a whole guard per run into one stall.
 */
const requestWall = new WeakMap<Kit, number>()

/**
 * Runs `f` as one metered run for `r` (drawing on `shared` when given);
 * returns its results or throws LuaRunError. `kept` is the state of the chunk
 * that runs, when it outlives the run: the run is booked for the
 * retained-state bound, and fails when that bound reset the chunk.
 */
function runMetered(f: LuaFunction, r: LuaRun, args: LuaValue[], shared?: BudgetLimits, kept?: KeptState): LuaValue[] {
  const saved = current.run
  current.run = r
  const given = shared ?? limits
  const spent = r.kit === undefined ? 0 : (requestWall.get(r.kit) ?? 0)
  B.begin(spent === 0 ? given : { ...given, wallMs: Math.min(given.wallMs, limits.wallMs - spent) })
  let res: LuaValue[]
  let over: string | undefined
  try {
    res = f(...args)
  } catch (e) {
    if (e instanceof LuaExit) res = []
    else if (e instanceof BudgetExceeded) throw new LuaRunError(e.message, undefined)
    else {
      const err = settle(e)
      const msg = redactVaultValues(message(err.value))
      const tb = traceback(e)
      throw new LuaRunError(msg, tb === undefined ? undefined : redactVaultValues(tb))
    }
  } finally {
    if (r.kit !== undefined) requestWall.set(r.kit, spent + B.elapsed())
    if (shared !== undefined) B.charge(shared)
    const used = B.used()
    B.end()
    current.run = saved
    if (r.shared !== undefined && r.kit !== undefined) {
      writeBack(r.kit.shared, r.shared)
      r.shared = undefined
    }
    // Outside the run (resetting a chunk allocates): a failed run is booked too, its error stands.
    over = afterRun(used, kept, limits.retained)
  }
  if (over !== undefined) throw new LuaRunError(over, undefined)
  return res
}

/** Kong's expression environment shortcuts (templates): read-only tables looked up per key. */
const LOOKUP = Symbol('lua lookup')
export interface LuaLookup {
  readonly [LOOKUP]: (key: string | number) => unknown
}
export function luaLookup(fn: (key: string | number) => unknown): LuaLookup {
  return { [LOOKUP]: fn }
}

const READ_ONLY = new LuaTable()
READ_ONLY.setStr('__newindex', () => {
  throw new LuaError('This environment is read-only.')
})

function varValue(v: unknown): LuaValue {
  if (typeof v === 'object' && v !== null && LOOKUP in v) {
    const get = (v as LuaLookup)[LOOKUP]
    const t = new LuaTable()
    const meta = new LuaTable()
    meta.setStr('__index', ((_t: LuaValue, k: LuaValue) => [typeof k === 'string' || typeof k === 'number' ? toLua(get(k)) : undefined]) as LuaFunction)
    meta.setStr('__newindex', READ_ONLY.getStr('__newindex'))
    t.metatable = meta
    return t
  }
  return toLua(v)
}

/** Whether a source may read the request body (it is read before the run, which is synchronous). */
const READS_BODY = /get_raw_body|get_body|read_body|get_body_data|get_post_args/

export function createLuaEngine(opts: { log?: LuaLogSink } = {}): SyncLuaEngine {
  const sink: LuaLogSink = opts.log ?? (() => undefined)
  // What a snippet logs never carries a value it read from a vault.
  const log: LuaLogSink = (level, msg) => sink(level, redactVaultValues(msg))
  const newRun = (kit: Kit | undefined, instance: object, phase: LuaPhase, body: Buffer | undefined, chunk?: RunContext['chunk']): LuaRun => ({
    kit,
    phase,
    body,
    log,
    instance,
    chunk,
    exit: undefined,
    out: [],
  })
  return {
    check: (source) => checkLua(source),
    checkExpression: (expr) => checkLuaExpression(expr),
    compile(source, name, instance = {}) {
      const env = chunkEnv()
      let f: LuaFunction
      try {
        f = compile(source, `=${name}`, env)
      } catch (e) {
        throw new Error(`Lua syntax error: ${e instanceof LuaError ? String(e.value) : (e as Error).message}`, { cause: e })
      }
      const main = f
      let first = true
      const state = keepState({
        name,
        roots: () => [env, f],
        reset() {
          resetEnv(env)
          f = main
          first = true
        },
        log: (msg) => log('error', msg),
      })
      const exec = (kit: Kit, body: Buffer | undefined, vars: LuaVars | undefined, ctx: RunContext | undefined): Exit | undefined => {
        if (vars) for (const [k, v] of Object.entries(vars)) env.setStr(k, varValue(v))
        const r = newRun(kit, instance, ctx?.phase ?? 'access', body, ctx?.chunk)
        const res = runMetered(f, r, [], ctx?.budget, state)
        if (first) {
          first = false
          // Kong's serverless: a chunk returning a function is the function's factory (its upvalues persist).
          if (typeof res[0] === 'function' && r.exit === undefined) {
            f = res[0] as LuaFunction
            runMetered(f, r, [], ctx?.budget, state)
          }
        }
        if (r.exit === undefined && r.out.length > 0) {
          current.run = r
          try {
            outputExit(200)
          } finally {
            current.run = undefined
          }
        }
        return r.exit
      }
      const needsBody = READS_BODY.test(source)
      return {
        readsBody: needsBody,
        runSync: (kit, vars, ctx) => exec(kit, undefined, vars, ctx),
        async run(kit, vars, ctx) {
          const body = needsBody ? await kit.request.body() : undefined
          return exec(kit, body, vars, ctx)
        },
      }
    },
    compileExpression(expr, given) {
      const env = given ?? chunkEnv()
      let f: LuaFunction
      try {
        f = compile(`return (${expr}\n)`, '=expression', env)
      } catch (e) {
        throw new Error(`Lua syntax error: ${e instanceof LuaError ? String(e.value) : (e as Error).message}`, { cause: e })
      }
      const instance = {}
      // Its own globals outlive a run (a function expression may assign them); a given environment is read-only.
      let state: KeptState | undefined
      if (given === undefined) {
        state = keepState({ name: 'expression', roots: () => [env], reset: () => resetEnv(env), log: (msg) => log('error', msg) })
      }
      const evaluateLua = (kit: Kit | undefined, vars?: LuaVars, budget?: BudgetLimits): LuaValue => {
        if (vars) for (const [k, v] of Object.entries(vars)) env.setStr(k, varValue(v))
        return runMetered(f, newRun(kit, instance, 'template', undefined), [], budget, state)[0]
      }
      return {
        evaluateLua,
        evaluateSync: (kit, vars) => fromLua(evaluateLua(kit, vars)),
        async evaluate(kit, vars) {
          return fromLua(evaluateLua(kit, vars))
        },
      }
    },
    compileValue(source, chunkname) {
      const env = new LuaTable()
      let meta = new LuaTable()
      let f: LuaFunction
      try {
        f = compile(source, chunkname, env)
      } catch (e) {
        throw new Error(`Lua syntax error: ${e instanceof LuaError ? String(e.value) : (e as Error).message}`, { cause: e })
      }
      const instance = {}
      let dirty = true
      return {
        valueSync(kit, ctx) {
          // Only `_G` in the globals and the metatable untouched: nothing to undo (the usual case).
          dirty ||= env.arr.length > 0 || env.hash?.size !== 1 || env.getStr('_G') !== env || env.metatable !== meta || meta.hash?.size !== 1
          dirty ||= meta.getStr('__index') !== globals || meta.metatable !== undefined
          if (dirty) {
            meta = new LuaTable()
            meta.setStr('__index', globals)
            env.arr = []
            env.hash = undefined
            env.metatable = meta
            env.setStr('_G', env)
            dirty = false
          }
          return runMetered(f, newRun(kit, instance, ctx?.phase ?? 'log', undefined, ctx?.chunk), [])[0]
        },
      }
    },
  }
}

/** The process's engine (logs go nowhere); plugins that want logs create their own. */
export const lua = createLuaEngine()

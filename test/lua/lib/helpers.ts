// Helpers for calling library functions from TypeScript with Lua values.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { B, DEFAULT_BUDGET, type BudgetLimits } from '../../../src/lua/core/budget.js'
import { LuaTable, type LuaFunction, type LuaValue } from '../../../src/lua/core/value.js'

/** A JS value as a Lua value: arrays → sequences, plain objects → tables (keys in order), null → nil. */
export function lua(v: unknown): LuaValue {
  if (v === null) return undefined
  if (Array.isArray(v)) return new LuaTable(v.map(lua))
  if (typeof v === 'object' && v !== null && !(v instanceof LuaTable) && Object.getPrototypeOf(v) === Object.prototype) {
    const t = new LuaTable()
    for (const [k, x] of Object.entries(v)) t.set(/^-?\d+$/.test(k) ? Number(k) : k, lua(x))
    return t
  }
  return v as LuaValue
}

/** A Lua table as a plain object ({ "1": ..., name: ... }) for deep comparison; other values as they are. */
export function plain(v: LuaValue): unknown {
  if (!(v instanceof LuaTable)) return v
  const o: Record<string, unknown> = {}
  for (let e = v.next(undefined); e !== undefined; e = v.next(e[0])) o[String(e[0])] = plain(e[1])
  return o
}

/** A field of a library table as a function. */
export function fn(t: LuaTable, name: string): LuaFunction {
  const f = t.get(name)
  if (typeof f !== 'function') throw new Error(`${name} is not a function`)
  return f as LuaFunction
}

/** Runs `f` with an armed budget; returns what it returned or the error it threw. */
export function metered<T>(f: () => T, limits: Partial<BudgetLimits> = {}): T | Error {
  B.begin({ ...DEFAULT_BUDGET, wallMs: 60_000, ...limits })
  try {
    return f()
  } catch (e) {
    return e as Error
  } finally {
    B.end()
  }
}

/** The message of a thrown Lua error, or undefined when `f` did not throw. */
export function errorOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
  return undefined
}

/** Output of `luajit -e code`, or undefined when luajit is not installed. */
export function luajit(code: string): string | undefined {
  if (!existsSync('/usr/bin/luajit')) return undefined
  return execFileSync('/usr/bin/luajit', ['-e', code]).toString('latin1')
}

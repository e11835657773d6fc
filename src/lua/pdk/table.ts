/**
 * Building the PDK's library tables: read-only LuaTables of functions, whose
 * writes raise Kong's sandbox message (`Cannot modify kong.request.x.
 * Protected by the sandbox.`).
 */
import { B } from '../core/budget.js'
import { fn } from '../core/ops.js'
import { LuaTable, type LuaFunction, type LuaValue } from '../core/value.js'

export type Impl = (...args: LuaValue[]) => LuaValue | void
export type MultiImpl = (...args: LuaValue[]) => LuaValue[]

/**
 * Kong's getters return their value even when it is nil: one result, so
 * `tostring(kong.request.get_header('x'))` is "nil" and not a missing argument.
 * Other functions return nothing when their implementation returns undefined.
 */
const GETTER = /^(?:get_|is_)/

const oneResult =
  (f: Impl): LuaFunction =>
  (...args) => {
    const v = f(...args) as LuaValue
    // What the host hands a run may be kept past it (retained-state.ts books it).
    if (typeof v === 'string') B.take(v.length)
    return [v]
  }

/** A read-only table named `name` of single-result functions and plain values. */
export function library(name: string, members: Record<string, Impl | LuaValue>, multi: Record<string, MultiImpl> = {}): LuaTable {
  const t = new LuaTable()
  for (const [k, v] of Object.entries(members)) t.setStr(k, typeof v === 'function' ? (GETTER.test(k) ? oneResult(v as Impl) : fn(v as Impl)) : v)
  for (const [k, v] of Object.entries(multi)) t.setStr(k, fn(v, true) as LuaFunction)
  t.readonlyName = name
  return t
}

/**
 * Building the PDK's library tables: read-only LuaTables of functions, whose
 * writes raise Kong's sandbox message (`Cannot modify kong.request.x.
 * Protected by the sandbox.`).
 */
import { fn } from '../core/ops.js'
import { LuaTable, type LuaFunction, type LuaValue } from '../core/value.js'

export type Impl = (...args: LuaValue[]) => LuaValue | void
export type MultiImpl = (...args: LuaValue[]) => LuaValue[]

/** A read-only table named `name` of single-result functions and plain values. */
export function library(name: string, members: Record<string, Impl | LuaValue>, multi: Record<string, MultiImpl> = {}): LuaTable {
  const t = new LuaTable()
  for (const [k, v] of Object.entries(members)) t.setStr(k, typeof v === 'function' ? fn(v as Impl) : v)
  for (const [k, v] of Object.entries(multi)) t.setStr(k, fn(v, true) as LuaFunction)
  t.readonlyName = name
  return t
}

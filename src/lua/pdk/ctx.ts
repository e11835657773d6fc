/**
 * kong.ctx: `shared`, a view of the request's shared record that TypeScript
 * plugins see too (shared.ts converts the values), and `plugin`, the plugin
 * instance's own table. Both are read through metatables, so the one `ctx`
 * table of the process serves the current run.
 */
import { LuaError } from '../core/errors.js'
import { tostring } from '../core/ops.js'
import { LuaTable, toText, type LuaValue } from '../core/value.js'
import { fromLua } from './convert.js'
import { kit, pluginCtx, run, type LuaRun } from './run.js'
import { sharedRun, sharedToLua, type SharedRun } from './shared.js'

function sharedState(r: LuaRun): SharedRun {
  return (r.shared ??= sharedRun())
}

const SHARED_META = new LuaTable()
SHARED_META.setStr('__index', (_t: LuaValue, key: LuaValue): LuaValue[] => {
  if (typeof key !== 'string') return [undefined]
  const r = run()
  const s = sharedState(r)
  const k = toText(key)
  if (s.read.has(k)) return [s.read.get(k)]
  const lv = sharedToLua(kit().shared[k], s.bridge)
  s.read.set(k, lv)
  return [lv]
})
SHARED_META.setStr('__newindex', (_t: LuaValue, key: LuaValue, v: LuaValue): LuaValue[] => {
  if (typeof key !== 'string') throw new LuaError('kong.ctx.shared keys must be strings')
  const record = kit().shared
  const s = sharedState(run())
  const k = toText(key)
  s.read.set(k, v)
  if (v === undefined) delete record[k]
  else if (v instanceof LuaTable) {
    s.assigned = true
    const js = fromLua(v)
    record[k] = js
    if (typeof js === 'object' && js !== null) s.bridge.set(v, js)
  } else record[k] = typeof v === 'string' ? toText(v) : v
  return []
})
/** kong.ctx.shared: a view of the request's shared record (TypeScript plugins see the same values). */
const shared = new LuaTable()
shared.metatable = SHARED_META
// One proxy serves every request: raw writes (table.insert) must not land in it.
shared.readonlyName = 'kong.ctx.shared'

const CTX_META = new LuaTable()
CTX_META.setStr('__index', (_t: LuaValue, key: LuaValue): LuaValue[] => {
  if (key === 'shared') return [shared]
  if (key === 'plugin') {
    const r = run()
    return [pluginCtx(kit(), r.instance)]
  }
  return [undefined]
})
CTX_META.setStr('__newindex', (_t: LuaValue, key: LuaValue): LuaValue[] => {
  throw new LuaError(`Cannot modify kong.ctx.${tostring(key)}. Protected by the sandbox.`)
})
export const ctx = new LuaTable()
ctx.metatable = CTX_META
ctx.readonlyName = 'kong.ctx'

/**
 * kong.log.set_serialize_value's store, and the Lua values it holds as the
 * log record gets them (kong/pdk/log.lua). Each call appends `{ key, value,
 * mode }` to a list kept on the request (Kong keeps it in ngx.ctx), so every
 * snippet of the request — pre-function, post-function, any log plugin's
 * custom_fields_by_lua — adds to the same list, and serialize() applies it in
 * order (log-serializer.ts). Values are kept as Lua values, by reference, as
 * Kong keeps them: a table changed after the call is logged as it is at
 * serialize time, and the type check waits until then, as Kong's does.
 */
import type { Kit } from '../../plugins/types.js'
import { LuaTable, numberToString, toText, type LuaValue } from '../core/value.js'
import { ARRAY_MT, EMPTY_ARRAY_MT } from '../lib/cjson-config.js'
import { NULL } from '../lib/lightuserdata.js'

/** Where the list lives in the request's shared record: a symbol, so Lua's kong.ctx.shared never sees it. */
export const SERIALIZE = Symbol.for('kong.log.serialize_values')

export type SerializeMode = 'set' | 'add' | 'replace'

export interface SerializeValue {
  readonly key: string
  readonly value: LuaValue
  readonly mode: SerializeMode
}

/** Appends one set_serialize_value call to the request's list. */
export function addSerializeValue(kit: Kit, entry: SerializeValue): void {
  const shared = kit.shared as Record<string | symbol, unknown>
  const list = shared[SERIALIZE] as SerializeValue[] | undefined
  if (list === undefined) shared[SERIALIZE] = [entry]
  else list.push(entry)
}

/** The request's list, in call order (empty when nothing was set). */
export function serializeValues(kit: Kit): readonly SerializeValue[] {
  return ((kit.shared as Record<string | symbol, unknown>)[SERIALIZE] as SerializeValue[] | undefined) ?? []
}

/** The log record of a request (plugins/shared/log-serializer.ts), installed by the plugins that run Lua. */
let serializer: ((kit: Kit) => unknown) | undefined
export function setLuaSerializer(f: (kit: Kit) => unknown): void {
  serializer = f
}
/** kong.log.serialize's record for `kit`; undefined when no plugin installed the serializer. */
export function serializedRecord(kit: Kit): unknown {
  return serializer?.(kit)
}

/** Kong's message when a value cannot go into the record (kong/pdk/log.lua, edit_result). */
export const INVALID_VALUE = 'value must be nil, a number, string, boolean or a non-self-referencial table containing numbers, string and booleans'

/** lua-cjson's nesting limit (encode_max_depth), past which Kong's cjson.encode fails. */
const MAX_DEPTH = 1000

/**
 * A set_serialize_value value as JSON sees it, or Kong's error (a plain
 * Error, thrown) when serialize() refuses it: functions, userdata other than
 * ngx.null, keys other than strings, numbers and booleans, and any table met
 * twice (Kong's check keeps one visited set for the whole value, so a shared
 * subtable is refused as a cycle is). Tables become arrays the way cjson
 * writes them: every key a positive integer (holes as null; too sparse is
 * cjson's error), or a cjson array metatable; anything else, the empty table
 * included, an object.
 */
export function serializeValue(v: LuaValue): unknown {
  return convert(v, new Set(), 0)
}

function convert(v: LuaValue, visited: Set<LuaTable>, depth: number): unknown {
  switch (typeof v) {
    case 'undefined':
    case 'number':
    case 'boolean':
      return v
    case 'string':
      return toText(v)
  }
  if (v === NULL) return null
  if (!(v instanceof LuaTable) || visited.has(v)) throw new Error(INVALID_VALUE)
  if (depth >= MAX_DEPTH) throw new Error(`Cannot serialise, excessive nesting (${MAX_DEPTH + 1})`)
  visited.add(v)
  const keys: LuaValue[] = []
  let integers = true
  let max = v.arr.length
  if (v.hash !== undefined) {
    for (const k of v.hash.keys()) {
      const t = typeof k
      if (t !== 'string' && t !== 'number' && t !== 'boolean') throw new Error(INVALID_VALUE)
      keys.push(k)
      if (typeof k === 'number' && k >= 1 && Number.isInteger(k)) max = Math.max(max, k)
      else integers = false
    }
  }
  if (integers && (max > 0 || v.metatable === ARRAY_MT || v.metatable === EMPTY_ARRAY_MT)) {
    // cjson's encode_sparse_array default (ratio 2, safe 10): Kong's cjson.encode refuses such a table.
    const items = v.arr.reduce((n: number, x) => (x === undefined ? n : n + 1), 0) + keys.length
    if (max > items * 2 && max > 10) throw new Error('Cannot serialise table: excessively sparse array')
    const out: unknown[] = []
    for (let i = 1; i <= max; i++) out.push(convert(v.get(i), visited, depth + 1) ?? null)
    return out
  }
  const out: Record<string, unknown> = {}
  for (let i = 0; i < v.arr.length; i++) out[String(i + 1)] = convert(v.arr[i], visited, depth + 1)
  for (const k of keys) out[keyText(k)] = convert(v.get(k), visited, depth + 1)
  return out
}

function keyText(k: LuaValue): string {
  if (typeof k === 'string') return toText(k)
  if (typeof k === 'number') return numberToString(k)
  return String(k)
}

/** Lua's tostring of a value of the record that is not a table (for Kong's "is not a table" message). */
export function recordValueText(v: unknown): string {
  if (v === null) return 'userdata: NULL'
  if (typeof v === 'number') return numberToString(v)
  return String(v)
}

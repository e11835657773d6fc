/**
 * kong.ctx.shared across the boundary. The request's shared record is JS
 * (TypeScript plugins — request-callout's `callouts`, the log serializer —
 * read and write it), and Lua wants real tables (`ipairs`, `#`, nested
 * writes such as `kong.ctx.shared.callouts.c1.request.params.url = ...`).
 *
 * So a run converts a value the first time Lua reads it (the same table for
 * every later read in the run) and, when the run ends, writes what Lua
 * changed back into the same JS objects, in place: a JS object another
 * plugin holds (a callout in flight keeps its context object) stays the one
 * the record points to. Runs are synchronous, so nothing else touches the
 * record between the conversion and the write-back.
 *
 * Most snippets only read (an aggregation reads two callouts' bodies): the
 * tables made here are watched (LuaTable.watched), and a run in which none of
 * them was written, and no table was assigned to a kong.ctx.shared key, has
 * nothing to write back and skips the walk.
 */
import { B } from '../core/budget.js'
import { LuaTable, fromText, toText, watchedWrites, type LuaValue } from '../core/value.js'
import { fromLua, isSequence } from './convert.js'

/** One run's conversions: each Lua table made from a JS object, and the object. */
export type SharedBridge = Map<LuaTable, object>

/** Bytes charged per table slot made (as LuaTable charges a new slot). */
const SLOT_BYTES = 16

// Object keys repeat from request to request (header names, a JSON body's fields): keys already
// found to be ASCII, so the same as their bytes, skip the scan fromText makes. Bounded: a body
// keyed by ids would otherwise grow it for ever.
const ASCII_KEYS = new Set<string>()
const ASCII_KEYS_MAX = 4096

function keyBytes(k: string): string {
  if (ASCII_KEYS.has(k)) return k
  const b = fromText(k)
  if (b === k && ASCII_KEYS.size < ASCII_KEYS_MAX) ASCII_KEYS.add(k)
  return b
}

const isPlain = (v: object): boolean => {
  if (Array.isArray(v)) return true
  const p = Object.getPrototypeOf(v) as unknown
  return p === Object.prototype || p === null
}

/** A JS value as Lua reads it from kong.ctx.shared, recording the tables made from plain objects and arrays. */
export function sharedToLua(v: unknown, bridge: SharedBridge, depth = 0): LuaValue {
  if (typeof v === 'string') return fromText(v)
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'function') return v as LuaValue
  if (typeof v !== 'object' || v === null || depth > 100) return undefined
  if (v instanceof LuaTable) return v
  if (Buffer.isBuffer(v)) return v.toString('latin1')
  if (!isPlain(v)) return undefined
  let t: LuaTable
  if (Array.isArray(v)) {
    B.alloc(SLOT_BYTES * v.length)
    t = new LuaTable(v.map((x) => sharedToLua(x, bridge, depth + 1)))
  } else {
    // The hash part built at once (no per-key checks): the keys are a plain object's, distinct strings.
    const h = new Map<LuaValue, LuaValue>()
    const o = v as Record<string, unknown>
    for (const k of Object.keys(o)) {
      const lv = sharedToLua(o[k], bridge, depth + 1)
      if (lv !== undefined) h.set(keyBytes(k), lv)
    }
    B.alloc(SLOT_BYTES * h.size)
    t = new LuaTable(undefined, h)
  }
  t.watched = true
  bridge.set(t, v)
  return t
}

/** A JS value with no Lua form (it never reached Lua, so its absence there is no removal). */
const opaque = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'object' && !Buffer.isBuffer(v) && !isPlain(v))

/** Whether Lua's value is what the JS value converted to (then the JS value stays, Buffers included). */
function unchanged(js: unknown, lv: LuaValue): boolean {
  if (typeof js === 'string') return typeof lv === 'string' && fromText(js) === lv
  if (Buffer.isBuffer(js)) return typeof lv === 'string' && js.toString('latin1') === lv
  return js === lv
}

/** Lua's value for a JS slot: a converted table syncs into its own object; anything else converts anew. */
function back(lv: LuaValue, bridge: SharedBridge, seen: Set<LuaTable>): unknown {
  if (lv instanceof LuaTable) {
    const js = bridge.get(lv)
    if (js !== undefined && syncInto(js, lv, bridge, seen)) return js
  }
  return typeof lv === 'function' ? lv : fromLua(lv)
}

/**
 * Writes table `t` into the object it was made from; false when the shapes no
 * longer fit (an array that is no sequence) or the object is frozen (a cached
 * callout response every hit shares): the holder then gets a copy instead.
 */
function syncInto(js: object, t: LuaTable, bridge: SharedBridge, seen: Set<LuaTable>): boolean {
  if (Object.isFrozen(js)) return false
  if (seen.has(t)) return true
  seen.add(t)
  if (Array.isArray(js)) {
    if (!isSequence(t)) return t.arr.length === 0 && (t.hash === undefined || t.hash.size === 0) && ((js.length = 0), true)
    const n = t.arr.length
    for (let i = 0; i < n; i++) {
      const lv = t.arr[i]
      if (!unchanged(js[i], lv)) js[i] = back(lv, bridge, seen)
      else if (lv instanceof LuaTable) back(lv, bridge, seen)
    }
    js.length = n
    return true
  }
  const o = js as Record<string, unknown>
  const present = new Set<string>()
  for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
    const [k, lv] = e
    if (typeof k !== 'string' && typeof k !== 'number') continue
    const key = typeof k === 'string' ? toText(k) : String(k)
    present.add(key)
    if (!unchanged(o[key], lv)) o[key] = back(lv, bridge, seen)
    else if (lv instanceof LuaTable) back(lv, bridge, seen)
  }
  // Keys Lua never saw (values it cannot hold, such as a Map) stay; the rest Lua removed.
  for (const key of Object.keys(o)) if (!present.has(key) && !opaque(o[key])) delete o[key]
  return true
}

/** One run's view of kong.ctx.shared: the values Lua read (converted once) and what may need writing back. */
export interface SharedRun {
  read: Map<string, LuaValue>
  bridge: SharedBridge
  /** watchedWrites.count when the run first touched kong.ctx.shared. */
  writes: number
  /** A table was assigned to a kong.ctx.shared key: its later changes are not watched. */
  assigned: boolean
}

export function sharedRun(): SharedRun {
  return { read: new Map(), bridge: new Map(), writes: watchedWrites.count, assigned: false }
}

/** At the end of a run: Lua's changes to the tables it read go back into the record's objects. */
export function writeBack(record: Record<string, unknown>, run: SharedRun): void {
  if (!run.assigned && watchedWrites.count === run.writes) return
  const { read, bridge } = run
  const seen = new Set<LuaTable>()
  for (const [key, lv] of read) {
    if (!(lv instanceof LuaTable)) continue
    const js = bridge.get(lv)
    // Replaced or removed by Lua meanwhile (`kong.ctx.shared.x = y` writes at once): nothing to sync.
    if (js === undefined || record[key] !== js) continue
    if (!syncInto(js, lv, bridge, seen)) record[key] = fromLua(lv)
  }
}

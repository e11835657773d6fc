/**
 * Values across the boundary between the gateway (JS values, UTF-16 text) and
 * Lua (byte strings, LuaTable). Header values and bodies are bytes on the wire
 * and latin1 in Node, so they cross as they are; other text (JSON strings,
 * config values) is UTF-8 encoded into bytes and decoded back.
 */
import { B } from '../core/budget.js'
import { LuaTable, LuaUserdata, fromText, toText, type LuaValue } from '../core/value.js'

/** The JSON null / ngx.null stand-in as JS sees it. */
export const JS_NULL = null

/**
 * A JS value as Lua sees it: strings as bytes (`fromText`), arrays as
 * sequences, plain objects as tables, Buffers as byte strings, URLSearchParams
 * as Kong's query tables; null and undefined as nil (or `nullValue`, e.g.
 * cjson.null, when given). Lua values (LuaTable, functions) pass through.
 */
export function toLua(v: unknown, nullValue?: LuaUserdata, depth = 0): LuaValue {
  switch (typeof v) {
    case 'string':
      B.take(v.length)
      return fromText(v)
    case 'number':
    case 'boolean':
      return v
    case 'undefined':
      return undefined
    case 'bigint':
      return Number(v)
    case 'function':
      return v as LuaValue
    case 'object':
      break
    default:
      return undefined
  }
  if (v === null) return nullValue
  if (v instanceof LuaTable || v instanceof LuaUserdata) return v
  if (depth > 100) return undefined
  if (Buffer.isBuffer(v)) {
    B.take(v.length)
    return v.toString('latin1')
  }
  if (Array.isArray(v)) return new LuaTable(v.map((x) => (x === undefined ? undefined : toLua(x, nullValue, depth + 1))))
  if (v instanceof URLSearchParams) return queryTable(v)
  const t = new LuaTable()
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const lv = toLua(x, nullValue, depth + 1)
    if (lv !== undefined) t.setStr(fromText(k), lv)
  }
  return t
}

/** A header value as it crosses: Node's header strings are latin1 bytes already. */
export function headerToLua(v: string | readonly string[] | number | undefined): LuaValue {
  if (v === undefined) return undefined
  if (typeof v === 'number') return String(v)
  if (typeof v === 'string') return v
  return new LuaTable([...v])
}

/** A query (URLSearchParams) as Kong's table: repeated arguments are arrays. */
export function queryTable(q: URLSearchParams): LuaTable {
  const t = new LuaTable()
  for (const k of new Set(q.keys())) {
    const vals = q.getAll(k)
    t.set(fromText(k), vals.length === 1 ? fromText(vals[0]!) : new LuaTable(vals.map(fromText)))
  }
  return t
}

/** Whether a table is a sequence 1..n with nothing else (then it converts to an array). */
export function isSequence(t: LuaTable): boolean {
  return t.hash === undefined || t.hash.size === 0 ? t.arr.every((x) => x !== undefined) : false
}

/**
 * A Lua value as JS: byte strings decoded as UTF-8 text, sequences as arrays,
 * other tables as objects (number keys become strings), `nullValue` as null.
 * Functions and threads become undefined. Cycles and depth stop at 100 levels.
 */
export function fromLua(v: LuaValue, nullValue?: LuaUserdata, depth = 0): unknown {
  switch (typeof v) {
    case 'string':
      return toText(v)
    case 'number':
    case 'boolean':
    case 'undefined':
      return v
    case 'function':
      return undefined
  }
  if (v === nullValue && v !== undefined) return null
  if (!(v instanceof LuaTable) || depth > 100) return undefined
  if (v.arr.length > 0 && isSequence(v)) return v.arr.map((x) => fromLua(x, nullValue, depth + 1))
  const out: Record<string, unknown> = {}
  for (let e = v.next(undefined); e !== undefined; e = v.next(e[0])) {
    const k = e[0]
    if (typeof k !== 'string' && typeof k !== 'number') continue
    out[typeof k === 'string' ? toText(k) : String(k)] = fromLua(e[1], nullValue, depth + 1)
  }
  return out
}

/** A Lua string as bytes for the wire (header values, bodies): latin1 as Node expects. */
export function wireString(v: string): string {
  return v
}

/**
 * Protobuf messages ↔ JSON the way Kong's grpc-web and grpc-gateway plugins
 * convert them (lua-protobuf's `pb.encode`/`pb.decode` on cjson values, with
 * Kong's options), not protobuf's canonical JSON mapping:
 *
 * - field names as declared (`boolean_test`, not `booleanTest`);
 * - decoding: proto3 scalars always present (their default when unset),
 *   proto2 ones and proto3 `optional`/oneof members only when set; repeated
 *   fields always, `[]` when empty (Kong's `decode_default_array`); a message
 *   field only when set; enums by name; 64-bit integers as JSON numbers; bytes
 *   as text; `google.protobuf.Timestamp` as `YYYY-MM-DDTHH:MM:SS` in UTC
 *   (Kong's hook: LuaDate's `${iso}`, no zone, no fraction);
 * - encoding: unknown keys ignored; `null` anywhere, a string field given
 *   a number, a message given a non-object, a non-numeric string in a number
 *   field are errors (Kong answers `failed to encode payload`); numbers may come
 *   as numeric strings; a bool is Lua's truth (anything but `false`); a
 *   Timestamp is a date string.
 */
import type * as Protobuf from 'protobufjs'
import { isLong, type MessageType } from './proto.js'

export class EncodeError extends Error {}

const TIMESTAMP = '.google.protobuf.Timestamp'
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'])

/** A number written with all its digits (64-bit integers beyond 2^53). */
class Digits {
  constructor(readonly text: string) {}
}

// ------------------------------------------------------------------ encoding

function toNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v
  // Lua's tonumber on a string: decimal or hex, surrounding blanks allowed.
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim())
    if (!Number.isNaN(n)) return n
  }
  throw new EncodeError(`number expected for field '${what}', got ${typeName(v)}`)
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}

/** A Timestamp from a date string (ISO 8601; no zone means UTC, as Kong's servers run). */
function timestamp(v: unknown, what: string): { seconds: number; nanos: number } {
  if (typeof v !== 'string') throw new EncodeError(`expected time string for field '${what}', got ${typeName(v)}`)
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(v.trim())
  if (!m) throw new EncodeError(`invalid date '${v}' for field '${what}'`)
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000
  }
  return { seconds: Math.floor(ms / 1000), nanos: Number(frac.padEnd(9, '0')) }
}

function scalar(field: Protobuf.Field, v: unknown): unknown {
  const what = field.name
  const t = field.resolvedType
  if (t !== null && 'fieldsArray' in t) {
    if (t.fullName === TIMESTAMP) return timestamp(v, what)
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new EncodeError(`table expected for field '${what}', got ${typeName(v)}`)
    return plain(t, v as Record<string, unknown>)
  }
  if (t !== null) {
    // An enum: a name it has, or a number.
    const e = t as Protobuf.Enum
    if (typeof v === 'string' && e.values[v] !== undefined) return e.values[v]
    const n = toNumber(v, what)
    if (!Number.isInteger(n)) throw new EncodeError(`integer expected for field '${what}'`)
    return n
  }
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') throw new EncodeError(`string expected for field '${what}', got ${typeName(v)}`)
      return v
    case 'bytes':
      if (typeof v !== 'string') throw new EncodeError(`string expected for field '${what}', got ${typeName(v)}`)
      return Buffer.from(v)
    case 'bool':
      return v !== false
    case 'double':
    case 'float':
      return toNumber(v, what)
    default: {
      if (INT64.has(field.type) && typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return v.trim()
      const n = toNumber(v, what)
      if (!Number.isInteger(n)) throw new EncodeError(`integer format error for field '${what}'`)
      return n
    }
  }
}

/** A JSON object made ready for protobufjs' fromObject, checked as lua-protobuf checks it. */
function plain(type: MessageType, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key]
    if (!field) continue
    field.resolve()
    if (v === null) throw new EncodeError(`null is not a value for field '${key}'`)
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) throw new EncodeError(`table expected for field '${key}', got ${typeName(v)}`)
      const m: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === null) throw new EncodeError(`null is not a value for field '${key}'`)
        m[k] = scalar(field, x)
      }
      out[key] = m
    } else if (field.repeated) {
      // An empty Lua table is both an empty array and an empty object.
      const list = Array.isArray(v) ? v : typeof v === 'object' && Object.keys(v).length === 0 ? [] : undefined
      if (!list) throw new EncodeError(`table expected for field '${key}', got ${typeName(v)}`)
      out[key] = list.map((x) => {
        if (x === null) throw new EncodeError(`null is not a value for field '${key}'`)
        return scalar(field, x)
      })
    } else out[key] = scalar(field, v)
  }
  return out
}

/** The wire bytes of `value` (a parsed JSON object) as `type`; EncodeError when lua-protobuf would refuse it. */
export function encodeMessage(type: MessageType, value: Record<string, unknown>): Buffer {
  const obj = plain(type, value)
  try {
    return Buffer.from(type.encode(type.fromObject(obj)).finish())
  } catch (err) {
    throw new EncodeError((err as Error).message)
  }
}

/**
 * Sets `value` (a query argument or a path variable: text) at the dotted
 * `path` of `payload`, as Kong's add_to_table does: each segment must name a
 * field of the message at that depth, else the value is dropped; a bool field
 * reads `0` and `false` as false.
 */
export function setByPath(payload: Record<string, unknown>, type: MessageType, path: string, value: string | true | readonly (string | true)[]): void {
  const keys = path.split('.')
  let t: MessageType | undefined = type
  let at = payload
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const field: Protobuf.Field | undefined = t?.fields[key]
    if (!field) return
    field.resolve()
    if (i === keys.length - 1) {
      at[key] = field.type === 'bool' && !field.repeated ? boolOf(value) : value
      return
    }
    const rt: Protobuf.Type | Protobuf.Enum | null = field.resolvedType
    t = rt !== null && 'fieldsArray' in rt ? rt : undefined
    const next = at[key]
    at = (at[key] = next !== null && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, unknown>
  }
}

function boolOf(v: string | true | readonly (string | true)[]): unknown {
  if (typeof v === 'string') return v !== '0' && v !== 'false'
  return v
}

// ------------------------------------------------------------------ decoding

function iso(seconds: unknown): string {
  const s = isLong(seconds) ? seconds.toNumber() : Number(seconds ?? 0)
  return new Date(s * 1000).toISOString().slice(0, 19)
}

function value(field: Protobuf.Field, v: unknown): unknown {
  const t = field.resolvedType
  if (t !== null && 'fieldsArray' in t) {
    if (t.fullName === TIMESTAMP) return iso((v as { seconds?: unknown }).seconds)
    return kongObject(t, v as Record<string, unknown>)
  }
  if (t !== null) {
    const name = (t as Protobuf.Enum).valuesById[v as number]
    return name ?? v
  }
  if (isLong(v)) {
    const n = v.toNumber()
    return Number.isSafeInteger(n) ? n : new Digits(v.toString())
  }
  // protobufjs' default for bytes is an empty array, not a buffer.
  if (field.type === 'bytes') return Buffer.from(v as Uint8Array).toString('utf8')
  return v
}

function kongObject(type: MessageType, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of type.fieldsArray) {
    field.resolve()
    const name = field.name
    const set = Object.prototype.hasOwnProperty.call(msg, name) && msg[name] !== null && msg[name] !== undefined
    if (field.map) {
      const m = msg[name] as Record<string, unknown> | undefined
      if (!m || Object.keys(m).length === 0) continue
      const o: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(m)) o[k] = value(field, x)
      out[name] = o
    } else if (field.repeated) {
      out[name] = ((msg[name] as unknown[] | undefined) ?? []).map((x) => value(field, x))
    } else if (field.resolvedType !== null && 'fieldsArray' in field.resolvedType) {
      if (set) out[name] = value(field, msg[name])
    } else if (set || !field.hasPresence) {
      // proto3 implicit presence: the default when unset (the decoded prototype holds it).
      out[name] = value(field, msg[name] ?? defaultOf(field))
    }
  }
  return out
}

function defaultOf(field: Protobuf.Field): unknown {
  if (field.resolvedType !== null) return 0
  if (field.type === 'string') return ''
  if (field.type === 'bytes') return Buffer.alloc(0)
  if (field.type === 'bool') return false
  return 0
}

/** JSON text for a value made by kongObject. */
function stringify(v: unknown): string {
  if (v instanceof Digits) return v.text
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null'
  if (typeof v !== 'object') return JSON.stringify(v)
  if (Array.isArray(v)) return `[${v.map(stringify).join(',')}]`
  const parts: string[] = []
  for (const [k, x] of Object.entries(v)) parts.push(`${JSON.stringify(k)}:${stringify(x)}`)
  return `{${parts.join(',')}}`
}

/** One message's bytes as Kong's JSON text. Throws when the bytes are not a `type`. */
export function decodeToJson(type: MessageType, bytes: Buffer): string {
  const msg = type.decode(bytes) as unknown as Record<string, unknown>
  return stringify(kongObject(type, msg))
}

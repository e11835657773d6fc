/**
 * Lua values as JavaScript values, the contract between compiled code, the
 * libraries and the PDK:
 *
 * - nil → `undefined`; booleans → booleans; numbers → doubles (LuaJIT has no
 *   integer subtype);
 * - strings → byte strings: JS strings whose every char is 0..255 (latin1), so
 *   `#s`, string.byte and patterns work on bytes. Text from the outside (UTF-8
 *   JS strings) goes through `fromText`, and back through `toText`;
 * - tables → LuaTable (array part + hash part + metatable);
 * - functions → JS functions taking Lua values and returning an array of
 *   results (`NONE` for none): `(...args: LuaValue[]) => LuaValue[]`;
 * - userdata (ngx.null, cjson.null) → LuaUserdata; coroutines → objects the
 *   coroutine library defines (type() says 'thread' for them).
 */
import { B } from './budget.js'
import { LuaError } from './errors.js'

export type LuaFunction = (...args: LuaValue[]) => LuaValue[]

export type LuaValue = undefined | boolean | number | string | LuaTable | LuaFunction | LuaUserdata | LuaThread

/** Marker for coroutine objects (the coroutine library's class implements it). */
export interface LuaThread {
  readonly luaThread: true
}

/** No results: compiled code returns this shared empty array (never mutate it). */
export const NONE: LuaValue[] = Object.freeze([]) as unknown as LuaValue[]

/** Bytes charged per table slot created. */
const SLOT_BYTES = 16

/** First writes to watched tables (LuaTable.watched) since the process started. */
export const watchedWrites = { count: 0 }

/** Light userdata: a named sentinel (ngx.null, cjson.null). */
export class LuaUserdata {
  constructor(readonly name: string) {}
}

let nextId = 1
/** A stable fake address per object, for tostring ("table: 0x..."). */
const ids = new WeakMap<object, number>()
export function addressOf(o: object): string {
  let id = ids.get(o)
  if (id === undefined) {
    id = nextId++
    ids.set(o, id)
  }
  return '0x' + (0x40000000 + id * 0x40).toString(16).padStart(8, '0')
}

/**
 * A Lua table. `arr[i]` holds `t[i + 1]`; the array part never ends with nil
 * (so `#t` is `arr.length`, a valid border). Other keys live in `hash`, created
 * on first use. Numeric keys are doubles: `t[2.0]` is `t[2]`; Map's
 * SameValueZero makes -0 and 0 one key.
 */
export class LuaTable {
  arr: LuaValue[]
  hash: Map<LuaValue, LuaValue> | undefined = undefined
  metatable: LuaTable | undefined = undefined
  /** Read-only tables (library tables): writes raise Kong's sandbox message. */
  readonlyName: string | undefined = undefined
  /**
   * Tables made from the gateway's values (kong.ctx.shared, pdk/shared.ts):
   * the first write to one counts in `watchedWrites`, so a run that changed
   * none of them has nothing to copy back.
   */
  watched = false
  /** next()'s cursor: the key it returned last and the hash iterator positioned after it. */
  private cursorKey: LuaValue = undefined
  private cursor: Iterator<[LuaValue, LuaValue]> | undefined = undefined

  constructor(arr?: LuaValue[], hash?: Map<LuaValue, LuaValue>) {
    this.arr = arr ?? []
    while (this.arr.length > 0 && this.arr[this.arr.length - 1] === undefined) this.arr.pop()
    if (hash && hash.size > 0) this.hash = hash
  }

  /** Raw get (rawget). */
  get(k: LuaValue): LuaValue {
    if (typeof k === 'number') {
      const a = this.arr
      if (k >= 1 && k <= a.length && Math.floor(k) === k) return a[k - 1]
    }
    return this.hash === undefined ? undefined : this.hash.get(k)
  }

  /** Raw get by string key (field access with a constant name). */
  getStr(k: string): LuaValue {
    return this.hash === undefined ? undefined : this.hash.get(k)
  }

  /**
   * Raw set (rawset). Raises Lua's errors for nil and NaN keys, and Kong's
   * sandbox error on read-only (library) tables: every write path, raw or
   * not, goes through here or setStr, so a shared library table cannot be
   * changed by rawset, table.insert or table.clear either.
   */
  set(k: LuaValue, v: LuaValue): void {
    if (this.readonlyName !== undefined) throw readonlyError(this.readonlyName, k)
    if (this.watched) this.wrote()
    if (typeof k === 'number') {
      const a = this.arr
      const n = a.length
      if (k >= 1 && k <= n + 1 && Math.floor(k) === k) {
        if (k <= n) {
          a[k - 1] = v
          if (v === undefined && k === n) {
            a.pop()
            while (a.length > 0 && a[a.length - 1] === undefined) a.pop()
          }
          return
        }
        if (v === undefined) {
          this.hash?.delete(k)
          return
        }
        B.alloc(SLOT_BYTES)
        a.push(v)
        if (this.hash !== undefined && this.hash.size > 0) this.migrate()
        return
      }
      if (k !== k) throw new LuaError('table index is NaN')
    } else if (k === undefined) {
      throw new LuaError('table index is nil')
    }
    this.setHash(k, v)
  }

  /** Raw set by string key. */
  setStr(k: string, v: LuaValue): void {
    if (this.readonlyName !== undefined) throw readonlyError(this.readonlyName, k)
    if (this.watched) this.wrote()
    this.setHash(k, v)
  }

  /** Empties the table (table.clear, kong.table.clear): a write like any other, refused on read-only tables. */
  clear(): void {
    if (this.readonlyName !== undefined) throw readonlyError(this.readonlyName, this.next(undefined)?.[0])
    if (this.watched) this.wrote()
    this.arr.length = 0
    this.hash?.clear()
    this.cursor = undefined
    this.cursorKey = undefined
  }

  private wrote(): void {
    this.watched = false
    watchedWrites.count++
  }

  private setHash(k: LuaValue, v: LuaValue): void {
    if (v === undefined) {
      this.hash?.delete(k)
      return
    }
    let h = this.hash
    if (h === undefined) h = this.hash = new Map()
    else if (h.has(k)) {
      h.set(k, v)
      return
    }
    B.alloc(SLOT_BYTES)
    h.set(k, v)
  }

  /** After a push: keys n+1, n+2, ... that sat in the hash part join the array part. */
  private migrate(): void {
    const h = this.hash!
    const a = this.arr
    for (;;) {
      const k = a.length + 1
      const v = h.get(k)
      if (v === undefined) return
      h.delete(k)
      a.push(v)
    }
  }

  /** The length operator without __len: a border. */
  length(): number {
    const n = this.arr.length
    if (n > 0 || this.hash === undefined) return n
    // Integer keys may sit in the hash part when the table was filled out of order.
    let i = 0
    while (this.hash.get(i + 1) !== undefined) i++
    return i
  }

  /**
   * next(): the key after `k` (undefined starts) and its value, or undefined at
   * the end. Array part first, then the hash part in insertion order. A
   * traversal that asks for the key it was just given continues in O(1).
   */
  next(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const a = this.arr
    let i = 0
    if (k !== undefined) {
      if (typeof k === 'number' && k >= 1 && k <= a.length && Math.floor(k) === k) i = k
      else return this.nextInHash(k)
    }
    for (; i < a.length; i++) if (a[i] !== undefined) return [i + 1, a[i]]
    return this.nextInHash(undefined)
  }

  private nextInHash(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const h = this.hash
    if (h === undefined) {
      if (k === undefined) return undefined
      throw new LuaError("invalid key to 'next'")
    }
    let it: Iterator<[LuaValue, LuaValue]>
    if (k === undefined) it = h.entries()
    else if (this.cursor !== undefined && this.cursorKey === k) it = this.cursor
    else {
      if (!h.has(k)) throw new LuaError("invalid key to 'next'")
      it = h.entries()
      for (let r = it.next(); !r.done; r = it.next()) if (r.value[0] === k || (k !== k && r.value[0] !== r.value[0])) break
    }
    for (let r = it.next(); !r.done; r = it.next()) {
      // Map iterators skip deleted entries; values set to nil are deleted, so every entry is live.
      this.cursor = it
      this.cursorKey = r.value[0]
      return r.value
    }
    this.cursor = undefined
    this.cursorKey = undefined
    return undefined
  }
}

/** Kong's sandbox message for a write to a read-only table (the key as tostring shows it, without metamethods). */
export function readonlyError(name: string, k: LuaValue): LuaError {
  const key =
    typeof k === 'string'
      ? k
      : typeof k === 'number'
        ? numberToString(k)
        : typeof k === 'object' || typeof k === 'function'
          ? `${typeName(k)}: ${addressOf(k)}`
          : String(k ?? 'nil')
  return new LuaError(`Cannot modify ${name}.${key}. Protected by the sandbox.`)
}

/** Lua's type() name of a value. */
export function typeName(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined':
      return 'nil'
    case 'boolean':
      return 'boolean'
    case 'number':
      return 'number'
    case 'string':
      return 'string'
    case 'function':
      return 'function'
    default:
      return v instanceof LuaTable ? 'table' : v instanceof LuaUserdata ? 'userdata' : 'thread'
  }
}

/**
 * A number as LuaJIT prints it (`%.14g`): integers without `.0`, `1e+14`
 * (15 digits no longer fit 14 significant ones: 123456789012345 prints
 * `1.2345678901235e+14`), `inf`, `-inf`, `nan`, `-0`.
 */
export function numberToString(n: number): string {
  // Integers of up to 14 digits print whole; %.14g rounds longer ones to an exponent form.
  if (Number.isInteger(n) && Math.abs(n) < 1e14) return Object.is(n, -0) ? '-0' : String(n)
  if (n !== n) return 'nan'
  if (n === Infinity) return 'inf'
  if (n === -Infinity) return '-inf'
  return formatG(n, 14)
}

/** C's `%.<p>g` for a finite number (what string.format('%g') also needs). */
export function formatG(n: number, p: number, alt = false): string {
  if (p === 0) p = 1
  if (n === 0) return (Object.is(n, -0) ? '-' : '') + (alt ? '0.' + '0'.repeat(p - 1) : '0')
  // toExponential rounds correctly; its exponent decides between the two forms, as C does.
  const e = n.toExponential(p - 1)
  const x = Number(e.slice(e.indexOf('e') + 1))
  let out: string
  if (x < -4 || x >= p) {
    let mant = e.slice(0, e.indexOf('e'))
    if (!alt && mant.includes('.')) mant = mant.replace(/\.?0+$/, '')
    out = `${mant}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`
  } else {
    out = n.toFixed(Math.max(0, p - 1 - x))
    if (!alt && out.includes('.')) out = out.replace(/\.?0+$/, '')
  }
  return out
}

/** UTF-8 text from the outside world → a Lua byte string. */
export function fromText(s: string): string {
  // Pure ASCII needs no conversion (the common case for header names and values).
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1')
  return s
}

/** A Lua byte string → UTF-8 text (invalid sequences become U+FFFD, as Buffer decoding does). */
export function toText(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8')
  return s
}

/** A Lua byte string → bytes. */
export function toBytes(s: string): Buffer {
  return Buffer.from(s, 'latin1')
}

/** Bytes → a Lua byte string. */
export function fromBytes(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}

/**
 * Lua's string → number conversion (tonumber, arithmetic on strings): LuaJIT's
 * lj_strscan rules: surrounding whitespace, decimal with exponent, hex integers
 * and hex floats (`0x1p4`), binary integers (`0b101`), and the words `inf`,
 * `infinity` and `nan` in any case with an optional sign (LuaJIT 2.1 reads
 * them: `tonumber("inf")` is inf, `"nan" + 0` is nan). Undefined when not a number.
 */
export function stringToNumber(s: string): number | undefined {
  const t = s.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '')
  if (t === '') return undefined
  const w = /^([+-]?)(inf|infinity|nan)$/i.exec(t)
  if (w) return w[2]!.toLowerCase() === 'nan' ? NaN : w[1] === '-' ? -Infinity : Infinity
  const b = /^([+-]?)0[bB]([01]+)$/.exec(t)
  if (b) {
    let v = 0
    for (const c of b[2]!) v = v * 2 + (c === '1' ? 1 : 0)
    return b[1] === '-' ? -v : v
  }
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(t)
  if (m) {
    const int = m[2] ?? ''
    const frac = m[3] ?? ''
    if (int === '' && frac === '') return undefined
    let v = 0
    for (const c of int) v = v * 16 + parseInt(c, 16)
    let scale = 1 / 16
    for (const c of frac) {
      v += parseInt(c, 16) * scale
      scale /= 16
    }
    if (m[4] !== undefined) v *= Math.pow(2, Number(m[4]))
    return m[1] === '-' ? -v : v
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return undefined
  return Number(t)
}

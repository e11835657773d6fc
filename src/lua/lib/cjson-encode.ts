/**
 * cjson.encode: Lua values → JSON text, with lua-cjson's rules (OpenResty's
 * fork): which tables are arrays (positive integer keys only, not too sparse,
 * or tagged with array_mt / empty_array_mt / __len), empty tables as `{}`,
 * `%.14g` numbers (encode_number_precision), `\/` escaping, depth limit and
 * its error messages ("Cannot serialise function: type not supported").
 *
 * Object keys come out in our table iteration order (array part, then hash
 * keys in insertion order); lua-cjson follows LuaJIT's hash order, which no
 * program can rely on.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import { index, metamethod, toArith } from '../core/ops.js'
import { LuaTable, formatG, typeName, type LuaValue } from '../core/value.js'
import { ARRAY_MT, EMPTY_ARRAY_MT, HARD_MAX_DEPTH, isStackOverflow, type CjsonConfig } from './cjson-config.js'
import { EMPTY_ARRAY, NULL } from './lightuserdata.js'

/** Bytes that need an escape: control characters, `"`, `\`, DEL, and `/` when escape_forward_slash is on. */
// eslint-disable-next-line no-control-regex -- JSON escaping is about control characters
const NEEDS_ESCAPE_SLASH = /["\\/\x00-\x1f\x7f]/
// eslint-disable-next-line no-control-regex -- as above
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f]/

const ESCAPES: string[] = []
for (let c = 0; c < 0x20; c++) ESCAPES[c] = '\\u' + c.toString(16).padStart(4, '0')
ESCAPES[8] = '\\b'
ESCAPES[9] = '\\t'
ESCAPES[10] = '\\n'
ESCAPES[12] = '\\f'
ESCAPES[13] = '\\r'
ESCAPES[0x22] = '\\"'
ESCAPES[0x5c] = '\\\\'
ESCAPES[0x2f] = '\\/'
ESCAPES[0x7f] = '\\u007f'

function fail(v: LuaValue, reason: string): never {
  throw new LuaError(`Cannot serialise ${typeName(v)}: ${reason}`)
}

class Encoder {
  out = ''
  /** The nesting being encoded (for the error when the JS stack runs out). */
  depth = 0
  constructor(readonly cfg: CjsonConfig) {}

  string(s: string): void {
    B.steps(1 + (s.length >> 4))
    if (!(this.cfg.escapeForwardSlash ? NEEDS_ESCAPE_SLASH : NEEDS_ESCAPE).test(s)) {
      this.out += '"' + s + '"'
      return
    }
    const slash = this.cfg.escapeForwardSlash
    let r = '"'
    let from = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      const e = c < 0x80 && (c !== 0x2f || slash) ? ESCAPES[c] : undefined
      if (e !== undefined) {
        r += s.slice(from, i) + e
        from = i + 1
      }
    }
    this.out += r + s.slice(from) + '"'
  }

  number(n: number, v: LuaValue): void {
    if (n !== n || n === Infinity || n === -Infinity) {
      const mode = this.cfg.encodeInvalidNumbers
      if (mode === 0) fail(v, 'must not be NaN or Infinity')
      this.out += mode === 2 ? 'null' : n !== n ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity'
      return
    }
    this.out += formatNumber(n, this.cfg.numberPrecision)
  }

  newline(depth: number): void {
    this.out += '\n' + this.cfg.indent.repeat(depth)
  }

  /** Appends `v`; returns false when `v` was skipped (encode_skip_unsupported_value_types). */
  value(v: LuaValue, depth: number): boolean {
    B.steps(1)
    switch (typeof v) {
      case 'string':
        this.string(v)
        return true
      case 'number':
        this.number(v, v)
        return true
      case 'boolean':
        this.out += v ? 'true' : 'false'
        return true
      case 'undefined':
        this.out += 'null'
        return true
    }
    if (v instanceof LuaTable) {
      this.table(v, depth + 1)
      return true
    }
    if (v === NULL) {
      this.out += 'null'
      return true
    }
    if (v === EMPTY_ARRAY) {
      this.out += '[]'
      return true
    }
    if (this.cfg.skipUnsupported) return false
    return fail(v, 'type not supported')
  }

  table(t: LuaTable, depth: number): void {
    this.depth = depth
    if (depth > this.cfg.encodeMaxDepth || depth > HARD_MAX_DEPTH) throw new LuaError(`Cannot serialise, excessive nesting (${depth})`)
    const mt = t.metatable
    if (mt !== undefined) {
      if (mt === ARRAY_MT) return this.array(t, t.length(), depth, true)
      // A __len metamethod makes it an array of that length, read through __index.
      const lenFn = mt.getStr('__len')
      if (lenFn !== undefined) {
        const r = callMeta(lenFn, t)
        return this.array(t, Math.trunc(toArith(r) ?? 0), depth, false)
      }
    }
    const len = arrayLength(t, this.cfg)
    if (len > 0 || (len === 0 && !this.cfg.emptyTableAsObject)) return this.array(t, len, depth, mt === undefined)
    if (mt === EMPTY_ARRAY_MT) return this.array(t, t.length(), depth, true)
    this.object(t, depth)
  }

  array(t: LuaTable, len: number, depth: number, raw: boolean): void {
    const indent = this.cfg.indent !== ''
    this.out += '['
    let first = true
    for (let i = 1; i <= len; i++) {
      const mark = this.out.length
      if (!first) this.out += ','
      if (indent) this.newline(depth)
      const v = raw ? t.get(i) : index(t, i)
      if (this.value(v, depth)) first = false
      else this.out = this.out.slice(0, mark)
    }
    if (len > 0 && indent) this.newline(depth - 1)
    this.out += ']'
  }

  object(t: LuaTable, depth: number): void {
    const indent = this.cfg.indent !== ''
    this.out += '{'
    let first = true
    let any = false
    for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
      any = true
      const mark = this.out.length
      if (!first) this.out += ','
      if (indent) this.newline(depth)
      const k = e[0]
      if (typeof k === 'number') {
        this.out += '"'
        this.number(k, k)
        this.out += '":'
      } else if (typeof k === 'string') {
        this.string(k)
        this.out += ':'
      } else fail(k, 'table key must be a number or string')
      if (indent) this.out += ' '
      if (this.value(e[1], depth)) first = false
      else this.out = this.out.slice(0, mark)
    }
    if (any && indent) this.newline(depth - 1)
    this.out += '}'
  }
}

function callMeta(f: LuaValue, t: LuaTable): LuaValue {
  if (typeof f === 'function') return f(t)[0]
  const h = metamethod(f, '__call')
  if (typeof h === 'function') return h(f, t)[0]
  throw new LuaError(`attempt to call a ${typeName(f)} value`)
}

/**
 * lua_array_length: the largest key when every key is a positive integer,
 * -1 when the table is an object (or too sparse and encode_sparse_array
 * converts), an error when too sparse.
 */
function arrayLength(t: LuaTable, cfg: CjsonConfig): number {
  const a = t.arr
  let items = 0
  for (let i = 0; i < a.length; i++) if (a[i] !== undefined) items++
  let max = items > 0 ? a.length : 0
  const h = t.hash
  if (h !== undefined && h.size > 0) {
    B.steps(h.size >> 2)
    for (const k of h.keys()) {
      if (typeof k !== 'number' || k < 1 || Math.floor(k) !== k) return -1
      if (k > max) max = k
      items++
    }
  }
  if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
    if (!cfg.sparseConvert) fail(t, 'excessively sparse array')
    return -1
  }
  return max
}

const POW10 = Array.from({ length: 17 }, (_, i) => 10 ** i)

/** `%.<precision>g`, with a fast path for the integers most JSON carries. */
export function formatNumber(n: number, precision: number): string {
  if (Number.isInteger(n) && Math.abs(n) < (POW10[precision] ?? 1)) return Object.is(n, -0) ? '-0' : String(n)
  return formatG(n, precision)
}

/** Encodes `v`; the caller checked the argument count. */
export function encodeJson(v: LuaValue, cfg: CjsonConfig): string {
  const e = new Encoder(cfg)
  try {
    e.value(v, 0)
  } catch (err) {
    if (isStackOverflow(err)) throw new LuaError(`Cannot serialise, excessive nesting (${e.depth + 1})`)
    throw err
  }
  B.alloc(e.out.length)
  return e.out
}

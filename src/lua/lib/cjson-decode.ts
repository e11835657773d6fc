/**
 * cjson.decode: JSON text (a byte string, UTF-8) → Lua values, with
 * lua-cjson's tokenizer and its exact error messages ("Expected value but
 * found invalid token at character 1"). Faithful to its leniencies too: with
 * decode_invalid_numbers on (the default) `0x10`, `Infinity`, `NaN`, `+1` and
 * leading zeros are numbers; integers go through strtoll, so an integer
 * literal beyond 64 bits saturates at ±2^63 before becoming a double; a NUL
 * byte ends the input. JSON null decodes to cjson.null.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import { LuaTable, type LuaValue } from '../core/value.js'
import { ARRAY_MT, HARD_MAX_DEPTH, isStackOverflow, type CjsonConfig } from './cjson-config.js'
import { NULL } from './lightuserdata.js'
import { encodeUtf8 } from './ngx/pcre/utf8.js'

const enum T {
  ObjBegin,
  ObjEnd,
  ArrBegin,
  ArrEnd,
  String,
  Number,
  Integer,
  Boolean,
  Null,
  Colon,
  Comma,
  End,
  Error,
}

const TOKEN_NAMES = [
  'T_OBJ_BEGIN',
  'T_OBJ_END',
  'T_ARR_BEGIN',
  'T_ARR_END',
  'T_STRING',
  'T_NUMBER',
  'T_INTEGER',
  'T_BOOLEAN',
  'T_NULL',
  'T_COLON',
  'T_COMMA',
  'T_END',
]

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', t: '\t', n: '\n', f: '\f', r: '\r' }

const LLONG_MAX = 2n ** 63n - 1n
const LLONG_MIN = -(2n ** 63n)

class Decoder {
  pos = 0
  depth = 0
  /** The current token: its type, where it starts, its value or error text. */
  type: T = T.End
  index = 0
  value: LuaValue = undefined
  error = ''

  constructor(
    readonly s: string,
    readonly cfg: CjsonConfig,
  ) {}

  /** The current token's type (a call, so TypeScript does not narrow it across next()). */
  cur(): T {
    return this.type
  }

  /** The byte at `i`, 0 past the end (the C string's terminator). */
  at(i: number): number {
    return i < this.s.length ? this.s.charCodeAt(i) : 0
  }

  fail(expected: string): never {
    const found = this.type === T.Error ? this.error : TOKEN_NAMES[this.type]
    throw new LuaError(`Expected ${expected} but found ${found} at character ${this.index + 1}`)
  }

  setError(msg: string): void {
    this.type = T.Error
    this.index = this.pos
    this.error = msg
  }

  skipSpace(): boolean {
    for (;;) {
      let c = this.at(this.pos)
      while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = this.at(++this.pos)
      if (!this.cfg.decodeAllowComment || c !== 0x2f) return true
      const d = this.at(this.pos + 1)
      if (d === 0x2f) {
        this.pos += 2
        while (this.pos < this.s.length && this.at(this.pos) !== 0 && this.at(this.pos) !== 0x0a) this.pos++
      } else if (d === 0x2a) {
        this.pos += 2
        for (;;) {
          if (this.at(this.pos) === 0) {
            this.setError('unclosed multi-line comment')
            return false
          }
          if (this.at(this.pos) === 0x2a && this.at(this.pos + 1) === 0x2f) {
            this.pos += 2
            break
          }
          this.pos++
        }
      } else return true
    }
  }

  next(): void {
    if (!this.skipSpace()) return
    const p = this.pos
    this.index = p
    const c = this.at(p)
    switch (c) {
      case 0x7b:
        this.pos++
        this.type = T.ObjBegin
        return
      case 0x7d:
        this.pos++
        this.type = T.ObjEnd
        return
      case 0x5b:
        this.pos++
        this.type = T.ArrBegin
        return
      case 0x5d:
        this.pos++
        this.type = T.ArrEnd
        return
      case 0x2c:
        this.pos++
        this.type = T.Comma
        return
      case 0x3a:
        this.pos++
        this.type = T.Colon
        return
      case 0:
        this.type = T.End
        return
      case 0x22:
        return this.string()
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      if (!this.cfg.decodeInvalidNumbers && this.invalidNumber()) return this.setError('invalid number')
      return this.number()
    }
    const s = this.s
    if (s.startsWith('true', p)) {
      this.pos += 4
      this.type = T.Boolean
      this.value = true
    } else if (s.startsWith('false', p)) {
      this.pos += 5
      this.type = T.Boolean
      this.value = false
    } else if (s.startsWith('null', p)) {
      this.pos += 4
      this.type = T.Null
    } else if ((c === 0x2b || c === 0x69 || c === 0x49 || c === 0x6e || c === 0x4e) && this.cfg.decodeInvalidNumbers && this.invalidNumber()) {
      this.number()
    } else this.setError('invalid token')
  }

  /** json_is_invalid_number: forms strtod takes that strict JSON does not. */
  invalidNumber(): boolean {
    let p = this.pos
    let c = this.at(p)
    if (c === 0x2b) return true
    if (c === 0x2d) c = this.at(++p)
    if (c === 0x30) {
      const d = this.at(p + 1)
      return (d | 0x20) === 0x78 || (d >= 0x30 && d <= 0x39)
    }
    if (c <= 0x39) return false
    const word = this.s.slice(p, p + 3).toLowerCase()
    return word === 'inf' || word === 'nan'
  }

  number(): void {
    const s = this.s
    const start = this.pos
    // strtoll first: an integer unless a '.', exponent or 'x' follows its digits.
    INT.lastIndex = start
    const int = INT.exec(s)
    const after = int === null ? start : start + int[0].length
    const next = this.at(after)
    if (int === null || next === 0x2e || next === 0x65 || next === 0x45 || next === 0x78) {
      const end = strtod(s, start)
      if (end === start) return this.setError('invalid number')
      this.type = T.Number
      this.value = parseStrtod(s.slice(start, end))
      this.pos = end
      return
    }
    const digits = int[0]
    let v: number
    if (digits.length <= 16) v = Number(digits)
    else {
      let b = BigInt(digits)
      if (b > LLONG_MAX) b = LLONG_MAX
      else if (b < LLONG_MIN) b = LLONG_MIN
      v = Number(b)
    }
    this.type = T.Integer
    this.value = v
    this.pos = after
  }

  string(): void {
    const s = this.s
    let p = this.pos + 1
    let out = ''
    let from = p
    for (;;) {
      // Jump to the next quote, backslash or NUL (the end of the input counts as a NUL).
      STRING_STOP.lastIndex = p
      const m = STRING_STOP.exec(s)
      p = m === null ? s.length : m.index
      const c = this.at(p)
      if (c === 0x22) break
      if (c === 0) {
        this.pos = p
        return this.setError('unexpected end of string')
      }
      out += s.slice(from, p)
      const e = s[p + 1] ?? ''
      if (e === 'u') {
        const r = unicodeEscape(s, p)
        if (r === undefined) {
          this.pos = p
          return this.setError('invalid unicode escape code')
        }
        out += r[0]
        p += r[1]
      } else {
        const ch = SIMPLE_ESCAPES[e]
        if (ch === undefined) {
          this.pos = p
          return this.setError('invalid escape code')
        }
        out += ch
        p += 2
      }
      from = p
    }
    out += s.slice(from, p)
    B.steps((p - this.pos) >> 4)
    B.alloc(out.length)
    this.pos = p + 1
    this.type = T.String
    this.value = out
  }

  descend(): void {
    this.depth++
    if (this.depth <= this.cfg.decodeMaxDepth && this.depth <= HARD_MAX_DEPTH) return
    throw new LuaError(`Found too many nested data structures (${this.depth}) at character ${this.pos}`)
  }

  /** The value the current token starts. */
  parseValue(): LuaValue {
    B.steps(1)
    switch (this.type) {
      case T.String:
      case T.Number:
      case T.Integer:
      case T.Boolean:
        return this.value
      case T.Null:
        return NULL
      case T.ObjBegin:
        return this.object()
      case T.ArrBegin:
        return this.array()
    }
    return this.fail('value')
  }

  object(): LuaTable {
    this.descend()
    const t = new LuaTable()
    this.next()
    if (this.cur() === T.ObjEnd) {
      this.depth--
      return t
    }
    for (;;) {
      if (this.cur() !== T.String) this.fail('object key string')
      const key = this.value as string
      this.next()
      if (this.cur() !== T.Colon) this.fail('colon')
      this.next()
      t.set(key, this.parseValue())
      this.next()
      if (this.cur() === T.ObjEnd) {
        this.depth--
        return t
      }
      if (this.cur() !== T.Comma) this.fail('comma or object end')
      this.next()
    }
  }

  array(): LuaTable {
    this.descend()
    const items: LuaValue[] = []
    this.next()
    if (this.cur() !== T.ArrEnd) {
      for (;;) {
        items.push(this.parseValue())
        this.next()
        if (this.cur() === T.ArrEnd) break
        if (this.cur() !== T.Comma) this.fail('comma or array end')
        this.next()
      }
    }
    this.depth--
    B.alloc(16 * items.length)
    const t = new LuaTable(items)
    if (this.cfg.decodeArrayWithArrayMt) t.metatable = ARRAY_MT
    return t
  }
}

// Sticky scanners (lastIndex is set before each use; decoding is synchronous).
const INT = /[+-]?\d+/y
// eslint-disable-next-line no-control-regex -- a NUL byte ends a JSON string in cjson (it is the C string's end)
const STRING_STOP = /["\\\x00]/g
const STRTOD_HEX = /[+-]?0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?/y
const STRTOD_DEC = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const STRTOD_WORD = /[+-]?(?:infinity|inf|nan(?:\([0-9a-zA-Z_]*\))?)/iy

/** Where C's strtod stops reading a number that starts at `p` (p itself when none). */
function strtod(s: string, p: number): number {
  for (const re of [STRTOD_HEX, STRTOD_DEC, STRTOD_WORD]) {
    re.lastIndex = p
    const m = re.exec(s)
    if (m) return p + m[0].length
  }
  return p
}

/** The value of a strtod-accepted text. */
function parseStrtod(t: string): number {
  const neg = t[0] === '-'
  const body = t[0] === '-' || t[0] === '+' ? t.slice(1) : t
  const lower = body.toLowerCase()
  let v: number
  if (lower.startsWith('inf')) v = Infinity
  else if (lower.startsWith('nan')) v = NaN
  else if (lower.startsWith('0x')) {
    const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(lower)!
    v = 0
    for (const c of m[1] ?? '') v = v * 16 + parseInt(c, 16)
    let scale = 1 / 16
    for (const c of m[2] ?? '') {
      v += parseInt(c, 16) * scale
      scale /= 16
    }
    if (m[3] !== undefined) v *= Math.pow(2, Number(m[3]))
  } else v = Number(body)
  return neg ? -v : v
}

function hex4(s: string, p: number): number {
  if (p + 4 > s.length) return -1
  const t = s.slice(p, p + 4)
  return /^[0-9a-fA-F]{4}$/.test(t) ? parseInt(t, 16) : -1
}

/** `\uXXXX` (and a surrogate pair) at `p` → [UTF-8 bytes, escape length], or undefined when invalid. */
function unicodeEscape(s: string, p: number): [string, number] | undefined {
  let cp = hex4(s, p + 2)
  if (cp < 0) return undefined
  let len = 6
  if ((cp & 0xf800) === 0xd800) {
    if (cp & 0x400) return undefined
    if (s[p + 6] !== '\\' || s[p + 7] !== 'u') return undefined
    const low = hex4(s, p + 8)
    if (low < 0 || (low & 0xfc00) !== 0xdc00) return undefined
    cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000
    len = 12
  }
  return [encodeUtf8(cp), len]
}

/** Decodes `s`; the caller checked the argument. */
export function decodeJson(s: string, cfg: CjsonConfig): LuaValue {
  if (s.length >= 2 && (s.charCodeAt(0) === 0 || s.charCodeAt(1) === 0)) throw new LuaError('JSON parser does not support UTF-16 or UTF-32')
  B.steps(s.length >> 6)
  const d = new Decoder(s, cfg)
  let v: LuaValue
  try {
    d.next()
    v = d.parseValue()
  } catch (e) {
    if (isStackOverflow(e)) throw new LuaError(`Found too many nested data structures (${d.depth + 1}) at character ${d.pos}`)
    throw e
  }
  d.next()
  if (d.cur() !== T.End) d.fail('the end')
  return v
}

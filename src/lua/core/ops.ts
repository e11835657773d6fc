/**
 * Lua's operations with their metamethods: the slow paths compiled code calls
 * when its inline fast path (a plain table, two numbers) does not apply, and
 * what library code uses to treat values as Lua does. Error messages are
 * LuaJIT's; `what` names the operand as LuaJIT does ("local 't'", "global 'a'",
 * "field 'y'", "upvalue 'u'", "method 'm'") when the compiler knows it.
 * Positions ("chunk:line:") are added by whoever knows the line (the compiler's
 * runtime), not here.
 */
import { B } from './budget.js'
import { LuaError, markSettled } from './errors.js'
import { LuaTable, LuaUserdata, NONE, addressOf, numberToString, stringToNumber, typeName, type LuaFunction, type LuaValue } from './value.js'

/** The string metatable's __index (the string library), set when the library loads. */
export const strings: { lib: LuaTable | undefined } = { lib: undefined }

/** Metatable of any value (strings share the string library's). */
export function metatableOf(v: LuaValue): LuaTable | undefined {
  if (v instanceof LuaTable) return v.metatable
  if (typeof v === 'string') return stringMeta()
  return undefined
}

let smeta: LuaTable | undefined
function stringMeta(): LuaTable | undefined {
  if (strings.lib === undefined) return undefined
  if (smeta === undefined || smeta.getStr('__index') !== strings.lib) {
    smeta = new LuaTable()
    smeta.setStr('__index', strings.lib)
    // Shared by every chunk in the process: writable, one snippet could replace string methods for all.
    smeta.readonlyName = 'string metatable'
  }
  return smeta
}

/** A metamethod of `v`, or undefined. */
export function metamethod(v: LuaValue, event: string): LuaValue {
  const mt = metatableOf(v)
  return mt === undefined ? undefined : mt.getStr(event)
}

const described = (v: LuaValue, what: string | undefined): string => (what ? `${what} (a ${typeName(v)} value)` : `a ${typeName(v)} value`)

/** `o[k]` with __index. */
export function index(o: LuaValue, k: LuaValue, what?: string): LuaValue {
  for (let loop = 0; loop < 100; loop++) {
    let h: LuaValue
    if (o instanceof LuaTable) {
      const v = o.get(k)
      if (v !== undefined) return v
      const mt = o.metatable
      if (mt === undefined) return undefined
      h = mt.getStr('__index')
      if (h === undefined) return undefined
    } else {
      h = metamethod(o, '__index')
      if (h === undefined) throw new LuaError(`attempt to index ${described(o, what)}`)
    }
    if (typeof h === 'function') return h(o, k)[0]
    o = h
    what = undefined
  }
  throw new LuaError('loop in gettable')
}

/** `o[k] = v` with __newindex. */
export function setindex(o: LuaValue, k: LuaValue, v: LuaValue, what?: string): void {
  for (let loop = 0; loop < 100; loop++) {
    let h: LuaValue
    if (o instanceof LuaTable) {
      const mt = o.metatable
      const present = o.get(k) !== undefined
      h = mt === undefined || present ? undefined : mt.getStr('__newindex')
      if (o.readonlyName !== undefined) {
        // A read-only proxy (ngx.var, kong.ctx.shared) takes writes through its __newindex only.
        if (h === undefined) throw new LuaError(`Cannot modify ${o.readonlyName}.${tostring(k)}. Protected by the sandbox.`)
      } else if (h === undefined) {
        o.set(k, v)
        return
      }
    } else {
      h = metamethod(o, '__newindex')
      if (h === undefined) throw new LuaError(`attempt to index ${described(o, what)}`)
    }
    if (typeof h === 'function') {
      h(o, k, v)
      return
    }
    o = h
    what = undefined
  }
  throw new LuaError('loop in settable')
}

/**
 * Calls `f` (a function, or a value whose __call is a function) with `args`.
 * LuaJIT follows __call one level only: a __call that is not a function makes
 * `f` itself the value it cannot call.
 */
export function call(f: LuaValue, args: LuaValue[], what?: string): LuaValue[] {
  if (typeof f === 'function') return f(...args)
  const h = metamethod(f, '__call')
  if (typeof h === 'function') return h(f, ...args)
  throw new LuaError(`attempt to call ${described(f, what)}`)
}

/**
 * Calls a metamethod handler (__add, __lt, __tostring...) as `call` does; a
 * handler LuaJIT cannot call raises without a position there (the failed call
 * belongs to no Lua line).
 */
export function callMeta(h: LuaValue, args: LuaValue[]): LuaValue[] {
  if (typeof h === 'function') return h(...args)
  const c = metamethod(h, '__call')
  if (typeof c === 'function') return c(h, ...args)
  throw markSettled(new LuaError(`attempt to call a ${typeName(h)} value`))
}

/** Calls `f` and keeps its first result. */
export function call1(f: LuaValue, ...args: LuaValue[]): LuaValue {
  return call(f, args)[0]
}

/** A value as a number for arithmetic (numbers, and strings that read as numbers). */
export function toArith(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v
  if (typeof v === 'string') return stringToNumber(v)
  return undefined
}

const ARITH_EVENTS = { '+': '__add', '-': '__sub', '*': '__mul', '/': '__div', '%': '__mod', '^': '__pow' } as const
export type ArithOp = keyof typeof ARITH_EVENTS

/**
 * LuaJIT's modulo: a - floor(a/b)*b (the sign follows the divisor). LuaJIT
 * keeps the plain formula for an infinite divisor too: `5 % math.huge` is nan.
 */
export function mod(a: number, b: number): number {
  return a - Math.floor(a / b) * b
}

/**
 * `a ^ b` as C's pow, which LuaJIT uses: pow(1, y) and pow(-1, ±inf) are 1
 * where JS's Math.pow gives NaN.
 */
export function pow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1
  return Math.pow(a, b)
}

/** Arithmetic on two numbers, as Lua does it (the compiler folds constants with it too). */
export function arithRaw(op: ArithOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    case '/':
      return a / b
    case '%':
      return mod(a, b)
    case '^':
      return pow(a, b)
  }
}

/** A binary arithmetic operation with string coercion and metamethods. */
export function arith(op: ArithOp, a: LuaValue, b: LuaValue, whatA?: string, whatB?: string): LuaValue {
  const x = toArith(a)
  const y = toArith(b)
  if (x !== undefined && y !== undefined) return arithRaw(op, x, y)
  const ev = ARITH_EVENTS[op]
  const h = metamethod(a, ev) ?? metamethod(b, ev)
  if (h !== undefined) return callMeta(h, [a, b])[0]
  const bad = x === undefined ? a : b
  throw new LuaError(`attempt to perform arithmetic on ${described(bad, x === undefined ? whatA : whatB)}`)
}

/** Unary minus with coercion and __unm. */
export function unm(a: LuaValue, what?: string): LuaValue {
  const x = toArith(a)
  if (x !== undefined) return -x
  const h = metamethod(a, '__unm')
  if (h !== undefined) return callMeta(h, [a, a])[0]
  throw new LuaError(`attempt to perform arithmetic on ${described(a, what)}`)
}

/** `a .. b` with __concat; numbers print as tostring does. */
export function concat(a: LuaValue, b: LuaValue, whatA?: string, whatB?: string): LuaValue {
  const ta = typeof a
  const tb = typeof b
  if ((ta === 'string' || ta === 'number') && (tb === 'string' || tb === 'number')) {
    const s = (ta === 'number' ? numberToString(a as number) : (a as string)) + (tb === 'number' ? numberToString(b as number) : (b as string))
    B.alloc(s.length)
    return s
  }
  const h = metamethod(a, '__concat') ?? metamethod(b, '__concat')
  if (h !== undefined) return callMeta(h, [a, b])[0]
  const badA = !(ta === 'string' || ta === 'number')
  throw new LuaError(`attempt to concatenate ${described(badA ? a : b, badA ? whatA : whatB)}`)
}

/** `#v` with __len (tables: LuaJIT ignores __len on tables, as Lua 5.1 does). */
export function len(v: LuaValue, what?: string): LuaValue {
  if (typeof v === 'string') return v.length
  if (v instanceof LuaTable) return v.length()
  const h = metamethod(v, '__len')
  if (h !== undefined) return callMeta(h, [v])[0]
  throw new LuaError(`attempt to get length of ${described(v, what)}`)
}

/** `a == b` with __eq (only between two tables, or two userdata, with the same handler: Lua 5.1). */
export function eq(a: LuaValue, b: LuaValue): boolean {
  if (a === b) return true
  if (a instanceof LuaTable && b instanceof LuaTable) {
    const h = metamethod(a, '__eq')
    if (h !== undefined && h === metamethod(b, '__eq')) return truthy(callMeta(h, [a, b])[0])
  }
  return false
}

/** LuaJIT's message for `a < b` (or `<=`) between values it cannot compare. */
export function compareMessage(a: LuaValue, b: LuaValue): string {
  const ta = typeName(a)
  const tb = typeName(b)
  return ta === tb ? `attempt to compare two ${ta} values` : `attempt to compare ${ta} with ${tb}`
}

function compareError(a: LuaValue, b: LuaValue): never {
  throw new LuaError(compareMessage(a, b))
}

/** Whether `a < b` means something (two numbers, two strings, one __lt handler for both); lt raises otherwise. */
export function comparableLt(a: LuaValue, b: LuaValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return true
  if (typeof a === 'string' && typeof b === 'string') return true
  if (typeName(a) !== typeName(b)) return false
  const h = metamethod(a, '__lt')
  return h !== undefined && h === metamethod(b, '__lt')
}

/** `a < b`. */
export function lt(a: LuaValue, b: LuaValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b
  if (typeof a === 'string' && typeof b === 'string') return a < b
  if (typeName(a) === typeName(b)) {
    const h = metamethod(a, '__lt')
    if (h !== undefined && h === metamethod(b, '__lt')) return truthy(callMeta(h, [a, b])[0])
  }
  return compareError(a, b)
}

/** `a <= b` (falls back to `not (b < a)` through __lt, as Lua 5.1). */
export function le(a: LuaValue, b: LuaValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a <= b
  if (typeof a === 'string' && typeof b === 'string') return a <= b
  if (typeName(a) === typeName(b)) {
    const h = metamethod(a, '__le')
    if (h !== undefined && h === metamethod(b, '__le')) return truthy(callMeta(h, [a, b])[0])
    const l = metamethod(a, '__lt')
    if (l !== undefined && l === metamethod(b, '__lt')) return !truthy(callMeta(l, [b, a])[0])
  }
  return compareError(a, b)
}

export function truthy(v: LuaValue): boolean {
  return v !== undefined && v !== false
}

/** tostring(): __tostring first, then Lua's own forms. */
export function tostring(v: LuaValue): string {
  switch (typeof v) {
    case 'string':
      return v
    case 'number':
      return numberToString(v)
    case 'undefined':
      return 'nil'
    case 'boolean':
      return v ? 'true' : 'false'
    case 'function':
      return `function: ${addressOf(v)}`
  }
  const h = metamethod(v, '__tostring')
  if (h !== undefined) {
    const s = callMeta(h, [v])[0]
    if (typeof s !== 'string') throw new LuaError("'__tostring' must return a string")
    return s
  }
  // LuaJIT prints a NULL light userdata (ngx.null, cjson.null) as "userdata: NULL" (lj_strfmt_wptr).
  if (v instanceof LuaUserdata) return `userdata: ${v.name === 'null' ? 'NULL' : addressOf(v)}`
  return `${typeName(v)}: ${addressOf(v as object)}`
}

/**
 * tonumber(v [, base]). Base 10 (or none) reads `v` as Lua source does (hex,
 * exponents). Other bases read a string the way LuaJIT 2.1 does, through C's
 * strtoul: the text ends at a NUL byte; spaces around it, one `-` or `+`, then
 * digits of the base (`0x` allowed before them in base 16); past 2^64-1 the
 * value stays at 2^64-1.
 */
export function tonumber(v: LuaValue, base?: number): number | undefined {
  if (base === undefined || base === 10) {
    if (typeof v === 'number') return v
    if (typeof v === 'string') return stringToNumber(v)
    return undefined
  }
  const s = typeof v === 'number' ? numberToString(v) : typeof v === 'string' ? v : ''
  const nul = s.indexOf('\0')
  const end = nul >= 0 ? nul : s.length
  let i = 0
  while (i < end && isCSpace(s.charCodeAt(i))) i++
  const neg = s.charCodeAt(i) === 45
  if (neg || s.charCodeAt(i) === 43) i++
  // strtoul would skip spaces and a sign here too; LuaJIT wants a digit or letter first.
  if (i >= end || digitOf(s.charCodeAt(i)) === 99) return undefined
  if (base === 16 && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120 && i + 2 < end && digitOf(s.charCodeAt(i + 2)) < 16) i += 2
  const first = i
  while (i < end && digitOf(s.charCodeAt(i)) < base) i++
  const last = i
  if (last === first) return undefined
  while (i < end && isCSpace(s.charCodeAt(i))) i++
  if (i < end) return undefined
  const n = digitsValue(s, first, last, base)
  return neg ? -n : n
}

/** C's isspace in the C locale: space, \t \n \v \f \r. */
const isCSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)

/** A byte's value as a digit of bases up to 36, 99 if it is none. */
function digitOf(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  const l = c | 32
  return l >= 97 && l <= 122 ? l - 87 : 99
}

const ULONG_MAX = (1n << 64n) - 1n

/** The value of digits `s[from, to)` in `base`, as strtoul computes it (saturating at 2^64-1), then as a double. */
function digitsValue(s: string, from: number, to: number, base: number): number {
  // Ten digits of base 36 stay under 2^53: exact in a double.
  if (to - from <= 10) {
    let n = 0
    for (let i = from; i < to; i++) n = n * base + digitOf(s.charCodeAt(i))
    return n
  }
  const b = BigInt(base)
  let n = 0n
  for (let i = from; i < to; i++) {
    n = n * b + BigInt(digitOf(s.charCodeAt(i)))
    if (n > ULONG_MAX) return Number(ULONG_MAX)
  }
  // Number() rounds to nearest, as the C conversion from unsigned long to double does.
  return Number(n)
}

/** "bad argument #n to 'fname' (msg)", LuaJIT's argument error. */
export function argError(n: number, fname: string, msg: string): never {
  throw new LuaError(`bad argument #${n} to '${fname}' (${msg})`)
}

/** Checks an argument's type, LuaJIT's wording (`table expected, got nil`). */
export function checkType(v: LuaValue, type: string, n: number, fname: string): void {
  if (typeName(v) !== type) argError(n, fname, `${type} expected, got ${v === undefined ? 'no value' : typeName(v)}`)
}

/** A table argument. */
export function checkTable(v: LuaValue, n: number, fname: string): LuaTable {
  if (!(v instanceof LuaTable)) argError(n, fname, `table expected, got ${v === undefined ? 'no value' : typeName(v)}`)
  return v
}

/** A number argument (strings that read as numbers count, as luaL_checknumber). */
export function checkNumber(v: LuaValue, n: number, fname: string): number {
  const x = toArith(v)
  if (x === undefined) argError(n, fname, `number expected, got ${v === undefined ? 'no value' : typeName(v)}`)
  return x
}

/** An optional number argument. */
export function optNumber(v: LuaValue, n: number, fname: string, dflt: number): number {
  return v === undefined ? dflt : checkNumber(v, n, fname)
}

/** An integer argument (truncated toward zero as LuaJIT's lua_tointeger). */
export function checkInt(v: LuaValue, n: number, fname: string): number {
  const x = checkNumber(v, n, fname)
  return x >= 0 ? Math.floor(x) : Math.ceil(x)
}

/** A string argument (numbers are converted, as luaL_checklstring). */
export function checkString(v: LuaValue, n: number, fname: string): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberToString(v)
  return argError(n, fname, `string expected, got ${v === undefined ? 'no value' : typeName(v)}`)
}

/** A function from JS: the shape library functions are written in. */
export function fn(f: (...args: LuaValue[]) => LuaValue[] | LuaValue | void, multi = false): LuaFunction {
  if (multi) return f as LuaFunction
  return (...args) => {
    const r = f(...args)
    return r === undefined ? NONE : [r as LuaValue]
  }
}

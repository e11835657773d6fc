/**
 * Argument checks for the libraries written in TypeScript, with LuaJIT's
 * messages. Library functions take their arguments as one array (`...a`) so
 * that a missing argument ("got no value") can be told from an explicit nil
 * ("got nil"), as LuaJIT's messages do, and so that functions counting their
 * arguments (table.insert, select-like ones) see trailing nils.
 *
 * Integer arguments follow LuaJIT's lj_lib_checkint on x86-64: the double is
 * truncated toward zero to an int32, and anything outside int32 (or NaN)
 * becomes -2^31, which is why `("x"):rep(1/0)` is "" there.
 */
import { argError } from '../core/ops.js'
import { LuaTable, numberToString, stringToNumber, typeName, type LuaFunction, type LuaValue } from '../core/value.js'

/** What LuaJIT names an argument's type in "X expected, got Y". */
function got(a: LuaValue[], i: number): string {
  return i >= a.length ? 'no value' : typeName(a[i])
}

/**
 * The arguments of a function LuaJIT implements in Lua (string.len,
 * table.remove, foreach, ...): missing parameters are nil there, so their
 * messages say "got nil", never "got no value".
 */
export function luaParams(a: LuaValue[], n: number): LuaValue[] {
  if (a.length >= n) return a
  const b = a.slice()
  b.length = n
  return b
}

/** "bad argument #i+1 to 'fname' (expected expected, got type)". */
export function typeError(a: LuaValue[], i: number, fname: string, expected: string): never {
  return argError(i + 1, fname, `${expected} expected, got ${got(a, i)}`)
}

/** C's (int32_t) cast of a double on x86-64: truncation, and -2^31 for NaN or out of range. */
export function toInt32(x: number): number {
  return x > -2147483649 && x < 2147483648 ? x | 0 : -2147483648
}

/** A number argument: numbers, and strings that read as numbers (lj_lib_checknum). */
export function argNumber(a: LuaValue[], i: number, fname: string): number {
  const v = a[i]
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    const n = stringToNumber(v)
    if (n !== undefined) return n
  }
  return typeError(a, i, fname, 'number')
}

/** An optional number argument (nil or absent gives `d`). */
export function optNumber(a: LuaValue[], i: number, fname: string, d: number): number {
  return a[i] === undefined ? d : argNumber(a, i, fname)
}

/** An integer argument (lj_lib_checkint). */
export function argInt(a: LuaValue[], i: number, fname: string): number {
  const v = a[i]
  return toInt32(typeof v === 'number' ? v : argNumber(a, i, fname))
}

/** An optional integer argument (lj_lib_optint). */
export function optInt(a: LuaValue[], i: number, fname: string, d: number): number {
  return a[i] === undefined ? d : argInt(a, i, fname)
}

/** A string argument; numbers are converted as LuaJIT does (`%.14g`). */
export function argString(a: LuaValue[], i: number, fname: string): string {
  const v = a[i]
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberToString(v)
  return typeError(a, i, fname, 'string')
}

/** An optional string argument (nil or absent gives undefined). */
export function optString(a: LuaValue[], i: number, fname: string): string | undefined {
  return a[i] === undefined ? undefined : argString(a, i, fname)
}

/** A table argument. */
export function argTable(a: LuaValue[], i: number, fname: string): LuaTable {
  const v = a[i]
  if (v instanceof LuaTable) return v
  return typeError(a, i, fname, 'table')
}

/** A function argument. */
export function argFunction(a: LuaValue[], i: number, fname: string): LuaFunction {
  const v = a[i]
  if (typeof v === 'function') return v as LuaFunction
  return typeError(a, i, fname, 'function')
}

/** Any value, but present (LuaJIT's "value expected"). */
export function argAny(a: LuaValue[], i: number, fname: string): LuaValue {
  if (i >= a.length) argError(i + 1, fname, 'value expected')
  return a[i]
}

/**
 * A library table: the functions and constants given, then made read-only so
 * that writes raise Kong's "Cannot modify <name>.<key>. Protected by the
 * sandbox." (library tables are shared by every chunk).
 */
export function libTable(name: string, entries: Record<string, LuaValue>): LuaTable {
  const t = new LuaTable()
  for (const k of Object.keys(entries)) t.setStr(k, entries[k])
  t.readonlyName = name
  return t
}

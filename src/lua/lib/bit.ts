/**
 * LuaJIT's BitOp library (bit.*): tobit, tohex, bnot, band, bor, bxor,
 * lshift, rshift, arshift, rol, ror, bswap, on numbers (no 64-bit cdata
 * here).
 *
 * Every argument is normalised as LuaJIT does: add 2^52 + 2^51 to the double
 * and keep the low 32 bits of the result, which rounds to nearest-even and
 * wraps modulo 2^32 (bit.tobit(2^32 + 1) is 1, bit.tobit(1.5) is 2,
 * bit.tobit(0/0) is 0). Results are signed 32-bit numbers; shift counts use
 * their low 5 bits. Numeric strings are accepted, as lj_lib_checknum does.
 */
import { B } from '../core/budget.js'
import type { LuaTable, LuaValue } from '../core/value.js'
import { argNumber, libTable } from './args.js'

const f64 = new Float64Array(1)
const i32 = new Int32Array(f64.buffer)
/** Index of the low word of a double in i32. */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1
const BIAS = 6755399441055744 // 2^52 + 2^51

/** LuaJIT's lj_num2bit: the low 32 bits of x + 2^52 + 2^51, signed. */
export function tobit(x: number): number {
  // Common case: already an int32 (| 0 also turns -0 into 0).
  if ((x | 0) === x) return x | 0
  f64[0] = x + BIAS
  return i32[LO]!
}

function bitArg(a: LuaValue[], i: number, fname: string): number {
  const v = a[i]
  return tobit(typeof v === 'number' ? v : argNumber(a, i, fname))
}

function tohex(...a: LuaValue[]): LuaValue[] {
  let b = bitArg(a, 0, 'tohex') >>> 0
  let n = a.length < 2 ? 8 : bitArg(a, 1, 'tohex')
  let upper = false
  if (n < 0) {
    n = -n | 0
    upper = true
  }
  // LuaJIT 2.1.0-beta3 keeps the count in an 8-bit precision field: 255 digits wrap to none.
  const prec = ((n + 1) & 255) - 1
  if (n < 8) b = n <= 0 ? 0 : b & (((1 << (4 * n)) - 1) >>> 0)
  let s = b === 0 && prec === 0 ? '' : (b >>> 0).toString(16)
  if (prec > s.length) s = '0'.repeat(prec - s.length) + s
  B.alloc(s.length)
  return [upper ? s.toUpperCase() : s]
}

function fold(name: string, op: (x: number, y: number) => number): (...a: LuaValue[]) => LuaValue[] {
  return (...a) => {
    let r = bitArg(a, 0, name)
    for (let i = 1; i < a.length; i++) r = op(r, bitArg(a, i, name))
    return [r]
  }
}

function shift(name: string, op: (x: number, n: number) => number): (...a: LuaValue[]) => LuaValue[] {
  return (...a) => [op(bitArg(a, 0, name), bitArg(a, 1, name) & 31)]
}

/** The bit library table. */
export function bitLib(): LuaTable {
  return libTable('bit', {
    arshift: shift('arshift', (x, n) => x >> n),
    band: fold('band', (x, y) => x & y),
    bnot: (...a: LuaValue[]) => [~bitArg(a, 0, 'bnot')],
    bor: fold('bor', (x, y) => x | y),
    bswap: (...a: LuaValue[]) => {
      const x = bitArg(a, 0, 'bswap')
      return [((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)]
    },
    bxor: fold('bxor', (x, y) => x ^ y),
    lshift: shift('lshift', (x, n) => x << n),
    rol: shift('rol', (x, n) => (x << n) | (x >>> (32 - n))),
    ror: shift('ror', (x, n) => (x >>> n) | (x << (32 - n))),
    rshift: shift('rshift', (x, n) => (x >>> n) | 0),
    tobit: (...a: LuaValue[]) => [bitArg(a, 0, 'tobit')],
    tohex,
  })
}

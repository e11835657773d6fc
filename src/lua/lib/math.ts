/**
 * The math library of LuaJIT 2.1 (Lua 5.1's, without math.mod): abs acos
 * asin atan atan2 ceil cos cosh deg exp floor fmod frexp huge ldexp log
 * log10 max min modf pi pow rad random randomseed sin sinh sqrt tan tanh.
 *
 * Where C and JS differ, C wins: pow(1, nan) is 1, frexp/modf/ldexp follow
 * C (ldexp scales like x87's fscale, so math.ldexp(1, 2^31) is inf), and
 * max/min keep LuaJIT's NaN and signed-zero choices (`m > n ? m : n` from
 * the left). math.deg and math.rad are Lua functions in LuaJIT: they coerce
 * strings, honour __mul, and fail with "[builtin:deg]:0: attempt to perform
 * arithmetic on a nil value".
 *
 * math.random and math.randomseed are LuaJIT's generator (random.ts): a
 * seeded sequence is LuaJIT's. Kong's sandbox does not list randomseed, so a
 * snippet cannot reseed the process's generator.
 */
import { LuaError } from '../core/errors.js'
import { arith, metamethod, pow as cpow, toArith } from '../core/ops.js'
import { NONE, typeName, type LuaTable, type LuaValue } from '../core/value.js'
import { argNumber, libTable } from './args.js'
import { random01, randomseed } from './random.js'

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0

/** A one-argument function of a number. */
function unary(name: string, f: (x: number) => number): (...a: LuaValue[]) => LuaValue[] {
  return (...a) => [f(argNumber(a, 0, name))]
}

/** C's frexp: m in [0.5, 1) and e with x = m * 2^e; zero, inf and NaN come back with e = 0. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0]
  f64[0] = x
  let e = (u32[HI]! >>> 20) & 0x7ff
  if (e === 0) {
    // Subnormal: scale into the normal range first.
    f64[0] = x * 18446744073709551616
    e = ((u32[HI]! >>> 20) & 0x7ff) - 64
  }
  u32[HI] = (u32[HI]! & 0x800fffff) | (1022 << 20)
  return [f64[0], e - 1022]
}

/** x * 2^n rounded once (as C's ldexp), for any n. */
export function ldexp(x: number, n: number): number {
  if (n !== n) return NaN
  n = Math.trunc(n)
  if (n > 1023) {
    x *= 2 ** 1023
    n -= 1023
    if (n > 1023) {
      x *= 2 ** 1023
      n = Math.min(n - 1023, 1023)
    }
  } else if (n < -1022) {
    // Scale by 2^-969 (2^-1022 * 2^53) so the intermediate stays normal: one rounding only.
    x *= 2 ** -969
    n += 969
    if (n < -1022) {
      x *= 2 ** -969
      n = Math.max(n + 969, -1022)
    }
  }
  return x * 2 ** n
}

/** C's modf: integral part toward zero, and the fraction with the sign of x (±0 for integers and infinities). */
export function modf(x: number): [number, number] {
  const ip = Math.trunc(x)
  if (x !== x) return [x, x]
  let frac = Number.isFinite(x) ? x - ip : 0
  if (frac === 0) frac = x < 0 || Object.is(x, -0) ? -0 : 0
  return [ip, frac]
}

/** math.deg / math.rad: `x * c` as LuaJIT's Lua definitions compute it. */
function scaleBy(name: string, c: number): (...a: LuaValue[]) => LuaValue[] {
  return (...a) => {
    const x = a[0]
    const n = toArith(x)
    if (n !== undefined) return [n * c]
    if (metamethod(x, '__mul') !== undefined) return [arith('*', x, c)]
    throw new LuaError(`[builtin:${name}]:0: attempt to perform arithmetic on a ${typeName(x)} value`)
  }
}

function fold(name: string, pick: (m: number, n: number) => boolean): (...a: LuaValue[]) => LuaValue[] {
  return (...a) => {
    let m = argNumber(a, 0, name)
    for (let i = 1; i < a.length; i++) {
      const n = argNumber(a, i, name)
      if (!pick(m, n)) m = n
    }
    return [m]
  }
}

/** LuaJIT's ranges: floor(d * m) + 1 and floor(d * (n - m + 1)) + m, no check that the interval is empty. */
function random(...a: LuaValue[]): LuaValue[] {
  const d = random01()
  if (a.length === 0) return [d]
  const r1 = argNumber(a, 0, 'random')
  if (a.length === 1) return [Math.floor(d * r1) + 1]
  const r2 = argNumber(a, 1, 'random')
  return [Math.floor(d * (r2 - r1 + 1)) + r1]
}

/** The math library table. */
export function mathLib(): LuaTable {
  return libTable('math', {
    abs: unary('abs', Math.abs),
    acos: unary('acos', Math.acos),
    asin: unary('asin', Math.asin),
    atan: unary('atan', Math.atan),
    atan2: (...a: LuaValue[]) => [Math.atan2(argNumber(a, 0, 'atan2'), argNumber(a, 1, 'atan2'))],
    ceil: unary('ceil', Math.ceil),
    cos: unary('cos', Math.cos),
    cosh: unary('cosh', Math.cosh),
    deg: scaleBy('deg', 57.29577951308232),
    exp: unary('exp', Math.exp),
    floor: unary('floor', Math.floor),
    fmod: (...a: LuaValue[]) => [argNumber(a, 0, 'fmod') % argNumber(a, 1, 'fmod')],
    frexp: (...a: LuaValue[]) => frexp(argNumber(a, 0, 'frexp')),
    huge: Infinity,
    ldexp: (...a: LuaValue[]) => [ldexp(argNumber(a, 0, 'ldexp'), argNumber(a, 1, 'ldexp'))],
    log: (...a: LuaValue[]) => {
      const x = argNumber(a, 0, 'log')
      if (a.length < 2) return [Math.log(x)]
      // LuaJIT: log2(x) * (1 / log2(base)), not log(x) / log(base).
      return [Math.log2(x) * (1 / Math.log2(argNumber(a, 1, 'log')))]
    },
    log10: unary('log10', Math.log10),
    max: fold('max', (m, n) => m > n),
    min: fold('min', (m, n) => m < n),
    modf: (...a: LuaValue[]) => modf(argNumber(a, 0, 'modf')),
    pi: Math.PI,
    pow: (...a: LuaValue[]) => [cpow(argNumber(a, 0, 'pow'), argNumber(a, 1, 'pow'))],
    rad: scaleBy('rad', 0.017453292519943295),
    random,
    randomseed: (...a: LuaValue[]) => {
      randomseed(argNumber(a, 0, 'randomseed'))
      return NONE
    },
    sin: unary('sin', Math.sin),
    sinh: unary('sinh', Math.sinh),
    sqrt: unary('sqrt', Math.sqrt),
    tan: unary('tan', Math.tan),
    tanh: unary('tanh', Math.tanh),
  })
}

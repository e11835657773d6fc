/**
 * string.format as LuaJIT 2.1 does it (lj_strfmt.c): its own parser (flags
 * `-+ #0`, at most two digits of width and of precision, conversions
 * `a A c d e E f F g G i o p q s u x X`), its errors ("invalid option '%y'
 * to 'format'", "bad argument #2 to 'format' (number expected, got string)")
 * and its conversions:
 *
 * - %d/%i convert the double to int64 by truncation (so 3.7 prints 3, and
 *   NaN or anything beyond 2^63 prints -9223372036854775808, as x86-64's
 *   conversion does); %u/%x/%X/%o go through uint64 the same way (-1 prints
 *   ffffffffffffffff);
 * - %e/%f/%g round the exact binary value half away from zero (LuaJIT's own
 *   digit generator does; so do JS's toFixed/toExponential, which are used);
 * - %a prints normalised hex floats (subnormals too) and rounds by adding
 *   half an ulp, so %.1a of 1.96875 is 0x2.0p+0 as in LuaJIT;
 * - %s and %q call __tostring once; what it returns is converted without
 *   metamethods; %q quotes LuaJIT's way (\n as backslash-newline, control
 *   bytes as \ddd), numbers and others as their tostring, quoted.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import { call, metamethod } from '../core/ops.js'
import { LuaUserdata, addressOf, numberToString, typeName, type LuaValue } from '../core/value.js'
import { argAny, argInt, argNumber, argString } from './args.js'

// Flags of a conversion.
const F_LEFT = 1
const F_PLUS = 2
const F_ZERO = 4
const F_SPACE = 8
const F_ALT = 16
const F_UPPER = 32

const TWO63 = 9223372036854775808
const TWO64 = 18446744073709551616
const INT64_MIN = -(1n << 63n)

/** One parsed conversion: `%<flags><width>.<prec><conv>`; prec -1 when absent. */
interface Spec {
  flags: number
  width: number
  prec: number
  conv: number
}

/** string.format(fmt, ...). */
export function format(a: LuaValue[]): string {
  const fmt = argString(a, 0, 'format')
  const n = fmt.length
  let out = ''
  let arg = 0
  let i = 0
  const spec: Spec = { flags: 0, width: 0, prec: -1, conv: 0 }
  while (i < n) {
    const pct = fmt.indexOf('%', i)
    if (pct < 0) {
      out += fmt.slice(i)
      break
    }
    if (pct > i) out += fmt.slice(i, pct)
    if (fmt.charCodeAt(pct + 1) === 37) {
      out += '%'
      i = pct + 2
      continue
    }
    i = parseSpec(fmt, pct, spec)
    arg++
    if (arg >= a.length) argAny(a, arg, 'format')
    const piece = convert(a, arg, spec)
    // Charged as it grows, so many large %s stop on the memory budget before the string is built.
    B.alloc(piece.length)
    out += piece
  }
  B.alloc(n)
  B.steps(1 + arg)
  return out
}

/** Byte at i, 0 past the end (C's terminator, which LuaJIT's parser reads). */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0
}

/** Parses the conversion at `pct` into `spec`; returns the index after it, or raises LuaJIT's error. */
function parseSpec(fmt: string, pct: number, spec: Spec): number {
  let p = pct + 1
  let flags = 0
  for (;;) {
    const c = at(fmt, p)
    if (c === 45) flags |= F_LEFT
    else if (c === 43) flags |= F_PLUS
    else if (c === 48) flags |= F_ZERO
    else if (c === 32) flags |= F_SPACE
    else if (c === 35) flags |= F_ALT
    else break
    p++
  }
  let width = 0
  if (isDigit(at(fmt, p))) {
    width = at(fmt, p++) - 48
    if (isDigit(at(fmt, p))) width = width * 10 + at(fmt, p++) - 48
  }
  let prec = -1
  if (at(fmt, p) === 46) {
    p++
    prec = 0
    if (isDigit(at(fmt, p))) {
      prec = at(fmt, p++) - 48
      if (isDigit(at(fmt, p))) prec = prec * 10 + at(fmt, p++) - 48
    }
  }
  const c = at(fmt, p)
  if (!isConversion(c)) {
    // The message shows the spec up to the offending byte, included when printable.
    if (c >= 32) p++
    throw new LuaError(`invalid option '${fmt.slice(pct, p)}' to 'format'`)
  }
  spec.flags = c >= 65 && c <= 90 ? flags | F_UPPER : flags
  spec.width = width
  spec.prec = prec
  spec.conv = c | 0x20
  return p + 1
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

function isConversion(c: number): boolean {
  switch (c) {
    case 65: // A
    case 69: // E
    case 70: // F
    case 71: // G
    case 88: // X
    case 97: // a
    case 99: // c
    case 100: // d
    case 101: // e
    case 102: // f
    case 103: // g
    case 105: // i
    case 111: // o
    case 112: // p
    case 113: // q
    case 115: // s
    case 117: // u
    case 120: // x
      return true
    default:
      return false
  }
}

function convert(a: LuaValue[], arg: number, spec: Spec): string {
  switch (spec.conv) {
    case 100: // d
    case 105: // i
      return formatInt(spec, argNumber(a, arg, 'format'))
    case 117: // u
    case 120: // x
    case 111: // o
      return formatUint(spec, argNumber(a, arg, 'format'))
    case 97: // a
    case 101: // e
    case 102: // f
    case 103: // g
      return formatFloat(spec, argNumber(a, arg, 'format'))
    case 99: // c
      return pad(spec, String.fromCharCode(argInt(a, arg, 'format') & 255))
    case 112: // p
      return pointer(a[arg])
    case 113: // q
      return quoted(stringOf(a[arg]))
    default: {
      // s
      let s = stringOf(a[arg])
      if (spec.prec >= 0 && s.length > spec.prec) s = s.slice(0, spec.prec)
      return pad(spec, s)
    }
  }
}

/** Pads to the width with spaces, on the right for `-`. */
function pad(spec: Spec, s: string): string {
  if (s.length >= spec.width) return s
  const fill = ' '.repeat(spec.width - s.length)
  return spec.flags & F_LEFT ? s + fill : fill + s
}

/** %s's view of a value: __tostring once, then tostring without metamethods. */
function stringOf(v: LuaValue): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberToString(v)
  const h = metamethod(v, '__tostring')
  if (h !== undefined) {
    const r = call(h, [v])[0]
    return typeof r === 'string' ? r : rawString(r)
  }
  return rawString(v)
}

/** tostring() without metamethods. */
export function rawString(v: LuaValue): string {
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
  if (v instanceof LuaUserdata) return `userdata: ${v.name === 'null' ? '(nil)' : addressOf(v)}`
  return `${typeName(v)}: ${addressOf(v as object)}`
}

/** %p: the object's address; NULL for values that are not objects (nil, booleans, numbers, strings here). */
function pointer(v: LuaValue): string {
  return typeof v === 'object' || typeof v === 'function' ? addressOf(v) : 'NULL'
}

/** %q: a Lua string literal that reads back as the same bytes. */
export function quoted(s: string): string {
  let out = '"'
  let run = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 34 || c === 92 || c === 10) {
      out += s.slice(run, i) + '\\' + s[i]
      run = i + 1
    } else if (c < 32 || c === 127) {
      // Three digits when a digit follows, so "\0" then "1" does not read back as "\01".
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0
      const digits = c >= 100 || (next >= 48 && next <= 57) ? String(c).padStart(3, '0') : String(c)
      out += s.slice(run, i) + '\\' + digits
      run = i + 1
    }
  }
  return out + s.slice(run) + '"'
}

/** C's (int64_t) cast on x86-64: truncation, INT64_MIN for NaN or out of range. */
function toInt64(n: number): bigint {
  if (!(n >= -TWO63 && n < TWO63)) return INT64_MIN
  return BigInt(Math.trunc(n))
}

/** %d / %i. */
function formatInt(spec: Spec, n: number): string {
  const t = Math.trunc(n)
  if (spec.flags === 0 && spec.width === 0 && spec.prec < 0 && Number.isSafeInteger(t)) return t === 0 ? '0' : String(t)
  let neg: boolean
  let digits: string
  if (Number.isSafeInteger(t)) {
    neg = t < 0
    digits = String(Math.abs(t))
  } else {
    const k = toInt64(n)
    neg = k < 0n
    digits = (neg ? -k : k).toString()
  }
  const prefix = neg ? '-' : spec.flags & F_PLUS ? '+' : spec.flags & F_SPACE ? ' ' : ''
  return layoutInt(spec, prefix, digits === '0' ? '' : digits)
}

/** %u / %x / %X / %o: through uint64, as LuaJIT's lj_num2u64. */
function formatUint(spec: Spec, n: number): string {
  let k: bigint | number
  const t = Math.trunc(n)
  if (t >= 0 && Number.isSafeInteger(t)) k = t
  else k = BigInt.asUintN(64, n >= TWO63 ? toInt64(n - TWO64) : toInt64(n))
  let digits: string
  let prefix = ''
  if (spec.conv === 120) {
    digits = k.toString(16)
    if (spec.flags & F_UPPER) digits = digits.toUpperCase()
    if (spec.flags & F_ALT && digits !== '0') prefix = spec.flags & F_UPPER ? '0X' : '0x'
  } else if (spec.conv === 111) {
    digits = k.toString(8)
    if (spec.flags & F_ALT && digits !== '0') digits = '0' + digits
  } else digits = k.toString()
  if (digits === '0') digits = spec.conv === 111 && spec.flags & F_ALT ? '0' : ''
  return layoutInt(spec, prefix, digits)
}

/**
 * Lays out an integer as lj_strfmt_putfxint: `digits` is empty for zero
 * (which prints "0" unless the precision is 0); a precision turns off `0`.
 */
function layoutInt(spec: Spec, prefix: string, digits: string): string {
  let flags = spec.flags
  let prec = spec.prec
  if (prec >= 0) flags &= ~F_ZERO
  if (digits === '' && (prec !== 0 || (spec.conv === 111 && flags & F_ALT))) digits = '0'
  if (prec < digits.length) prec = digits.length
  const width = spec.width
  const pprec = prec + prefix.length
  let out = ''
  if ((flags & (F_LEFT | F_ZERO)) === 0 && width > pprec) out += ' '.repeat(width - pprec)
  out += prefix
  if ((flags & (F_LEFT | F_ZERO)) === F_ZERO && width > pprec) out += '0'.repeat(width - pprec)
  if (prec > digits.length) out += '0'.repeat(prec - digits.length)
  out += digits
  if (flags & F_LEFT && width > pprec) out += ' '.repeat(width - pprec)
  return out
}

/** %a %e %f %g and their upper-case forms. */
function formatFloat(spec: Spec, n: number): string {
  const flags = spec.flags
  if (!Number.isFinite(n)) {
    let body: string
    let prefix = ''
    if (n !== n) {
      body = 'nan'
      if (flags & F_SPACE) prefix = ' '
    } else {
      body = 'inf'
      prefix = n < 0 ? '-' : flags & F_PLUS ? '+' : flags & F_SPACE ? ' ' : ''
    }
    if (flags & F_UPPER) body = body.toUpperCase()
    return pad(spec, prefix + body)
  }
  const neg = n < 0 || Object.is(n, -0)
  const prefix = neg ? '-' : flags & F_PLUS ? '+' : flags & F_SPACE ? ' ' : ''
  const x = Math.abs(n)
  let body: string
  let hexPrefix = ''
  switch (spec.conv) {
    case 97: // a
      body = hexFloat(x, spec.prec, (flags & F_ALT) !== 0)
      hexPrefix = '0x'
      break
    case 101: // e
      body = expForm(x, spec.prec < 0 ? 6 : spec.prec, (flags & F_ALT) !== 0)
      break
    case 102: // f
      body = fixedForm(x, spec.prec < 0 ? 6 : spec.prec, (flags & F_ALT) !== 0)
      break
    default:
      body = generalForm(x, spec.prec < 0 ? 6 : spec.prec, (flags & F_ALT) !== 0)
  }
  if (flags & F_UPPER) {
    body = body.toUpperCase()
    hexPrefix = hexPrefix.toUpperCase()
  }
  const len = prefix.length + hexPrefix.length + body.length
  const width = spec.width
  if (width <= len) return prefix + hexPrefix + body
  if (flags & F_LEFT) return prefix + hexPrefix + body + ' '.repeat(width - len)
  if (flags & F_ZERO) return prefix + hexPrefix + '0'.repeat(width - len) + body
  return ' '.repeat(width - len) + prefix + hexPrefix + body
}

/** %f digits of x >= 0 (exact: toFixed is exact below 1e21, and doubles above are integers). */
function fixedForm(x: number, prec: number, alt: boolean): string {
  let s = x < 1e21 ? x.toFixed(prec) : BigInt(x).toString() + (prec > 0 ? '.' + '0'.repeat(prec) : '')
  if (alt && prec === 0) s += '.'
  return s
}

/** %e digits of x >= 0, with C's two-digit exponent. */
function expForm(x: number, prec: number, alt: boolean): string {
  const e = x.toExponential(prec)
  const k = e.indexOf('e')
  let mant = e.slice(0, k)
  if (alt && prec === 0) mant += '.'
  return mant + cExponent(e.slice(k + 1))
}

/** JS's exponent text ("+5", "-12") as C writes it ("e+05", "e-12"). */
function cExponent(x: string): string {
  const sign = x[0] === '-' ? '-' : '+'
  const digits = x[0] === '-' || x[0] === '+' ? x.slice(1) : x
  return 'e' + sign + (digits.length < 2 ? '0' + digits : digits)
}

/** %g digits of x >= 0: %e or %f by the exponent, trailing zeros dropped unless `#`. */
function generalForm(x: number, prec: number, alt: boolean): string {
  const p = prec === 0 ? 1 : prec
  const e = x.toExponential(p - 1)
  const k = e.indexOf('e')
  const exp = Number(e.slice(k + 1))
  let s: string
  if (exp < -4 || exp >= p) {
    let mant = e.slice(0, k)
    if (!alt) {
      if (mant.includes('.')) mant = mant.replace(/\.?0+$/, '')
    } else if (!mant.includes('.')) mant += '.'
    s = mant + cExponent(e.slice(k + 1))
  } else {
    s = x.toFixed(p - 1 - exp)
    if (!alt) {
      if (s.includes('.')) s = s.replace(/\.?0+$/, '')
    } else if (!s.includes('.')) s += '.'
  }
  return s
}

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer)
/** Index of the high word of a double in u32 (little- or big-endian host). */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0
const LO = 1 - HI

/**
 * %a digits of x >= 0 after "0x": LuaJIT's algorithm. Subnormals are
 * normalised; without a precision the shortest exact form; with one, the
 * mantissa is rounded by adding half of the last digit and the leading digit
 * may become 2 (never renormalised).
 */
function hexFloat(x: number, prec: number, alt: boolean): string {
  f64[0] = x
  let hi = u32[HI]!
  const lo = u32[LO]!
  let e = (hi >>> 20) & 0x7ff
  hi &= 0xfffff
  let m = (BigInt(hi) << 32n) | BigInt(lo)
  if (e !== 0) {
    m |= 1n << 52n
    e -= 1023
  } else if (m !== 0n) {
    // Subnormal: shift the highest set bit up to bit 52.
    const shift = 53 - m.toString(2).length
    m <<= BigInt(shift)
    e = -1022 - shift
  }
  if (prec < 0) {
    // Shortest exact: drop trailing zero nibbles of the 52-bit fraction.
    const frac = m & ((1n << 52n) - 1n)
    let digits = frac.toString(16).padStart(13, '0').replace(/0+$/, '')
    prec = digits.length
    const lead = Number(m >> 52n)
    if (prec === 0 && !alt) return `${lead}p${e < 0 ? '-' : '+'}${Math.abs(e)}`
    if (prec === 0) digits = ''
    return `${lead}.${digits}p${e < 0 ? '-' : '+'}${Math.abs(e)}`
  }
  if (prec < 13) m += 1n << BigInt(51 - prec * 4)
  const lead = Number(m >> 52n)
  const frac = m & ((1n << 52n) - 1n)
  let digits = ''
  if (prec > 0 && prec < 13) digits = (frac >> BigInt(52 - prec * 4)).toString(16).padStart(prec, '0')
  else if (prec >= 13) digits = frac.toString(16).padStart(13, '0') + '0'.repeat(prec - 13)
  const dot = prec > 0 || alt ? '.' : ''
  return `${lead}${dot}${digits}p${e < 0 ? '-' : '+'}${Math.abs(e)}`
}

/**
 * Whether a number token is one LuaJIT accepts: a port of lj_strscan_scan's
 * verdict (lj_strscan.c), not of its value. The lexer reads a number as LuaJIT
 * does, greedily over identifier bytes, dots and exponent signs, then asks here;
 * a token LuaJIT would not convert is its "malformed number".
 */
import { isDigit, isXDigit } from './chars.js'

const MAX_EXP = 1 << 20

/** lj_strscan_scan's verdict on a number token, with LuaJIT's options (doubles, FFI `LL`/`ULL`/`i` suffixes). */
export function validNumber(s: Uint8Array): boolean {
  const at = (i: number): number => (i < s.length ? s[i]! : 0)
  let p = 0
  let base = 10
  let hasDig = false
  let dig = 0
  let dp = -1
  let fmt: 'int' | 'num' | 'imag' | 'u32' | 'i64' | 'u64' = 'int'
  if (at(p) <= 48) {
    if (at(p) === 48) {
      const x = at(p + 1) | 0x20
      if (x === 120 || x === 98) {
        base = x === 120 ? 16 : 2
        p += 2
      }
    }
    for (; ; p++) {
      if (at(p) === 48) hasDig = true
      else if (at(p) === 46) {
        if (dp >= 0) return false
        dp = p
      } else break
    }
  }
  const sp = p
  for (; ; p++) {
    const ch = at(p)
    if (base === 16 ? isXDigit(ch) : isDigit(ch)) dig++
    else if (ch === 46) {
      if (dp >= 0) return false
      dp = p
    } else break
  }
  if (!hasDig && !dig) return false
  if (dp >= 0) {
    if (base === 2) return false
    fmt = 'num'
    if (dig) {
      let ex = dp - (p - 1)
      let q = p - 1
      while (ex < 0 && at(q--) === 48) ex++
      if (ex <= -MAX_EXP) return false
    }
  }
  if (base >= 10 && (at(p) | 0x20) === (base === 16 ? 112 : 101)) {
    fmt = 'num'
    p++
    if (at(p) === 43 || at(p) === 45) p++
    if (!isDigit(at(p))) return false
    let xx = at(p++) & 15
    while (isDigit(at(p))) {
      xx = xx * 10 + (at(p) & 15)
      if (xx >= MAX_EXP) return false
      p++
    }
  }
  if (at(p)) {
    if ((at(p) | 0x20) === 105) {
      p++
      fmt = 'imag'
    } else if (fmt === 'int') {
      if ((at(p) | 0x20) === 117) {
        p++
        fmt = 'u32'
      }
      if ((at(p) | 0x20) === 108) {
        p++
        if ((at(p) | 0x20) !== 108) return false
        p++
        fmt = fmt === 'u32' ? 'u64' : 'i64'
      }
      if ((at(p) | 0x20) === 117 && (fmt === 'int' || fmt === 'i64')) {
        p++
        fmt = fmt === 'int' ? 'u32' : 'u64'
      }
      if (fmt === 'u32') return false
    }
    if (at(p)) return false
  }
  if (p < s.length) return false
  const wide = fmt === 'i64' || fmt === 'u64'
  if (base === 2) {
    if (dig > 64) return false
    for (let i = sp; i < sp + dig; i++) if ((at(i) & ~1) !== 48) return false
  } else if (base === 16) {
    if (wide && dig > 16) return false
  } else if (wide) {
    if (dig > 20) return false
    if (dig === 20 && BigInt(String.fromCharCode(...s.subarray(sp, sp + dig))) >= 1n << 64n) return false
  }
  return true
}

/**
 * Lua 5.1 patterns as LuaJIT 2.1 matches them: the backtracking matcher
 * behind string.find, match, gmatch and gsub, with its limits (32 captures,
 * 200 levels of recursion: "pattern too complex") and its error messages.
 *
 * Patterns and subjects are byte strings. As in C, the pattern ends at its
 * first NUL byte and reading past the end of the subject yields 0 (what %f
 * sees at the end of the string).
 *
 * Metering: every step of the matcher (an item tried at a position, a
 * repetition counted, a backtrack) costs one instruction of the run's budget,
 * so a pathological pattern such as `.-.-.-.-b` stops on the budget instead
 * of holding the event loop for seconds.
 */
import { B } from '../core/budget.js'
import { LuaError } from '../core/errors.js'
import type { LuaValue } from '../core/value.js'

const MAXCAPTURES = 32
/** LuaJIT's LJ_MAX_XLEVEL: nested match() calls beyond it raise "pattern too complex". */
const MAXDEPTH = 200
const CAP_UNFINISHED = -1
const CAP_POSITION = -2

const ESC = 37 // '%'

// Character classes of the C locale (ASCII only: bytes >= 128 belong to none).
const ALPHA = 1
const DIGIT = 2
const LOWER = 4
const UPPER = 8
const SPACE = 16
const CNTRL = 32
const PUNCT = 64
const XDIGIT = 128
const CTYPE = new Uint8Array(256)
for (let c = 0; c < 128; c++) {
  let f = 0
  if (c >= 97 && c <= 122) f |= ALPHA | LOWER
  if (c >= 65 && c <= 90) f |= ALPHA | UPPER
  if (c >= 48 && c <= 57) f |= DIGIT | XDIGIT
  if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) f |= XDIGIT
  if (c === 32 || (c >= 9 && c <= 13)) f |= SPACE
  if (c < 32 || c === 127) f |= CNTRL
  if (c > 32 && c < 127 && !(f & (ALPHA | DIGIT))) f |= PUNCT
  CTYPE[c] = f
}

/** Whether byte c belongs to class letter cl (`%a`, `%D`, ...); other letters stand for themselves. */
function matchClass(c: number, cl: number): boolean {
  const t = CTYPE[c]!
  let r: boolean
  switch (cl | 0x20) {
    case 97: // a
      r = (t & ALPHA) !== 0
      break
    case 99: // c
      r = (t & CNTRL) !== 0
      break
    case 100: // d
      r = (t & DIGIT) !== 0
      break
    case 103: // g: printable except space
      r = (t & (ALPHA | DIGIT | PUNCT)) !== 0
      break
    case 108: // l
      r = (t & LOWER) !== 0
      break
    case 112: // p
      r = (t & PUNCT) !== 0
      break
    case 115: // s
      r = (t & SPACE) !== 0
      break
    case 117: // u
      r = (t & UPPER) !== 0
      break
    case 119: // w
      r = (t & (ALPHA | DIGIT)) !== 0
      break
    case 120: // x
      r = (t & XDIGIT) !== 0
      break
    case 122: // z
      r = c === 0
      break
    default:
      return cl === c
  }
  // Lower-case letters name the class, upper-case ones its complement.
  return (cl & 0x20) !== 0 ? r : !r
}

/** Byte sets for `.` and the %-classes, built once. */
const ANY = new Uint8Array(256).fill(1)
const CLASS_SETS = new Map<number, Uint8Array>()
function classSet(cl: number): Uint8Array {
  let set = CLASS_SETS.get(cl)
  if (set === undefined) {
    set = new Uint8Array(256)
    for (let c = 0; c < 256; c++) set[c] = matchClass(c, cl) ? 1 : 0
    CLASS_SETS.set(cl, set)
  }
  return set
}

/**
 * What the matcher learns about a pattern, position by position, the first
 * time it reaches each single-character class: where the class ends and the
 * set of bytes it matches (undefined for a literal byte). Computed lazily so
 * a malformed part of a pattern raises only when the matcher gets there, as
 * in LuaJIT; kept per pattern string so gsub/gmatch loops reuse it.
 */
class PatternInfo {
  readonly ends: Int32Array
  readonly sets: (Uint8Array | undefined)[]
  /** The byte every match must start with, when the pattern begins with a mandatory literal. */
  readonly first: string | undefined
  constructor(readonly pat: string) {
    this.ends = new Int32Array(pat.length + 1)
    this.sets = new Array<Uint8Array | undefined>(pat.length + 1)
    this.first = firstLiteral(pat)
  }

  /** Pattern byte at i, 0 past the end (C's terminator). */
  pc(i: number): number {
    return i < this.pat.length ? this.pat.charCodeAt(i) : 0
  }

  /** Where the single-character class at p ends; fills its byte set. */
  end(p: number): number {
    const e = this.ends[p]!
    return e !== 0 ? e : this.learn(p)
  }

  private learn(p: number): number {
    const c = this.pc(p)
    let ep: number
    if (c === ESC) {
      if (p + 1 >= this.pat.length) throw new LuaError("malformed pattern (ends with '%')")
      ep = p + 2
      this.sets[p] = classSet(this.pc(p + 1))
    } else if (c === 91 /* [ */) {
      let q = p + 1
      if (this.pc(q) === 94 /* ^ */) q++
      // The first byte of a set is never its closing bracket: "[]]" is a set of "]".
      do {
        if (q >= this.pat.length) throw new LuaError("malformed pattern (missing ']')")
        if (this.pc(q++) === ESC && q < this.pat.length) q++
      } while (this.pc(q) !== 93 /* ] */)
      ep = q + 1
      const set = new Uint8Array(256)
      for (let b = 0; b < 256; b++) set[b] = this.matchBracket(b, p, q) ? 1 : 0
      this.sets[p] = set
    } else {
      ep = p + 1
      if (c === 46 /* . */) this.sets[p] = ANY
    }
    this.ends[p] = ep
    return ep
  }

  /** Whether byte c is in the set [p .. ec] (p at '[', ec at its ']'). */
  private matchBracket(c: number, p: number, ec: number): boolean {
    let sig = true
    if (this.pc(p + 1) === 94 /* ^ */) {
      sig = false
      p++
    }
    while (++p < ec) {
      const pch = this.pc(p)
      if (pch === ESC) {
        p++
        if (matchClass(c, this.pc(p))) return sig
      } else if (this.pc(p + 1) === 45 /* - */ && p + 2 < ec) {
        p += 2
        if (pch <= c && c <= this.pc(p)) return sig
      } else if (pch === c) return sig
    }
    return !sig
  }
}

/**
 * The literal byte a pattern's first item must match, if it is a plain byte
 * (or an escaped punctuation byte) that is not optional: searches then jump
 * between its occurrences instead of trying every position.
 */
function firstLiteral(pat: string): string | undefined {
  let c = pat.charCodeAt(0)
  let next = 1
  if (c === ESC) {
    c = pat.charCodeAt(1)
    // %a, %1, %b, %f and friends are classes or special items, not literals.
    if (!(CTYPE[c]! & PUNCT)) return undefined
    next = 2
  } else if (c !== c || /[\^$*+?.([\])%-]/.test(pat[0]!)) return undefined
  const q = pat.charCodeAt(next)
  if (q === 42 /* * */ || q === 63 /* ? */ || q === 45 /* - */) return undefined
  return String.fromCharCode(c)
}

/** Recently used patterns (bounded; long patterns are not kept). */
const infos = new Map<string, PatternInfo>()
const MAX_INFOS = 256
const MAX_CACHED_PATTERN = 1024

function infoFor(pat: string): PatternInfo {
  let info = infos.get(pat)
  if (info === undefined) {
    info = new PatternInfo(pat)
    if (pat.length <= MAX_CACHED_PATTERN) {
      if (infos.size >= MAX_INFOS) infos.clear()
      infos.set(pat, info)
    }
  }
  return info
}

/** The state of one match attempt: subject, pattern and captures. */
export class MatchState {
  level = 0
  depth = 0
  // Plain arrays: typed arrays cost a microsecond each to allocate, more than a whole short match.
  readonly capInit: number[] = []
  readonly capLen: number[] = []
  /** The pattern up to its first NUL byte, as the C matcher reads it. */
  readonly pat: string
  private readonly info: PatternInfo

  constructor(
    readonly src: string,
    pattern: string,
  ) {
    const z = pattern.indexOf('\0')
    this.pat = z < 0 ? pattern : pattern.slice(0, z)
    this.info = infoFor(this.pat)
  }

  /** Pattern byte at i, 0 past the end (C's terminator). */
  private pc(i: number): number {
    return i < this.pat.length ? this.pat.charCodeAt(i) : 0
  }

  /**
   * The next position from s where a match can start (the next occurrence
   * of the pattern's mandatory first byte), or -1 when there is none; s
   * itself when the pattern has no such byte.
   */
  next(s: number): number {
    const first = this.info.first
    if (first === undefined) return s
    const q = this.src.indexOf(first, s)
    B.steps(1 + (((q < 0 ? this.src.length : q) - s) >> 4))
    return q
  }

  /** Resets the captures before a match attempt at a new position. */
  reset(): void {
    this.level = 0
    this.depth = 0
  }

  /** Whether byte c matches the single-character class at p (whose end is known). */
  private single(c: number, p: number): boolean {
    const set = this.info.sets[p]
    return set !== undefined ? set[c] === 1 : this.pat.charCodeAt(p) === c
  }

  /**
   * Matches the pattern from p against the subject from s: the end of the
   * match, or -1. Recursion mirrors LuaJIT's matcher (one level per
   * repetition item or capture), bounded by MAXDEPTH.
   */
  match(s: number, p: number): number {
    if (++this.depth > MAXDEPTH) throw new LuaError('pattern too complex')
    const src = this.src
    const slen = src.length
    const plen = this.pat.length
    for (;;) {
      if (--B.left < 0) B.out()
      if (p >= plen) break // end of pattern: matched
      const pch = this.pat.charCodeAt(p)
      if (pch === 40 /* ( */) {
        s = this.pc(p + 1) === 41 ? this.startCapture(s, p + 2, CAP_POSITION) : this.startCapture(s, p + 1, CAP_UNFINISHED)
        break
      }
      if (pch === 41 /* ) */) {
        s = this.endCapture(s, p + 1)
        break
      }
      if (pch === 36 /* $ */ && p + 1 === plen) {
        if (s !== slen) s = -1
        break
      }
      if (pch === ESC) {
        const nx = this.pc(p + 1)
        if (nx === 98 /* b */) {
          s = this.matchBalance(s, p + 2)
          if (s === -1) break
          p += 4
          continue
        }
        if (nx === 102 /* f */) {
          p += 2
          if (this.pc(p) !== 91) throw new LuaError("missing '[' after '%f' in pattern")
          const ep = this.info.end(p)
          const set = this.info.sets[p]!
          const prev = s === 0 ? 0 : src.charCodeAt(s - 1)
          const cur = s < slen ? src.charCodeAt(s) : 0
          if (set[prev] === 1 || set[cur] !== 1) {
            s = -1
            break
          }
          p = ep
          continue
        }
        if (nx >= 48 && nx <= 57) {
          s = this.matchCapture(s, nx)
          if (s === -1) break
          p += 2
          continue
        }
        // Any other escape is a single-character class: the default case.
      }
      const ep = this.info.end(p)
      const m = s < slen && this.single(src.charCodeAt(s), p)
      const epc = this.pc(ep)
      if (epc === 63 /* ? */) {
        if (m) {
          const r = this.match(s + 1, ep + 1)
          if (r !== -1) {
            s = r
            break
          }
        }
        p = ep + 1
        continue
      }
      if (epc === 42 /* * */) {
        s = this.maxExpand(s, p, ep)
        break
      }
      if (epc === 43 /* + */) {
        s = m ? this.maxExpand(s + 1, p, ep) : -1
        break
      }
      if (epc === 45 /* - */) {
        s = this.minExpand(s, p, ep)
        break
      }
      if (!m) {
        s = -1
        break
      }
      s++
      p = ep
    }
    this.depth--
    return s
  }

  /** Greedy repetition: count the matches, then back off one at a time. */
  private maxExpand(s: number, p: number, ep: number): number {
    const src = this.src
    const slen = src.length
    let i = 0
    while (s + i < slen && this.single(src.charCodeAt(s + i), p)) {
      if (--B.left < 0) B.out()
      i++
    }
    for (; i >= 0; i--) {
      const r = this.match(s + i, ep + 1)
      if (r !== -1) return r
    }
    return -1
  }

  /** Lazy repetition: try the rest first, then one more repetition. */
  private minExpand(s: number, p: number, ep: number): number {
    const src = this.src
    for (;;) {
      const r = this.match(s, ep + 1)
      if (r !== -1) return r
      if (s < src.length && this.single(src.charCodeAt(s), p)) s++
      else return -1
    }
  }

  /** %bxy: a balanced run from x to its matching y. */
  private matchBalance(s: number, p: number): number {
    if (p >= this.pat.length || p + 1 >= this.pat.length) throw new LuaError('unbalanced pattern')
    const src = this.src
    const slen = src.length
    if (s >= slen || src.charCodeAt(s) !== this.pat.charCodeAt(p)) return -1
    const b = this.pat.charCodeAt(p)
    const e = this.pat.charCodeAt(p + 1)
    let cont = 1
    const start = s
    while (++s < slen) {
      const c = src.charCodeAt(s)
      if (c === e) {
        if (--cont === 0) {
          B.steps(s - start)
          return s + 1
        }
      } else if (c === b) cont++
    }
    B.steps(s - start)
    return -1
  }

  private startCapture(s: number, p: number, what: number): number {
    const level = this.level
    if (level >= MAXCAPTURES) throw new LuaError('too many captures')
    this.capInit[level] = s
    this.capLen[level] = what
    this.level = level + 1
    const r = this.match(s, p)
    if (r === -1) this.level--
    return r
  }

  private endCapture(s: number, p: number): number {
    const l = this.captureToClose()
    this.capLen[l] = s - this.capInit[l]!
    const r = this.match(s, p)
    if (r === -1) this.capLen[l] = CAP_UNFINISHED
    return r
  }

  private captureToClose(): number {
    for (let level = this.level - 1; level >= 0; level--) if (this.capLen[level] === CAP_UNFINISHED) return level
    throw new LuaError('invalid pattern capture')
  }

  /** %1..%9: the text of an earlier capture again (a position capture never matches). */
  private matchCapture(s: number, digit: number): number {
    const l = digit - 49
    if (l < 0 || l >= this.level || this.capLen[l] === CAP_UNFINISHED) throw new LuaError('invalid capture index')
    const len = this.capLen[l]!
    const src = this.src
    if (len < 0 || src.length - s < len) return -1
    const init = this.capInit[l]!
    for (let i = 0; i < len; i++) if (src.charCodeAt(init + i) !== src.charCodeAt(s + i)) return -1
    B.steps(len)
    return s + len
  }

  /** Capture i of a match [s, e): a string, a position, or the whole match when there are no captures. */
  capture(i: number, s: number, e: number): LuaValue {
    if (i >= this.level) {
      if (i !== 0) throw new LuaError('invalid capture index')
      B.alloc(e - s)
      return this.src.slice(s, e)
    }
    const l = this.capLen[i]!
    if (l === CAP_UNFINISHED) throw new LuaError('unfinished capture')
    const init = this.capInit[i]!
    if (l === CAP_POSITION) return init + 1
    B.alloc(l)
    return this.src.slice(init, init + l)
  }

  /**
   * The captures of a match [s, e) as results; with no captures, the whole
   * match (when `whole`: string.match, gmatch, gsub callbacks) or nothing
   * (string.find, which returns the positions instead).
   */
  captures(s: number, e: number, whole: boolean): LuaValue[] {
    const n = this.level === 0 && whole ? 1 : this.level
    const out = new Array<LuaValue>(n)
    for (let i = 0; i < n; i++) out[i] = this.capture(i, s, e)
    return out
  }
}

/** Whether p has a pattern-special byte (otherwise string.find searches it as plain text). */
export function hasSpecials(p: string): boolean {
  return /[\^$*+?.([%-]/.test(p)
}

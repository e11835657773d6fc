/**
 * PCRE escape sequences and character classes: `\x{..}`, octal, `\c`, the
 * class escapes `\d \w \s \h \v \N \R \X \p{..}`, and `[...]` with ranges,
 * negation and POSIX names, with PCRE2's error messages.
 */
import type { Node } from './ast.js'
import { CharSet, classSet, makeCaseless, posixSet, propertySet, type ClassName } from './charset.js'
import { ch, isDigit, type Flags, type Reader } from './reader.js'

const SIMPLE: Record<number, number> = { [ch('a')]: 7, [ch('e')]: 27, [ch('f')]: 12, [ch('n')]: 10, [ch('r')]: 13, [ch('t')]: 9 }
const CLASS_LETTERS = 'dDwWsShHvV'

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const l = c | 0x20
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1
}

/** A code point is checked against the mode's range (errors are reported at `at`). */
function checkCodePoint(r: Reader, v: number, at: number): number {
  if (r.opts.utf) {
    if (v > 0x10ffff) r.fail('character code point value in \\x{} or \\o{} is too large', at)
    if (v >= 0xd800 && v <= 0xdfff) r.fail('disallowed Unicode code point (>= 0xd800 && <= 0xdfff)', at)
  } else if (v > 0xff) r.fail('character code point value in \\x{} or \\o{} is too large', at)
  return v
}

/** Braced digits of `base` after \x{ or \o{; the cursor is on the '{'. */
function braced(r: Reader, base: number, what: string): number {
  r.i++
  let v = 0
  let n = 0
  for (;;) {
    const c = r.peek()
    if (c === 0x7d) break
    const d = hexDigit(c)
    if (d < 0 || d >= base)
      r.fail(base === 16 ? 'non-hex character in \\x{} (closing brace missing?)' : 'non-octal character in \\o{} (closing brace missing?)')
    v = v * base + d
    if (v > 0x7fffffff) v = 0x7fffffff
    n++
    r.i++
  }
  if (n === 0) r.fail(`digits missing after ${what} or in \\x{} or \\o{} or \\N{U+}`)
  checkCodePoint(r, v, r.i)
  r.i++
  return v
}

/**
 * A character-valued escape whose letter `c` was just read; undefined when `c`
 * is not one. Digits 1-9 are the caller's business (backreference or octal).
 */
export function charEscape(r: Reader, c: number): number | undefined {
  const simple = SIMPLE[c]
  if (simple !== undefined) return simple
  const js = r.opts.jsCompat
  if (c === ch('x')) {
    if (!js && r.peek() === 0x7b) return braced(r, 16, '\\x')
    let v = 0
    let n = 0
    while (n < 2 && hexDigit(r.peek()) >= 0) {
      v = v * 16 + hexDigit(r.next())
      n++
    }
    // Under PCRE2_ALT_BSUX, \x needs exactly two hex digits, else it is a plain 'x'.
    if (js && n !== 2) {
      r.i -= n
      return ch('x')
    }
    return v
  }
  if (js && c === ch('u')) {
    let v = 0
    for (let k = 0; k < 4; k++) {
      const d = hexDigit(r.peek(k))
      if (d < 0) return ch('u')
      v = v * 16 + d
    }
    r.i += 4
    return checkCodePoint(r, v, r.i - 6)
  }
  if (c === ch('o')) {
    if (r.peek() !== 0x7b) r.fail('missing opening brace after \\o')
    return braced(r, 8, '\\o')
  }
  if (c === ch('0')) {
    let v = 0
    for (let n = 0; n < 2 && r.peek() >= 0x30 && r.peek() <= 0x37; n++) v = v * 8 + (r.next() - 0x30)
    return v
  }
  if (c === ch('c')) {
    const x = r.next()
    if (x < 0) r.fail('\\c at end of pattern')
    if (x < 0x20 || x > 0x7e) r.fail('\\c must be followed by a printable ASCII character')
    return (x >= 0x61 && x <= 0x7a ? x - 32 : x) ^ 0x40
  }
  return undefined
}

/** Octal digits (up to 3, the first already read) as a character; PCRE2's non-UTF limit applies. */
export function octal(r: Reader, first: number): number {
  let v = first - 0x30
  for (let n = 1; n < 3 && r.peek() >= 0x30 && r.peek() <= 0x37; n++) v = v * 8 + (r.next() - 0x30)
  if (!r.opts.utf && v > 0xff) r.fail('octal value is greater than \\377 in 8-bit non-UTF-8 mode')
  return v
}

/** \p{..}, \P{..}, \pL; the letter was read. */
export function property(r: Reader, negated: boolean): CharSet {
  let name: string
  if (r.peek() === 0x7b) {
    r.i++
    if (r.peek() === 0x5e) {
      negated = !negated
      r.i++
    }
    let s = ''
    while (!r.eof && r.peek() !== 0x7d) s += String.fromCodePoint(r.next())
    if (r.eof) r.fail('malformed \\P or \\p sequence')
    r.i++
    name = s.replace(/[\s_-]/g, '')
  } else {
    const c = r.next()
    if (c < 0x41 || (c > 0x5a && c < 0x61) || c > 0x7a) r.fail('malformed \\P or \\p sequence')
    name = String.fromCodePoint(c)
  }
  const set = propertySet(name, negated)
  if (set === undefined) r.fail('unknown property after \\P or \\p')
  return set
}

/** A class escape (\d \D ... \v \V) as a set, or undefined. */
export function classEscape(c: number): CharSet | undefined {
  const k = String.fromCharCode(c)
  if (!CLASS_LETTERS.includes(k)) return undefined
  const lower = k.toLowerCase() as ClassName
  return classSet(lower, k !== lower)
}

/** One member of a class: a character, or a set from an escape. */
function classAtom(r: Reader): number | CharSet {
  const c = r.next()
  if (c !== 0x5c) return c
  const e = r.next()
  if (e < 0) r.fail('\\ at end of pattern', r.cps.length)
  if (e === ch('b')) return 8
  const set = classEscape(e)
  if (set !== undefined) return set
  if (e === ch('p') || e === ch('P')) return property(r, e === ch('P'))
  if (e === ch('N')) r.fail('\\N is not supported in a class')
  if (e === ch('R') || e === ch('X') || e === ch('B')) r.fail('escape sequence is invalid in character class', r.i - 1)
  if (!r.opts.jsCompat && (e === ch('u') || e === ch('U') || e === ch('l') || e === ch('L') || e === ch('F')))
    r.fail('PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u')
  const v = charEscape(r, e)
  if (v !== undefined) return v
  if (e >= 0x31 && e <= 0x37) return octal(r, e)
  if (isDigit(e)) return e
  if ((e >= 0x41 && e <= 0x5a) || (e >= 0x61 && e <= 0x7a)) r.fail('unrecognized character follows \\', r.i - 1)
  return e
}

/** `[...]`; the '[' was read. */
export function parseClass(r: Reader, f: Flags): Node {
  const set = new CharSet()
  let negated = false
  if (r.peek() === 0x5e) {
    negated = true
    r.i++
  }
  // PCRE2_ALLOW_EMPTY_CLASS (J): "[]" matches nothing, "[^]" anything.
  if (r.opts.jsCompat && r.peek() === 0x5d) {
    r.i++
    set.negated = negated
    return { t: 'set', set }
  }
  let first = true
  for (;;) {
    if (f.xx) while (r.peek() === 0x20 || r.peek() === 0x09) r.i++
    const c = r.peek()
    if (c < 0) r.fail('missing terminating ] for character class', r.cps.length)
    if (c === 0x5d && !first) {
      r.i++
      break
    }
    first = false
    if (c === 0x5b && (r.peek(1) === 0x3a || r.peek(1) === 0x2e || r.peek(1) === 0x3d) && posixEnd(r) >= 0) {
      addPosix(r, set)
      continue
    }
    if (c === 0x5c && r.peek(1) === ch('Q')) {
      r.i += 2
      while (!r.eof && !(r.peek() === 0x5c && r.peek(1) === ch('E'))) set.addChar(r.next())
      if (!r.eof) r.i += 2
      continue
    }
    if (c === 0x5c && r.peek(1) === ch('E')) {
      r.i += 2
      continue
    }
    const lo = classAtom(r)
    if (r.peek() === 0x2d && r.peek(1) !== 0x5d && r.peek(1) >= 0) {
      const dash = r.i
      r.i++
      if (r.peek() === 0x5b && r.peek(1) === 0x3a && posixEnd(r) >= 0) r.fail('invalid range in character class', dash)
      const hi = classAtom(r)
      if (typeof lo !== 'number' || typeof hi !== 'number') r.fail('invalid range in character class', dash)
      if (hi < lo) r.fail('range out of order in character class', r.i - 1)
      set.addRange(lo, hi)
      continue
    }
    if (typeof lo === 'number') set.addChar(lo)
    else set.addSet(lo)
  }
  if (f.i) makeCaseless(set, r.opts.utf)
  set.negated = negated
  return { t: 'set', set }
}

/** Index just past the ':]' ending a POSIX name at the cursor ("[:" or "[." or "[="), or -1. */
function posixEnd(r: Reader): number {
  const kind = r.peek(1)
  for (let k = 2; r.peek(k) >= 0; k++) {
    const c = r.peek(k)
    if (c === kind && r.peek(k + 1) === 0x5d) return k > 2 ? k + 2 : -1
    if (c === 0x5d || c === 0x5c || c === 0x5b) return -1
  }
  return -1
}

function addPosix(r: Reader, set: CharSet): void {
  const kind = r.peek(1)
  const end = posixEnd(r)
  if (kind !== 0x3a) r.fail('POSIX collating elements are not supported')
  let name = ''
  for (let k = 2; k < end - 2; k++) name += String.fromCharCode(r.peek(k))
  const negated = name.startsWith('^')
  if (negated) name = name.slice(1)
  const s = posixSet(name, negated)
  if (s === undefined) r.fail('unknown POSIX class name', r.i + 2)
  r.i += end
  set.addSet(s)
}

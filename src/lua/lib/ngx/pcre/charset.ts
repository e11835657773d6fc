/**
 * Character sets for the regex engine: a 256-entry table for code points
 * below 256 (every byte in non-UTF mode) plus ranges and Unicode property
 * tests above, negation, and PCRE's fixed classes (\d \w \s \h \v, POSIX
 * [:name:]). Without PCRE2_UCP (OpenResty does not set it) \d \w \s and the
 * POSIX classes are ASCII-only, in UTF mode too.
 */

export class CharSet {
  /** Membership of code points 0..255 (before negation). */
  readonly low = new Uint8Array(256)
  /** Ranges of code points >= 256, inclusive. */
  readonly ranges: number[] = []
  /** Extra tests for code points >= 256 (Unicode properties, \h, \v). */
  readonly tests: ((cp: number) => boolean)[] = []
  negated = false
  /** Caseless: code points >= 256 also match through their other case. */
  caseless = false

  addRange(from: number, to: number): void {
    for (let c = from; c <= Math.min(to, 255); c++) this.low[c] = 1
    if (to >= 256) this.ranges.push(Math.max(from, 256), to)
  }

  addChar(c: number): void {
    this.addRange(c, c)
  }

  /** Adds every member of `other` (which may be negated). */
  addSet(other: CharSet): void {
    if (!other.negated) {
      for (let c = 0; c < 256; c++) if (other.low[c]) this.low[c] = 1
      for (let i = 0; i < other.ranges.length; i += 2) this.ranges.push(other.ranges[i]!, other.ranges[i + 1]!)
      this.tests.push(...other.tests)
      return
    }
    for (let c = 0; c < 256; c++) if (!other.low[c]) this.low[c] = 1
    this.tests.push((cp) => !other.hasHigh(cp))
  }

  /** Membership above 255, before negation. */
  hasHigh(cp: number): boolean {
    const r = this.ranges
    for (let i = 0; i < r.length; i += 2) if (cp >= r[i]! && cp <= r[i + 1]!) return true
    for (const t of this.tests) if (t(cp)) return true
    if (this.caseless) {
      const v = caseVariants(cp)
      for (const x of v) if (x !== cp && (x < 256 ? this.low[x] === 1 : rangeHas(r, x) || this.tests.some((t) => t(x)))) return true
    }
    return false
  }

  has(cp: number): boolean {
    const m = cp < 256 ? this.low[cp] === 1 : this.hasHigh(cp)
    return m !== this.negated
  }
}

function rangeHas(r: number[], cp: number): boolean {
  for (let i = 0; i < r.length; i += 2) if (cp >= r[i]! && cp <= r[i + 1]!) return true
  return false
}

/** The code points that match `cp` caselessly (itself included), by Unicode simple case mapping. */
export function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp)
  const out = [cp]
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    const c = v.codePointAt(0)!
    if (v.length === String.fromCodePoint(c).length && !out.includes(c)) out.push(c)
  }
  // Characters whose lower and upper forms differ from a third (e.g. U+01C5 Dž) or fold together (K, k, U+212A).
  for (const c of [...out]) {
    const l = String.fromCodePoint(c).toLowerCase().codePointAt(0)!
    if (!out.includes(l) && String.fromCodePoint(l).length === String.fromCodePoint(c).toLowerCase().length) out.push(l)
  }
  return out
}

/** ASCII case partner of a byte (non-UTF caseless matching uses nginx's default C-locale tables). */
export function asciiOther(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c + 32
  if (c >= 0x61 && c <= 0x7a) return c - 32
  return c
}

/** Makes a set caseless: ASCII partners (and, in UTF mode, Unicode partners of members below 256). */
export function makeCaseless(set: CharSet, utf: boolean): void {
  for (let c = 0; c < 256; c++) {
    if (!set.low[c]) continue
    if (!utf || c < 0x80) {
      set.low[asciiOther(c)] = 1
      continue
    }
    for (const v of caseVariants(c)) set.addChar(v)
  }
  if (utf) {
    // Members >= 256 whose partner is below 256 (e.g. U+0178 Ÿ and ÿ) and the reverse are handled at match time.
    set.caseless = true
    for (let c = 0x80; c < 256; c++) {
      if (set.low[c]) continue
      for (const v of caseVariants(c)) if (v >= 256 && set.hasHigh(v)) set.low[c] = 1
    }
  }
}

export type ClassName = 'd' | 'w' | 's' | 'h' | 'v'

const H_HIGH = [0x1680, 0x180e, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x202f, 0x205f, 0x3000]

/** \d \w \s \h \v (and their negations through `negated`). */
export function classSet(name: ClassName, negated: boolean): CharSet {
  const s = new CharSet()
  switch (name) {
    case 'd':
      s.addRange(0x30, 0x39)
      break
    case 'w':
      s.addRange(0x30, 0x39)
      s.addRange(0x41, 0x5a)
      s.addRange(0x61, 0x7a)
      s.addChar(0x5f)
      break
    case 's':
      for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) s.addChar(c)
      break
    case 'h':
      for (const c of [0x09, 0x20, 0xa0, ...H_HIGH]) s.addChar(c)
      break
    case 'v':
      for (const c of [0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0x2028, 0x2029]) s.addChar(c)
      break
  }
  s.negated = negated
  return s
}

/** POSIX class names inside [...]: ASCII definitions. */
export const POSIX: Record<string, (c: number) => boolean> = {
  alnum: (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  alpha: (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  ascii: (c) => c < 0x80,
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: (c) => c >= 0x30 && c <= 0x39,
  graph: (c) => c > 0x20 && c < 0x7f,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  print: (c) => c >= 0x20 && c < 0x7f,
  punct: (c) => (c > 0x20 && c < 0x30) || (c > 0x39 && c < 0x41) || (c > 0x5a && c < 0x61) || (c > 0x7a && c < 0x7f),
  space: (c) => (c >= 0x09 && c <= 0x0d) || c === 0x20,
  upper: (c) => c >= 0x41 && c <= 0x5a,
  word: (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f,
  xdigit: (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
}

/** A POSIX class as a set (ASCII members only). */
export function posixSet(name: string, negated: boolean): CharSet | undefined {
  const f = POSIX[name]
  if (f === undefined) return undefined
  const s = new CharSet()
  for (let c = 0; c < 128; c++) if (f(c)) s.addChar(c)
  s.negated = negated
  return s
}

const propertyCache = new Map<string, RegExp>()

/**
 * \p{..} / \P{..}: a Unicode property test, borrowed from V8's own tables.
 * Undefined when the name is unknown to both PCRE and JS.
 */
export function propertySet(name: string, negated: boolean): CharSet | undefined {
  let re = propertyCache.get(name)
  if (re === undefined) {
    const js = name === 'Any' ? 'Any' : name === 'L&' ? 'LC' : name.replace(/^Is/, '')
    try {
      re = js === 'Any' ? /[\s\S]/u : new RegExp(`^\\p{${js.length <= 2 ? js : `Script=${js}`}}$`, 'u')
    } catch {
      try {
        re = new RegExp(`^\\p{${js}}$`, 'u')
      } catch {
        return undefined
      }
    }
    propertyCache.set(name, re)
  }
  const test = re
  const s = new CharSet()
  for (let c = 0; c < 256; c++) if (test.test(String.fromCodePoint(c))) s.low[c] = 1
  s.tests.push((cp) => test.test(String.fromCodePoint(cp)))
  s.negated = negated
  return s
}

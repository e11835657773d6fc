/**
 * The pattern reader the PCRE parser works on: the pattern as characters
 * (code points in UTF mode, bytes otherwise) with each one's byte offset, a
 * cursor, the inline-option state of a group, and PCRE2's error messages.
 */
import { PcreError } from './ast.js'
import { checkUtf8, decodeAt, charLen, UTF8_ERRORS } from './utf8.js'

/** Options set by ngx.re's option letters. */
export interface PcreOptions {
  caseless: boolean
  multiline: boolean
  dotall: boolean
  extended: boolean
  utf: boolean
  dupnames: boolean
  /** PCRE2_ALT_BSUX | ALLOW_EMPTY_CLASS | MATCH_UNSET_BACKREF (the J option). */
  jsCompat: boolean
}

/** Inline-option state of the group being parsed ((?i), (?x), ...). */
export interface Flags {
  i: boolean
  m: boolean
  s: boolean
  x: boolean
  /** (?xx): whitespace is ignored inside classes too. */
  xx: boolean
  /** (?U): quantifiers are lazy by default. */
  U: boolean
  /** (?n): plain parentheses do not capture. */
  n: boolean
}

export const ch = (s: string): number => s.charCodeAt(0)

export class Reader {
  /** The pattern's characters and their byte offsets (plus one entry for the end). */
  readonly cps: number[] = []
  readonly offs: number[] = []
  i = 0

  constructor(
    readonly pattern: string,
    readonly opts: PcreOptions,
  ) {
    if (opts.utf) {
      const bad = checkUtf8(pattern)
      if (bad !== undefined) throw new PcreError(`UTF-8 error: ${UTF8_ERRORS[bad.n]}`, bad.at)
      for (let p = 0; p < pattern.length; p += charLen(pattern.charCodeAt(p))) {
        this.cps.push(decodeAt(pattern, p))
        this.offs.push(p)
      }
    } else {
      for (let p = 0; p < pattern.length; p++) {
        this.cps.push(pattern.charCodeAt(p))
        this.offs.push(p)
      }
    }
    this.offs.push(pattern.length)
  }

  get eof(): boolean {
    return this.i >= this.cps.length
  }

  /** The character `k` ahead of the cursor, -1 past the end. */
  peek(k = 0): number {
    return this.cps[this.i + k] ?? -1
  }

  /** Whether the text at the cursor is `s` (ASCII). */
  lookingAt(s: string): boolean {
    for (let k = 0; k < s.length; k++) if (this.peek(k) !== s.charCodeAt(k)) return false
    return true
  }

  next(): number {
    return this.cps[this.i++] ?? -1
  }

  /** Throws PCRE2's error `msg`, reported at character index `at` (default: the cursor). */
  fail(msg: string, at = this.i): never {
    throw new PcreError(msg, this.offs[Math.min(at, this.cps.length)] ?? this.pattern.length)
  }

  /** Decimal digits at the cursor, or -1 when there are none. */
  readInt(): number {
    let n = -1
    while (this.peek() >= 0x30 && this.peek() <= 0x39) n = (n < 0 ? 0 : n * 10) + (this.next() - 0x30)
    return n
  }

  /** In extended mode: skips whitespace and #-comments. */
  skipExtended(f: Flags): void {
    if (!f.x) return
    for (;;) {
      const c = this.peek()
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) this.i++
      else if (c === 0x23) {
        while (!this.eof && this.peek() !== 0x0a) this.i++
      } else return
    }
  }
}

export function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/**
 * The byte-level facts about a chunk's source that luaparse does not give as
 * LuaJIT means them:
 *
 * - number tokens: luaparse rejects binary literals (`0b101`) and hex floats
 *   starting with a dot (`0x.8p1`), and reads FFI literals (`1LL`, `1ULL`,
 *   `1i`) as plain numbers. `prepareNumbers` rewrites the first kind to their
 *   decimal value (lines are unchanged, which is all positions rely on) and
 *   refuses the second kind;
 * - string literal values: decoded here from the raw token with LuaJIT's
 *   escapes and newline rules (long strings turn CR LF into LF);
 * - `return "end"`: luaparse compares the token after `return` with the
 *   keyword `end` by value only, so that string is put in parentheses;
 * - parentheses: luaparse does not mark `(f())`, which truncates to one value;
 *   `parensBetween` counts the `(` between two offsets, skipping comments.
 *
 * Everything works on byte strings (chars 0..255).
 */
import { stringToNumber } from '../core/value.js'

const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 0x80
const isIdent = (c: number): boolean => isIdentStart(c) || isDigit(c)
const isNewline = (c: number): boolean => c === 10 || c === 13

/** Thrown for source this compiler refuses though LuaJIT accepts it (FFI literals). */
export class CompileRefusal extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}

/** Length of the long bracket opening at `i` (`[[`, `[==[`), or -1. */
function longBracket(s: string, i: number): number {
  if (s.charCodeAt(i) !== 91) return -1
  let j = i + 1
  while (s.charCodeAt(j) === 61) j++
  return s.charCodeAt(j) === 91 ? j - i + 1 : -1
}

/** The offset after the long bracket body that opened at `i` with `open` chars (`[==[` is 4). */
function skipLong(s: string, i: number, open: number): number {
  const close = ']' + '='.repeat(open - 2) + ']'
  const end = s.indexOf(close, i + open)
  return end < 0 ? s.length : end + close.length
}

/** The offset after a comment starting at `i` (at `--`). */
function skipComment(s: string, i: number): number {
  const lb = longBracket(s, i + 2)
  if (lb > 0) return skipLong(s, i + 2, lb)
  let j = i + 2
  while (j < s.length && !isNewline(s.charCodeAt(j))) j++
  return j
}

/** The offset after a quoted string starting at `i`. */
function skipQuoted(s: string, i: number): number {
  const q = s.charCodeAt(i)
  let j = i + 1
  while (j < s.length) {
    const c = s.charCodeAt(j)
    if (c === q) return j + 1
    j += c === 92 ? 2 : 1
  }
  return j
}

/**
 * Rewrites number tokens luaparse cannot read into their decimal value,
 * refuses FFI cdata literals, and parenthesizes `return "end"`. The source has passed LuaJIT's syntax check, so
 * every number token is one LuaJIT accepts.
 */
export function prepareSource(s: string): string {
  let out = ''
  let from = 0
  let line = 1
  let i = 0
  /** The name or keyword just read ('' after any other token). */
  let prevWord = ''
  // A `#` first line is skipped by LuaJIT's loader: it becomes a line comment for luaparse
  // (`-- `: the space keeps a following `[[` from opening a long comment).
  if (s.charCodeAt(0) === 35) {
    while (i < s.length && !isNewline(s.charCodeAt(i))) i++
    out = '-- '
    from = 1
  }
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (isNewline(c)) {
      line++
      i += eolLength(s, i)
    } else if (c === 45 && s.charCodeAt(i + 1) === 45) {
      const end = skipComment(s, i)
      line += countLines(s, i, end)
      i = end
    } else if (c === 34 || c === 39) {
      const end = skipQuoted(s, i)
      line += countLines(s, i, end)
      // luaparse takes a string whose value is "end" right after `return` for the keyword: parenthesize it.
      if (prevWord === 'return' && end - i === 5 && s.slice(i + 1, i + 4) === 'end') {
        out += s.slice(from, i) + '(' + s.slice(i, end) + ')'
        from = end
      }
      prevWord = ''
      i = end
    } else if (c === 91 && longBracket(s, i) > 0) {
      const end = skipLong(s, i, longBracket(s, i))
      line += countLines(s, i, end)
      i = end
    } else if (isIdentStart(c)) {
      const start = i
      while (i < s.length && isIdent(s.charCodeAt(i))) i++
      prevWord = s.slice(start, i)
      continue
    } else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(i + 1)))) {
      const start = i
      let prev = 0
      for (;;) {
        const d = s.charCodeAt(i)
        const lower = prev | 0x20
        if (!(isIdent(d) || d === 46 || ((d === 43 || d === 45) && (lower === 101 || lower === 112)))) break
        prev = d
        i++
      }
      prevWord = ''
      const tok = s.slice(start, i)
      const replaced = numberToken(tok, line)
      if (replaced !== tok) {
        out += s.slice(from, start) + replaced
        from = i
      }
    } else {
      if (c > 32) prevWord = ''
      i++
    }
  }
  return out === '' ? s : out + s.slice(from)
}

/** Length of the newline at `i`: CR LF and LF CR count as one, as in LuaJIT (and luaparse). */
function eolLength(s: string, i: number): number {
  const c = s.charCodeAt(i)
  const d = s.charCodeAt(i + 1)
  return isNewline(d) && d !== c ? 2 : 1
}

function countLines(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to;) {
    if (isNewline(s.charCodeAt(i))) {
      n++
      i += eolLength(s, i)
    } else i++
  }
  return n
}

/** A number token as luaparse can read it (unchanged when it already can). */
function numberToken(tok: string, line: number): string {
  const lower = tok.toLowerCase()
  // Hex digits include neither `i` nor `l`, so these suffixes always mean an FFI literal.
  if (/(?:ll|i)$/.test(lower)) throw new CompileRefusal(line, `FFI cdata literal '${tok}' is not supported`)
  if (lower.startsWith('0b') || (lower.startsWith('0x') && /[.p]/.test(lower))) {
    const v = stringToNumber(lower)
    if (v === undefined || v !== v) throw new CompileRefusal(line, `malformed number near '${tok}'`)
    return v === Infinity ? '1e999' : String(v)
  }
  return tok
}

/**
 * The value of a string literal token (byte string in, byte string out), with
 * LuaJIT's escapes: \a \b \f \n \r \t \v \\ \" \' \<newline> \xXX \z \ddd \u{X}.
 */
export function decodeString(raw: string): string {
  const q = raw.charCodeAt(0)
  if (q === 91) {
    const open = longBracket(raw, 0)
    let body = raw.slice(open, raw.length - open)
    // The first newline right after the opening bracket is skipped; every newline sequence reads as \n.
    body = body.replace(/^(?:\r\n|\n\r|\r|\n)/, '')
    return body.replace(/\r\n|\n\r|\r|\n/g, '\n')
  }
  const s = raw.slice(1, raw.length - 1)
  if (!s.includes('\\')) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c !== '\\') {
      out += c
      continue
    }
    const e = s[++i]
    switch (e) {
      case 'a':
        out += '\x07'
        break
      case 'b':
        out += '\b'
        break
      case 'f':
        out += '\f'
        break
      case 'n':
        out += '\n'
        break
      case 'r':
        out += '\r'
        break
      case 't':
        out += '\t'
        break
      case 'v':
        out += '\v'
        break
      case 'x':
        out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16))
        i += 2
        break
      case 'z': {
        let j = i + 1
        while (j < s.length && /[\t\n\v\f\r ]/.test(s[j]!)) j++
        i = j - 1
        break
      }
      case 'u': {
        const close = s.indexOf('}', i)
        out += utf8(parseInt(s.slice(i + 2, close), 16))
        i = close
        break
      }
      case '\n':
      case '\r': {
        out += '\n'
        const next = s[i + 1]
        if ((next === '\n' || next === '\r') && next !== e) i++
        break
      }
      default:
        if (e !== undefined && e >= '0' && e <= '9') {
          let j = i
          while (j < i + 3 && j < s.length && s[j]! >= '0' && s[j]! <= '9') j++
          out += String.fromCharCode(Number(s.slice(i, j)))
          i = j - 1
        } else out += e ?? ''
    }
  }
  return out
}

/** A code point as UTF-8 bytes (LuaJIT's \u{...}, which allows up to 0x7FFFFFFF). */
function utf8(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp)
  const bytes: number[] = []
  let limit = 0x3f
  let v = cp
  while (v > limit) {
    bytes.unshift(0x80 | (v & 0x3f))
    v >>>= 6
    limit >>= 1
  }
  bytes.unshift(((~limit << 1) & 0xff) | v)
  return String.fromCharCode(...bytes)
}

/** How many `(` stand between offsets `from` and `to` (comments skipped; nothing else but punctuation and keywords is there). */
export function parensBetween(s: string, from: number, to: number): number {
  let n = 0
  for (let i = from; i < to;) {
    const c = s.charCodeAt(i)
    if (c === 45 && s.charCodeAt(i + 1) === 45) i = skipComment(s, i)
    else {
      if (c === 40) n++
      i++
    }
  }
  return n
}

/** Offsets where each line starts, to turn offsets into lines. */
export function lineStarts(s: string): number[] {
  const starts = [0]
  for (let i = 0; i < s.length;) {
    if (isNewline(s.charCodeAt(i))) {
      i += eolLength(s, i)
      starts.push(i)
    } else i++
  }
  return starts
}

/** The 1-based line of `offset`. */
export function lineOf(starts: number[], offset: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= offset) lo = mid
    else hi = mid - 1
  }
  return lo + 1
}

/** The offset of the first character at or after `from` that is not space or comment. */
export function skipSpace(s: string, from: number): number {
  let i = from
  while (i < s.length) {
    const c = s.charCodeAt(i)
    if (c === 45 && s.charCodeAt(i + 1) === 45) i = skipComment(s, i)
    else if (c === 32 || (c >= 9 && c <= 13)) i++
    else break
  }
  return i
}

/**
 * The regex engine behind ngx.re: compiles a PCRE2 pattern with ngx.re's
 * options into a Program, with nginx's compile-error text
 * (`pcre2_compile() failed: missing closing parenthesis in "(a"`), and runs
 * it with PCRE2's UTF checks and error codes.
 *
 * Why our own engine and not JS RegExp: V8's irregexp cannot be metered or
 * interrupted, so one pathological pattern (user-supplied, or a plain one on a
 * hostile subject) could block the event loop for seconds; `re2` would need a
 * native build. This engine charges every step to the run's budget, and
 * implements the PCRE features RegExp lacks (possessive quantifiers, atomic
 * groups, \A \z \Z \G \K, inline options, \h \v \R, conditionals, octal and
 * \x{...} escapes) with PCRE's semantics.
 */
import { B } from '../../../core/budget.js'
import { PcreError, type Parsed } from './ast.js'
import { compileProgram } from './compile.js'
import { parsePattern, type PcreOptions } from './parse.js'
import type { Program } from './program.js'
import { checkUtf8 } from './utf8.js'
import { execProgram } from './vm.js'

export interface RegexOptions extends PcreOptions {
  anchored: boolean
  /** d: longest match at the leftmost position, whole match only. */
  dfa: boolean
  /** U: UTF mode without the subject check. */
  noUtfCheck: boolean
}

export interface Regex {
  prog: Program
  opts: RegexOptions
  /** Capture groups reported (0 in DFA mode, as PCRE's DFA matcher gives no groups). */
  ncap: number
  /**
   * Slots the last search filled, reused by every search with this regex (as
   * nginx reuses a compiled regex's captures vector): callers copy what they
   * need before running any Lua code, which might search with it again.
   */
  slots: Int32Array
}

/** PCRE2 match-time error codes used here. */
export const PCRE2_ERROR_BADOFFSET = -33
export const PCRE2_ERROR_BADUTFOFFSET = -36

/** Compiles `pattern`; a string is nginx's error message. */
export function compileRegex(pattern: string, opts: RegexOptions): Regex | string {
  B.steps(1 + pattern.length)
  let parsed: Parsed
  let prog: Program
  try {
    parsed = parsePattern(pattern, opts)
    prog = compileProgram(parsed, opts.utf, opts.jsCompat, opts.anchored)
  } catch (e) {
    if (!(e instanceof PcreError)) throw e
    const at = Math.min(e.offset, pattern.length)
    return at >= pattern.length
      ? `pcre2_compile() failed: ${e.message} in "${pattern}"`
      : `pcre2_compile() failed: ${e.message} in "${pattern}" at "${pattern.slice(at)}"`
  }
  B.alloc(prog.code.length * 64)
  return { prog, opts, ncap: opts.dfa ? 0 : prog.ncap, slots: new Int32Array(prog.nslots) }
}

/** The last subject found valid UTF-8 (gsub and gmatch search one subject many times). */
let validated: string | undefined

/**
 * Searches `s` from byte offset `pos`: 1 with `slots` (2 per group) filled,
 * 0 for no match, or a negative PCRE2 error code.
 */
export function execRegex(re: Regex, s: string, pos: number, slots: Int32Array): number {
  if (pos < 0 || pos > s.length) return PCRE2_ERROR_BADOFFSET
  if (re.opts.utf && !re.opts.noUtfCheck) {
    if (s !== validated) {
      B.steps(s.length >> 4)
      const bad = checkUtf8(s)
      if (bad !== undefined) return -(bad.n + 2)
      validated = s
    }
    if (pos < s.length && (s.charCodeAt(pos) & 0xc0) === 0x80) return PCRE2_ERROR_BADUTFOFFSET
  }
  return execProgram(re.prog, s, pos, re.opts.dfa, slots)
}

/** Capture slots for `re`, work slots included. */
export function newSlots(re: Regex): Int32Array {
  return new Int32Array(re.prog.nslots)
}

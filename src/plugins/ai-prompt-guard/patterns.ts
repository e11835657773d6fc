/**
 * ai-prompt-guard's patterns as Kong runs them: ngx.re.find(prompt, pattern,
 * "jo") on the prompt's UTF-8 bytes, on the project's PCRE engine (the one
 * behind ngx.re), compiled once per config. A pattern PCRE refuses is kept
 * with nginx's compile error: Kong accepts it in the config and fails when a
 * request reaches it. Each search runs metered, as a Lua run is, so a
 * pattern that backtracks without end fails that request (PCRE's match limit
 * in Kong) instead of holding the event loop.
 */
import { B } from '../../lua/core/budget.js'
import { BudgetExceeded } from '../../lua/core/errors.js'
import { fromText } from '../../lua/core/value.js'
import { compileRegex, execRegex, newSlots, type Regex, type RegexOptions } from '../../lua/lib/ngx/pcre/index.js'

/** ngx.re's "jo": no option that changes matching (j is PCRE's JIT, o the compile cache). */
const JO: RegexOptions = {
  caseless: false,
  multiline: false,
  dotall: false,
  extended: false,
  utf: false,
  dupnames: false,
  jsCompat: false,
  anchored: false,
  dfa: false,
  noUtfCheck: false,
}

/**
 * Each search's allowance: about PCRE2's default match limit in steps, and a
 * wall-clock guard that keeps a stall under the 50 ms the gateway allows a
 * Lua run (lua/core/budget.ts).
 */
const SEARCH_BUDGET = { instructions: 10_000_000, memory: 64 * 1024 * 1024, wallMs: 20 }

export interface Pattern {
  readonly source: string
  readonly re: Regex | undefined
  /** nginx's compile error, when PCRE refuses the pattern. */
  readonly error: string | undefined
}

export function compilePattern(source: string): Pattern {
  const re = compileRegex(fromText(source), JO)
  return typeof re === 'string' ? { source, re: undefined, error: re } : { source, re, error: undefined }
}

/** Whether `subject` (a Lua byte string) contains a match; a string is the error Kong would log. */
export function search(p: Pattern, subject: string): boolean | string {
  if (p.re === undefined) return p.error!
  const slots = newSlots(p.re)
  const metered = !B.running
  if (metered) B.begin({ ...SEARCH_BUDGET })
  try {
    const rc = execRegex(p.re, subject, 0, slots)
    return rc < 0 ? `pcre_exec() failed: ${rc}` : rc > 0
  } catch (e) {
    if (e instanceof BudgetExceeded) return `pcre_exec() failed: ${e.message}`
    throw e
  } finally {
    if (metered) B.end()
  }
}

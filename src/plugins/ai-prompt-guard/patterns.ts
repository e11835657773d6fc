/**
 * ai-prompt-guard's patterns as Kong runs them: ngx.re.find(prompt, pattern,
 * "jo") on the prompt's UTF-8 bytes, on the project's PCRE engine (the one
 * behind ngx.re), compiled once per config. A pattern PCRE refuses is kept
 * with nginx's compile error: Kong accepts it in the config and fails when a
 * request reaches it. The searches of one request run metered, as a Lua run
 * is (`metered`), so a pattern that backtracks without end fails that
 * request (PCRE's match limit in Kong) instead of holding the event loop.
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
 * The allowance of one request's searches: PCRE2's default match limit in
 * steps, and a wall-clock guard far above what a search of a prompt within
 * max_request_body_size costs (a cold 8 KiB search takes about 10 ms), so
 * only a runaway pattern meets it.
 */
const SEARCH_BUDGET = { instructions: 10_000_000, memory: 64 * 1024 * 1024, wallMs: 100 }

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

/** Runs `f` (searches) within one allowance; `search` reports a search the allowance stopped. */
export function metered<T>(f: () => T): T {
  if (B.running) return f()
  B.begin({ ...SEARCH_BUDGET })
  try {
    return f()
  } finally {
    B.end()
  }
}

/** Whether `subject` (a Lua byte string) contains a match; a string is the error Kong would log. */
export function search(p: Pattern, subject: string): boolean | string {
  if (p.re === undefined) return p.error!
  try {
    const rc = execRegex(p.re, subject, 0, newSlots(p.re))
    return rc < 0 ? `pcre_exec() failed: ${rc}` : rc > 0
  } catch (e) {
    if (e instanceof BudgetExceeded) return `pcre_exec() failed: ${e.message}`
    throw e
  }
}

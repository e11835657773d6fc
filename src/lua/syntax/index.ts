/**
 * Lua syntax checking without a Lua VM, for config validation (pre-function /
 * post-function code, request-callout `by_lua`, `$(...)` expressions). Verdicts
 * and messages are LuaJIT 2.1's `loadstring` ones, because Kong runs LuaJIT and
 * those are what its own validation shows. This file is the public API and the
 * chunk name LuaJIT puts before each message; the check itself is in pieces:
 *
 * - lexer.ts, number.ts, chars.ts: a port of LuaJIT's lexer (lj_lex.c,
 *   lj_strscan.c) over the UTF-8 bytes: luaparse reads a token ahead, so its
 *   lexical errors come a token early, and its number, escape and long-bracket
 *   rules are not LuaJIT's.
 * - sanitize.ts, grammar.ts: luaparse (LuaJIT mode) judges the grammar on a
 *   neutral copy of the tokens (names `n`, numbers `0`, strings `''`, each on its
 *   LuaJIT line); its message is reworded as LuaJIT words it, at the token where
 *   it stopped.
 * - scopes.ts, gotos.ts, level-bound.ts, levels.ts: goto / label / break scoping
 *   and the 200-level nesting limit, checked where LuaJIT checks them.
 * - check.ts: runs them and picks the first error, the one LuaJIT reports.
 * - unavailable.ts: not syntax, but also seen without running the code: the
 *   uses of ngx functions this gateway cannot offer (timers, cosockets...),
 *   which validation refuses after the syntax check.
 * - luaparse is loaded by the first check: importing this module loads nothing.
 */
import { check } from './check.js'
import { TOO_DEEP } from './tokens.js'

export { findUnavailable, findUnavailableInExpression, type LuaRefusal } from './unavailable.js'

export interface LuaSyntaxError {
  /** 1-based line inside the source. */
  line: number
  /** LuaJIT's message without the location, e.g. `unexpected symbol near '='`. */
  message: string
  /** LuaJIT's full message, e.g. `[string "local a = 1..."]:3: unexpected symbol near '='`. */
  raw: string
}

/** Checks a chunk; undefined when LuaJIT's loadstring would accept it. Never throws. */
export function checkLua(source: string): LuaSyntaxError | undefined {
  const src = Buffer.from(source, 'utf8')
  const id = chunkId(src)
  try {
    const e = check(src)
    if (!e) return undefined
    const message = e.near === undefined ? e.message : `${e.message} near '${e.near}'`
    return e.line === 0 ? { line: 1, message, raw: message } : { line: e.line, message, raw: `${id}:${e.line}: ${message}` }
  } catch (err) {
    if (err instanceof RangeError) return { line: 1, message: TOO_DEEP, raw: `${id}:1: ${TOO_DEEP}` }
    const message = err instanceof Error ? err.message : String(err)
    return { line: 1, message, raw: `${id}:1: ${message}` }
  }
}

/** Checks the inside of `$(...)`, wrapped as the Lua engine compiles it. */
export function checkLuaExpression(expr: string): LuaSyntaxError | undefined {
  return checkLua(`return (${expr}\n)`)
}

/**
 * How LuaJIT names `loadstring(src)` in messages (lj_debug_shortname, LUA_IDSIZE 60):
 * `[string "..."]` with the source up to its first control character, cut to 45
 * bytes plus `...` when longer than 48; a source starting with `=` or `@` is
 * taken as a literal name or a file name, as Lua does with any chunk name.
 */
function chunkId(src: Uint8Array): string {
  const nul = src.indexOf(0)
  const str = nul < 0 ? src : src.subarray(0, nul)
  if (str[0] === 0x3d) return bytesText(str.subarray(1, 60))
  if (str[0] === 0x40) return src.length - 1 >= 60 ? `...${bytesText(src.subarray(src.length - 56))}` : bytesText(str.subarray(1))
  let len = 0
  while (len < 48 && len < str.length && str[len]! >= 0x20) len++
  if (len < str.length) return `[string "${bytesText(str.subarray(0, Math.min(len, 45)))}..."]`
  return `[string "${bytesText(str.subarray(0, len))}"]`
}

/** Bytes as LuaJIT prints them with %s: up to the first NUL. */
function bytesText(bytes: Uint8Array): string {
  let n = bytes.indexOf(0)
  if (n < 0) n = bytes.length
  let ascii = n <= 256
  for (let i = 0; ascii && i < n; i++) if (bytes[i]! >= 0x80) ascii = false
  return ascii ? String.fromCharCode(...bytes.subarray(0, n)) : Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('utf8')
}

/**
 * What the checker's modules share: a token as LuaJIT's lexer reads it, an error
 * as LuaJIT words it and the token where its parser raises it, the tokens that
 * end a block, and LuaJIT's nesting limit. Kept apart so that no module needs
 * another one only for a type.
 */

/** A token: `t` is 'name' | 'number' | 'string' | 'char' (a stray byte) | 'nul' | 'eof' | a keyword | a symbol. */
export interface Tok {
  t: string
  /** LuaJIT's line number once the token is read (its last line). */
  line: number
  /** How LuaJIT names the token after `near`. */
  text: string
}

/** An error in LuaJIT's terms; `near` undefined when LuaJIT names no token. Line 0: no location at all. */
export interface Found {
  line: number
  message: string
  near: string | undefined
}

export interface Candidate extends Found {
  /** Token index where LuaJIT's parser stands when it raises the error. */
  pos: number
  /** Order of errors raised at the same token: lexer, label/nesting checks, grammar, end-of-function checks. */
  rank: number
}

export const BLOCK_END = new Set(['else', 'elseif', 'end', 'until', 'eof'])

export const TOO_DEEP = 'chunk has too many syntax levels'
/** LuaJIT's LJ_MAX_XLEVEL. */
export const MAX_LEVEL = 200

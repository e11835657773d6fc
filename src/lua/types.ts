/**
 * The Lua engine's contract: what plugins (pre-function, post-function,
 * request-callout, templates) use to run Kong users' Lua. Chunks and
 * expressions are compiled once per config; running them never re-parses.
 */
import type { Exit, Kit } from '../plugins/types.js'

/** A syntax error, with the line inside the Lua source (1-based). */
export interface LuaSyntaxError {
  line: number
  message: string
}

/** Extra globals for one run (request-callout's `callouts`, template shortcuts). */
export type LuaVars = Record<string, unknown>

export interface LuaChunk {
  /**
   * Runs the chunk with Kong's PDK subset bound to `kit`. Resolves to an Exit
   * when the code called kong.response.exit; rejects on a runtime error or an
   * exhausted budget (the caller answers Kong's 500).
   */
  run(kit: Kit, vars?: LuaVars): Promise<Exit | undefined>
}

export interface LuaExpression {
  /** The value of the expression (Lua values converted to JS: tables to objects/arrays, nil to undefined). */
  evaluate(kit: Kit, vars?: LuaVars): Promise<unknown>
}

export interface LuaEngine {
  /** Parses a chunk without running it; undefined when it is valid. Synchronous (used by validation). */
  check(source: string): LuaSyntaxError | undefined
  /** The same for an expression (the inside of `$(...)`). */
  checkExpression(expr: string): LuaSyntaxError | undefined
  compile(source: string, name: string): LuaChunk
  compileExpression(expr: string): LuaExpression
}

/**
 * How request-callout's config is checked for Lua: by_lua chunks and Lua
 * `$(...)` expressions are parsed without the Lua VM (lua/syntax/), so
 * validating a file never starts it; then their static uses of ngx functions
 * this gateway cannot run (timers, cosockets...) are refused. Tests can remove
 * the checker (setLuaEngine(undefined)) to see a config needing Lua refused,
 * as a build without Lua would refuse it.
 */
import { checkLua, checkLuaExpression, findUnavailable, findUnavailableInExpression, type LuaSyntaxError } from '../../lua/syntax/index.js'

/** What validation needs of Lua: syntax checks. */
export interface LuaSyntaxChecker {
  check(source: string): Pick<LuaSyntaxError, 'line' | 'message'> | undefined
  checkExpression(expr: string): Pick<LuaSyntaxError, 'line' | 'message'> | undefined
}

const SYNTAX: LuaSyntaxChecker = { check: checkLua, checkExpression: checkLuaExpression }

let checker: LuaSyntaxChecker | undefined = SYNTAX

/** Replaces the checker (tests); `undefined` makes every use of Lua a validation error. */
export function setLuaEngine(e: LuaSyntaxChecker | undefined): void {
  checker = e
}

export function luaEngine(): LuaSyntaxChecker | undefined {
  return checker
}

/** The catalogue's message for a static use of what cannot run here (a chunk, or a `$(...)` expression), or undefined. */
export function unavailableIn(source: string, expression = false): string | undefined {
  return (expression ? findUnavailableInExpression(source) : findUnavailable(source))?.message
}

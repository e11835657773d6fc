/**
 * The Lua engine request-callout uses for `by_lua` chunks and Lua `$(...)`
 * expressions: the gateway's sandboxed engine (src/lua/engine.ts). Tests can
 * remove it (setLuaEngine(undefined)) to check that a config needing Lua is
 * then refused when it is validated.
 */
import { lua } from '../../lua/engine.js'
import type { LuaEngine } from '../../lua/types.js'

let engine: LuaEngine | undefined = lua

export function setLuaEngine(e: LuaEngine | undefined): void {
  engine = e
}

export function luaEngine(): LuaEngine | undefined {
  return engine
}

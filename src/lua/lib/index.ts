/**
 * The libraries a chunk environment gets, registered in one place: the base
 * library and coroutines (src/lua/compiler) today; string, table, math, bit,
 * os, cjson and ngx's pure functions join here as they land in src/lua/lib/.
 * Library tables are shared between environments and read-only.
 */
import { LuaTable } from '../core/value.js'
import { installBase } from '../compiler/base.js'
import { coroutineLib } from '../compiler/coroutine.js'

/** Installs every available library into `env` and returns it. */
export function openLibs(env: LuaTable = new LuaTable()): LuaTable {
  installBase(env)
  env.setStr('coroutine', coroutineLib())
  return env
}

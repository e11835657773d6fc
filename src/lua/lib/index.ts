/**
 * The libraries a chunk environment gets, registered in one place:
 * `openLibs(env)` installs the base library and coroutines (src/lua/compiler)
 * and string, table, math, bit, os and jit's identity fields. The library tables are built once and
 * shared by every environment; they are read-only (writes, raw or not, raise
 * Kong's "Cannot modify string.x. Protected by the sandbox."), so sharing them
 * leaks nothing between plugin instances. Building the string library also
 * makes it the strings' metatable __index, so `("x"):upper()` works.
 */
import { LuaTable } from '../core/value.js'
import { installBase } from '../compiler/base.js'
import { coroutineLib } from '../compiler/coroutine.js'
import { bitLib } from './bit.js'
import { jitLib } from './jit.js'
import { mathLib } from './math.js'
import { osLib } from './os.js'
import { stringLib } from './string.js'
import { tableLib } from './table.js'

export { tableModule, unpack } from './table.js'

let libs: Record<string, LuaTable> | undefined

/** The shared library tables by global name. */
export function standardLibs(): Record<string, LuaTable> {
  libs ??= { string: stringLib(), table: tableLib(), math: mathLib(), bit: bitLib(), os: osLib(), jit: jitLib() }
  return libs
}

/** Installs every library into `env` (the chunk's own table) and returns it. */
export function openLibs(env: LuaTable = new LuaTable()): LuaTable {
  installBase(env)
  env.setStr('coroutine', coroutineLib())
  const l = standardLibs()
  for (const name of Object.keys(l)) env.setStr(name, l[name])
  return env
}

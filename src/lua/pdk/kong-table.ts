/**
 * kong.table: Kong's table helpers (new, clear) for untrusted Lua.
 */
import { LuaTable } from '../core/value.js'
import { library } from './table.js'

export const tableLib = library('kong.table', {
  new: () => new LuaTable(),
  // A library table (string, kong.request, ...) is read-only here too: clearing one would empty it for every snippet.
  clear: (t) => {
    if (t instanceof LuaTable) t.clear()
  },
})

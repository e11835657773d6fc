/**
 * Kong's untrusted-Lua sandbox as globals: what kong/tools/sandbox/environment
 * lists (base functions, bit, coroutine, math, os.clock/date/difftime/time,
 * string without dump, table with OpenResty's additions, jit's identity,
 * io.type), plus `kong`, `ngx` and a `require` limited to an allow-list
 * (`untrusted_lua_sandbox_requires`). Built once per process: every table is
 * read-only, so no snippet can change what another sees.
 */
import { luaRequireDenied, luaRequiresUnknown } from '../errors.js'
import { LuaError } from './core/errors.js'
import { markSettled } from './compiler/positions.js'
import { argError, fn, tostring } from './core/ops.js'
import { LuaTable, type LuaValue } from './core/value.js'
import { openLibs, tableModule } from './lib/index.js'
import { requireCjson } from './lib/cjson.js'
import { fillNgx } from './lib/ngx/index.js'
import { kong } from './pdk/kong.js'
import { buildNgx } from './pdk/ngx.js'
import { current, run } from './pdk/run.js'
import { REQUIRABLE, unknownRequires, type Requirable } from './requirable.js'

/** Kong's list (kong/tools/sandbox/environment/lua.lua), by library. */
// prettier-ignore
const LISTED: Record<string, readonly string[]> = {
  _G: ['_VERSION', 'assert', 'error', 'ipairs', 'next', 'pairs', 'pcall', 'select', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall'],
  bit: ['arshift', 'band', 'bnot', 'bor', 'bswap', 'bxor', 'lshift', 'rol', 'ror', 'rshift', 'tobit', 'tohex'],
  coroutine: ['create', 'resume', 'running', 'status', 'wrap', 'yield'],
  math: [
    'abs',
    'acos',
    'asin',
    'atan',
    'atan2',
    'ceil',
    'cos',
    'cosh',
    'deg',
    'exp',
    'floor',
    'fmod',
    'frexp',
    'huge',
    'ldexp',
    'log',
    'log10',
    'max',
    'min',
    'modf',
    'pi',
    'pow',
    'rad',
    'random',
    'sin',
    'sinh',
    'sqrt',
    'tan',
    'tanh',
  ],
  os: ['clock', 'date', 'difftime', 'time'],
  string: ['byte', 'char', 'find', 'format', 'gmatch', 'gsub', 'len', 'lower', 'match', 'rep', 'reverse', 'sub', 'upper'],
  table: [
    'clear',
    'clone',
    'concat',
    'foreach',
    'foreachi',
    'getn',
    'insert',
    'isarray',
    'isempty',
    'maxn',
    'move',
    'new',
    'nkeys',
    'pack',
    'remove',
    'sort',
    'unpack',
  ],
}

function pick(from: LuaValue, names: readonly string[], name: string): LuaTable {
  const t = new LuaTable()
  if (from instanceof LuaTable) for (const n of names) t.setStr(n, from.getStr(n))
  t.readonlyName = name
  return t
}

/** The process's `ngx` (request-bound members act on the current run). */
export const ngx = buildNgx(fillNgx(new LuaTable()))

/**
 * Modules `require` may load, by name, once allowed (requirable.ts lists the
 * names). A library module is the sandbox's own read-only table; a table.*
 * module is OpenResty's single function.
 */
const MODULES: Record<Requirable, (g: LuaTable) => LuaValue> = {
  bit: (g) => g.getStr('bit'),
  cjson: () => requireCjson('cjson'),
  'cjson.safe': () => requireCjson('cjson.safe'),
  math: (g) => g.getStr('math'),
  ngx: () => ngx,
  string: (g) => g.getStr('string'),
  table: (g) => g.getStr('table'),
  'table.clear': () => tableModule('table.clear'),
  'table.clone': () => tableModule('table.clone'),
  'table.isarray': () => tableModule('table.isarray'),
  'table.isempty': () => tableModule('table.isempty'),
  'table.new': () => tableModule('table.new'),
  'table.nkeys': () => tableModule('table.nkeys'),
}

/**
 * Loaded modules per plugin instance, as Lua's package.loaded is per worker
 * in Kong: `require 'cjson'` twice gives the same table, and one instance's
 * cjson settings never reach another's.
 */
const loaded = new WeakMap<object, Map<string, LuaValue>>()
const outsideRuns = {}

/**
 * The sandbox's globals for the allow-list `requires` (Kong's
 * untrusted_lua_sandbox_requires); throws when the list names a module this
 * gateway cannot load (requirable.ts). `print` writes to the plugin's log, as
 * OpenResty's print writes to the error log.
 */
export function sandboxGlobals(requires: readonly string[]): LuaTable {
  const full = openLibs(new LuaTable())
  const g = new LuaTable()
  for (const n of LISTED._G!) g.setStr(n, full.getStr(n))
  for (const lib of ['bit', 'coroutine', 'math', 'os', 'string', 'table']) g.setStr(lib, pick(full.getStr(lib), LISTED[lib]!, lib))
  // jit's identity fields only (lib/jit.ts), the same table in every chunk: it is read-only.
  g.setStr('jit', full.getStr('jit'))
  // Kong lists io.type alone: no file can be opened in the sandbox, so nothing is a file.
  const io = new LuaTable()
  io.setStr(
    'type',
    fn((...a: LuaValue[]) => (a.length === 0 ? argError(1, 'type', 'value expected') : [undefined]), true),
  )
  io.readonlyName = 'io'
  g.setStr('io', io)
  g.setStr(
    'print',
    fn((...args: LuaValue[]) => {
      const tostring = full.getStr('tostring') as (v: LuaValue) => LuaValue[]
      run().log('info', args.map((a) => String(tostring(a)[0])).join('\t'))
    }),
  )
  g.setStr('kong', kong)
  g.setStr('ngx', ngx)
  const unknown = unknownRequires(requires)
  if (unknown.length > 0) throw new Error(luaRequiresUnknown(unknown, REQUIRABLE))
  const allowed = new Set(requires)
  g.setStr(
    'require',
    fn((m: LuaValue) => {
      const name = typeof m === 'string' ? m : tostring(m)
      // Kong raises it with error(msg, -1): no position before the message
      if (!allowed.has(name)) throw markSettled(new LuaError(luaRequireDenied(name)))
      const instance = current.run?.instance ?? outsideRuns
      let mods = loaded.get(instance)
      if (mods === undefined) loaded.set(instance, (mods = new Map()))
      if (!mods.has(name)) mods.set(name, MODULES[name as Requirable](g))
      return mods.get(name)
    }),
  )
  g.readonlyName = '_G'
  return g
}

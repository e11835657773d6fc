/**
 * Kong's untrusted-Lua sandbox as globals: what kong/tools/sandbox/environment
 * lists (base functions, bit, coroutine, io.type, math, os.clock/date/difftime/time,
 * string without dump, table with OpenResty's additions, jit's identity),
 * plus `kong`, `ngx` and a `require` limited to an allow-list
 * (`untrusted_lua_sandbox_requires`). Built once per process: every table is
 * read-only, so no snippet can change what another sees.
 */
import { LuaError } from './core/errors.js'
import { fn } from './core/ops.js'
import { LuaTable, type LuaValue } from './core/value.js'
import { openLibs } from './lib/index.js'
import { requireCjson } from './lib/cjson.js'
import { fillNgx } from './lib/ngx/index.js'
import { kong } from './pdk/kong.js'
import { buildNgx } from './pdk/ngx.js'
import { run } from './pdk/run.js'

/** Kong's list (kong/tools/sandbox/environment/lua.lua), by library. */
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

const JIT: Record<string, LuaValue> = { os: 'Linux', arch: 'x64', version: 'LuaJIT 2.1.ROLLING', version_num: 20199 }

function pick(from: LuaValue, names: readonly string[], name: string): LuaTable {
  const t = new LuaTable()
  if (from instanceof LuaTable) for (const n of names) t.setStr(n, from.getStr(n))
  t.readonlyName = name
  return t
}

/** The process's `ngx` (request-bound members act on the current run). */
export const ngx = buildNgx(fillNgx(new LuaTable()))

/** Modules `require` may load, by name, once allowed. */
function loadable(name: string): LuaValue {
  if (name === 'cjson' || name === 'cjson.safe') return requireCjson(name)
  if (name === 'ngx') return ngx
  return undefined
}

/**
 * The sandbox's globals for the allow-list `requires` (Kong's
 * untrusted_lua_sandbox_requires). `print` writes to the plugin's log, as
 * OpenResty's print writes to the error log.
 */
export function sandboxGlobals(requires: readonly string[]): LuaTable {
  const full = openLibs(new LuaTable())
  const g = new LuaTable()
  for (const n of LISTED._G!) g.setStr(n, full.getStr(n))
  for (const lib of ['bit', 'coroutine', 'math', 'os', 'string', 'table']) g.setStr(lib, pick(full.getStr(lib), LISTED[lib]!, lib))
  // Kong lists io.type alone from io: no file handle exists here, so nothing is a file.
  const io = new LuaTable()
  io.setStr(
    'type',
    fn(() => [undefined], true),
  )
  io.readonlyName = 'io'
  g.setStr('io', io)
  const jit = new LuaTable()
  for (const [k, v] of Object.entries(JIT)) jit.setStr(k, v)
  jit.readonlyName = 'jit'
  g.setStr('jit', jit)
  g.setStr(
    'print',
    fn((...args: LuaValue[]) => {
      const tostring = full.getStr('tostring') as (v: LuaValue) => LuaValue[]
      run().log('info', args.map((a) => String(tostring(a)[0])).join('\t'))
    }),
  )
  g.setStr('kong', kong)
  g.setStr('ngx', ngx)
  const allowed = new Set(requires)
  g.setStr(
    'require',
    fn((m: LuaValue) => {
      const name = typeof m === 'string' ? m : String(m)
      const mod = allowed.has(name) ? loadable(name) : undefined
      if (mod === undefined) throw new LuaError(`require '${name}' not allowed within sandbox`)
      return mod
    }),
  )
  g.readonlyName = '_G'
  return g
}

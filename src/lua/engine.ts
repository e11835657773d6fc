/**
 * The Lua engine: Lua 5.4 on WebAssembly (wasmoon), one VM per process, with
 * Kong's untrusted-Lua sandbox and a subset of the PDK bound to the request kit.
 *
 * - One VM, created when this module loads (top-level await): `check` and
 *   `compile` are synchronous because they use the VM's own compiler.
 * - Each chunk is compiled once (Lua `load`, text mode only) with its own
 *   environment table. Before every run that table is emptied, so globals a run
 *   sets do not leak into the next one; reads fall through to a fresh view of
 *   the safe globals.
 * - A run is synchronous inside the VM (the request body is read beforehand
 *   when the source mentions get_raw_body), so runs never interleave and the
 *   PDK's host callbacks read the current kit from a module variable.
 * - Budget: a count hook stops a run after `instructions` VM instructions
 *   (coroutines created by the sandbox get the hook too); once exhausted the
 *   hook fires on every instruction, so pcall cannot swallow it. Memory: the
 *   VM's allocator refuses to grow more than `memory` bytes during a run.
 */
import { LuaFactory, type LuaEngine as Vm } from 'wasmoon'
import type { Exit, Kit } from '../plugins/types.js'
import type { LuaChunk, LuaEngine, LuaExpression, LuaSyntaxError, LuaVars } from './types.js'

export interface LuaLimits {
  /** VM instructions per run (default 1,000,000, about 50 ms). */
  instructions: number
  /** Bytes a run may allocate on top of what the VM holds (default 16 MiB). */
  memory: number
  /** Modules `require` may load (Kong's untrusted_lua_sandbox_requires); none by default. */
  requires: readonly string[]
}

export const DEFAULT_LIMITS: LuaLimits = { instructions: 1_000_000, memory: 16 * 1024 * 1024, requires: [] }

/** A chunk also runs synchronously (for the header_filter / body_filter / log phases, which cannot wait). */
export interface SyncLuaChunk extends LuaChunk {
  runSync(kit: Kit, vars?: LuaVars): Exit | undefined
}

export interface SyncLuaExpression extends LuaExpression {
  evaluateSync(kit: Kit | undefined, vars?: LuaVars): unknown
}

const BOOTSTRAP = String.raw`
local H = __H
__H = nil
local type, pairs, next, setmetatable, rawset, error, tostring, select = type, pairs, next, setmetatable, rawset, error, tostring, select
local load, pcall, sethook, co_create, co_wrap = load, pcall, debug.sethook, coroutine.create, coroutine.wrap
local string, table, math, concat, fmt = string, table, math, table.concat, string.format

local EXIT = setmetatable({}, { __tostring = function() return 'kong.response.exit' end })
local BUDGET = 1000000
local exhausted = false
local function budget_hook()
  exhausted = true
  sethook(budget_hook, '', 1)
  error('execution budget exceeded', 0)
end
local function arm(co) if co then sethook(co, budget_hook, '', BUDGET) else sethook(budget_hook, '', BUDGET) end end

local function protect(name, lib)
  local copy = {}
  for k, v in pairs(lib) do copy[k] = v end
  return setmetatable({}, {
    __index = copy,
    __newindex = function(_, k) error('Cannot modify ' .. name .. '.' .. tostring(k) .. '. Protected by the sandbox.', 2) end,
    __pairs = function() return next, copy, nil end,
    __len = function() return #copy end,
    __metatable = false,
  })
end

local function nkeys(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
local tbl = {}
for k, v in pairs(table) do tbl[k] = v end
tbl.new = function() return {} end
tbl.clear = function(t) for k in pairs(t) do t[k] = nil end end
tbl.nkeys = nkeys
tbl.getn = function(t) return #t end
local str = {}
for k, v in pairs(string) do if k ~= 'dump' then str[k] = v end end
local co = {}
for k, v in pairs(coroutine) do co[k] = v end
co.create = function(f) local c = co_create(f) arm(c) return c end
co.wrap = function(f) local c = co_create(f) arm(c) return function(...) local r = table.pack(coroutine.resume(c, ...)) if not r[1] then error(r[2], 2) end return table.unpack(r, 2, r.n) end end
local bit = {
  band = function(...) local r = -1 for i = 1, select('#', ...) do r = r & select(i, ...) end return r end,
  bor = function(...) local r = 0 for i = 1, select('#', ...) do r = r | select(i, ...) end return r end,
  bxor = function(...) local r = 0 for i = 1, select('#', ...) do r = r ~ select(i, ...) end return r end,
  bnot = function(a) return ~a end,
  lshift = function(a, n) return (a << n) & 0xffffffff end,
  rshift = function(a, n) return (a & 0xffffffff) >> n end,
  arshift = function(a, n) return a >> n end,
  tobit = function(a) a = a & 0xffffffff if a >= 0x80000000 then a = a - 0x100000000 end return a end,
}

-- cjson.encode: empty table -> {}, a sequence 1..n -> array, strings escaped like cjson (/ as \/).
local escapes = { ['"'] = '\\"', ['\\'] = '\\\\', ['/'] = '\\/', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
local function esc(s) return '"' .. s:gsub('[%c"\\/]', function(c) return escapes[c] or fmt('\\u%04x', c:byte()) end) .. '"' end
local NULL = setmetatable({}, { __tostring = function() return 'null' end })
local encode
local function encode_value(v, depth)
  local t = type(v)
  if v == nil or v == NULL then return 'null'
  elseif t == 'boolean' then return tostring(v)
  elseif t == 'number' then
    if v ~= v or v == math.huge or v == -math.huge then error('Cannot serialise number: must not be NaN or Infinity', 0) end
    if math.type(v) == 'integer' or (v == math.floor(v) and math.abs(v) < 1e15) then return fmt('%d', v) end
    return fmt('%.14g', v)
  elseif t == 'string' then return esc(v)
  elseif t == 'table' then
    if depth > 1000 then error('Cannot serialise, excessive nesting (1001)', 0) end
    local n, max, all_int = 0, 0, true
    for k in pairs(v) do
      n = n + 1
      if math.type(k) == 'integer' and k > 0 then if k > max then max = k end else all_int = false end
    end
    local out = {}
    if n > 0 and all_int and max <= n * 2 then
      for i = 1, max do out[i] = encode_value(v[i], depth + 1) end
      return '[' .. concat(out, ',') .. ']'
    end
    for k, val in pairs(v) do
      local kt = type(k)
      if kt ~= 'string' and kt ~= 'number' then error('Cannot serialise ' .. kt .. ': table key must be a number or string', 0) end
      out[#out + 1] = esc(tostring(k)) .. ':' .. encode_value(val, depth + 1)
    end
    return '{' .. concat(out, ',') .. '}'
  end
  error('Cannot serialise ' .. t .. ': type not supported', 0)
end
encode = function(v) return encode_value(v, 0) end
local cjson = protect('cjson', {
  encode = encode,
  decode = function(s) return H.decode(s) end,
  null = NULL,
})

-- kong.ctx.shared: reads come from the kit (tables cached for the run), writes go straight to it;
-- tables read during a run are written back when it ends, so nested changes stick.
local shared_cache = {}
local shared = setmetatable({}, {
  __index = function(_, k)
    local v = shared_cache[k]
    if v ~= nil then return v end
    v = H.shared_get(k)
    if type(v) == 'table' then shared_cache[k] = v end
    return v
  end,
  __newindex = function(_, k, v) shared_cache[k] = nil H.shared_set(k, v) end,
  __pairs = function() return next, H.shared_all(), nil end,
})

local plugin_ctx = {}
local function headers_arg(h) if h == nil then return nil end if type(h) ~= 'table' then error('headers must be a table', 3) end return h end
local kong = protect('kong', {
  ctx = setmetatable({}, { __index = function(_, k) if k == 'shared' then return shared elseif k == 'plugin' then return plugin_ctx end end,
    __newindex = function(_, k) error('Cannot modify kong.ctx.' .. tostring(k) .. '. Protected by the sandbox.', 2) end, __metatable = false }),
  request = protect('kong.request', {
    get_header = function(n) return H.req('header', n) end,
    get_headers = function(max) return H.req('headers') end,
    get_query = function(max) return H.req('query') end,
    get_query_arg = function(n) return H.req('query_arg', n) end,
    get_raw_query = function() return H.req('raw_query') end,
    get_path = function() return H.req('path') end,
    get_path_with_query = function() return H.req('path_with_query') end,
    get_method = function() return H.req('method') end,
    get_scheme = function() return H.req('scheme') end,
    get_host = function() return H.req('host') end,
    get_port = function() return H.req('port') end,
    get_http_version = function() return H.req('http_version') end,
    get_raw_body = function() return H.req('raw_body') end,
  }),
  service = protect('kong.service', {
    request = protect('kong.service.request', {
      set_header = function(n, v) H.up('set_header', n, v) end,
      add_header = function(n, v) H.up('add_header', n, v) end,
      set_headers = function(h) H.up('set_headers', headers_arg(h)) end,
      clear_header = function(n) H.up('clear_header', n) end,
      set_query = function(q) H.up('set_query', q) end,
      set_raw_query = function(q) H.up('set_raw_query', q) end,
      set_raw_body = function(b) H.up('set_raw_body', b) end,
      set_path = function(p) H.up('set_path', p) end,
      set_method = function(m) H.up('set_method', m) end,
    }),
  }),
  response = protect('kong.response', {
    exit = function(status, body, headers)
      status = type(status) == 'number' and math.tointeger(status) or nil
      if not status or status < 100 or status > 599 then error('code must be a number between 100 and 599', 2) end
      local json
      if type(body) == 'table' then json = encode(body) elseif body ~= nil then body = tostring(body) end
      H.exit(status, json or body, json ~= nil, headers_arg(headers))
      error(EXIT, 0)
    end,
    set_header = function(n, v) H.resp('set_header', n, v) end,
    add_header = function(n, v) H.resp('add_header', n, v) end,
    clear_header = function(n) H.resp('clear_header', n) end,
    get_header = function(n) return H.resp('header', n) end,
    get_headers = function() return H.resp('headers') end,
    get_status = function() return H.resp('status') end,
    get_source = function() return H.resp('source') end,
  }),
  client = protect('kong.client', {
    get_ip = function() return H.req('ip') end,
    get_forwarded_ip = function() return H.req('ip') end,
  }),
  log = protect('kong.log', {
    err = function(...) H.log('error', ...) end,
    warn = function(...) H.log('warn', ...) end,
    notice = function(...) H.log('info', ...) end,
    info = function(...) H.log('info', ...) end,
    debug = function(...) H.log('debug', ...) end,
  }),
})
local ngx = protect('ngx', { null = NULL, now = function() return H.now() / 1000 end, time = function() return H.now() // 1000 end,
  log = function(_, ...) H.log('info', ...) end, ERR = 4, WARN = 5, INFO = 7, DEBUG = 8 })

local ALLOWED = {}
local function sandbox_require(m)
  if ALLOWED[m] then return ALLOWED[m] end
  error("require '" .. tostring(m) .. "' not allowed within sandbox", 2)
end

local SAFE = {
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall, select = select,
  tonumber = tonumber, tostring = tostring, type = type, unpack = table.unpack, xpcall = xpcall,
  rawequal = rawequal, rawget = rawget, rawlen = rawlen, setmetatable = setmetatable,
  -- the string metatable would hand out the VM's own string library
  getmetatable = function(v) if type(v) == 'string' then return nil end return getmetatable(v) end,
  string = protect('string', str), table = protect('table', tbl), math = protect('math', math),
  os = protect('os', { clock = os.clock, date = os.date, difftime = os.difftime, time = os.time }),
  coroutine = protect('coroutine', co), bit = protect('bit', bit), utf8 = protect('utf8', utf8),
  require = sandbox_require, kong = kong, ngx = ngx, cjson = cjson,
}
SAFE._G = SAFE
local SAFE_MT = { __index = SAFE }

local chunks = {}
local function new_env() return setmetatable({}, SAFE_MT) end

local S = {}
function S.limits(instructions, requires)
  BUDGET = instructions
  ALLOWED = {}
  for _, m in ipairs(requires) do ALLOWED[m] = protect(m, {}) end
end
function S.check(src, name)
  local f, err = load(src, name and ('=' .. name) or src, 't', {})
  if f then return nil end
  return err
end
function S.compile(src, name)
  local env = new_env()
  local f, err = load(src, '=' .. name, 't', env)
  if not f then return { err = err } end
  chunks[#chunks + 1] = { fn = f, env = env, first = true }
  return { id = #chunks }
end
function S.release(id) chunks[id] = nil end

local function finish()
  sethook()
  for k, v in pairs(shared_cache) do H.shared_set(k, v) shared_cache[k] = nil end
end

-- Runs chunk id; returns true[, value] or false, message. The kong.response.exit error counts as success.
function S.run(id, vars)
  local c = chunks[id]
  local env = c.env
  for k in pairs(env) do env[k] = nil end
  if vars then
    for k, v in pairs(vars) do
      if type(v) == 'table' and v.__lookup then
        local get = v.__lookup
        v = setmetatable({}, { __index = function(_, key) return get(key) end,
          __newindex = function() error('This environment is read-only.', 2) end })
      end
      env[k] = v
    end
  end
  plugin_ctx = {}
  exhausted = false
  arm()
  local ok, r = pcall(c.fn)
  if ok and c.first and not c.expression then
    c.first = false
    if type(r) == 'function' then
      c.fn = r
      ok, r = pcall(r)
    end
  end
  finish()
  if exhausted then return { err = 'execution budget exceeded' } end
  if ok then return { ok = true, value = r } end
  if r == EXIT then return { ok = true } end
  return { err = tostring(r) }
end
function S.mark_expression(id) chunks[id].expression = true end
return S
`

type Host = Record<string, (...args: any[]) => unknown>

const LOOKUP = Symbol('lua lookup')

/** A read-only Lua table whose fields are looked up on access (for template scopes). */
export interface LuaLookup {
  readonly [LOOKUP]: (key: string | number) => unknown
}

/** A var that Lua sees as a read-only table calling `fn` for each field read. */
export function luaLookup(fn: (key: string | number) => unknown): LuaLookup {
  return { [LOOKUP]: fn }
}

/** JS value → something wasmoon can push (no null, no Buffers, no class instances). */
function toLua(v: unknown): unknown {
  if (v === null || v === undefined) return undefined
  if (typeof v === 'object' && LOOKUP in v) {
    const fn = (v as LuaLookup)[LOOKUP]
    return { __lookup: (k: string | number) => toLua(fn(k)) }
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  if (typeof v === 'bigint') return Number(v)
  if (Buffer.isBuffer(v)) return v.toString('latin1')
  if (Array.isArray(v)) return v.map(toLua)
  if (v instanceof URLSearchParams) return queryTable(v)
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== null && x !== undefined) out[k] = toLua(x)
    return out
  }
  return undefined
}

/** Kong's get_query: repeated arguments are arrays, `?flag` is true. */
function queryTable(q: URLSearchParams, raw?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const flags = new Set<string>()
  if (raw !== undefined) for (const part of raw.split('&')) if (part && !part.includes('=')) flags.add(decodeURIComponent(part.replace(/\+/g, ' ')))
  for (const k of new Set(q.keys())) {
    const vals = q.getAll(k).map((v) => (v === '' && flags.has(k) ? true : v))
    out[k] = vals.length === 1 ? vals[0] : vals
  }
  return out
}

/** Lua value as wasmoon hands it to JS → plain JS (wasmoon gives tables as objects/arrays already). */
function fromLua(v: unknown): unknown {
  if (v === null) return undefined
  return v
}

function headerValue(v: unknown): string | string[] {
  if (Array.isArray(v)) return v.map((x) => String(x))
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : String(v)
}

/** What one run sees: the kit, the body read beforehand, and where kong.response.exit lands. */
interface RunState {
  kit: Kit | undefined
  body: Buffer | undefined
  exit: Exit | undefined
  log: ((level: string, msg: string) => void) | undefined
}

const factory = new LuaFactory()
const vm: Vm = await factory.createEngine({ traceAllocations: true, enableProxy: false, injectObjects: false, openStandardLibs: true })

let state: RunState = { kit: undefined, body: undefined, exit: undefined, log: undefined }

const noKit = (): never => {
  throw new Error('no request in this context')
}

const host: Host = {
  req(op: string, a?: unknown) {
    const kit = state.kit ?? noKit()
    const r = kit.request
    switch (op) {
      case 'header': {
        const name = String(a).toLowerCase().replace(/_/g, '-')
        return r.header(name)
      }
      case 'headers': {
        const out: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) out[k] = v
        return toLua(out)
      }
      case 'query':
        return toLua(queryTable(r.query, r.rawQuery))
      case 'query_arg': {
        const q = queryTable(r.query, r.rawQuery)[String(a)]
        return Array.isArray(q) ? q[0] : q
      }
      case 'raw_query':
        return r.rawQuery
      case 'path':
        return r.normalizedPath
      case 'path_with_query':
        return r.rawQuery ? `${r.path}?${r.rawQuery}` : r.path
      case 'method':
        return r.method
      case 'scheme':
        return r.scheme
      case 'host':
        return r.host
      case 'port':
        return r.port
      case 'http_version':
        return Number(r.httpVersion)
      case 'raw_body':
        return state.body === undefined ? undefined : state.body.toString('latin1')
      case 'ip':
        return r.clientIp
    }
    return undefined
  },
  up(op: string, a?: unknown, b?: unknown) {
    const u = (state.kit ?? noKit()).upstream
    switch (op) {
      case 'set_header':
        if (b === undefined) u.clearHeader(String(a))
        else u.setHeader(String(a).toLowerCase(), headerValue(b))
        return
      case 'add_header': {
        const cur = u.header(String(a))
        const prev = cur === undefined ? [] : Array.isArray(cur) ? cur : [cur]
        u.setHeader(String(a).toLowerCase(), [...prev, String(b)])
        return
      }
      case 'set_headers':
        for (const [k, v] of Object.entries((a ?? {}) as Record<string, unknown>)) u.setHeader(k.toLowerCase(), headerValue(v))
        return
      case 'clear_header':
        u.clearHeader(String(a).toLowerCase())
        return
      case 'set_query': {
        const q = new URLSearchParams()
        for (const [k, v] of Object.entries((a ?? {}) as Record<string, unknown>)) {
          for (const x of Array.isArray(v) ? v : [v]) q.append(k, x === true ? '' : String(x))
        }
        u.setRawQuery(q.toString())
        return
      }
      case 'set_raw_query':
        u.setRawQuery(String(a))
        return
      case 'set_raw_body':
        u.setBody(Buffer.from(String(a ?? ''), 'latin1'))
        return
      case 'set_path':
        u.setPath(String(a))
        return
      case 'set_method':
        u.setMethod(String(a).toUpperCase())
        return
    }
  },
  resp(op: string, a?: unknown, b?: unknown) {
    const res = (state.kit ?? noKit()).response
    switch (op) {
      case 'set_header':
        res.setHeader(String(a).toLowerCase(), headerValue(b))
        return
      case 'add_header':
        res.addHeader(String(a).toLowerCase(), String(b))
        return
      case 'clear_header':
        res.clearHeader(String(a).toLowerCase())
        return
      case 'header':
        return res.header(String(a).toLowerCase())
      case 'headers':
        return toLua(res.headers)
      case 'status':
        return res.status
      case 'source':
        return res.source
    }
    return undefined
  },
  exit(status: number, body: string | undefined, json: boolean, headers: Record<string, unknown> | undefined) {
    const h: Record<string, string | string[]> = {}
    for (const [k, v] of Object.entries(headers ?? {})) h[k.toLowerCase()] = headerValue(v)
    if (json && !h['content-type']) h['content-type'] = 'application/json; charset=utf-8'
    state.exit = { status, body: body ?? '', headers: h }
  },
  log(level: string, ...args: unknown[]) {
    const msg = args.map((x) => (x === undefined ? 'nil' : typeof x === 'object' ? JSON.stringify(x) : String(x))).join('')
    state.log?.(level, msg)
  },
  shared_get(k: unknown) {
    return toLua(state.kit?.shared[String(k)])
  },
  shared_set(k: unknown, v: unknown) {
    const shared = state.kit?.shared
    if (!shared) return
    if (v === undefined || v === null) delete shared[String(k)]
    else shared[String(k)] = fromLua(v)
  },
  shared_all() {
    return toLua(state.kit?.shared ?? {})
  },
  decode(s: unknown) {
    return toLua(JSON.parse(String(s)))
  },
  now() {
    return Date.now()
  },
}

vm.global.set('__H', host)
const sandbox = vm.doStringSync(BOOTSTRAP) as { [k in 'limits' | 'check' | 'compile' | 'run' | 'mark_expression' | 'release']: (...a: any[]) => any }

let limits: LuaLimits = DEFAULT_LIMITS
/** Sets the per-run limits of the process's Lua VM (all engines share it). */
export function setLuaLimits(next: Partial<LuaLimits>): void {
  limits = { ...limits, ...next }
  sandbox.limits(limits.instructions, [...limits.requires])
}
setLuaLimits({})

/** A syntax error; `raw` is Lua's own message (`[string "..."]:3: ...`), as Kong's validation shows it. */
export interface LuaSyntaxErrorWithRaw extends LuaSyntaxError {
  raw?: string
}

function syntaxError(msg: string): LuaSyntaxErrorWithRaw {
  const m = /^(?:\[string ".*?"\]|[^:\n]*):(\d+): ([\s\S]*)$/.exec(msg)
  return m ? { line: Number(m[1]), message: m[2]!, raw: msg } : { line: 1, message: msg, raw: msg }
}

function runRaw(id: number, kit: Kit | undefined, body: Buffer | undefined, vars: LuaVars | undefined, log: RunState['log']): { exit: Exit | undefined; value: unknown } {
  const saved = state
  state = { kit, body, exit: undefined, log }
  const max = vm.global.getMemoryMax()
  vm.global.setMemoryMax(vm.global.getMemoryUsed() + limits.memory)
  try {
    const res = sandbox.run(id, vars === undefined ? undefined : toLua(vars)) as { ok?: boolean; value?: unknown; err?: string }
    if (res.ok !== true) throw new Error(String(res.err ?? 'error in Lua code'))
    return { exit: state.exit, value: fromLua(res.value) }
  } catch (e) {
    if (state.exit) return { exit: state.exit, value: undefined }
    throw e instanceof Error ? e : new Error(String(e))
  } finally {
    vm.global.setMemoryMax(max)
    state = saved
  }
}

/** Where `kong.log.*` goes; set per engine. */
export type LuaLogSink = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void

/** The engine with the synchronous extras (runSync / evaluateSync, raw syntax messages). */
export interface SyncLuaEngine extends LuaEngine {
  check(source: string): LuaSyntaxErrorWithRaw | undefined
  checkExpression(expr: string): LuaSyntaxErrorWithRaw | undefined
  compile(source: string, name: string): SyncLuaChunk
  compileExpression(expr: string): SyncLuaExpression
}

/** Chunks no longer referenced (an old config) are dropped from the VM. */
const released = new FinalizationRegistry<number>((id) => sandbox.release(id))

export function createLuaEngine(opts: { log?: LuaLogSink } = {}): SyncLuaEngine {
  const log = opts.log as RunState['log']
  const load = (source: string, name: string): number => {
    const { id, err } = sandbox.compile(source, name) as { id?: number; err?: string }
    if (typeof id !== 'number') {
      const e = syntaxError(String(err))
      throw new Error(`Lua syntax error at line ${e.line}: ${e.message}`)
    }
    return id
  }
  return {
    check(source) {
      const err = sandbox.check(source) as unknown
      return typeof err === 'string' ? syntaxError(err) : undefined
    },
    checkExpression(expr) {
      const err = sandbox.check(`return (${expr}\n)`, 'expression') as unknown
      return typeof err === 'string' ? syntaxError(err) : undefined
    },
    compile(source, name) {
      const id = load(source, name)
      const needsBody = source.includes('get_raw_body')
      // Both entry points hold `exec`; when it becomes unreachable the chunk is dropped from the VM.
      const exec = (kit: Kit, body: Buffer | undefined, vars?: LuaVars): Exit | undefined => runRaw(id, kit, body, vars, log).exit
      released.register(exec, id)
      return {
        runSync: (kit, vars) => exec(kit, undefined, vars),
        async run(kit, vars) {
          const body = needsBody ? await kit.request.body() : undefined
          return exec(kit, body, vars)
        },
      }
    },
    compileExpression(expr) {
      const id = load(`return (${expr}\n)`, 'expression')
      sandbox.mark_expression(id)
      const evaluateSync = (kit: Kit | undefined, vars?: LuaVars): unknown => runRaw(id, kit, undefined, vars, log).value
      released.register(evaluateSync, id)
      return {
        evaluateSync,
        async evaluate(kit, vars) {
          return evaluateSync(kit, vars)
        },
      }
    },
  }
}

/** The process's engine (kong.log goes nowhere); plugins that want logs create their own. */
export const lua = createLuaEngine()

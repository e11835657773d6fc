/**
 * The Lua side of the engine (see engine.ts): Kong's untrusted-Lua sandbox
 * (safe globals, LuaJIT-era shims, protected library tables, the require
 * allow-list), the instruction budget hook, and the chunk table the host
 * compiles into and runs from. Loaded once into the process's VM.
 */
export const BOOTSTRAP = String.raw`
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

-- Ids only grow: released chunks leave holes, and # on a table with holes may
-- name any border, which could hand out the id of a live chunk.
local chunks, last_id = {}, 0
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
  last_id = last_id + 1
  chunks[last_id] = { fn = f, env = env, first = true }
  return { id = last_id }
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

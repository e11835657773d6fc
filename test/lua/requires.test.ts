// `require` in the sandbox follows Kong's untrusted_lua_sandbox_requires (the serve flag
// --untrusted-lua-sandbox-requires sets it through setLuaLimits): nothing by default, Kong's
// message for a module not listed, and the modules this gateway can provide once listed.
// The runtime (engine) is tested directly until the plugins run on it.
import t from 'tap'
import { createLuaEngine, setLuaLimits } from '../../src/lua/engine.js'
import type { Kit } from '../../src/plugins/types.js'

const kit = { shared: {}, request: {}, response: {}, upstream: {} } as unknown as Kit

/** An engine whose kong.log lines are collected: each run of `source` returns what it logged. */
function snippet(source: string): () => string[] {
  const lines: string[] = []
  const chunk = createLuaEngine({ log: (_level, msg) => lines.push(msg) }).compile(source, 'pre-function')
  return () => {
    lines.length = 0
    chunk.runSync(kit)
    return [...lines]
  }
}

const REQUIRE_CJSON = `local cjson = require "cjson.safe"\nkong.log.info(cjson.encode({ ok = true }))`

t.test('without the list, require fails with Kong message and no position', async (t) => {
  setLuaLimits({ requires: [] })
  // spec/01-unit/20-sandbox_spec.lua:305, spec/03-plugins/36-request-transformer/02-access_spec.lua:2726
  t.throws(snippet(REQUIRE_CJSON), { name: 'LuaRunError', message: "require 'cjson.safe' not allowed within sandbox" })
  const caught = snippet(`local ok, err = pcall(require, "cjson")\nkong.log.info(tostring(ok), " ", err)`)
  t.same(caught(), ["false require 'cjson' not allowed within sandbox"])
})

t.test('a listed module loads; one not listed still fails', async (t) => {
  setLuaLimits({ requires: ['cjson.safe'] })
  t.teardown(() => setLuaLimits({ requires: [] }))
  // spec/01-unit/20-sandbox_spec.lua:289
  t.same(snippet(REQUIRE_CJSON)(), ['{"ok":true}'])
  t.throws(snippet(`local cjson = require "cjson"`), { message: "require 'cjson' not allowed within sandbox" })
})

t.test('the library modules and OpenResty table functions', async (t) => {
  setLuaLimits({ requires: ['table.new', 'table.clear', 'table.nkeys', 'string', 'bit', 'ngx'] })
  t.teardown(() => setLuaLimits({ requires: [] }))
  const run = snippet(`local new, clear, nkeys = require "table.new", require "table.clear", require "table.nkeys"
local t = new(4, 0)
t[1], t[2], t.x = "a", "b", "c"
local before = nkeys(t)
clear(t)
kong.log.info(type(new), " ", before, " ", nkeys(t))
kong.log.info(tostring(require("string") == string), " ", require("bit").band(6, 3), " ", tostring(require("ngx") == ngx))`)
  t.same(run(), ['function 3 0', 'true 2 true'])
})

t.test('a module is loaded once per plugin instance: its settings stay there', async (t) => {
  setLuaLimits({ requires: ['cjson'] })
  t.teardown(() => setLuaLimits({ requires: [] }))
  const first = snippet(`local cjson = require "cjson"
if not configured then cjson.encode_empty_table_as_object(false); configured = true end
kong.log.info(cjson.encode({}), " ", tostring(require("cjson") == cjson))`)
  const other = snippet(`kong.log.info(require("cjson").encode({}))`)
  t.same(first(), ['[] true'])
  t.same(first(), ['[] true'], 'the next request of the same instance sees its setting')
  t.same(other(), ['{}'], "another instance keeps lua-cjson's default")
})

t.test('a module this gateway cannot provide is refused when the list is set, and nothing changes', async (t) => {
  setLuaLimits({ requires: ['cjson.safe'] })
  t.teardown(() => setLuaLimits({ requires: [] }))
  t.throws(() => setLuaLimits({ requires: ['cjson.safe', 'resty.http'] }), {
    message: /^--untrusted-lua-sandbox-requires: module 'resty.http' is not available to Lua in this gateway \(available: bit, cjson, cjson.safe, /,
  })
  t.same(snippet(REQUIRE_CJSON)(), ['{"ok":true}'], 'the previous list still holds')
})

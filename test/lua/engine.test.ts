// The Lua engine: sandbox, budgets, cjson encoding, kong.ctx.shared, syntax errors.
import t from 'tap'
import { createLuaEngine, setLuaLimits, DEFAULT_LIMITS } from '../../src/lua/engine-next.js'
import type { Kit } from '../../src/plugins/types.js'

const lua = createLuaEngine()

function fakeKit(shared: Record<string, unknown> = {}): Kit {
  const up: Record<string, string | string[]> = {}
  const query = new URLSearchParams('a=1&a=2&flag')
  return {
    shared,
    request: {
      header: (n: string) => (n === 'x-name' ? 'alice' : undefined),
      headers: { 'x-name': 'alice' },
      query,
      rawQuery: 'a=1&a=2&flag',
      method: 'POST',
      path: '/p',
      normalizedPath: '/p',
      clientIp: '10.0.0.1',
      body: async () => Buffer.from('raw!'),
    },
    upstream: {
      header: (n: string) => up[n],
      setHeader: (n: string, v: string | string[]) => (up[n] = v),
      clearHeader: (n: string) => delete up[n],
    },
    response: {},
    _up: up,
  } as unknown as Kit
}

const fails = async (t: { rejects: (p: Promise<unknown>, re: RegExp, msg: string) => Promise<unknown> }, src: string, re: RegExp) => {
  await t.rejects(lua.compile(src, 'c').run(fakeKit()), re, src)
}

t.test('sandbox refuses the forbidden globals', async (t) => {
  await fails(t, `io.write('x')`, /global 'io'/)
  await fails(t, `os.execute('true')`, /field 'execute'/)
  await fails(t, `os.exit(1)`, /field 'exit'/)
  await fails(t, `return os.getenv('HOME')`, /field 'getenv'/)
  await fails(t, `os.remove('/tmp/x')`, /field 'remove'/)
  await fails(t, `require('os')`, /require 'os' not allowed within sandbox/)
  await fails(t, `load('return 1')`, /global 'load'/)
  await fails(t, `string.dump(function() end)`, /field 'dump'/)
  await fails(t, `debug.getinfo(1)`, /global 'debug'/)
  await fails(t, `package.loaded.x = 1`, /global 'package'/)
  await fails(t, `dofile('/etc/passwd')`, /global 'dofile'/)
  await fails(t, `loadfile('/etc/passwd')`, /global 'loadfile'/)
  await fails(t, `collectgarbage()`, /global 'collectgarbage'/)
  await fails(t, `string.upper = nil`, /Cannot modify string.upper. Protected by the sandbox./)
  await fails(t, `kong.request = nil`, /Cannot modify kong.request. Protected by the sandbox./)
})

t.test('safe globals and the LuaJIT-era shims', async (t) => {
  const e = lua.compileExpression(
    `string.upper('a') .. bit.band(7, 3) .. bit.bor(1, 2) .. bit.lshift(1, 4) .. table.getn({1, 2}) .. unpack({'z'}) .. table.nkeys({a = 1, b = 2}) .. math.floor(1.5) .. type(os.time()) .. type(coroutine.create)`,
  )
  t.equal(await e.evaluate(fakeKit()), 'A33162z21numberfunction')
})

t.test('globals do not leak from one run to the next', async (t) => {
  const c = lua.compile(`assert(leak == nil, 'leaked') leak = 1`, 'c')
  await c.run(fakeKit())
  await t.resolves(c.run(fakeKit()))
})

t.test('the instruction budget stops runaway code, even under pcall', async (t) => {
  await fails(t, `while true do end`, /execution budget exceeded/)
  await fails(t, `while true do pcall(function() while true do end end) end`, /execution budget exceeded/)
  await fails(t, `local f = coroutine.wrap(function() while true do end end) f()`, /execution budget exceeded/)
  setLuaLimits({ instructions: 100 })
  await fails(t, `for i = 1, 1000 do end`, /execution budget exceeded/)
  setLuaLimits({ instructions: DEFAULT_LIMITS.instructions })
  await t.resolves(lua.compile(`for i = 1, 1000 do end`, 'c').run(fakeKit()))
})

t.test('the memory cap stops a table bomb', async (t) => {
  setLuaLimits({ instructions: 1e9, memory: 2 * 1024 * 1024 })
  t.teardown(() => setLuaLimits({ instructions: DEFAULT_LIMITS.instructions, memory: DEFAULT_LIMITS.memory }))
  await fails(t, `local t = {} for i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end`, /not enough memory/)
  // the VM is still usable afterwards
  t.equal(await lua.compileExpression('1 + 1').evaluate(fakeKit()), 2)
})

t.test('kong.response.exit: tables encoded like cjson', async (t) => {
  const exit = await lua.compile(`kong.response.exit(403, { message = "no", list = {1, 2}, empty = {}, s = "a/b" }, { ['X-A'] = 'b' })`, 'c').run(fakeKit())
  t.equal(exit?.status, 403)
  t.same(JSON.parse(String(exit?.body)), { message: 'no', list: [1, 2], empty: {}, s: 'a/b' })
  t.match(String(exit?.body), /"a\\\/b"/, 'cjson escapes /')
  t.same(exit?.headers, { 'x-a': 'b', 'content-type': 'application/json; charset=utf-8' })
  const empty = await lua.compile(`kong.response.exit(200, {})`, 'c').run(fakeKit())
  t.equal(empty?.body, '{}')
  const str = await lua.compile(`kong.response.exit(418, 'tea')`, 'c').run(fakeKit())
  t.same(str, { status: 418, body: 'tea', headers: {} })
  const nothing = await lua.compile(`kong.response.exit(204)`, 'c').run(fakeKit())
  t.equal(nothing?.status, 204)
  t.equal(await lua.compile(`local x = 1`, 'c').run(fakeKit()), undefined)
  t.equal(await lua.compileExpression(`cjson.encode({1, 'a', true, cjson.null})`).evaluate(fakeKit()), '[1,"a",true,null]')
})

t.test('kong.ctx.shared reads and writes through to kit.shared', async (t) => {
  const shared: Record<string, unknown> = { obj: { a: [1, 2] }, n: 5 }
  await lua
    .compile(
      `kong.ctx.shared.t = { a = { b = 1 }, k = {1, 2} } local o = kong.ctx.shared.obj o.b = 'new' table.insert(o.a, 3) kong.ctx.shared.n = kong.ctx.shared.n + 1`,
      'c',
    )
    .run(fakeKit(shared))
  t.same(shared, { obj: { a: [1, 2, 3], b: 'new' }, n: 6, t: { a: { b: 1 }, k: [1, 2] } })
  await lua.compile(`kong.ctx.shared.n = nil`, 'c').run(fakeKit(shared))
  t.notOk('n' in shared)
})

t.test('request PDK and service.request setters', async (t) => {
  const kit = fakeKit()
  const exit = await lua
    .compile(
      `kong.service.request.set_header('X-Up', kong.request.get_header('X-Name')) kong.response.exit(200, { m = kong.request.get_method(), a = kong.request.get_query_arg('a'), all = kong.request.get_query().a, f = kong.request.get_query().flag, p = kong.request.get_path(), ip = kong.client.get_ip(), b = kong.request.get_raw_body() })`,
      'c',
    )
    .run(kit)
  t.same(JSON.parse(String(exit?.body)), { m: 'POST', a: '1', all: ['1', '2'], f: true, p: '/p', ip: '10.0.0.1', b: 'raw!' })
  t.same((kit as unknown as { _up: unknown })._up, { 'x-up': 'alice' })
})

t.test('a chunk returning a function: that function is the handler, its upvalues persist', async (t) => {
  const c = lua.compile(`local n = 0 return function() n = n + 1 kong.response.exit(200, tostring(n)) end`, 'c')
  t.equal((await c.run(fakeKit()))?.body, '1')
  t.equal((await c.run(fakeKit()))?.body, '2')
})

t.test('syntax errors: line and message', async (t) => {
  t.match(lua.check('local a = 1\n\nx = = 2'), { line: 3, message: "unexpected symbol near '='" })
  t.equal(lua.check('return 1'), undefined)
  t.match(lua.checkExpression('headers.x or'), { line: 2 })
  t.equal(lua.checkExpression('headers.x or "y"'), undefined)
  t.throws(() => lua.compile('x = = 1', 'c'), /Lua syntax error at line 1/)
  t.equal(await lua.compileExpression(`'a' .. (headers.x or 'none')`).evaluate(fakeKit(), { headers: { x: 'X' } }), 'aX')
})

t.test('kong.ctx.plugin is fresh per run; getmetatable does not expose the string library', async (t) => {
  const c = lua.compile(`assert(kong.ctx.plugin.x == nil, 'ctx.plugin leaked') kong.ctx.plugin.x = 1`, 'c')
  await c.run(fakeKit())
  await t.resolves(c.run(fakeKit()))
  t.equal(await lua.compileExpression(`getmetatable('')`).evaluate(fakeKit()), undefined)
})

t.test('chunks released by the GC leave no id to be handed out twice', async (t) => {
  // Reloads drop old configs' chunks; the ids of the chunks still in use must stay theirs.
  const { setFlagsFromString } = await import('node:v8')
  const { runInNewContext } = await import('node:vm')
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const make = (tag: string) => lua.compile(`kong.response.exit(200, '${tag}')`, tag)
  const kept: [string, ReturnType<typeof make>][] = []
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 60; i++) {
      const c = make(`r${round}-${i}`)
      if (i % 3 === 0) kept.push([`r${round}-${i}`, c])
    }
    gc()
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
  }
  let wrong = 0
  for (const [tag, c] of kept) if ((await c.run(fakeKit()))?.body !== tag) wrong++
  t.equal(wrong, 0, 'every kept chunk runs its own code')
})

// The Lua engine (src/lua/engine.ts) as pre-function, post-function and templates use it:
// Kong's sandbox, per-chunk state, budgets, exits, kong.ctx, the request PDK, errors and logs.
import t, { type Test } from 'tap'
import { createLuaEngine, setLuaLimits, DEFAULT_LIMITS, LuaRunError, type SyncLuaChunk } from '../../src/lua/engine.js'
import type { Exit, Kit } from '../../src/plugins/types.js'

const logged: string[] = []
const lua = createLuaEngine({ log: (level, msg) => logged.push(`${level}: ${msg}`) })

interface FakeKit extends Kit {
  up: Record<string, string | string[]>
}

// A request as the pipeline hands it to plugins: upstream headers start as the client's
// (src/runtime/upstream-changes.ts), and kong.request.get_header reads them.
function fakeKit(shared: Record<string, unknown> = {}): FakeKit {
  const headers: Record<string, string> = { 'x-name': 'alice', cookie: 'sid=s1; theme=dark' }
  const up: Record<string, string | string[]> = { ...headers }
  const rawQuery = 'a=1&a=2&flag'
  return {
    requestId: 'rid-1',
    shared,
    up,
    request: {
      header: (n: string) => headers[n],
      headerValues: (n: string) => (headers[n] === undefined ? [] : [headers[n]]),
      headers,
      query: new URLSearchParams(rawQuery),
      rawQuery,
      rawTarget: `/p?${rawQuery}`,
      method: 'POST',
      path: '/p',
      normalizedPath: '/p',
      clientIp: '10.0.0.1',
      peerIp: '10.0.0.1',
      body: async () => Buffer.from('raw!'),
    },
    upstream: {
      headers: up,
      header: (n: string) => up[n],
      setHeader: (n: string, v: string | string[]) => (up[n] = v),
      clearHeader: (n: string) => delete up[n],
    },
    response: { status: 0, headers: {} },
  } as unknown as FakeKit
}

const body = (e: Exit | undefined): string | undefined => (e?.body === undefined ? undefined : e.body.toString())
const runIn = (src: string, kit: Kit = fakeKit()) => lua.compile(src, 'c').run(kit)
const fails = async (t: Test, src: string, re: RegExp) => {
  await t.rejects(runIn(src), re, src)
}

t.test("Kong's sandbox: no io, os, load, debug, package, metatables or string.dump; library tables are read-only", async (t) => {
  await fails(t, `io.write('x')`, /c:1: attempt to call field 'write' \(a nil value\)/)
  await fails(t, `io.open('/etc/passwd')`, /field 'open'/)
  await fails(t, `os.execute('true')`, /c:1: attempt to call field 'execute' \(a nil value\)/)
  await fails(t, `os.exit(1)`, /field 'exit'/)
  await fails(t, `return os.getenv('HOME')`, /field 'getenv'/)
  await fails(t, `os.remove('/tmp/x')`, /field 'remove'/)
  await fails(t, `require('os')`, /^require 'os' not allowed within sandbox$/)
  await fails(t, `load('return 1')`, /global 'load'/)
  await fails(t, `loadstring('return 1')`, /global 'loadstring'/)
  await fails(t, `string.dump(function() end)`, /field 'dump'/)
  await fails(t, `("").dump(function() end)`, /field 'dump'/)
  await fails(t, `debug.getinfo(1)`, /global 'debug'/)
  await fails(t, `package.loaded.x = 1`, /global 'package'/)
  await fails(t, `dofile('/etc/passwd')`, /global 'dofile'/)
  await fails(t, `loadfile('/etc/passwd')`, /global 'loadfile'/)
  await fails(t, `collectgarbage()`, /global 'collectgarbage'/)
  await fails(t, `setmetatable({}, {})`, /global 'setmetatable'/)
  await fails(t, `getmetatable('').__index = {}`, /global 'getmetatable'/)
  await fails(t, `rawset(string, 'upper', nil)`, /global 'rawset'/)
  await fails(t, `string.upper = nil`, /c:1: Cannot modify string.upper. Protected by the sandbox./)
  await fails(t, `kong.request = nil`, /Cannot modify kong.request. Protected by the sandbox./)
  await fails(t, `ngx.status2 = 1`, /Cannot modify ngx.status2. Protected by the sandbox./)
  // Nothing a snippet tried to change is changed for the next one.
  t.equal(
    await lua.compileExpression(`string.upper('a') .. type(kong.request) .. type(ngx.exit) .. tostring(io.type(1))`).evaluate(fakeKit()),
    'Atablefunctionnil',
  )
})

t.test('LuaJIT semantics where snippets see them: numbers, bit, unpack, #, table extensions', async (t) => {
  const e = lua.compileExpression(
    `tostring(10 / 2) .. ' ' .. 2^53 .. ' ' .. bit.band(7, 3) .. bit.bor(1, 2) .. bit.lshift(1, 4) .. ' ' .. bit.tohex(255) .. ' ' .. table.getn({1, 2}) .. unpack({'z'}) .. table.nkeys({a = 1, b = 2}) .. #'héllo' .. ' ' .. type(table.new(4, 0)) .. ' ' .. math.floor(1.5) .. ' ' .. type(os.time()) .. ' ' .. type(coroutine.create) .. ' ' .. jit.version`,
  )
  t.equal(await e.evaluate(fakeKit()), '5 9.007199254741e+15 3316 000000ff 2z26 table 1 number function LuaJIT 2.1.0-beta3')
})

t.test('globals and upvalues persist per chunk across runs, as Kong keeps them per worker', async (t) => {
  // spec/03-plugins/33-serverless-functions/02-access_spec.lua:27 (mock_fn_six), :306 "with upvalues"
  const counter = lua.compile(
    `local count = 0\nkong.log.info('init')\nreturn function()\n  count = count + 1\n  kong.response.exit(200, tostring(count))\nend`,
    'c',
  )
  logged.length = 0
  const seen = []
  for (let i = 0; i < 5; i++) seen.push(body(await counter.run(fakeKit())))
  t.same(seen, ['1', '2', '3', '4', '5'], 'each request sees the count the previous one left')
  t.same(logged, ['info: init'], 'the chunk body ran once: it made the function')

  const globals = lua.compile(`hits = (hits or 0) + 1\nkong.response.exit(200, tostring(hits))`, 'c')
  t.equal(body(await globals.run(fakeKit())), '1')
  t.equal(body(await globals.run(fakeKit())), '2', 'a global written by one run is there for the next')
  const other = lua.compile(`kong.response.exit(200, tostring(hits))`, 'c')
  t.equal(body(await other.run(fakeKit())), 'nil', "another chunk never sees the first one's globals")

  // spec/03-plugins/33-serverless-functions/02-access_spec.lua:393 "on repeated calls": a plain chunk runs whole each time
  const plain = lua.compile(`local n = 0\nn = n + 1\nkong.response.exit(200, tostring(n))`, 'c')
  t.equal(body(await plain.run(fakeKit())), '1')
  t.equal(body(await plain.run(fakeKit())), '1')
})

t.test('_G is the chunk own table: writing through it changes nothing for other chunks', async (t) => {
  const c = lua.compile(`_G.kong = nil\n_G.string = { upper = function() return 'pwned' end }\nkong.response.exit(200, type(kong) .. string.upper('a'))`, 'c')
  t.equal(body(await c.run(fakeKit())), 'tablepwned', 'a chunk may shadow names in its own globals')
  t.equal(await lua.compileExpression(`string.upper('a') .. type(kong)`).evaluate(fakeKit()), 'Atable', 'every other chunk still has the real ones')
})

t.test('no cjson global; require loads only what untrusted_lua_sandbox_requires allows', async (t) => {
  t.equal(await lua.compileExpression(`type(cjson)`).evaluate(fakeKit()), 'nil')
  await fails(t, `require('cjson')`, /require 'cjson' not allowed within sandbox/)
  setLuaLimits({ requires: ['cjson', 'cjson.safe'] })
  t.teardown(() => setLuaLimits({ requires: [] }))
  const enc = lua.compileExpression(`require('cjson').encode({1, 'a', true, require('cjson').null})`)
  t.equal(await enc.evaluate(fakeKit()), '[1,"a",true,null]')
  const safe = lua.compileExpression(`select(2, require('cjson.safe').decode('{'))`)
  t.match(await safe.evaluate(fakeKit()), /^Expected object key string but found T_END at character 2$/)
  await fails(t, `require('cjson.util')`, /require 'cjson.util' not allowed within sandbox/)
})

t.test('the instruction budget stops runaway code, even under pcall or in a coroutine', async (t) => {
  // Time enough that the instruction count is what stops each one, on a busy machine too.
  setLuaLimits({ wallMs: 60_000 })
  t.teardown(() => setLuaLimits(DEFAULT_LIMITS))
  await fails(t, `while true do end`, /^execution budget exceeded$/)
  await fails(t, `while true do pcall(function() while true do end end) end`, /execution budget exceeded/)
  await fails(t, `local f = coroutine.wrap(function() while true do end end) f()`, /execution budget exceeded/)
  await fails(t, `string.find(("a"):rep(150), ".-.-.-.-b")`, /execution budget exceeded/)
  setLuaLimits({ instructions: 100 })
  await fails(t, `for i = 1, 1000 do end`, /execution budget exceeded/)
  setLuaLimits({ instructions: DEFAULT_LIMITS.instructions })
  await t.resolves(runIn(`for i = 1, 1000 do end`))
})

t.test('the wall-time guard stops what the instruction count lets run', async (t) => {
  setLuaLimits({ instructions: 1e15, wallMs: 20 })
  t.teardown(() => setLuaLimits(DEFAULT_LIMITS))
  await fails(t, `while true do end`, /^execution time budget exceeded$/)
})

t.test('the memory budget stops a table bomb; the engine works afterwards', async (t) => {
  // Enough instructions and time that memory is what stops it.
  setLuaLimits({ instructions: 1e9, memory: 2 * 1024 * 1024, wallMs: 60_000 })
  t.teardown(() => setLuaLimits(DEFAULT_LIMITS))
  await fails(t, `local t = {} for i = 1, 1e8 do t[i] = string.rep('x', 64) .. i end`, /^not enough memory$/)
  await fails(t, `local s = 'x' while true do s = s .. s end`, /^not enough memory$/)
  t.equal(await lua.compileExpression('1 + 1').evaluate(fakeKit()), 2)
})

t.test('kong.response.exit: status, body bytes, headers; tables encoded as cjson encodes them', async (t) => {
  const exit = await runIn(`kong.response.exit(403, { message = "no", list = {1, 2}, empty = {}, s = "a/b" }, { ['X-A'] = 'b' })`)
  t.equal(exit?.status, 403)
  t.ok(Buffer.isBuffer(exit?.body), 'the body is bytes')
  t.same(JSON.parse(body(exit)!), { message: 'no', list: [1, 2], empty: {}, s: 'a/b' })
  t.match(body(exit), /"a\\\/b"/, 'cjson escapes /')
  t.same(exit?.headers, { 'x-a': 'b', 'content-type': 'application/json; charset=utf-8' })
  t.equal(body(await runIn(`kong.response.exit(200, {})`)), '{}')
  const str = await runIn(`kong.response.exit(418, 'tea')`)
  t.same({ ...str, body: body(str) }, { status: 418, body: 'tea', headers: {} })
  const bytes = await runIn(`kong.response.exit(200, '\\255\\0\\1')`)
  t.same([...(bytes?.body as Buffer)], [255, 0, 1], 'a Lua string is sent byte for byte')
  const nothing = await runIn(`kong.response.exit(204)`)
  t.equal(nothing?.status, 204)
  t.equal(nothing?.body, undefined)
  t.equal(await runIn(`local x = 1`), undefined, 'a chunk that does not exit lets the request go on')
  t.equal(await runIn(`pcall(kong.response.exit, 401, 'no') error('not reached')`).then((e) => e?.status), 401, 'pcall does not catch an exit')
  await fails(t, `kong.response.exit(99)`, /code must be a number between 100 and 599/)
})

t.test("kong.response.error: Kong's error template, the message or the table's JSON", async (t) => {
  t.same(await runIn(`kong.response.error(403, 'nope', { ['X-Why'] = 'lua' })`), { status: 403, error: 'nope', headers: { 'x-why': 'lua' } })
  t.equal((await runIn(`kong.response.error(404)`))?.error, 'Not found')
  t.equal((await runIn(`kong.response.error(400, { reason = 'bad' })`))?.error, '{"reason":"bad"}')
  await fails(t, `kong.response.error(302)`, /code must be a number between 400 and 599/)
})

t.test('ngx.say, ngx.exit and ngx.status answer as OpenResty; the status set by one chunk holds for the request', async (t) => {
  // spec/03-plugins/33-serverless-functions/02-access_spec.lua:9 (mock_fn_two)
  const nf = await runIn(`ngx.status = 404\nngx.say("Not Found")\nngx.exit(ngx.status)`)
  t.same({ ...nf, body: body(nf) }, { status: 404, body: 'Not Found\n', headers: { 'content-type': 'text/plain' } })
  // spec/03-plugins/33-serverless-functions/02-access_spec.lua:19 and :23 (mock_fn_four, mock_fn_five) on one request
  const kit = fakeKit()
  const set = lua.compile(`ngx.status = 400`, 'c')
  const exit = lua.compile(`ngx.exit(ngx.status)`, 'c')
  t.equal(await set.run(kit), undefined)
  t.match(await exit.run(kit), { status: 400, error: 'Bad request' }, "Kong's error handler answers the status")
  t.equal(await exit.run(fakeKit()), undefined, 'on a request where nothing set it, ngx.status is 0 and ngx.exit(0) goes on')
  t.equal(await runIn(`ngx.exit(ngx.OK) error('not reached')`), undefined)
  const say = await runIn(`ngx.print("a", {"b", {"c"}}, 1, nil, true)`)
  t.equal(body(say), 'abc1niltrue', 'a run that wrote output answers it (200)')
  t.equal(say?.status, 200)
})

t.test('kong.ctx.shared reads and writes through to the request (TypeScript plugins see the same values)', async (t) => {
  const shared: Record<string, unknown> = { obj: { a: [1, 2] }, n: 5 }
  await runIn(
    `kong.ctx.shared.t = { a = { b = 1 }, k = {1, 2} } local o = kong.ctx.shared.obj o.b = 'new' table.insert(o.a, 3) kong.ctx.shared.n = kong.ctx.shared.n + 1`,
    fakeKit(shared),
  )
  t.same(shared, { obj: { a: [1, 2, 3], b: 'new' }, n: 6, t: { a: { b: 1 }, k: [1, 2] } })
  await runIn(`kong.ctx.shared.n = nil`, fakeKit(shared))
  t.notOk('n' in shared)
})

t.test('kong.ctx.plugin is per request and per plugin instance; ngx.ctx is per request', async (t) => {
  const instance = {}
  const first = lua.compile(`kong.ctx.plugin.y = 'set'`, 'first', instance)
  const second = lua.compile(`kong.response.exit(200, tostring(kong.ctx.plugin.y))`, 'second', instance)
  const sameKit = fakeKit()
  await first.run(sameKit)
  t.equal(body(await second.run(sameKit)), 'set', 'chunks compiled for one instance share it')

  const a = lua.compile(`kong.ctx.plugin.x = (kong.ctx.plugin.x or 0) + 1 ngx.ctx.n = (ngx.ctx.n or 0) + 1`, 'a')
  const b = lua.compile(`kong.response.exit(200, tostring(kong.ctx.plugin.x) .. ' ' .. tostring(ngx.ctx.n))`, 'b')
  const kit = fakeKit()
  await a.run(kit)
  await a.run(kit)
  t.equal(body(await b.run(kit)), 'nil 2', "another instance has its own kong.ctx.plugin; ngx.ctx is the request's")
  const again = lua.compile(`kong.response.exit(200, tostring(kong.ctx.plugin.x) .. ' ' .. tostring(ngx.ctx.n))`, 'c')
  t.equal(body(await again.run(fakeKit())), 'nil nil', 'a new request starts both empty')
})

t.test('request PDK and ngx.var read the live request; service.request and ngx.req change what goes upstream', async (t) => {
  const kit = fakeKit()
  const exit = await runIn(
    `kong.service.request.set_header('X-Up', kong.request.get_header('X-Name'))
     ngx.req.set_header('X-Ngx', ngx.var.http_x_up .. '!')
     ngx.req.clear_header('x-name')
     kong.response.exit(200, { m = kong.request.get_method(), a = kong.request.get_query_arg('a'), all = kong.request.get_query().a,
       f = kong.request.get_query().flag, p = kong.request.get_path(), ip = kong.client.get_ip(), b = kong.request.get_raw_body(),
       uri = ngx.var.uri, ruri = ngx.var.request_uri, arg = ngx.var.arg_a, ck = ngx.var.cookie_theme, gone = kong.request.get_header('x-name') or 'gone',
       up = kong.request.get_header('x-up'), n = ngx.req.get_headers()['x-ngx'], uargs = ngx.req.get_uri_args().a })`,
    kit,
  )
  t.same(JSON.parse(body(exit)!), {
    m: 'POST',
    a: '1',
    all: ['1', '2'],
    f: true,
    p: '/p',
    ip: '10.0.0.1',
    b: 'raw!',
    uri: '/p',
    ruri: '/p?a=1&a=2&flag',
    arg: '1',
    ck: 'dark',
    gone: 'gone',
    up: 'alice',
    n: 'alice!',
    uargs: ['1', '2'],
  })
  t.same(kit.up, { cookie: 'sid=s1; theme=dark', 'x-up': 'alice', 'x-ngx': 'alice!' })
})

t.test('PDK getters return nil as one value, as Kong functions do', async (t) => {
  const e = lua.compileExpression(
    `tostring(kong.request.get_header('x-absent')) .. ' ' .. select('#', kong.client.get_consumer()) .. ' ' .. tostring(kong.client.get_credential()) .. ' ' .. tostring(kong.request.get_query_arg('nope'))`,
  )
  t.equal(await e.evaluate(fakeKit()), 'nil 1 nil nil')
})

t.test('a runtime error: Lua message with chunk and line; the traceback names the functions', async (t) => {
  const c = lua.compile(`local function inner(x)\n  error('boom ' .. x)\nend\nlocal function outer()\n  inner('down')\nend\nouter()`, 'access[0]')
  const err = await c.run(fakeKit()).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.ok(err instanceof LuaRunError)
  const e = err as LuaRunError
  t.equal(e.message, 'access[0]:2: boom down')
  t.match(
    e.luaTraceback,
    /^stack traceback:\n\t\[C\]: in function 'error'\n\taccess\[0\]:2: in function 'inner'\n\taccess\[0\]:5: in function 'outer'\n\taccess\[0\]:7: in main chunk/,
  )
  await fails(t, `local t = nil; return t.x`, /^c:1: attempt to index local 't' \(a nil value\)$/)
  await fails(t, `error({})`, /^\(error object is not a string\)$/)
})

t.test('print, ngx.log and kong.log go to the log sink with their levels', async (t) => {
  logged.length = 0
  await runIn(`print('p', 1, nil) ngx.log(ngx.ERR, 'e', 2) ngx.log(ngx.WARN, 'w') kong.log.err('k', 3) kong.log.debug('d') kong.log.notice('n')`)
  t.same(logged, ['info: p\t1\tnil', 'error: e2', 'warn: w', 'error: k3', 'debug: d', 'info: n'])
})

t.test('a chunk returning a function: that function is the handler, its upvalues persist', async (t) => {
  const c = lua.compile(`local n = 0 return function() n = n + 1 kong.response.exit(200, tostring(n)) end`, 'c')
  t.equal(body(await c.run(fakeKit())), '1')
  t.equal(body(await c.run(fakeKit())), '2')
})

t.test('syntax errors: line and message, at check and at compile', async (t) => {
  t.match(lua.check('local a = 1\n\nx = = 2'), { line: 3, message: "unexpected symbol near '='" })
  t.equal(lua.check('return 1'), undefined)
  t.match(lua.checkExpression('headers.x or'), { line: 2 })
  t.equal(lua.checkExpression('headers.x or "y"'), undefined)
  t.throws(() => lua.compile('x = = 1', 'c'), /^Lua syntax error: c:1: unexpected symbol near '='$/)
  t.equal(await lua.compileExpression(`'a' .. (headers.x or 'none')`).evaluate(fakeKit(), { headers: { x: 'X' } }), 'aX')
})

t.test('chunks released by the GC leave no id to be handed out twice', async (t) => {
  // Reloads drop old configs' chunks; the ids of the chunks still in use must stay theirs.
  const { setFlagsFromString } = await import('node:v8')
  const { runInNewContext } = await import('node:vm')
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const make = (tag: string) => lua.compile(`kong.response.exit(200, '${tag}')`, tag)
  const kept: [string, SyncLuaChunk][] = []
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 60; i++) {
      const c = make(`r${round}-${i}`)
      if (i % 3 === 0) kept.push([`r${round}-${i}`, c])
    }
    gc()
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
  }
  let wrong = 0
  for (const [tag, c] of kept) if (body(await c.run(fakeKit())) !== tag) wrong++
  t.equal(wrong, 0, 'every kept chunk runs its own code')
})

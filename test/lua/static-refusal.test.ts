// Static refusal: Lua that reaches what this gateway cannot run (ngx timers, cosockets, subrequests,
// light threads, ngx.sleep, ngx.exec, shared dicts) is a validation error at the YAML field's
// line:column that names the function and its Lua line. What can run, and what only the run can
// know (a computed key), is accepted; the run then fails with the same words.
import t from 'tap'
import { textLine } from '../../src/cli/report.js'
import { loadConfig } from '../../src/config/load.js'
import { createLuaEngine } from '../../src/lua/engine.js'
import { luaExpressionEngine } from '../../src/plugins/shared/lua-template.js'
import type { Kit } from '../../src/plugins/types.js'

/** What `gateway validate` prints for a file: one line per problem, or 'ok'. */
function validate(yaml: string): string[] {
  const r = loadConfig(yaml, { file: 'kong.yml' })
  return r.ok ? ['ok'] : r.issues.map(textLine)
}

/** A route with one serverless plugin whose `phase` runs `sources` (plain YAML strings). */
const serverless = (plugin: string, phase: string, sources: string[]) =>
  `_format_version: "3.0"
services:
  - name: api
    url: http://api.internal
    routes:
      - name: orders
        paths: [/orders]
        plugins:
          - name: ${plugin}
            config:
              ${phase}:
${sources.map((s) => `                - ${JSON.stringify(s)}`).join('\n')}
`

t.test('a timer in a pre-function: the YAML field, the function and the Lua line', async (t) => {
  const yaml = `_format_version: "3.0"
services:
  - name: api
    url: http://api.internal
    routes:
      - name: orders
        paths: [/orders]
        plugins:
          - name: pre-function
            config:
              access:
                - kong.service.request.set_header("x-a", "1")
                - |
                  local delay = 0
                  local function job() end
                  ngx.timer.at(delay, job)
`
  t.same(validate(yaml), [
    "kong.yml:13:19: services[0].routes[0].plugins[0].config.access[1]: ngx.timer.at is not available in this gateway (Lua line 3): timers need nginx (in plugin 'pre-function')",
  ])
})

t.test('every unavailable namespace, in every phase that runs', async (t) => {
  const cases: [plugin: string, phase: string, source: string, name: string, line: number][] = [
    ['pre-function', 'rewrite', 'local sock = ngx.socket.tcp()', 'ngx.socket.tcp', 1],
    ['pre-function', 'access', 'local x = 1\nlocal res = ngx.location.capture("/auth")', 'ngx.location.capture', 2],
    ['post-function', 'header_filter', 'local th = ngx.thread.spawn(function() end)', 'ngx.thread.spawn', 1],
    ['post-function', 'body_filter', '\n\nngx.sleep(0.1)', 'ngx.sleep', 3],
    ['pre-function', 'access', 'return ngx.exec("/other")', 'ngx.exec', 1],
    ['post-function', 'log', 'local hits = ngx.shared.counters:incr("hits", 1, 0)', 'ngx.shared.counters', 1],
    ['post-function', 'log', 'ngx.timer.every(1, function() end)', 'ngx.timer.every', 1],
  ]
  for (const [plugin, phase, source, name, line] of cases) {
    const got = validate(serverless(plugin, phase, [source]))
    t.equal(got.length, 1, source)
    t.match(got[0], `: services[0].routes[0].plugins[0].config.${phase}[0]: ${name} is not available in this gateway (Lua line ${line}): `, source)
  }
})

t.test('each reason is said in words', async (t) => {
  const reason = (source: string) => validate(serverless('pre-function', 'access', [source]))[0]!.replace(/^.*\(Lua line \d+\): /, '')
  t.equal(reason('ngx.timer.at(0, print)'), "timers need nginx (in plugin 'pre-function')")
  t.equal(reason('ngx.socket.udp()'), "cosockets need nginx (request-callout can call other services) (in plugin 'pre-function')")
  t.equal(reason('ngx.location.capture("/")'), "subrequests need nginx (request-callout can call other services) (in plugin 'pre-function')")
  t.equal(reason('ngx.thread.wait(t)'), "light threads need nginx (in plugin 'pre-function')")
  t.equal(reason('ngx.sleep(1)'), "a snippet runs to its end without yielding (in plugin 'pre-function')")
  t.equal(reason('ngx.exec("/")'), "internal redirects need nginx (in plugin 'pre-function')")
  t.equal(reason('ngx.shared.cache:get("k")'), "shared dicts need nginx (in plugin 'pre-function')")
})

t.test('the ngx of OpenResty that runs here is accepted', async (t) => {
  const sources = [
    'local host = ngx.var.host; local id = ngx.var.http_x_request_id',
    'local h = ngx.req.get_headers(); ngx.req.set_header("x-seen", "1")',
    'ngx.ctx.started = ngx.now(); ngx.log(ngx.INFO, "hi")',
    'local m = ngx.re.match("a1", "[0-9]"); local b = ngx.encode_base64("x")',
    'ngx.status = 201; ngx.say("created"); return ngx.exit(201)',
  ]
  t.same(validate(serverless('pre-function', 'access', sources)), ['ok'])
})

t.test('a local named ngx is not the global: a table, a parameter, a loop variable', async (t) => {
  const sources = [
    'local ngx = { timer = { at = function() end } }\nngx.timer.at(0)',
    'local function run(ngx) return ngx.sleep(1) end',
    'for _, ngx in ipairs({}) do ngx.exec("/") end',
    'repeat local ngx = {} until ngx.shared',
    'local x = function(...) local ngx = ... ; return ngx.socket.tcp() end',
  ]
  t.same(validate(serverless('pre-function', 'access', sources)), ['ok'])
})

t.test('a local that holds the global ngx, and _G.ngx, are the global', async (t) => {
  const got = validate(serverless('pre-function', 'access', ['local ngx = ngx\n\nngx.sleep(1)', 'local n = ngx\nn.location.capture("/x")', '_G.ngx.exec("/")']))
  t.equal(got.length, 3)
  t.match(got[0], 'access[0]: ngx.sleep is not available in this gateway (Lua line 3)')
  t.match(got[1], 'access[1]: ngx.location.capture is not available in this gateway (Lua line 2)')
  t.match(got[2], 'access[2]: ngx.exec is not available in this gateway (Lua line 1)')
})

t.test('what only the run knows is left to it: a computed key, a reassigned alias, a replaced global', async (t) => {
  const sources = [
    'local what = "timer"\nlocal t = ngx[what]',
    'local n = ngx\nn = { sleep = function() end }\nn.sleep(1)',
    'ngx = { exec = function() end }\nngx.exec("/")',
  ]
  t.same(validate(serverless('pre-function', 'access', sources)), ['ok'])
})

t.test('comments and strings are not code', async (t) => {
  t.same(validate(serverless('pre-function', 'access', ['-- ngx.timer.at(0, f)\nlocal s = "ngx.sleep(1)"\nlocal c = [[ngx.exec("/")]]'])), ['ok'])
})

t.test('the certificate phase never runs here: its code is not refused', async (t) => {
  t.same(validate(serverless('pre-function', 'certificate', ['ngx.timer.at(0, function() end)'])), ['ok'])
})

t.test('a syntax error is reported as one, not as a refusal', async (t) => {
  t.same(validate(serverless('pre-function', 'access', ['ngx.sleep(1)\nx = = 1'])), [
    `kong.yml:12:19: services[0].routes[0].plugins[0].config.access[0]: error parsing pre-function: [string "ngx.sleep(1)..."]:2: unexpected symbol near '=' (in plugin 'pre-function')`,
  ])
})

t.test('request-callout: by_lua hooks and Lua template expressions', async (t) => {
  const yaml = `_format_version: "3.0"
routes:
  - name: agg
    paths: [/agg]
    plugins:
      - name: request-callout
        config:
          callouts:
            - name: c1
              request:
                url: http://callout.internal/
                by_lua: "local s = ngx.socket.tcp()"
                headers: { custom: { X-A: "$(ngx.sleep(1))" } }
              response:
                by_lua: "local ok = true\\nngx.shared.dict:set('k', 1)"
          upstream:
            by_lua: |
              local x = 1
              ngx.location.capture('/x')
`
  t.same(validate(yaml), [
    "kong.yml:12:25: routes[0].plugins[0].config.callouts[0].request.by_lua: ngx.socket.tcp is not available in this gateway (Lua line 1): cosockets need nginx (request-callout can call other services) (in plugin 'request-callout')",
    "kong.yml:13:43: routes[0].plugins[0].config.callouts[0].request.headers.custom.X-A: ngx.sleep is not available in this gateway (Lua line 1): a snippet runs to its end without yielding (in 'ngx.sleep(1)') (in plugin 'request-callout')",
    "kong.yml:15:25: routes[0].plugins[0].config.callouts[0].response.by_lua: ngx.shared.dict is not available in this gateway (Lua line 2): shared dicts need nginx (in plugin 'request-callout')",
    "kong.yml:17:21: routes[0].plugins[0].config.upstream.by_lua: ngx.location.capture is not available in this gateway (Lua line 2): subrequests need nginx (request-callout can call other services) (in plugin 'request-callout')",
  ])
})

t.test('Lua template expressions (the engine request-transformer templates use)', async (t) => {
  const engine = luaExpressionEngine()
  t.same(engine.compile(`ngx.location.capture('/token').body`), {
    error: `ngx.location.capture is not available in this gateway (Lua line 1): subrequests need nginx (request-callout can call other services) (in 'ngx.location.capture('/token').body')`,
  })
  t.notOk('error' in engine.compile(`ngx.var.host or 'none'`), 'ngx.var is fine')
})

t.test('at run time, a computed key fails with the same words', async (t) => {
  const lua = createLuaEngine()
  const kit = { shared: {}, request: {}, response: {}, upstream: {} } as unknown as Kit
  const run = (source: string) => () => lua.compile(source, 'pre-function').runSync(kit)
  t.throws(run('local what = "timer"\nreturn ngx[what].at(0, print)'), {
    name: 'LuaRunError',
    message: 'ngx.timer.at is not available in this gateway: timers need nginx',
  })
  t.throws(run('local dict = "cache"\nlocal v = ngx.shared[dict]:get("k")'), {
    name: 'LuaRunError',
    message: 'pre-function:2: ngx.shared.cache is not available in this gateway: shared dicts need nginx',
  })
})

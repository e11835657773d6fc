// request-transformer's `$(...)` templates as Lua expressions (Kong's template environment),
// through a real gateway and echo upstream: Kong's spec cases
// (spec/03-plugins/36-request-transformer/02-access_spec.lua), Supabase's rendered templates for
// each key mode, and what templates read of the live request.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway, pluginLines, type PluginGateway, type PluginLine } from '../helpers/plugin-gateway.js'
import { RENDERED, readKeys } from '../helpers/supabase.js'

type Plugin = { name: string; config: Record<string, unknown> }
type Route = { hosts?: string[]; paths?: string[]; strip_path?: boolean; plugins: Plugin[] }

/** kong.yml with one service (the echo upstream) and these routes. */
const kongYml = (routes: Record<string, Route>): string =>
  stringify(
    { _format_version: '3.0', services: [{ name: 'app', url: '$UPSTREAM', routes: Object.entries(routes).map(([name, r]) => ({ name, ...r })) }] },
    { lineWidth: 0 },
  )

const rt = (config: Record<string, unknown>): Plugin => ({ name: 'request-transformer', config })

async function start(t: Parameters<typeof pluginGateway>[0], yaml: string): Promise<PluginGateway & { lines: PluginLine[] }> {
  const { lines, pluginLog } = pluginLines()
  return Object.assign(await pluginGateway(t, yaml, undefined, { pluginLog }), { lines })
}

const query = (url: string | undefined) => new URL(url ?? '/', 'http://x').searchParams

// The spec's routes (02-access_spec.lua:60-141) and their plugins (:248-492), by Host.
const CAPTURES = '~/requests/user1/(?P<user1>\\w+)/user2/(?P<user2>\\S+)'
const NAMED = '~/requests/user1/(?<user1>\\w+)/user2/(?<user2>\\S+)'
const SPEC = kongYml({
  test10: {
    hosts: ['test10.test'],
    paths: [CAPTURES],
    strip_path: false,
    plugins: [rt({ add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2[some_index][1]:$(uri_captures.user2)'] } })],
  },
  test11: {
    hosts: ['test11.test'],
    paths: [CAPTURES],
    plugins: [rt({ replace: { uri: '/requests/user2/$(uri_captures.user2)/user1/$(uri_captures.user1)' } })],
  },
  test12: {
    hosts: ['test12.test'],
    paths: ['/requests/'],
    strip_path: false,
    plugins: [rt({ add: { querystring: ["uri_param1:$(uri_captures.user1 or 'default1')", "uri_param2:$(uri_captures.user2 or 'default2')"] } })],
  },
  test13: { hosts: ['test13.test'], paths: [CAPTURES], plugins: [rt({ replace: { uri: '/requests/user2/$(10 * uri_captures.user1)' } })] },
  test14: {
    hosts: ['test14.test'],
    paths: ['~/user1/(?P<user1>\\w+)/user2/(?P<user2>\\S+)'],
    plugins: [rt({ replace: { uri: '/requests$(uri_captures[0])' } })],
  },
  test15: {
    hosts: ['test15.test'],
    paths: [NAMED],
    strip_path: false,
    plugins: [
      rt({
        add: { querystring: ['uri_param1:$(uri_captures.user1)', 'uri_param2:$(headers.host)'], headers: ['x-test-header:$(query_params.q1)'] },
        remove: { querystring: ['q1'] },
      }),
    ],
  },
  test16: {
    hosts: ['test16.test'],
    paths: [NAMED],
    strip_path: false,
    plugins: [
      rt({
        replace: { querystring: ["q2:$(headers['x-remove-header'])"] },
        add: { querystring: ['q1:$(uri_captures.user1)'], headers: ["x-test-header:$(headers['x-remove-header'])"] },
        remove: { headers: ['x-remove-header'] },
      }),
    ],
  },
  test17: {
    hosts: ['test17.test'],
    paths: [NAMED],
    strip_path: false,
    plugins: [
      rt({
        replace: { querystring: ["q2:$(headers['x-replace-header'])"], headers: ['x-replace-header:the new value'] },
        add: { querystring: ['q1:$(uri_captures.user1)'], headers: ["x-test-header:$(headers['x-replace-header'])"] },
      }),
    ],
  },
  test18: { hosts: ['test18.test'], paths: [NAMED], strip_path: false, plugins: [rt({ add: { querystring: ["q1:$('$(uri_captures.user1)')"] } })] },
  test19: { hosts: ['test19.test'], paths: [NAMED], strip_path: false, plugins: [rt({ add: { querystring: ['q1:$(ERROR())'] } })] },
  test21: {
    hosts: ['test21.test'],
    plugins: [
      { name: 'pre-function', config: { access: ['kong.ctx.shared.my_version = "1.2.3"'] } },
      rt({ add: { querystring: ['shared_param1:$(shared.my_version)'] } }),
    ],
  },
  test24: {
    hosts: ['test24.test'],
    plugins: [rt({ add: { headers: ['x-user-agent:$(foo(headers["User-Agent"]) == "table" and headers["User-Agent"][1] or headers["User-Agent"])'] } })],
  },
  test25: {
    hosts: ['test25.test'],
    paths: ['/request'],
    plugins: [rt({ add: { headers: ['X-Foo-Transformed:$(type(headers["X-Foo"]) == "table" and headers["X-Foo"][1] .. "-first" or headers["X-Foo"])'] } })],
  },
  test29: {
    hosts: ['test29.test'],
    paths: ['~/(gw/)?api/(?<subpath>htest)$'],
    strip_path: false,
    plugins: [rt({ replace: { uri: '/api/v2/$(uri_captures["subpath"])' } })],
  },
})

t.test("Kong's template spec cases", async (t) => {
  const g = await start(t, SPEC)
  const send = (host: string, path: string, headers: Record<string, string | string[]> = {}) =>
    g.send(path, { headers: { host, ...(headers as Record<string, string>) } })

  t.test('template as querystring parameters on GET', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2064
    const r = await send('test10.test', '/requests/user1/foo/user2/bar?q1=20')
    t.equal(r.status, 200)
    t.equal(query(r.reached?.url).get('uri_param1'), 'foo')
    t.equal(r.reached?.url, '/requests/user1/foo/user2/bar?q1=20&uri_param1=foo&uri_param2%5Bsome_index%5D%5B1%5D=bar')
  })

  t.test('should update request path using hash', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2086
    const r = await send('test11.test', '/requests/user1/foo/user2/bar')
    t.equal(r.status, 200)
    t.equal(r.reached?.url, '/requests/user2/bar/user1/foo')
  })

  t.test('should not add querystring if hash missing', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2099
    const r = await send('test12.test', '/requests/?q1=20')
    t.equal(r.status, 200)
    const q = query(r.reached?.url)
    t.equal(q.get('q1'), '20')
    t.equal(q.get('uri_param1'), 'default1')
    t.equal(q.get('uri_param2'), 'default2')
  })

  t.test('should fail when uri template is not a proper expression', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2117: 10 * 'foo' is a Lua runtime error
    const r = await send('test13.test', '/requests/user1/foo/user2/bar')
    t.equal(r.status, 500)
    t.equal(r.reached, undefined)
    t.match(g.lines.at(-1), {
      plugin: 'request-transformer',
      msg: /^\[request-transformer\] failed to render a template: .*attempt to perform arithmetic on field 'user1' \(a string value\)/,
    })
  })

  t.test('should not fail when uri template rendered using index', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2127
    const r = await send('test14.test', '/user1/foo/user2/bar')
    t.equal(r.status, 200)
    t.equal(r.reached?.url, '/requests/user1/foo/user2/bar')
  })

  t.test('validate using headers/req_querystring for rendering templates', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2140
    const r = await send('test15.test', '/requests/user1/foo/user2/bar?q1=20')
    t.equal(r.status, 200)
    const q = query(r.reached?.url)
    t.equal(q.get('q1'), null)
    t.equal(q.get('uri_param1'), 'foo')
    t.equal(q.get('uri_param2'), 'test15.test')
    t.equal(r.reached?.headers['x-test-header'], '20')
  })

  t.test('validate that removed header can be used as template', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2162
    const r = await send('test16.test', '/requests/user1/foo/user2/bar?q2=20', { 'x-remove-header': 'its a test' })
    t.equal(r.status, 200)
    t.equal(r.reached?.headers['x-remove-header'], undefined)
    const q = query(r.reached?.url)
    t.equal(q.get('q1'), 'foo')
    t.equal(q.get('q2'), 'its a test')
    t.equal(r.reached?.headers['x-test-header'], 'its a test')
  })

  t.test('validate template will be rendered with old value of replaced header', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2184
    const r = await send('test17.test', '/requests/user1/foo/user2/bar?q2=20', { 'x-replace-header': 'the old value' })
    t.equal(r.status, 200)
    const q = query(r.reached?.url)
    t.equal(q.get('q1'), 'foo')
    t.equal(q.get('q2'), 'the old value')
    t.equal(r.reached?.headers['x-test-header'], 'the old value')
    t.equal(r.reached?.headers['x-replace-header'], 'the new value')
  })

  t.test('validate template can be escaped', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2208
    const r = await send('test18.test', '/requests/user1/foo/user2/bar?q2=20')
    t.equal(r.status, 200)
    const q = query(r.reached?.url)
    t.equal(q.get('q1'), '$(uri_captures.user1)')
    t.equal(q.get('q2'), '20')
  })

  t.test('rendering error (query) should fail when rendering errors out', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2228
    const r = await send('test19.test', '/requests/user1/foo/user2/bar?q2=20')
    t.equal(r.status, 500)
    t.match(r.json(), { message: 'An unexpected error occurred' })
    t.equal(r.reached, undefined)
  })

  t.test('rendering error (header) is correctly propagated in the log, issue #25', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2243
    g.lines.length = 0
    const r = await send('test24.test', '/')
    t.equal(r.status, 500)
    t.equal(g.lines.length, 1)
    t.match(g.lines[0], { plugin: 'request-transformer', msg: /:1: attempt to call global 'foo' \(a nil value\)$/ })
  })

  t.test('type function is available in template environment', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2261
    const r = await send('test25.test', '/request', { 'X-Foo': ['1', '2'] })
    t.equal(r.status, 200)
    t.equal(r.reached?.headers['x-foo-transformed'], '1-first')
    const one = await send('test25.test', '/request', { 'X-Foo': 'only' })
    t.equal(one.reached?.headers['x-foo-transformed'], 'only', 'a single value is a string')
  })

  t.test("can inject a value from 'kong.ctx.shared'", async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2275
    const r = await send('test21.test', '/')
    t.equal(r.status, 200)
    t.equal(query(r.reached?.url).get('shared_param1'), '1.2.3')
  })

  t.test('replaces request uri with the optional capture prefix, and with it', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1205 and :1218
    for (const path of ['/api/htest', '/gw/api/htest']) {
      const r = await send('test29.test', path)
      t.equal(r.reached?.url, '/api/v2/htest', path)
    }
  })
})

t.test('cannot write a value in kong.ctx.shared: refused when the config loads', async (t) => {
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:479 and :2287: `shared.written = true` is no expression.
  // Kong accepts it (its schema does not compile header templates) and answers 500 on each request; here the
  // config is refused at its line, as every other template syntax error.
  const yaml = kongYml({ test28: { hosts: ['test28.test'], plugins: [rt({ add: { headers: ['X-Write-Attempt:$(shared.written = true)'] } })] } })
  const bad = await loadConfig(yaml.replace('$UPSTREAM', 'http://127.0.0.1:9'), { file: 'k.yml' })
  t.notOk(bad.ok)
  if (!bad.ok) t.match(bad.issues[0], { path: 'services[0].routes[0].plugins[0].config.add.headers[0]', message: /is not in supported format/ })
})

t.test('the template environment is read-only: a write from a function in it is a 500', async (t) => {
  // kong/plugins/request-transformer/access.lua: the environment's __newindex errors "This environment is read-only."
  const g = await start(t, kongYml({ app: { paths: ['/'], plugins: [rt({ add: { headers: ['x-w:$((function() written = true end)())'] } })] } }))
  const r = await g.send('/')
  t.equal(r.status, 500)
  t.equal(r.reached, undefined)
  t.match(g.lines.at(-1), { plugin: 'request-transformer', msg: /This environment is read-only\.$/ })
})

t.test('Lua expressions beyond the fast path: methods, string functions, tables, and headers with _', async (t) => {
  const g = await start(
    t,
    kongYml({
      app: {
        paths: ['/'],
        plugins: [
          rt({
            add: {
              headers: [
                'x-upper:$(headers.x_foo:upper())',
                'x-sub:$(string.sub(query_params.user, 1, 3))',
                "x-fmt:$(string.format('u1:%s;u2:%s', query_params.user1, query_params.user2))",
                "x-first:$(type(query_params.q) == 'table' and query_params.q[1] or query_params.q)",
                "x-count:$(type(query_params.q) == 'table' and #query_params.q or 1)",
                "x-concat:$(table.concat({ 'a', headers['x-foo'], tostring(#headers.x_foo) }, '-'))",
                'x-num:$(10 / 2)',
                'x-bool:$(headers.x_absent == nil)',
                "x-table:$(type(query_params.q) == 'table' and query_params.q)",
                'x-simple:$(query_params.q)',
              ],
            },
          }),
        ],
      },
    }),
  )
  const r = await g.send('/?user=foo123&user1=foo&user2=bar&q=a&q=b', { headers: { 'x-foo': 'bar' } })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  t.equal(h['x-upper'], 'BAR', 'headers.x_foo reads x-foo; a string method')
  t.equal(h['x-sub'], 'foo') // spec/03-plugins/36-request-transformer/02-access_spec.lua:2651 (Kong: with untrusted_lua = on)
  t.equal(h['x-fmt'], 'u1:foo;u2:bar') // spec/03-plugins/36-request-transformer/02-access_spec.lua:2835
  t.equal(h['x-first'], 'a', 'a repeated argument is a table')
  t.equal(h['x-count'], '2')
  t.equal(h['x-concat'], 'a-bar-3')
  t.equal(h['x-num'], '5', "LuaJIT's number formatting")
  t.equal(h['x-bool'], 'true', 'a boolean renders with tostring')
  t.match(h['x-table'], /^table: 0x[0-9a-f]+$/, "a table renders as Lua's tostring does, as in Kong")
  // Kong renders this one as a table address too; the fast path joins the values (src/plugins/shared/lua-template.ts).
  t.equal(h['x-simple'], 'a, b')
})

t.test('require in a template: refused by the sandbox, a 500 with the message logged', async (t) => {
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:2725
  const g = await start(t, kongYml({ app: { paths: ['/'], plugins: [rt({ add: { headers: ["x-added:$(require('ngx.process')('somestring'))"] } })] } }))
  const r = await g.send('/?user=foo')
  t.equal(r.status, 500)
  t.match(g.lines.at(-1), { plugin: 'request-transformer', msg: /require 'ngx.process' not allowed within sandbox/ })
})

t.test('templates read the live request: a header an earlier plugin set, through kong.request', async (t) => {
  const g = await start(
    t,
    kongYml({
      app: {
        paths: ['/'],
        plugins: [
          {
            name: 'pre-function',
            config: { access: ['kong.service.request.set_header("X-From-Lua", "set-by-pre")\nkong.service.request.clear_header("X-Client")'] },
          },
          rt({ add: { headers: ["x-seen:$(headers.x_from_lua:upper() .. '/' .. tostring(headers['x-client']))", 'x-seen-simple:$(headers["x-from-lua"])'] } }),
        ],
      },
    }),
  )
  const r = await g.send('/', { headers: { 'x-client': 'c' } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-seen'], 'SET-BY-PRE/nil', 'the Lua path sees the header set and the one cleared')
  t.equal(r.reached?.headers['x-seen-simple'], 'set-by-pre', 'the fast path sees it too')
})

// Supabase's rendered gateway files (../shared/corpus/supabase-rendered, README there): the
// request-transformer configs exactly as the files have them, in front of the echo upstream.
const keys = readKeys()
const renderedPlugins = (file: string, service: string): Plugin[] => {
  const doc = parse(readFileSync(join(RENDERED, file), 'utf8')) as { services: { name: string; plugins?: Plugin[] }[] }
  const s = doc.services.find((x) => x.name === service)
  if (s === undefined) throw new Error(`${file}: no service ${service}`)
  return (s.plugins ?? []).filter((p) => p.name === 'request-transformer' || p.name === 'post-function')
}

t.test("Supabase's templates (opaque keys mode): each key becomes what Supabase intends", async (t) => {
  const file = 'kong.rendered.yml'
  const g = await start(
    t,
    kongYml({
      rest: { paths: ['/rest/v1/'], plugins: renderedPlugins(file, 'rest-v1') },
      functions: { paths: ['/functions/v1/'], plugins: renderedPlugins(file, 'functions-v1') },
      realtime: { paths: ['/realtime/v1/'], plugins: renderedPlugins(file, 'realtime-v1-ws') },
    }),
  )
  const auth = async (headers: Record<string, string>) => (await g.send('/rest/v1/todos', { headers })).reached?.headers.authorization
  t.equal(await auth({ apikey: keys.SUPABASE_PUBLISHABLE_KEY }), `Bearer ${keys.ANON_KEY_ASYMMETRIC}`, 'publishable key → the internal anon JWT')
  t.equal(await auth({ apikey: keys.SUPABASE_SECRET_KEY }), `Bearer ${keys.SERVICE_ROLE_KEY_ASYMMETRIC}`, 'secret key → the internal service_role JWT')
  t.equal(
    await auth({ apikey: keys.SUPABASE_PUBLISHABLE_KEY, authorization: `Bearer ${keys.SUPABASE_PUBLISHABLE_KEY}` }),
    `Bearer ${keys.ANON_KEY_ASYMMETRIC}`,
    'supabase-js sends the opaque key as a Bearer too: replaced',
  )
  t.equal(
    await auth({ apikey: keys.SUPABASE_ANON_KEY, authorization: `Bearer ${keys.SUPABASE_ANON_KEY}` }),
    `Bearer ${keys.SUPABASE_ANON_KEY}`,
    'a legacy anon JWT passes as is',
  )
  t.equal(
    await auth({ apikey: keys.SUPABASE_SERVICE_KEY, authorization: `Bearer ${keys.SUPABASE_SERVICE_KEY}` }),
    `Bearer ${keys.SUPABASE_SERVICE_KEY}`,
    'a legacy service_role JWT passes as is',
  )
  t.equal(
    await auth({ apikey: keys.SUPABASE_PUBLISHABLE_KEY, authorization: 'Bearer user-session-jwt' }),
    'Bearer user-session-jwt',
    "a user's session JWT is kept",
  )

  const sbKey = async (headers: Record<string, string>) => (await g.send('/functions/v1/hello', { headers })).reached?.headers['sb-api-key']
  t.equal(
    await sbKey({ apikey: keys.SUPABASE_SECRET_KEY, 'sb-api-key': 'spoofed' }),
    keys.SERVICE_ROLE_KEY_ASYMMETRIC,
    'secret key → sb-api-key, a spoofed one replaced',
  )
  t.equal(await sbKey({ apikey: keys.SUPABASE_PUBLISHABLE_KEY }), keys.ANON_KEY_ASYMMETRIC)
  t.equal(await sbKey({ authorization: `Bearer ${keys.SUPABASE_SECRET_KEY}` }), keys.SERVICE_ROLE_KEY_ASYMMETRIC, 'the opaque key as a Bearer')
  t.equal(
    await sbKey({ apikey: keys.SUPABASE_ANON_KEY, 'sb-api-key': 'spoofed' }),
    undefined,
    'no opaque key: nil renders empty and the post-function removes it',
  )

  const rt1 = await g.send(`/realtime/v1/websocket?apikey=${keys.SUPABASE_PUBLISHABLE_KEY}&vsn=1.0.0`)
  t.equal(rt1.reached?.headers['x-api-key'], keys.ANON_KEY_ASYMMETRIC)
  t.equal(query(rt1.reached?.url).get('apikey'), keys.ANON_KEY_ASYMMETRIC, 'the query key replaced too')
  const rt2 = await g.send(`/realtime/v1/websocket?apikey=${keys.SUPABASE_ANON_KEY}`)
  t.equal(rt2.reached?.headers['x-api-key'], keys.SUPABASE_ANON_KEY, 'a legacy key is passed on')
})

t.test("Supabase's templates (legacy mode): the apikey becomes the Authorization", async (t) => {
  const file = 'kong.rendered-legacy.yml'
  const g = await start(
    t,
    kongYml({
      rest: { paths: ['/rest/v1/'], plugins: renderedPlugins(file, 'rest-v1') },
      functions: { paths: ['/functions/v1/'], plugins: renderedPlugins(file, 'functions-v1') },
    }),
  )
  const auth = async (headers: Record<string, string>) => (await g.send('/rest/v1/todos', { headers })).reached?.headers.authorization
  t.equal(await auth({ apikey: keys.SUPABASE_ANON_KEY }), keys.SUPABASE_ANON_KEY, 'anon: the apikey as sent (no Bearer, as the template says)')
  t.equal(await auth({ apikey: keys.SUPABASE_SERVICE_KEY, authorization: `Bearer ${keys.SUPABASE_SERVICE_KEY}` }), `Bearer ${keys.SUPABASE_SERVICE_KEY}`)
  t.equal(
    await auth({ apikey: keys.SUPABASE_ANON_KEY, authorization: 'Bearer sb_publishable_x' }),
    keys.SUPABASE_ANON_KEY,
    'an opaque Bearer falls back to the apikey',
  )
  const f = await g.send('/functions/v1/hello', { headers: { apikey: keys.SUPABASE_ANON_KEY, 'sb-api-key': 'spoofed' } })
  t.equal(f.reached?.headers['sb-api-key'], undefined, '$(nil) renders empty; the post-function removes it')
})

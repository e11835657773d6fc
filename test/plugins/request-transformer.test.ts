// request-transformer against a real echo upstream: every operation, Kong's order, templates, bodies.
import t from 'tap'
import * as z from 'zod'
import { loadConfig } from '../../src/config/load.js'
import { pluginSet } from '../../src/plugins/set.js'
import { ANY_SCOPE, definePlugin, defineHandler, PROTOCOLS_ALL } from '../../src/plugins/types.js'
import { compileTemplate } from '../../src/plugins/shared/template.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig: string, paths = '[/]', extraPlugins = '') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: ${paths}
        strip_path: false
        plugins:
${extraPlugins}          - name: request-transformer
            config:
${pluginConfig.replace(/^/gm, '              ')}
`

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const JSON_CT = { 'content-type': 'application/json' }

t.test('headers: remove, rename, replace only if present, add only if absent, append makes multi-values', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`remove: { headers: [x-gone] }
rename: { headers: ["x-old:x-new", "x-missing:x-never"] }
replace: { headers: ["x-new:replaced", "x-absent:nope"] }
add: { headers: ["x-new:not-added", "x-added:yes"] }
append: { headers: ["x-added:second", "x-multi:appended"] }`),
  )
  const r = await send('/h', { headers: { 'x-gone': '1', 'x-old': 'old', 'x-multi': 'first', 'x-keep': 'k' } })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  t.equal(h['x-gone'], undefined, 'removed')
  t.equal(h['x-old'], undefined, 'renamed away')
  t.equal(h['x-new'], 'replaced', 'rename runs before replace, and replace hits the renamed header; add leaves it alone')
  t.equal(h['x-never'], undefined, 'renaming an absent header does nothing')
  t.equal(h['x-absent'], undefined, 'replace does not create')
  t.equal(h['x-added'], 'yes, second', 'add then append: two values')
  t.equal(h['x-multi'], 'first, appended')
  t.equal(h['x-keep'], 'k')
})

t.test('querystring: remove, rename, replace, add, append (query runs after headers and body)', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`remove: { querystring: [drop] }
rename: { querystring: ["old:new"] }
replace: { querystring: ["new:r", "nothere:x"] }
add: { querystring: ["a:1", "keep:no"] }
append: { querystring: ["a:2", "multi:z"] }`),
  )
  const r = await send('/q?drop=1&old=o&keep=yes&multi=y')
  const u = new URL(r.reached!.url, 'http://x')
  t.equal(u.pathname, '/q')
  t.same(u.searchParams.getAll('drop'), [])
  t.same(u.searchParams.getAll('old'), [])
  t.same(u.searchParams.getAll('new'), ['r'])
  t.same(u.searchParams.getAll('nothere'), [])
  t.same(u.searchParams.getAll('a'), ['1', '2'], 'append turns a value into a list')
  t.same(u.searchParams.getAll('keep'), ['yes'])
  t.same(u.searchParams.getAll('multi'), ['y', 'z'])
})

t.test('JSON body: every operation, Content-Length follows the new body', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`remove: { body: [secret] }
rename: { body: ["old:new"] }
replace: { body: ["new:replaced", "absent:x", "off:no"] }
add: { body: ["added:yes", "new:not-added", "off:added"] }
append: { body: ["list:c", "name:second", "num:9"] }`),
  )
  const payload = JSON.stringify({ secret: 's', old: 'o', list: ['a', 'b'], name: 'first', num: 5, off: false, keep: { deep: 1 } })
  const r = await send('/b', { method: 'POST', headers: JSON_CT, body: payload })
  t.equal(r.status, 200)
  const body = JSON.parse(r.reached!.body)
  t.same(body, { new: 'replaced', list: ['a', 'b', 'c'], name: ['first', 'second'], num: ['9'], off: 'added', keep: { deep: 1 }, added: 'yes' })
  t.equal(r.reached!.headers['content-length'], String(Buffer.byteLength(r.reached!.body)))
  t.equal(r.reached!.headers['transfer-encoding'], undefined)

  const empty = await send('/b', { method: 'POST', headers: JSON_CT, body: '' })
  t.same(
    JSON.parse(empty.reached!.body),
    { added: 'yes', new: 'not-added', off: 'added', list: ['c'], name: ['second'], num: ['9'] },
    'an empty body only gets add and append',
  )

  const bad = await send('/b', { method: 'POST', headers: JSON_CT, body: '{not json' })
  t.equal(bad.reached!.body, '{not json', 'unparseable JSON is forwarded unchanged')

  const text = await send('/b', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"secret":1}' })
  t.equal(text.reached!.body, '{"secret":1}', 'other content types are not touched')
})

t.test('form-urlencoded body: every operation; Content-Length updated', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`remove: { body: [secret] }
rename: { body: ["old:new"] }
replace: { body: ["new:re placed"] }
add: { body: ["added:yes", "new:no"] }
append: { body: ["tags:c"] }`),
  )
  const r = await send('/f', { method: 'POST', headers: FORM, body: 'secret=s&old=o&tags=a&tags=b' })
  const p = new URLSearchParams(r.reached!.body)
  t.same(p.getAll('secret'), [])
  t.same(p.getAll('old'), [])
  t.same(p.getAll('new'), ['re placed'])
  t.same(p.getAll('added'), ['yes'])
  t.same(p.getAll('tags'), ['a', 'b', 'c'])
  t.match(r.reached!.body, /new=re%20placed/, 'encoded as ngx.encode_args does')
  t.equal(r.reached!.headers['content-length'], String(Buffer.byteLength(r.reached!.body)))
})

t.test('multipart body: rename, remove, replace, add; file parts kept; no append', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`remove: { body: [secret] }
rename: { body: ["old:new"] }
replace: { body: ["field:replaced"] }
add: { body: ["added:yes", "field:no"] }
append: { body: ["field:never"] }`),
  )
  const B = 'XyZ'
  const part = (name: string, value: string, extra = '') => `--${B}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`
  const fileBytes = '\u00ff\u00fe binary'
  const body =
    part('secret', 's') +
    part('old', 'o') +
    part('field', 'f') +
    part('upload', fileBytes, '; filename="a.bin"\r\nContent-Type: application/octet-stream') +
    `--${B}--\r\n`
  const r = await send('/m', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${B}` }, body })
  const out = r.reached!.body
  t.notMatch(out, /name="secret"/)
  t.notMatch(out, /name="old"/)
  t.match(out, /name="new"\r\n\r\no\r\n/)
  t.match(out, /name="field"\r\n\r\nreplaced\r\n/)
  t.notMatch(out, /never/, 'multipart bodies are not appended to')
  t.match(out, /name="added"\r\n\r\nyes\r\n/)
  t.ok(out.includes(`filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${fileBytes}\r\n`), 'file part unchanged')
  t.ok(out.endsWith(`--${B}--\r\n`))
  t.equal(r.reached!.headers['content-length'], String(Buffer.byteLength(out)))
})

t.test('http_method: changes the method; GET copies a form body into the query', async (t) => {
  // spec/03-plugins/36-request-transformer/02-access_spec.lua:553
  const { send } = await pluginGateway(t, CONFIG('http_method: GET'))
  const r = await send('/m?a=1', { method: 'POST', headers: FORM, body: 'a=2&b=3' })
  t.equal(r.reached!.method, 'GET')
  const u = new URL(r.reached!.url, 'http://x')
  t.same(u.searchParams.getAll('a'), ['1', '2'])
  t.same(u.searchParams.getAll('b'), ['3'])

  const json = await send('/m?a=1', { method: 'POST', headers: JSON_CT, body: '{"b":3}' })
  t.equal(json.reached!.url, '/m?a=1', 'only form bodies are copied')

  const post = await pluginGateway(t, CONFIG('http_method: POST'))
  const p = await post.send('/m?a=1', { method: 'PUT', headers: FORM, body: 'b=3' })
  t.equal(p.reached!.method, 'POST')
  t.equal(p.reached!.url, '/m?a=1')
  t.equal(p.reached!.body, 'b=3')
})

t.test('replace.uri with uri_captures; the query is kept', async (t) => {
  const { send } = await pluginGateway(t, CONFIG(`replace: { uri: "/users/$(uri_captures.user)/$(uri_captures[2])" }`, '["~/u/(?<user>[a-z]+)/(\\\\d+)$"]'))
  const r = await send('/u/alice/42?x=1')
  t.equal(r.status, 200)
  t.equal(r.reached!.url, '/users/alice/42?x=1')
})

t.test('templates: headers, query_params, uri_captures, fallbacks, missing values, literals', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(
      `add:
  headers:
    - "x-h1:$(headers.x_user)"
    - "x-h2:$(headers['X-User'])"
    - "x-q:$(query_params.q)"
    - "x-flag:$(query_params['flag'])"
    - "x-c0:$(uri_captures[0])"
    - "x-c1:$(uri_captures[1])"
    - "x-cs:[$(uri_captures[\\"1\\"])]"
    - "x-named:$(uri_captures.id)"
    - "x-missing:[$(headers.nope)]"
    - "x-fallback:$(headers.nope or query_params.nope or 'none')"
    - "x-first:$(headers['x-user'] or \\"none\\")"
    - "x-literal:$('$(raw)') \\\\$(headers.nope) $(unbalanced"
    - "x-mix:a-$(query_params.q)-b"`,
      '["~/t/(?<id>\\\\d+)"]',
    ),
  )
  const r = await send('/t/7?q=hello&flag', { headers: { 'x-user': 'bob' } })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  t.equal(h['x-h1'], 'bob', 'underscores find dashed headers (ngx.req.get_headers)')
  t.equal(h['x-h2'], 'bob', 'header lookups are case-insensitive')
  t.equal(h['x-q'], 'hello')
  t.equal(h['x-flag'], 'true', 'an argument without a value is Lua true')
  t.equal(h['x-c0'], '/t/7', 'uri_captures[0] is the whole match')
  t.equal(h['x-c1'], '7', 'uri_captures[1] is the first group')
  t.equal(h['x-cs'], '[]', 'uri_captures["1"] is a string key: nil in Lua')
  t.equal(h['x-named'], '7')
  t.equal(h['x-missing'], '[]', 'a missing value renders empty')
  t.equal(h['x-fallback'], 'none')
  t.equal(h['x-first'], 'bob')
  t.equal(h['x-literal'], '$(raw) \\ $(unbalanced', "$('...') emits a literal; a backslash does not escape; an unbalanced $( stays text")
  t.equal(h['x-mix'], 'a-hello-b')
})

t.test('templates see headers set by earlier plugins and kong.ctx.shared, before this plugin edits', async (t) => {
  const sharer = {
    definition: definePlugin({ name: 'rt-sharer', priority: 905, version: '0.0.0', config: z.strictObject({}), protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE }),
    handler: defineHandler<Record<string, never>>({
      name: 'rt-sharer',
      create: () => ({
        access(kit) {
          kit.shared.tenant = 'acme'
          kit.upstream.setHeader('x-from-earlier', 'early')
        },
      }),
    }),
  }
  const { send } = await pluginGateway(
    t,
    CONFIG(
      `remove: { headers: [x-user] }
add: { headers: ["x-tenant:$(shared.tenant)", "x-early:$(headers['x-from-earlier'])", "x-was:$(headers['x-user'])"] }`,
      '[/]',
      '          - name: rt-sharer\n',
    ),
    undefined,
    { plugins: pluginSet([sharer as never]) },
  )
  const r = await send('/s', { headers: { 'x-user': 'bob' } })
  const h = r.reached!.headers
  t.equal(h['x-tenant'], 'acme')
  t.equal(h['x-early'], 'early')
  t.equal(h['x-was'], 'bob', 'templates read the headers as they were before the removal')
  t.equal(h['x-user'], undefined)
})

t.test('templates in body and query values, and rename targets', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`rename: { querystring: ["a:$(headers.x_target)"] }
add: { body: ["user:$(headers.x_user or 'anon')"], querystring: ["via:$(query_params.a)"] }`),
  )
  const r = await send('/x?a=1', { method: 'POST', headers: { ...JSON_CT, 'x-user': 'bob', 'x-target': 'b' }, body: '{}' })
  t.same(JSON.parse(r.reached!.body), { user: 'bob' })
  const u = new URL(r.reached!.url, 'http://x')
  t.same(u.searchParams.getAll('b'), ['1'])
  t.same(u.searchParams.getAll('a'), [])
  t.same(u.searchParams.getAll('via'), ['1'], 'query_params are the client query, before the rename')
})

t.test('a replace.uri that renders a path without a leading / is a 500 and never proxied', async (t) => {
  const { send } = await pluginGateway(t, CONFIG(`replace: { uri: "$(headers.x_path)" }`))
  const r = await send('/x')
  t.equal(r.status, 500)
  t.equal(r.json().message, 'An unexpected error occurred')
  t.equal(r.reached, undefined)
  t.equal((await send('/x', { headers: { 'x-path': '/ok' } })).reached!.url, '/ok')
})

t.test('the body is not read or re-encoded when only headers are configured', async (t) => {
  const { send } = await pluginGateway(t, CONFIG(`add: { headers: ["x-a:1"] }`))
  const r = await send('/x', { method: 'POST', headers: JSON_CT, body: '{ "spaced" : true }' })
  t.equal(r.reached!.body, '{ "spaced" : true }')
  t.equal(r.reached!.headers['x-a'], '1')
})

t.test('template compiler: engine errors and pluggability', async (t) => {
  const bad = compileTemplate('x $(os.getenv("HOME"))')
  t.same(bad, { error: `unsupported template expression 'os.getenv("HOME")'` })
  t.ok('error' in compileTemplate('$()'))
  t.ok('error' in compileTemplate('$(headers.a or)'))
  t.ok('error' in compileTemplate('$(headers.a.b)'))
  const upper = compileTemplate('<$(anything)>', { compile: (e) => ({ evaluate: () => e.toUpperCase() }) })
  if ('error' in upper) throw new Error(upper.error)
  t.equal(upper.render({ header: () => undefined, query: () => undefined, capture: () => undefined, shared: () => undefined }), '<ANYTHING>')
  const plain = compileTemplate('no templates')
  t.notOk('error' in plain || plain.dynamic)
})

t.test('schema: defaults, Kong messages with line:column, unsupported templates refused', async (t) => {
  const ok = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: request-transformer\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    const empty = { body: [], headers: [], querystring: [] }
    t.same(ok.config.plugins[0]!.config, { remove: empty, rename: empty, replace: empty, add: empty, append: empty })
    t.same(ok.config.plugins[0]!.protocols, ['grpc', 'grpcs', 'http', 'https'])
  }
  const consumerScoped = await loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: request-transformer\n', {
    file: 'k.yml',
  })
  t.ok(consumerScoped.ok, 'consumer scope is allowed')

  const yaml = `_format_version: "3.0"
plugins:
  - name: request-transformer
    config:
      http_method: get
      remove:
        headers: ["bad header"]
      rename:
        headers: ["x-a:bad name"]
        body: ["novalue"]
      replace:
        querystring: ["q:"]
        headers: ["nocolon", "x-a:$(headers.a ==)"]
      add:
        body: ["b:$(query_params.a or os.exit())"]
        headers: ["x-ok:$(headers.a)", "x-ctl:a\\u0001"]
      append:
        querystring: ["q:$(uri_captures.x)"]
`
  const bad = await loadConfig(yaml, { file: 'k.yml' })
  t.notOk(bad.ok)
  if (!bad.ok) {
    const got = bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`)
    t.same(got, [
      '5:20 plugins[0].config.http_method invalid value: get',
      "7:19 plugins[0].config.remove.headers[0] 'bad header' is not a valid header",
      "9:19 plugins[0].config.rename.headers[0] 'bad name' is not a valid header",
      "10:16 plugins[0].config.rename.body[0] key 'novalue' has no value",
      "12:23 plugins[0].config.replace.querystring[0] key 'q' has no value",
      '13:19 plugins[0].config.replace.headers[0] invalid value: nocolon',
      // Any Lua expression is a template (Kong compiles them all); one that does not parse is refused.
      "13:30 plugins[0].config.replace.headers[1] value '$(headers.a ==)' is not in supported format, error:unexpected symbol near ')' (in 'headers.a ==')",
      "16:40 plugins[0].config.add.headers[1] 'a\u0001' is not a valid header",
    ])
  }
})

t.test('replace.headers host:<value> is the Host the upstream sees', async (t) => {
  const { send } = await pluginGateway(
    t,
    `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: request-transformer
            config: { replace: { headers: ["host:internal.example"] } }
`,
  )
  const r = await send('/x')
  t.equal(r.status, 200)
  t.equal(r.reached!.headers.host, 'internal.example')
})

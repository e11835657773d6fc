// request-termination against a real upstream: default messages per status, raw
// bodies, triggers, the echo document; terminated requests never reach the upstream.
import t from 'tap'
import { hostname } from 'node:os'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig = '', paths = '[/]') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: ${paths}
        plugins:
          - name: request-termination
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
`

t.test('default: 503 {"message":"Service unavailable"}, compact JSON, upstream not reached', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  const r = await send('/x')
  t.equal(r.status, 503)
  t.equal(r.body, '{"message":"Service unavailable"}')
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(r.reached, undefined)
})

t.test("the plugin's own default message per status; none for other statuses", async (t) => {
  const cases: [number, string | undefined][] = [
    [401, 'Unauthorized'],
    [404, 'Not found'],
    [405, 'Method not allowed'],
    [500, 'An unexpected error occurred'],
    [502, 'Bad Gateway'],
    [503, 'Service unavailable'],
    [403, undefined],
    [200, undefined],
    [418, undefined],
  ]
  for (const [status, message] of cases) {
    const { send } = await pluginGateway(t, CONFIG(`status_code: ${status}`))
    const r = await send('/x')
    t.equal(r.status, status)
    t.equal(r.reached, undefined)
    if (message === undefined) {
      t.equal(r.body, '', `${status}: no body`)
      t.equal(r.headers['content-type'], undefined)
    } else {
      t.equal(r.body, JSON.stringify({ message }), `${status}: ${message}`)
    }
  }
})

t.test('message, raw body with and without content_type', async (t) => {
  const msg = await pluginGateway(t, CONFIG('status_code: 403\nmessage: So long'))
  const m = await msg.send('/x')
  t.equal(m.status, 403)
  t.equal(m.body, '{"message":"So long"}')
  t.equal(m.reached, undefined)

  const html = await pluginGateway(t, CONFIG('status_code: 406\nbody: "<html><body><h1>Down</h1></body></html>"\ncontent_type: text/html'))
  const h = await html.send('/x')
  t.equal(h.status, 406)
  t.equal(h.body, '<html><body><h1>Down</h1></body></html>')
  t.equal(h.headers['content-type'], 'text/html')
  t.equal(h.reached, undefined)

  const raw = await pluginGateway(t, CONFIG('status_code: 200\nbody: plain'))
  const p = await raw.send('/x')
  t.equal(p.body, 'plain')
  t.equal(p.headers['content-type'], 'text/plain; charset=UTF-8', "nginx's default type with Kong's charset")
})

t.test('trigger: a header or a query argument of that name; otherwise proxied', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('trigger: X-Stop\nstatus_code: 418'))
  const passed = await send('/x?other=1')
  t.equal(passed.status, 200)
  t.ok(passed.reached)
  const byHeader = await send('/x', { headers: { 'x-stop': '' } })
  t.equal(byHeader.status, 418, 'an empty header value counts')
  t.equal(byHeader.reached, undefined)
  const byQuery = await send('/x?X-Stop')
  t.equal(byQuery.status, 418, 'a query argument without a value counts')
  t.equal(byQuery.reached, undefined)
  const otherCase = await send('/x?x-stop=1')
  t.equal(otherCase.status, 200, 'query argument names are case-sensitive')

  const underscored = await pluginGateway(t, CONFIG('trigger: x_stop'))
  const dashed = await underscored.send('/x', { headers: { 'x-stop': '1' } })
  t.equal(dashed.status, 503, "Kong's header lookup also tries the name with '-' for '_'")
  t.equal(dashed.reached, undefined)
})

t.test('echo: the request as JSON, with kong node info, body and route', async (t) => {
  const { send, gw } = await pluginGateway(t, CONFIG('echo: true\nstatus_code: 404', '["~/items/(?<id>\\\\d+)$", /]'))
  const port = Number(new URL(gw.url).port)
  const r = await send('/items/42?a=1&b&c=1&c=2', { method: 'POST', headers: { 'content-type': 'application/json', 'x-multi': 'one' }, body: '{"k":"v"}' })
  t.equal(r.status, 404)
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(r.reached, undefined)
  const doc = r.json<Record<string, any>>()
  t.equal(doc.message, 'Not found')
  t.match(doc.kong, { node_id: /^[0-9a-f-]{36}$/, worker_pid: process.pid, hostname: hostname() })
  t.match(doc.request, { scheme: 'http', host: '127.0.0.1', port, method: 'POST', path: '/items/42', body: { k: 'v' }, raw_body: '{"k":"v"}' })
  t.same(doc.request.query, { a: '1', b: true, c: ['1', '2'] })
  t.equal(doc.request.headers['x-multi'], 'one')
  t.equal(doc.request.headers['content-type'], 'application/json')
  t.same(doc.request.uri_captures, { unnamed: ['42'], named: { id: '42' } })
  const config = gw.holder.current().config
  t.equal(doc.matched_route.id, config.routes[0]!.id)
  t.equal(doc.matched_route.name, 'app')
  t.equal(doc.matched_service.id, config.services[0]!.id)
  t.equal(doc.matched_service.name, 'app')

  const plain = await send('/other')
  const d = plain.json<Record<string, any>>()
  t.same(d.request.uri_captures, { unnamed: [], named: {} })
  t.equal(d.request.raw_body, '')
  t.equal(d.request.body, undefined, 'no parsable body: absent, as Kong encodes nil')
})

t.test('echo with a trigger: only triggered requests are echoed; message and no default', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('echo: true\ntrigger: debug\nstatus_code: 200\nmessage: debugging'))
  const passed = await send('/x')
  t.ok(passed.reached)
  const r = await send('/x?debug=1')
  t.equal(r.status, 200)
  t.equal(r.json().message, 'debugging')
  t.equal(r.reached, undefined)

  const noDefault = await pluginGateway(t, CONFIG('echo: true\nstatus_code: 418'))
  const n = await noDefault.send('/x')
  t.notOk('message' in n.json(), 'no message key without a default for the status')
})

t.test('echo and trigger read the query as kong.request.get_query does (ngx.req.get_uri_args)', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('echo: true\ntrigger: toString\nstatus_code: 200'))
  const passed = await send('/x?a=1')
  t.ok(passed.reached, 'a trigger named like an Object method is only a query name')
  const r = await send('/x?toString&q=100%&r=%zz%41+b&=v&s=caf%C3%A9')
  t.equal(r.status, 200)
  t.equal(r.reached, undefined)
  // A `%` without two hex digits stays as written, the rest is decoded; a pair without a name is dropped.
  t.same(r.json<Record<string, any>>().request.query, { toString: true, q: '100%', r: '%zzA b', s: 'café' })
})

t.test('works on a route without a service', async (t) => {
  const { send } = await pluginGateway(
    t,
    `_format_version: "3.0"
routes:
  - paths: [/]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: ok }
`,
  )
  const r = await send('/x')
  t.equal(r.status, 200)
  t.equal(r.body, '{"message":"ok"}')
})

t.test("schema: defaults and Kong's rules (empty strings do not count)", async (t) => {
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: request-termination\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`)
  }
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n  - name: request-termination\n', { file: 'k.yml' })
  if (ok.ok) t.same(ok.config.plugins[0]!.config, { status_code: 503, echo: false })
  else t.fail('default config')
  t.same(issues('{ message: hi, body: x }'), ['4:13 plugins[0].config message cannot be used with content_type or body'])
  t.same(issues('{ message: hi, content_type: text/plain, body: x }'), ['4:13 plugins[0].config message cannot be used with content_type or body'])
  t.same(issues('{ content_type: text/plain }'), ['4:13 plugins[0].config content_type requires a body'])
  t.same(issues('{ echo: true, body: x }'), ['4:13 plugins[0].config echo cannot be used with content_type and body'], 'a body alone is enough')
  t.same(issues('{ message: "", body: x, content_type: "" }'), [], 'empty strings are not set')
  t.same(issues('{ trigger: "bad name" }'), ["4:24 plugins[0].config.trigger bad header name 'bad name', allowed characters are A-Z, a-z, 0-9, '_', and '-'"])
  t.same(issues('{ status_code: 600 }'), ['4:28 plugins[0].config.status_code value should be between 100 and 599'])
})

// The plugin runtime through a real gateway: phases, priorities, what runs after
// an exit or a 404, failures, the kit's changes to the upstream request.
import t from 'tap'
import { pluginSet } from '../../src/plugins/set.js'
import { byPriority } from '../../src/compile/chains.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { probe, type ProbeLog } from '../helpers/probe.js'
import { startUpstream } from '../helpers/upstream.js'

const logged: ProbeLog[] = []
const plugins = pluginSet([probe('probe-hi', 2222, logged), probe('probe-mid', 1001, logged), probe('probe-lo', 17, logged)])

const failures: { plugin: string; msg: string; fields: Record<string, unknown> | undefined }[] = []
const pluginLog = (p: { name: string }) => {
  const rec = (msg: string, fields?: Record<string, unknown>) => failures.push({ plugin: p.name, msg, fields })
  return { error: rec, warn: rec, info: rec, debug: rec }
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
}

const config = (plugins: string, routePlugins = '') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/app]
${routePlugins ? `        plugins:\n${routePlugins.replace(/^/gm, '          ')}` : ''}
  - name: other
    url: $UPSTREAM
    routes: [{ name: other, paths: [/other] }]
plugins:
${plugins.replace(/^/gm, '  ')}
`

t.test('phases run in descending priority; global plugins rewrite; log after the response', async (t) => {
  logged.length = 0
  const { send } = await pluginGateway(
    t,
    config(`- name: probe-lo\n  config: { tag: lo }\n- name: probe-hi\n  config: { tag: hi }\n- name: probe-mid\n  config: { tag: mid }`),
    undefined,
    { plugins },
  )
  const r = await send('/app/x')
  t.equal(r.status, 200)
  t.equal(r.reached!.headers['x-trace'], 'hi,mid,lo', 'access in priority order, each sees the previous change')
  t.same(r.headers['x-phase'], ['hi:header', 'mid:header', 'lo:header'], 'header_filter in priority order on the proxied response')
  t.equal(r.headers['x-rewrite'], 'hi,mid,lo', 'global instances ran the rewrite phase')
  await until(() => logged.length === 3)
  t.same(
    logged.map((l) => `${l.tag}:${l.status}`),
    ['hi:200', 'mid:200', 'lo:200'],
  )
})

t.test('an exit stops access but every collected plugin still runs its response and log phases', async (t) => {
  logged.length = 0
  const { send } = await pluginGateway(
    t,
    config(`- name: probe-hi\n  config: { tag: hi }\n- name: probe-mid\n  config: { tag: mid, exit: 418 }\n- name: probe-lo\n  config: { tag: lo }`),
    undefined,
    { plugins },
  )
  const r = await send('/app/x')
  t.equal(r.status, 418)
  t.equal(r.body, '{"message":"mid says no"}')
  t.equal(r.reached, undefined, 'the upstream never saw it')
  t.same(r.headers['x-phase'], ['hi:header', 'mid:header', 'lo:header'])
  await until(() => logged.length === 3)
  t.same(
    logged.map((l) => `${l.tag}:${l.status}`),
    ['hi:418', 'mid:418', 'lo:418'],
  )
})

t.test('no route: only global instances run, and only their response and log phases', async (t) => {
  logged.length = 0
  const { send } = await pluginGateway(t, config(`- name: probe-hi\n  config: { tag: hi, exit: 401 }`, `- name: probe-lo\n  config: { tag: lo }`), undefined, {
    plugins,
  })
  const r = await send('/nowhere')
  t.equal(r.status, 404)
  t.equal(r.json().message, 'no Route matched with those values')
  t.equal(r.headers['x-phase'], 'hi:header', "the global's header_filter ran (its access did not: no 401)")
  await until(() => logged.length === 1)
  t.same(
    logged.map((l) => `${l.tag}:${l.status}`),
    ['hi:404'],
  )
})

t.test('route, service and global scopes: the most specific instance runs, once', async (t) => {
  const { send } = await pluginGateway(
    t,
    config(
      `- name: probe-mid\n  config: { tag: global }\n- name: probe-mid\n  service: other\n  config: { tag: service }`,
      `- name: probe-mid\n  config: { tag: route }`,
    ),
    undefined,
    { plugins },
  )
  t.equal((await send('/app/x')).reached!.headers['x-trace'], 'route')
  t.equal((await send('/other/x')).reached!.headers['x-trace'], 'service')
})

t.test('a handler that throws or rejects: 500 in the error template, logged with its name, gateway keeps serving', async (t) => {
  failures.length = 0
  const { send } = await pluginGateway(
    t,
    config(
      `- name: probe-lo\n  route: app\n  config: { tag: sync, throw_in: access }\n- name: probe-mid\n  route: other\n  config: { tag: async, async: true, throw_in: access }`,
    ),
    undefined,
    { plugins, pluginLog },
  )
  for (const path of ['/app/x', '/other/x']) {
    const r = await send(path)
    t.equal(r.status, 500)
    t.equal(r.json().message, 'An unexpected error occurred')
    t.equal(r.reached, undefined)
  }
  t.same(
    failures.map((f) => `${f.plugin}:${f.msg}`),
    ['probe-lo:plugin failed', 'probe-mid:plugin failed'],
  )
  t.match(failures[0]!.fields, { phase: 'access', err: { message: 'sync exploded' } })
})

t.test('failures in header_filter and log are logged; the response goes out', async (t) => {
  failures.length = 0
  const { send } = await pluginGateway(
    t,
    config(`- name: probe-lo\n  config: { tag: a, throw_in: header }\n- name: probe-mid\n  config: { tag: b, throw_in: log }`),
    undefined,
    { plugins, pluginLog },
  )
  const r = await send('/app/x')
  t.equal(r.status, 200)
  await until(() => failures.length === 2)
  t.same(failures.map((f) => `${f.plugin}:${(f.fields as { phase: string }).phase}`).sort(), ['probe-lo:header_filter', 'probe-mid:log'])
})

t.test('async access handlers keep their order', async (t) => {
  const { send } = await pluginGateway(
    t,
    config(
      `- name: probe-hi\n  config: { tag: hi, async: true }\n- name: probe-mid\n  config: { tag: mid }\n- name: probe-lo\n  config: { tag: lo, async: true }`,
    ),
    undefined,
    { plugins },
  )
  t.equal((await send('/app/x')).reached!.headers['x-trace'], 'hi,mid,lo')
})

t.test('the kit changes the upstream request: path, method, query, body', async (t) => {
  const { send } = await pluginGateway(
    t,
    config(`- name: probe-mid\n  config: { tag: k, set_path: /moved/here, set_method: put, set_query: "a=1&b=two", set_body: replaced }`),
    undefined,
    { plugins },
  )
  const r = await send('/app/x?orig=1', { method: 'POST', body: 'original body', headers: { 'content-type': 'text/plain' } })
  t.equal(r.reached!.method, 'PUT')
  t.equal(r.reached!.url, '/moved/here?a=1&b=two')
  t.equal(r.reached!.body, 'replaced')
  t.equal(r.reached!.headers['content-length'], '8')
})

t.test('the kit sends the request to another target', async (t) => {
  const other = await startUpstream('other')
  t.teardown(() => other.close())
  const { send, up } = await pluginGateway(
    t,
    config(`- name: probe-mid\n  route: app\n  config: { tag: k, set_target: "127.0.0.1:${other.port}" }`),
    undefined,
    { plugins },
  )
  const r = await send('/app/x')
  t.equal(r.status, 200)
  t.equal(r.json().name, 'other')
  t.equal(up.requests.length, 0)
  t.equal((await send('/other/x')).json().name, 'upstream', 'other routes keep their service')
})

t.test('a plugin that reads the body: the upstream still gets it, byte for byte', async (t) => {
  const { send } = await pluginGateway(t, config(`- name: probe-mid\n  config: { tag: k, read_body: true }`), undefined, { plugins })
  const body = 'x'.repeat(100_000)
  const r = await send('/app/x', { method: 'POST', body, headers: { 'content-type': 'text/plain' } })
  t.equal(r.reached!.headers['x-body-seen'], '100000')
  t.equal(r.reached!.body, body)
})

t.test('limitBody: a streamed body over the cap is cut and answered with the exit; under it passes whole', async (t) => {
  const { send } = await pluginGateway(t, config(`- name: probe-mid\n  config: { tag: k, limit_body: 1000 }`), undefined, { plugins })
  const big = await send('/app/x', { method: 'POST', body: 'x'.repeat(100_000), headers: { 'content-type': 'text/plain' } })
  t.equal(big.status, 413)
  t.equal(big.json().message, 'probe: too big')
  t.equal(big.reached, undefined, 'the upstream never got a complete request')
  const small = await send('/app/x', { method: 'POST', body: 'y'.repeat(1000), headers: { 'content-type': 'text/plain' } })
  t.equal(small.status, 200)
  t.equal(small.reached!.body.length, 1000)
})

t.test('limitBody on a body a plugin already read: checked at once', async (t) => {
  const { send } = await pluginGateway(t, config(`- name: probe-mid\n  config: { tag: k, read_body: true, limit_body: 10 }`), undefined, { plugins })
  const r = await send('/app/x', { method: 'POST', body: 'z'.repeat(11) })
  t.equal(r.status, 413)
  t.equal(r.reached, undefined)
})

t.test('the log phase sees what happened upstream and the sizes', async (t) => {
  logged.length = 0
  const { send } = await pluginGateway(t, config(`- name: probe-lo\n  config: { tag: l }`), undefined, { plugins })
  const r = await send('/app/x?q=1', { method: 'POST', body: 'hello' })
  t.equal(r.status, 200)
  await until(() => logged.length === 1)
  const entry = logged[0]!
  t.match(entry.proxied, { uri: '/x?q=1', status: 200, tries: 1 })
  t.ok(entry.proxied!.upstreamLatency >= 0)
  t.ok(entry.sizes.request > 'POST /app/x?q=1 HTTP/1.1\r\n'.length + 5, 'request line, headers and body')
  t.ok(
    entry.sizes.response >= Number(r.headers['content-length']),
    `response headers and body: ${JSON.stringify(entry.sizes)} vs ${r.headers['content-length']}`,
  )
  logged.length = 0
  await send('/nowhere')
  await until(() => logged.length === 1)
  t.equal(logged[0]!.proxied, undefined, 'no route: nothing upstream')
  logged.length = 0
  const exit = await pluginGateway(t, config(`- name: probe-lo\n  config: { tag: e, exit: 403 }`), undefined, { plugins })
  await exit.send('/app/x')
  await until(() => logged.length === 1)
  t.equal(logged[0]!.proxied, undefined, 'answered by the gateway: nothing upstream')
  t.equal(logged[0]!.status, 403)
})

t.test('body_filter transforms the whole response body and fixes Content-Length', async (t) => {
  const { send } = await pluginGateway(
    t,
    config(`- name: probe-mid\n  config: { tag: k, upper: true }`),
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('hello ')
      res.end('world')
    },
    { plugins },
  )
  const r = await send('/app/x')
  t.equal(r.body, 'HELLO WORLD')
  t.equal(r.headers['content-length'], '11')
})

t.test('headers set in access reach the final response, exit or proxied', async (t) => {
  const { send } = await pluginGateway(t, config(`- name: probe-mid\n  config: { tag: k, limit: 1 }`), undefined, { plugins })
  const ok = await send('/app/x')
  t.equal(ok.status, 200)
  t.equal(ok.headers['x-probe-remaining'], '0')
  const over = await send('/app/x')
  t.equal(over.status, 429)
  t.equal(over.json().message, 'API rate limit exceeded')
  t.equal(over.headers['x-probe-remaining'], '0')
  t.equal(over.reached, undefined)
})

t.test('equal priorities sort by name, descending (Kong)', async (t) => {
  const sorted = [
    { name: 'a', priority: 5 },
    { name: 'z', priority: 5 },
    { name: 'm', priority: 9 },
  ].sort(byPriority)
  t.same(
    sorted.map((x) => x.name),
    ['m', 'z', 'a'],
  )
})

// Kong's http-log spec (spec/03-plugins/03-http-log/01-log_spec.lua) through a real gateway, a real
// upstream and real log collectors: the request the collector gets (Content-Type, Host), queues
// that never mix, a global instance on a request that matched no route, and Kong's words when
// the collector cannot be reached. Covered elsewhere (test/plugins/http-log.test.ts): user info
// as Basic auth beside configured headers (:538), concurrency_limit -1 (:667), batches (:773);
// custom fields (test/plugins/log-custom-fields.test.ts, :446). Not here: gRPC routes (no HTTP/2
// listener), the Admin API's live changes (:598; a reload is tested in http-log.test.ts) and the
// queue's debug lines naming the instance (:403).
import { createServer, type Server } from 'node:net'
import t from 'tap'
import { startCollector, waitFor } from '../helpers/collector.js'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'
import type { Handler } from '../helpers/upstream.js'

// The spec's mock upstream: /status/NNN answers NNN.
const statusUpstream: Handler = (req, res) => {
  const m = /^\/status\/(\d{3})/.exec(req.url ?? '')
  res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' })
  res.end('ok')
}

/** A service `mock` with one route per Host, each with its own http-log config (YAML flow). */
const KONG_YML = (routes: Record<string, string>, global = '') => `_format_version: "3.0"
services:
  - name: mock
    url: $UPSTREAM
    routes:
${Object.entries(routes)
  .map(([host, config]) => `      - name: ${host.replaceAll('.', '-')}\n        hosts: [${host}]\n        plugins: [{ name: http-log, config: ${config} }]`)
  .join('\n')}
${global}`

t.test('the collector gets the configured Content-Type, with or without charset', async (t) => {
  // spec/03-plugins/03-http-log/01-log_spec.lua:417, :431
  const c = await startCollector(t)
  const { send } = await pluginGateway(
    t,
    KONG_YML({
      'json.test': `{ http_endpoint: "${c.url}/json", content_type: application/json }`,
      'charset.test': `{ http_endpoint: "${c.url}/charset", content_type: "application/json; charset=utf-8" }`,
    }),
    statusUpstream,
  )
  t.equal((await send('/status/200', { headers: { host: 'json.test' } })).status, 200)
  t.equal((await send('/status/200', { headers: { host: 'charset.test' } })).status, 200)
  t.ok(await waitFor(() => c.received.length === 2))
  const byPath = Object.fromEntries(c.received.map((r) => [r.url, r]))
  t.equal(byPath['/json']!.headers['content-type'], 'application/json')
  t.equal(byPath['/charset']!.headers['content-type'], 'application/json; charset=utf-8')
  for (const r of c.received) t.equal(JSON.parse(r.body).client_ip, '127.0.0.1')
})

t.test('the collector gets a Host header with the endpoint host and port', async (t) => {
  // spec/03-plugins/03-http-log/01-log_spec.lua:579
  const c = await startCollector(t)
  const { send } = await pluginGateway(t, KONG_YML({ 'http_host_header.test': `{ http_endpoint: "${c.url}/post_log/http_host_header" }` }), statusUpstream)
  t.equal((await send('/status/200', { headers: { host: 'http_host_header.test' } })).status, 200)
  t.ok(await waitFor(() => c.received.length === 1))
  t.equal(c.received[0]!.headers.host, `127.0.0.1:${c.port}`)
})

t.test('header values from the env vault are dereferenced', async (t) => {
  // spec/03-plugins/03-http-log/01-log_spec.lua:565
  const c = await startCollector(t)
  const { send } = await pluginGateway(
    t,
    KONG_YML({
      'vault_headers_logging.test': `{ http_endpoint: "${c.url}/vault_header", headers: { key1: value1, key2: "{vault://env/http-log-vault-header}" } }`,
    }),
    statusUpstream,
    { env: { HTTP_LOG_VAULT_HEADER: 'from-the-vault' } },
  )
  t.equal((await send('/status/200', { headers: { host: 'vault_headers_logging.test' } })).status, 200)
  t.ok(await waitFor(() => c.received.length === 1))
  t.equal(c.received[0]!.headers.key1, 'value1')
  t.equal(c.received[0]!.headers.key2, 'from-the-vault')
})

t.test('two routes, two endpoints: each queue sends only its own entries', async (t) => {
  // spec/03-plugins/03-http-log/01-log_spec.lua:812 ("does not mix buffers")
  const c = await startCollector(t)
  const batch = (path: string) => `{ http_endpoint: "${c.url}${path}", queue: { max_batch_size: 5, max_coalescing_delay: 0.1 } }`
  const { send } = await pluginGateway(
    t,
    KONG_YML({ 'http_queue_logging.test': batch('/queue1'), 'http_queue_logging2.test': batch('/queue2') }),
    statusUpstream,
  )
  const n = 20
  for (let i = 1; i <= n; i++) {
    t.equal((await send(`/status/${200 + (i % 10)}`, { headers: { host: 'http_queue_logging.test' } })).status, 200 + (i % 10))
    t.equal((await send(`/status/${300 + (i % 10)}`, { headers: { host: 'http_queue_logging2.test' } })).status, 300 + (i % 10))
  }
  const entries = (path: string) => c.received.filter((r) => r.url === path).flatMap((r) => JSON.parse(r.body) as { response: { status: number } }[])
  t.ok(await waitFor(() => entries('/queue1').length === n && entries('/queue2').length === n))
  const statuses = (path: string) => entries(path).map((e) => e.response.status)
  t.ok(
    statuses('/queue1').every((s) => s >= 200 && s < 210),
    'queue 1: only 2xx',
  )
  t.ok(
    statuses('/queue2').every((s) => s >= 300 && s < 310),
    'queue 2: only 3xx',
  )
  t.same(
    statuses('/queue1').sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => 200 + (i % 10)).sort((a, b) => a - b),
  )
})

t.test('enabled globally: a request that matches no route is logged, without an error', async (t) => {
  // spec/03-plugins/03-http-log/01-log_spec.lua:943
  const c = await startCollector(t)
  const { lines, pluginLog } = pluginLines()
  const { send } = await pluginGateway(
    t,
    `_format_version: "3.0"
plugins:
  - name: http-log
    config: { http_endpoint: "${c.url}/post_log/http" }
`,
    undefined,
    { pluginLog },
  )
  t.equal((await send('/nonexistant/proxy/path', { headers: { host: 'http_no_exist.test' } })).status, 404)
  t.ok(await waitFor(() => c.received.length === 1))
  const rec = JSON.parse(c.received[0]!.body)
  t.equal(rec.client_ip, '127.0.0.1')
  t.equal(rec.response.status, 404)
  t.notOk('route' in rec)
  t.notOk('service' in rec)
  t.same(lines, [], 'nothing logged')
})

t.test("a collector that does not answer: Kong's words for a layer 4 failure, the request is served", async (t) => {
  // spec/03-plugins/03-http-log/01-log_spec.lua:520
  const sockets = new Set<import('node:net').Socket>()
  const silent: Server = createServer((s) => void sockets.add(s))
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        silent.close(() => r())
      }),
  )
  const port = (silent.address() as { port: number }).port
  const { lines, pluginLog } = pluginLines()
  const { send } = await pluginGateway(
    t,
    KONG_YML({ 'https_logging_faulty.test': `{ http_endpoint: "http://127.0.0.1:${port}/delay/5", timeout: 100, queue: { max_retry_time: 0.5 } }` }),
    statusUpstream,
    { pluginLog },
  )
  t.equal((await send('/status/200', { headers: { host: 'https_logging_faulty.test' } })).status, 200)
  const expected = `handler could not process entries: failed request to 127.0.0.1:${port}: timeout`
  t.ok(await waitFor(() => lines.some((l) => l.msg.endsWith(expected))), expected)
})

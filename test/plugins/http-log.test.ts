// http-log against a real upstream and a real log collector: the serializer
// record (every key), redaction, batching, retries, a collector that is down
// (requests keep flowing, the queue stays bounded) and the schema.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { LOG_QUEUES } from '../../src/plugins/shared/queue.js'
import type { TestGateway } from '../helpers/gateway.js'

/** What waits in the gateway's log queues. */
const queuesOf = (gw: TestGateway) => () => gw.node.slot(LOG_QUEUES).sizes()
import { DEFAULT_WORKSPACE_ID } from '../../src/plugins/shared/log-serializer.js'
import type { Plugin } from '../../src/config/model.js'
import type { PluginLog } from '../../src/plugins/types.js'
import { startCollector, waitFor } from '../helpers/collector.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (httpLog: string, extra = '') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
      - name: closed
        paths: [/closed]
        plugins:
          - name: request-termination
            config: { status_code: 403, message: closed }
consumers:
  - username: alice
    custom_id: alice-1
    keyauth_credentials:
      - key: alice-key
plugins:
  - name: http-log
    config:
${httpLog.replace(/^/gm, '      ')}
${extra}`

function collectLogs(lines: string[]): { pluginLog: (p: Plugin) => PluginLog } {
  const push = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`)
  return { pluginLog: () => ({ error: push('error'), warn: push('warn'), info: push('info'), debug: () => {} }) }
}

// spec/01-unit/10-log_serializer_spec.lua:68 (the record's fields), :118 (route, service), :131 (consumer),
// :142 (authenticated_entity), :209 (upstream_uri keeps the query); spec/03-plugins/03-http-log/01-log_spec.lua:538
// (user info as Basic auth beside a configured header)
t.test('the record: every key of Kong serializer, Authorization redacted, user info as Basic auth', async (t) => {
  const c = await startCollector(t)
  const endpoint = c.url.replace('http://', 'http://logger:s3cret@') + '/logs?tag=1'
  const yaml = CONFIG(
    `http_endpoint: ${endpoint}\nheaders: { X-Token: abc }`,
    `  - name: key-auth
    route: app
    config: { key_names: [apikey] }
  - name: correlation-id
`,
  )
  const { send, gw, up } = await pluginGateway(t, yaml)
  const r = await send('/some/path?a=1&b&c=1&c=2&d=x+y', {
    headers: { apikey: 'alice-key', authorization: 'Bearer secret-token', 'proxy-authorization': 'Basic Zm9vOmJhcg==' },
  })
  t.equal(r.status, 200)
  t.ok(await waitFor(() => c.received.length === 1))
  const got = c.received[0]!
  t.equal(got.method, 'POST')
  t.equal(got.url, '/logs?tag=1')
  t.equal(got.headers['content-type'], 'application/json')
  t.equal(got.headers.authorization, `Basic ${Buffer.from('logger:s3cret').toString('base64')}`)
  t.equal(got.headers['x-token'], 'abc')
  t.equal(got.headers['content-length'], String(Buffer.byteLength(got.body)))
  const rec = JSON.parse(got.body)
  t.same(Object.keys(rec), [
    'request',
    'upstream_uri',
    'upstream_status',
    'response',
    'latencies',
    'tries',
    'authenticated_entity',
    'route',
    'service',
    'consumer',
    'client_ip',
    'started_at',
    'source',
    'workspace',
    'workspace_name',
    'correlation_id',
  ])
  const port = new URL(gw.url).port
  t.same(Object.keys(rec.request), ['id', 'uri', 'url', 'querystring', 'method', 'headers', 'size'])
  t.match(rec.request.id, /^[0-9a-f]{32}$/)
  t.equal(rec.request.id, r.headers['x-kong-request-id'])
  t.equal(rec.request.uri, '/some/path?a=1&b&c=1&c=2&d=x+y')
  t.equal(rec.request.url, `http://127.0.0.1:${port}/some/path?a=1&b&c=1&c=2&d=x+y`)
  t.same(rec.request.querystring, { a: '1', b: true, c: ['1', '2'], d: 'x y' })
  t.equal(rec.request.method, 'GET')
  t.equal(rec.request.headers.authorization, 'REDACTED')
  t.equal(rec.request.headers['proxy-authorization'], 'REDACTED')
  t.equal(rec.request.headers.apikey, 'alice-key', 'Kong redacts only the two Authorization headers')
  t.notOk(got.body.includes('secret-token'))
  t.ok(rec.request.size > 100, `request size ${rec.request.size}`)
  t.equal(rec.upstream_uri, '/some/path?a=1&b&c=1&c=2&d=x+y')
  t.equal(rec.upstream_status, '200')
  t.equal(rec.response.status, 200)
  t.equal(rec.response.headers['content-type'], 'application/json')
  t.ok(rec.response.size > Number(r.headers['content-length']), 'response size counts headers and body')
  t.same(Object.keys(rec.latencies), ['kong', 'proxy', 'request', 'receive'])
  for (const k of ['kong', 'proxy', 'request', 'receive'])
    t.ok(Number.isInteger(rec.latencies[k]) && rec.latencies[k] >= 0, `latencies.${k} = ${rec.latencies[k]}`)
  t.match(rec.tries, [{ ip: '127.0.0.1', port: up.port }])
  t.equal(rec.tries.length, 1)
  t.match(rec.authenticated_entity, { id: /^[0-9a-f-]{36}$/ })
  t.match(rec.route, { name: 'app', paths: ['/'], ws_id: DEFAULT_WORKSPACE_ID, service: { id: rec.service.id } })
  t.match(rec.service, { name: 'app', host: '127.0.0.1', port: up.port, protocol: 'http', ws_id: DEFAULT_WORKSPACE_ID })
  t.same(rec.consumer, { id: rec.consumer.id, username: 'alice', custom_id: 'alice-1', ws_id: DEFAULT_WORKSPACE_ID })
  t.equal(rec.client_ip, '127.0.0.1')
  t.ok(Math.abs(rec.started_at - Date.now()) < 5000 && Number.isInteger(rec.started_at))
  t.equal(rec.source, 'upstream')
  t.equal(rec.workspace, DEFAULT_WORKSPACE_ID)
  t.equal(rec.workspace_name, 'default')
  t.equal(rec.correlation_id, up.requests[0]!.headers['kong-request-id'])
})

// spec/01-unit/10-log_serializer_spec.lua:182 (source kong); spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:544
// (a route matched, so the balancer was prepared: `tries` is an empty array, not absent)
t.test('a response from the gateway itself: source kong, no upstream fields, proxy -1', async (t) => {
  const c = await startCollector(t)
  const { send } = await pluginGateway(t, CONFIG(`http_endpoint: ${c.url}`))
  const r = await send('/closed')
  t.equal(r.status, 403)
  t.equal(r.reached, undefined)
  t.ok(await waitFor(() => c.received.length === 1))
  const rec = JSON.parse(c.received[0]!.body)
  t.equal(rec.source, 'kong')
  t.equal(rec.response.status, 403)
  t.equal(rec.upstream_uri, '')
  t.equal(rec.upstream_status, '')
  t.equal(rec.latencies.proxy, -1)
  t.equal(rec.latencies.receive, 0)
  t.same(rec.tries, [])
  t.notOk('consumer' in rec)
  t.notOk('authenticated_entity' in rec)
  t.equal(rec.route.name, 'closed')
})

t.test('max_batch_size 3: JSON arrays of 3 records', async (t) => {
  const c = await startCollector(t)
  const { send } = await pluginGateway(t, CONFIG(`http_endpoint: ${c.url}\nmethod: PUT\nqueue: { max_batch_size: 3, max_coalescing_delay: 10 }`))
  for (let i = 0; i < 6; i++) t.equal((await send(`/b${i}`)).status, 200)
  t.ok(await waitFor(() => c.received.length === 2))
  const batches = c.received.map((r) => JSON.parse(r.body))
  t.equal(c.received[0]!.method, 'PUT')
  t.ok(batches.every((b) => Array.isArray(b) && b.length === 3))
  t.same(
    batches.flat().map((rec: { request: { uri: string } }) => rec.request.uri),
    ['/b0', '/b1', '/b2', '/b3', '/b4', '/b5'],
  )
})

t.test('a failing collector is retried with backoff until it accepts', async (t) => {
  const c = await startCollector(t, (n) => (n <= 2 ? 500 : 200))
  const lines: string[] = []
  const { send } = await pluginGateway(t, CONFIG(`http_endpoint: ${c.url}\nqueue: { initial_retry_delay: 0.05 }`), undefined, collectLogs(lines))
  t.equal((await send('/retry')).status, 200)
  t.ok(await waitFor(() => c.received.length === 3))
  t.equal(new Set(c.received.map((r) => r.body)).size, 1, 'the same record each time')
  const warnings = lines.filter((l) => l.includes('handler could not process entries'))
  t.equal(warnings.length, 2)
  t.match(warnings[0], `request to 127.0.0.1:${c.port} returned status code 500 and body nope`)
})

t.test("max_retry_time: a batch is given up with Kong's message", async (t) => {
  const c = await startCollector(t, () => 503)
  const lines: string[] = []
  const { send } = await pluginGateway(
    t,
    CONFIG(`http_endpoint: ${c.url}\nqueue: { initial_retry_delay: 0.02, max_retry_time: 0.1 }`),
    undefined,
    collectLogs(lines),
  )
  await send('/lost')
  t.ok(await waitFor(() => lines.some((l) => l.includes('could not send entries due to max_retry_time exceeded. 1 queue entries were lost'))))
  t.ok(c.received.length >= 2, `retried ${c.received.length} times`)
})

t.test('collector down: requests keep flowing and the queue stays bounded', async (t) => {
  const c = await startCollector(t)
  await c.close()
  const lines: string[] = []
  const name = `POST ${c.url}/down`
  const { send, gw } = await pluginGateway(
    t,
    CONFIG(`http_endpoint: ${c.url}/down\nqueue: { max_entries: 5, initial_retry_delay: 30, max_retry_time: 60 }`),
    undefined,
    collectLogs(lines),
  )
  const queueSizes = queuesOf(gw)
  const started = Date.now()
  for (let i = 0; i < 20; i++) t.equal((await send(`/d${i}`)).status, 200)
  t.ok(Date.now() - started < 3000, 'no request waited on the log server')
  t.ok(await waitFor(() => lines.some((l) => l.includes(`failed request to 127.0.0.1:${c.port}`))))
  const q = queueSizes().find((s) => s.name === name)
  t.ok(q, 'the queue exists')
  t.equal(q!.entries, 5, 'max_entries entries wait; the oldest were dropped')
  t.ok(lines.some((l) => l === `error queue ${name}: queue full, dropping old entries until processing is successful again`))
  t.ok(lines.some((l) => l === `warn queue ${name}: queue at 80% capacity`))
  t.notOk(lines.join('\n').includes('s3cret'))
})

t.test('max_bytes bounds the queue by size', async (t) => {
  const c = await startCollector(t)
  await c.close()
  const lines: string[] = []
  const name = `POST ${c.url}/bytes`
  const { send, gw } = await pluginGateway(
    t,
    CONFIG(`http_endpoint: ${c.url}/bytes\nqueue: { max_bytes: 4000, initial_retry_delay: 30 }`),
    undefined,
    collectLogs(lines),
  )
  const queueSizes = queuesOf(gw)
  for (let i = 0; i < 10; i++) await send(`/m${i}`)
  t.ok(await waitFor(() => lines.some((l) => /byte capacity exceeded, \d+ queue entries were dropped/.test(l))))
  const q = queueSizes().find((s) => s.name === name)!
  t.ok(q.bytes <= 4000 && q.entries >= 1, `${q.entries} entries, ${q.bytes} bytes`)
})

t.test('a reload with the same settings keeps the queue and what waits in it', async (t) => {
  const c = await startCollector(t)
  await c.close()
  const name = `POST ${c.url}/reload`
  const yaml = CONFIG(`http_endpoint: ${c.url}/reload\nqueue: { max_batch_size: 2, max_coalescing_delay: 30 }`)
  const { send, gw } = await pluginGateway(t, yaml)
  const queueSizes = queuesOf(gw)
  await send('/r1')
  t.ok(await waitFor(() => queueSizes().find((s) => s.name === name)?.entries === 1))
  const { readFileSync, writeFileSync } = await import('node:fs')
  writeFileSync(gw.file, `${readFileSync(gw.file, 'utf8')}\n# touched\n`)
  t.equal((await gw.reload()).result, 'applied')
  await send('/r2')
  t.ok(
    await waitFor(() => queueSizes().filter((s) => s.name === name).length === 1 && queueSizes().find((s) => s.name === name)!.entries === 0),
    'both went out as one batch',
  )
})

t.test('schema: defaults, forbidden headers, userinfo with Authorization, Lua fields, bad values', async (t) => {
  const base = (config: string) => `_format_version: "3.0"\nplugins:\n  - name: http-log\n    config: ${config}\n`
  const ok = loadConfig(base('{ http_endpoint: "http://h.test/x" }'), { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, {
      http_endpoint: 'http://h.test/x',
      method: 'POST',
      content_type: 'application/json',
      timeout: 10000,
      keepalive: 60000,
      queue: {
        max_batch_size: 1,
        max_coalescing_delay: 1,
        max_entries: 10000,
        max_retry_time: 60,
        initial_retry_delay: 0.01,
        max_retry_delay: 60,
        concurrency_limit: 1,
      },
    })
  }
  const issues = (config: string) => {
    const r = loadConfig(base(config), { file: 'k.yml' })
    return r.ok ? '' : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')
  }
  t.match(issues('{ http_endpoint: "http://h.test", headers: { Host: a } }'), /config\.headers\.Host cannot contain 'Host' header/)
  t.match(issues('{ http_endpoint: "http://h.test", headers: { coNTEnt-Length: "1" } }'), /cannot contain 'Content-Length' header/)
  t.match(issues('{ http_endpoint: "http://h.test", headers: { content-type: a } }'), /cannot contain 'Content-Type' header/)
  t.match(issues('{ http_endpoint: "http://h.test", headers: { X-A: "" } }'), /length must be at least 1/)
  t.match(
    issues('{ http_endpoint: "http://u:p@h.test", headers: { AuthoRIZATion: a } }'),
    /^4:13 .*specifying both an 'Authorization' header and user info in 'http_endpoint' is not allowed/,
  )
  t.equal(issues('{ http_endpoint: "http://h.test", custom_fields_by_lua: { a: "return 1" } }'), '')
  t.equal(
    issues('{ http_endpoint: "http://h.test", custom_fields_by_lua: { a: "return (" } }'),
    `4:74 plugins[0].config.custom_fields_by_lua.a Error parsing function: [string "return ("]:1: unexpected symbol near '<eof>'`,
  )
  t.equal(issues('{ http_endpoint: "http://h.test", custom_fields_by_lua: {} }'), '')
  t.match(issues('{ method: GET }'), /config\.http_endpoint.*\n.*config\.method expected one of: POST, PUT, PATCH/)
  // luasocket reads a url with no `//` as a bare path: Kong's first complaint is the host.
  t.match(issues('{ http_endpoint: "h.test" }'), /missing host in url/)
  t.match(issues('{ http_endpoint: "//h.test/log" }'), /missing scheme in url/)
  const queue = issues('{ http_endpoint: "http://h.test", queue: { max_batch_size: 0, concurrency_limit: 2, initial_retry_delay: 0 } }')
  t.match(queue, /4:72 plugins\[0\]\.config\.queue\.max_batch_size value should be between 1 and 1000000/)
  t.match(queue, /config\.queue\.concurrency_limit expected one of: -1, 1/)
  t.match(queue, /config\.queue\.initial_retry_delay value should be between 0.001 and 1000000/)
  t.match(issues('{ http_endpoint: "http://h.test", queue_size: 1.5 }'), /config\.queue_size expected an integer/)
})

// spec/03-plugins/03-http-log/01-log_spec.lua:667
t.test('concurrency_limit -1: no queue, each record is sent on its own at once', async (t) => {
  const c = await startCollector(t)
  const name = `POST ${c.url}/unlimited`
  const { send, gw } = await pluginGateway(
    t,
    CONFIG(`http_endpoint: ${c.url}/unlimited\nqueue: { concurrency_limit: -1, max_batch_size: 5, max_coalescing_delay: 30 }`),
  )
  const queueSizes = queuesOf(gw)
  for (let i = 0; i < 3; i++) await send(`/u${i}`)
  t.ok(await waitFor(() => c.received.length === 3), 'not held back for coalescing')
  // Kong picks the payload shape from max_batch_size alone: an array, of one record here.
  t.ok(
    c.received.every((r) => JSON.parse(r.body).length === 1),
    'one record per request',
  )
  t.notOk(queueSizes().some((s) => s.name === name && s.entries > 0))
})

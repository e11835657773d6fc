// Kong's plugins-triggering spec (spec/02-integration/05-proxy/04-plugins_triggering_spec.lua) and its
// collect-plugin-errors spec (29-collect-plugin-errors_spec.lua) through a real gateway: which
// instance runs for a consumer, route, service or globally; what runs on a short-circuited request,
// on a plugin's error and on the gateway's own 4xx and 5xx; what the log plugins see. Kong's test
// plugins (error-handler-log, error-generator, dummy) are written here against the kit with the
// behaviour of their fixtures.
// Not ported: "plugin's init_worker" (:1072, no init_worker phase in the kit; [runtime-configured]
// needs the Admin API) and the TLS keep-alive case (:1283, Kong's certificate phase).
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import * as z from 'zod'
import { pluginSet, type CustomPlugin } from '../../src/plugins/set.js'
import { ANY_SCOPE, defineHandler, definePlugin, PROTOCOLS_ALL, type Kit } from '../../src/plugins/types.js'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

const NO_CONFIG = z.strictObject({})

function custom(name: string, priority: number, config: z.ZodType, create: (conf: never) => object): CustomPlugin {
  return {
    definition: definePlugin({ name, priority, version: '0.0.0', config: config as typeof NO_CONFIG, protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE }),
    handler: defineHandler({ name, create: create as () => object }) as CustomPlugin['handler'],
  }
}

/** spec/fixtures/custom_plugins/kong/plugins/error-handler-log: the phases it ran in, the service matched, a body of its own. */
const errorHandlerLog = custom('error-handler-log', 1000, NO_CONFIG, () => {
  const phases = (kit: Kit) => ((kit.shared.errHandlerLogPhases as string[] | undefined) ??= [])
  return {
    rewrite: (kit: Kit) => void phases(kit).push('rewrite'),
    access: (kit: Kit) => void phases(kit).push('access'),
    headerFilter(kit: Kit) {
      phases(kit).push('header_filter')
      kit.response.setHeader('log-plugin-phases', phases(kit).join(','))
      if (kit.service?.name) kit.response.setHeader('log-plugin-service-matched', kit.service.name)
    },
    bodyFilter: () => 'body_filter',
  }
})

/** spec/fixtures/custom_plugins/kong/plugins/error-generator: fails in access (priority one below Kong's 1000000, which pre-function holds here). */
const errorGenerator = custom('error-generator', 999999, z.strictObject({ access: z.boolean().default(false) }), (conf: { access: boolean }) => ({
  access() {
    if (conf.access) throw new Error('[error-generator] access')
  },
}))

/** spec/fixtures/custom_plugins/kong/plugins/dummy: exits 404 on ?send_error, marks the headers, appends to the body. */
const dummy = custom('dummy', 1001, z.strictObject({ append_body: z.string().optional() }), (conf: { append_body?: string }) => ({
  access(kit: Kit) {
    if (kit.request.query.has('send_error')) return { status: 404, message: 'Not found' }
    kit.response.setHeader('dummy-plugin-access-header', 'dummy')
    return undefined
  },
  headerFilter(kit: Kit) {
    kit.response.setHeader('dummy-plugin', 'dummy')
  },
  bodyFilter(_kit: Kit, body: Buffer) {
    return conf.append_body === undefined ? body : body.toString().slice(0, -1) + conf.append_body
  },
}))

const plugins = pluginSet([errorHandlerLog, errorGenerator, dummy])

/** A status upstream: `/status/<code>` answers that code. */
async function statusUpstream(t: Test): Promise<Upstream> {
  const up = await startUpstream('mock', (req, res, body) => {
    const code = Number(/^\/status\/(\d{3})/.exec(req.url ?? '')?.[1] ?? 200)
    res.writeHead(code, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ url: req.url, body }))
  })
  t.teardown(() => up.close())
  return up
}

async function start(t: Test, config: Record<string, unknown>): Promise<TestGateway> {
  const gw = await gateway(stringify({ _format_version: '3.0', ...config }, { lineWidth: 0 }), { plugins })
  t.teardown(() => gw.close())
  return gw
}

/** The file-log lines written so far to `path`, parsed. */
function logLines(path: string): Record<string, any>[] {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>)
}

async function waitForLogLine(path: string, check: (l: Record<string, any>) => boolean): Promise<Record<string, any> | undefined> {
  for (let i = 0; i < 500; i++) {
    const found = logLines(path).find(check)
    if (found) return found
    await new Promise((r) => setTimeout(r, 10))
  }
  return undefined
}

/** Writes a raw request head on a fresh connection and resolves with everything read until the close. */
function rawExchange(gw: TestGateway, head: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(gw.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let out = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (out += d))
    socket.on('error', reject)
    socket.on('close', () => {
      const end = out.indexOf('\r\n\r\n')
      const [line = '', ...lines] = out.slice(0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim()
      resolve({ status: Number(line.split(' ')[1]), headers, body: out.slice(end + 4) })
    })
    socket.write(head)
  })
}

t.test('Plugins triggering: the instance that runs for a consumer, route, service or globally', async (t) => {
  const up = await statusUpstream(t)
  const gw = await start(t, {
    consumers: [
      { username: 'consumer1', keyauth_credentials: [{ key: 'secret1' }] },
      { username: 'consumer2', keyauth_credentials: [{ key: 'secret2' }] },
      { username: 'anonymous' },
    ],
    services: [
      { name: 'global1', url: up.url, routes: [{ name: 'global1', hosts: ['global1.test'], protocols: ['http'] }] },
      { name: 'api1', url: up.url, routes: [{ name: 'api1', hosts: ['api1.test'], protocols: ['http'] }] },
      { name: 'api2', url: up.url, routes: [{ name: 'api2', hosts: ['api2.test'], protocols: ['http'] }] },
      { name: 'api3', url: up.url, routes: [{ name: 'api3', hosts: ['api3.test'], protocols: ['http'] }] },
      { name: 'service-error', url: up.url, routes: [{ name: 'service-error', hosts: ['service-error.test'], protocols: ['http'] }] },
    ],
    plugins: [
      { name: 'key-auth', config: {} },
      { name: 'rate-limiting', config: { policy: 'local', hour: 1 } },
      { name: 'rate-limiting', route: 'api1', service: 'api1', config: { policy: 'local', hour: 2 } },
      { name: 'rate-limiting', consumer: 'consumer2', config: { policy: 'local', hour: 3 } },
      { name: 'rate-limiting', route: 'api2', consumer: 'consumer2', config: { policy: 'local', hour: 4 } },
      { name: 'key-auth', route: 'api3', service: 'api3', config: { anonymous: 'anonymous' } },
      { name: 'rate-limiting', route: 'api3', service: 'api3', consumer: 'anonymous', config: { policy: 'local', hour: 5 } },
      { name: 'error-generator', service: 'service-error', config: { access: true } },
      { name: 'error-handler-log', service: 'service-error', config: {} },
    ],
  })
  const send = (path: string, host: string) => fetchRaw(`${gw.url}${path}`, { headers: { host } })

  t.test('checks global configuration without credentials', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:238
    t.equal((await send('/status/200', 'global1.test')).status, 401)
  })

  t.test('checks global api configuration', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:247
    const r = await send('/status/200?apikey=secret1', 'global1.test')
    t.equal(r.status, 200)
    t.equal(r.headers['x-ratelimit-limit-hour'], '1')
  })

  t.test('checks api specific configuration', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:257
    const r = await send('/status/200?apikey=secret1', 'api1.test')
    t.equal(r.status, 200)
    t.equal(r.headers['x-ratelimit-limit-hour'], '2')
  })

  t.test('checks global consumer configuration', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:267
    const r = await send('/status/200?apikey=secret2', 'global1.test')
    t.equal(r.status, 200)
    t.equal(r.headers['x-ratelimit-limit-hour'], '3')
  })

  t.test('checks consumer specific configuration', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:277
    const r = await send('/status/200?apikey=secret2', 'api2.test')
    t.equal(r.status, 200)
    t.equal(r.headers['x-ratelimit-limit-hour'], '4')
  })

  t.test('checks anonymous consumer specific configuration', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:287
    const r = await send('/status/200', 'api3.test')
    t.equal(r.status, 200)
    t.equal(r.headers['x-ratelimit-limit-hour'], '5')
  })

  t.test('builds complete plugins iterator even when plugin errors', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:297
    const r = await send('/status/200', 'service-error.test')
    t.equal(r.status, 500)
    t.equal(r.headers['log-plugin-phases'], 'header_filter', 'access stopped at the error; the response phases still ran')
  })
})

t.test('short-circuited requests', async (t) => {
  const up = await statusUpstream(t)
  const log = join(mkdtempSync(join(tmpdir(), 'gw-trigger-')), 'file.log')
  const gw = await start(t, {
    services: [
      {
        name: 'example',
        url: up.url,
        routes: [{ name: 'mock_upstream', hosts: ['mock_upstream'], protocols: ['http'] }],
      },
      { name: 'example_err', url: up.url, routes: [{ name: 'mock_upstream_err', hosts: ['mock_upstream_err'], protocols: ['http'] }] },
    ],
    plugins: [
      { name: 'key-auth', route: 'mock_upstream' },
      { name: 'dummy', route: 'mock_upstream', config: { append_body: 'appended from body filtering' } },
      { name: 'file-log', route: 'mock_upstream', config: { path: log } },
      { name: 'dummy', route: 'mock_upstream_err', config: { append_body: 'obtained even with error' } },
      { name: 'file-log', route: 'mock_upstream_err', config: { path: log } },
    ],
  })

  t.test('execute a log plugin', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:417
    const uuid = crypto.randomUUID()
    const r = await fetchRaw(`${gw.url}/status/200`, { headers: { host: 'mock_upstream', 'x-uuid': uuid } })
    t.equal(r.status, 401)
    t.ok(await waitForLogLine(log, (l) => l.request.headers['x-uuid'] === uuid), 'file-log wrote the 401')
  })

  t.test('execute a header_filter plugin', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:437
    const r = await fetchRaw(`${gw.url}/status/200`, { headers: { host: 'mock_upstream' } })
    t.equal(r.status, 401)
    t.equal(r.headers['dummy-plugin'], 'dummy')
  })

  t.test('execute a body_filter plugin', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:455
    const r = await fetchRaw(`${gw.url}/status/200`, { headers: { host: 'mock_upstream' } })
    t.equal(r.status, 401)
    t.match(r.body, 'appended from body filtering')
  })

  t.test('responses.send stops plugin but runloop continues', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:472
    const uuid = crypto.randomUUID()
    const r = await fetchRaw(`${gw.url}/status/200?send_error=1`, { headers: { host: 'mock_upstream_err', 'x-uuid': uuid } })
    t.equal(r.status, 404)
    t.not(r.headers['dummy-plugin-access-header'], 'dummy', 'the access phase stopped at the exit')
    t.match(r.body, 'obtained even with error', "the same plugin's body_filter ran")
    t.ok(await waitForLogLine(log, (l) => l.request.headers['x-uuid'] === uuid), 'the log phase ran')
  })
})

t.test('anonymous reports execution: runs without causing an internal error', async (t) => {
  // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:570
  const up = await statusUpstream(t)
  const gw = await start(t, {
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'abcd' }] }],
    services: [{ name: 'example', url: up.url, routes: [{ name: 'r', hosts: ['mock_upstream'], protocols: ['http'], plugins: [{ name: 'key-auth' }] }] }],
  })
  t.equal((await fetchRaw(`${gw.url}/status/200`, { headers: { host: 'mock_upstream' } })).status, 401)
  t.equal((await fetchRaw(`${gw.url}/status/200`, { headers: { host: 'mock_upstream', apikey: 'abcd' } })).status, 200)
})

t.test('proxy-intercepted error', async (t) => {
  const up = await statusUpstream(t)
  const blackhole = await startUpstream('blackhole', (_req, res) => {
    const timer = setTimeout(() => res.end('late'), 5000)
    res.on('close', () => clearTimeout(timer))
  })
  t.teardown(() => blackhole.close())
  const log = join(mkdtempSync(join(tmpdir(), 'gw-trigger-')), 'file.log')
  const fileLog = { name: 'file-log', config: { path: log, reopen: true } }
  const gw = await start(t, {
    services: [
      {
        name: 'conn_refused',
        url: 'http://127.0.0.1:1',
        retries: 0,
        routes: [{ name: 'refused', hosts: ['refused'], protocols: ['http'] }],
        plugins: [fileLog],
      },
      { name: 'unavailable', url: up.url, routes: [{ name: 'unavailable', hosts: ['unavailable'], protocols: ['http'] }], plugins: [fileLog] },
      {
        name: 'timeout',
        url: blackhole.url,
        read_timeout: 1,
        retries: 0,
        routes: [{ name: 'connect_timeout', hosts: ['connect_timeout'], protocols: ['http'] }],
        plugins: [fileLog],
      },
      {
        name: 'runtime_exception',
        url: up.url,
        routes: [{ name: 'runtime_exception', hosts: ['runtime_exception'], protocols: ['http'] }],
        plugins: [
          {
            name: 'pre-function',
            config: {
              access: ["local nilValue = nil\nkong.log.info('test' .. nilValue)"],
              header_filter: ["ngx.header['X-Source'] = kong.response.get_source()"],
            },
          },
        ],
      },
    ],
    plugins: [fileLog, { name: 'error-handler-log', config: {} }],
  })
  const send = (path: string, host: string) => fetchRaw(`${gw.url}${path}`, { headers: { host } })

  t.test('executes a log plugin on Bad Gateway (HTTP 502)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:767
    const uuid = crypto.randomUUID()
    const r = await fetchRaw(`${gw.url}/status/200`, { headers: { host: 'refused', 'x-uuid': uuid } })
    t.equal(r.status, 502)
    t.ok(await waitForLogLine(log, (l) => l.request.headers['x-uuid'] === uuid))
  })

  t.test('log plugins sees same request in error_page handler (HTTP 502)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:788
    const uuid = crypto.randomUUID()
    const r = await fetchRaw(`${gw.url}/status/200?foo=bar`, { method: 'POST', headers: { host: 'refused', 'x-uuid': uuid } })
    t.equal(r.status, 502)
    const line = await waitForLogLine(log, (l) => l.request.headers['x-uuid'] === uuid)
    t.equal(line?.request.headers.host, 'refused')
    t.equal(line?.request.method, 'POST')
    t.equal(line?.request.querystring.foo, 'bar')
    t.equal(line?.upstream_uri, '/status/200?foo=bar')
  })

  t.test('executes a log plugin on Service Unavailable (HTTP 503)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:819
    const uuid = crypto.randomUUID()
    const r = await fetchRaw(`${gw.url}/status/503`, { headers: { host: 'unavailable', 'x-uuid': uuid } })
    t.equal(r.status, 503)
    t.ok(await waitForLogLine(log, (l) => l.request.headers['x-uuid'] === uuid))
  })

  t.test('executes a log plugin on Gateway Timeout (HTTP 504)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:840
    const uuid = crypto.randomUUID()
    const r = await fetchRaw(`${gw.url}/status/200`, { headers: { host: 'connect_timeout', 'x-uuid': uuid } })
    t.equal(r.status, 504)
    t.ok(await waitForLogLine(log, (l) => l.request.headers['x-uuid'] === uuid))
  })

  t.test('log plugins sees same request in error_page handler (HTTP 504)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:861
    const uuid = crypto.randomUUID()
    const r = await fetchRaw(`${gw.url}/status/200?foo=bar`, { method: 'POST', headers: { host: 'connect_timeout', 'x-uuid': uuid } })
    t.equal(r.status, 504)
    const line = await waitForLogLine(log, (l) => l.request.headers['x-uuid'] === uuid)
    t.equal(line?.request.headers.host, 'connect_timeout')
    t.equal(line?.request.method, 'POST')
    t.equal(line?.request.querystring.foo, 'bar')
    t.equal(line?.upstream_uri, '/status/200?foo=bar')
  })

  t.test('executes a global log plugin on Nginx-produced client errors (HTTP 400)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:892 and :920
    const uuid = crypto.randomUUID()
    const r = await rawExchange(gw, `POST /status/200?foo=bar HTTP/1.1\r\nHost: unavailable\r\nX-Large: ${'a'.repeat(10 * 1024)}\r\nX-UUID: ${uuid}\r\n\r\n`)
    t.equal(r.status, 400)
    const line = await waitForLogLine(log, (l) => l.response.status === 400)
    t.ok(line, 'the global file-log wrote the 400')
    t.equal(line?.request.method, 'POST')
    t.equal(line?.request.querystring.foo, 'bar')
    t.equal(line?.upstream_uri, '', 'no upstream URI: the request never got that far')
  })

  t.test('executes a global log plugin on Nginx-produced client errors (HTTP 414)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:955 and :983
    const uuid = crypto.randomUUID()
    const r = await rawExchange(gw, `POST /?foo=${'a'.repeat(10 * 1024)} HTTP/1.1\r\nHost: unavailable\r\nX-UUID: ${uuid}\r\n\r\n`)
    t.equal(r.status, 414)
    const line = await waitForLogLine(log, (l) => l.response.status === 414)
    t.ok(line, 'the global file-log wrote the 414')
    t.equal(line?.request.method, 'POST')
    t.equal(line?.upstream_uri, '')
    t.same(line?.request.headers, {}, 'no headers: nginx read none past the request line')
  })

  t.test('executes plugins header_filter/body_filter on Nginx-produced client errors (HTTP 4xx)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:1018
    const r = await rawExchange(gw, `GET /?foo=${'a'.repeat(10 * 1024)} HTTP/1.1\r\nHost: unavailable\r\n\r\n`)
    t.equal(r.status, 414)
    t.equal(r.headers['log-plugin-phases'], 'header_filter')
    t.equal(r.body, 'body_filter')
  })

  t.test('executes plugins header_filter/body_filter on Nginx-produced server errors (HTTP 5xx)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:1032
    const r = await send('/status/200', 'connect_timeout')
    t.equal(r.status, 504)
    t.equal(r.headers['log-plugin-phases'], 'rewrite,access,header_filter')
    t.equal(r.body, 'body_filter')
  })

  t.test('sees ctx introspection variables on Nginx-produced server errors (HTTP 5xx)', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:1046
    const r = await send('/status/200', 'connect_timeout')
    t.equal(r.status, 504)
    t.equal(r.headers['log-plugin-service-matched'], 'timeout')
  })

  t.test('kong.response.get_source() returns "error" if plugin runtime exception occurs, FTI-3200', async (t) => {
    // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:1058
    const r = await send('/status/200', 'runtime_exception')
    t.equal(r.status, 500)
    t.equal(r.body, 'body_filter')
    t.equal(r.headers['x-source'], 'error')
  })
})

t.test('Collect plugin errors: delays the error response', async (t) => {
  // spec/02-integration/05-proxy/29-collect-plugin-errors_spec.lua:53
  const up = await statusUpstream(t)
  const log = join(mkdtempSync(join(tmpdir(), 'gw-collect-')), 'file.log')
  const gw = await start(t, {
    services: [
      {
        url: up.url,
        routes: [
          {
            hosts: ['error.test'],
            plugins: [
              { name: 'error-generator', config: { access: true } },
              { name: 'dummy', config: { append_body: ' (body_filter phase)' } },
              { name: 'file-log', config: { path: log } },
            ],
          },
        ],
      },
    ],
  })
  const r = await fetchRaw(`${gw.url}/get`, { headers: { host: 'error.test' } })
  t.equal(r.status, 500)
  t.equal(r.headers['dummy-plugin'], 'dummy', "the other plugin's header_filter phase ran")
  t.match(r.body, / \(body_filter phase\)$/, "the other plugin's body_filter phase ran")
  t.equal(JSON.parse(r.body.replace(/ \(body_filter phase\)$/, '}')).message, 'An unexpected error occurred')
  t.equal(r.headers['dummy-plugin-access-header'], undefined, "the other plugin's access phase did not run after the error")
  const line = await waitForLogLine(log, (l) => l.response.status === 500)
  t.ok(line, "the log phase ran and saw Kong's 500")
})

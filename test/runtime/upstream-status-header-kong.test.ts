// Kong's X-Kong-Upstream-Status spec (spec/02-integration/05-proxy/15-upstream-status-header_spec.lua)
// through a real gateway and a real upstream: the header is opt-in (`headers`), names the
// upstream's status even when a plugin changed the one sent, survives a proxy-cache hit and a
// buffered response, and is absent from an answer that never went upstream.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { startUpstream } from '../helpers/upstream.js'

const yml = (extraGlobal: unknown[] = []) =>
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: [
          {
            name: 'ok',
            paths: ['/status/200'],
            plugins: [
              {
                name: 'proxy-cache',
                config: { response_code: [200], request_method: ['GET'], content_type: ['application/json'], cache_ttl: 300, strategy: 'memory' },
              },
            ],
          },
          {
            // The spec's `dummy` plugin with resp_code 500: a header_filter that changes the status.
            name: 'changed',
            paths: ['/status/plugin-changes-200-to-500'],
            plugins: [{ name: 'post-function', config: { header_filter: ['kong.response.set_status(500)'] } }],
          },
          { name: 'rejected', paths: ['/status/non-proxied-request'], plugins: [{ name: 'key-auth', config: {} }] },
        ],
      },
    ],
    ...(extraGlobal.length ? { plugins: extraGlobal } : {}),
  })

const json = (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"ok":true}')
}

const start = (t: Test, headers: string | undefined, extraGlobal: unknown[] = []) =>
  pluginGateway(t, yml(extraGlobal), json, headers === undefined ? {} : { headers })

t.test('with headers = server_tokens,latency_tokens,x-kong-upstream-status', async (t) => {
  const g = await start(t, 'server_tokens,latency_tokens,x-kong-upstream-status')
  // spec/02-integration/05-proxy/15-upstream-status-header_spec.lua:96
  const plain = await g.send('/status/200')
  t.equal(plain.status, 200)
  t.equal(plain.headers['x-kong-upstream-status'], '200')

  // spec/02-integration/05-proxy/15-upstream-status-header_spec.lua:108
  const changed = await g.send('/status/plugin-changes-200-to-500')
  t.equal(changed.status, 500)
  t.equal(changed.headers['x-kong-upstream-status'], '200', "the upstream's status, not the plugin's")

  // spec/02-integration/05-proxy/15-upstream-status-header_spec.lua:121
  const hit = await g.send('/status/200')
  t.equal(hit.status, 200)
  t.equal(hit.headers['x-cache-status'], 'Hit')
  t.equal(hit.reached, undefined, 'served from the cache')
  t.equal(hit.headers['x-kong-upstream-status'], '200')
})

t.test('not added with the default headers', async (t) => {
  // spec/02-integration/05-proxy/15-upstream-status-header_spec.lua:152
  const g = await start(t, undefined)
  const r = await g.send('/status/200')
  t.equal(r.status, 200)
  t.equal(r.headers['x-kong-upstream-status'], undefined)
})

for (const buffered of [false, true]) {
  t.test(`with headers = X-Kong-Upstream-Status${buffered ? ' (buffered)' : ''}`, async (t) => {
    // spec/02-integration/05-proxy/15-upstream-status-header_spec.lua:196 (buffered: a global
    // body_filter holds the whole response, as the spec's response-phase plugin does)
    const g = await start(t, 'X-Kong-Upstream-Status', buffered ? [{ name: 'post-function', config: { body_filter: ['local _ = ngx.arg[1]'] } }] : [])
    const r = await g.send('/status/200')
    t.equal(r.status, 200)
    t.equal(r.body, '{"ok":true}')
    t.equal(r.headers['x-kong-upstream-status'], '200')
  })
}

t.test('absent from an answer that never went upstream', async (t) => {
  // spec/02-integration/05-proxy/15-upstream-status-header_spec.lua:229
  const g = await start(t, 'X-Kong-Upstream-Status')
  const r = await g.send('/status/non-proxied-request')
  t.equal(r.status, 401)
  t.equal(r.headers['x-kong-upstream-status'], undefined)
})

t.test("a 502 after a try upstream names nginx's status for the try", async (t) => {
  // No spec case: Kong's runloop sets it from nginx's $upstream_status once a try was made
  // (kong/runloop/handler.lua:1539, ctx.KONG_PROXIED set after access, kong/init.lua:1246).
  const free = await startUpstream('dead')
  const port = free.port
  await free.close()
  const gw = await gateway(
    stringify({ _format_version: '3.0', services: [{ name: 'dead', url: `http://127.0.0.1:${port}`, retries: 0, routes: [{ name: 'dead', paths: ['/'] }] }] }),
    { headers: 'X-Kong-Upstream-Status' },
  )
  t.teardown(() => gw.close())
  const r = await fetchRaw(`${gw.url}/`)
  t.equal(r.status, 502)
  t.equal(r.headers['x-kong-upstream-status'], '502')
})

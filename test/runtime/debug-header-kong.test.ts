// Kong's `allow_debug_header` (kong.conf.default; kong/router/utils.lua add_debug_headers) as
// spec/02-integration/05-proxy/02-router_spec.lua uses it: with the setting on (`allowDebugHeader`,
// `--allow-debug-header`), a request carrying `Kong-Debug` gets the matched route's and service's
// ids and names on its answer, proxied or the gateway's own; a request no route takes gets none,
// and the setting is off by default. Real gateway, real upstream, real client.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'
import type { GatewayOptions } from '../../src/server/gateway.js'

const SERVICE_ID = '3f2c1a8e-5b7d-4c6e-9f0a-1b2c3d4e5f60'
const POST_ROUTE_ID = '8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'
const PRIVATE_ROUTE_ID = '9b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e'

/** The spec's routes: POST-only /post, /private (the upstream's 401), a key-auth protected one, a service-less one. */
async function setup(t: Test, opts: Partial<GatewayOptions> = { allowDebugHeader: true }): Promise<TestGateway> {
  // As the spec's mock upstream behind /private (its /basic-auth/ path): a 401 of its own.
  const up = await startUpstream('upstream', (req, res) => {
    res.writeHead(req.url?.startsWith('/private') ? 401 : 200, { 'content-type': 'text/plain' })
    res.end('ok')
  })
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          id: SERVICE_ID,
          name: 'mock-service',
          url: up.url,
          routes: [
            { id: POST_ROUTE_ID, name: 'post-only', methods: ['POST'], paths: ['/post'] },
            { id: PRIVATE_ROUTE_ID, paths: ['/private'], strip_path: false },
            { name: 'protected', paths: ['/protected'], plugins: [{ name: 'key-auth' }] },
          ],
        },
      ],
      routes: [{ name: 'serviceless', hosts: ['serviceless-route-http.test'] }],
    }),
    opts,
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return gw
}

const DEBUG = { 'kong-debug': '1' }

t.test('a matched route and its service are named on the proxied answer', async (t) => {
  const gw = await setup(t)
  // spec/02-integration/05-proxy/02-router_spec.lua:316
  const res = await fetchRaw(`${gw.url}/post`, { method: 'POST', headers: DEBUG })
  t.equal(res.status, 200)
  t.equal(res.headers['kong-route-id'], POST_ROUTE_ID)
  t.equal(res.headers['kong-route-name'], 'post-only')
  t.equal(res.headers['kong-service-id'], SERVICE_ID)
  t.equal(res.headers['kong-service-name'], 'mock-service')
})

t.test('no route matched: no debug headers on the 404', async (t) => {
  const gw = await setup(t)
  // spec/02-integration/05-proxy/02-router_spec.lua:325
  const res = await fetchRaw(`${gw.url}/post`, { method: 'DELETE', headers: DEBUG })
  t.equal(res.status, 404)
  t.equal(res.headers['kong-route-id'], undefined)
  t.equal(res.headers['kong-service-id'], undefined)
  t.equal(res.headers['kong-service-name'], undefined)
})

t.test("an upstream's error answer carries them; an unnamed route has no name", async (t) => {
  const gw = await setup(t)
  // spec/02-integration/05-proxy/02-router_spec.lua:422
  const res = await fetchRaw(`${gw.url}/private/passwd`, { headers: DEBUG })
  t.equal(res.status, 401)
  t.equal(res.headers['kong-route-id'], PRIVATE_ROUTE_ID)
  // An unnamed route: no Kong-Route-Name (kong/router/utils.lua add_debug_headers sets each only when present).
  t.equal(res.headers['kong-route-name'], undefined)
  t.equal(res.headers['kong-service-id'], SERVICE_ID)
  t.equal(res.headers['kong-service-name'], 'mock-service')
})

t.test("a plugin's own answer after the match carries them too", async (t) => {
  const gw = await setup(t)
  // kong/router/utils.lua add_debug_headers: set when the route matches, before any plugin runs.
  const res = await fetchRaw(`${gw.url}/protected`, { headers: { 'Kong-Debug': '1' } })
  t.equal(res.status, 401)
  t.equal(res.json().message, 'No API key found in request')
  t.equal(res.headers['kong-route-name'], 'protected')
  t.equal(res.headers['kong-service-id'], SERVICE_ID)
  t.equal(res.headers['kong-service-name'], 'mock-service')
})

t.test("a service-less route's 503 names the route alone", async (t) => {
  const gw = await setup(t)
  // spec/02-integration/05-proxy/02-router_spec.lua:282 (the 503), with Kong-Debug sent
  const res = await fetchRaw(`${gw.url}/`, { headers: { host: 'serviceless-route-http.test', ...DEBUG } })
  t.equal(res.status, 503)
  t.equal(res.json().message, 'no Service found with those values')
  t.equal(res.headers['kong-route-name'], 'serviceless')
  t.match(res.headers['kong-route-id'], /^[0-9a-f-]{36}$/)
  t.equal(res.headers['kong-service-id'], undefined)
  t.equal(res.headers['kong-service-name'], undefined)
})

t.test('without Kong-Debug, or with the setting off (its default), none is added', async (t) => {
  const on = await setup(t)
  const plain = await fetchRaw(`${on.url}/post`, { method: 'POST' })
  t.equal(plain.status, 200)
  t.equal(plain.headers['kong-route-id'], undefined)
  t.equal(plain.headers['kong-service-name'], undefined)
  // spec/01-unit/03-conf_loader_spec.lua:76 (allow_debug_header defaults to false)
  const off = await setup(t, {})
  const res = await fetchRaw(`${off.url}/post`, { method: 'POST', headers: DEBUG })
  t.equal(res.status, 200)
  t.equal(res.headers['kong-route-id'], undefined)
  t.equal(res.headers['kong-route-name'], undefined)
  t.equal(res.headers['kong-service-id'], undefined)
  t.equal(res.headers['kong-service-name'], undefined)
})

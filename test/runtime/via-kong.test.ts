// Kong's Via spec (spec/02-integration/05-proxy/35-via_spec.lua) through a real gateway and a real
// upstream that sets its own Server and Via: the gateway's entry is appended both ways, the
// upstream's Server is kept, and the inbound entry names the client's HTTP version as Kong writes
// it (`ngx.req.http_version()` concatenated by LuaJIT: 1.1 → "1.1", 1.0 → "1", 2.0 → "2").
// Not ported: the HTTP/2 and gRPC cases (:158, :178, :202) need an HTTP/2 listener, a later issue.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'
import { exchange, responses } from '../helpers/wire.js'

const SERVER_TOKENS = 'kong/3.10.0'

/** The spec's mock: `/via` answers `{ via }` (the Via it received) with `Server: http-mock` and its own Via. */
async function setup(t: Test): Promise<TestGateway> {
  const up = await startUpstream('http_mock', (req, res) => {
    const body = JSON.stringify({ via: String(req.headers.via) })
    res.writeHead(200, {
      server: 'http-mock',
      via: '2 nginx, HTTP/1.1 http_mock',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  })
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [{ name: 'via_service', url: `${up.url}/via`, routes: [{ name: 'via_route', hosts: ['test.via'], paths: ['/get'] }] }],
    }),
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return gw
}

t.test('HTTP/1.1 in both the inbound and outbound directions', async (t) => {
  // spec/02-integration/05-proxy/35-via_spec.lua:135
  const gw = await setup(t)
  const r = await fetchRaw(`${gw.url}/get`, { headers: { host: 'test.via', via: '1.1 dev' } })
  t.equal(r.status, 200)
  t.same(r.json(), { via: `1.1 dev, 1.1 ${SERVER_TOKENS}` }, "the upstream sees the client's Via with Kong's entry appended")
  t.equal(r.headers.via, `2 nginx, HTTP/1.1 http_mock, 1.1 ${SERVER_TOKENS}`, "the client sees the upstream's Via with Kong's entry appended")
  t.equal(r.headers.server, 'http-mock', "the upstream's Server is kept")
})

t.test('HTTP/1.0 inbound: the entry sent upstream names version "1", as Kong writes 1.0; the outbound one stays 1.1', async (t) => {
  // spec/02-integration/05-proxy/35-via_spec.lua:135 (the same exchange over HTTP/1.0; kong/runloop/handler.lua builds
  // the upstream Via from ngx.req.http_version(), the response one from proxy_http_version, 1.1)
  const gw = await setup(t)
  const raw = await exchange(gw.url, 'GET /get HTTP/1.0\r\nHost: test.via\r\nVia: 1.1 dev\r\n\r\n')
  const [r] = responses(raw)
  t.equal(r?.status, 200)
  t.same(JSON.parse(r?.body ?? '{}'), { via: `1.1 dev, 1 ${SERVER_TOKENS}` })
  t.same(r?.headers.via, [`2 nginx, HTTP/1.1 http_mock, 1.1 ${SERVER_TOKENS}`])
  t.same(r?.headers.server, ['http-mock'])
})

t.test('HTTP/1.0 inbound without a Via: the upstream sees only the gateway entry', async (t) => {
  // spec/02-integration/05-proxy/35-via_spec.lua:135 (no client Via: Kong's entry alone)
  const gw = await setup(t)
  const [r] = responses(await exchange(gw.url, 'GET /get HTTP/1.0\r\nHost: test.via\r\n\r\n'))
  t.same(JSON.parse(r?.body ?? '{}'), { via: `1 ${SERVER_TOKENS}` })
})

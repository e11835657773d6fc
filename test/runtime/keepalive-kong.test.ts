// Kong's upstream keepalive spec (spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua)
// seen from a real https upstream: Kong checks its pools in nginx's debug log (pool names made
// of host, port, SNI, tls_verify, depth, CA and client certificate ids); here the upstream
// counts the connections it accepted and the SNI and client certificate each one carried. A
// connection is reused only by a request with the same name and TLS settings. Kong's
// upstream_keepalive_pool_size, _max_requests and _idle_timeout are the gateway's
// upstreamKeepalive option (`gateway serve --upstream-keepalive-*`, test/cli/serve-keepalive.test.ts).
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import type { GatewayOptions } from '../../src/server/gateway.js'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/kong-target.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')

interface TlsUpstream {
  port: number
  /** Each connection accepted: the SNI it sent and the fingerprint of its client certificate ('' without one). */
  connections: { sni: string; client: string }[]
  /** How many of those connections were closed (by either side). */
  closed: number
}

/** An https upstream that answers `SNI=<name>` (Kong's /echo_sni) and asks for, without requiring, a client certificate. */
async function tlsUpstream(t: Test): Promise<TlsUpstream> {
  const up: TlsUpstream = { port: 0, connections: [], closed: 0 }
  const server = createServer({ cert: fixture('server.crt'), key: fixture('server.key'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket
    res.end(req.url === '/fingerprint' ? (socket.getPeerCertificate().fingerprint256 ?? '') : `SNI=${socket.servername || ''}`)
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    up.connections.push({ sni: socket.servername || '', client: socket.getPeerCertificate().fingerprint256 ?? '' })
    socket.on('close', () => up.closed++)
  })
  // No Keep-Alive hint: the gateway's own idle timeout alone decides when it closes a connection.
  server.keepAliveTimeout = 0
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  )
  up.port = (server.address() as AddressInfo).port
  return up
}

async function start(t: Test, yaml: string, opts: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const gw = await gateway(yaml, opts)
  t.teardown(() => gw.close())
  return gw
}

/** A preserve_host route per name, each to its own https service on the upstream (the spec's one.test, two.test). */
function byHost(port: number, names: string[]): string {
  return stringify({
    _format_version: '3.0',
    services: names.map((name) => ({
      name,
      url: `https://127.0.0.1:${port}`,
      tls_verify: false,
      routes: [{ name, hosts: [name], preserve_host: true }],
    })),
  })
}

t.test('pools by host, port and SNI when the upstream is https, and reuses them', async (t) => {
  const up = await tlsUpstream(t)
  const gw = await start(t, byHost(up.port, ['one.test', 'two.test']))
  const get = (host: string) => fetchRaw(`${gw.url}/echo_sni`, { headers: { host } })

  // spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua:154
  t.equal((await get('one.test')).body, 'SNI=one.test')
  t.equal((await get('two.test')).body, 'SNI=two.test')
  t.same(
    up.connections.map((c) => c.sni),
    ['one.test', 'two.test'],
    'one connection per SNI: two.test did not ride one.test connection',
  )

  // spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua:293
  t.equal((await get('one.test')).body, 'SNI=one.test')
  t.equal((await get('two.test')).body, 'SNI=two.test')
  t.equal(up.connections.length, 2, 'the second requests reused their pools')
})

t.test('names whose pool keys collide in CRC32 get their own pools', async (t) => {
  // spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua:383 (plumless.xxx and
  // buckeroo.xxx: the same crc32, two pools)
  const up = await tlsUpstream(t)
  const gw = await start(t, byHost(up.port, ['plumless.xxx', 'buckeroo.xxx']))
  t.equal((await fetchRaw(`${gw.url}/echo_sni`, { headers: { host: 'plumless.xxx' } })).body, 'SNI=plumless.xxx')
  t.equal((await fetchRaw(`${gw.url}/echo_sni`, { headers: { host: 'buckeroo.xxx' } })).body, 'SNI=buckeroo.xxx')
  t.same(
    up.connections.map((c) => c.sni),
    ['plumless.xxx', 'buckeroo.xxx'],
  )
})

t.test('pools by client certificate when the upstream asks for one (mTLS)', async (t) => {
  // spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua:217 (two services, the same
  // upstream, two client certificates: two fingerprints, two pools)
  const up = await tlsUpstream(t)
  const ids = ['9b0c8a52-5d4e-4f3a-9c1b-000000000001', '9b0c8a52-5d4e-4f3a-9c1b-000000000002']
  const gw = await start(
    t,
    stringify({
      _format_version: '3.0',
      certificates: [
        { id: ids[0], cert: fixture('client.crt'), key: fixture('client.key') },
        { id: ids[1], cert: fixture('other.crt'), key: fixture('other.key') },
      ],
      services: ['example.test', 'example2.test'].map((name, i) => ({
        name,
        url: `https://127.0.0.1:${up.port}/`,
        client_certificate: { id: ids[i] },
        tls_verify: false,
        routes: [{ name, hosts: [name] }],
      })),
    }),
  )
  const one = await fetchRaw(`${gw.url}/fingerprint`, { headers: { host: 'example.test' } })
  const two = await fetchRaw(`${gw.url}/fingerprint`, { headers: { host: 'example2.test' } })
  t.equal(one.status, 200)
  t.not(one.body, '')
  t.not(two.body, '')
  t.not(one.body, two.body, 'each service presented its own certificate')
  await fetchRaw(`${gw.url}/fingerprint`, { headers: { host: 'example.test' } })
  t.equal(up.connections.length, 2, 'one pool per client certificate, each reused')
  t.same(
    up.connections.map((c) => c.client),
    [one.body, two.body],
  )
})

t.test('upstream_keepalive_pool_size = 0: every request opens its own connection', async (t) => {
  // spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua:257 (Kong checks that no
  // connection was kept; here the upstream counts one connection per request, none left open)
  const up = await tlsUpstream(t)
  const gw = await start(t, byHost(up.port, ['one.test', 'two.test']), { upstreamKeepalive: { poolSize: 0 } })
  const get = (host: string) => fetchRaw(`${gw.url}/echo_sni`, { headers: { host } })
  t.equal((await get('one.test')).body, 'SNI=one.test')
  t.equal((await get('two.test')).body, 'SNI=two.test')
  t.equal((await get('one.test')).body, 'SNI=one.test')
  t.same(
    up.connections.map((c) => c.sni),
    ['one.test', 'two.test', 'one.test'],
    'the second one.test request did not reuse the first connection',
  )
  await until(() => up.closed === 3, 'each connection was closed after its request')
  t.equal(up.closed, 3)
})

t.test('upstream_keepalive_max_requests = 1: a connection carries one request, then is freed', async (t) => {
  // spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua:351 ("keepalive not saving
  // connection", "free connection pool"): the next request opens a new connection
  const up = await tlsUpstream(t)
  const gw = await start(t, byHost(up.port, ['one.test']), { upstreamKeepalive: { maxRequests: 1 } })
  for (let i = 0; i < 2; i++) t.equal((await fetchRaw(`${gw.url}/echo_sni`, { headers: { host: 'one.test' } })).body, 'SNI=one.test')
  t.equal(up.connections.length, 2, 'one connection per request')
  await until(() => up.closed === 2, 'both connections were closed')
  t.equal(up.closed, 2)
})

t.test('upstream_keepalive_max_requests = 3: the fourth request opens a second connection', async (t) => {
  // kong.conf.default upstream_keepalive_max_requests: requests proxied through one keepalive
  // connection before it is closed (nginx's keepalive_requests on the upstream side)
  const up = await tlsUpstream(t)
  const gw = await start(t, byHost(up.port, ['one.test']), { upstreamKeepalive: { maxRequests: 3 } })
  for (let i = 0; i < 3; i++) await fetchRaw(`${gw.url}/echo_sni`, { headers: { host: 'one.test' } })
  t.equal(up.connections.length, 1, 'three requests on one connection')
  await fetchRaw(`${gw.url}/echo_sni`, { headers: { host: 'one.test' } })
  t.equal(up.connections.length, 2, 'the fourth request opened a new connection')
})

t.test('upstream_keepalive_idle_timeout: an unused connection is closed when it expires', async (t) => {
  // kong.conf.default upstream_keepalive_idle_timeout (seconds; Kong's enable_keepalive idle
  // timeout): a kept connection not reused in time is closed, the next request opens another
  const up = await tlsUpstream(t)
  const gw = await start(t, byHost(up.port, ['one.test']), { upstreamKeepalive: { idleTimeout: 0.05 } })
  await fetchRaw(`${gw.url}/echo_sni`, { headers: { host: 'one.test' } })
  t.equal(up.connections.length, 1)
  await until(() => up.closed === 1, 'the idle connection was closed by the gateway')
  await fetchRaw(`${gw.url}/echo_sni`, { headers: { host: 'one.test' } })
  t.equal(up.connections.length, 2, 'the next request opened a new connection')
})

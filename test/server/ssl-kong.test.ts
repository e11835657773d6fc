// Kong's SSL spec (spec/02-integration/05-proxy/06-ssl_spec.lua) through a real TLS listener, real
// handshakes and a real HTTPS upstream: the certificate chosen for each server name (Kong's lookup
// order, its self-signed default, an sni named `*`, names that are no valid sni), the server name
// sent to HTTPS upstreams, and https-only routes over plain http (more in test/runtime/route.test.ts).
// Not here: the stream (tls) proxy cases (:573-), which need stream listeners, and :270-298, which
// turn verification on for every upstream with injected nginx directives (nginx_http_proxy_ssl_*),
// which the gateway does not have (README, known differences).
import { readFileSync } from 'node:fs'
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls'
import { createServer as createHttpServer } from 'node:http'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { stringify } from 'yaml'
import { gateway } from '../helpers/gateway.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
const pair = (name: string) => ({ cert: fixture(`${name}.crt`), key: fixture(`${name}.key`) })

/** The certificate the listener presents for `servername` (none: no SNI is sent). */
function peer(address: string, servername?: string): Promise<PeerCertificate> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const s = connect({ host: host!, port: Number(port), rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
      const c = s.getPeerCertificate()
      s.end()
      resolve(c)
    })
    s.on('error', reject)
  })
}
const cn = (c: PeerCertificate) => String(c.subject.CN)
const isKongDefault = (c: PeerCertificate) => c.subject.O === 'Kong' && c.subject.CN === 'localhost' && c.issuer.O === 'Kong'

/** GET over TLS to an IP address (node:https sends no SNI for one) with this Host. */
function getNoSni(address: string, host: string): Promise<{ status: number; body: string }> {
  const [ip, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: ip, port: Number(port), path: '/', headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A plain http upstream answering 200 (its URL). */
async function createHttpUpstream(t: Test): Promise<string> {
  const up = createHttpServer((_req, res) => res.end('ok'))
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    up.closeAllConnections()
    up.close()
  })
  return `http://127.0.0.1:${(up.address() as AddressInfo).port}`
}

t.test('the certificate for each server name', async (t) => {
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      certificates: [
        { ...pair('server'), snis: ['example.com', 'ssl1.com'] },
        { ...pair('other'), snis: ['*.wildcard.com', 'wildcard.*', '*.a.io'] },
        { ...pair('client'), snis: ['wildcard.org', 'test.wildcard.*', '*.www.wildcard.com', 'longname.a.*'] },
      ],
      routes: [{ name: 'global', hosts: ['global.com'], plugins: [{ name: 'request-termination', config: { status_code: 200, message: 'ok' } }] }],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(() => gw.close())
  const address = gw.tls[0]!

  // spec/02-integration/05-proxy/06-ssl_spec.lua:301
  const noSni = await getNoSni(address, 'global.com')
  t.equal(noSni.status, 200, 'a client without SNI gets the default certificate, not a failed handshake')
  t.ok(isKongDefault(await peer(address)), "Kong's self-signed default")

  // spec/02-integration/05-proxy/06-ssl_spec.lua:314
  t.ok(isKongDefault(await peer(address, 'test.com')), 'an unknown name gets the default certificate')

  // spec/02-integration/05-proxy/06-ssl_spec.lua:319
  for (const name of ['ssl1.com', 'example.com']) {
    const c = await peer(address, name)
    t.equal(cn(c), 'localhost')
    t.equal(c.issuer.CN, 'Gateway Test CA', `${name}: the configured certificate`)
  }

  // spec/02-integration/05-proxy/06-ssl_spec.lua:328 (prefix) and :340 (prefix second)
  t.equal(cn(await peer(address, 'test.wildcard.com')), 'other.test')
  // spec/02-integration/05-proxy/06-ssl_spec.lua:333 (suffix)
  t.equal(cn(await peer(address, 'wildcard.eu')), 'other.test')
  // spec/02-integration/05-proxy/06-ssl_spec.lua:336 (exact first)
  t.equal(cn(await peer(address, 'wildcard.org')), 'gateway-client')
  // spec/02-integration/05-proxy/06-ssl_spec.lua:345 (suffix third)
  t.equal(cn(await peer(address, 'test.wildcard.org')), 'gateway-client')
  // spec/02-integration/05-proxy/06-ssl_spec.lua:350
  t.equal(cn(await peer(address, 'test.www.wildcard.com')), 'gateway-client')

  // Kong's order, not the longest pattern: `*.a.io` before `longname.a.*` (06-ssl_spec.lua:343's rule).
  t.equal(cn(await peer(address, 'longname.a.io')), 'other.test', 'the prefix wildcard wins over a longer suffix one')
  // A prefix wildcard stands for one label only, as Kong looks it up.
  t.ok(isKongDefault(await peer(address, 'deep.test.a.io')), '*.a.io does not name deep.test.a.io')
})

t.test('the server name sent to HTTPS upstreams', async (t) => {
  const up = createHttpsServer(pair('server'), (req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ ssl_server_name: (req.socket as TLSSocket).servername || 'no SNI' }))
  })
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => up.close(() => r())))
  const port = (up.address() as AddressInfo).port
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        { name: 'api-3', url: `https://localhost:${port}`, routes: [{ name: 'ssl3', hosts: ['ssl3.com'], preserve_host: true }] },
        { name: 'api-4', url: `https://localhost:${port}`, routes: [{ name: 'no-sni', hosts: ['no-sni.com'], preserve_host: false }] },
        { name: 'api-5', url: `https://127.0.0.1:${port}`, routes: [{ name: 'nil-sni', hosts: ['nil-sni.com'], preserve_host: false }] },
      ],
    }),
  )
  t.teardown(() => gw.close())
  const sni = async (host: string) => {
    const r = await request(`${gw.url}/`, { headers: { host } })
    t.equal(r.statusCode, 200)
    return ((await r.body.json()) as { ssl_server_name: string }).ssl_server_name
  }
  // spec/02-integration/05-proxy/06-ssl_spec.lua:531
  t.equal(await sni('ssl3.com'), 'ssl3.com', 'preserve_host: the client Host')
  // spec/02-integration/05-proxy/06-ssl_spec.lua:544
  t.equal(await sni('no-sni.com'), 'localhost', "the service's host")
  // spec/02-integration/05-proxy/06-ssl_spec.lua:557
  t.equal(await sni('nil-sni.com'), 'no SNI', 'an IP-address upstream gets no SNI')
})

t.test("an sni named '*' serves every name a client sends; no SNI still gets Kong's default", async (t) => {
  const gw = await gateway(stringify({ _format_version: '3.0', certificates: [{ ...pair('other'), snis: ['*'] }] }), { tlsListen: ['127.0.0.1:0'] })
  t.teardown(() => gw.close())
  const address = gw.tls[0]!
  // spec/02-integration/05-proxy/06-ssl_spec.lua:717
  t.equal(cn(await peer(address, 'example.com')), 'other.test')
  t.equal(cn(await peer(address, 'anything.else.test')), 'other.test')
  // kong/runloop/certificate.lua find_certificate: no SNI is the default certificate, before any lookup
  t.ok(isKongDefault(await peer(address)), 'no SNI: the default certificate')
})

t.test('a server name that is no valid sni gets the default certificate and the handshake completes', async (t) => {
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      certificates: [{ ...pair('server'), snis: ['a.example.com', '*.example.com'] }],
      routes: [{ name: 'any', paths: ['/'], plugins: [{ name: 'request-termination', config: { status_code: 200, message: 'ok' } }] }],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(() => gw.close())
  const address = gw.tls[0]!
  t.equal(cn(await peer(address, 'a.example.com')), 'localhost', 'a valid name: its certificate') // 06-ssl_spec.lua:742
  // spec/02-integration/05-proxy/06-ssl_spec.lua:748, :754, :772, :778, :784 (Kong logs them at debug level only)
  for (const name of ['a.example.com:600', 'a.example.com:88888', '256.256.256.256', '*.exam*le.com', 'a.exam*le.com']) {
    t.ok(isKongDefault(await peer(address, name)), `${name}: the default certificate`)
  }
  t.equal((await getNoSni(address, 'a.example.com')).status, 200, 'and the listener still serves')
})

t.test('SSL termination: https-only routes over plain http', async (t) => {
  const up = await createHttpUpstream(t)
  const yaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'api',
        url: up,
        routes: [
          { name: 'https-only', protocols: ['https'], hosts: ['example.com'] },
          { name: 'with-snis', protocols: ['https'], hosts: ['sni.example.com'], snis: ['sni.example.com'] },
        ],
      },
    ],
  })
  const trusted = await gateway(yaml, { trustedIps: '127.0.0.1/32' })
  const elsewhere = await gateway(yaml, { trustedIps: '1.2.3.4/32' })
  t.teardown(async () => {
    await trusted.close()
    await elsewhere.close()
  })
  const get = async (gw: { url: string }, host: string, proto?: string) => {
    const r = await request(`${gw.url}/status/200`, { headers: { host, ...(proto ? { 'x-forwarded-proto': proto } : {}) } })
    await r.body.dump()
    return { status: r.statusCode, upgrade: r.headers.upgrade }
  }
  // spec/02-integration/05-proxy/06-ssl_spec.lua:377 (#6425): a route with snis is matched over plain
  // http (its snis are not checked there) and answers 426, not 404
  t.same(await get(elsewhere, 'sni.example.com'), { status: 426, upgrade: 'TLS/1.2, HTTP/1.1' })
  // spec/02-integration/05-proxy/06-ssl_spec.lua:469: only `https` counts, from a trusted peer
  t.equal((await get(trusted, 'example.com', 'httpsa')).status, 426)
  t.equal((await get(trusted, 'example.com', 'https')).status, 200, 'while https from the trusted peer goes through') // :457
  // spec/02-integration/05-proxy/06-ssl_spec.lua:499: trusted_ips naming another address
  t.equal((await get(elsewhere, 'example.com', 'https')).status, 426)
})

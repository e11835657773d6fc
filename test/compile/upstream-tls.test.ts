// Upstream TLS (issue 12, item 7): pools keyed by every TLS parameter, so a
// connection opened under one service's settings never serves another's;
// tls_verify_depth honoured; client certificates presented. Real https upstreams.
import { readFileSync } from 'node:fs'
import { createServer, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { stringify } from 'yaml'
import { gateway } from '../helpers/gateway.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
const CA = fixture('ca.crt') // signs server.crt
const ROOT = fixture('chain-root-ca.crt') // signs the intermediate (and client.crt), not server.crt
const IDS = { ca: '5b8f0f55-0b59-4b8f-a3c4-6f3f8b1d2c01', root: '5b8f0f55-0b59-4b8f-a3c4-6f3f8b1d2c02', client: '5b8f0f55-0b59-4b8f-a3c4-6f3f8b1d2c03' }

/** An https upstream on 127.0.0.1:0 that answers with the CN of the client certificate it got, if any. */
async function httpsUpstream(t: Test, options: ServerOptions): Promise<number> {
  const server = createServer(options, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate()
    res.end(`ok ${peer?.subject?.CN ?? '-'}`)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return (server.address() as AddressInfo).port
}

/** One service per entry, all on the same origin, each routed at /<name>; retries off so a refusal is one try. */
function services(port: number, entries: Record<string, Record<string, unknown>>) {
  return Object.entries(entries).map(([name, fields]) => ({
    name,
    url: `https://localhost:${port}/`,
    retries: 0,
    ...fields,
    routes: [{ name, paths: [`/${name}`] }],
  }))
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await request(url)
  return { status: r.statusCode, body: await r.body.text() }
}

t.test('a CA that does not sign the upstream is refused, even once the right CA reached the same origin', async (t) => {
  const port = await httpsUpstream(t, { cert: fixture('server.crt'), key: fixture('server.key') })
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      ca_certificates: [
        { id: IDS.ca, cert: CA },
        { id: IDS.root, cert: ROOT },
      ],
      services: services(port, {
        right: { tls_verify: true, ca_certificates: [IDS.ca] },
        wrong: { tls_verify: true, ca_certificates: [IDS.root] },
        lax: { tls_verify: false, ca_certificates: [IDS.root] },
      }),
    }),
  )
  t.teardown(() => gw.close())
  t.same(await get(`${gw.url}/right`), { status: 200, body: 'ok -' }, 'the right CA is accepted')
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:956: the other CA → 502. The defect: pools
  // were keyed by the number of CAs, so this rode the connection the right CA had verified (200).
  t.equal((await get(`${gw.url}/wrong`)).status, 502, 'after the right CA warmed a connection, the wrong one is still refused')
  t.equal((await get(`${gw.url}/right`)).status, 200, 'and the wrong CA did not poison the right one')
  t.equal((await get(`${gw.url}/lax`)).status, 200, 'tls_verify off accepts the certificate whatever the CA')
  t.equal((await get(`${gw.url}/wrong`)).status, 502, 'and a lax connection is not reused by a verifying service either')
})

t.test('tls_verify_depth: a chain one intermediate deep needs a depth of at least 1', async (t) => {
  // The upstream sends its certificate and the intermediate; the root is the trusted CA.
  const port = await httpsUpstream(t, { cert: `${fixture('chain-leaf.crt')}${fixture('chain-intermediate.crt')}`, key: fixture('chain-leaf.key') })
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      ca_certificates: [{ id: IDS.root, cert: ROOT }],
      services: services(port, {
        deep: { tls_verify: true, ca_certificates: [IDS.root], tls_verify_depth: 1 },
        shallow: { tls_verify: true, ca_certificates: [IDS.root], tls_verify_depth: 0 },
        unlimited: { tls_verify: true, ca_certificates: [IDS.root] },
        unverified: { tls_verify_depth: 0 },
      }),
    }),
  )
  t.teardown(() => gw.close())
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:1166: depth 1 → 200
  t.same(await get(`${gw.url}/deep`), { status: 200, body: 'ok -' })
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:1102: depth 0 → 502 (here after depth 1 opened a connection to the same origin)
  t.equal((await get(`${gw.url}/shallow`)).status, 502)
  t.equal((await get(`${gw.url}/unlimited`)).status, 200, 'no depth set: no limit beyond OpenSSL’s')
  t.equal((await get(`${gw.url}/unverified`)).status, 200, 'the depth only applies when tls_verify is on')
})

t.test('client_certificate is presented, and connections that carry one are not shared with services without it', async (t) => {
  const port = await httpsUpstream(t, { cert: fixture('server.crt'), key: fixture('server.key'), requestCert: true, rejectUnauthorized: true, ca: ROOT })
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      certificates: [{ id: IDS.client, cert: fixture('client.crt'), key: fixture('client.key') }],
      upstreams: [{ name: 'mtls.upstream', client_certificate: IDS.client, targets: [{ target: `127.0.0.1:${port}` }] }],
      services: [
        ...services(port, {
          with: { client_certificate: IDS.client },
          without: {},
        }),
        { name: 'balanced', host: 'mtls.upstream', protocol: 'https', port: 443, retries: 0, routes: [{ name: 'balanced', paths: ['/balanced'] }] },
      ],
    }),
  )
  t.teardown(() => gw.close())
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:368: the service's client certificate gets through
  t.same(await get(`${gw.url}/with`), { status: 200, body: 'ok gateway-client' })
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:324: no client certificate, no access (even on an origin another service reached with one)
  t.equal((await get(`${gw.url}/without`)).status, 502)
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:604: the upstream's client certificate, when the service has none
  t.same(await get(`${gw.url}/balanced`), { status: 200, body: 'ok gateway-client' })
})

// Kong's upstream TLS spec (spec/02-integration/05-proxy/18-upstream_tls_spec.lua), http subsystem,
// through a real gateway, real reloads and real TLS upstreams on loopback:
// - an mTLS upstream that requires a client certificate as the spec's nginx does
//   (`ssl_verify_client on`): it completes the handshake and answers nginx's 400 when the client
//   sent no certificate or one its CAs do not sign, and 200 `it works` with the certificate it saw;
// - a TLS upstream whose certificate is one intermediate below the root (as Kong's example.com.crt).
// Each case changes the config the way the spec PATCHes its entities, then asks again.
// Then what the spec relies on without asserting: the server name sent (Kong's $upstream_host),
// and a refused handshake retried on the next target.
// Not here: the stream (`tls`) half of each case (needs stream routes), the grpcs cases (gRPC
// forwarding), the global `nginx_proxy_proxy_ssl_verify` block (:1236, an injected nginx directive:
// see the README's known differences), tls_verify_depth (:1102, :1166: test/compile/upstream-tls.test.ts).
// The `-buffered-proxying` routes carry the spec's pre-function (`enable_buffering()`).
import { X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type ServerOptions } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { stringify } from 'yaml'
import { gateway, type TestGateway } from '../helpers/gateway.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
const pair = (name: string) => ({ cert: fixture(`${name}.crt`), key: fixture(`${name}.key`) })
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256

const ROOT = fixture('chain-root-ca.crt') // signs client.crt and the chain's intermediate
const OTHER_CA = fixture('ca.crt') // signs server.crt only: Kong's `other_ca_cert`
const IDS = {
  cert: 'b2f4c1de-18a0-4c55-9a1e-0d6f1e7a0001', // Kong's `certificate`
  bad: 'b2f4c1de-18a0-4c55-9a1e-0d6f1e7a0002', // Kong's `certificate_bad`: not trusted by the upstream
  ca: 'b2f4c1de-18a0-4c55-9a1e-0d6f1e7a0003', // Kong's `ca_certificate`
}

/** nginx's page for a 400 it answers itself (what the spec's `assert.matches` reads). */
const nginx400 = (reason: string) =>
  `<html>\r\n<head><title>400 ${reason}</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>${reason}</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

async function listen(t: Test, options: ServerOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server: Server = createServer(options, handler)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return (server.address() as AddressInfo).port
}

/**
 * The spec's `upstream_mtls` server: asks for a client certificate and checks it against its CAs
 * (chain-root-ca.crt, client-ca.crt); the HTTP answer says what it saw, as nginx's does.
 */
function mtlsUpstream(t: Test): Promise<number> {
  const options = { ...pair('server'), requestCert: true, rejectUnauthorized: false, ca: [ROOT, fixture('client-ca.crt')] }
  return listen(t, options, (req, res) => {
    const socket = req.socket as TLSSocket
    const peer = socket.getPeerCertificate()
    const sent = peer !== null && Object.keys(peer).length > 0
    if (!sent || !socket.authorized) {
      res.writeHead(400, { 'content-type': 'text/html' })
      return res.end(nginx400(sent ? 'The SSL certificate error' : 'No required SSL certificate was sent'))
    }
    res.writeHead(200, { 'x-cert': new X509Certificate(peer.raw).fingerprint256 })
    res.end('it works')
  })
}

/** The spec's `upstream_tls` server: example.com's certificate is one intermediate below the root. */
function tlsUpstream(t: Test): Promise<number> {
  const options = { cert: `${fixture('chain-leaf.crt')}${fixture('chain-intermediate.crt')}`, key: fixture('chain-leaf.key') }
  return listen(t, options, (_req, res) => res.end('it works'))
}

interface Entities {
  /** Certificates by id (the spec PATCHes their contents). */
  certificates?: Record<string, { cert: string; key: string }>
  ca?: string
  /** Fields of each service, by name. */
  services?: Record<string, Record<string, unknown>>
  upstreamCert?: string
}

/** Two routes per service, as the spec's: `/<path>` and `/<path>-buffered-proxying` (with the spec's pre-function). */
function routes(name: string, path: string) {
  return [
    { name, hosts: ['example.com'], paths: [`/${path}`] },
    {
      name: `${name}-buffered`,
      hosts: ['example.com'],
      paths: [`/${path}-buffered-proxying`],
      plugins: [{ name: 'pre-function', config: { access: ['kong.service.request.enable_buffering()'] } }],
    },
  ]
}

/** The spec's entities (its lazy_setup, :153-231) with this state of the PATCHed fields. */
function kongYml(ports: { mtls: number; tls: number }, e: Entities = {}): string {
  const svc = (name: string) => e.services?.[name] ?? {}
  return stringify({
    _format_version: '3.0',
    certificates: Object.entries(e.certificates ?? {}).map(([id, c]) => ({ id, ...c })),
    ca_certificates: e.ca ? [{ id: IDS.ca, cert: e.ca }] : [],
    upstreams: [
      {
        name: 'backend-mtls',
        ...(e.upstreamCert ? { client_certificate: e.upstreamCert } : {}),
        targets: [{ target: `127.0.0.1:${ports.mtls}` }],
      },
    ],
    services: [
      { name: 'protected-service-mtls', url: `https://127.0.0.1:${ports.mtls}/`, ...svc('mtls'), routes: routes('mtls', 'mtls') },
      // A name, not an address, for the hostname check (the spec's example.com; localhost is in the SANs here).
      { name: 'protected-service', url: `https://localhost:${ports.tls}/`, retries: 0, ...svc('tls'), routes: routes('tls', 'tls') },
      { name: 'protected-service-mtls-upstream', url: 'https://backend-mtls/', ...svc('upstream'), routes: routes('upstream', 'mtls-upstream') },
    ],
  })
}

interface Answer {
  status: number
  body: string
  cert: string | undefined
}

async function get(gw: TestGateway, path: string): Promise<Answer> {
  const r = await request(`${gw.url}${path}`, { headers: { host: 'example.com' } })
  const cert = r.headers['x-cert']
  return { status: r.statusCode, body: await r.body.text(), cert: typeof cert === 'string' ? cert : undefined }
}

/** Writes the next state of the config and reloads (the spec's PATCH, then wait_for_all_config_update). */
async function reload(t: Test, gw: TestGateway, yaml: string): Promise<void> {
  writeFileSync(gw.file, yaml)
  t.equal((await gw.reload()).result, 'applied', 'reloaded')
}

/** Both routes of a path answer as expected (the spec asks the plain and the buffered route alike). */
async function both(t: Test, gw: TestGateway, path: string, check: (a: Answer, path: string) => void): Promise<void> {
  for (const p of [`/${path}`, `/${path}-buffered-proxying`]) check(await get(gw, p), p)
}

const noCertificate = (t: Test) => (a: Answer, path: string) => {
  t.equal(a.status, 400, `${path}: the upstream's 400`)
  t.match(a.body, '400 No required SSL certificate was sent', `${path}: nginx's reason, passed through`)
}
const works = (t: Test, cert?: string) => (a: Answer, path: string) => {
  t.same({ status: a.status, body: a.body }, { status: 200, body: 'it works' }, `${path}: 200 it works`)
  if (cert) t.equal(a.cert, cert, `${path}: the upstream saw that certificate`)
}
const invalid = (t: Test) => (a: Answer, path: string) => {
  t.equal(a.status, 502, `${path}: 502`)
  t.match(a.body, 'An invalid response was received from the upstream server', `${path}: Kong's message`)
}

t.test('mutual TLS against the upstream with the Service object', async (t) => {
  const ports = { mtls: await mtlsUpstream(t), tls: await tlsUpstream(t) }
  const gw = await gateway(kongYml(ports))
  t.teardown(() => gw.close())
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:324 and :340 (buffered)
  await both(t, gw, 'mtls', noCertificate(t))

  const certificates = { [IDS.cert]: pair('client') }
  await reload(t, gw, kongYml(ports, { certificates, services: { mtls: { client_certificate: IDS.cert } } }))
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:368 and :394 (buffered)
  await both(t, gw, 'mtls', works(t, fingerprint(pair('client').cert)))

  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:414: the certificate's contents change under
  // the same id; the next request presents the new one (not the connection the old one opened).
  await reload(t, gw, kongYml(ports, { certificates: { [IDS.cert]: pair('client2') }, services: { mtls: { client_certificate: IDS.cert } } }))
  await both(t, gw, 'mtls', works(t, fingerprint(pair('client2').cert)))
  t.not(fingerprint(pair('client2').cert), fingerprint(pair('client').cert), 'a different certificate indeed')

  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:500: removing client_certificate removes access
  await reload(t, gw, kongYml(ports, { certificates }))
  await both(t, gw, 'mtls', noCertificate(t))
})

t.test('mutual TLS against the upstream with the Upstream object', async (t) => {
  const ports = { mtls: await mtlsUpstream(t), tls: await tlsUpstream(t) }
  const gw = await gateway(kongYml(ports))
  t.teardown(() => gw.close())
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:554 and :570 (buffered)
  await both(t, gw, 'mtls-upstream', noCertificate(t))

  const certificates = { [IDS.cert]: pair('client'), [IDS.bad]: pair('other') }
  await reload(t, gw, kongYml(ports, { certificates, upstreamCert: IDS.cert }))
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:604 and :630 (buffered)
  await both(t, gw, 'mtls-upstream', works(t, fingerprint(pair('client').cert)))

  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:650: removing it removes access
  await reload(t, gw, kongYml(ports, { certificates }))
  await both(t, gw, 'mtls-upstream', noCertificate(t))

  // The upstream's certificate alone is one the upstream does not trust (Kong's certificate_bad)...
  await reload(t, gw, kongYml(ports, { certificates, upstreamCert: IDS.bad }))
  const refused = await get(gw, '/mtls-upstream')
  t.equal(refused.status, 400, 'the upstream refuses certificate_bad')
  t.match(refused.body, 'The SSL certificate error')
  // ...and the service's own wins over it.
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:740 and :766 (buffered)
  await reload(t, gw, kongYml(ports, { certificates, upstreamCert: IDS.bad, services: { upstream: { client_certificate: IDS.cert } } }))
  await both(t, gw, 'mtls-upstream', works(t, fingerprint(pair('client').cert)))
})

t.test('TLS verification options against the upstream', async (t) => {
  const ports = { mtls: await mtlsUpstream(t), tls: await tlsUpstream(t) }
  const gw = await gateway(kongYml(ports))
  t.teardown(() => gw.close())
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:790 and :811 (buffered): tls_verify is off by default
  await both(t, gw, 'tls', works(t))

  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:826: on, with no CA that signs the upstream
  await reload(t, gw, kongYml(ports, { services: { tls: { tls_verify: true } } }))
  await both(t, gw, 'tls', invalid(t))

  const verified = { services: { tls: { tls_verify: true, ca_certificates: [IDS.ca] } } }
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:893: the right CA lets it through
  await reload(t, gw, kongYml(ports, { ...verified, ca: ROOT }))
  await both(t, gw, 'tls', works(t))

  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:956: the CA certificate's contents change
  // under the same id to a CA that does not sign the upstream (after the right one opened connections)
  await reload(t, gw, kongYml(ports, { ...verified, ca: OTHER_CA }))
  await both(t, gw, 'tls', invalid(t))

  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:1022: and back
  await reload(t, gw, kongYml(ports, { ...verified, ca: ROOT }))
  await both(t, gw, 'tls', works(t))
})

t.test('the server name sent to the upstream is the Host Kong sends (proxy_ssl_name $upstream_host)', async (t) => {
  const port = await listen(t, pair('server'), (req, res) => res.end((req.socket as TLSSocket).servername || 'no SNI'))
  const setHost = (host: string) => [{ name: 'pre-function', config: { access: [`kong.service.request.set_header("Host", "${host}")`] } }]
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      upstreams: [
        { name: 'named', targets: [{ target: `localhost:${port}` }] },
        { name: 'with-host-header', host_header: 'header.example.test', targets: [{ target: `127.0.0.1:${port}` }] },
      ],
      services: [
        {
          name: 'by-address',
          url: `https://127.0.0.1:${port}/`,
          routes: [
            { name: 'plugin-host', paths: ['/plugin-host'], plugins: setHost('plugin.example.test') },
            { name: 'plugin-host-port', paths: ['/plugin-host-port'], plugins: setHost('port.example.test:8443') },
            { name: 'plugin-address', paths: ['/plugin-address'], preserve_host: true, plugins: setHost('127.0.0.1') },
          ],
        },
        {
          name: 'by-name',
          url: `https://localhost:${port}/`,
          routes: [
            { name: 'by-name-plugin-address', paths: ['/by-name/plugin-address'], plugins: setHost('127.0.0.1') },
            { name: 'by-name-preserved-address', paths: ['/by-name/preserved'], preserve_host: true },
          ],
        },
        { name: 'named', url: 'https://named/', routes: [{ name: 'named', paths: ['/named'] }] },
        { name: 'with-host-header', url: 'https://with-host-header/', routes: [{ name: 'with-host-header', paths: ['/host-header'] }] },
      ],
    }),
  )
  t.teardown(() => gw.close())
  const sni = async (path: string, host = 'client.example.test') => {
    const r = await request(`${gw.url}${path}`, { headers: { host } })
    t.equal(r.statusCode, 200, `${path}: 200`)
    return r.body.text()
  }
  // kong/pdk/service/request.lua:317 (set_header: "If the header argument is host, this also sets
  // the SNI of the request to the Service"; kong/runloop/handler.lua:1434 then keeps it, as with
  // preserve_host). The defect: the plugin's Host went out, the SNI stayed the target's (none for an IP).
  t.equal(await sni('/plugin-host'), 'plugin.example.test', "a plugin's Host is the SNI")
  t.equal(await sni('/plugin-host-port'), 'port.example.test', 'without its port (nginx strips it)')
  t.equal(await sni('/plugin-address', 'client.example.test'), 'no SNI', 'an address a plugin set wins over the preserved Host, and sends no SNI')
  // nginx sends no SNI for an address (RFC 6066 3), whatever name the service was reached by:
  // the Host is the SNI, not the service's host (kong/templates/nginx_kong.lua:210).
  t.equal(await sni('/by-name/plugin-address'), 'no SNI', "a plugin's address Host on a service named by host name")
  t.equal(await sni('/by-name/preserved', '127.0.0.1:8000'), 'no SNI', 'a preserved address Host on a service named by host name')
  // kong/runloop/balancer/init.lua:396: an upstream's host_header is the Host, hence the SNI
  t.equal(await sni('/host-header'), 'header.example.test', "the upstream's host_header")
  // spec/02-integration/05-proxy/06-ssl_spec.lua:544's rule through a balancer: the target's name
  t.equal(await sni('/named'), 'localhost', "a target's name")
})

t.test('tls_verify checks the name the upstream is reached by (the SNI), not only the chain', async (t) => {
  const port = await tlsUpstream(t) // SANs: localhost, 127.0.0.1
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      ca_certificates: [{ id: IDS.ca, cert: ROOT }],
      services: [
        {
          name: 'verified',
          url: `https://localhost:${port}/`,
          retries: 0,
          tls_verify: true,
          ca_certificates: [IDS.ca],
          routes: [
            { name: 'own', paths: ['/own'] },
            { name: 'preserved', paths: ['/preserved'], preserve_host: true },
          ],
        },
      ],
    }),
  )
  t.teardown(() => gw.close())
  const get = async (path: string, host: string) => {
    const r = await request(`${gw.url}${path}`, { headers: { host } })
    return { status: r.statusCode, body: await r.body.text() }
  }
  // The spec's services use a name "for hostname check" (18-upstream_tls_spec.lua:160); nginx checks
  // the certificate against proxy_ssl_name ($upstream_host).
  t.same(await get('/own', 'example.com'), { status: 200, body: 'it works' }, 'the service host is in the certificate')
  t.equal((await get('/preserved', 'localhost')).status, 200, 'a preserved Host the certificate names')
  const wrong = await get('/preserved', 'wrong.example.com')
  t.equal(wrong.status, 502, 'a preserved Host the certificate does not name is refused')
  t.match(wrong.body, 'An invalid response was received from the upstream server')
})

t.test('a failed TLS handshake is retried on the next target, whatever the method', async (t) => {
  // Nothing of the request was sent: nginx passes even a POST to the next server then
  // (proxy_next_upstream `error`, "a connection error or an error in the TLS handshake"; the
  // non_idempotent rule only holds a request back once it was sent).
  const good = await listen(t, pair('server'), (req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c))
    req.on('end', () => res.end(`good got ${body}`))
  })
  const untrusted = await listen(t, pair('other'), (_req, res) => res.end('must not be reached'))
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      ca_certificates: [{ id: IDS.ca, cert: OTHER_CA }],
      upstreams: [{ name: 'pair', targets: [{ target: `127.0.0.1:${untrusted}` }, { target: `127.0.0.1:${good}` }] }],
      services: [{ name: 'pair', url: 'https://pair/', retries: 1, tls_verify: true, ca_certificates: [IDS.ca], routes: [{ name: 'pair', paths: ['/'] }] }],
    }),
  )
  t.teardown(() => gw.close())
  for (let i = 0; i < 4; i++) {
    const r = await request(`${gw.url}/`, { method: 'POST', body: `n=${i}` })
    t.same({ status: r.statusCode, body: await r.body.text() }, { status: 200, body: `good got n=${i}` }, `POST ${i}: the verified target answers`)
  }
})

// Active health checks of https targets (issue 12, weak point): a probe talks
// TLS as the proxied requests do (the CA certificates and client certificate
// of the service and upstream), while whether it verifies, and the name it
// sends, are the checker's own fields, as in Kong: healthchecks.active
// `https_verify_certificate` (default true) and `https_sni` (else the
// upstream's host_header, else the target's host). A failed handshake is a
// TCP failure. Real https targets on loopback, signed by test-only CAs.
import { readFileSync } from 'node:fs'
import { createServer, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { gateway, type TestGateway } from '../helpers/gateway.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
const CA = fixture('ca.crt') // signs server.crt (SANs localhost, *.example.test, 127.0.0.1)
const ROOT = fixture('chain-root-ca.crt') // signs client.crt, not server.crt
const IDS = {
  ca: '7c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d8e01',
  root: '7c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d8e02',
  client: '7c1d2e3f-0a1b-4c2d-8e3f-4a5b6c7d8e03',
}

interface Target {
  port: number
  /** Probes answered (each a completed handshake and a GET /health). */
  probes: number
  /** TCP connections the target accepted (a probe reached it, whatever its handshake did). */
  connections: number
  /** The server names the probes sent. */
  servernames: (string | false | null)[]
}

/** An https target on 127.0.0.1:0 answering 200 to GET /health. */
async function httpsTarget(t: Test, options: ServerOptions): Promise<Target> {
  const target: Target = { port: 0, probes: 0, connections: 0, servernames: [] }
  const server = createServer(options, (req, res) => {
    if (req.url === '/health') {
      target.probes++
      target.servernames.push((req.socket as TLSSocket).servername)
    }
    res.end('ok')
  })
  server.on('connection', () => target.connections++)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  target.port = (server.address() as AddressInfo).port
  return target
}

/**
 * A gateway whose upstream has one https target probed every 0.1 s; a single
 * failure of any kind marks it unhealthy, a single success healthy again.
 * `active` and `upstream` add fields to the upstream's active checks and to
 * the upstream; `service` to the https service balanced over it.
 */
async function probed(
  t: Test,
  target: Target,
  fields: { active?: Record<string, unknown>; upstream?: Record<string, unknown>; service?: Record<string, unknown> },
): Promise<TestGateway> {
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      ca_certificates: [
        { id: IDS.ca, cert: CA },
        { id: IDS.root, cert: ROOT },
      ],
      certificates: [{ id: IDS.client, cert: fixture('client.crt'), key: fixture('client.key') }],
      upstreams: [
        {
          name: 'app.upstream',
          healthchecks: {
            active: {
              type: 'https',
              http_path: '/health',
              healthy: { interval: 0.1, successes: 1 },
              unhealthy: { interval: 0.1, tcp_failures: 1, http_failures: 1, timeouts: 1 },
              ...fields.active,
            },
          },
          targets: [{ target: `127.0.0.1:${target.port}` }],
          ...fields.upstream,
        },
      ],
      services: [{ name: 'app', host: 'app.upstream', protocol: 'https', port: 443, ...fields.service, routes: [{ name: 'app', paths: ['/'] }] }],
    }),
  )
  t.teardown(() => gw.close())
  return gw
}

const healthy = (gw: TestGateway) => gw.holder.current().balancers.get('app.upstream')!.health()[0]!.healthy

/** Waits until `check` holds (a bound for a loaded machine, not a timing); true if it did. */
async function until(check: () => boolean, ms = 20_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return true
  return check()
}

/** Three probes answered, and the target healthy after them. */
async function assertHealthy(t: Test, gw: TestGateway, target: Target, what: string): Promise<void> {
  t.ok(await until(() => target.probes >= 3), `${what}: the target answered probes`)
  t.equal(healthy(gw), true, `${what}: healthy`)
}

/** Marked unhealthy by probes whose handshakes failed (no probe got as far as its GET). */
async function assertUnhealthy(t: Test, gw: TestGateway, target: Target, what: string): Promise<void> {
  t.ok(await until(() => !healthy(gw)), `${what}: unhealthy`)
  t.ok(target.connections > 0, `${what}: the probes reached the target`)
  t.equal(target.probes, 0, `${what}: and failed in the handshake`)
}

const SERVER_CERT = { cert: fixture('server.crt'), key: fixture('server.key') }

t.test('https_verify_certificate on (the default): a CA that does not sign the target leaves it unhealthy', async (t) => {
  const target = await httpsTarget(t, SERVER_CERT)
  const gw = await probed(t, target, { service: { tls_verify: true, ca_certificates: [IDS.root] } })
  await assertUnhealthy(t, gw, target, 'wrong CA')
})

t.test("https_verify_certificate on: the service's CA certificate that signs the target makes it healthy", async (t) => {
  const target = await httpsTarget(t, SERVER_CERT)
  const gw = await probed(t, target, { service: { tls_verify: true, ca_certificates: [IDS.ca] } })
  await assertHealthy(t, gw, target, 'right CA')
})

t.test('https_verify_certificate: false: the certificate is not checked, whatever the CA', async (t) => {
  const target = await httpsTarget(t, SERVER_CERT)
  const gw = await probed(t, target, { active: { https_verify_certificate: false }, service: { tls_verify: true, ca_certificates: [IDS.root] } })
  await assertHealthy(t, gw, target, 'verification off')
})

t.test('https_sni is the name sent and verified; without it, the upstream host_header', async (t) => {
  const service = { ca_certificates: [IDS.ca] }
  const sni = await httpsTarget(t, SERVER_CERT)
  await assertHealthy(t, await probed(t, sni, { active: { https_sni: 'api.example.test' }, service }), sni, 'https_sni')
  t.equal(sni.servernames[0], 'api.example.test', 'https_sni was sent')
  // The certificate names *.example.test and 127.0.0.1: only the name sent can make this fail.
  const mismatch = await httpsTarget(t, SERVER_CERT)
  await assertUnhealthy(t, await probed(t, mismatch, { active: { https_sni: 'api.other.test' }, service }), mismatch, 'a name the certificate lacks')
  const hostHeader = await httpsTarget(t, SERVER_CERT)
  await assertHealthy(t, await probed(t, hostHeader, { upstream: { host_header: 'api.example.test' }, service }), hostHeader, 'host_header')
  t.equal(hostHeader.servernames[0], 'api.example.test', 'the host_header was sent')
})

t.test("the upstream's client_certificate is presented to a target that requires one", async (t) => {
  const options = { ...SERVER_CERT, requestCert: true, rejectUnauthorized: true, ca: ROOT }
  const service = { ca_certificates: [IDS.ca] }
  const without = await httpsTarget(t, options)
  await assertUnhealthy(t, await probed(t, without, { service }), without, 'no client certificate')
  const withCert = await httpsTarget(t, options)
  await assertHealthy(t, await probed(t, withCert, { upstream: { client_certificate: IDS.client }, service }), withCert, 'client certificate')
})

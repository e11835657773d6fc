// The acme plugin's end-to-end tests' common parts: a gateway with a global acme plugin in
// front of a real upstream, its plain listener on a port chosen before pebble starts (pebble
// validates HTTP-01 there), trusting pebble's certificate in the ACME client only; and TLS
// handshakes that report the certificate served for a server name.
import { X509Certificate } from 'node:crypto'
import { connect, type PeerCertificate } from 'node:tls'
import type { Test } from 'tap'
import { stringify } from 'yaml'
import { gateway, type TestGateway } from './gateway.js'
import { pluginLines } from './plugin-gateway.js'
import type { TestPebble } from './pebble.js'
import { startUpstream } from './upstream.js'

export const DOMAIN = 'acme.test'

/** The certificate a TLS handshake with this server name gets (DER), and the HTTP answer to a GET / over it. */
export function handshake(tlsAddress: string, servername: string): Promise<{ cert: X509Certificate; status: number }> {
  const [host, port] = [tlsAddress.slice(0, tlsAddress.lastIndexOf(':')), Number(tlsAddress.slice(tlsAddress.lastIndexOf(':') + 1))]
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const peer = sock.getPeerCertificate() as PeerCertificate
      const cert = new X509Certificate(peer.raw)
      sock.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`)
      let data = ''
      sock.on('data', (b: Buffer) => (data += b.toString('latin1')))
      sock.on('end', () => resolve({ cert, status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0) }))
    })
    sock.once('error', reject)
  })
}

/** Handshakes until one is answered by a certificate other than the default's (the order takes a few round trips). */
export async function issued(tlsAddress: string, servername: string): Promise<{ cert: X509Certificate; status: number }> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const got = await handshake(tlsAddress, servername)
    if (!got.cert.subject.includes('CN=localhost')) return got
    if (Date.now() > deadline) throw new Error(`no certificate was issued for ${servername}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

export function acmeYml(config: Record<string, unknown>): string {
  return stringify({
    _format_version: '3.0',
    services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'app', paths: ['/'] }] }],
    plugins: [{ name: 'acme', config }],
  })
}

/** Kong appends /directory to an api_uri that does not end with it; pebble's directory is /dir, which ignores a query. */
export const apiUri = (pebble: TestPebble) => `${pebble.directory}?/directory`

export async function acmeGateway(
  t: Test,
  pebble: TestPebble,
  port: number,
  config: Record<string, unknown>,
  lines = pluginLines(),
): Promise<{ g: TestGateway; lines: ReturnType<typeof pluginLines>['lines'] }> {
  const up = await startUpstream('upstream')
  const g = await gateway(acmeYml({ account_email: 'test@test.com', api_uri: apiUri(pebble), ...config }).replaceAll('$UPSTREAM', up.url), {
    listen: [`127.0.0.1:${port}`],
    tlsListen: ['127.0.0.1:0'],
    env: { GATEWAY_LUA_SSL_TRUSTED_CERTIFICATE: pebble.caFile },
    pluginLog: lines.pluginLog,
  })
  t.teardown(async () => {
    await g.close()
    await up.close()
  })
  return { g, lines: lines.lines }
}

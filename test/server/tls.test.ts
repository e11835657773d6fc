// TLS: the certificate is chosen by SNI from the config; HTTPS upstreams verified against ca_certificates.
import { readFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:tls'
import t from 'tap'
import { Agent, request } from 'undici'
import { stringify } from 'yaml'
import { gateway } from '../helpers/gateway.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
const server = { cert: fixture('server.crt'), key: fixture('server.key') }
const other = { cert: fixture('other.crt'), key: fixture('other.key') }
const ca = fixture('ca.crt')

function peerCertificateCN(address: string, servername: string): Promise<string> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const s = connect({ host: host!, port: Number(port), servername, rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject.CN
      s.end()
      resolve(String(Array.isArray(cn) ? cn[0] : cn))
    })
    s.on('error', reject)
  })
}

t.test("--tls-listen serves the certificate named by SNI, exact, wildcard or Kong's default", async (t) => {
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      certificates: [
        { ...server, snis: ['localhost', '*.example.test'] },
        { ...other, snis: ['other.test'] },
      ],
      routes: [{ name: 'hello', paths: ['/'], plugins: [{ name: 'request-termination', config: { status_code: 200, message: 'over tls' } }] }],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(() => gw.close())
  const address = gw.tls[0]!
  t.equal(await peerCertificateCN(address, 'other.test'), 'other.test')
  t.equal(await peerCertificateCN(address, 'api.example.test'), 'localhost', 'wildcard SNI')
  t.equal(await peerCertificateCN(address, 'unknown.test'), 'localhost', "Kong's default certificate (CN localhost; ssl-kong.test.ts tells it apart)")
  const dispatcher = new Agent({ connect: { ca, servername: 'localhost' } })
  t.teardown(() => dispatcher.close())
  const r = await request(`https://${address}/`, { dispatcher })
  t.equal(r.statusCode, 200)
  t.equal(await r.body.text(), '{"message":"over tls"}')
})

t.test('https upstream: tls_verify with ca_certificates accepts the right CA and refuses others', async (t) => {
  const up = createHttpsServer(server, (req, res) => res.end(`tls upstream saw ${req.url}`))
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  const port = (up.address() as AddressInfo).port
  const caId = '7b0e9b0c-1c1d-4e57-9d1f-2f1b8c7f3a10'
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      ca_certificates: [{ id: caId, cert: ca }],
      services: [
        {
          name: 'verified',
          url: `https://localhost:${port}/v`,
          tls_verify: true,
          ca_certificates: [caId],
          routes: [{ name: 'verified', paths: ['/verified'] }],
        },
        {
          name: 'unverifiable',
          url: `https://localhost:${port}/u`,
          tls_verify: true,
          retries: 0,
          routes: [{ name: 'unverifiable', paths: ['/unverifiable'] }],
        },
        { name: 'unverified', url: `https://localhost:${port}/n`, routes: [{ name: 'unverified', paths: ['/unverified'] }] },
      ],
    }),
  )
  t.teardown(async () => {
    await gw.close()
    up.closeAllConnections()
    up.close()
  })
  const ok = await request(`${gw.url}/verified/x`)
  t.equal(ok.statusCode, 200)
  t.equal(await ok.body.text(), 'tls upstream saw /v/x')
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:826 (its body: upstream-tls-kong.test.ts)
  const refused = await request(`${gw.url}/unverifiable`)
  t.equal(refused.statusCode, 502, 'a certificate the system store does not trust is refused when tls_verify is on')
  await refused.body.dump()
  // spec/02-integration/05-proxy/18-upstream_tls_spec.lua:790
  const lax = await request(`${gw.url}/unverified`)
  t.equal(lax.statusCode, 200, 'tls_verify defaults to off, as in Kong')
  await lax.body.dump()
})

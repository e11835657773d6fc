// Kong's upstream-headers spec, hop-by-hop part (spec/02-integration/05-proxy/03-upstream_headers_spec.lua:118-244)
// through a real gateway and a real upstream: what hop-by-hop headers are removed both ways, when
// Trailer is kept, and what a plugin may set. X-Forwarded-* and X-Real-IP (:324-) are in headers.test.ts.
import t from 'tap'
import { stringify } from 'yaml'
import { gateway } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw.js'
import { startUpstream } from '../helpers/upstream.js'

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const up = await startUpstream('upstream', (req, res, body) => {
    if (req.url === '/hop-by-hop') {
      // The spec's /hop-by-hop location: hop-by-hop response headers on a chunked body.
      res.setHeader('Keep-Alive', 'timeout=5, max=1000')
      res.setHeader('Proxy', 'Remove-Me')
      res.setHeader('Proxy-Connection', 'close')
      res.setHeader('Proxy-Authenticate', 'Basic')
      res.setHeader('Trailer', 'Expires')
      res.setHeader('Upgrade', 'example/1, foo/2')
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('hello\r\n')
      res.addTrailers({ Expires: 'Wed, 21 Oct 2015 07:28:00 GMT' })
      return res.end()
    }
    const out = JSON.stringify({ headers: req.headers, body })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
    res.end(out)
  })
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'app',
          url: up.url,
          routes: [
            { name: 'inspect', hosts: ['headers-inspect.test'] },
            {
              name: 'proxy-authorization',
              paths: ['/proxy-authorization'],
              plugins: [
                {
                  name: 'request-transformer',
                  config: { add: { headers: ['Proxy-Authorization:Basic ZGVtbzp0ZXN0'] }, replace: { headers: ['Proxy-Authorization:Basic ZGVtbzp0ZXN0'] } },
                },
              ],
            },
          ],
        },
      ],
    }),
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return gw
}

const seen = (body: string) => (JSON.parse(body) as { headers: Record<string, string | undefined> }).headers

t.test('hop-by-hop headers', async (t) => {
  const gw = await setup(t)

  // spec/02-integration/05-proxy/03-upstream_headers_spec.lua:127
  const req = await rawRequest(`${gw.url}/`, {
    headers: {
      Connection: 'X-Foo, X-Bar',
      Host: 'headers-inspect.test',
      'Keep-Alive': 'timeout=5, max=1000',
      Proxy: 'Remove-Me',
      'Proxy-Connection': 'close',
      'Proxy-Authenticate': 'Basic',
      'Proxy-Authorization': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
      TE: 'trailers, deflate;q=0.5',
      'X-Foo': 'Remove-Me',
      'X-Bar': 'Remove-Me',
      'X-Foo-Bar': 'Keep-Me',
      Close: 'Keep-Me',
    },
  })
  t.equal(req.status, 200)
  const h = seen(req.body)
  t.equal(h['keep-alive'], undefined)
  t.equal(h.proxy, undefined)
  t.equal(h['proxy-connection'], undefined)
  t.equal(h.upgrade, undefined)
  t.equal(h['x-foo'], undefined)
  t.equal(h['x-bar'], undefined)
  t.equal(h['proxy-authenticate'], 'Basic')
  t.equal(h['proxy-authorization'], 'Basic YWxhZGRpbjpvcGVuc2VzYW1l')
  t.equal(h.te, 'trailers', 'trailers are kept')
  t.equal(h['x-foo-bar'], 'Keep-Me')
  t.equal(h.close, 'Keep-Me')

  // spec/02-integration/05-proxy/03-upstream_headers_spec.lua:163
  const res = await rawRequest(`${gw.url}/hop-by-hop`, { headers: { Host: 'headers-inspect.test' } })
  t.equal(res.status, 200)
  t.equal(res.headers['keep-alive'], undefined)
  t.equal(res.headers.trailer, undefined, 'the client did not ask for trailers')
  t.equal(res.headers.upgrade, undefined)
  t.equal(res.headers['transfer-encoding'], 'chunked')

  // spec/02-integration/05-proxy/03-upstream_headers_spec.lua:192
  const withTe = await rawRequest(`${gw.url}/hop-by-hop`, { headers: { Host: 'headers-inspect.test', TE: 'trailers' } })
  t.equal(withTe.status, 200)
  t.equal(withTe.headers.trailer, 'Expires', 'TE: trailers keeps Trailer')

  // spec/02-integration/05-proxy/03-upstream_headers_spec.lua:209 (Kong sends `Connection: keep-alive, Upgrade`;
  // here the upstream sees `Connection: upgrade`: README, Known differences)
  const upgrading = await rawRequest(`${gw.url}/get`, { headers: { Host: 'headers-inspect.test', Connection: 'keep-alive, Upgrade', Upgrade: 'websocket' } })
  t.equal(upgrading.status, 200)
  const u = seen(upgrading.body)
  t.match(u.connection, /\bupgrade\b/i)
  t.equal(u.upgrade, 'websocket')

  // spec/02-integration/05-proxy/03-upstream_headers_spec.lua:225
  const replaced = await rawRequest(`${gw.url}/proxy-authorization`, { headers: { 'Proxy-Authorization': 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' } })
  t.equal(seen(replaced.body)['proxy-authorization'], 'Basic ZGVtbzp0ZXN0')
  const added = await rawRequest(`${gw.url}/proxy-authorization`)
  t.equal(seen(added.body)['proxy-authorization'], 'Basic ZGVtbzp0ZXN0')

  // spec/02-integration/05-proxy/03-upstream_headers_spec.lua:237
  const same = await rawRequest(`${gw.url}/proxy-authorization`, { headers: { 'Proxy-Authorization': 'Basic ZGVtbzp0ZXN0' } })
  t.equal(seen(same.body)['proxy-authorization'], 'Basic ZGVtbzp0ZXN0')
})

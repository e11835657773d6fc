// https-only routes reached over plain http (reference §2.6, forwarded proto/host per §3.2).
import t from 'tap'
import { gateway } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw.js'
import { startUpstream, type Upstream } from '../helpers/upstream.js'

const config = (up: Upstream) => `_format_version: "3.0"
services:
  - name: shop
    url: ${up.url}
    routes:
      - name: upgrade
        paths: [/secure]
        protocols: [https]
      - name: r301
        paths: [/r301]
        protocols: [https]
        https_redirect_status_code: 301
      - name: r302
        paths: [/r302]
        protocols: [https]
        https_redirect_status_code: 302
      - name: r307
        paths: [/r307]
        protocols: [https]
        https_redirect_status_code: 307
      - name: r308
        paths: [/r308]
        protocols: [https]
        https_redirect_status_code: 308
      - name: both
        paths: [/both]
        protocols: [http, https]
`

// spec/02-integration/05-proxy/06-ssl_spec.lua:361
t.test('426 with Kong body and Connection/Upgrade headers; nothing is proxied', async (t) => {
  const up = await startUpstream()
  const gw = await gateway(config(up))
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const r = await rawRequest(`${gw.url}/secure/orders?id=7`)
  t.equal(r.status, 426)
  // Kong answers with kong.response.error since 3.3 (kong/runloop/handler.lua:1288-1299): the
  // template with the request id; spec/02-integration/05-proxy/06-ssl_spec.lua:370-375 reads json.message.
  t.equal(r.body, `{\n  "message":"Please use HTTPS protocol",\n  "request_id":"${r.headers['x-kong-request-id']}"\n}`)
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(r.headers.connection, 'Upgrade')
  t.equal(r.headers.upgrade, 'TLS/1.2, HTTP/1.1')
  t.equal(r.headers.server, 'kong/3.10.0')
  t.match(r.headers['x-kong-request-id'], /^[0-9a-f]{32}$/)
  t.equal(up.requests.length, 0)
})

// spec/02-integration/05-proxy/06-ssl_spec.lua:394 (301) and :407 (302, with a query)
t.test('301/302/307/308 redirect to https://<host without port><original request URI> with an empty body', async (t) => {
  const up = await startUpstream()
  const gw = await gateway(config(up))
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  for (const code of [301, 302, 307, 308]) {
    const r = await rawRequest(`${gw.url}/r${code}/a/./b%2Fc?x=1&y=%20`, { headers: { host: 'shop.example.com:8000' } })
    t.equal(r.status, code)
    t.equal(r.headers.location, `https://shop.example.com/r${code}/a/./b%2Fc?x=1&y=%20`, `${code}: the request URI verbatim, host as nginx $host`)
    t.equal(r.body, '')
  }
  const mixedCase = await rawRequest(`${gw.url}/r301/x`, { headers: { host: 'Shop.Example.com' } })
  t.equal(mixedCase.headers.location, 'https://shop.example.com/r301/x', 'nginx $host is lower-cased')
  t.equal(up.requests.length, 0)
})

t.test('a route allowing http and https is proxied over http', async (t) => {
  const up = await startUpstream()
  const gw = await gateway(config(up))
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const r = await rawRequest(`${gw.url}/both`)
  t.equal(r.status, 200)
  t.equal(up.requests.length, 1)
})

t.test('X-Forwarded-Proto: https from a trusted peer lets the request through; from an untrusted one it does not', async (t) => {
  const up = await startUpstream()
  const trusted = await gateway(config(up), { trustedIps: '127.0.0.1/32' })
  const untrusted = await gateway(config(up))
  t.teardown(async () => {
    await trusted.close()
    await untrusted.close()
    await up.close()
  })
  // spec/02-integration/05-proxy/06-ssl_spec.lua:457
  const through = await rawRequest(`${trusted.url}/secure/orders`, { headers: { 'x-forwarded-proto': 'https' } })
  t.equal(through.status, 200)
  t.equal(JSON.parse(through.body).headers['x-forwarded-proto'], 'https')
  // spec/02-integration/05-proxy/06-ssl_spec.lua:432
  const blocked = await rawRequest(`${untrusted.url}/secure/orders`, { headers: { 'x-forwarded-proto': 'https' } })
  t.equal(blocked.status, 426)
  t.equal(up.requests.length, 1)
})

t.test('a trusted X-Forwarded-Host is the redirect host', async (t) => {
  const up = await startUpstream()
  const gw = await gateway(config(up), { trustedIps: '127.0.0.1/32' })
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const r = await rawRequest(`${gw.url}/r308/cart?x=1`, {
    headers: { host: 'internal:8000', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'www.example.com' },
  })
  t.equal(r.status, 308)
  t.equal(r.headers.location, 'https://www.example.com/r308/cart?x=1')
})

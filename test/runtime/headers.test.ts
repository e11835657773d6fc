// Headers across the proxy (reference §2.5, §3.1–§3.3): X-Forwarded-*, X-Real-IP,
// Via and Server, hop-by-hop removal both ways, and the Host sent upstream.
import t, { type Test } from 'tap'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw.js'
import { startUpstream, type Echo, type Upstream } from '../helpers/upstream.js'

const VIA = '1.1 kong/3.10.0'
const SERVER = 'kong/3.10.0'

// The echo upstream also sets the response headers the client asks for in `x-respond-with` (JSON).
async function echoUpstream(): Promise<Upstream> {
  return startUpstream('echo', (req, res, body) => {
    const extra = req.headers['x-respond-with'] ? (JSON.parse(String(req.headers['x-respond-with'])) as Record<string, string>) : {}
    const out = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body, name: 'echo' })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out), ...extra })
    res.end(out)
  })
}

const config = (up: Upstream) => `_format_version: "3.0"
services:
  - name: echo
    url: ${up.url}
    routes:
      - name: api
        paths: [/api]
      - name: whole
        paths: [/whole]
        strip_path: false
      - name: keep-host
        paths: [/keep]
        preserve_host: true
  - name: by-name
    url: http://localhost:${up.port}
    routes:
      - name: by-name
        paths: [/by-name]
`

const portOf = (gw: TestGateway) => gw.proxy[0]!.split(':').pop()!
const echoOf = (body: string) => JSON.parse(body) as Echo

async function setup(t: Test, trustedIps?: string) {
  const up = await echoUpstream()
  const gw = await gateway(config(up), trustedIps === undefined ? {} : { trustedIps })
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return { up, gw }
}

t.test('X-Forwarded-For: the incoming value gets the peer appended; without one it is the client address', async (t) => {
  const { gw } = await setup(t)
  const plain = echoOf((await fetchRaw(`${gw.url}/api`)).body)
  t.equal(plain.headers['x-forwarded-for'], '127.0.0.1')
  const chained = echoOf((await fetchRaw(`${gw.url}/api`, { headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.2' } })).body)
  t.equal(chained.headers['x-forwarded-for'], '203.0.113.9, 198.51.100.2, 127.0.0.1', 'appended even though the peer is not trusted')
})

t.test('untrusted peer: incoming X-Forwarded-*/X-Real-IP are ignored, the gateway computes its own', async (t) => {
  const { gw } = await setup(t)
  const r = await rawRequest(`${gw.url}/api/it%65ms?x=1`, {
    headers: {
      host: 'API.Example.com:8443',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-port': '9999',
      'x-forwarded-path': '/evil',
      'x-forwarded-prefix': '/evil',
      'x-real-ip': '198.51.100.7',
    },
  })
  t.equal(r.status, 200)
  const h = echoOf(r.body).headers
  t.equal(h['x-forwarded-proto'], 'http', 'the request scheme')
  t.equal(h['x-forwarded-host'], 'api.example.com', 'Host without port, lower-cased')
  t.equal(h['x-forwarded-port'], portOf(gw), 'the listener port')
  t.equal(h['x-forwarded-path'], '/api/it%65ms', 'the raw request path without the query')
  t.equal(h['x-forwarded-prefix'], '/api', 'the stripped prefix')
  t.equal(h['x-real-ip'], '127.0.0.1', 'X-Real-IP is the peer')
  t.equal(h['x-forwarded-for'], '127.0.0.1', 'X-Real-IP from an untrusted peer does not become the client address')
})

t.test('untrusted peer: X-Forwarded-Prefix is not sent when nothing was stripped, even if the client sent one', async (t) => {
  const { gw } = await setup(t)
  const h = echoOf((await fetchRaw(`${gw.url}/whole/x`, { headers: { 'x-forwarded-prefix': '/evil' } })).body).headers
  t.equal(h['x-forwarded-prefix'], undefined)
  t.equal(h['x-forwarded-path'], '/whole/x')
})

t.test('trusted peer (--trusted-ips 127.0.0.1/32): incoming X-Forwarded-* and X-Real-IP are forwarded', async (t) => {
  const { gw } = await setup(t, '127.0.0.1/32')
  const h = echoOf(
    (
      await fetchRaw(`${gw.url}/api/items`, {
        headers: {
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'shop.example.com',
          'x-forwarded-port': '8443',
          'x-forwarded-path': '/public/items',
          'x-forwarded-prefix': '/public',
          'x-real-ip': '198.51.100.7',
        },
      })
    ).body,
  ).headers
  t.equal(h['x-forwarded-proto'], 'https')
  t.equal(h['x-forwarded-host'], 'shop.example.com')
  t.equal(h['x-forwarded-port'], '8443')
  t.equal(h['x-forwarded-path'], '/public/items')
  t.equal(h['x-forwarded-prefix'], '/public')
  t.equal(h['x-real-ip'], '198.51.100.7', 'real IP taken from X-Real-IP')
  t.equal(h['x-forwarded-for'], '198.51.100.7', 'no incoming X-Forwarded-For: the (rewritten) client address')
})

t.test('trusted peer: an incoming X-Forwarded-For gets the connection peer appended, not the X-Real-IP address', async (t) => {
  const { gw } = await setup(t, '127.0.0.1/32')
  const h = echoOf((await fetchRaw(`${gw.url}/api`, { headers: { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '198.51.100.7' } })).body).headers
  t.equal(h['x-forwarded-for'], '203.0.113.9, 127.0.0.1', '§3.2: <incoming>, <connection peer IP>')
  t.equal(h['x-real-ip'], '198.51.100.7')
})

t.test('trusted peer: an X-Real-IP that is not an address is ignored; a mapped IPv4 is unmapped', async (t) => {
  const { gw } = await setup(t, '127.0.0.1/32')
  const bad = echoOf((await fetchRaw(`${gw.url}/api`, { headers: { 'x-real-ip': 'evil<script>' } })).body).headers
  t.equal(bad['x-real-ip'], '127.0.0.1', 'falls back to the peer, as nginx realip does')
  const mapped = echoOf((await fetchRaw(`${gw.url}/api`, { headers: { 'x-real-ip': '::ffff:198.51.100.7' } })).body).headers
  t.equal(mapped['x-real-ip'], '198.51.100.7')
  const v6 = echoOf((await fetchRaw(`${gw.url}/api`, { headers: { 'x-real-ip': '2001:db8::1' } })).body).headers
  t.equal(v6['x-real-ip'], '2001:db8::1')
})

t.test('trusted peer without X-Forwarded-* headers: falls back to scheme, host, listener port, path and prefix', async (t) => {
  const { gw } = await setup(t, '127.0.0.1/32')
  const h = echoOf((await rawRequest(`${gw.url}/api/items?q=1`, { headers: { host: 'shop.example.com:8000' } })).body).headers
  t.equal(h['x-forwarded-proto'], 'http')
  t.equal(h['x-forwarded-host'], 'shop.example.com')
  t.equal(h['x-forwarded-port'], portOf(gw))
  t.equal(h['x-forwarded-path'], '/api/items')
  t.equal(h['x-forwarded-prefix'], '/api')
  t.equal(h['x-real-ip'], '127.0.0.1')
})

t.test('a peer outside --trusted-ips is not trusted', async (t) => {
  const { gw } = await setup(t, '10.0.0.0/8')
  const h = echoOf((await fetchRaw(`${gw.url}/api`, { headers: { 'x-forwarded-proto': 'https', 'x-real-ip': '198.51.100.7' } })).body).headers
  t.equal(h['x-forwarded-proto'], 'http')
  t.equal(h['x-real-ip'], '127.0.0.1')
})

t.test('Via: ours is appended to the client Via upstream, and to the upstream Via in the response', async (t) => {
  const { gw } = await setup(t)
  const bare = await fetchRaw(`${gw.url}/api`)
  t.equal(echoOf(bare.body).headers.via, VIA)
  t.equal(bare.headers.via, VIA)
  const chained = await fetchRaw(`${gw.url}/api`, { headers: { via: '1.0 corp-proxy', 'x-respond-with': JSON.stringify({ via: '1.1 varnish' }) } })
  t.equal(echoOf(chained.body).headers.via, `1.0 corp-proxy, ${VIA}`)
  t.equal(chained.headers.via, `1.1 varnish, ${VIA}`)
})

t.test('Server and Date: the upstream values pass through; ours only when the upstream sent no Server', async (t) => {
  const { gw } = await setup(t)
  const theirs = await fetchRaw(`${gw.url}/api`, {
    headers: { 'x-respond-with': JSON.stringify({ server: 'nginx/1.25.3', date: 'Wed, 01 Jan 2020 00:00:00 GMT' }) },
  })
  t.equal(theirs.headers.server, 'nginx/1.25.3')
  t.equal(theirs.headers.date, 'Wed, 01 Jan 2020 00:00:00 GMT')
  const ours = await fetchRaw(`${gw.url}/api`)
  t.equal(ours.headers.server, SERVER)
  const notFound = await fetchRaw(`${gw.url}/nowhere`)
  t.equal(notFound.headers.server, SERVER, 'gateway-generated responses carry our Server')
})

t.test('request hop-by-hop: headers the client names in Connection, Proxy-Connection, Proxy and Keep-Alive are not forwarded', async (t) => {
  const { gw } = await setup(t)
  const r = await rawRequest(`${gw.url}/api`, {
    headers: {
      connection: 'keep-alive, X-Secret',
      'x-secret': 'do-not-forward',
      'x-kept': 'yes',
      'keep-alive': 'timeout=5',
      'proxy-connection': 'keep-alive',
      proxy: 'http://attacker.example',
    },
  })
  const h = echoOf(r.body).headers
  t.equal(h['x-secret'], undefined)
  t.equal(h['x-kept'], 'yes')
  t.equal(h['keep-alive'], undefined)
  t.equal(h['proxy-connection'], undefined)
  t.equal(h.proxy, undefined)
})

t.test('TE: only "trailers" is forwarded, and only when the client asked for it', async (t) => {
  const { gw } = await setup(t)
  const withTrailers = echoOf((await rawRequest(`${gw.url}/api`, { headers: { te: 'trailers, deflate' } })).body).headers
  t.equal(withTrailers.te, 'trailers')
  const without = echoOf((await rawRequest(`${gw.url}/api`, { headers: { te: 'deflate' } })).body).headers
  t.equal(without.te, undefined)
})

t.test('a client naming gateway headers in Connection cannot strip them', async (t) => {
  const { gw } = await setup(t)
  const r = await rawRequest(`${gw.url}/api`, {
    headers: {
      connection: 'X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, X-Real-IP, Via, X-Kong-Request-Id, Host',
      'x-forwarded-for': '203.0.113.9',
    },
  })
  t.equal(r.status, 200)
  const h = echoOf(r.body).headers
  t.match(h['x-forwarded-for'], /127\.0\.0\.1$/, 'X-Forwarded-For still ends with the peer')
  t.equal(h['x-forwarded-proto'], 'http')
  t.equal(h['x-forwarded-host'], '127.0.0.1')
  t.equal(h['x-real-ip'], '127.0.0.1')
  t.equal(h.via, VIA)
  t.match(h['x-kong-request-id'], /^[0-9a-f]{32}$/)
  t.ok(h.host, 'Host is still sent')
})

t.test('response hop-by-hop: headers the upstream names in Connection are removed, unrequested Upgrade dropped', async (t) => {
  const { gw } = await setup(t)
  const r = await rawRequest(`${gw.url}/api`, {
    headers: { 'x-respond-with': JSON.stringify({ connection: 'keep-alive, X-Internal', 'x-internal': 'secret', 'x-public': 'ok', upgrade: 'h2c' }) },
  })
  t.equal(r.status, 200)
  t.equal(r.headers['x-internal'], undefined)
  t.equal(r.headers['x-public'], 'ok')
  t.equal(r.headers.upgrade, undefined)
  t.notMatch(String(r.headers.connection ?? ''), /x-internal/i)
})

t.test('preserve_host: false sends the service host with its non-default port; true sends the client Host verbatim', async (t) => {
  const { gw, up } = await setup(t)
  const byIp = echoOf((await rawRequest(`${gw.url}/api`, { headers: { host: 'api.example.com' } })).body).headers
  t.equal(byIp.host, `127.0.0.1:${up.port}`)
  const byName = echoOf((await rawRequest(`${gw.url}/by-name`, { headers: { host: 'api.example.com' } })).body).headers
  t.equal(byName.host, `localhost:${up.port}`)
  const kept = echoOf((await rawRequest(`${gw.url}/keep`, { headers: { host: 'api.example.com:8443' } })).body).headers
  t.equal(kept.host, 'api.example.com:8443', 'including the port the client gave')
  const keptNoPort = echoOf((await rawRequest(`${gw.url}/keep`, { headers: { host: 'Api.Example.com' } })).body).headers
  t.equal(keptNoPort.host, 'Api.Example.com', 'raw, not lower-cased')
})

t.test('header names reach the upstream spelled as the client sent them, as nginx forwards them', async (t) => {
  const up = await startUpstream('raw', (req, res) => {
    const out = JSON.stringify(req.rawHeaders)
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
    res.end(out)
  })
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: raw
    url: ${up.url}
    routes:
      - name: raw
        paths: [/]
      - name: renamed
        paths: [/renamed]
        plugins:
          - name: request-transformer
            config: { replace: { headers: ["x-replaced:new"] } }
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const names = async (path: string, headers: Record<string, string>) => {
    const r = await rawRequest(`${gw.url}${path}`, { headers })
    t.equal(r.status, 200)
    return (JSON.parse(r.body) as string[]).filter((_, i) => i % 2 === 0)
  }
  const sent = await names('/', {
    'X-Custom-Header': 'a',
    'User-Agent': 'client/1',
    accept: '*/*',
    'Content-Type': 'text/plain',
    'X-Forwarded-For': '10.0.0.1',
  })
  t.ok(sent.includes('X-Custom-Header'), 'a custom name keeps its capitals')
  t.ok(sent.includes('User-Agent'), 'a well-known name too')
  t.ok(sent.includes('Content-Type'))
  t.ok(sent.includes('accept'), 'a lower-case name stays lower case')
  t.notOk(sent.includes('x-custom-header'))
  t.equal(sent.filter((n) => n.toLowerCase() === 'x-forwarded-for').length, 1, "the gateway's own headers are sent once, whatever the client's spelling")
  const changed = await names('/renamed', { 'X-Custom-Header': 'a', 'X-Replaced': 'old' })
  t.ok(changed.includes('X-Custom-Header'), 'with a plugin that changed another header')
  t.ok(changed.includes('x-replaced'), "a plugin's spelling wins over the client's")
})

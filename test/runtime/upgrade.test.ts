// Upgrade requests (WebSocket) run the same pipeline as plain requests: the
// rewrite phase, the route's https-only rule, host_header, the balancer with
// retries and passive health, and the gateway's answers with Kong's status
// lines, headers and bodies. Each test drives a real handshake on a raw socket.
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import t from 'tap'
import { gateway } from '../helpers/gateway.js'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

interface Seen {
  url: string
  headers: Record<string, string | string[] | undefined>
}

/** A WebSocket-ish upstream: answers 101 and echoes bytes; remembers each handshake. */
async function upgradeServer(t: { teardown(fn: () => void): void }) {
  const seen: Seen[] = []
  const server: Server = createServer((_req, res) => res.end('plain'))
  server.on('upgrade', (req, socket: Socket) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    socket.on('data', (d) => socket.write(d))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { seen, port: (server.address() as AddressInfo).port }
}

/** A port nothing listens on (connections are refused). */
async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

interface Handshake {
  statusLine: string
  headers: Record<string, string>
  body: string
  socket: Socket
}

/** Sends an upgrade request; resolves with the status line, headers and (for a non-101) the body up to close. */
function handshake(address: string, path: string, extra: Record<string, string> = {}): Promise<Handshake> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host!, () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        'Host: ws.test',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
      ]
      socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    })
    let buf = ''
    const parse = (): Handshake => {
      const end = buf.indexOf('\r\n\r\n')
      const [statusLine = '', ...rest] = buf.slice(0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of rest) {
        const i = l.indexOf(':')
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim()
      }
      return { statusLine, headers, body: buf.slice(end + 4), socket }
    }
    const onData = (d: Buffer) => {
      buf += d.toString('latin1')
      if (/^HTTP\/1\.1 101 /.test(buf) && buf.includes('\r\n\r\n')) {
        socket.off('data', onData)
        resolve(parse())
      }
    }
    socket.on('data', onData)
    socket.on('end', () => resolve(parse()))
    socket.on('error', reject)
  })
}

t.test('the global rewrite phase runs on an upgrade request', async (t) => {
  const up = await upgradeServer(t)
  const gw = await gateway(`_format_version: "3.0"
plugins:
  - name: pre-function
    config:
      rewrite:
        - "kong.service.request.set_header('x-rewritten', 'yes')"
services:
  - name: ws
    url: http://127.0.0.1:${up.port}/
    routes: [{ name: ws, paths: [/ws] }]
`)
  t.teardown(() => gw.close())
  const h = await handshake(gw.proxy[0]!, '/ws')
  h.socket.destroy()
  t.equal(h.statusLine, 'HTTP/1.1 101 Switching Protocols')
  t.equal(up.seen[0]!.headers['x-rewritten'], 'yes', 'the rewrite phase changed the upstream request')
})

// spec/02-integration/05-proxy/09-websockets_spec.lua:93
t.test('the 101 names the switch: Upgrade and Connection reach the client, with Via', async (t) => {
  const up = await upgradeServer(t)
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: ws
    url: http://127.0.0.1:${up.port}/
    routes: [{ name: ws, paths: [/ws] }]
`)
  t.teardown(() => gw.close())
  const h = await handshake(gw.proxy[0]!, '/ws')
  h.socket.destroy()
  t.equal(h.statusLine, 'HTTP/1.1 101 Switching Protocols')
  t.equal(h.headers.upgrade, 'websocket', 'a WebSocket client fails the handshake without it')
  t.equal(h.headers.connection, 'upgrade')
  t.equal(h.headers.via, '1.1 kong/3.10.0')
  t.equal(h.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', "the upstream's accept key, for the client's key")
})

t.test('an https-only route answers an upgrade over http with Kong 426, as a plain request', async (t) => {
  const up = await upgradeServer(t)
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: ws
    url: http://127.0.0.1:${up.port}/
    routes: [{ name: ws, paths: [/ws], protocols: [https] }]
`)
  t.teardown(() => gw.close())
  const h = await handshake(gw.proxy[0]!, '/ws', { Accept: 'application/json' })
  // spec/02-integration/05-proxy/06-ssl_spec.lua:370; nginx has no phrase for 426: "HTTP/1.1 426 ".
  t.equal(h.statusLine, 'HTTP/1.1 426 ')
  t.equal(h.headers.upgrade, 'TLS/1.2, HTTP/1.1')
  t.equal(h.headers['content-type'], 'application/json; charset=utf-8')
  t.same(JSON.parse(h.body), { message: 'Please use HTTPS protocol', request_id: h.headers['x-kong-request-id'] })
  t.match(h.headers['x-kong-response-latency'], /^\d+$/)
  t.equal(up.seen.length, 0, 'nothing reached the upstream')
})

t.test('an upstream host_header is the Host of an upgrade request', async (t) => {
  const up = await upgradeServer(t)
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: ws.upstream
    host_header: chat.internal
    targets: [{ target: "127.0.0.1:${up.port}" }]
services:
  - name: ws
    host: ws.upstream
    routes: [{ name: ws, paths: [/ws] }]
`)
  t.teardown(() => gw.close())
  const h = await handshake(gw.proxy[0]!, '/ws')
  h.socket.destroy()
  t.equal(h.statusLine, 'HTTP/1.1 101 Switching Protocols')
  // kong/runloop/balancer/init.lua:396 (host_header replaces the name) and set_host_header (a non-default port is kept).
  t.equal(up.seen[0]!.headers.host, `chat.internal:${up.port}`)
})

t.test('a refused connection is retried on another target; passive checks mark the dead one', async (t) => {
  const up = await upgradeServer(t)
  const dead = await deadPort()
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: ws.upstream
    healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } }
    targets:
      - { target: "127.0.0.1:${dead}" }
      - { target: "127.0.0.1:${up.port}" }
services:
  - name: ws
    host: ws.upstream
    retries: 2
    routes: [{ name: ws, paths: [/ws] }]
`)
  t.teardown(() => gw.close())
  for (let i = 0; i < 4; i++) {
    const h = await handshake(gw.proxy[0]!, '/ws')
    h.socket.destroy()
    t.equal(h.statusLine, 'HTTP/1.1 101 Switching Protocols', `handshake ${i + 1} reached the live target`)
  }
  t.equal(up.seen.length, 4)
  const health = gw.holder.current().balancers.get('ws.upstream')!.health()
  t.same(health, [
    { target: `127.0.0.1:${dead}`, healthy: false },
    { target: `127.0.0.1:${up.port}`, healthy: true },
  ])
})

t.test("the gateway's answers on an upgrade: Kong's status lines, headers and template", async (t) => {
  const up = await upgradeServer(t)
  const gw = await gateway(`_format_version: "3.0"
routes:
  - { name: no-service, paths: [/none] }
services:
  - name: ws
    url: http://127.0.0.1:${up.port}/
    routes:
      - name: ws
        paths: [/ws]
        plugins: [{ name: key-auth }]
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
`)
  t.teardown(() => gw.close())
  const denied = await handshake(gw.proxy[0]!, '/ws', { Accept: 'text/plain' })
  t.equal(denied.statusLine, 'HTTP/1.1 401 Unauthorized')
  t.equal(denied.headers['www-authenticate'], 'Key')
  t.equal(denied.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(denied.body, `No API key found in request\nrequest_id: ${denied.headers['x-kong-request-id']}\n`)
  t.equal(denied.headers['content-length'], String(Buffer.byteLength(denied.body)))
  t.equal(denied.headers.server, 'kong/3.10.0')
  t.match(denied.headers['x-kong-response-latency'], /^\d+$/)

  const none = await handshake(gw.proxy[0]!, '/none')
  t.equal(none.statusLine, 'HTTP/1.1 503 Service Temporarily Unavailable')
  t.equal(JSON.parse(none.body).message, 'no Service found with those values')

  const lost = await handshake(gw.proxy[0]!, '/nowhere')
  t.equal(lost.statusLine, 'HTTP/1.1 404 Not Found')

  const ok = await handshake(gw.proxy[0]!, '/ws', { apikey: 'alice-key' })
  ok.socket.destroy()
  t.equal(ok.statusLine, 'HTTP/1.1 101 Switching Protocols')
  t.equal(up.seen[0]!.headers['x-consumer-username'], 'alice', 'the access phase ran and authenticated')
  t.match(String(ok.headers['x-kong-request-id']), /^[0-9a-f]{32}$/, 'the same request id header as plain requests')
})

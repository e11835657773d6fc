// Upgrade requests are routed, then the client and upstream sockets are joined both ways.
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import t from 'tap'
import { gateway } from '../../helpers/gateway.js'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

async function echoUpgradeServer() {
  const seen: { url: string; headers: Record<string, unknown> }[] = []
  const server = createServer((_req, res) => res.end('plain'))
  server.on('upgrade', (req, socket: Socket) => {
    seen.push({ url: req.url ?? '', headers: req.headers })
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64')
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
    socket.on('data', (d) => socket.write(d)) // echo raw bytes
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, seen, port: (server.address() as AddressInfo).port }
}

function upgrade(address: string, path: string): Promise<{ head: string; socket: Socket }> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host!, () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      )
    })
    let buf = ''
    const onData = (d: Buffer) => {
      buf += d.toString('latin1')
      const end = buf.indexOf('\r\n\r\n')
      if (end !== -1) {
        socket.off('data', onData)
        resolve({ head: buf.slice(0, end), socket })
      }
    }
    socket.on('data', onData)
    socket.on('error', reject)
  })
}

t.test('a websocket upgrade is proxied and data flows both ways', async (t) => {
  const up = await echoUpgradeServer()
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: ws
    url: http://127.0.0.1:${up.port}/socket
    routes: [{ name: ws, paths: [/ws] }]
`)
  t.teardown(async () => {
    await gw.close()
    up.server.closeAllConnections()
    up.server.close()
  })
  const { head, socket } = await upgrade(gw.proxy[0]!, '/ws/room?id=7')
  t.match(head, /^HTTP\/1\.1 101 /)
  t.match(head, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i)
  t.equal(up.seen[0]!.url, '/socket/room?id=7')
  t.equal(up.seen[0]!.headers['x-forwarded-for'], '127.0.0.1')
  const echoed = await new Promise<string>((resolve) => {
    socket.once('data', (d) => resolve(d.toString()))
    socket.write('ping over the tunnel')
  })
  t.equal(echoed, 'ping over the tunnel')
  const closed = new Promise((r) => socket.once('close', r))
  await gw.close()
  await closed
  t.pass('closing the gateway closes open tunnels')
})

t.test('an upgrade with no matching route gets Kong 404', async (t) => {
  const gw = await gateway(`_format_version: "3.0"\nroutes: [{ name: r, paths: [/only] }]\n`)
  t.teardown(() => gw.close())
  const { head, socket } = await upgrade(gw.proxy[0]!, '/nope')
  socket.destroy()
  t.match(head, /^HTTP\/1\.1 404 /)
})

// Real log receivers on 127.0.0.1:0 for the tcp-log, udp-log and loggly tests: a TCP (or TLS)
// server that keeps every newline-terminated line and what each connection was (its number,
// the SNI it named), and a UDP socket that keeps every datagram. Closed when the test ends.
import { createSocket } from 'node:dgram'
import { createServer as netServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as tlsServer, type TLSSocket } from 'node:tls'
import { SERVER_CERT, SERVER_KEY } from './stream.js'

type T = { teardown(fn: () => unknown): void }

export interface Line {
  text: string
  /** Which connection carried it (1 for the first one accepted). */
  connection: number
}

export interface TcpReceiver {
  port: number
  lines: Line[]
  /** Everything received, newlines included, in arrival order per connection. */
  raw: string[]
  /** Connections accepted so far, and the SNI each named over TLS (undefined: none, or plain TCP). */
  connections: { sni: string | undefined; closed: boolean }[]
  /** Closes every connection the receiver holds (the server side ends them). */
  dropConnections(): void
}

export async function tcpReceiver(t: T, opts: { tls?: boolean } = {}): Promise<TcpReceiver> {
  const lines: Line[] = []
  const raw: string[] = []
  const connections: TcpReceiver['connections'] = []
  const sockets = new Set<Socket>()
  const onSocket = (socket: Socket) => {
    const n = connections.length + 1
    const info = { sni: opts.tls ? (socket as TLSSocket).servername || undefined : undefined, closed: false }
    connections.push(info)
    sockets.add(socket)
    let buf = ''
    socket.setEncoding('utf8')
    socket.on('error', () => {})
    socket.on('close', () => {
      info.closed = true
      sockets.delete(socket)
    })
    socket.on('data', (chunk: string) => {
      raw.push(chunk)
      buf += chunk
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push({ text: buf.slice(0, nl), connection: n })
        buf = buf.slice(nl + 1)
      }
    })
  }
  const server: Server = opts.tls ? tlsServer({ cert: SERVER_CERT, key: SERVER_KEY }, onSocket) : netServer(onSocket)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return {
    port: (server.address() as AddressInfo).port,
    lines,
    raw,
    connections,
    dropConnections: () => {
      for (const s of sockets) s.end()
    },
  }
}

export interface UdpReceiver {
  port: number
  datagrams: string[]
}

export async function udpReceiver(t: T): Promise<UdpReceiver> {
  const datagrams: string[] = []
  const socket = createSocket('udp4')
  socket.on('message', (m) => datagrams.push(m.toString('utf8')))
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  return { port: socket.address().port, datagrams }
}

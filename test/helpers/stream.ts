// Stream test helpers: a gateway with stream listeners, TCP / TLS / UDP upstreams on loopback port 0,
// and Node net/tls/dgram clients. The upstreams behave as Kong's stream mock upstream
// (spec/fixtures/custom_nginx.template): read one line, send it back, close; over TLS, a line
// `get_sni` is answered with the server name the client sent, or `nil`.
import { createSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import { createServer as netServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { createServer as tlsServer, connect as tlsConnect, type TLSSocket } from 'node:tls'
import { gateway, type TestGateway } from './gateway.js'
import type { GatewayOptions } from '../../src/server/gateway.js'

const TLS_DIR = join(import.meta.dirname, '..', 'fixtures', 'tls')
export const SERVER_CERT = readFileSync(join(TLS_DIR, 'server.crt'), 'utf8')
export const SERVER_KEY = readFileSync(join(TLS_DIR, 'server.key'), 'utf8')
export const OTHER_CERT = readFileSync(join(TLS_DIR, 'other.crt'), 'utf8')
export const OTHER_KEY = readFileSync(join(TLS_DIR, 'other.key'), 'utf8')
export const CA_CERT = readFileSync(join(TLS_DIR, 'ca.crt'), 'utf8')

/** Kong's spec message (spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:8). */
export const MESSAGE = 'echo, ping, pong. echo, ping, pong. echo, ping, pong.\n'

type T = { teardown(fn: () => unknown): void }

export interface TestUpstream {
  port: number
  /** Connections accepted so far. */
  connections: number
  close(): Promise<void>
}

function closer(server: Server, sockets: Set<Socket>) {
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
}

/** Answers each line with `reply(line, socket)`, then closes (Kong's mock); `keep` keeps the connection for more lines. */
function lineHandler(reply: (line: string, socket: Socket) => string, keep: boolean) {
  return (socket: Socket) => {
    let buf = ''
    socket.on('error', () => {})
    socket.on('data', (c: Buffer) => {
      buf += c.toString('latin1')
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (keep) socket.write(reply(line, socket))
        else {
          socket.end(reply(line, socket))
          return
        }
      }
    })
  }
}

async function listen(t: T, server: Server, sockets: Set<Socket>, state: { connections: number }): Promise<TestUpstream> {
  server.on('connection', (s: Socket) => {
    state.connections++
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const up = Object.assign(state, { port: (server.address() as AddressInfo).port, close: closer(server, sockets) })
  t.teardown(up.close)
  return up
}

/** A TCP upstream that echoes one line and closes (`keep`: echoes every line, stays open). */
export async function tcpEcho(t: T, opts: { keep?: boolean; name?: string } = {}): Promise<TestUpstream> {
  const sockets = new Set<Socket>()
  const tag = opts.name ? `${opts.name}:` : ''
  const server = netServer(lineHandler((line) => `${tag}${line}\n`, opts.keep ?? false))
  return listen(t, server, sockets, { connections: 0 })
}

/** A TLS upstream (server.crt, or `cert`/`key`) echoing one line; `get_sni` answers the SNI it was sent, or `nil`. */
export async function tlsEcho(t: T, opts: { name?: string; cert?: string; key?: string; keep?: boolean } = {}): Promise<TestUpstream> {
  const sockets = new Set<Socket>()
  const tag = opts.name ? `${opts.name}:` : ''
  const handler = lineHandler((line, s) => {
    if (line === 'get_sni') {
      const sni = (s as TLSSocket).servername
      return `${typeof sni === 'string' && sni !== '' ? sni : 'nil'}\n`
    }
    return `${tag}${line}\n`
  }, opts.keep ?? false)
  const server = tlsServer({ cert: opts.cert ?? SERVER_CERT, key: opts.key ?? SERVER_KEY }, handler)
  const state = { connections: 0 }
  // Count raw TCP connections (a TLS server's 'connection' is the raw socket).
  return listen(t, server as unknown as Server, sockets, state)
}

/** A UDP upstream echoing each datagram. */
export async function udpEcho(t: T): Promise<{ port: number; datagrams: number }> {
  const sock = createSocket('udp4')
  const state = { port: 0, datagrams: 0 }
  sock.on('message', (msg, rinfo) => {
    state.datagrams++
    sock.send(msg, rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve))
  state.port = sock.address().port
  t.teardown(() => new Promise<void>((resolve) => sock.close(() => resolve())))
  return state
}

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = netServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** `host:port` of a bound stream listener. */
export function hostPort(bound: string): { host: string; port: number } {
  const m = /^(.*):(\d+)(?: .*)?$/.exec(bound)!
  return { host: m[1]!, port: Number(m[2]) }
}

/** A gateway with only stream listeners (each `HOST:PORT [ssl] [udp]`); closed when the test ends. */
export async function streamGateway(t: T, yaml: string, streamListen: string[], opts: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const gw = await gateway(yaml, { listen: [], streamListen, ...opts })
  t.teardown(() => gw.close())
  return gw
}

export interface Received {
  data: string
  /** How the connection ended: `end` (FIN), `error` (reset), or `close`. */
  how: 'end' | 'error' | 'close'
}

/** Reads a socket until it closes. */
export function readAll(socket: Socket): Promise<Received> {
  return new Promise((resolve) => {
    let data = ''
    let how: Received['how'] = 'close'
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')))
    socket.once('end', () => (how = 'end'))
    socket.once('error', () => (how = 'error'))
    socket.once('close', () => resolve({ data, how }))
  })
}

/** Connects over TCP, sends `message` (if any), reads until the gateway closes. */
export async function tcpExchange(bound: string, message?: string): Promise<Received> {
  const { host, port } = hostPort(bound)
  const socket = netConnect({ host, port })
  const done = readAll(socket)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  }).catch(() => {})
  if (message !== undefined && !socket.destroyed) socket.write(message)
  return done
}

/** Connects over TLS (no verification, as Kong's specs do), sends `message`, reads until closed. */
export async function tlsExchange(bound: string, message: string | undefined, servername?: string): Promise<Received & { authorized?: string }> {
  const { host, port } = hostPort(bound)
  const socket = tlsConnect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}) })
  const done = readAll(socket)
  const subject = await new Promise<string | undefined>((resolve) => {
    socket.once('secureConnect', () => resolve(socket.getPeerCertificate().subject?.CN as string | undefined))
    socket.once('close', () => resolve(undefined))
  })
  if (message !== undefined && !socket.destroyed) socket.write(message)
  return Object.assign(await done, subject !== undefined ? { authorized: subject } : {})
}

/** Sends one datagram from a fresh socket and waits for the first answer. */
export async function udpExchange(bound: string, message: string): Promise<string> {
  const { host, port } = hostPort(bound)
  const sock = createSocket('udp4')
  try {
    const answer = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString())))
    await new Promise<void>((resolve) => sock.connect(port, host, resolve))
    sock.send(message)
    return await answer
  } finally {
    sock.close()
  }
}

/**
 * TCP and TLS stream connections, as Kong's stream listeners serve them:
 *
 * - a plain listener routes at once (scheme `tcp`, no server name);
 * - an `ssl` listener first reads the ClientHello without answering it
 *   (client-hello.ts), routes on its server name, then, as the matched route
 *   says: `tls` terminates (the certificate by SNI, else the default one),
 *   `tls_passthrough` pipes the raw bytes (the hello included) untouched; a
 *   route with neither ends the session (Kong: "unexpected protocols in
 *   matched Route").
 *
 * Then the route's preread plugins, the upstream connection (upstream.ts), and
 * the two sockets piped both ways (backpressure: a side that does not read
 * stops the other one). As nginx's stream proxy without proxy_half_close: the
 * end of either side ends the session once what it sent was passed on; and
 * proxy_timeout, Kong's max(read_timeout, write_timeout), between two
 * successive reads or writes on either socket.
 */
import type { Socket } from 'node:net'
import { TLSSocket, type SecureContext } from 'node:tls'
import type { Runtime } from '../../compile/runtime.js'
import { plainIp } from '../../compile/stream-router.js'
import { MAX_HELLO, readClientHello } from './client-hello.js'
import { StreamSession, type Endpoints, type StreamLog } from './session.js'
import { connectUpstream } from './upstream.js'

/** What the stream listeners share: the Runtime to pin, the default certificate, where errors go. */
export interface StreamContext {
  current(): Runtime
  log: StreamLog
  /** The ssl listeners' certificate when no `snis` entry names the client's server name. */
  defaultContext: SecureContext | undefined
}

/** nginx's preread_timeout (30 s): how long a client may take to send its ClientHello, and to finish a handshake. */
export const PREREAD_TIMEOUT_MS = 30_000

const noop = () => {}

function endpoints(socket: Socket): Endpoints {
  return {
    clientIp: plainIp(socket.remoteAddress ?? ''),
    clientPort: socket.remotePort ?? 0,
    serverAddr: plainIp(socket.localAddress ?? ''),
    serverPort: socket.localPort ?? 0,
  }
}

/** A connection accepted by a stream listener (`ssl`: the listener terminates or passes TLS through). */
export function handleTcp(socket: Socket, ctx: StreamContext, ssl: boolean): void {
  // Pinned now: a reload from here on does not change how this connection is served.
  const rt = ctx.current()
  // Errors are dealt with where they matter; none may reach the process.
  socket.on('error', noop)
  const ends = endpoints(socket)
  if (!ssl) {
    route(rt, socket, ctx, ends, undefined, false)
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  const timer = setTimeout(() => socket.destroy(), PREREAD_TIMEOUT_MS)
  const onData = (chunk: Buffer) => {
    chunks.push(chunk)
    size += chunk.length
    const hello = readClientHello(chunks.length === 1 ? chunk : Buffer.concat(chunks))
    if (hello.kind === 'more' && size <= MAX_HELLO + 64) return
    clearTimeout(timer)
    socket.removeListener('data', onData)
    socket.pause()
    // Put back what was read: the route's proxying sees the client's bytes from the first.
    socket.unshift(Buffer.concat(chunks))
    try {
      route(rt, socket, ctx, ends, hello.kind === 'done' ? hello.sni : undefined, true)
    } catch (e) {
      // A bug of ours ends this connection, never the process.
      ctx.log('error', { err: e }, 'stream connection failed')
      socket.destroy()
    }
  }
  socket.on('data', onData)
  socket.once('close', () => clearTimeout(timer))
}

function route(rt: Runtime, socket: Socket, ctx: StreamContext, ends: Endpoints, sni: string | undefined, ssl: boolean): void {
  const match = rt.streamRouter.match({
    scheme: sni !== undefined ? 'tls' : 'tcp',
    srcIp: ends.clientIp,
    srcPort: ends.clientPort,
    dstIp: ends.serverAddr,
    dstPort: ends.serverPort,
    sni,
  })
  if (!match) {
    ctx.log('error', { client: ends.clientIp, server_port: ends.serverPort, sni }, 'no Route found with those values')
    socket.destroy()
    // Kong's exit(500) in preread: the global log plugins still see the session.
    const session = new StreamSession(rt, undefined, undefined, ssl ? 'tls' : 'tcp', ends, sni, ctx.log)
    session.status = 500
    session.finish()
    return
  }
  const protocols = match.route.protocols
  if (!ssl) {
    serve(new StreamSession(rt, match.route, match.service, 'tcp', ends, sni, ctx.log), socket)
    return
  }
  if (protocols.includes('tls')) {
    terminate(new StreamSession(rt, match.route, match.service, 'tls', ends, sni, ctx.log), socket, ctx)
    return
  }
  if (protocols.includes('tls_passthrough')) {
    serve(new StreamSession(rt, match.route, match.service, 'tls_passthrough', ends, sni, ctx.log), socket)
    return
  }
  ctx.log('error', { route: match.route.name ?? match.route.id, server_port: ends.serverPort }, 'unexpected protocols in matched Route')
  socket.destroy()
}

/** Kong's TLS termination on a stream listener: the certificate its snis name for the server name, else the default one. */
function terminate(session: StreamSession, raw: Socket, ctx: StreamContext): void {
  const secureContext = session.runtime.certificates.contextFor(session.sni) ?? ctx.defaultContext
  const tls = new TLSSocket(raw, { isServer: true, ...(secureContext ? { secureContext } : {}) })
  tls.on('error', noop)
  const timer = setTimeout(() => tls.destroy(), PREREAD_TIMEOUT_MS)
  tls.once('close', () => clearTimeout(timer))
  tls.once('secure', () => {
    clearTimeout(timer)
    const cipher = tls.getCipher()
    session.tls = { version: tls.getProtocol() ?? '', cipher: cipher.name }
    serve(session, tls)
  })
  // Not resumed here: the TLS layer takes the bytes put back on `raw` (the hello) itself, then reads its handle.
}

/** Preread plugins, the upstream, then both sockets piped until the session ends. */
function serve(session: StreamSession, client: Socket): void {
  const exit = session.preread()
  if (exit) {
    client.destroy()
    session.finish()
    return
  }
  const route = session.route
  const service = session.service
  if (!route || !service) {
    session.status = 500
    session.log('error', { route: route?.name ?? route?.id }, 'no service to proxy the stream route to')
    client.destroy()
    session.finish()
    return
  }
  let clientClosed = false
  client.once('close', () => (clientClosed = true))
  void connectUpstream(session.runtime, route, service, session.clientIp, session.sni, session.tries).then(
    (up) => {
      if (!('socket' in up)) {
        session.status = up.status
        session.log('error', { route: route.name ?? route.id, client: session.clientIp }, up.error)
        client.destroy()
        session.finish()
        return
      }
      const upstream = up.socket
      upstream.on('error', noop)
      const done = () => {
        upstream.destroy()
        client.destroy()
        if (up.balancer && up.peer) up.balancer.release(up.peer, { kind: 'connected' }, session.durationMs)
        session.finish()
      }
      if (clientClosed) {
        done()
        return
      }
      session.markProxied()
      pipeBoth(session, client, upstream, Math.max(service.read_timeout, service.write_timeout), done)
    },
    (e: unknown) => {
      session.status = 500
      session.log('error', { route: route.name ?? route.id, err: e }, 'stream proxy failed')
      client.destroy()
      session.finish()
    },
  )
}

function pipeBoth(session: StreamSession, client: Socket, upstream: Socket, timeoutMs: number, done: () => void): void {
  let over = false
  const end = () => {
    if (over) return
    over = true
    done()
  }
  client.on('data', (c: Buffer) => (session.received += c.length))
  upstream.on('data', (c: Buffer) => (session.upstreamReceived += c.length))
  client.setTimeout(timeoutMs, end)
  upstream.setTimeout(timeoutMs, end)
  // One side's end is passed on (pipe ends the other); once that is flushed, the session is over.
  client.once('finish', end)
  upstream.once('finish', end)
  client.once('close', end)
  upstream.once('close', end)
  client.pipe(upstream)
  upstream.pipe(client)
}

/**
 * Kong's /status `server` block (kong.nginx.get_statistics: nginx's stub_status
 * counters), counted on the proxy listeners' own connections. With several
 * workers each counts its listeners and the primary sums them (cli/workers.ts).
 *
 * nginx's states, as Node shows them:
 * - accepted: connections the listener took, dropped ones included; handled:
 *   those it served (Node drops connections over `maxConnections`, emitting
 *   'drop' instead of 'connection': nginx's accepted-but-not-handled);
 * - writing: a request is in flight on the connection (from its headers to the
 *   end of its response, as nginx counts it; an upgraded connection writes until
 *   it closes);
 * - reading: no request in flight, but bytes have arrived since the last one
 *   ended (the next request's headers are being read);
 * - waiting: the rest of the active connections (idle keep-alive, TLS
 *   handshakes), so that active = reading + writing + waiting, as in nginx.
 * Reading and waiting are told apart when /status asks (by bytes read), so the
 * request path pays only a counter and one 'close' listener per request. An
 * HTTP/2 connection is writing while any of its streams is in flight.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest } from 'node:http2'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

export interface ServerStats {
  total_requests: number
  connections_active: number
  connections_accepted: number
  connections_handled: number
  connections_reading: number
  connections_writing: number
  connections_waiting: number
}

export const NO_STATS: Readonly<ServerStats> = Object.freeze({
  total_requests: 0,
  connections_active: 0,
  connections_accepted: 0,
  connections_handled: 0,
  connections_reading: 0,
  connections_writing: 0,
  connections_waiting: 0,
})

/** The counters that only grow: what a worker's primary keeps when the worker dies. */
export type ServerTotals = Pick<ServerStats, 'total_requests' | 'connections_accepted' | 'connections_handled'>

/** Field by field sum (the primary's view of its workers). */
export function sumStats(list: readonly ServerStats[]): ServerStats {
  const out: ServerStats = { ...NO_STATS }
  for (const s of list) for (const k of Object.keys(out) as (keyof ServerStats)[]) out[k] += s[k]
  return out
}

/** One HTTP connection: requests in flight on it, and how much it had read when it last went idle. */
interface Conn {
  socket: Socket
  inFlight: number
  idleAt: number
}

const CONN = Symbol('listener-stats')
type TrackedSocket = Duplex & { [CONN]?: Conn }
type TrackedResponse = ServerResponse & { [CONN]?: Conn }

/**
 * The tracked connection a request arrived on. An HTTP/2 stream's own socket
 * is a stand-in (and the pipeline replaces it: runtime/h2-request.ts); its
 * session's socket reads through to the connection's.
 */
function connectionOf(req: IncomingMessage): Conn | undefined {
  if (req.httpVersionMajor !== 2) return (req.socket as TrackedSocket)[CONN]
  const session = (req as unknown as Http2ServerRequest).stream.session
  return session && !session.destroyed ? (session.socket as unknown as TrackedSocket)[CONN] : undefined
}

/** One shared listener rather than a closure per request: the connection rides on the response. */
function requestDone(this: TrackedResponse): void {
  const conn = this[CONN]!
  conn.inFlight--
  if (conn.inFlight === 0) conn.idleAt = conn.socket.bytesRead
}

export class ListenerStats {
  #accepted = 0
  #handled = 0
  #active = 0
  #requests = 0
  /** HTTP-level connections (the TLS socket on TLS listeners). */
  readonly #conns = new Set<Conn>()
  /** Told each time a total grows (one call per connection and request: it must be cheap). */
  #grew: (() => void) | undefined

  /** `listener` is called each time a total grows (replaces the previous one). */
  onGrowth(listener: () => void): void {
    this.#grew = listener
  }

  /** Counts `server`'s connections and requests from now on. */
  track(server: HttpServer, tls = false): void {
    server.on('connection', (socket: Socket) => {
      this.#accepted++
      this.#handled++
      this.#active++
      this.#grew?.()
      socket.once('close', () => this.#active--)
      // On TLS listeners requests arrive on the TLS socket, once the handshake is done.
      if (!tls) this.#add(socket)
    })
    server.on('drop', () => {
      this.#accepted++
      this.#grew?.()
    })
    if (tls) server.on('secureConnection', (socket: Socket) => this.#add(socket))
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#requests++
      this.#grew?.()
      const conn = connectionOf(req)
      if (!conn) return
      conn.inFlight++
      ;(res as TrackedResponse)[CONN] = conn
      res.once('close', requestDone)
    })
    // An upgraded connection leaves HTTP: it stays "writing" until it closes (its Conn goes with it).
    server.on('upgrade', (req: IncomingMessage) => {
      this.#requests++
      this.#grew?.()
      const conn = (req.socket as TrackedSocket)[CONN]
      if (conn) conn.inFlight++
    })
  }

  #add(socket: Socket): void {
    const conn: Conn = { socket, inFlight: 0, idleAt: 0 }
    ;(socket as TrackedSocket)[CONN] = conn
    this.#conns.add(conn)
    socket.once('close', () => this.#conns.delete(conn))
  }

  /** The totals alone: cheap, unlike snapshot() (which visits every connection). */
  totals(): ServerTotals {
    return { total_requests: this.#requests, connections_accepted: this.#accepted, connections_handled: this.#handled }
  }

  snapshot(): ServerStats {
    let reading = 0
    let writing = 0
    for (const c of this.#conns) {
      if (c.inFlight > 0) writing++
      else if (c.socket.bytesRead > c.idleAt) reading++
    }
    return {
      total_requests: this.#requests,
      connections_active: this.#active,
      connections_accepted: this.#accepted,
      connections_handled: this.#handled,
      connections_reading: reading,
      connections_writing: writing,
      connections_waiting: Math.max(0, this.#active - reading - writing),
    }
  }
}

/**
 * HTTP/2 on the proxy listeners: the settings each session offers, the
 * sessions a listener has open (closed with GOAWAY on shutdown, cut at the
 * drain timeout), and cleartext HTTP/2 (h2c, prior knowledge) beside
 * HTTP/1.1 on one port, told apart by the client's first bytes as nginx does
 * on a plain port with `http2` (Kong's listen option).
 *
 * The limits are nginx's under Kong: at most 128 streams at once per
 * connection (http2_max_concurrent_streams), a header list no larger than the
 * four 8 KiB buffers an HTTP/1.1 head may fill (large_client_header_buffers,
 * which nginx applies to HTTP/2 since 1.19.7), a 64 KiB receive window per
 * stream (http2_body_preread_size: what a client may send before the gateway
 * reads), no server push. Node adds its own guards: a session's memory (10
 * MiB), invalid frames and refused streams (the rapid-reset attack), which
 * close the session with ENHANCE_YOUR_CALM.
 */
import type { Server as HttpServer } from 'node:http'
import {
  createServer as createH2cServer,
  type Http2Session,
  type Http2Server,
  type Http2SecureServer,
  type ServerHttp2Session,
  type Settings,
} from 'node:http2'
import type { Socket } from 'node:net'
import { HEADER_BUFFER_BYTES, HEADER_BUFFERS, MAX_HEADER_LINES } from '../runtime/header-limits.js'

export const H2_SETTINGS: Settings = Object.freeze({
  maxConcurrentStreams: 128,
  maxHeaderListSize: HEADER_BUFFERS * HEADER_BUFFER_BYTES,
  initialWindowSize: 65_536,
  enablePush: false,
})

/** Options of every HTTP/2 server of the proxy (TLS or cleartext). */
export const H2_OPTIONS = {
  settings: H2_SETTINGS,
  // Header fields per request, the four pseudo-headers and one over the limit
  // included, so that too many is refused by the pipeline, as on HTTP/1.1.
  maxHeaderListPairs: MAX_HEADER_LINES + 5,
}

/** How long a connection may stay without a stream before the session is closed (as HTTP/1.1 keep-alive). */
export const H2_IDLE_MS = 72_000

/** The client preface every HTTP/2 connection starts with (RFC 9113 3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
/** A plain connection that sends nothing is closed after this long (nginx's client_header_timeout). */
const FIRST_BYTES_MS = 60_000

/** The HTTP/2 sessions of one listener. */
export class Sessions {
  readonly #open = new Set<Http2Session>()

  constructor(server: Http2SecureServer | Http2Server) {
    server.on('session', (session: ServerHttp2Session) => {
      this.#open.add(session)
      session.once('close', () => this.#open.delete(session))
      // Idle connections close as HTTP/1.1 keep-alive ones do; streams in flight finish first.
      session.setTimeout(H2_IDLE_MS, () => session.close())
      // A session's errors (a peer's protocol error, a reset socket) end that session only.
      session.on('error', () => session.destroy())
    })
  }

  /** GOAWAY to every session: streams in flight finish, no new ones start. */
  close(): void {
    for (const s of this.#open) s.close()
  }

  /** Cuts every session (the drain timeout passed). */
  destroy(): void {
    for (const s of this.#open) s.destroy()
    this.#open.clear()
  }
}

/**
 * Lets a plain HTTP/1.1 server take h2c connections too: each new connection's
 * first bytes are compared with the HTTP/2 preface; a match goes to `h2` (which
 * reads the bytes already taken: Node's sessions accept data read before
 * them), anything else to the HTTP/1.1 server's own connection handling,
 * given the same bytes. Requests of either kind reach `server`'s 'request'.
 */
export function acceptH2c(server: HttpServer): Http2Server {
  const h2 = createH2cServer(H2_OPTIONS, (req, res) => server.emit('request', req, res))
  const http1 = server.listeners('connection') as ((socket: Socket) => void)[]
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    let seen: Buffer | undefined
    const silent = () => socket.destroy()
    const failed = () => socket.destroy()
    const onData = (chunk: Buffer) => {
      seen = seen ? Buffer.concat([seen, chunk]) : chunk
      const n = Math.min(seen.length, PREFACE.length)
      const h2Prefix = seen.compare(PREFACE, 0, n, 0, n) === 0
      if (h2Prefix && seen.length < PREFACE.length) return
      socket.off('data', onData)
      socket.off('error', failed)
      socket.off('timeout', silent)
      socket.setTimeout(0)
      if (h2Prefix) {
        // Node's session reads what is buffered on the socket before its own reads.
        socket.pause()
        socket.unshift(seen)
        h2.emit('connection', socket)
      } else {
        for (const l of http1) l.call(server, socket)
        socket.emit('data', seen)
      }
    }
    socket.on('data', onData)
    socket.on('error', failed)
    socket.setTimeout(FIRST_BYTES_MS, silent)
  })
  return h2
}

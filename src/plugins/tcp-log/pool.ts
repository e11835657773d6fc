/**
 * tcp-log's connections, reused as Kong's cosocket keepalive pool reuses them:
 * a line goes out on an idle connection to the same server when there is one,
 * else on a new one (connect, then the TLS handshake when `tls` is on); once
 * written, the connection waits idle for `keepalive` ms (0: no limit, as
 * ngx's setkeepalive(0)) for the next line, and at most POOL_SIZE wait
 * (nginx's lua_socket_pool_size). `timeout` bounds the connect, the handshake
 * and each write, as the cosocket's settimeout does. Failures are logged in
 * Kong's words and go no further: the request that produced the line is long
 * answered.
 */
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { PluginLog } from '../types.js'
import { socketError, timeoutError } from '../shared/socket-errors.js'

// nginx's lua_socket_pool_size default: idle connections kept per server.
const POOL_SIZE = 30
// ngx's default socket timeouts, which settimeout(0) falls back to.
const DEFAULT_TIMEOUT = 60000
// Past this many bytes waiting to be written on one connection, lines are dropped rather than held.
const MAX_PENDING_BYTES = 16 * 1024 * 1024

export interface TcpTarget {
  host: string
  port: number
  timeout: number
  keepalive: number
  tls: boolean
  tlsSni: string | undefined
}

/** Where a connection is: what its failure means, and whether it waits in the pool. */
type Phase = 'connect' | 'handshake' | 'send' | 'idle'

/** One connection, with one set of listeners for its whole life. */
interface Conn {
  socket: Socket
  phase: Phase
}

export class TcpPool {
  private readonly idle: Conn[] = []
  private closed = false
  private readonly where: string
  private readonly timeout: number

  constructor(
    private readonly target: TcpTarget,
    public log: PluginLog,
  ) {
    this.where = `${target.host}:${target.port}`
    this.timeout = target.timeout > 0 ? target.timeout : DEFAULT_TIMEOUT
  }

  /** Sends one line (its newline included); never throws, never waits. */
  send(line: string): void {
    if (this.closed) return
    const conn = this.idle.pop()
    if (conn) this.write(conn, line)
    else this.open(line)
  }

  close(): void {
    this.closed = true
    for (const c of this.idle.splice(0)) c.socket.destroy()
  }

  private open(line: string): void {
    const { host, port, tls, tlsSni } = this.target
    const raw = netConnect({ host, port })
    raw.unref()
    raw.setNoDelay(true)
    if (!tls) {
      const conn = this.watch(raw, 'connect')
      raw.once('connect', () => this.write(conn, line))
      return
    }
    // Kong's sslhandshake(false, tls_sni, false): no verification, SNI only when tls_sni is set.
    const secure = tlsConnect({ socket: raw, rejectUnauthorized: false, ...(tlsSni ? { servername: tlsSni } : {}) })
    const conn = this.watch(secure, 'connect')
    raw.once('connect', () => (conn.phase = 'handshake'))
    secure.once('secureConnect', () => this.write(conn, line))
  }

  /** The listeners of a new connection: failures logged by phase, the pool told when it closes. */
  private watch(socket: Socket, phase: Phase): Conn {
    const conn: Conn = { socket, phase }
    socket.setTimeout(this.timeout)
    socket.on('timeout', () => socket.destroy(conn.phase === 'idle' ? undefined : timeoutError()))
    socket.on('error', (e) => {
      if (conn.phase !== 'idle') this.log.error(`${FAILED[conn.phase]} ${this.where}: ${socketError(e)}`)
      socket.destroy()
    })
    // A server that closes (or breaks) an idle connection takes it out of the pool quietly, as nginx does.
    socket.on('end', () => socket.destroy())
    socket.on('close', () => {
      const i = this.idle.indexOf(conn)
      if (i >= 0) this.idle.splice(i, 1)
    })
    // Whatever the server sends is read and ignored.
    socket.resume()
    return conn
  }

  private write(conn: Conn, line: string): void {
    const { socket } = conn
    if (socket.writableLength > MAX_PENDING_BYTES) {
      this.log.error(`failed to send data to ${this.where}: too much data waiting, line dropped`)
      return
    }
    conn.phase = 'send'
    socket.setTimeout(this.timeout)
    socket.write(line, (err) => {
      if (!err && !socket.destroyed) this.release(conn)
    })
  }

  /** Back to the pool once written (Kong's setkeepalive), or closed when the pool is full. */
  private release(conn: Conn): void {
    if (this.closed || this.idle.length >= POOL_SIZE) {
      conn.socket.end()
      return
    }
    conn.phase = 'idle'
    const keepalive = this.target.keepalive
    conn.socket.setTimeout(keepalive > 0 ? keepalive : 0)
    this.idle.push(conn)
  }
}

const FAILED: Readonly<Record<Exclude<Phase, 'idle'>, string>> = {
  connect: 'failed to connect to',
  handshake: 'failed to perform TLS handshake to',
  send: 'failed to send data to',
}

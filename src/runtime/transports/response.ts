/**
 * The transport of plain requests: Node's ServerResponse (HTTP/2 streams
 * through the same compat API: h2-response.ts adapts what differs). Status lines carry the reason phrase
 * the pipeline chose (nginx's, or the upstream's), not Node's.
 *
 * nginx's send_timeout lives here: once a write has to wait for the client,
 * the client must take some of it within `sendTimeoutMs`, or the connection
 * is closed (nothing else would ever free it: a reader that stops reading
 * holds its socket and whatever the gateway keeps for it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { frame, type OutHeaders, type Transport } from '../transport.js'

// Set on a connection once an answer said `Connection: close`: requests the
// client pipelined behind it were parsed by Node, but nginx would never read
// them, so they are not run (handle.ts) and die with the connection.
const CLOSING = Symbol('closing')
type Closable = { [CLOSING]?: true } | null

/** The connection's last answer went out with `Connection: close`: later requests on it are not run. */
export function connectionClosing(req: IncomingMessage): boolean {
  return (req.socket as Closable)?.[CLOSING] === true
}

export class ResponseTransport implements Transport {
  readonly kind = 'http' as const
  // Kept: the request lets go of its socket once the response is done, and the count must not reset.
  #socket: { bytesWritten: number } | null = null
  #writtenAtStart = -1
  #continued = false
  #onClose: (() => void)[] | undefined
  /** The status a terminated request logs (nothing was sent). */
  #terminated = 0
  #stall: NodeJS.Timeout | undefined
  /** Bytes the socket still had to send when the stall timer was (re)armed. */
  #pendingAtArm = 0
  #stallListeners = false

  constructor(
    protected readonly req: IncomingMessage,
    protected readonly res: ServerResponse,
    /** nginx's send_timeout (ms); 0 turns it off. */
    private readonly sendTimeoutMs = 0,
  ) {}

  /** Writes the status line and headers (HTTP/2 has no reason phrase: h2-response.ts). */
  protected writeHead(status: number, reason: string, headers: OutHeaders): void {
    this.res.writeHead(status, reason, headers)
    // Later requests the client pipelined on this connection are not run (connectionClosing).
    if (headers.connection === 'close' && this.req.socket) (this.req.socket as Closable)![CLOSING] = true
  }

  /** Bytes written but not yet taken by the client (send_timeout watches them shrink). */
  protected pendingBytes(): number | undefined {
    const socket = this.req.socket
    return socket && !socket.destroyed ? socket.writableLength : undefined
  }

  protected needsDrain(): boolean {
    return this.res.writableNeedDrain
  }

  /** The exchange with the client is over ('close' was emitted). */
  protected get over(): boolean {
    return this.res.closed
  }

  protected get destroyed(): boolean {
    return this.res.destroyed
  }

  markStart(): void {
    if (this.#writtenAtStart >= 0) return
    this.#socket = this.req.socket
    this.#writtenAtStart = this.#socket?.bytesWritten ?? 0
  }

  get closed(): boolean {
    return this.destroyed || this.res.writableEnded
  }

  get started(): boolean {
    return this.res.headersSent
  }

  get status(): number {
    return this.res.headersSent ? this.res.statusCode : this.#terminated
  }

  send(status: number, reason: string, headers: OutHeaders, body: string | Buffer | undefined, trailers?: Readonly<Record<string, string>>): void {
    const res = this.res
    if (res.headersSent) {
      res.destroy()
      return
    }
    const framed = frame(status, headers, body, trailers !== undefined)
    this.writeHead(status, reason, headers)
    if (trailers) res.addTrailers(trailers)
    res.end(this.req.method === 'HEAD' ? undefined : framed)
    if (this.needsDrain()) this.#watchSend()
  }

  head(status: number, reason: string, headers: OutHeaders): void {
    this.writeHead(status, reason, headers)
  }

  write(chunk: Buffer): boolean {
    const ok = this.res.write(chunk)
    if (!ok) this.#watchSend()
    return ok
  }

  onDrain(fn: () => void): void {
    this.res.once('drain', fn)
  }

  end(trailers?: Readonly<Record<string, string>>): void {
    // Node writes them after the last chunk (HTTP/1.1, dropped when the answer had a length) or as HTTP/2 trailers.
    if (trailers) this.res.addTrailers(trailers)
    this.res.end()
    if (this.needsDrain()) this.#watchSend()
  }

  abort(err?: Error): void {
    this.cut(false, err)
  }

  terminate(status: number): void {
    if (!this.res.headersSent) this.#terminated = status
    this.cut(true)
  }

  /** Ends the exchange without finishing the answer: the connection goes (HTTP/2: the stream alone). */
  protected cut(_timedOut: boolean, err?: Error): void {
    this.res.destroy(err)
  }

  /**
   * Arms send_timeout while output waits for the client. It is a timeout
   * between two writes, not for the whole answer: when it fires, a client
   * that took any of the waiting bytes meanwhile gets another period.
   */
  #watchSend(): void {
    if (this.sendTimeoutMs <= 0 || this.#stall !== undefined) return
    const pendingAtArm = this.pendingBytes()
    if (pendingAtArm === undefined) return
    this.#pendingAtArm = pendingAtArm
    if (!this.#stallListeners) {
      // Once per response: every later arm reuses them.
      this.#stallListeners = true
      const clear = () => this.#clearStall()
      this.res.on('drain', clear)
      this.res.once('finish', clear)
      this.res.once('close', clear)
    }
    this.#stall = setTimeout(() => {
      const pending = this.pendingBytes()
      if (pending === undefined || pending === 0) return this.#clearStall()
      if (pending < this.#pendingAtArm) {
        this.#pendingAtArm = pending
        return void this.#stall?.refresh()
      }
      this.#clearStall()
      this.cut(true)
    }, this.sendTimeoutMs).unref()
  }

  #clearStall(): void {
    if (this.#stall === undefined) return
    clearTimeout(this.#stall)
    this.#stall = undefined
  }

  onClose(fn: () => void): void {
    // A client that went away before this was asked (an HTTP/2 stream reset
    // while the pipeline ran): 'close' will not fire again, so `fn` runs now,
    // after the step that asked, lest an upstream exchange outlive its client.
    if (this.over) return queueMicrotask(fn)
    // One listener per response for everything that waits on its end (the
    // upstream exchange, the log phase, the access log): 'close' fires once.
    const waiting = this.#onClose
    if (waiting) waiting.push(fn)
    else {
      const list = (this.#onClose = [fn])
      this.res.on('close', () => {
        for (const f of list) f()
      })
    }
  }

  bytesWritten(): number {
    return this.#socket ? this.#socket.bytesWritten - this.#writtenAtStart : 0
  }

  continue(): void {
    const expect = this.req.headers.expect
    if (expect === undefined || this.#continued || this.res.headersSent) return
    if (expect.trim().toLowerCase() !== '100-continue') return
    this.#continued = true
    this.res.writeContinue()
  }

  tunnel(_reason: string, _headers: OutHeaders, upstream: Duplex): void {
    // Only upgrade requests are tunnelled; an upstream switching protocols on a plain request is a broken upstream.
    upstream.destroy()
    this.res.destroy()
  }
}

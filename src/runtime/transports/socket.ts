/**
 * The transport of HTTP/1.1 Upgrade requests (WebSocket): Node hands over the
 * raw socket, so answers are written as HTTP/1.1 text by hand, with the same
 * status lines, headers and bodies as plain requests. After a 101 the client
 * and upstream sockets are joined; every other answer closes the connection.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http'
import type { Duplex } from 'node:stream'
import { frame, type OutHeaders, type Transport } from '../transport.js'

/** Status line and headers as HTTP/1.1 text; a header Node would refuse (CR/LF, bad name) is left out. */
function headBlock(status: number, reason: string, headers: OutHeaders): string {
  let text = `HTTP/1.1 ${status} ${reason}\r\n`
  for (const name in headers) {
    const value = headers[name]!
    for (const v of Array.isArray(value) ? value : [value]) {
      const s = String(v)
      try {
        validateHeaderName(name)
        validateHeaderValue(name, s)
      } catch {
        continue
      }
      text += `${name}: ${s}\r\n`
    }
  }
  return `${text}\r\n`
}

export class SocketTransport implements Transport {
  readonly kind = 'upgrade' as const
  #started = false
  #ended = false
  #status = 0
  #writtenAtStart = 0

  constructor(
    private readonly socket: Duplex & { bytesWritten?: number },
    /** Bytes the client sent after its request head (the first frames, already read by Node). */
    private readonly clientHead: Buffer,
  ) {
    socket.on('error', () => socket.destroy())
  }

  get closed(): boolean {
    return this.#ended || this.socket.destroyed || !this.socket.writable
  }

  get started(): boolean {
    return this.#started
  }

  get status(): number {
    return this.#status
  }

  send(status: number, reason: string, headers: OutHeaders, body: string | Buffer | undefined): void {
    if (this.#started) {
      this.socket.destroy()
      return
    }
    const framed = frame(status, headers, body)
    headers.connection = 'close'
    this.#started = this.#ended = true
    this.#status = status
    this.socket.write(headBlock(status, reason, headers))
    this.socket.end(framed)
  }

  head(status: number, reason: string, headers: OutHeaders): void {
    // An upstream refusing to switch: its answer is relayed, then the connection closes.
    headers.connection = 'close'
    this.#started = true
    this.#status = status
    this.socket.write(headBlock(status, reason, headers))
  }

  write(chunk: Buffer): boolean {
    return this.socket.write(chunk)
  }

  onDrain(fn: () => void): void {
    this.socket.once('drain', fn)
  }

  end(): void {
    this.#ended = true
    this.socket.end()
  }

  abort(): void {
    this.#ended = true
    this.socket.destroy()
  }

  terminate(status: number): void {
    if (!this.#started) this.#status = status
    this.abort()
  }

  onClose(fn: () => void): void {
    this.socket.once('close', fn)
  }

  markStart(): void {
    this.#writtenAtStart = this.socket.bytesWritten ?? 0
  }

  bytesWritten(): number {
    return (this.socket.bytesWritten ?? 0) - this.#writtenAtStart
  }

  continue(): void {
    // An upgrade request has no body to wait for.
  }

  tunnel(reason: string, headers: OutHeaders, upstream: Duplex): void {
    const client = this.socket
    this.#started = true
    this.#status = 101
    client.write(headBlock(101, reason, headers))
    if (this.clientHead.length > 0) upstream.write(this.clientHead)
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    upstream.pipe(client)
    client.pipe(upstream)
  }
}

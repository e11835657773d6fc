/**
 * The transport of an HTTP/2 stream, through Node's compatibility response.
 * The pipeline is the same as for HTTP/1.1; what differs is on the wire:
 * - no reason phrase (HTTP/2 has none; Node warns when given one);
 * - no connection-specific fields (RFC 9113 8.2.2: Connection, Keep-Alive,
 *   Proxy-Connection, Transfer-Encoding, Upgrade make a response malformed,
 *   and Node refuses to send them), as nginx drops them on HTTP/2;
 * - many streams share one connection, so the bytes of this answer are
 *   counted here (the socket's count mixes every stream), send_timeout
 *   watches this stream's own queue (a client that stops reading one stream
 *   closes its flow-control window, not the connection), and a cut answer
 *   resets its stream only;
 * - a head carrying `grpc-status` (gRPC's trailers-only answer) goes out with
 *   the end of the answer, in one HEADERS frame that ends the stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { constants, type Http2ServerResponse } from 'node:http2'
import type { OutHeaders } from '../transport.js'
import { ResponseTransport } from './response.js'

const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']

export class Http2ResponseTransport extends ResponseTransport {
  readonly #res: Http2ServerResponse
  #counting = false
  #bytes = 0

  constructor(req: IncomingMessage, res: Http2ServerResponse, sendTimeoutMs = 0) {
    super(req, res as unknown as ServerResponse, sendTimeoutMs)
    this.#res = res
  }

  protected override writeHead(status: number, _reason: string, headers: OutHeaders): void {
    for (const name of CONNECTION_SPECIFIC) delete headers[name]
    if (this.#counting) this.#bytes += headerBytes(headers)
    if (headers['grpc-status'] !== undefined) {
      // gRPC's trailers-only answer (an upstream's error, the gateway's own): a client reads
      // its status only from a HEADERS frame that ends the stream, as nginx sends a header-only
      // answer. Node's writeHead sends the head at once, so it is set here and sent by end().
      const res = this.#res
      res.statusCode = status
      for (const name in headers) res.setHeader(name, headers[name] as string | string[] | number)
      return
    }
    this.#res.writeHead(status, headers)
  }

  protected override pendingBytes(): number | undefined {
    const stream = this.#res.stream
    return stream.destroyed ? undefined : stream.writableLength
  }

  protected override needsDrain(): boolean {
    return this.#res.stream.writableNeedDrain
  }

  /**
   * Resets the stream alone (the connection's other streams go on), with the
   * code nginx sends: PROTOCOL_ERROR when the client timed out, else
   * INTERNAL_ERROR (ngx_http_v2_close_stream).
   */
  protected override cut(timedOut: boolean): void {
    const stream = this.#res.stream
    if (!stream.destroyed) stream.close(timedOut ? constants.NGHTTP2_PROTOCOL_ERROR : constants.NGHTTP2_INTERNAL_ERROR)
  }

  protected override get over(): boolean {
    const stream = this.#res.stream
    return stream.closed || stream.destroyed
  }

  protected override get destroyed(): boolean {
    return this.#res.stream.destroyed
  }

  override send(status: number, reason: string, headers: OutHeaders, body: string | Buffer | undefined, trailers?: Readonly<Record<string, string>>): void {
    super.send(status, reason, headers, body, trailers)
    // What frame() left to send, as announced by its Content-Length (none when trailers follow).
    if (this.#counting && this.req.method !== 'HEAD') {
      const length = headers['content-length']
      this.#bytes += length !== undefined ? Number(length) : body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length
    }
  }

  override write(chunk: Buffer): boolean {
    if (this.#counting) this.#bytes += chunk.length
    return super.write(chunk)
  }

  override markStart(): void {
    this.#counting = true
  }

  /** The answer's header fields (uncompressed: HPACK's table makes the real figure smaller) and body bytes. */
  override bytesWritten(): number {
    return this.#bytes
  }
}

/** The header block's size before compression: `:status` and each field's name and value. */
function headerBytes(headers: OutHeaders): number {
  let n = 10
  for (const name in headers) {
    const v = headers[name]!
    if (Array.isArray(v)) for (const one of v) n += name.length + one.length
    else n += name.length + String(v).length
  }
  return n
}

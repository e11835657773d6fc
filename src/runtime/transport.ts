/**
 * How one request's answer goes back to the client. The pipeline's steps are
 * the same for every transport; a transport only adapts the bytes: a Node
 * response object (HTTP/1.1 today, HTTP/2 streams through the same compat
 * API next) or the raw socket of an HTTP/1.1 Upgrade request.
 */
import type { Duplex } from 'node:stream'

/** Response headers as the gateway writes them (lower-cased names). */
export type OutHeaders = Record<string, string | string[] | number>

export interface Transport {
  readonly kind: 'http' | 'upgrade'
  /** The client is gone (or the answer is complete): nothing more can be written. */
  readonly closed: boolean
  /** True once the status line went out. */
  readonly started: boolean
  /** The status sent (0 before), for the access log. */
  readonly status: number
  /**
   * A whole answer: the gateway's own (error, exit) or a buffered, filtered
   * response; with `trailers` (a gRPC answer's), sent chunked so they can follow.
   */
  send(status: number, reason: string, headers: OutHeaders, body: string | Buffer | undefined, trailers?: Readonly<Record<string, string>>): void
  /** Starts a streamed answer (a proxied response). */
  head(status: number, reason: string, headers: OutHeaders): void
  /** Writes a chunk of a streamed answer; false: wait for `onDrain` before the next. */
  write(chunk: Buffer): boolean
  onDrain(fn: () => void): void
  /**
   * Ends a streamed answer, with trailers when given (HTTP/1.1: after the last
   * chunk, so only a chunked answer carries them; HTTP/2: a trailing HEADERS frame).
   */
  end(trailers?: Readonly<Record<string, string>>): void
  /** Cuts the connection mid-answer, so the client sees a truncated response. */
  abort(err?: Error): void
  /**
   * Closes the connection without an answer, as nginx terminates a request
   * (client_body_timeout); `status` is what the log sees when nothing was sent.
   */
  terminate(status: number): void
  /** Runs once the exchange with the client is over (finished, or the client went away). */
  onClose(fn: () => void): void
  /**
   * Notes how many bytes the connection had carried before this answer, so
   * bytesWritten can tell this answer's own (called before plugins run; a
   * request without plugins never pays for it).
   */
  markStart(): void
  /** Bytes written to the client since markStart (headers and body). */
  bytesWritten(): number
  /** Sends 100 Continue when the client waits for it, just before its body is read. */
  continue(): void
  /**
   * After an upstream agreed to switch protocols: sends the 101 and joins the
   * two sockets (upgrade transports only).
   */
  tunnel(reason: string, headers: OutHeaders, upstream: Duplex): void
}

/**
 * Frames a whole answer: its Content-Length, never also chunked (nor both,
 * which smuggles), unless `chunked` (trailers follow). A 204 has no body, so nginx's header filter sends it with
 * neither Content-Length nor Content-Type (Kong's
 * spec/03-plugins/14-request-termination/02-access_spec.lua:241). Returns the
 * body to write.
 */
export function frame(status: number, headers: OutHeaders, body: string | Buffer | undefined, chunked = false): string | Buffer | undefined {
  delete headers['transfer-encoding']
  if (status === 204) {
    delete headers['content-length']
    delete headers['content-type']
    return undefined
  }
  // Trailers follow the last chunk: no length announced.
  if (chunked) {
    delete headers['content-length']
    return body
  }
  headers['content-length'] = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length
  return body
}

/**
 * What a proxy listener does when Node's HTTP parser refuses the bytes on a
 * connection (no request exists yet, so the pipeline never sees them), as
 * nginx does in front of Kong:
 *
 * - bytes after a request that said `Connection: close` are ignored: that
 *   request's answer goes out whole, then the connection closes (llhttp calls
 *   them an error; nginx reads no further request);
 * - a header block over the limit answers 400 "Request header or cookie too
 *   large", anything else unparseable 400 "Bad request", in Kong's error
 *   template with the Server header, and the connection closes (nginx never
 *   keeps a connection alive after a 400). A request still being answered on
 *   the connection (pipelined before the bad bytes) gets its answer first;
 * - a client too slow to send its headers is closed without an answer (nginx's
 *   client_header_timeout).
 */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { BAD_REQUEST, HEADER_TOO_LARGE, reasonPhrase, type ErrorAnswer } from '../errors.js'
import { renderError } from '../runtime/render.js'
import { nextRequestId } from '../runtime/request-id.js'
import { SERVER_TOKEN } from '../version.js'

type ParserSocket = Socket & { _httpMessage?: ServerResponse | null }

/** The answer to a parse error, from its code. */
function answerFor(code: string | undefined): ErrorAnswer | 'ignore' | 'close' {
  switch (code) {
    case 'HPE_CLOSED_CONNECTION':
      return 'ignore'
    case 'ECONNRESET':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'close'
    case 'HPE_HEADER_OVERFLOW':
      return HEADER_TOO_LARGE
    default:
      return BAD_REQUEST
  }
}

/** Fastify's `clientErrorHandler` for the proxy listeners. */
export function proxyClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.destroyed) return
  const answer = answerFor(err.code)
  if (answer === 'ignore') return
  if (answer === 'close') {
    socket.destroy()
    return
  }
  // A response still under way on this connection goes out first (its
  // request was read whole before the bad bytes); ours follows it.
  const inFlight = (socket as ParserSocket)._httpMessage
  if (inFlight && !inFlight.writableFinished) {
    inFlight.once('close', () => refuse(socket, answer))
    return
  }
  refuse(socket, answer)
}

function refuse(socket: Socket, a: ErrorAnswer): void {
  if (socket.destroyed || !socket.writable) return
  // Nothing of a request is known: Kong's error handler falls back to text/plain.
  const id = nextRequestId()
  const r = renderError(a.error, id, undefined, 'proxy')
  const head = [
    `HTTP/1.1 ${a.status} ${reasonPhrase(a.status)}`,
    `Date: ${new Date().toUTCString()}`,
    `Content-Type: ${r.contentType}`,
    `Content-Length: ${Buffer.byteLength(r.body)}`,
    'Connection: close',
    `Server: ${SERVER_TOKEN}`,
    `X-Kong-Request-Id: ${id}`,
  ]
  socket.end(`${head.join('\r\n')}\r\n\r\n${r.body}`)
}

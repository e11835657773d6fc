/**
 * What a proxy listener does when Node's HTTP parser refuses the bytes on a
 * connection (no request exists yet, so the pipeline never sees them), as
 * nginx does in front of Kong:
 *
 * - bytes after a request that said `Connection: close` are ignored: that
 *   request's answer goes out whole, then the connection closes (llhttp calls
 *   them an error; nginx reads no further request);
 * - a head over nginx's `large_client_header_buffers 4 8k` (as Kong sets them):
 *   nginx answers 494, which Kong's error handler sends as 400 "Request header
 *   or cookie too large", or 414 when the request line alone does not fit one
 *   8 KiB buffer (Node would answer 431, Fastify a JSON 431);
 * - anything else unparseable: 400 "Bad request".
 *
 * Answers are in Kong's error template (as `error_default_type` says: nothing
 * of the request, not even Accept, has been read) with the Server header, and the connection
 * closes (nginx never keeps a connection alive after a 400). A request still
 * being answered on the connection (pipelined before the bad bytes) gets its
 * answer first. A client too slow to send its headers is closed without an
 * answer (nginx's client_header_timeout).
 */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { BAD_REQUEST, HEADER_TOO_LARGE, reasonPhrase, URI_TOO_LONG, type ErrorAnswer } from '../errors.js'
import { HEADER_BUFFER_BYTES } from '../runtime/header-limits.js'
import { renderError, type ErrorFormat } from '../runtime/render.js'
import { nextRequestId } from '../runtime/request-id.js'
import type { WireHeaders } from '../runtime/kong-headers.js'

type ParserSocket = Socket & { _httpMessage?: ServerResponse | null }
// Fastify types rawPacket as JSON; Node hands a Buffer.
type ParseError = NodeJS.ErrnoException & { rawPacket?: unknown }

const LF = 0x0a
const REQUEST_START = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /

/**
 * Whether the bytes Node was parsing start a request line longer than one
 * buffer. Node hands over the chunk it was parsing: when the request line
 * arrived in an earlier read, this cannot be told and the answer is 400.
 */
function requestLineTooLong(packet: unknown): boolean {
  if (!Buffer.isBuffer(packet) || !REQUEST_START.test(packet.subarray(0, 32).toString('latin1'))) return false
  const lf = packet.indexOf(LF)
  return lf === -1 ? packet.length > HEADER_BUFFER_BYTES : lf + 1 > HEADER_BUFFER_BYTES
}

/** The answer to a parse error, from its code. */
function answerFor(err: ParseError): ErrorAnswer | 'ignore' | 'close' {
  switch (err.code) {
    case 'HPE_CLOSED_CONNECTION':
      return 'ignore'
    case 'ECONNRESET':
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'close'
    case 'HPE_HEADER_OVERFLOW':
      return requestLineTooLong(err.rawPacket) ? URI_TOO_LONG : HEADER_TOO_LARGE
    default:
      return BAD_REQUEST
  }
}

/** Fastify's `clientErrorHandler` for the proxy listeners, with the gateway's own headers that `wire` switches on and its error format. */
export function proxyClientError(wire: WireHeaders, format: ErrorFormat): (err: ParseError, socket: Socket) => void {
  return (err, socket) => clientError(err, socket, wire, format)
}

function clientError(err: ParseError, socket: Socket, wire: WireHeaders, format: ErrorFormat): void {
  if (socket.destroyed) return
  const answer = answerFor(err)
  if (answer === 'ignore') return
  if (answer === 'close') {
    socket.destroy()
    return
  }
  const inFlight = (socket as ParserSocket)._httpMessage
  // The error came in the middle of a request's body (the client went away,
  // or broke its framing): that request can never be read whole, so nothing
  // is left to answer on this connection.
  if (inFlight && !inFlight.req.complete) {
    socket.destroy()
    return
  }
  // A response still under way on this connection goes out first (its
  // request was read whole before the bad bytes); ours follows it.
  if (inFlight && !inFlight.writableFinished) {
    inFlight.once('close', () => refuse(socket, answer, wire, format))
    return
  }
  refuse(socket, answer, wire, format)
}

// nginx's lingering_timeout: how long the rest of a refused head is read and
// dropped, so that closing does not reset the connection before the client
// has read the answer.
const LINGER_MS = 5000
const ignore = () => {}

function refuse(socket: Socket, a: ErrorAnswer, wire: WireHeaders, format: ErrorFormat): void {
  if (socket.destroyed || !socket.writable) return
  const id = nextRequestId()
  const r = renderError(a.error, id, undefined, 'proxy', undefined, format)
  socket.on('data', ignore)
  socket.on('error', ignore)
  const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref()
  socket.once('close', () => clearTimeout(linger))
  const head = [
    `HTTP/1.1 ${a.status} ${reasonPhrase(a.status)}`,
    `Date: ${new Date().toUTCString()}`,
    `Content-Type: ${r.contentType}`,
    `Content-Length: ${Buffer.byteLength(r.body)}`,
    'Connection: close',
  ]
  if (wire.server !== undefined) head.push(`Server: ${wire.server}`)
  if (wire.requestId) head.push(`X-Kong-Request-Id: ${id}`)
  socket.end(`${head.join('\r\n')}\r\n\r\n${r.body}`)
}

/**
 * The proxy listeners' answer when Node's HTTP parser refuses a request head
 * as too large (HPE_HEADER_OVERFLOW: over 4 x 8 KiB, nginx's
 * `large_client_header_buffers 4 8k` as Kong sets them). Node would answer
 * 431 and Fastify a JSON 431; nginx answers 494, which Kong's error handler
 * sends as 400 `Request header or cookie too large`, or 414 when the request
 * line alone does not fit one 8 KiB buffer. There is no request object yet, so
 * the answer is written on the socket, in Kong's error template (text/plain:
 * nothing of the request, not even Accept, has been read), and the connection
 * is closed as nginx does. Every other parse error goes on to the listeners
 * that were there before (Fastify's).
 */
import type { Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { HEADER_TOO_LARGE, reasonPhrase, URI_TOO_LONG } from '../errors.js'
import { renderError } from '../runtime/render.js'
import { HEADER_BUFFER_BYTES } from '../runtime/header-limits.js'
import { nextRequestId } from '../runtime/request-id.js'
import { SERVER_TOKEN } from '../version.js'

const LF = 0x0a
const REQUEST_START = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /

/**
 * Whether the bytes Node was parsing start a request line longer than one
 * buffer. Node hands over the chunk it was parsing: when the request line
 * arrived in an earlier read, this cannot be told and the answer is 400.
 */
function requestLineTooLong(packet: Buffer | undefined): boolean {
  if (!packet || !REQUEST_START.test(packet.subarray(0, 32).toString('latin1'))) return false
  const lf = packet.indexOf(LF)
  return lf === -1 ? packet.length > HEADER_BUFFER_BYTES : lf + 1 > HEADER_BUFFER_BYTES
}

// nginx's lingering_timeout: how long the rest of a refused head is read and
// dropped, so that closing does not reset the connection before the client
// has read the answer.
const LINGER_MS = 5000
const ignore = () => {}

/** Answers a header overflow and closes the connection; false for any other error (left to the next handler). */
export function answerHeaderOverflow(err: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): boolean {
  if (err.code !== 'HPE_HEADER_OVERFLOW') return false
  if (socket.destroyed) return true
  const answer = requestLineTooLong(err.rawPacket) ? URI_TOO_LONG : HEADER_TOO_LARGE
  const requestId = nextRequestId()
  const r = renderError(answer.error, requestId, undefined, 'proxy', undefined)
  socket.on('data', ignore)
  socket.on('error', ignore)
  const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref()
  socket.once('close', () => clearTimeout(linger))
  socket.end(
    `HTTP/1.1 ${answer.status} ${reasonPhrase(answer.status)}\r\n` +
      `Date: ${new Date().toUTCString()}\r\n` +
      `Content-Type: ${r.contentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(r.body)}\r\n` +
      `Connection: close\r\n` +
      `Server: ${SERVER_TOKEN}\r\n` +
      `X-Kong-Request-Id: ${requestId}\r\n\r\n` +
      r.body,
  )
  return true
}

/**
 * Puts the answer above in front of the server's other 'clientError'
 * listeners (Fastify's): they run only for the errors it leaves.
 */
export function answerClientErrors(server: Server): void {
  const others = server.listeners('clientError') as ((err: Error, socket: Duplex) => void)[]
  server.removeAllListeners('clientError')
  server.on('clientError', (err: Error, socket: Duplex) => {
    if (answerHeaderOverflow(err, socket)) return
    for (const listener of others) listener.call(server, err, socket)
  })
}

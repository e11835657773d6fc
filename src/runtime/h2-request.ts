/**
 * An HTTP/2 stream's request, seen as the pipeline sees an HTTP/1.1 one.
 * Node's compatibility API gives us the stream as a request object whose
 * headers still carry the pseudo-headers (`:method`, `:path`, `:scheme`,
 * `:authority`) and whose socket is a per-stream stand-in. nginx under Kong
 * takes `:authority` as the Host (ngx_http_v2 hands it to the same Host
 * handling as HTTP/1.1's header), and plugins never see a pseudo-header: so
 * `headers`, `rawHeaders` and `headersDistinct` are replaced by views without
 * them and with `host`, and `socket` by one record per connection, so that
 * what the pipeline keeps per connection (where it came from, Kong's
 * connection id and request count) is kept per connection, not per stream.
 *
 * `method` and `url` stay Node's: they read the pseudo-headers from the
 * stream's own header object, which is left untouched.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { Http2ServerRequest } from 'node:http2'
import type { TLSSocket } from 'node:tls'

/** Replaces the request's header views and socket; returns it typed as the pipeline takes it. */
export function adaptHttp2Request(req: Http2ServerRequest): IncomingMessage {
  const source = req.headers
  const raw = req.rawHeaders
  const headers: IncomingHttpHeaders = {}
  const rawHeaders: string[] = []
  const distinct: Record<string, string[]> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.charCodeAt(0) === 58) continue // ':'
    rawHeaders.push(name, raw[i + 1]!)
    ;(distinct[name] ??= []).push(raw[i + 1]!)
  }
  for (const name in source) if (name.charCodeAt(0) !== 58) headers[name] = source[name]
  // A Host field, when the client sent one, is what nginx would have read too.
  const authority = source[':authority']
  if (headers.host === undefined && typeof authority === 'string') {
    headers.host = authority
    rawHeaders.push('host', authority)
    distinct.host = [authority]
  }
  const own = (value: unknown) => ({ value, writable: true, configurable: true, enumerable: true })
  Object.defineProperties(req, {
    headers: own(headers),
    rawHeaders: own(rawHeaders),
    headersDistinct: own(distinct),
    socket: own(connectionOf(req)),
  })
  return req as unknown as IncomingMessage
}

/**
 * What the pipeline reads of a connection, noted once per HTTP/2 session.
 * Node's stand-ins for the session's socket throw once the session is gone
 * (a log phase can run after that), so a plain record is kept instead: the
 * addresses and the TLS server name never change for a connection.
 */
export interface ConnectionFacts {
  readonly remoteAddress: string | undefined
  readonly remotePort: number | undefined
  readonly localAddress: string | undefined
  readonly localPort: number | undefined
  readonly servername: string | undefined
  readonly encrypted: boolean
}

const FACTS = new WeakMap<object, ConnectionFacts>()

function connectionOf(req: Http2ServerRequest): ConnectionFacts {
  const session = req.stream.session
  const key: object = session ?? req.stream
  let facts = FACTS.get(key)
  if (!facts) {
    const socket = req.socket as Partial<TLSSocket>
    facts = {
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      localAddress: socket.localAddress,
      localPort: socket.localPort,
      servername: typeof socket.servername === 'string' ? socket.servername : undefined,
      encrypted: socket.encrypted === true,
    }
    FACTS.set(key, facts)
  }
  return facts
}

/**
 * Whether an HTTP/2 request has a body without announcing its length: a
 * stream the client did not end with its headers carries DATA frames, and
 * HTTP/2 needs neither Content-Length nor chunked framing for them (nginx
 * reads such a body as its chunked one). Always false for HTTP/1.x.
 */
export function unannouncedBody(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 2 && !(req as unknown as Http2ServerRequest).stream.endAfterHeaders
}

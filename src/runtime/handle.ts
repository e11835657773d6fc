/**
 * The entry points of the request path, one per transport: a plain request
 * (a Node response object: HTTP/1.x, or an HTTP/2 stream through Node's
 * compatibility API) and an HTTP/1.1 Upgrade request (a raw socket).
 * Each pins the current Runtime, notes where the request came from, and runs
 * the same pipeline (pipeline.ts). Nothing here parses or sorts config.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import type { Runtime } from '../compile/runtime.js'
import type { ProxyOptions } from './options.js'
import { runPipeline } from './pipeline.js'
import { nextRequestId } from './request-id.js'
import { RequestState, type Arrival } from './state.js'
import type { Transport } from './transport.js'
import { adaptHttp2Request } from './h2-request.js'
import { Http2ResponseTransport } from './transports/h2-response.js'
import { connectionClosing, ResponseTransport } from './transports/response.js'
import { SocketTransport } from './transports/socket.js'
import { requestTrace } from './tracing/trace.js'
import { clientAddress, unmapped } from './trust.js'
import { guarded, unexpected } from './unexpected.js'
import { dropUnderscoreHeaders } from './underscores.js'

export interface HandlerOptions {
  current: () => Runtime
  /** 'https' on TLS listeners. */
  scheme: 'http' | 'https'
  /** The gateway's settings for every request (options.ts), defaults resolved. */
  proxy: ProxyOptions
}

export interface UpgradeHandler {
  (req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every tunnel (shutdown): the HTTP server does not track upgraded sockets for us. */
  closeAll(): void
}

// Everything about where a request came from is the connection's, so it is
// worked out once per connection; only what a trusted peer's real-IP header says varies.
const ARRIVAL = Symbol('arrival')
type ArrivalSocket = TLSSocket & { [ARRIVAL]?: Arrival }

function arrival(req: IncomingMessage, opts: HandlerOptions): Arrival {
  const socket = req.socket as ArrivalSocket
  let a = socket[ARRIVAL]
  if (!a) {
    const peer = unmapped(socket.remoteAddress ?? '')
    a = socket[ARRIVAL] = {
      scheme: opts.scheme,
      localPort: socket.localPort ?? 0,
      peer,
      trusted: opts.proxy.trusted(peer),
      trust: opts.proxy.trusted,
      clientIp: peer,
      sni: opts.scheme === 'https' ? socket.servername || undefined : undefined,
    }
  }
  // Only a trusted peer's header counts (nginx's set_real_ip_from), and only when it is there.
  const rule = opts.proxy.realIp
  if (!a.trusted || req.headers[rule.header] === undefined) return a
  const clientIp = clientAddress(a.peer, req, rule, opts.proxy.trusted)
  return clientIp === a.peer ? a : { ...a, clientIp }
}

/** Runs one request through the pipeline on `transport`, pinned to the Runtime current now. */
function start(req: IncomingMessage, transport: Transport, opts: HandlerOptions): RequestState {
  const proxy = opts.proxy
  // Before anything reads a header (the trusted X-Real-IP below included).
  if (!proxy.underscoresInHeaders) dropUnderscoreHeaders(req)
  // Pinned: a reload mid-request does not mix configs.
  const s = new RequestState(opts.current(), transport, req, nextRequestId(), arrival(req, opts), proxy.limits, proxy.wire, proxy.errors)
  s.log = proxy.requestLog
  // Kong's `request` instrumentation: the root span, only when tracing is on.
  if (proxy.tracing) s.trace = requestTrace(s, proxy.tracing)
  if (proxy.accessLog) logAccess(s, proxy.accessLog)
  // The synchronous part of every step runs under this guard; what follows a
  // promise is guarded where it resumes (pipeline.ts, forward.ts).
  try {
    runPipeline(s)
  } catch (err) {
    unexpected(s, err, 'pipeline')
  }
  return s
}

function logAccess(s: RequestState, log: (entry: Record<string, unknown>) => void): void {
  s.transport.onClose(() => guarded(s, 'access log', () => writeAccess(s, log)))
}

function writeAccess(s: RequestState, log: (entry: Record<string, unknown>) => void): void {
  const match = s.match
  log({
    method: s.req.method,
    path: (s.req.url ?? '/').split('?')[0],
    status: s.transport.status,
    latency_ms: Math.round(performance.now() - s.start),
    request_id: s.requestId,
    // nginx's $remote_addr (after the real-ip rules), noted on arrival: by now
    // Node may have let go of the request's socket.
    client_ip: s.arrival.clientIp,
    route: match ? (match.route.name ?? match.route.id) : undefined,
    service: match?.service ? (match.service.name ?? match.service.id) : undefined,
  })
}

export function createHandler(opts: HandlerOptions): (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void {
  const sendTimeoutMs = opts.proxy.limits.sendTimeoutMs
  return (req, res) => {
    if (req.httpVersionMajor === 2) {
      // HTTP/2 is a transport: the stream runs the same pipeline.
      // A stream the client reset before it was read (rapid reset) costs nothing more.
      if ((req as Http2ServerRequest).stream.closed) return
      const h2 = adaptHttp2Request(req as Http2ServerRequest)
      start(h2, new Http2ResponseTransport(h2, res as Http2ServerResponse, sendTimeoutMs), opts)
      return
    }
    req = req as IncomingMessage
    res = res as ServerResponse
    if (connectionClosing(req)) return
    start(req, new ResponseTransport(req, res, sendTimeoutMs), opts)
  }
}

export function createUpgradeHandler(opts: HandlerOptions): UpgradeHandler {
  const open = new Set<Duplex>()
  const upgrade = ((req: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    start(req, new SocketTransport(socket, head), opts)
  }) as UpgradeHandler
  upgrade.closeAll = () => {
    for (const s of open) s.destroy()
    open.clear()
  }
  return upgrade
}

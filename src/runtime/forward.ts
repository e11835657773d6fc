/**
 * The balance and forward steps: pick a target (Kong's balancer phase), send
 * the request on the node's keep-alive pool through undici's `dispatch` (the
 * engine under @fastify/reply-from, without its per-request option work), and
 * bring the answer back through the response phases: streamed, with what a
 * slow reader cannot take yet held aside (response_buffering, Kong's default:
 * response-spool.ts) or holding the upstream back (response_buffering false),
 * or buffered whole when a body_filter wants the body. A plugin's per-chunk
 * filter (KitResponse.streamBody) rewrites each chunk on its way, before the
 * spool or the backpressure see it; only answers with one pay for it. A failure
 * before the answer started may be retried on another target; an upgrade
 * request that the upstream switches joins the two sockets.
 *
 * gRPC services (HTTP/2 pools, node/pools.ts) stream both ways, as nginx's
 * grpc_pass does: nothing held aside for a slow reader (a stream's flow
 * control holds the upstream back instead), and the upstream's trailers
 * (`grpc-status`, `grpc-message`, metadata) go to the client as trailers
 * (RequestState.upstreamTrailers, which a body_filter may take). Kong's proxy
 * path drops an HTTP/1.1 upstream's trailers, so only gRPC answers carry them.
 */
import { Readable, type Duplex } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { Peer } from '../compile/balancer.js'
import type { Destination } from '../compile/targets.js'
import { failedConnecting } from '../node/connector.js'
import { NAME_RESOLUTION, NO_PEER, reasonPhrase, RETRY_NO_PEER, UPSTREAM_INVALID, UPSTREAM_TIMEOUT } from '../errors.js'
import { firstValue, responseEndToEnd } from './headers.js'
import { addDebugHeaders } from './kong-headers.js'
import { runBodyFilter, runHeaderFilter, runStreamFilters, wantsBody } from './phases.js'
import { CLIENT_BODY_TIMEOUT, BODY_LIMIT, StoredBody } from './request-body.js'
import { answerExit, fail, terminate } from './respond.js'
import { ResponseSpool } from './response-spool.js'
import { startResponse } from './response-draft.js'
import { ProxiedInfo, type RequestState } from './state.js'
import { hostWithoutPort } from './target.js'
import type { OutHeaders } from './transport.js'
import { unexpected } from './unexpected.js'
import type { Outbound } from './upstream-request.js'

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME'])
// Errors before a connection existed: nothing of the request was sent or read.
const CONNECT_PHASE_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])

// undici's own timers tick every ~0.5 s (1 s resolution); a shorter read timeout
// gets a precise timer of its own, longer ones keep undici's (cheaper) ones.
const PRECISE_BELOW_MS = 2000

class HeadersTimeout extends Error {
  readonly code = 'UND_ERR_HEADERS_TIMEOUT'
}

/** One try: the balance step, then the request on its way. */
export function forward(s: RequestState, o: Outbound): void {
  const balancerAt = performance.now()
  const service = o.service
  const targets = s.runtime.targets
  let peer: Peer | undefined
  let d: Destination
  if (o.target) d = targets.direct(service, o.target.host, o.target.port, o.target.scheme)
  else if (o.balancer) {
    // Retries prefer targets not tried yet, then any usable one (Kong's ring does not exclude).
    const hv = o.hashed?.value
    const tried = o.tried!
    peer = o.balancer.pick(tried, hv) ?? (tried.size > 0 ? o.balancer.pick(undefined, hv) : undefined)
    if (!peer) return fail(s, tried.size > 0 ? RETRY_NO_PEER : NO_PEER)
    tried.add(peer.id)
    o.balancer.acquire(peer)
    d = targets.of(service, peer, o.balancer.upstream.host_header)
  } else d = targets.of(service, undefined, undefined)
  let pool = d.pool
  let hostValue = d.hostHeader
  const clientHost = s.req.headers.host
  if (typeof o.pluginHost === 'string') {
    // A plugin's Host is Kong's $upstream_host, which is also the SNI (proxy_ssl_name), and it
    // wins over preserve_host (kong/pdk/service/request.lua:317, kong/runloop/handler.lua:1434).
    if (d.tls) pool = targets.withServername(service, d, o.pluginHost)
  } else if (s.match!.route.preserve_host && clientHost) {
    hostValue = clientHost
    if (d.tls) pool = targets.withServername(service, d, hostWithoutPort(clientHost))
  }
  o.headers.host = o.pluginHost ?? hostValue
  const sentAt = performance.now()
  s.sentAt = sentAt
  if (s.kit || s.trace) {
    s.proxied ??= new ProxiedInfo(o.path, d.origin, sentAt - s.start)
    s.proxied.origin = d.origin
    s.proxied.tries.push({ ip: d.host, port: d.port, balancerStart: performance.timeOrigin + balancerAt, balancerLatency: sentAt - balancerAt })
  }
  const upgrade = s.transport.kind === 'upgrade' ? (firstValue(s.req.headers.upgrade) ?? 'websocket') : null
  pool.dispatch(
    {
      path: o.path,
      method: o.method as Dispatcher.HttpMethod,
      headers: o.headers,
      body: o.body instanceof StoredBody ? o.body.stream() : o.body,
      headersTimeout: service.read_timeout,
      bodyTimeout: service.read_timeout,
      upgrade,
    },
    new Exchange(s, o, peer, sentAt),
  )
}

/** One try's exchange with the upstream (undici's dispatch handler). */
class Exchange implements Dispatcher.DispatchHandler {
  #started = false
  #finished = false
  #timer: NodeJS.Timeout | undefined
  #status = 0
  /** The status to send: the upstream's, unless header_filter changed it. */
  #sendStatus = 0
  #headersAt = 0
  /** A response held for body_filter: sent whole once it ended. */
  #held: { status: number; reason: string; headers: OutHeaders; chunks: Buffer[] } | undefined
  /** The client got the gateway's 500 instead (unexpected.ts): the upstream's body is read and dropped. */
  #discard = false
  /** response_buffering: what a slow reader has not taken yet waits here, not in the upstream. */
  #buffering = false
  #spool: ResponseSpool | undefined
  /** Plugins filter the body chunk by chunk (RequestState.streamFilters). */
  #filtering = false

  constructor(
    private readonly s: RequestState,
    private readonly o: Outbound,
    private readonly peer: Peer | undefined,
    private readonly sentAt: number,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const readTimeout = this.o.service.read_timeout
    if (readTimeout < PRECISE_BELOW_MS && this.#timer === undefined) {
      this.#timer = setTimeout(() => controller.abort(new HeadersTimeout('headers timeout')), readTimeout)
    }
    // The client went away: stop talking to the upstream too.
    this.s.transport.onClose(() => {
      if (this.#finished) return
      const err = new Error('client closed the connection')
      // Over HTTP/2 undici's abort resets the stream with NO_ERROR, which a server
      // whose call still reads its input does not take for a reset: closing the
      // body still being sent (without an error, which undici would turn into
      // that abort) ends undici's pipe early, which resets the stream as an
      // error, and the upstream cancels the call (nginx closes the connection,
      // to the same effect). The abort follows, in case nothing was left to cut.
      const body = this.o.body
      if (this.o.grpc && body instanceof Readable && !body.readableEnded && !body.destroyed) {
        body.destroy()
        setImmediate(() => controller.abort(err))
        return
      }
      controller.abort(err)
    })
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>, socket: Duplex): void {
    this.#finished = true
    if (this.#timer) clearTimeout(this.#timer)
    const out = this.#responseHead(status, headers)
    // Upgrade and Connection are hop-by-hop, but a 101 must name the switch on
    // this hop too (RFC 6455 4.1: a WebSocket client fails the handshake without them), as nginx sends them.
    out.upgrade = firstValue(headers.upgrade) ?? 'websocket'
    out.connection = 'upgrade'
    this.#release({ kind: 'http', status })
    this.s.transport.tunnel(reasonPhrase(101), out, socket)
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    if (status < 200) return // 1xx: Node answers 100-continue itself
    this.#started = true
    if (this.#timer) clearTimeout(this.#timer)
    const s = this.s
    // undici calls us from its parser: an exception here would cut the client
    // off; it is ours (or a header a plugin set behind the kit's back), so the
    // client gets the 500 instead.
    try {
      const out = this.#responseHead(status, headers)
      const sendStatus = this.#sendStatus
      // nginx passes the upstream's status line through, unless a plugin set the status.
      const reason = sendStatus === status ? (statusMessage ?? '') : reasonPhrase(sendStatus)
      // The filters change the body's length: the answer goes chunked (HTTP/2: no length).
      if (s.streamFilters !== undefined) {
        this.#filtering = true
        delete out['content-length']
      }
      const lists = s.lists
      if (lists && lists.bodyFilter.length > 0 && wantsBody(s, lists)) {
        this.#held = { status: sendStatus, reason, headers: out, chunks: [] }
        return
      }
      // nginx's grpc_pass never buffers an answer: a stream's flow control holds the upstream back.
      this.#buffering = s.match!.route.response_buffering !== false && s.transport.kind === 'http' && !this.o.grpc
      s.transport.head(sendStatus, reason, out)
    } catch (err) {
      this.#held = undefined
      this.#discard = true
      unexpected(s, err, 'response head')
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#discard) return
    if (this.#filtering) {
      const out = this.#filter(chunk, false)
      if (out === undefined || out.length === 0) return
      chunk = out
    }
    if (this.#held) {
      this.#held.chunks.push(chunk)
      return
    }
    const spool = this.#spool
    if (spool) return spool.write(chunk)
    const t = this.s.transport
    if (t.write(chunk)) return
    if (this.#buffering) {
      // The client is behind: keep reading the upstream, hold the rest aside.
      this.#spool = new ResponseSpool(t, this.s.limits, controller)
      return
    }
    // Backpressure: resume once the client has drained what we wrote.
    controller.pause()
    t.onDrain(() => controller.resume())
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    this.#finished = true
    const s = this.s
    const held = this.#held
    try {
      // Before body_filter, which may fold them into the body and clear them (grpc-web).
      if (this.o.grpc) s.upstreamTrailers = trailerRecord(trailers, (controller as { rawTrailers?: unknown }).rawTrailers)
      if (this.#filtering && !this.#discard) {
        const last = this.#filter(Buffer.alloc(0), true)
        if (last === undefined) return this.#done()
        if (last.length > 0) {
          if (held) held.chunks.push(last)
          else if (this.#spool) this.#spool.write(last)
          else s.transport.write(last)
        }
      }
      if (held) {
        const body = runBodyFilter(s, s.lists!, Buffer.concat(held.chunks))
        delete held.headers['transfer-encoding']
        // A body_filter that read the whole answer may still change its status (ai-proxy's 500 for an untranslatable one).
        const status = s.response?.status ?? held.status
        const reason = status === held.status ? held.reason : reasonPhrase(status)
        // The filtered body's length is announced even to HEAD, whose body the transport leaves out.
        s.transport.send(status, reason, held.headers, body, s.upstreamTrailers)
      } else if (this.#spool) this.#spool.end()
      else if (!this.#discard) s.transport.end(s.upstreamTrailers)
    } catch (err) {
      unexpected(s, err, 'response end')
    }
    this.#done()
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finished = true
    if (this.#timer) clearTimeout(this.#timer)
    if (this.#discard) return this.#done()
    if (this.#started && !this.#held) {
      // Mid-body failure: the status is already sent; cut the connection so the
      // client sees a truncated response rather than a complete-looking one.
      this.#spool?.close()
      this.s.transport.abort(err)
      this.#done()
      return
    }
    // Nothing was sent yet (a held response is dropped): retry, or Kong's error.
    this.#held = undefined
    const code = (err as NodeJS.ErrnoException).code ?? ''
    const timedOut = TIMEOUT_CODES.has(code)
    const retry = retries(this.s, this.o, code, failedConnecting(err))
    if (this.#started) this.#done()
    // Passive checks see a failed try as Kong reports it: one that is retried
    // from the balancer phase (a timeout, else a TCP failure; kong/init.lua),
    // the last one from the log phase by nginx's upstream status, 504 a
    // timeout and anything else a 502 status (kong/runloop/handler.lua).
    else this.#release(timedOut ? { kind: 'timeout' } : retry ? { kind: 'tcp' } : { kind: 'http', status: 502 })
    try {
      failed(this.s, this.o, code, timedOut, retry)
    } catch (e) {
      unexpected(this.s, e, 'upstream error')
    }
  }

  /**
   * The response's head as the client gets it: hop-by-hop removed,
   * X-Kong-Upstream-Status (before the plugins, which may change the status,
   * as Kong sets it), header_filter run, then Kong's headers, which Kong's
   * runloop sets after the plugins: Via and the latencies, Server when none is
   * left, the request id; each when `headers` has it on (s.wire).
   */
  #responseHead(status: number, upstream: Record<string, string | string[] | undefined>): OutHeaders {
    const s = this.s
    const wire = s.wire
    this.#status = this.#sendStatus = status
    const out = responseEndToEnd(upstream, this.o.headers.te === 'trailers')
    if (wire.upstreamStatus) out['x-kong-upstream-status'] = String(status)
    if (wire.debugHeader) addDebugHeaders(out, s.req.headers, s.match)
    const cookie = this.o.hashed?.setCookie
    if (cookie) {
      const existing = out['set-cookie']
      out['set-cookie'] = existing === undefined ? [cookie] : [...(Array.isArray(existing) ? existing : [String(existing)]), cookie]
    }
    const lists = s.lists
    if (lists) {
      this.#headersAt = performance.now()
      if (s.proxied) {
        s.proxied.status = status
        s.proxied.upstreamLatency = this.#headersAt - this.sentAt
      }
      const draft = startResponse(s, status, out, 'service')
      if (lists.headerFilter.length > 0) runHeaderFilter(s, lists)
      this.#sendStatus = draft.status
    }
    // Kong names the HTTP version it spoke upstream: 2 for a gRPC service (35-via_spec.lua:196).
    const token = this.o.grpc ? wire.viaGrpc : wire.via
    if (token !== undefined) {
      const via = firstValue(upstream.via)
      out.via = via ? `${via}, ${token}` : token
    }
    if (out.server === undefined && wire.server !== undefined) out.server = wire.server
    if (wire.upstreamLatency) out['x-kong-upstream-latency'] = String(Math.round((this.#headersAt || performance.now()) - this.sentAt))
    if (wire.proxyLatency) out['x-kong-proxy-latency'] = String(Math.round(this.sentAt - s.start))
    if (wire.requestId) out['x-kong-request-id'] = s.requestId
    return out
  }

  /**
   * The per-chunk filters over one chunk; undefined when one threw (logged as
   * that plugin's crash): the head is out, so the client's connection is cut
   * (a held answer gets the 500 instead) and the rest of the upstream's body
   * is dropped.
   */
  #filter(chunk: Buffer, last: boolean): Buffer | undefined {
    try {
      return runStreamFilters(this.s, chunk, last)
    } catch (err) {
      this.#discard = true
      this.#held = undefined
      this.#spool?.close()
      const t = this.s.transport
      if (t.started) t.abort()
      else unexpected(this.s, err, 'body_filter')
      return undefined
    }
  }

  #done(): void {
    if (this.s.proxied && this.#headersAt > 0) this.s.proxied.receiveLatency = performance.now() - this.#headersAt
    this.#release({ kind: 'http', status: this.#status })
  }

  #release(outcome: { kind: 'http'; status: number } | { kind: 'tcp' } | { kind: 'timeout' }): void {
    if (this.peer) this.o.balancer!.release(this.peer, outcome, performance.now() - this.sentAt)
  }
}

/**
 * The upstream's trailers, lower-case names, multiple values joined; undefined
 * when there were none. undici parses HTTP/1.1 trailers, but hands HTTP/2 ones
 * (Node's header object) over unparsed on the controller only.
 */
function trailerRecord(parsed: Record<string, string | string[] | undefined>, raw: unknown): Record<string, string> | undefined {
  let out: Record<string, string> | undefined
  const add = (name: string, v: unknown) => {
    if (v === undefined || name.startsWith(':')) return
    ;(out ??= {})[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
  }
  for (const name in parsed) add(name, parsed[name])
  if (out === undefined && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const name of Object.keys(raw)) add(name, (raw as Record<string, unknown>)[name])
  }
  return out
}

/**
 * Whether a try that failed this way is retried: tries left, the client still
 * there, nothing of the request lost (`connecting`: it failed before anything
 * was sent, a TLS handshake included).
 */
function retries(s: RequestState, o: Outbound, code: string, connecting: boolean): boolean {
  if (DNS_CODES.has(code) || (code === BODY_LIMIT && o.limit) || code === CLIENT_BODY_TIMEOUT) return false
  return o.retriesLeft > 0 && !s.transport.closed && (o.resendable || connecting || CONNECT_PHASE_CODES.has(code))
}

/** A try failed before its answer started: another try (`retry`, from retries()), or Kong's answer. */
function failed(s: RequestState, o: Outbound, code: string, timedOut: boolean, retry: boolean): void {
  // Kong answers these before proxying (its balancer resolves names in the access phase).
  if (DNS_CODES.has(code)) {
    s.sentAt = 0
    return fail(s, NAME_RESOLUTION)
  }
  if (code === BODY_LIMIT && o.limit) {
    s.sentAt = 0
    return answerExit(s, o.limit.exit)
  }
  // A streamed body that stalled: nginx ends the request without an answer (408 in the log).
  if (code === CLIENT_BODY_TIMEOUT) return terminate(s, 408)
  // Kong's log record marks the try: nginx logs 504 for a timeout, 502 for any other failure.
  const attempt = s.proxied?.tries[s.proxied.tries.length - 1]
  if (attempt) attempt.failed = timedOut ? 504 : 502
  if (retry) {
    o.retriesLeft--
    return forward(s, o)
  }
  fail(s, timedOut ? UPSTREAM_TIMEOUT : UPSTREAM_INVALID)
}

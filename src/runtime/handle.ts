/**
 * The request path: pin the current Runtime, route, run the access plugins,
 * pick a target, forward, and answer with Kong's statuses, messages and headers.
 * Everything here reads only compiled state; nothing parses or sorts config.
 */
import { randomFillSync } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { Transform, type Readable } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import { escapeUpstreamPath, normalizeRequestPath } from './target.js'
import type { RouteMatch } from '../compile/router.js'
import type { Service } from '../config/model.js'
import type { Exit } from '../plugins/types.js'
import { SERVER_TOKEN } from '../version.js'
import type { Pool } from 'undici'
import type { Peer } from '../compile/balancer.js'
import { hostWithoutPort, splitRequestTarget } from './target.js'
import type { PhaseLists } from '../compile/chains.js'
import { ProxiedInfo, RequestKit } from './kit.js'
import { runAccess, runBodyFilter, runHeaderFilter, runLog, runRewrite } from './phases.js'
import { forward } from './forward.js'
import { continueIfExpected, firstValue, requestEndToEnd, responseEndToEnd } from './headers.js'
import { defaultMessage, MSG_HTTPS_REQUIRED, MSG_NAME_RESOLUTION, MSG_NO_PEER, MSG_NO_ROUTE, MSG_NO_SERVICE, renderError, renderExit } from './responses.js'
import type { Runtime } from '../compile/runtime.js'
import { clientAddress, unmapped, type TrustCheck } from './trust.js'

export interface HandlerOptions {
  current: () => Runtime
  trusted: TrustCheck
  /** 'https' on TLS listeners. */
  scheme: 'http' | 'https'
  /** One entry per request when set; nothing is added to the request path otherwise. */
  accessLog?: ((entry: Record<string, unknown>) => void) | undefined
}

const VIA = `1.1 ${SERVER_TOKEN}`
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME'])
// Errors before a connection existed: nothing of the request was sent or read.
const CONNECT_PHASE_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])

// The pool of a (service, target) pair, found without building a key string per request.
// Keyed by the frozen entities, so a new config starts afresh (pools themselves are shared).
const poolsByService = new WeakMap<Service, Map<Peer | undefined, Pool>>()
const cachedPool = (service: Service, peer: Peer | undefined): Pool | undefined => poolsByService.get(service)?.get(peer)
function keepPool(service: Service, peer: Peer | undefined, pool: Pool): Pool {
  let byPeer = poolsByService.get(service)
  if (!byPeer) poolsByService.set(service, (byPeer = new Map()))
  byPeer.set(peer, pool)
  return pool
}

const ms = (from: number) => String(Math.round(performance.now() - from))

// Request ids: 32 hex chars like nginx's $request_id, cut from a pooled random buffer.
const ID_POOL = Buffer.alloc(16 * 256)
let idOffset = ID_POOL.length
function requestIdOf(): string {
  if (idOffset >= ID_POOL.length) {
    randomFillSync(ID_POOL)
    idOffset = 0
  }
  const id = ID_POOL.toString('hex', idOffset, idOffset + 16)
  idOffset += 16
  return id
}

function send(res: ServerResponse, status: number, headers: Record<string, string | string[] | number>, body: string | Buffer | undefined): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  headers['content-length'] = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length
  res.writeHead(status, headers)
  res.end(body)
}

export function createHandler(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = handleRequest(opts)
  const accessLog = opts.accessLog
  if (!accessLog) return handle
  return (req, res) => {
    const start = performance.now()
    res.once('finish', () => {
      const routed = (res as RoutedResponse)[ROUTED]
      accessLog({
        method: req.method,
        path: (req.url ?? '/').split('?')[0],
        status: res.statusCode,
        latency_ms: Math.round(performance.now() - start),
        request_id: routed?.requestId,
        client_ip: unmapped(req.socket.remoteAddress ?? ''),
        route: routed?.route,
        service: routed?.service,
      })
    })
    handle(req, res)
  }
}

// The access log reads what was routed from the response, set only when logging is on.
const ROUTED = Symbol('routed')
type RoutedResponse = ServerResponse & { [ROUTED]?: { requestId: string; route?: string; service?: string | undefined } }

type OutHeaders = Record<string, string | string[] | number>

function handleRequest(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const logging = opts.accessLog !== undefined
  return function handle(req, res) {
    const start = performance.now()
    const runtime = opts.current() // pinned: a reload mid-request does not mix configs
    const requestId = requestIdOf()
    if (logging) (res as RoutedResponse)[ROUTED] = { requestId }
    const accept = firstValue(req.headers.accept)
    // Built only when plugins run; `kit.lists` then names the response phases to run.
    let kit: RequestKit | undefined

    const kongHeaders = (extra?: Record<string, string | string[]>): OutHeaders => ({
      server: SERVER_TOKEN,
      'x-kong-response-latency': ms(start),
      'x-kong-request-id': requestId,
      ...extra,
    })
    // Every answer the gateway makes itself goes through here: response phases, then send.
    const reply = (status: number, headers: OutHeaders, body: string | Buffer | undefined, source: 'exit' | 'error') => {
      const lists = kit?.lists
      if (kit && lists) {
        const r = kit.respond(status, headers, source)
        if (lists.headerFilter.length > 0) runHeaderFilter(lists, kit)
        status = r.status
        if (lists.bodyFilter.length > 0 && kit.wantsBody(lists))
          body = runBodyFilter(lists, kit, typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0)))
        if (lists.log.length > 0) logAfter(res, lists, kit)
      }
      send(res, status, headers, req.method === 'HEAD' ? undefined : body)
    }
    const error = (status: number, message: string = defaultMessage(status), origin: 'kong' | 'proxy' = 'kong', extra?: Record<string, string | string[]>) => {
      const r = renderError(message, requestId, accept, origin, firstValue(req.headers['content-type']))
      reply(status, kongHeaders({ ...extra, 'content-type': r.contentType }), r.body, 'error')
    }
    const exit = (e: Exit) => {
      if (e.error !== undefined) return error(e.status, e.error, 'kong', e.headers)
      const headers = kongHeaders(e.headers)
      if (e.message !== undefined || e.json !== undefined) {
        const r = e.message !== undefined ? renderExit(e.message) : { contentType: 'application/json; charset=utf-8', body: JSON.stringify(e.json) }
        if (headers['content-type'] === undefined) headers['content-type'] = r.contentType
        return reply(e.status, headers, r.body, 'exit')
      }
      reply(e.status, headers, e.body, 'exit')
    }

    const rawUrl = req.url ?? '/'
    const target = splitRequestTarget(rawUrl)
    if (!target) return error(400, undefined, 'proxy')
    const { rawPath, query } = target
    const path = normalizeRequestPath(rawPath)
    if (path === undefined) return error(400, undefined, 'proxy')

    const socket = req.socket as TLSSocket
    const localPort = socket.localPort ?? 0
    const host = req.headers.host ?? ''
    const peer = unmapped(socket.remoteAddress ?? '')
    const trusted = opts.trusted(peer)
    const remoteAddr = clientAddress(peer, trusted, req.headers['x-real-ip'])
    const chains = runtime.chains
    const makeKit = () =>
      new RequestKit({
        req,
        requestId,
        rawPath,
        normalizedPath: path,
        rawQuery: query.slice(1),
        scheme: opts.scheme,
        port: localPort,
        clientIp: remoteAddr,
        peerIp: peer,
        start,
        beforeBody: () => continueIfExpected(req, res),
      })

    const routeAndAccess = () => {
      const match = runtime.router.match({
        method: req.method ?? 'GET',
        host,
        path,
        headers: runtime.router.usesHeaders ? req.headersDistinct : req.headers,
        sni: opts.scheme === 'https' ? socket.servername || undefined : undefined,
        port: localPort,
      })
      if (!match) return error(404, MSG_NO_ROUTE)
      if (logging)
        Object.assign((res as RoutedResponse)[ROUTED]!, {
          route: match.route.name ?? match.route.id,
          service: match.service ? (match.service.name ?? match.service.id) : undefined,
        })

      const forwardedProto = (trusted && firstValue(req.headers['x-forwarded-proto'])) || opts.scheme
      if (match.httpsOnly && forwardedProto !== 'https') {
        const code = match.route.https_redirect_status_code
        if (code === 426)
          return reply(
            426,
            kongHeaders({ 'content-type': 'application/json; charset=utf-8', connection: 'Upgrade', upgrade: 'TLS/1.2, HTTP/1.1' }),
            renderExit(MSG_HTTPS_REQUIRED).body,
            'error',
          )
        const fwdHost = (trusted && firstValue(req.headers['x-forwarded-host'])) || hostWithoutPort(host)
        return reply(code, kongHeaders({ location: `https://${fwdHost}${rawUrl}` }), undefined, 'error')
      }
      if (match.grpcOnly) {
        // A grpc/grpcs-only route: Kong refuses plain HTTP and HTTP/1 clients.
        const ct = firstValue(req.headers['content-type']) ?? ''
        if (!ct.startsWith('application/grpc')) return error(415, 'Non-gRPC request matched gRPC route')
        if (req.httpVersionMajor < 2)
          return reply(
            426,
            kongHeaders({ 'content-type': 'application/json; charset=utf-8', upgrade: 'HTTP/2' }),
            renderExit('Please use HTTP2 protocol').body,
            'error',
          )
      }
      const chain = chains.forRoute(match.route)
      if (chain.empty) return proxy(match, undefined)
      kit ??= makeKit()
      kit.routed(match)
      const accessed = runAccess(chain, kit)
      if (accessed === undefined) return proxy(match, undefined)
      if (!isThenable(accessed)) return proxy(match, accessed)
      accessed.then(
        (e) => {
          if (!res.destroyed) proxy(match, e)
        },
        () => error(500),
      )
    }

    const proxy = (match: RouteMatch, exited: Exit | undefined) => {
      if (exited) return exit(exited)
      const service = match.service
      if (!service) return error(503, MSG_NO_SERVICE)
      forwardTo(match, service)
    }

    const forwardTo = (match: RouteMatch, service: Service) => {
      const up = kit?.upstream
      const headers = upstreamHeaders(
        req.headers,
        { match, service, requestId, peer, remoteAddr, trusted, scheme: opts.scheme, localPort, rawPath },
        up?.headersTouched ? up.headers : undefined,
      )
      // A plugin that read or replaced the body turns streaming into a buffer.
      const buffered = up?.bodyOverride ?? kit?.request.buffered
      if (up?.bodyOverride) headers['content-length'] = String(up.bodyOverride.length)
      const hasBody =
        buffered !== undefined
          ? buffered.length > 0
          : req.headers['content-length'] !== undefined
            ? req.headers['content-length'] !== '0'
            : req.headers['transfer-encoding'] !== undefined
      const method = up?.method ?? req.method ?? 'GET'
      const upstreamPath = escapeUpstreamPath(up?.pathOverride ?? match.upstreamPath) + (up ? up.finalQuery(query) : query)
      const targetOverride = up?.target
      const balancer = targetOverride ? undefined : runtime.balancers.get(service.host)
      const hashed = targetOverride
        ? undefined
        : runtime.hashInputs.get(service.host)?.({ remoteAddr, path, query, headers: req.headers, captures: match.captures })
      const tried = new Set<string>()
      // Any request may be retried while nothing was sent (connect-phase errors);
      // after that, only bodiless (or buffered) idempotent ones (nginx's proxy_next_upstream).
      let retriesLeft = service.retries
      const resendable = (!hasBody || buffered !== undefined) && IDEMPOTENT.has(method)
      const lists = kit?.lists
      // request-size-limiting and the like: a cap on the body, counted as it streams.
      const limit = kit?.request.bodyLimit
      if (limit && buffered !== undefined && buffered.length > limit.maxBytes) return exit(limit.exit)
      const body = buffered ?? (!hasBody ? null : limit ? capped(req, limit.maxBytes) : req)
      if (body === req || (body !== null && buffered === undefined)) continueIfExpected(req, res)
      const k = kit
      const filterBody =
        k && lists && lists.bodyFilter.length > 0 ? () => (k.wantsBody(lists) ? (body: Buffer) => runBodyFilter(lists, k, body) : undefined) : undefined
      // A Host a plugin set (request-transformer's replace.headers host:...) wins over the computed one.
      const pluginHost = up?.headersTouched ? up.headers.host : undefined
      if (kit && lists && lists.log.length > 0) logAfter(res, lists, kit)

      const attempt = () => {
        let host = targetOverride?.host ?? service.host
        let port = targetOverride?.port ?? service.port
        let picked: Peer | undefined
        if (balancer) {
          // Retries prefer targets not tried yet, then any usable one (Kong's ring does not exclude).
          picked = balancer.pick(tried, hashed?.value) ?? (tried.size > 0 ? balancer.pick(undefined, hashed?.value) : undefined)
          if (!picked) return error(503, MSG_NO_PEER)
          tried.add(picked.id)
          host = picked.host
          port = picked.port
          balancer.acquire(picked)
        }
        const scheme = service.protocol === 'https' || service.protocol === 'grpcs' ? 'https' : 'http'
        const defaultPort = scheme === 'https' ? 443 : 80
        const hostName = balancer?.upstream.host_header ?? host
        const hostValue =
          match.route.preserve_host && req.headers.host ? req.headers.host : port === defaultPort || /:\d+$/.test(hostName) ? hostName : `${hostName}:${port}`
        headers.host = (pluginHost as string | undefined) ?? hostValue
        const origin = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`
        const settings = () => ({
          origin,
          connectTimeout: service.connect_timeout,
          tlsVerify: service.tls_verify ?? false,
          servername: scheme === 'https' ? hostWithoutPort(hostValue) : undefined,
          ca: runtime.caFor(service),
        })
        // A plugin's target is not the service's: its pool is looked up by origin.
        const pool = targetOverride
          ? runtime.node.pools.get(settings())
          : (cachedPool(service, picked) ?? keepPool(service, picked, runtime.node.pools.get(settings())))
        const proxyLatency = ms(start)
        const sentAt = performance.now()
        let headersAt = 0
        if (kit) {
          kit.proxied ??= new ProxiedInfo(upstreamPath, origin, sentAt - start)
          kit.proxied.origin = origin
          kit.proxied.tries.push({ ip: host, port })
        }
        let upstreamStatus = 0
        let sendStatus = 0
        const elapsed = () => performance.now() - sentAt
        forward(
          res,
          { pool, method, path: upstreamPath, headers, body, readTimeout: service.read_timeout },
          {
            onHeaders(status, upstream: IncomingHttpHeaders) {
              upstreamStatus = sendStatus = status
              const out = responseEndToEnd(upstream)
              const via = firstValue(upstream.via)
              out.via = via ? `${via}, ${VIA}` : VIA
              if (out.server === undefined) out.server = SERVER_TOKEN
              if (hashed?.setCookie) {
                const existing = out['set-cookie']
                out['set-cookie'] =
                  existing === undefined ? [hashed.setCookie] : [...(Array.isArray(existing) ? existing : [String(existing)]), hashed.setCookie]
              }
              out['x-kong-upstream-latency'] = ms(sentAt)
              out['x-kong-proxy-latency'] = proxyLatency
              out['x-kong-request-id'] = requestId
              if (kit && lists) {
                headersAt = performance.now()
                kit.proxied!.status = status
                kit.proxied!.upstreamLatency = headersAt - sentAt
                const r = kit.respond(status, out, 'service')
                if (lists.headerFilter.length > 0) runHeaderFilter(lists, kit)
                sendStatus = r.status
              }
              return out
            },
            status: () => sendStatus,
            bodyFilter: filterBody,
            onDone() {
              if (kit?.proxied && headersAt > 0) kit.proxied.receiveLatency = performance.now() - headersAt
              if (picked) balancer!.release(picked, { kind: 'http', status: upstreamStatus }, elapsed())
            },
            onError(err) {
              const code = (err as NodeJS.ErrnoException).code ?? ''
              const timedOut = TIMEOUT_CODES.has(code)
              if (picked) balancer!.release(picked, timedOut ? { kind: 'timeout' } : { kind: 'tcp' }, elapsed())
              if (DNS_CODES.has(code)) return error(503, MSG_NAME_RESOLUTION)
              if (code === BODY_LIMIT && limit) return exit(limit.exit)
              if (retriesLeft > 0 && !res.destroyed && (resendable || CONNECT_PHASE_CODES.has(code))) {
                retriesLeft--
                return attempt()
              }
              if (timedOut) return error(504, undefined, 'proxy')
              error(502, undefined, 'proxy')
            },
          },
        )
      }
      attempt()
    }

    const rewrite = chains.global.lists.rewrite
    if (!chains.global.empty) {
      kit = makeKit()
      kit.lists = chains.global.lists
    }
    if (rewrite.length === 0) return routeAndAccess()
    const rewritten = runRewrite(rewrite, kit!)
    if (rewritten === undefined) return routeAndAccess()
    if (!isThenable(rewritten)) return exit(rewritten)
    rewritten.then(
      (e) => {
        if (res.destroyed) return
        if (e) exit(e)
        else routeAndAccess()
      },
      () => error(500),
    )
  }
}

const BODY_LIMIT = 'GATEWAY_BODY_LIMIT'

/** The client's body, cut with an error once more than `max` bytes went through. */
function capped(req: IncomingMessage, max: number): Readable {
  let seen = 0
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length
      if (seen > max) return done(Object.assign(new Error('request body over the limit'), { code: BODY_LIMIT }))
      done(null, chunk)
    },
  })
  req.on('error', (err) => counter.destroy(err))
  return req.pipe(counter)
}

const isThenable = <T>(v: T | Promise<T>): v is Promise<T> => typeof (v as Promise<T> | undefined)?.then === 'function'

// The log phase runs once the response is done (or the client went away).
function logAfter(res: ServerResponse, lists: PhaseLists, kit: RequestKit): void {
  if ((res as LoggedResponse)[LOGGED]) return
  ;(res as LoggedResponse)[LOGGED] = true
  res.once('close', () => runLog(lists, kit))
}
const LOGGED = Symbol('logged')
type LoggedResponse = ServerResponse & { [LOGGED]?: boolean }

export interface UpstreamContext {
  match: RouteMatch
  service: Service
  requestId: string
  peer: string
  remoteAddr: string
  trusted: boolean
  scheme: 'http' | 'https'
  localPort: number
  rawPath: string
}

/** `base`: the end-to-end headers already changed by plugins (else built from `incoming`). */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  c: UpstreamContext,
  base?: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const h = base ?? requestEndToEnd(incoming)
  const xff = firstValue(incoming['x-forwarded-for'])
  // Kong appends the connection peer (realip_remote_addr) to an incoming list.
  h['x-forwarded-for'] = xff ? `${xff}, ${c.peer}` : c.remoteAddr
  const hostNoPort = hostWithoutPort(incoming.host ?? '')
  h['x-forwarded-proto'] = (c.trusted && firstValue(incoming['x-forwarded-proto'])) || c.scheme
  h['x-forwarded-host'] = (c.trusted && firstValue(incoming['x-forwarded-host'])) || hostNoPort
  h['x-forwarded-port'] = (c.trusted && firstValue(incoming['x-forwarded-port'])) || String(c.localPort)
  h['x-forwarded-path'] = (c.trusted && firstValue(incoming['x-forwarded-path'])) || c.rawPath
  const prefix = (c.trusted && firstValue(incoming['x-forwarded-prefix'])) || c.match.strippedPrefix
  if (prefix) h['x-forwarded-prefix'] = prefix
  else delete h['x-forwarded-prefix']
  h['x-real-ip'] = c.remoteAddr
  const via = firstValue(incoming.via)
  h.via = via ? `${via}, ${VIA}` : VIA
  h['x-kong-request-id'] = c.requestId
  return h
}

/**
 * The request to send upstream, built once after the access phase and reused
 * by every try: method, escaped path and query, headers (the client's
 * end-to-end ones, or as plugins changed them, plus Kong's X-Forwarded-*,
 * X-Real-IP, Via and X-Kong-Request-Id), and the body: read whole first
 * (the route's request_buffering, Kong's default), or the client's stream
 * (request_buffering false), capped when a plugin asked, or the bytes a plugin
 * read or replaced.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { Balancer } from '../compile/balancer.js'
import type { HashInput } from '../compile/hash-input.js'
import { isGrpc } from '../compile/targets.js'
import type { Service } from '../config/model.js'
import type { Exit } from '../plugins/types.js'
import { unannouncedBody } from './h2-request.js'
import { clientSpelling, firstValue, requestEndToEnd } from './headers.js'
import { streamedBody, type StoredBody } from './request-body.js'
import type { RequestState } from './state.js'
import { escapeUpstreamPath, hostWithoutPort } from './target.js'

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'])

export interface Outbound {
  readonly service: Service
  /** A gRPC service: HTTP/2 upstream, the body streamed both ways, trailers passed on. */
  readonly grpc: boolean
  readonly method: string
  /** Escaped path and query. */
  readonly path: string
  readonly headers: Record<string, string | string[]>
  /** What each try sends: a stored body is streamed afresh per try. Null while `readBody` is pending. */
  body: Readable | Buffer | StoredBody | null
  /** The client's body is to be read whole before the first try (request_buffering). */
  readonly readBody: boolean
  /** A Host a plugin set (request-transformer), which wins over the computed one. */
  readonly pluginHost: string | string[] | undefined
  /** kong.service.set_target: the balancer is bypassed. */
  readonly target: { host: string; port: number; scheme?: 'http' | 'https' | undefined } | undefined
  readonly balancer: Balancer | undefined
  /** What consistent-hashing hashes for this request. */
  readonly hashed: HashInput | undefined
  /** Bodiless (or buffered) idempotent requests may be sent again after they reached an upstream. */
  readonly resendable: boolean
  readonly limit: { maxBytes: number; exit: Exit } | undefined
  /** Target ids tried so far (with a balancer). */
  readonly tried: Set<string> | undefined
  retriesLeft: number
}

/** Builds what goes upstream; an Exit when the body is already known to be over a plugin's cap. */
export function outbound(s: RequestState, service: Service): Outbound | Exit {
  const req = s.req
  const up = s.changes
  const headers = upstreamHeaders(s, up?.headersTouched ? up.headers : undefined)
  // A plugin that read or replaced the body turns streaming into a buffer.
  const buffered = up?.bodyOverride ?? s.buffered
  if (up?.bodyOverride) headers['content-length'] = String(up.bodyOverride.length)
  const cl = req.headers['content-length']
  const hasBody =
    buffered !== undefined ? buffered.length > 0 : cl !== undefined ? cl !== '0' : req.headers['transfer-encoding'] !== undefined || unannouncedBody(req)
  const method = up?.method ?? req.method ?? 'GET'
  const limit = s.bodyLimit
  if (limit && buffered !== undefined && buffered.length > limit.maxBytes) return limit.exit
  const streamed = hasBody && buffered === undefined
  // Kong's route field: the body is read whole before connecting (nginx's
  // proxy_request_buffering), so a slow client never holds an upstream
  // connection. An upgrade request's bytes after its head are the new protocol's.
  // nginx's grpc_pass never reads the body first: a client stream is sent as it comes (Kong's
  // request_buffering applies to proxy_pass only).
  const grpc = isGrpc(service)
  const readBody = streamed && s.match!.route.request_buffering !== false && s.transport.kind === 'http' && !grpc
  const body = buffered ?? (streamed && !readBody ? streamedBody(s, limit?.maxBytes) : null)
  if (streamed) s.transport.continue()
  const target = up?.target
  const balancer = target ? undefined : s.runtime.balancers.get(service.host)
  const hashInput = target ? undefined : s.runtime.hashInputs.get(service.host)
  return {
    service,
    grpc,
    method,
    path: escapeUpstreamPath(up?.pathOverride ?? s.match!.upstreamPath) + (up ? up.finalQuery(s.query) : s.query),
    headers: up ? up.spelled(headers) : clientSpelling(req.rawHeaders, headers),
    body,
    readBody,
    pluginHost: up?.headersTouched ? up.headers.host : undefined,
    target,
    balancer,
    hashed: hashInput?.({
      remoteAddr: s.arrival.clientIp,
      path: s.path,
      query: s.query,
      headers: req.headers,
      captures: s.match!.captures,
      consumerId: s.consumer?.id,
    }),
    // Any request may be retried while nothing was sent (connect-phase errors);
    // after that, only bodiless (or buffered) idempotent ones (nginx's proxy_next_upstream).
    resendable: (!hasBody || buffered !== undefined || readBody) && IDEMPOTENT.has(method),
    limit,
    tried: balancer ? new Set() : undefined,
    retriesLeft: service.retries,
  }
}

// Most requests on a listener carry the same Host and port: their header values are remembered.
let lastHost = ''
let lastHostName = ''
const portStrings = new Map<number, string>()

function forwardedHost(host: string): string {
  if (host !== lastHost) {
    lastHostName = hostWithoutPort(host)
    lastHost = host
  }
  return lastHostName
}

function portString(port: number): string {
  let s = portStrings.get(port)
  if (s === undefined) portStrings.set(port, (s = String(port)))
  return s
}

/** `base`: the end-to-end headers already changed by plugins (else built from the client's). */
export function upstreamHeaders(s: RequestState, base?: Record<string, string | string[]>): Record<string, string | string[]> {
  const incoming: IncomingHttpHeaders = s.req.headers
  const { arrival } = s
  const trusted = arrival.trusted
  const h = base ?? requestEndToEnd(incoming, trusted)
  const xff = firstValue(incoming['x-forwarded-for'])
  // Kong appends the connection peer (realip_remote_addr) to an incoming list.
  h['x-forwarded-for'] = xff ? `${xff}, ${arrival.peer}` : arrival.clientIp
  h['x-forwarded-proto'] = (trusted && firstValue(incoming['x-forwarded-proto'])) || arrival.scheme
  h['x-forwarded-host'] = (trusted && firstValue(incoming['x-forwarded-host'])) || forwardedHost(incoming.host ?? '')
  h['x-forwarded-port'] = (trusted && firstValue(incoming['x-forwarded-port'])) || portString(arrival.localPort)
  h['x-forwarded-path'] = (trusted && firstValue(incoming['x-forwarded-path'])) || s.rawPath
  const prefix = (trusted && firstValue(incoming['x-forwarded-prefix'])) || s.match!.strippedPrefix
  if (prefix) h['x-forwarded-prefix'] = prefix
  else delete h['x-forwarded-prefix']
  h['x-real-ip'] = arrival.clientIp
  const via = firstValue(incoming.via)
  // Kong names the client's HTTP version in the entry it sends upstream (35-via_spec.lua:135).
  const version = s.req.httpVersion
  const token = version === '1.1' ? s.wire.viaUpstream : version === '2.0' ? s.wire.viaUpstreamHttp2 : s.wire.viaUpstreamHttp10
  h.via = via ? `${via}, ${token}` : token
  if (s.wire.upstreamRequestId) h['x-kong-request-id'] = s.requestId
  return h
}

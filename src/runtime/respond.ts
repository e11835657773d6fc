/**
 * The gateway's own answers (errors from the catalogue, plugin exits): the
 * body shape the answer asks for, the response phases (plugins see and may
 * change them, as in Kong), Kong's headers, then the transport. One path for
 * every transport, so an upgrade request's 401 is the same bytes as a plain one's.
 * A gRPC client gets Kong's gRPC shape of each (grpc-answer.ts).
 */
import type { ErrorAnswer } from '../errors.js'
import { reasonPhrase } from '../errors.js'
import { isGrpc } from '../compile/targets.js'
import type { Exit } from '../plugins/types.js'
import { asksGrpc, grpcHead, isGrpcRequest, isGrpcType } from './grpc-answer.js'
import { firstValue } from './headers.js'
import { addDebugHeaders } from './kong-headers.js'
import { runBodyFilter, runHeaderFilter, runStreamFilters, scheduleLog, wantsBody } from './phases.js'
import { renderError, renderExit } from './render.js'
import { startResponse } from './response-draft.js'
import type { RequestState } from './state.js'
import type { OutHeaders } from './transport.js'
import { unexpected } from './unexpected.js'

/**
 * The headers of an answer the gateway makes itself, before the response
 * phases: the response latency is there for plugins that read it (proxy-cache
 * moves it to X-Kong-Proxy-Latency on a hit); Kong's other headers follow the
 * phases (kongHeaders).
 */
export function ownHeaders(s: RequestState, extra?: Readonly<Record<string, string | string[]>>): OutHeaders {
  return { 'x-kong-response-latency': s.latency(), ...extra }
}

/**
 * Kong's headers on an answer the gateway makes itself, set after the
 * plugins' header_filter as Kong's runloop sets them, so a plugin's value does
 * not survive (spec/02-integration/05-proxy/33-request-id-header_spec.lua:107).
 * An answer after a try upstream (502, 504) counts as proxied, as in Kong: the
 * upstream and proxy latencies and Via, not the response latency
 * (14-server_tokens_spec.lua:439); so does one a plugin answered as proxied
 * (it set X-Kong-Proxy-Latency: proxy-cache's hit, Kong's ctx.KONG_PROXIED),
 * whose latencies are the plugin's. Otherwise Server is the token, unless a
 * plugin set Via to the token, which keeps the plugin's Server (:115).
 * Each only when `headers` has it on (s.wire); a Server left by a plugin on
 * an answer that was not proxied goes when Server is off, as in Kong.
 */
export function kongHeaders(s: RequestState, headers: OutHeaders): void {
  const wire = s.wire
  const sentAt = s.sentAt
  if (sentAt > 0) {
    if (wire.upstreamLatency) headers['x-kong-upstream-latency'] = String(Math.round(performance.now() - sentAt))
    if (wire.proxyLatency) headers['x-kong-proxy-latency'] = String(Math.round(sentAt - s.start))
    delete headers['x-kong-response-latency']
  }
  if (sentAt > 0 || headers['x-kong-proxy-latency'] !== undefined) {
    if (sentAt === 0) {
      // A plugin's proxied answer (proxy-cache's hit): its latencies stay only where Kong would set them.
      if (!wire.upstreamLatency) delete headers['x-kong-upstream-latency']
      if (!wire.proxyLatency) delete headers['x-kong-proxy-latency']
    }
    // A gRPC service was spoken to over HTTP/2: Kong's Via names it (2), as on its proxied answers.
    const via = sentAt > 0 && s.match?.service && isGrpc(s.match.service) ? wire.viaGrpc : wire.via
    if (via !== undefined) headers.via = via
    if (headers.server === undefined && wire.server !== undefined) headers.server = wire.server
  } else {
    if (wire.responseLatency) headers['x-kong-response-latency'] = s.latency()
    else delete headers['x-kong-response-latency']
    if (wire.via === undefined || headers.via !== wire.token) {
      if (wire.server !== undefined) headers.server = wire.server
      else delete headers.server
    }
  }
  if (wire.requestId) headers['x-kong-request-id'] = s.requestId
}

/** Sends a complete answer after the response phases: header_filter, body_filter, then log once it is out. */
export function reply(s: RequestState, status: number, headers: OutHeaders, body: string | Buffer | undefined, source: 'exit' | 'error'): void {
  // After a try upstream, Kong's runloop names the upstream's status (nginx's 502 or 504), before the plugins.
  if (s.sentAt > 0 && s.wire.upstreamStatus) headers['x-kong-upstream-status'] = String(status)
  // Kong sets them when the route matches, so plugins see them as on any answer.
  if (s.wire.debugHeader) addDebugHeaders(headers, s.req.headers, s.match)
  const lists = s.lists
  if (lists) {
    const r = startResponse(s, status, headers, source)
    if (lists.headerFilter.length > 0) runHeaderFilter(s, lists)
    status = r.status
    if (lists.bodyFilter.length > 0 && wantsBody(s, lists))
      body = runBodyFilter(s, lists, typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0)))
    if (lists.log.length > 0) scheduleLog(s, lists)
    // A per-chunk filter sees a whole answer as its one and last chunk.
    if (s.streamFilters !== undefined) {
      try {
        body = runStreamFilters(s, typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0)), true)
      } catch (err) {
        return unexpected(s, err, 'body_filter')
      }
    }
  }
  kongHeaders(s, headers)
  s.transport.send(status, reasonPhrase(status), headers, s.req.method === 'HEAD' ? undefined : body)
}

/** An error from the catalogue (or a plugin's kong.response.error): the negotiated template. */
export function fail(s: RequestState, a: ErrorAnswer, extra?: Readonly<Record<string, string | string[]>>): void {
  const req = s.req
  if (a.negotiate === 'nginx') {
    // Kong's error handler answers a client asking for gRPC with kong.response.exit(status, { message }).
    if (asksGrpc(req)) return exitMessage(s, a.status, a.error, extra)
  } else if (isGrpcRequest(req) && !isGrpcType(a.headers?.['content-type'] ?? extra?.['content-type'])) {
    // kong.response.error on a gRPC request: the gRPC content type, no body, the status's name as message.
    const headers = ownHeaders(s, { ...a.headers, ...extra, 'content-type': 'application/grpc' })
    grpcHead(a.status, headers, undefined)
    return reply(s, a.status, headers, undefined, 'error')
  }
  const r = renderError(
    a.error,
    s.requestId,
    firstValue(req.headers.accept),
    a.negotiate === 'nginx' ? 'proxy' : 'kong',
    firstValue(req.headers['content-type']),
    s.errors,
  )
  reply(s, a.status, ownHeaders(s, { ...a.headers, ...extra, 'content-type': r.contentType }), r.body, 'error')
}

/** kong.response.exit(status, { message }) from Kong's error handler: compact JSON, or the gRPC shape. */
function exitMessage(s: RequestState, status: number, message: string, extra?: Readonly<Record<string, string | string[]>>): void {
  const headers = ownHeaders(s, extra)
  if (isGrpcRequest(s.req)) {
    grpcHead(status, headers, message)
    return reply(s, status, headers, undefined, 'error')
  }
  const r = renderExit(message)
  headers['content-type'] = r.contentType
  reply(s, status, headers, r.body, 'error')
}

/** A plugin's answer instead of proxying, in the shape it asked for. */
export function answerExit(s: RequestState, e: Exit): void {
  if (e.error !== undefined) return fail(s, e as ErrorAnswer, e.headers)
  const headers = ownHeaders(s, e.headers)
  if (e.via && s.wire.viaGrpc !== undefined) {
    const theirs = headers.via
    headers.via = theirs === undefined ? s.wire.viaGrpc : `${Array.isArray(theirs) ? theirs.join(', ') : String(theirs)}, ${s.wire.viaGrpc}`
  }
  // Kong's send(): gRPC when the answer's own content type says so, else when the request is gRPC.
  const output = headers['content-type'] !== undefined
  if (output ? isGrpcType(headers['content-type']) : isGrpcRequest(s.req)) return grpcExit(s, e, headers, output)
  if (e.message !== undefined || e.json !== undefined) {
    const r = e.message !== undefined ? renderExit(e.message) : { contentType: 'application/json; charset=utf-8', body: JSON.stringify(e.json) }
    if (headers['content-type'] === undefined) headers['content-type'] = r.contentType
    return reply(s, e.status, headers, r.body, 'exit')
  }
  reply(s, e.status, headers, e.body, 'exit')
}

/**
 * kong.response.exit on a gRPC answer: a table's `message` (any other table
 * is dropped) or, unless the answer is gRPC output itself, a string body
 * becomes grpc-message and the body is empty; gRPC output keeps its body.
 */
function grpcExit(s: RequestState, e: Exit, headers: OutHeaders, output: boolean): void {
  let message: string | undefined
  let body: string | Buffer | undefined
  if (e.message !== undefined) message = e.message
  else if (e.json !== undefined) {
    const m = (e.json as { message?: unknown } | null)?.message
    if (typeof m === 'string') message = m
  } else if (e.body !== undefined) {
    if (output) body = e.body
    else message = typeof e.body === 'string' ? e.body : e.body.toString()
  }
  grpcHead(e.status, headers, message)
  reply(s, e.status, headers, body, 'exit')
}

/**
 * Ends the request without an answer, as nginx terminates one (a body past
 * client_body_timeout): the connection closes; the log phase sees `status`.
 */
export function terminate(s: RequestState, status: number): void {
  if (!s.transport.started) startResponse(s, status, {}, 'error')
  s.transport.terminate(status)
}

/**
 * The route step: the compiled router picks the route, then the route's
 * protocol rules apply (Kong's runloop before access): https-only routes
 * answer 426 or redirect plain requests, gRPC-only routes refuse what is not
 * gRPC over HTTP/2 (and a gRPC call in clear text on a grpcs-only route).
 * False when the request was answered here.
 */
import { GRPC_ON_GRPCS_ROUTE, HTTP2_REQUIRED, HTTPS_REQUIRED, NO_ROUTE, NOT_GRPC } from '../errors.js'
import { firstValue } from './headers.js'
import { fail, ownHeaders, reply } from './respond.js'
import type { RequestState } from './state.js'
import { hostWithoutPort } from './target.js'

export function route(s: RequestState): boolean {
  const { router } = s.runtime
  const req = s.req
  const { arrival } = s
  const match = router.match({
    method: req.method ?? 'GET',
    host: req.headers.host ?? '',
    path: s.path,
    headers: router.usesHeaders ? req.headersDistinct : req.headers,
    sni: arrival.scheme === 'https' ? arrival.sni : undefined,
    port: arrival.localPort,
  })
  if (!match) {
    fail(s, NO_ROUTE)
    return false
  }
  s.match = match
  if (match.httpsOnly && forwardedProto(s) !== 'https') {
    const code = match.route.https_redirect_status_code
    if (code === 426) fail(s, HTTPS_REQUIRED)
    else {
      const host = (arrival.trusted && firstValue(req.headers['x-forwarded-host'])) || hostWithoutPort(req.headers.host ?? '')
      reply(s, code, ownHeaders(s, { location: `https://${host}${req.url ?? '/'}` }), undefined, 'error')
    }
    return false
  }
  if (match.grpcOnly) {
    // A grpc/grpcs-only route: Kong refuses plain HTTP and HTTP/1 clients.
    if (!(firstValue(req.headers['content-type']) ?? '').startsWith('application/grpc')) {
      fail(s, NOT_GRPC)
      return false
    }
    if (req.httpVersionMajor < 2) {
      fail(s, HTTP2_REQUIRED)
      return false
    }
    if (!match.route.protocols.includes('grpc') && forwardedProto(s) !== 'https') {
      reply(s, GRPC_ON_GRPCS_ROUTE.status, ownHeaders(s, GRPC_ON_GRPCS_ROUTE.headers), undefined, 'exit')
      return false
    }
  }
  return true
}

/** Kong's forwarded_proto: a trusted peer's X-Forwarded-Proto, else the listener's scheme. */
function forwardedProto(s: RequestState): string {
  const { arrival } = s
  return (arrival.trusted && firstValue(s.req.headers['x-forwarded-proto'])) || arrival.scheme
}

/**
 * The API Gateway proxy event aws-lambda sends under `awsgateway_compatible`.
 * Format 1.0 is Kong's aws_serializer field for field
 * (kong/plugins/aws-lambda/request-util.lua; spec 05-aws-serializer_spec):
 * headers and query with single and multiple values, named captures as
 * pathParameters, the matched route path as `resource`, the body (base64 by
 * default) and a requestContext. Format 2.0 (Kong Enterprise's
 * `awsgateway_compatible_payload_version`) follows AWS's documented HTTP API
 * event: repeated headers and query values joined with commas, cookies apart,
 * rawPath and rawQueryString, requestContext.http.
 */
import type { Route } from '../../config/model.js'
import type { Kit } from '../types.js'
import { headerTable, queryArgs } from './payload.js'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const two = (n: number) => String(n).padStart(2, '0')

/** The CLF time of the request's start, in UTC (dd/Mon/yyyy:HH:MM:SS +0000). */
export function clfTime(ms: number): string {
  const d = new Date(ms)
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
}

// Each route's paths as the router tries them: regex paths compiled once.
const ROUTE_PATHS = new WeakMap<Route, { text: string; re: RegExp | undefined }[]>()

function routePaths(route: Route): { text: string; re: RegExp | undefined }[] {
  let list = ROUTE_PATHS.get(route)
  if (!list) {
    list = (route.paths ?? []).map((p) => {
      if (!p.startsWith('~')) return { text: p, re: undefined }
      let re: RegExp | undefined
      try {
        re = new RegExp(`^${p.slice(1)}`)
      } catch {
        re = undefined
      }
      return { text: p.slice(1), re }
    })
    ROUTE_PATHS.set(route, list)
  }
  return list
}

/** Kong's router_matches.uri: the route path that matched (regex paths without `~`). */
export function matchedPath(kit: Kit): string | undefined {
  if (!kit.route) return undefined
  const path = kit.request.normalizedPath
  const list = routePaths(kit.route)
  const regex = list.find((p) => p.re?.test(path))
  if (regex) return regex.text
  let best: string | undefined
  for (const p of list) if (!p.re && path.startsWith(p.text) && (best === undefined || p.text.length > best.length)) best = p.text
  return best
}

const upstreamPath = (kit: Kit) => kit.upstream.path.split('?')[0]!

function pathParameters(kit: Kit): Record<string, string> {
  const out: Record<string, string> = {}
  const named = kit.request.uriCaptures?.named
  if (named) for (const [k, v] of Object.entries(named)) if (v !== undefined) out[k] = v
  return out
}

function body(raw: Buffer | undefined, base64: boolean): { body?: string; isBase64Encoded: boolean } {
  // nginx encodes a missing body as '': a request without one still says base64.
  if (base64) return { body: (raw ?? Buffer.alloc(0)).toString('base64'), isBase64Encoded: true }
  return raw === undefined ? { isBase64Encoded: false } : { body: raw.toString('utf8'), isBase64Encoded: false }
}

/** Format 1.0, as Kong's aws_serializer. */
export function eventV1(kit: Kit, raw: Buffer | undefined, base64: boolean): Record<string, unknown> {
  const headers: Record<string, string> = {}
  const multiValueHeaders: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(headerTable(kit))) {
    headers[k] = Array.isArray(v) ? v[0]! : v
    multiValueHeaders[k] = Array.isArray(v) ? v : [v]
  }
  const queryStringParameters: Record<string, string | true> = {}
  const multiValueQueryStringParameters: Record<string, (string | true)[]> = {}
  for (const [k, v] of Object.entries(queryArgs(kit))) {
    queryStringParameters[k] = Array.isArray(v) ? v[0]! : v
    multiValueQueryStringParameters[k] = Array.isArray(v) ? v : [v]
  }
  const path = upstreamPath(kit)
  const host = kit.request.host
  return {
    version: '1.0',
    resource: matchedPath(kit),
    path,
    httpMethod: kit.request.method,
    headers,
    multiValueHeaders,
    pathParameters: pathParameters(kit),
    queryStringParameters,
    multiValueQueryStringParameters,
    ...body(raw, base64),
    requestContext: {
      path,
      protocol: `HTTP/${kit.request.httpVersion}`,
      httpMethod: kit.request.method,
      domainName: host,
      domainPrefix: host.split('.')[0],
      identity: { sourceIp: kit.request.peerIp, userAgent: headers['user-agent'] },
      requestId: kit.requestId,
      requestTime: clfTime(kit.startedAt),
      requestTimeEpoch: kit.startedAt,
      resourcePath: path,
    },
  }
}

/** Format 2.0, as AWS documents the HTTP API event. */
export function eventV2(kit: Kit, raw: Buffer | undefined, base64: boolean): Record<string, unknown> {
  const headers: Record<string, string> = {}
  let cookies: string[] | undefined
  for (const [k, v] of Object.entries(headerTable(kit))) {
    const values = Array.isArray(v) ? v : [v]
    if (k === 'cookie') cookies = values.flatMap((c) => c.split(/;\s*/)).filter((c) => c !== '')
    else headers[k] = values.join(',')
  }
  const queryStringParameters: Record<string, string> = {}
  for (const [k, v] of Object.entries(queryArgs(kit))) {
    queryStringParameters[k] = (Array.isArray(v) ? v : [v]).map((x) => (x === true ? '' : x)).join(',')
  }
  const path = upstreamPath(kit)
  const host = kit.request.host
  const routeKey = matchedPath(kit) ?? '$default'
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: kit.request.rawQuery,
    ...(cookies ? { cookies } : {}),
    headers,
    queryStringParameters,
    pathParameters: pathParameters(kit),
    requestContext: {
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: { method: kit.request.method, path, protocol: `HTTP/${kit.request.httpVersion}`, sourceIp: kit.request.peerIp, userAgent: headers['user-agent'] },
      requestId: kit.requestId,
      routeKey,
      stage: '$default',
      time: clfTime(kit.startedAt),
      timeEpoch: kit.startedAt,
    },
    ...body(raw, base64),
  }
}

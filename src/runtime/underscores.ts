/**
 * nginx's `underscores_in_headers off`: a request header whose name contains
 * '_' is ignored entirely, before anything reads the request: not routed on,
 * not seen by plugins, not forwarded. Many upstream frameworks (CGI, PHP,
 * WSGI, Rails) read `X_Consumer_ID` as `X-Consumer-ID`, so forwarding such a
 * name would let a client spoof a header the gateway sets.
 * `--underscores-in-headers` keeps them (Kong's nginx_http_underscores_in_headers).
 */
import type { IncomingMessage } from 'node:http'

// String.prototype.includes: 370 ns per 20-header head against 690-790 ns for a charCodeAt loop
// (1e6 heads, Node 20, this machine).
const hasUnderscore = (name: string): boolean => name.includes('_')

/** Removes every header whose name has '_' from the request's headers, headersDistinct and rawHeaders. */
export function dropUnderscoreHeaders(req: IncomingMessage): void {
  const raw = req.rawHeaders
  let i = 0
  while (i < raw.length && !hasUnderscore(raw[i]!)) i += 2
  if (i >= raw.length) return
  // Node builds `headers` and `headersDistinct` lazily from rawHeaders and the
  // count it parsed: both are built before rawHeaders is replaced.
  const headers = req.headers
  const distinct = req.headersDistinct as IncomingMessage['headersDistinct'] | undefined
  for (const key of Object.keys(headers)) if (hasUnderscore(key)) delete headers[key]
  if (distinct) for (const key of Object.keys(distinct)) if (hasUnderscore(key)) delete distinct[key]
  const kept: string[] = raw.slice(0, i)
  for (; i < raw.length; i += 2) if (!hasUnderscore(raw[i]!)) kept.push(raw[i]!, raw[i + 1]!)
  // HTTP/2's compatibility request has rawHeaders as a getter only: headers is what the gateway reads there.
  if (Object.getOwnPropertyDescriptor(req, 'rawHeaders')?.writable) req.rawHeaders = kept
}

/**
 * What `gateway explain` and the admin /explain are asked: a method, a URL
 * (absolute, or a path with the Host in a header), headers, and the facts a
 * file cannot give (the consumer to assume, the TLS server name, the client
 * address), read into the request the router and plugins see. Nothing here
 * throws on user input: a problem is a message.
 */
import { isIP } from 'node:net'
import { normalizeRequestPath, splitRequestTarget } from '../target.js'

export interface ExplainInput {
  method: string
  url: string
  /** `Name: value` lines (the CLI's -H, the admin's `header` parameters). */
  headers: readonly string[]
  consumer?: string | undefined
  sni?: string | undefined
  clientIp?: string | undefined
}

export interface ExplainedRequest {
  method: string
  scheme: 'http' | 'https'
  /** The Host header (from -H Host, else the URL's authority), possibly with a port. */
  host: string
  /** The port the request arrives on: the Host's, else the URL's, else the scheme's. */
  port: number
  rawPath: string
  /** The normalized path the router matches on. */
  path: string
  /** `?...` verbatim, or ''. */
  query: string
  /** Lower-cased names, every value in order. */
  headers: Record<string, string[]>
  sni: string | undefined
  clientIp: string | undefined
  consumer: string | undefined
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** The request, or what is wrong with the input. */
export function readInput(input: ExplainInput): ExplainedRequest | { error: string } {
  const method = input.method.toUpperCase()
  if (!TOKEN.test(method)) return { error: `invalid method '${input.method}'` }
  const m = /^(https?):\/\/([^/?#]*)([^#]*)/i.exec(input.url)
  let scheme: 'http' | 'https' = 'http'
  let authority = ''
  let target = input.url.split('#')[0]!
  if (m) {
    scheme = m[1]!.toLowerCase() as 'http' | 'https'
    authority = m[2]!.replace(/^.*@/, '')
    target = m[3] || '/'
  } else if (!target.startsWith('/')) return { error: `invalid URL '${input.url}': expected http(s)://host/path or /path` }
  const split = splitRequestTarget(target)
  const path = split && normalizeRequestPath(split.rawPath)
  if (!split || path === undefined) return { error: `invalid URL '${input.url}': the path holds an invalid escape (Kong answers 400)` }
  const headers: Record<string, string[]> = {}
  for (const line of input.headers) {
    const colon = line.indexOf(':')
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : ''
    if (!TOKEN.test(name)) return { error: `invalid header '${line.slice(0, 40)}': expected 'Name: value'` }
    ;(headers[name] ??= []).push(line.slice(colon + 1).trim())
  }
  const host = headers.host?.[0] ?? authority
  headers.host = [host]
  const portOf = (h: string) => {
    const pm = /:(\d+)$/.exec(h)
    return pm && !h.endsWith(']') ? Number(pm[1]) : undefined
  }
  const port = portOf(host) ?? portOf(authority) ?? (scheme === 'https' ? 443 : 80)
  if (input.clientIp !== undefined && isIP(input.clientIp) === 0) return { error: `invalid client IP '${input.clientIp}'` }
  return {
    method,
    scheme,
    host,
    port,
    rawPath: split.rawPath,
    path,
    query: split.query,
    headers,
    sni: scheme === 'https' ? (input.sni ?? (host.replace(/:\d+$/, '') || undefined)) : undefined,
    clientIp: input.clientIp,
    consumer: input.consumer,
  }
}

/**
 * What plugins change in the request sent upstream (Kong's
 * kong.service.request): headers, query, path, method, body and target. Made
 * on the first change; the pipeline reads it when it builds the upstream
 * request, and sends the client's request untouched when there is none.
 */
import type { KitUpstream } from '../plugins/types.js'
import { checkHeader } from './header-checks.js'
import { clientSpelling, requestEndToEnd } from './headers.js'
import type { RequestState } from './state.js'

// The gateway sets these itself after the plugins ran (forward.ts, upstream-request.ts): one spelling only.
const UNSPELLED = new Set(['host', 'content-length', 'transfer-encoding'])

export class UpstreamChanges implements KitUpstream {
  #headers: Record<string, string | string[]> | undefined
  /**
   * The spelling a plugin gave a header name (lower-cased key → name): nginx
   * sends a header as ngx.req.set_header was given it, and Kong's clients and
   * tests may match names case-sensitively (request-transformer renames
   * `rename` to `Rename`). Lower-case names too: a plugin's spelling wins over
   * the client's (headers.ts clientSpelling).
   */
  #spelling: Map<string, string> | undefined
  #query: URLSearchParams | undefined
  queryTouched = false
  rawQueryOverride: string | undefined
  pathOverride: string | undefined
  methodOverride: string | undefined
  bodyOverride: Buffer | undefined
  target: { host: string; port: number; scheme?: 'http' | 'https' | undefined } | undefined

  constructor(private readonly s: RequestState) {}

  /** The headers to send (hop-by-hop removed), created on first use. */
  get headers(): Record<string, string | string[]> {
    return (this.#headers ??= requestEndToEnd(this.s.req.headers, this.s.arrival.trusted))
  }
  get headersTouched(): boolean {
    return this.#headers !== undefined
  }

  header(name: string): string | string[] | undefined {
    return this.headers[name.toLowerCase()]
  }
  /** Checked here, so a bad header fails the plugin that set it (header-checks.ts). */
  setHeader(name: string, value: string | string[]): void {
    checkHeader(name, value)
    const key = name.toLowerCase()
    this.headers[key] = value
    if (!UNSPELLED.has(key)) (this.#spelling ??= new Map()).set(key, name)
  }
  clearHeader(name: string): void {
    const key = name.toLowerCase()
    delete this.headers[key]
    this.#spelling?.delete(key)
  }
  /**
   * `headers` (lower-cased keys) as they go on the wire: the names plugins
   * set in their spelling, the others the client sent in the client's; `headers` itself when none.
   */
  spelled(headers: Record<string, string | string[]>): Record<string, string | string[]> {
    const spelling = this.#spelling
    const base = clientSpelling(this.s.req.rawHeaders, headers, spelling)
    if (!spelling?.size) return base
    let out: Record<string, string | string[]> | undefined
    for (const [key, name] of spelling) {
      const v = base[key]
      if (v === undefined || key === name) continue
      out ??= { ...base }
      delete out[key]
      out[name] = v
    }
    return out ?? base
  }
  get query(): URLSearchParams {
    this.queryTouched = true
    return (this.#query ??= new URLSearchParams(this.rawQueryOverride ?? this.s.query.slice(1)))
  }
  setRawQuery(query: string): void {
    this.#query = undefined
    this.queryTouched = false
    this.rawQueryOverride = query.startsWith('?') ? query.slice(1) : query
  }
  /** `?...` to send, or '' — `original` when nothing changed. */
  finalQuery(original: string): string {
    if (this.queryTouched && this.#query) {
      const s = this.#query.toString()
      return s ? `?${s}` : ''
    }
    if (this.rawQueryOverride !== undefined) return this.rawQueryOverride ? `?${this.rawQueryOverride}` : ''
    return original
  }
  /**
   * Kong refuses a path that does not start with `/`: anything else would go
   * out as an absolute-form or asterisk-form request target (`http://evil/`).
   */
  setPath(path: string): void {
    // t/01-pdk/06-service-request/04-set_path.t:35
    if (typeof path !== 'string') throw new TypeError('path must be a string')
    if (!path.startsWith('/')) throw new TypeError('path must start with /')
    this.pathOverride = path
  }
  get path(): string {
    return this.pathOverride ?? this.s.match?.upstreamPath ?? this.s.path
  }
  setMethod(method: string): void {
    this.methodOverride = method.toUpperCase()
  }
  get method(): string {
    return this.methodOverride ?? this.s.req.method ?? 'GET'
  }
  setBody(body: Buffer | string): void {
    this.bodyOverride = typeof body === 'string' ? Buffer.from(body) : body
  }
  setTarget(host: string, port: number, scheme?: 'http' | 'https'): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid target port ${port}`)
    this.target = { host: host.startsWith('[') ? host.slice(1, -1) : host, port, scheme }
  }
}

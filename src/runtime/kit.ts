/**
 * The per-request plugin kit (types in ../plugins/types.ts). One is built only
 * for requests that have plugins to run; everything in it is lazy, so a plugin
 * that never reads the query does not pay for parsing it.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { RouteMatch } from '../compile/router.js'
import type { Consumer, Route, Service } from '../config/model.js'
import type { AuthCredential, Exit, Kit, KitProxied, KitRequest, KitResponse, KitUpstream, UriCaptures } from '../plugins/types.js'
import type { PhaseLists, PluginInstance } from '../compile/chains.js'
import { requestEndToEnd } from './headers.js'
import { hostWithoutPort } from './target.js'
import { unmapped } from './trust.js'

/** Bodies a plugin may read into memory; larger ones answer 413 (Kong spills them to disk). */
export const MAX_BUFFERED_BODY = 16 * 1024 * 1024

export class BodyTooLarge extends Error {
  readonly status = 413
}

export interface KitInput {
  req: IncomingMessage
  requestId: string
  rawPath: string
  normalizedPath: string
  rawQuery: string
  scheme: 'http' | 'https'
  port: number
  clientIp: string
  peerIp: string
  start: number
  /** Called before the body is read (sends 100 Continue when the client waits for it). */
  beforeBody?: (() => void) | undefined
}

/** Counts this request on its connection (called once per kit). */
function countRequest(req: IncomingMessage): void {
  const socket = req.socket as object | null
  if (!socket) return
  let c = CONNECTIONS.get(socket)
  if (!c) CONNECTIONS.set(socket, (c = { id: ++connectionSerial, requests: 0 }))
  c.requests++
}

function connectionOf(req: IncomingMessage): { id: number; requests: number } {
  return CONNECTIONS.get(req.socket as object) ?? { id: 0, requests: 1 }
}

export const CONSUMER_HEADERS = ['x-consumer-id', 'x-consumer-custom-id', 'x-consumer-username', 'x-credential-identifier', 'x-anonymous-consumer'] as const

// Connections get a serial and a request count the first time a kit sees them.
const CONNECTIONS = new WeakMap<object, { id: number; requests: number }>()
let connectionSerial = 0

class Request implements KitRequest {
  private _connection: { id: number; requests: number } | undefined
  private _query: URLSearchParams | undefined
  private bodyPromise: Promise<Buffer> | undefined
  /** Set once the body has been read. */
  buffered: Buffer | undefined
  /** Set by limitBody. */
  bodyLimit: { maxBytes: number; exit: Exit } | undefined
  readonly method: string
  readonly headers: IncomingHttpHeaders
  uriCaptures: UriCaptures | undefined

  constructor(
    private readonly req: IncomingMessage,
    private readonly input: KitInput,
  ) {
    this.method = req.method ?? 'GET'
    this.headers = req.headers
  }

  get scheme() {
    return this.input.scheme
  }
  get host() {
    return hostWithoutPort(this.req.headers.host ?? '')
  }
  get port() {
    return this.input.port
  }
  get path() {
    return this.input.rawPath
  }
  get normalizedPath() {
    return this.input.normalizedPath
  }
  get rawQuery() {
    return this.input.rawQuery
  }
  get rawTarget() {
    const url = this.req.url ?? '/'
    if (url.startsWith('/')) return url
    // Absolute-form (`GET http://host/p?q`): the origin-form part.
    const q = url.indexOf('?')
    return this.input.rawPath + (q === -1 ? '' : url.slice(q))
  }
  get query(): URLSearchParams {
    return (this._query ??= new URLSearchParams(this.input.rawQuery))
  }
  get clientIp() {
    return this.input.clientIp
  }
  get peerIp() {
    return this.input.peerIp
  }
  get serverAddr() {
    return unmapped(this.req.socket?.localAddress ?? '')
  }
  get connection(): { id: number; requests: number } {
    return (this._connection ??= { ...connectionOf(this.req) })
  }
  get httpVersion() {
    return this.req.httpVersion
  }

  headerValues(name: string): readonly string[] {
    return this.req.headersDistinct[name.toLowerCase()] ?? []
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()]
    return Array.isArray(v) ? v[0] : v
  }

  limitBody(maxBytes: number, exit: Exit): void {
    if (!this.bodyLimit || maxBytes < this.bodyLimit.maxBytes) this.bodyLimit = { maxBytes, exit }
  }

  body(): Promise<Buffer> {
    this.bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
      const req = this.req
      if (req.readableEnded) return resolve(Buffer.alloc(0))
      this.input.beforeBody?.()
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (c: Buffer) => {
        size += c.length
        if (size > MAX_BUFFERED_BODY) {
          req.removeAllListeners('data')
          req.resume()
          reject(new BodyTooLarge('request body too large to buffer'))
          return
        }
        chunks.push(c)
      })
      req.once('end', () => {
        this.buffered = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
        resolve(this.buffered)
      })
      req.once('error', reject)
    })
    return this.bodyPromise
  }
}

class Upstream implements KitUpstream {
  private _headers: Record<string, string | string[]> | undefined
  private _query: URLSearchParams | undefined
  queryTouched = false
  rawQueryOverride: string | undefined
  pathOverride: string | undefined
  methodOverride: string | undefined
  bodyOverride: Buffer | undefined
  target: { host: string; port: number } | undefined

  constructor(
    private readonly req: IncomingMessage,
    private readonly input: KitInput,
    private readonly matchPath: () => string,
  ) {}

  /** The headers to send (hop-by-hop removed), created on first change. */
  get headers(): Record<string, string | string[]> {
    return (this._headers ??= requestEndToEnd(this.req.headers))
  }
  get headersTouched(): boolean {
    return this._headers !== undefined
  }

  header(name: string): string | string[] | undefined {
    return this.headers[name.toLowerCase()]
  }
  setHeader(name: string, value: string | string[]): void {
    this.headers[name.toLowerCase()] = value
  }
  clearHeader(name: string): void {
    delete this.headers[name.toLowerCase()]
  }
  get query(): URLSearchParams {
    this.queryTouched = true
    return (this._query ??= new URLSearchParams(this.rawQueryOverride ?? this.input.rawQuery))
  }
  setRawQuery(query: string): void {
    this._query = undefined
    this.queryTouched = false
    this.rawQueryOverride = query.startsWith('?') ? query.slice(1) : query
  }
  /** `?...` to send, or '' — only meaningful when changed. */
  finalQuery(original: string): string {
    if (this.queryTouched && this._query) {
      const s = this._query.toString()
      return s ? `?${s}` : ''
    }
    if (this.rawQueryOverride !== undefined) return this.rawQueryOverride ? `?${this.rawQueryOverride}` : ''
    return original
  }
  setPath(path: string): void {
    this.pathOverride = path
  }
  get path(): string {
    return this.pathOverride ?? this.matchPath()
  }
  setMethod(method: string): void {
    this.methodOverride = method.toUpperCase()
  }
  get method(): string {
    return this.methodOverride ?? this.req.method ?? 'GET'
  }
  setBody(body: Buffer | string): void {
    this.bodyOverride = typeof body === 'string' ? Buffer.from(body) : body
  }
  setTarget(host: string, port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid target port ${port}`)
    this.target = { host: host.startsWith('[') ? host.slice(1, -1) : host, port }
  }
}

class Response implements KitResponse {
  constructor(
    public status: number,
    readonly headers: Record<string, string | string[] | number>,
    readonly source: 'service' | 'exit' | 'error',
    private readonly kit?: RequestKit,
  ) {}
  skipBody(): void {
    this.kit?.skipBodyOfCurrent()
  }
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()]
    return v === undefined ? undefined : Array.isArray(v) ? v[0] : String(v)
  }
  setHeader(name: string, value: string | string[]): void {
    this.headers[name.toLowerCase()] = value
  }
  addHeader(name: string, value: string): void {
    const key = name.toLowerCase()
    const v = this.headers[key]
    this.headers[key] = v === undefined ? value : Array.isArray(v) ? [...v, value] : [String(v), value]
  }
  clearHeader(name: string): void {
    delete this.headers[name.toLowerCase()]
  }
}

/** Filled in by the request path as the request goes upstream. */
export class ProxiedInfo implements KitProxied {
  status = 0
  upstreamLatency = -1
  receiveLatency = -1
  readonly tries: { ip: string; port: number }[] = []
  constructor(
    public uri: string,
    public origin: string,
    readonly kongLatency: number,
  ) {}
}

export class RequestKit implements Kit {
  readonly request: Request
  readonly upstream: Upstream
  // Before the response phases: headers set in access land on whatever response follows.
  response: KitResponse = new Response(0, {}, 'exit')
  private responding = false
  route: Route | undefined
  service: Service | undefined
  match: RouteMatch | undefined
  consumer: Consumer | undefined
  credential: AuthCredential | undefined
  anonymous = false
  private _shared: Record<string, unknown> | undefined
  readonly startedAt = Date.now()
  proxied: ProxiedInfo | undefined
  private readonly writtenAtStart: number
  private readonly socket: import('node:net').Socket | null
  /** The instances collected for the response phases. */
  lists: PhaseLists | undefined
  /** The instance whose response phase is running (set by the phase runner). */
  current: PluginInstance | undefined
  /** body_filter instances that said in header_filter they do not need this response's body. */
  private bodySkipped: Set<PluginInstance> | undefined

  constructor(private readonly input: KitInput) {
    // Kept: the request lets go of its socket once the response is done.
    this.socket = input.req.socket
    this.writtenAtStart = this.socket?.bytesWritten ?? 0
    countRequest(input.req)
    this.request = new Request(input.req, input)
    this.upstream = new Upstream(input.req, input, () => this.match?.upstreamPath ?? input.normalizedPath)
  }

  get requestId() {
    return this.input.requestId
  }
  get shared(): Record<string, unknown> {
    return (this._shared ??= {})
  }
  elapsed(): number {
    return performance.now() - this.input.start
  }

  sizes(): { request: number; response: number } {
    const req = this.input.req
    // Request line and headers as received, plus the body.
    let head = req.method!.length + (req.url ?? '').length + 12
    for (const h of req.rawHeaders) head += h.length + 2
    const len = Number(req.headers['content-length'])
    const body = this.request.buffered?.length ?? (Number.isFinite(len) ? len : 0)
    const written = (this.socket?.bytesWritten ?? this.writtenAtStart) - this.writtenAtStart
    return { request: head + body, response: written }
  }

  routed(match: RouteMatch): void {
    this.match = match
    this.route = match.route
    this.service = match.service
    this.request.uriCaptures = match.captures
  }

  authenticate(consumer: Consumer, credential: AuthCredential | undefined, anonymous = credential === undefined): void {
    this.consumer = consumer
    this.credential = credential
    this.anonymous = anonymous
    const up = this.upstream
    up.setHeader('x-consumer-id', consumer.id)
    if (consumer.custom_id !== undefined) up.setHeader('x-consumer-custom-id', consumer.custom_id)
    else up.clearHeader('x-consumer-custom-id')
    if (consumer.username !== undefined) up.setHeader('x-consumer-username', consumer.username)
    else up.clearHeader('x-consumer-username')
    if (credential) up.setHeader('x-credential-identifier', credential.identifier)
    else up.clearHeader('x-credential-identifier')
    if (anonymous) up.setHeader('x-anonymous-consumer', 'true')
    else up.clearHeader('x-anonymous-consumer')
  }

  /** Starts the response phases. */
  skipBodyOfCurrent(): void {
    if (this.current) (this.bodySkipped ??= new Set()).add(this.current)
  }

  /** Whether some body_filter instance still wants this response's body. */
  wantsBody(lists: PhaseLists): boolean {
    const skipped = this.bodySkipped
    return lists.bodyFilter.some((i) => !skipped?.has(i))
  }

  /** True when this instance's body_filter should run. */
  bodyFilterFor(inst: PluginInstance): boolean {
    return !this.bodySkipped?.has(inst)
  }

  respond(status: number, headers: Record<string, string | string[] | number>, source: KitResponse['source']): KitResponse {
    if (!this.responding) {
      // Headers plugins set before the response existed override the upstream's (Kong applies them last).
      const pending = this.response.headers
      for (const k in pending) headers[k] = pending[k]!
      this.responding = true
    }
    this.response = new Response(status, headers, source, this)
    return this.response
  }
}

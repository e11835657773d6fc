/**
 * The plugin kit (its types are in ../plugins/types.ts): a view over the
 * request's state (state.ts), built only for requests that have plugins to
 * run. It holds nothing of its own beyond lazily parsed views (the query), so
 * the pipeline never reads the kit, only the state.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import { TLSSocket } from 'node:tls'
import type { Consumer, Route, Service } from '../config/model.js'
import type { AuthCredential, Exit, Kit, KitLogLine, KitRequest, KitResponse, KitTrace, KitUpstream, UriCaptures } from '../plugins/types.js'
import { earlyResponse } from './response-draft.js'
import type { RequestState } from './state.js'
import { hostWithoutPort } from './target.js'
import { propagationTrace } from './tracing/trace.js'
import { unmapped } from './trust.js'
import { UpstreamChanges } from './upstream-changes.js'

const MAX_REQUEST_LOGS = 1000
const NO_LINES: readonly KitLogLine[] = []

/** Bodies a plugin may read into memory; larger ones answer 413 (Kong spools them to disk). */
export const MAX_BUFFERED_BODY = 16 * 1024 * 1024

export class BodyTooLarge extends Error {
  readonly status = 413
}

export const CONSUMER_HEADERS = ['x-consumer-id', 'x-consumer-custom-id', 'x-consumer-username', 'x-credential-identifier', 'x-anonymous-consumer'] as const

// Connections get a serial and a request count the first time a kit sees them (Kong's connection id and requests).
const CONNECTIONS = new WeakMap<object, { id: number; requests: number }>()
let connectionSerial = 0

function countRequest(s: RequestState): void {
  const socket = s.req.socket as object | null
  if (!socket) return
  let c = CONNECTIONS.get(socket)
  if (!c) CONNECTIONS.set(socket, (c = { id: ++connectionSerial, requests: 0 }))
  c.requests++
}

/** The client's request, as received (read-only, but for reading the body). */
class ClientRequest implements KitRequest {
  #connection: { id: number; requests: number } | undefined
  #query: URLSearchParams | undefined

  constructor(private readonly s: RequestState) {}

  get method(): string {
    return this.s.req.method ?? 'GET'
  }
  get headers(): IncomingHttpHeaders {
    return this.s.req.headers
  }
  get scheme() {
    return this.s.arrival.scheme
  }
  get host() {
    return hostWithoutPort(this.s.req.headers.host ?? '')
  }
  get port() {
    return this.s.arrival.localPort
  }
  get path() {
    return this.s.rawPath
  }
  get normalizedPath() {
    return this.s.path
  }
  get rawQuery() {
    return this.s.query.slice(1)
  }
  get rawTarget() {
    const url = this.s.req.url ?? '/'
    if (url.startsWith('/')) return url
    // Absolute-form (`GET http://host/p?q`): the origin-form part.
    return this.s.rawPath + this.s.query
  }
  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.s.query.slice(1)))
  }
  get clientIp() {
    return this.s.arrival.clientIp
  }
  get clientPort(): number {
    return this.s.req.socket?.remotePort ?? 0
  }
  get peerIp() {
    return this.s.arrival.peer
  }
  isTrustedIp(ip: string): boolean {
    return isIP(ip) !== 0 && this.s.arrival.trust(ip)
  }
  get serverAddr() {
    return unmapped(this.s.req.socket?.localAddress ?? '')
  }
  get connection(): { id: number; requests: number } {
    return (this.#connection ??= { ...(CONNECTIONS.get(this.s.req.socket as object) ?? { id: 0, requests: 1 }) })
  }
  get httpVersion() {
    return this.s.req.httpVersion
  }
  get tls(): { version: string; cipher: string } | undefined {
    const socket = this.s.req.socket
    if (!(socket instanceof TLSSocket)) return undefined
    return { version: socket.getProtocol() ?? '', cipher: socket.getCipher().name }
  }
  get uriCaptures(): UriCaptures | undefined {
    return this.s.match?.captures
  }

  headerValues(name: string): readonly string[] {
    return this.s.req.headersDistinct[name.toLowerCase()] ?? []
  }

  header(name: string): string | undefined {
    const v = this.s.req.headers[name.toLowerCase()]
    return Array.isArray(v) ? v[0] : v
  }

  limitBody(maxBytes: number, exit: Exit): void {
    const s = this.s
    if (!s.bodyLimit || maxBytes < s.bodyLimit.maxBytes) s.bodyLimit = { maxBytes, exit }
  }

  body(): Promise<Buffer> {
    const s = this.s
    s.bodyRead ??= new Promise<Buffer>((resolve, reject) => {
      const req = s.req
      if (req.readableEnded) return resolve(Buffer.alloc(0))
      s.transport.continue()
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
        s.buffered = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
        resolve(s.buffered)
      })
      req.once('error', reject)
    })
    return s.bodyRead
  }
}

export class RequestKit implements Kit {
  readonly request: ClientRequest

  constructor(private readonly s: RequestState) {
    countRequest(s)
    this.request = new ClientRequest(s)
  }

  get requestId() {
    return this.s.requestId
  }
  get upstream(): KitUpstream {
    return (this.s.changes ??= new UpstreamChanges(this.s))
  }
  get response(): KitResponse {
    return (this.s.response ??= earlyResponse())
  }
  get route(): Route | undefined {
    return this.s.match?.route
  }
  get service(): Service | undefined {
    return this.s.match?.service
  }
  get consumer(): Consumer | undefined {
    return this.s.consumer
  }
  get credential(): AuthCredential | undefined {
    return this.s.credential
  }
  get anonymous(): boolean {
    return this.s.anonymous
  }
  get shared(): Record<string, unknown> {
    return (this.s.shared ??= {})
  }
  get startedAt(): number {
    return this.s.startedAt
  }
  waited(ms: number): void {
    this.s.waitingMs = ms
  }
  get waitingTime(): number | undefined {
    return this.s.waitingMs
  }
  get proxied() {
    return this.s.proxied
  }
  get upstreamTrailers(): Readonly<Record<string, string>> | undefined {
    return this.s.upstreamTrailers
  }
  clearUpstreamTrailers(): void {
    this.s.upstreamTrailers = undefined
  }
  get trace(): KitTrace | undefined {
    return this.s.trace
  }
  startTrace(): KitTrace {
    return (this.s.trace ??= propagationTrace())
  }
  keepLogs(): void {
    this.s.logs ??= []
  }
  logLine(level: KitLogLine['level'], message: string): void {
    const logs = this.s.logs
    // Kong keeps at most 1,000 lines a request and drops the newer ones.
    if (!logs || logs.length >= MAX_REQUEST_LOGS) return
    logs.push({ level, message, timeMs: performance.timeOrigin + performance.now(), spanId: this.s.trace?.active.spanId })
  }
  logLines(): readonly KitLogLine[] {
    return this.s.logs ?? NO_LINES
  }

  elapsed(): number {
    return performance.now() - this.s.start
  }

  sizes(): { request: number; response: number } {
    const req = this.s.req
    // Request line and headers as received, plus the body.
    let head = req.method!.length + (req.url ?? '').length + 12
    for (const h of req.rawHeaders) head += h.length + 2
    const len = Number(req.headers['content-length'])
    const body = this.s.buffered?.length ?? (Number.isFinite(len) ? len : 0)
    return { request: head + body, response: this.s.transport.bytesWritten() }
  }

  authenticate(consumer: Consumer | undefined, credential: AuthCredential | undefined, anonymous = credential === undefined): void {
    const s = this.s
    s.consumer = consumer
    s.credential = credential
    s.anonymous = anonymous
    const up = this.upstream
    if (consumer) up.setHeader('x-consumer-id', consumer.id)
    else up.clearHeader('x-consumer-id')
    if (consumer?.custom_id !== undefined) up.setHeader('x-consumer-custom-id', consumer.custom_id)
    else up.clearHeader('x-consumer-custom-id')
    if (consumer?.username !== undefined) up.setHeader('x-consumer-username', consumer.username)
    else up.clearHeader('x-consumer-username')
    if (credential) up.setHeader('x-credential-identifier', credential.identifier)
    else up.clearHeader('x-credential-identifier')
    if (anonymous) up.setHeader('x-anonymous-consumer', 'true')
    else up.clearHeader('x-anonymous-consumer')
  }
}

/** The request's kit, built on first use. */
export function kitOf(s: RequestState): RequestKit {
  return (s.kit ??= new RequestKit(s))
}

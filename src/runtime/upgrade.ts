/**
 * WebSocket (and other HTTP/1.1 Upgrade) requests: routed like any request,
 * then the two sockets are joined once the upstream agrees to switch protocols.
 * Access plugins run first; an Exit is written on the raw socket.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Duplex } from 'node:stream'
import { escapeUpstreamPath, normalizeRequestPath } from './target.js'
import { SERVER_TOKEN } from '../version.js'
import { upstreamHeaders } from './handle.js'
import { splitRequestTarget } from './target.js'
import { RequestKit } from './kit.js'
import { runAccess } from './phases.js'
import type { Exit } from '../plugins/types.js'
import { defaultMessage, MSG_NO_PEER, MSG_NO_ROUTE, MSG_NO_SERVICE, renderError, renderExit } from './responses.js'
import type { Runtime } from '../compile/runtime.js'
import { clientAddress, unmapped, type TrustCheck } from './trust.js'
import { randomUUID } from 'node:crypto'

export interface UpgradeOptions {
  current: () => Runtime
  trusted: TrustCheck
  scheme: 'http' | 'https'
}

function writeResponse(socket: Duplex, status: number, headers: Record<string, string>, body = ''): void {
  const lines = [
    `HTTP/1.1 ${status} ${statusText(status)}`,
    ...Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' }).map(([k, v]) => `${k}: ${v}`),
  ]
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`)
}

const statusText = (s: number) =>
  ({ 400: 'Bad Request', 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' })[s] ?? 'Status'

export interface UpgradeHandler {
  (req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes every tunnel (shutdown): the HTTP server does not track upgraded sockets for us. */
  closeAll(): void
}

export function createUpgradeHandler(opts: UpgradeOptions): UpgradeHandler {
  const open = new Set<Duplex>()
  const upgrade = function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    open.add(socket)
    socket.on('close', () => open.delete(socket))
    socket.on('error', () => socket.destroy())
    const runtime = opts.current()
    const requestId = randomUUID().replaceAll('-', '')
    const fail = (status: number, message = defaultMessage(status), extra?: Record<string, string | string[]>) => {
      const r = renderError(message, requestId, req.headers.accept, 'kong')
      const headers: Record<string, string> = { 'content-type': r.contentType, server: SERVER_TOKEN, 'x-kong-request-id': requestId }
      for (const [k, v] of Object.entries(extra ?? {})) headers[k] = Array.isArray(v) ? v.join(', ') : v
      writeResponse(socket, status, headers, r.body)
    }
    const target = splitRequestTarget(req.url ?? '/')
    if (!target) return fail(400)
    const { rawPath, query } = target
    const path = normalizeRequestPath(rawPath)
    if (path === undefined) return fail(400)
    const localPort = (req.socket.localPort as number | undefined) ?? 0
    const host = req.headers.host ?? ''
    const match = runtime.router.match({
      method: req.method ?? 'GET',
      host,
      path,
      headers: runtime.router.usesHeaders ? req.headersDistinct : req.headers,
      port: localPort,
    })
    if (!match) return fail(404, MSG_NO_ROUTE)
    const peer = unmapped(req.socket.remoteAddress ?? '')
    const trusted = opts.trusted(peer)
    const remoteAddr = clientAddress(peer, trusted, req.headers['x-real-ip'])
    const chain = runtime.chains.forRoute(match.route)
    // eslint-disable-next-line prefer-const -- assigned below, after the closures that read it
    let kit: RequestKit | undefined
    const answer = (out: Exit | undefined) => {
      if (!out) return connect()
      if (out.error !== undefined) return fail(out.status, out.error, out.headers)
      const json = out.message !== undefined ? renderExit(out.message).body : out.json !== undefined ? JSON.stringify(out.json) : undefined
      const body = json ?? out.body ?? ''
      const headers: Record<string, string> = {
        server: SERVER_TOKEN,
        'x-kong-request-id': requestId,
        ...(json !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      }
      for (const [k, v] of Object.entries(out.headers ?? {})) headers[k] = Array.isArray(v) ? v.join(', ') : v
      writeResponse(socket, out.status, headers, typeof body === 'string' ? body : body.toString())
    }
    const connect = () => {
      const service = match.service
      if (!service) return fail(503, MSG_NO_SERVICE)
      let targetHost = service.host
      let targetPort = service.port
      const balancer = runtime.balancers.get(service.host)
      if (balancer) {
        const picked = balancer.pick()
        if (!picked) return fail(503, MSG_NO_PEER)
        targetHost = picked.host
        targetPort = picked.port
      }
      const up = kit?.upstream
      const headers = upstreamHeaders(
        req.headers,
        { match, service, requestId, peer, remoteAddr, trusted, scheme: opts.scheme, localPort, rawPath },
        up?.headersTouched ? up.headers : undefined,
      )
      const tls = service.protocol === 'https'
      headers.host =
        match.route.preserve_host && req.headers.host ? req.headers.host : targetPort === (tls ? 443 : 80) ? targetHost : `${targetHost}:${targetPort}`
      headers.connection = 'Upgrade'
      headers.upgrade = String(req.headers.upgrade)
      const outbound = (tls ? httpsRequest : httpRequest)({
        host: targetHost,
        port: targetPort,
        method: req.method,
        path: escapeUpstreamPath(up?.pathOverride ?? match.upstreamPath) + (up ? up.finalQuery(query) : query),
        headers,
        timeout: service.connect_timeout,
        ...(tls ? { rejectUnauthorized: service.tls_verify ?? false } : {}),
      })
      outbound.on('upgrade', (res, upstreamSocket, upstreamHead) => {
        const lines = [`HTTP/1.1 101 Switching Protocols`]
        for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`)
        lines.push(`x-kong-request-id: ${requestId}`)
        socket.write(`${lines.join('\r\n')}\r\n\r\n`)
        if (upstreamHead.length > 0) socket.write(upstreamHead)
        if (head.length > 0) upstreamSocket.write(head)
        upstreamSocket.on('error', () => socket.destroy())
        socket.on('close', () => upstreamSocket.destroy())
        upstreamSocket.on('close', () => socket.destroy())
        upstreamSocket.pipe(socket)
        socket.pipe(upstreamSocket)
      })
      outbound.on('response', (res) => {
        // The upstream refused to switch: relay its answer as is.
        const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}`]
        for (let i = 0; i < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`)
        socket.write(`${lines.join('\r\n')}\r\n\r\n`)
        res.pipe(socket)
      })
      outbound.on('timeout', () => outbound.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })))
      outbound.on('error', (err: NodeJS.ErrnoException) => {
        if (socket.writable) fail(err.code === 'ETIMEDOUT' ? 504 : 502)
      })
      outbound.end()
    }
    if (chain.empty) return connect()
    kit = new RequestKit({
      req,
      requestId,
      rawPath,
      normalizedPath: path,
      rawQuery: query.slice(1),
      scheme: opts.scheme,
      port: localPort,
      clientIp: remoteAddr,
      peerIp: peer,
      start: performance.now(),
    })
    kit.routed(match)
    const out = runAccess(chain, kit)
    if (out === undefined || !('then' in out)) return answer(out)
    out.then(answer, () => fail(500))
  } as UpgradeHandler
  upgrade.closeAll = () => {
    for (const s of open) s.destroy()
    open.clear()
  }
  return upgrade
}

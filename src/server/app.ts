/**
 * The proxy listeners: Fastify hosts each one (listen, close, hooks) and the
 * request path is ours (runtime/handle.ts): routing lives in the compiled
 * Runtime, which a reload swaps. The read-only admin listener is in admin.ts.
 */
import { createServer as createHttpServer, Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createSecureServer } from 'node:http2'
import Fastify, { type FastifyInstance } from 'fastify'
import { createHandler, createUpgradeHandler, type HandlerOptions } from '../runtime/handle.js'
import type { ProxyOptions } from '../runtime/options.js'
import type { RuntimeHolder } from '../reload/holder.js'
import { HEADER_BUFFER_BYTES, HEADER_BUFFERS, MAX_HEADER_LINES } from '../runtime/header-limits.js'
import { proxyClientError } from './client-error.js'
import type { DefaultCertificate } from './default-certificate.js'
import { acceptH2c, H2_OPTIONS, Sessions } from './h2.js'

export interface ProxyServerOptions {
  holder: RuntimeHolder
  /** A TLS listener: HTTP/2 and HTTP/1.1, chosen by ALPN. */
  tls?: boolean
  /** A plain listener that also takes cleartext HTTP/2 (h2c, prior knowledge): Kong's `http2` listen option. */
  http2?: boolean
  /** A TLS listener's default certificate: for clients without SNI, or with one no sni names (default-certificate.ts). */
  defaultCertificate?: DefaultCertificate
  /** How requests are treated: the same for every proxy listener of a gateway. */
  proxy: ProxyOptions
}

/**
 * A proxy listener: Fastify's instance (listen, and close, which stops
 * accepting, sends GOAWAY to HTTP/2 sessions in preClose and waits for the
 * requests in flight), and what closing needs beyond it.
 */
export interface ProxyServer {
  app: FastifyInstance
  /** Cuts every connection still open (the drain timeout), HTTP/2 sessions and HTTP/1.1 connections alike. */
  cut(): void
}

export function buildProxyServer(opts: ProxyServerOptions): ProxyServer {
  const handlerOptions: HandlerOptions = {
    current: () => opts.holder.current(),
    scheme: opts.tls ? 'https' : 'http',
    proxy: opts.proxy,
  }
  const handle = createHandler(handlerOptions)
  // Fastify owns the listener's life (listen, close, hooks), but routing is the
  // compiled Runtime's: requests go straight to the pipeline, without Fastify's
  // per-request objects, router and hooks, which would route every request to
  // the same catch-all anyway (and Fastify cannot add routes once started).
  // The whole request head fits nginx's four large header buffers (Kong's
  // `large_client_header_buffers 4 8k`); the per-line bounds are runtime/header-limits.ts's.
  const maxHeaderSize = HEADER_BUFFERS * HEADER_BUFFER_BYTES
  let sessions: Sessions | undefined
  const serverFactory = () => {
    let server: HttpServer
    if (opts.tls) {
      const secure = createSecureServer(
        {
          ...H2_OPTIONS,
          // ALPN offers h2 and http/1.1; a client that names neither (or no ALPN) gets HTTP/1.1.
          allowHTTP1: true,
          // Kong's default certificate: served without SNI (no callback runs then) and for unknown names.
          ...(opts.defaultCertificate ? { cert: opts.defaultCertificate.cert, key: opts.defaultCertificate.key } : {}),
          // The certificate is chosen per handshake from the Runtime current at that moment.
          SNICallback: (servername, cb) => {
            const ctx = opts.holder.current().certificates.answer(servername)
            if (ctx instanceof Promise)
              ctx.then(
                (c) => cb(null, c),
                () => cb(null, undefined),
              )
            else cb(null, ctx)
          },
        },
        handle,
      )
      sessions = new Sessions(secure)
      // HTTP/1.1 connections of this server are Node's HTTP server's, reading
      // its settings from the server object: the same as the plain listeners'.
      server = Object.assign(secure as unknown as HttpServer, { maxHeaderSize, requireHostHeader: false })
    } else {
      server = createHttpServer({ maxHeaderSize, requireHostHeader: false }, handle)
      if (opts.http2) sessions = new Sessions(acceptH2c(server))
    }
    // One more than the limit, so that a request over it is seen and refused rather than cut short.
    server.maxHeadersCount = MAX_HEADER_LINES + 1
    // Fastify's default for its own servers (Node's is 5 s): idle client connections stay open for reuse.
    server.keepAliveTimeout = 72_000
    return server
  }
  // Bytes Node's parser refuses (a head over the limits included) get nginx's treatment, not Node's 431 or Fastify's JSON (client-error.ts).
  const app = Fastify({
    logger: false,
    return503OnClosing: false,
    serverFactory,
    clientErrorHandler: proxyClientError(opts.proxy.wire, opts.proxy.errors),
  }) as unknown as FastifyInstance
  // WebSocket upgrades never reach a request handler: Node emits them on the server.
  const upgrade = createUpgradeHandler(handlerOptions)
  app.server.on('upgrade', upgrade)
  // Expect: 100-continue: Node would answer 100 at once; the request path sends
  // it only when the body is about to be read, so a plugin can refuse first (417).
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => app.server.emit('request', req, res))
  app.addHook('preClose', (done) => {
    upgrade.closeAll()
    sessions?.close()
    done()
  })
  const cut = () => {
    sessions?.destroy()
    // Node's HTTP/1.1 connection list, which the HTTP/2 server keeps too for its HTTP/1.1 clients.
    HttpServer.prototype.closeAllConnections.call(app.server)
  }
  return { app, cut }
}

export { buildAdminServer, type AdminServerOptions } from './admin.js'

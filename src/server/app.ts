/**
 * The proxy listeners: Fastify hosts each one (listen, close, hooks) and the
 * request path is ours (runtime/handle.ts): routing lives in the compiled
 * Runtime, which a reload swaps. The read-only admin listener is in admin.ts.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import Fastify, { type FastifyInstance } from 'fastify'
import { createHandler, createUpgradeHandler, type HandlerOptions } from '../runtime/handle.js'
import type { ProxyOptions } from '../runtime/options.js'
import type { RuntimeHolder } from '../reload/holder.js'
import { HEADER_BUFFER_BYTES, HEADER_BUFFERS, MAX_HEADER_LINES } from '../runtime/header-limits.js'
import { proxyClientError } from './client-error.js'
import type { DefaultCertificate } from './default-certificate.js'

export interface ProxyServerOptions {
  holder: RuntimeHolder
  tls?: boolean
  /** A TLS listener's default certificate: for clients without SNI, or with one no sni names (default-certificate.ts). */
  defaultCertificate?: DefaultCertificate
  /** How requests are treated: the same for every proxy listener of a gateway. */
  proxy: ProxyOptions
}

export function buildProxyServer(opts: ProxyServerOptions): FastifyInstance {
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
  const serverFactory = () => {
    const server = opts.tls
      ? createHttpsServer(
          {
            maxHeaderSize,
            // A missing Host is the pipeline's to refuse, in Kong's template (runtime/request-checks.ts).
            requireHostHeader: false,
            // Kong's default certificate: served without SNI (no callback runs then) and for unknown names.
            ...(opts.defaultCertificate ? { cert: opts.defaultCertificate.cert, key: opts.defaultCertificate.key } : {}),
            // The certificate is chosen per handshake from the Runtime current at that moment.
            SNICallback: (servername, cb) => cb(null, opts.holder.current().certificates.contextFor(servername)),
          },
          handle,
        )
      : createHttpServer({ maxHeaderSize, requireHostHeader: false }, handle)
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
    done()
  })
  return app
}

export { buildAdminServer, type AdminServerOptions } from './admin.js'

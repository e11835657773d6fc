/**
 * The servers: Fastify hosts the proxy (one catch-all route for every method
 * and path; the request path is ours, see runtime/handle.ts); the read-only
 * admin listener is in admin.ts. Fastify cannot add routes once started, so routing lives in
 * the compiled Runtime, which a reload swaps.
 */
import { createServer as createHttpsServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { createHandler, createUpgradeHandler, type HandlerOptions } from '../runtime/handle.js'
import type { TrustCheck } from '../runtime/trust.js'
import type { RuntimeHolder } from '../reload/holder.js'

const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS', 'TRACE']

export interface ProxyServerOptions {
  holder: RuntimeHolder
  trusted: TrustCheck
  tls?: boolean
  accessLog?: ((entry: Record<string, unknown>) => void) | undefined
}

export function buildProxyServer(opts: ProxyServerOptions): FastifyInstance {
  const handlerOptions: HandlerOptions = {
    current: () => opts.holder.current(),
    trusted: opts.trusted,
    scheme: opts.tls ? 'https' : 'http',
    accessLog: opts.accessLog,
  }
  const handle = createHandler(handlerOptions)
  const common = {
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    // A URL Fastify cannot decode still gets the gateway's answer (Kong's 400), not Fastify's.
    frameworkErrors: (_err: unknown, request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack()
      handle(request.raw, reply.raw)
    },
  } as const
  const app = (opts.tls
    ? Fastify({
        ...common,
        // The certificate is chosen per handshake from the Runtime current at that moment.
        serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
          createHttpsServer(
            {
              SNICallback: (servername, cb) => {
                const ctx = opts.holder.current().certificates.contextFor(servername)
                if (ctx) cb(null, ctx)
                else cb(new Error(`no certificate for '${servername}'`))
              },
            },
            handler,
          ),
      })
    : Fastify(common)) as unknown as FastifyInstance
  // Bodies are streamed to the upstream untouched: no parsing, no buffering.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null))
  const route = (request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
    reply.hijack()
    handle(request.raw, reply.raw)
  }
  app.route({ method: METHODS, url: '*', handler: route })
  // Methods Fastify has no route for (PROPFIND, ...) still go through the gateway's router.
  app.setNotFoundHandler(route)
  // WebSocket upgrades never reach Fastify's routing: Node emits them on the server.
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

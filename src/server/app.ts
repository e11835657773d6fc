/**
 * The servers: Fastify hosts the proxy (one catch-all route for every method
 * and path; the request path is ours, see runtime/handle.ts) and the read-only
 * admin listener. Fastify cannot add routes once started, so routing lives in
 * the compiled Runtime, which a reload swaps.
 */
import { createServer as createHttpsServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { createHandler } from '../runtime/handle.js'
import { createUpgradeHandler } from '../runtime/upgrade.js'
import type { TrustCheck } from '../runtime/trust.js'
import type { RuntimeHolder } from './holder.js'
import type { ReloadResult, Reloader } from '../reload/reloader.js'

const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS', 'TRACE']

export interface ProxyServerOptions {
  holder: RuntimeHolder
  trusted: TrustCheck
  tls?: boolean
}

export function buildProxyServer(opts: ProxyServerOptions): FastifyInstance {
  const handle = createHandler({ current: () => opts.holder.current(), trusted: opts.trusted, scheme: opts.tls ? 'https' : 'http' })
  const handleRef: { current?: typeof handle } = { current: handle }
  const common = {
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: false,
    // A URL Fastify cannot decode still gets the gateway's answer (Kong's 400), not Fastify's.
    frameworkErrors: (_err: unknown, request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack()
      handleRef.current?.(request.raw, reply.raw)
    },
    // Kong has no limit on request headers beyond the server's; keep Node's defaults.
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
  const upgrade = createUpgradeHandler({ current: () => opts.holder.current(), trusted: opts.trusted, scheme: opts.tls ? 'https' : 'http' })
  app.server.on('upgrade', upgrade)
  app.addHook('preClose', (done) => {
    upgrade.closeAll()
    done()
  })
  return app
}

export interface AdminServerOptions {
  holder: RuntimeHolder
  reloader?: Reloader
  isDraining: () => boolean
}

function reloadView(r: ReloadResult) {
  return {
    result: r.result,
    at: r.at.toISOString(),
    duration_ms: r.durationMs,
    configuration_hash: r.hash ?? null,
    errors: r.issues?.map((i) => ({ file: i.file, line: i.line, column: i.column, path: i.path, message: i.message })) ?? (r.error ? [{ message: r.error }] : []),
  }
}

export function buildAdminServer(opts: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false })
  app.get('/healthz', async () => ({ message: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    if (opts.isDraining()) return reply.code(503).send({ message: 'draining' })
    return { message: 'ready' }
  })
  app.get('/status', async () => {
    const rt = opts.holder.current()
    return {
      configuration_hash: rt.hash,
      loaded_at: rt.loadedAt.toISOString(),
      entities: { services: rt.config.services.length, routes: rt.config.routes.length, consumers: rt.config.consumers.length, plugins: rt.config.plugins.length, upstreams: rt.config.upstreams.length },
      reloads: opts.reloader ? { ...opts.reloader.counts } : undefined,
      last_reload: opts.reloader?.last ? reloadView(opts.reloader.last) : null,
      // The last failed reload, until a valid file loads: what is wrong with the file now.
      last_error: opts.reloader?.lastError ? reloadView(opts.reloader.lastError) : null,
    }
  })
  return app
}

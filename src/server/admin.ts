/**
 * The read-only admin listener, shaped like Kong's Admin API in DB-less mode
 * (reference §8.4/§8.5). Every answer comes from the Runtime current at the
 * moment of the request; nothing it returns contains a secret (config/secrets/:
 * credentials, private keys, plugin secrets are "<redacted>"; values from the
 * environment or a vault are shown as the file wrote them).
 *
 * Lists use Kong's pagination shape `{data: [...], next: null}`: the whole
 * collection comes in one page (`size`/`offset` are not implemented).
 * Writes are refused with Kong's DB-less 405 messages.
 */
import { hostname } from 'node:os'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Config, Plugin, Upstream } from '../config/model.js'
import type { Collection } from '../config/schema/context.js'
import { redactForDisplay } from '../config/secrets/index.js'
import { healthchecksOff, targetsHealth } from '../compile/target-health.js'
import { createMetrics } from '../observability/metrics.js'
import type { Registry } from 'prom-client'
import { registry as pluginRegistry } from '../plugins/registry.js'
import type { Reloader } from '../reload/reloader.js'
import type { Runtime } from '../compile/runtime.js'
import { VERSION } from '../version.js'
import type { RuntimeHolder } from '../reload/holder.js'
import type { ServerStats } from './listener-stats.js'
import type { WireHeaders } from '../runtime/kong-headers.js'
import { explain } from '../runtime/explain/explain.js'
import { trafficOf } from '../observability/traffic.js'
import { prefersHtml, registerPageAssets, sendPage } from './status-page/index.js'
import { chainsView, reloadView, upstreamsView } from './status-views.js'

export interface AdminServerOptions {
  holder: RuntimeHolder
  reloader?: Reloader
  isDraining: () => boolean
  /** Kong's `server` block: connections and requests of the proxy listeners (with several workers, their sum). */
  server?: (() => ServerStats | Promise<ServerStats>) | undefined
  /** With several workers: each one's pid and configuration hash. */
  workers?: (() => { pid: number; hash: string | undefined }[]) | undefined
  /** With several workers: why the node cannot take traffic on configuration `hash` yet, or undefined when it can. */
  notReady?: ((hash: string) => string | undefined) | undefined
  /** Metrics registered by plugins (prometheus), served after the gateway's own: a registry, or (several workers) their sum. */
  pluginMetrics?: Registry | (() => Promise<string>) | undefined
  /** Kong's `headers`: Server and X-Kong-Admin-Latency on every answer when on (both by default). */
  wire?: WireHeaders | undefined
}

/** Kong's configuration_hash of an empty configuration (constants.DECLARATIVE_EMPTY_CONFIG_HASH). */
export const EMPTY_CONFIG_HASH = '0'.repeat(32)

const isEmpty = (c: Config) => Object.values(c).every((v) => !Array.isArray(v) || v.length === 0)

/**
 * /status's configuration_hash, as Kong's: the MD5 of the file being served
 * (Runtime.hash), or 32 zeros when it declares no entity, which tooling reads
 * as "no configuration" (spec/02-integration/02-cmd/02-start_stop_spec.lua:519).
 */
const statusHash = (r: Runtime, hash = r.hash) => (hash === r.hash && isEmpty(r.config) ? EMPTY_CONFIG_HASH : hash)

// ---------------------------------------------------------------- redaction (config/secrets/display.ts)

/**
 * The effective config fit to show: values from the environment or a vault as
 * the file wrote them (`{vault://...}`, `${{ env "DECK_..." }}`), every other
 * secret `<redacted>`.
 */
export function redactConfig(c: Config): Record<string, unknown> {
  const { sources, ...entities } = c
  return redactForDisplay(entities, pluginRegistry, sources)
}

/** One entity of a collection, fit to show (as in /config). */
function shown<T>(c: Config, collection: Collection, entity: T): T {
  return (redactForDisplay({ [collection]: [entity] }, pluginRegistry, c.sources) as Record<string, T[]>)[collection]![0]!
}

// ---------------------------------------------------------------- entity views (Kong's foreign keys: {id} or null)

const ref = (id: string | undefined) => (id === undefined ? null : { id })

const routeView = (c: Config, r: Config['routes'][number]) => ({ ...shown(c, 'routes', r), service: ref(r.service) })
const pluginEntity = (c: Config, p: Plugin) => ({ ...shown(c, 'plugins', p), route: ref(p.route), service: ref(p.service), consumer: ref(p.consumer) })
/** A consumer alone: its credentials live in other collections and are never listed here. */
const consumerView = (c: Config, consumer: Config['consumers'][number]) => {
  const {
    keyauth_credentials: _k,
    basicauth_credentials: _b,
    jwt_secrets: _j,
    hmacauth_credentials: _h,
    acls: _a,
    oauth2_credentials: _o,
    ...rest
  } = shown(c, 'consumers', consumer) as Record<string, unknown>
  return rest
}

/** A key names its set as Kong's foreign keys do; its JWK and private key are redacted. */
const keyView = (c: Config, k: Config['keys'][number]) => ({ ...shown(c, 'keys', k), set: ref(k.set) })

const page = (data: unknown[]) => ({ data, next: null })

// ---------------------------------------------------------------- writes: Kong's DB-less 405s

/** URL segment → Kong schema name (the name in the 405 message). */
const COLLECTIONS: Record<string, string> = {
  services: 'services',
  routes: 'routes',
  consumers: 'consumers',
  plugins: 'plugins',
  upstreams: 'upstreams',
  targets: 'targets',
  certificates: 'certificates',
  snis: 'snis',
  ca_certificates: 'ca_certificates',
  vaults: 'vaults',
  'key-auths': 'keyauth_credentials',
  'key-auth': 'keyauth_credentials',
  'basic-auths': 'basicauth_credentials',
  'basic-auth': 'basicauth_credentials',
  jwts: 'jwt_secrets',
  jwt: 'jwt_secrets',
  'hmac-auths': 'hmacauth_credentials',
  'hmac-auth': 'hmacauth_credentials',
  acls: 'acls',
  oauth2: 'oauth2_credentials',
  keys: 'keys',
  'key-sets': 'key_sets',
}

/** The collection a path names and whether it names one entity of it, or undefined. */
export function entityPath(path: string): { collection: string; entity: boolean } | undefined {
  const segs = path
    .split('?')[0]!
    .split('/')
    .filter((s) => s !== '')
  // /<c>, /<c>/<id>, /<parent>/<id>/<c>, /<parent>/<id>/<c>/<id>
  if (segs.length === 0 || segs.length > 4) return undefined
  if (segs.length <= 2) {
    const c = COLLECTIONS[segs[0]!]
    return c ? { collection: c, entity: segs.length === 2 } : undefined
  }
  if (!COLLECTIONS[segs[0]!]) return undefined
  const c = COLLECTIONS[segs[2]!]
  return c ? { collection: c, entity: segs.length === 4 } : undefined
}

const unsupported = (operation: string, collection: string) => ({
  code: 12,
  name: 'operation unsupported',
  message: `cannot ${operation} '${collection}' entities when not using a database`,
})

/** Kong's answer to a write in DB-less mode (strategies/off: insert → create, upsert → create or update, update, delete → remove). */
export function refusal(method: string, path: string): Record<string, unknown> {
  const e = entityPath(path)
  if (e && !e.entity && method === 'POST') return unsupported('create', e.collection)
  if (e && e.entity && method === 'PUT') return unsupported('create or update', e.collection)
  if (e && e.entity && method === 'PATCH') return unsupported('update', e.collection)
  if (e && e.entity && method === 'DELETE') return unsupported('remove', e.collection)
  return { message: 'Method not allowed' }
}

// ---------------------------------------------------------------- health

function upstreamHealth(rt: Runtime, u: Upstream) {
  const data = targetsHealth(rt.config, rt.balancers.get(u.name), u).map(({ target: t, address, health }) => ({
    ...t,
    upstream: { id: u.id },
    health,
    data: { addresses: address ? [{ ip: address.ip, port: address.port, health, weight: t.weight }] : [] },
  }))
  return { data, next: null }
}

/** Kong's `?balancer_health=1`: the balancer's health (HEALTHCHECKS_OFF when no check is on), its own health and weights. */
function balancerHealth(rt: Runtime, u: Upstream) {
  const details = rt.balancers.get(u.name)?.status() ?? { healthy: false, weight: { total: 0, unavailable: 0, available: 0 }, hosts: [] }
  const balancer = details.healthy ? 'HEALTHY' : 'UNHEALTHY'
  return { data: { health: healthchecksOff(u) ? 'HEALTHCHECKS_OFF' : balancer, balancer_health: balancer, id: u.id, details }, next: null }
}

// ---------------------------------------------------------------- server

const NOT_FOUND = { message: 'Not found' }

type Params = { Params: { key: string } }

export function buildAdminServer(opts: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false })
  // Nothing here reads a body: a write is refused whatever it carries (no 400/415 first).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, _payload, done) => done(null))
  const rt = () => opts.holder.current()
  const metrics = createMetrics({ holder: opts.holder, reloader: opts.reloader, extra: opts.pluginMetrics, server: opts.server })
  // Kong's Admin API answers carry Server and X-Kong-Admin-Latency, each as `headers` says
  // (spec/02-integration/05-proxy/14-server_tokens_spec.lua:939, :991).
  const server = opts.wire?.server
  const adminLatency = opts.wire?.adminLatency === true
  if (server !== undefined || adminLatency)
    app.addHook('onSend', async (_req, reply, payload) => {
      if (server !== undefined) reply.header('server', server)
      if (adminLatency) reply.header('x-kong-admin-latency', String(Math.round(reply.elapsedTime)))
      return payload
    })

  app.get('/healthz', async () => ({ message: 'ok' }))
  // Kong's /status/ready: 503 with the reason until every worker serves the current configuration.
  app.get('/readyz', async (_req, reply) => {
    if (opts.isDraining()) return reply.code(503).send({ message: 'draining' })
    const why = opts.notReady?.(rt().hash)
    if (why !== undefined) return reply.code(503).send({ message: why })
    return { message: 'ready' }
  })
  app.get('/status', async () => {
    const r = rt()
    const server = opts.server ? await opts.server() : undefined
    const workers = opts.workers?.()
    return {
      // Every worker serves the same config once its hash equals this process's.
      workers: workers ? workers.map((w) => ({ pid: w.pid, configuration_hash: w.hash === undefined ? null : statusHash(r, w.hash) })) : undefined,
      converged: workers ? workers.every((w) => w.hash === r.hash) : undefined,
      server,
      configuration_hash: statusHash(r),
      loaded_at: r.loadedAt.toISOString(),
      entities: {
        services: r.config.services.length,
        routes: r.config.routes.length,
        consumers: r.config.consumers.length,
        plugins: r.config.plugins.length,
        upstreams: r.config.upstreams.length,
      },
      reloads: opts.reloader ? { ...opts.reloader.counts } : undefined,
      last_reload: opts.reloader?.last ? reloadView(opts.reloader.last) : null,
      // The last failed reload, until a valid file loads: what is wrong with the file now.
      last_error: opts.reloader?.lastError ? reloadView(opts.reloader.lastError) : null,
    }
  })

  // The status page's JSON (status-views.ts; documented in the README's "Status page").
  app.get('/status/reloads', async () => ({
    data: (opts.reloader?.history ?? []).map((r) => ({ ...reloadView(r), errors_omitted: r.omittedIssues ?? 0 })),
    counts: opts.reloader ? { ...opts.reloader.counts } : null,
  }))
  app.get('/status/chains', async () => chainsView(rt()))
  app.get('/status/upstreams', async () => upstreamsView(rt()))
  app.get('/status/traffic', async () => trafficOf(await metrics.render()))
  registerPageAssets(app)

  // A browser gets the status page; API clients keep Kong's JSON (Vary: caches keep the two apart).
  app.get('/', async (req, reply) => {
    reply.header('vary', 'Accept')
    if (prefersHtml(req.headers.accept)) return sendPage(reply)
    const available: Record<string, { version: string; priority: number }> = {}
    for (const def of pluginRegistry.values()) available[def.name] = { version: def.version, priority: def.priority }
    return {
      tagline: 'Welcome to kong-yml-gateway',
      version: VERSION,
      edition: 'community-compatible',
      hostname: hostname(),
      plugins: {
        available_on_server: available,
        enabled_in_cluster: [
          ...new Set(
            rt()
              .config.plugins.filter((p) => p.enabled)
              .map((p) => p.name),
          ),
        ].sort(),
      },
    }
  })

  app.get('/config', async () => {
    const c = rt().config
    return { config: redactConfig(c) }
  })

  /** GET /<name> and GET /<name>/{id or a unique field}. */
  const collection = <T extends { id: string }>(
    name: string,
    list: (c: Config) => readonly T[],
    view: (c: Config, e: T) => unknown,
    alt: (e: T) => string | undefined,
  ) => {
    app.get(`/${name}`, async () => {
      const c = rt().config
      return page(list(c).map((e) => view(c, e)))
    })
    app.get<Params>(`/${name}/:key`, async (req, reply) => {
      const key = req.params.key
      const c = rt().config
      const items = list(c)
      const found = items.find((e) => e.id === key) ?? items.find((e) => alt(e) === key)
      if (!found) return reply.code(404).send(NOT_FOUND)
      return view(c, found)
    })
  }
  collection(
    'services',
    (c) => c.services,
    (c, s) => shown(c, 'services', s),
    (s) => s.name,
  )
  collection(
    'routes',
    (c) => c.routes,
    routeView,
    (r) => r.name,
  )
  collection(
    'consumers',
    (c) => c.consumers,
    consumerView,
    (c) => c.username,
  )
  collection(
    'plugins',
    (c) => c.plugins,
    pluginEntity,
    (p) => p.instance_name,
  )
  collection(
    'upstreams',
    (c) => c.upstreams,
    (c, u) => shown(c, 'upstreams', u),
    (u) => u.name,
  )

  collection(
    'keys',
    (c) => c.keys,
    keyView,
    (k) => k.name,
  )
  collection(
    'key-sets',
    (c) => c.key_sets,
    (c, k) => shown(c, 'key_sets', k),
    (k) => k.name,
  )

  app.get<Params>('/upstreams/:key/health', async (req, reply) => {
    const r = rt()
    const u = r.config.upstreams.find((x) => x.id === req.params.key) ?? r.config.upstreams.find((x) => x.name === req.params.key)
    if (!u) return reply.code(404).send(NOT_FOUND)
    if ((req.query as Record<string, unknown>).balancer_health === '1') return balancerHealth(r, u)
    return upstreamHealth(r, u)
  })

  // `gateway explain` against the Runtime serving now: read-only, nothing runs.
  app.get('/explain', async (req, reply) => {
    const q = req.query as Record<string, string | string[] | undefined>
    const one = (k: string) => (Array.isArray(q[k]) ? q[k][0] : q[k])
    const many = (k: string) => (q[k] === undefined ? [] : Array.isArray(q[k]) ? q[k] : [q[k]])
    const method = one('method') ?? 'GET'
    const url = one('url')
    if (url === undefined) return reply.code(400).send({ message: "missing 'url' (and 'method', 'header', 'consumer', 'sni', 'client_ip')" })
    const answer = explain(rt(), { method, url, headers: many('header'), consumer: one('consumer'), sni: one('sni'), clientIp: one('client_ip') })
    if ('error' in answer) return reply.code(400).send({ message: answer.error })
    return answer
  })

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.contentType)
    return metrics.render()
  })

  // Unknown GETs are 404; every other method is refused as Kong refuses writes without a database.
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'GET' || req.method === 'HEAD') return reply.code(404).send(NOT_FOUND)
    return reply.code(405).send(refusal(req.method, req.url))
  })
  return app
}

/**
 * Redis connections for plugins: one ioredis client per distinct Redis
 * configuration, shared by every plugin instance that names it (both
 * rate-limiting plugins, request-callout's cache) and kept across reloads in a
 * node slot. A Redis outage must fail fast: there is no offline queue, each
 * command has the configured timeout, and after a failed connect the next
 * attempt waits a short pause instead of piling up. Commands issued while
 * others are on the wire are sent together (auto-pipelining), so concurrent
 * requests share round trips.
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import { nodeSlot } from '../../types.js'
import type { RedisConfig } from './schema.js'

/** After a failed connect, requests fail at once for this long before a new attempt. */
const RECONNECT_PAUSE_MS = 250

interface Entry {
  client: Redis | undefined
  connecting: Promise<Redis> | undefined
  failedAt: number
  lastError: Error | undefined
}

// A config object is fixed for the life of its plugin instance: its identity is computed once.
const identities = new WeakMap<RedisConfig, string>()

/**
 * Which client a configuration uses: equal settings, one client. The password
 * is part of the identity but never kept in clear as a key.
 */
export function redisIdentity(cfg: RedisConfig): string {
  let id = identities.get(cfg)
  if (id === undefined) {
    const parts = [cfg.host, cfg.port, cfg.database, cfg.username ?? '', cfg.password ?? '', cfg.ssl, cfg.ssl_verify, cfg.server_name ?? '', cfg.timeout]
    id = createHash('sha256').update(JSON.stringify(parts)).digest('hex')
    identities.set(cfg, id)
  }
  return id
}

function newClient(cfg: RedisConfig): Redis {
  const client = new Redis({
    host: cfg.host,
    port: cfg.port,
    db: cfg.database,
    ...(cfg.username !== undefined && cfg.username !== '' ? { username: cfg.username } : {}),
    ...(cfg.password !== undefined && cfg.password !== '' ? { password: cfg.password } : {}),
    ...(cfg.ssl ? { tls: { rejectUnauthorized: cfg.ssl_verify, ...(cfg.server_name ? { servername: cfg.server_name } : {}) } } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(1, cfg.timeout),
    commandTimeout: Math.max(1, cfg.timeout),
    // No background reconnect loop: a lost connection ends the client and the
    // next request connects anew (so an unused client holds no timer or socket).
    retryStrategy: () => null,
    enableReadyCheck: false,
    // Commands of concurrent requests go out in one write and come back in one read.
    enableAutoPipelining: true,
  })
  // Errors surface on the commands; the event would otherwise be printed by ioredis.
  client.on('error', () => {})
  // An idle connection must not keep the process alive.
  client.on('connect', () => (client as unknown as { stream?: { unref?: () => void } }).stream?.unref?.())
  return client
}

const CLOSED = new Error('the Redis clients are closed (the gateway stopped)')

export class RedisClients {
  readonly #clients = new Map<string, Entry>()
  #closed = false

  /** A connected client for this configuration, or a rejection (connection refused, timeout, auth). */
  get(cfg: RedisConfig): Promise<Redis> {
    // Work still in flight when the node stops (a request, a counter sync) must not open new connections.
    if (this.#closed) return Promise.reject(CLOSED)
    return connected(this.#clients, cfg)
  }

  /** Drops every client (the node stops). */
  close(): void {
    this.#closed = true
    for (const e of this.#clients.values()) e.client?.disconnect()
    this.#clients.clear()
  }
}

/** The node's Redis clients. */
export const REDIS_CLIENTS = nodeSlot(
  'shared:redis-clients',
  () => new RedisClients(),
  (c) => c.close(),
)

function connected(clients: Map<string, Entry>, cfg: RedisConfig): Promise<Redis> {
  const id = redisIdentity(cfg)
  let entry = clients.get(id)
  if (!entry) {
    entry = { client: undefined, connecting: undefined, failedAt: 0, lastError: undefined }
    clients.set(id, entry)
  }
  const e = entry
  if (e.client?.status === 'ready') return Promise.resolve(e.client)
  if (e.connecting) return e.connecting
  if (e.lastError && Date.now() - e.failedAt < RECONNECT_PAUSE_MS) return Promise.reject(e.lastError)
  if (e.client) e.client.disconnect()
  const client = newClient(cfg)
  e.client = client
  e.connecting = client.connect().then(
    () => {
      e.connecting = undefined
      e.lastError = undefined
      return client
    },
    (err: unknown) => {
      e.connecting = undefined
      e.failedAt = Date.now()
      e.lastError = err instanceof Error ? err : new Error(String(err))
      client.disconnect()
      throw e.lastError
    },
  )
  return e.connecting
}

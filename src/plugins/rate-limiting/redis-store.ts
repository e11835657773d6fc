/**
 * The `redis` policy's connections: one ioredis client per distinct Redis
 * configuration, shared by every plugin instance (of both rate-limiting
 * plugins) and kept across reloads. A Redis outage must fail fast: there is no
 * offline queue, each command has the configured timeout, and after a failed
 * connect the next attempt waits a short pause instead of piling up.
 */
import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import type { RedisConfig } from './redis-schema.js'

/** After a failed connect, requests fail at once for this long before a new attempt. */
const RECONNECT_PAUSE_MS = 250

interface Entry {
  client: Redis | undefined
  connecting: Promise<Redis> | undefined
  failedAt: number
  lastError: Error | undefined
}

const clients = new Map<string, Entry>()

// The password is part of the identity but never kept in clear as a key.
function identity(cfg: RedisConfig): string {
  const parts = [cfg.host, cfg.port, cfg.database, cfg.username ?? '', cfg.password ?? '', cfg.ssl, cfg.ssl_verify, cfg.server_name ?? '', cfg.timeout]
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
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
  })
  // Errors surface on the commands; the event would otherwise be printed by ioredis.
  client.on('error', () => {})
  // An idle connection must not keep the process alive.
  client.on('connect', () => (client as unknown as { stream?: { unref?: () => void } }).stream?.unref?.())
  return client
}

/** A connected client for this configuration, or a rejection (connection refused, timeout, auth). */
export function redisClient(cfg: RedisConfig): Promise<Redis> {
  const id = identity(cfg)
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

/**
 * INCR each key and (re)arm its expiry, in one MULTI; returns the values the
 * counters had before this increment (rate-limiting with sync_rate -1: the
 * request is counted while it is checked, as Kong's INCR script does).
 */
export async function redisIncrBefore(cfg: RedisConfig, keys: readonly string[], ttls: readonly number[]): Promise<number[]> {
  const client = await redisClient(cfg)
  const multi = client.multi()
  keys.forEach((k, i) => multi.incr(k).expire(k, ttls[i]!))
  return valuesOf(await multi.exec(), 2).map((v) => v - 1)
}

/** GET many counters (missing → 0). */
export async function redisGet(cfg: RedisConfig, keys: readonly string[]): Promise<number[]> {
  const client = await redisClient(cfg)
  const values = await client.mget(...keys)
  return values.map((v) => (v === null ? 0 : Number(v)))
}

/** INCRBY each key by `by` and arm its expiry, in one MULTI. */
export async function redisIncrBy(cfg: RedisConfig, keys: readonly string[], ttls: readonly number[], by: number): Promise<void> {
  const client = await redisClient(cfg)
  const multi = client.multi()
  keys.forEach((k, i) => multi.incrby(k, by).expire(k, ttls[i]!))
  valuesOf(await multi.exec(), 2)
}

// A MULTI's replies: throws the first command error; returns every `step`-th value.
function valuesOf(replies: [Error | null, unknown][] | null, step: number): number[] {
  if (!replies) throw new Error('redis transaction aborted')
  const out: number[] = []
  for (let i = 0; i < replies.length; i++) {
    const [err, value] = replies[i]!
    if (err) throw err
    if (i % step === 0) out.push(Number(value))
  }
  return out
}

/** For tests: drops every client. */
export function closeRedisClients(): void {
  for (const e of clients.values()) e.client?.disconnect()
  clients.clear()
}

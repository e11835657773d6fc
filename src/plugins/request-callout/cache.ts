/**
 * Callout response caches. `memory`: one LRU per `dictionary_name`, shared by
 * every instance naming it and kept across reloads in a node slot (Kong's
 * shared dict). `redis`: JSON values with an expiry, on the node's shared
 * Redis clients.
 */
import { LRUCache } from 'lru-cache'
import { nodeSlot, type NodeView } from '../types.js'
import { REDIS_CLIENTS, type RedisClients } from '../shared/redis/client.js'
import type { RedisConfig } from '../shared/redis/schema.js'
import type { RequestCalloutConfig } from './schema.js'

/** What a cache holds for one callout: its response, as stored in the context. */
export interface CachedResponse {
  status: number
  headers?: Record<string, unknown> | undefined
  body?: unknown
}

export interface CalloutCache {
  get(key: string): Promise<CachedResponse | undefined>
  set(key: string, value: CachedResponse): Promise<void>
}

const MEMORY_ENTRIES = 10_000

/** The node's memory dictionaries, by name. */
export const CALLOUT_DICTIONARIES = nodeSlot(
  'request-callout:dictionaries',
  () => new Map<string, LRUCache<string, CachedResponse>>(),
  (m) => m.clear(),
)

function memoryCache(dictionaries: Map<string, LRUCache<string, CachedResponse>>, name: string, ttlSec: number): CalloutCache {
  let dict = dictionaries.get(name)
  if (!dict) dictionaries.set(name, (dict = new LRUCache<string, CachedResponse>({ max: MEMORY_ENTRIES, ttlAutopurge: false })))
  const d = dict
  // cache_ttl 0: no expiry (as an ngx.shared ttl of 0).
  const ttl = ttlSec * 1000
  // An entry is a frozen copy that every hit shares: a hit costs no copy (two copies a request were
  // a tenth of the aggregation bench's CPU). Nothing changes a context's response in place but Lua's
  // write-back, which copies a frozen value instead (lua/pdk/shared.ts).
  return {
    get: async (key) => d.get(key),
    set: async (key, value) => void d.set(key, deepFreeze(structuredClone(value)), ttl > 0 ? { ttl } : {}),
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v)) deepFreeze(x)
  }
  return v
}

function redisCache(clients: RedisClients, r: RequestCalloutConfig['cache']['redis'], ttlSec: number): CalloutCache {
  const cfg: RedisConfig = {
    host: r.host,
    port: r.port,
    timeout: Math.max(r.connect_timeout, r.send_timeout, r.read_timeout),
    username: r.username,
    password: r.password,
    database: r.database,
    ssl: r.ssl,
    ssl_verify: r.ssl_verify,
    server_name: r.server_name,
  }
  const prefix = 'kong_request_callout:'
  return {
    async get(key) {
      const v = await (await clients.get(cfg)).get(prefix + key)
      return v === null ? undefined : (JSON.parse(v) as CachedResponse)
    },
    async set(key, value) {
      const c = await clients.get(cfg)
      const json = JSON.stringify(value)
      if (ttlSec > 0) await c.set(prefix + key, json, 'EX', ttlSec)
      else await c.set(prefix + key, json)
    },
  }
}

export function createCache(conf: RequestCalloutConfig['cache'], node: NodeView): CalloutCache | undefined {
  if (conf.strategy === 'memory') return memoryCache(node.slot(CALLOUT_DICTIONARIES), conf.memory.dictionary_name, conf.cache_ttl)
  if (conf.strategy === 'redis') return redisCache(node.slot(REDIS_CLIENTS), conf.redis, conf.cache_ttl)
  return undefined
}

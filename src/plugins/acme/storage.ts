/**
 * acme's key-value storage, as lua-resty-acme's storage adapters behave:
 * `shm` — a zone kept on the node (every plugin instance naming the same
 * shm_name shares it; it survives reloads, not restarts), and `redis` — the
 * keys Kong writes, with the namespace put in front as written (lua-resty-acme
 * 0.15: `<namespace><key>`), so a Kong node and this gateway can share one
 * Redis. `add` is set-if-absent; `list` gives the keys under a prefix.
 */
import type { Redis } from 'ioredis'
import { nodeSlot, type NodeView } from '../types.js'
import { REDIS_CLIENTS } from '../shared/redis/client.js'
import type { RedisConfig } from '../shared/redis/schema.js'

export interface AcmeStorage {
  /** Who holds these keys: equal identities are the same store (for node-wide caches). */
  readonly identity: string
  get(key: string): Promise<string | undefined>
  /** ttlS: seconds (none: kept until deleted). */
  set(key: string, value: string, ttlS?: number): Promise<void>
  /** Stores only when absent; false when the key exists. */
  add(key: string, value: string, ttlS?: number): Promise<boolean>
  delete(key: string): Promise<void>
  list(prefix: string): Promise<string[]>
}

/** How many keys one zone holds at most: enough for many thousand domains, bounded against a flood of names. */
const ZONE_MAX_KEYS = 50_000

interface Entry {
  value: string
  /** Unix ms; Infinity when kept until deleted. */
  until: number
}

/** One shm zone: a map with expiries, swept when it is full. */
class Zone {
  readonly #entries = new Map<string, Entry>()

  get(key: string): string | undefined {
    const e = this.#entries.get(key)
    if (!e) return undefined
    if (e.until <= Date.now()) {
      this.#entries.delete(key)
      return undefined
    }
    return e.value
  }

  set(key: string, value: string, ttlS: number | undefined): void {
    if (!this.#entries.has(key) && this.#entries.size >= ZONE_MAX_KEYS) this.#sweep()
    if (!this.#entries.has(key) && this.#entries.size >= ZONE_MAX_KEYS) throw new Error('no memory')
    this.#entries.set(key, { value, until: ttlS === undefined || ttlS <= 0 ? Infinity : Date.now() + ttlS * 1000 })
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  keys(prefix: string): string[] {
    const now = Date.now()
    const out: string[] = []
    for (const [k, e] of this.#entries) if (e.until > now && k.startsWith(prefix)) out.push(k)
    return out
  }

  #sweep(): void {
    const now = Date.now()
    for (const [k, e] of this.#entries) if (e.until <= now) this.#entries.delete(k)
  }
}

/** The node's shm zones, by name. */
const ZONES = nodeSlot('acme:shm', () => new Map<string, Zone>())

export function shmStorage(node: NodeView, name: string): AcmeStorage {
  const zones = node.slot(ZONES)
  let zone = zones.get(name)
  if (!zone) zones.set(name, (zone = new Zone()))
  const z = zone
  return {
    identity: `shm:${name}`,
    get: async (key) => z.get(key),
    set: async (key, value, ttlS) => z.set(key, value, ttlS),
    add: async (key, value, ttlS) => {
      if (z.get(key) !== undefined) return false
      z.set(key, value, ttlS)
      return true
    },
    delete: async (key) => z.delete(key),
    list: async (prefix) => z.keys(prefix),
  }
}

/** Redis's glob characters, escaped so a prefix matches only itself. */
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&')

export interface RedisStorageConfig {
  redis: RedisConfig
  namespace: string
  scanCount: number
  /** The connection's identity (shared/redis/client.ts redisIdentity). */
  id: string
}

export function redisStorage(node: NodeView, cfg: RedisStorageConfig): AcmeStorage {
  const clients = node.slot(REDIS_CLIENTS)
  const ns = cfg.namespace
  const client = (): Promise<Redis> => clients.get(cfg.redis)
  return {
    identity: `redis:${cfg.id}:${ns}`,
    async get(key) {
      const v = await (await client()).get(ns + key)
      return v ?? undefined
    },
    async set(key, value, ttlS) {
      const c = await client()
      if (ttlS !== undefined && ttlS > 0) await c.set(ns + key, value, 'PX', Math.floor(ttlS * 1000))
      else await c.set(ns + key, value)
    },
    async add(key, value, ttlS) {
      const c = await client()
      const r = ttlS !== undefined && ttlS > 0 ? await c.set(ns + key, value, 'PX', Math.floor(ttlS * 1000), 'NX') : await c.set(ns + key, value, 'NX')
      return r === 'OK'
    },
    async delete(key) {
      await (await client()).del(ns + key)
    },
    async list(prefix) {
      const c = await client()
      const out: string[] = []
      let cursor = '0'
      const count = Math.max(1, Math.floor(cfg.scanCount))
      do {
        const [next, keys] = await c.scan(cursor, 'MATCH', `${globEscape(ns + prefix)}*`, 'COUNT', count)
        cursor = next
        for (const k of keys) out.push(k.slice(ns.length))
      } while (cursor !== '0')
      // SCAN may return a key twice.
      return [...new Set(out)]
    },
  }
}

/**
 * Keep-alive connection pools to upstreams (undici), one per origin and connect
 * settings. They belong to the node, not to a config: a reload that keeps a
 * target keeps its warm connections; a retired config's origins are closed
 * once no config can reach them.
 */
import { Pool } from 'undici'

export interface PoolSettings {
  /** `scheme://host:port` */
  origin: string
  connectTimeout: number
  tlsVerify: boolean
  servername?: string | undefined
  ca?: string[] | undefined
}

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>()

  /** The pool for these settings, created on first use. */
  get(s: PoolSettings): Pool {
    const key = `${s.origin}|${s.connectTimeout}|${s.tlsVerify}|${s.servername ?? ''}|${s.ca?.length ?? 0}`
    let pool = this.#pools.get(key)
    if (!pool) {
      pool = new Pool(s.origin, {
        connections: 512, // Kong's upstream_keepalive_pool_size
        pipelining: 1,
        keepAliveTimeout: 60_000, // Kong's upstream_keepalive_idle_timeout
        keepAliveMaxTimeout: 60_000,
        connect: {
          timeout: s.connectTimeout,
          rejectUnauthorized: s.tlsVerify,
          ...(s.servername ? { servername: s.servername } : {}),
          ...(s.ca ? { ca: s.ca } : {}),
        },
      })
      this.#pools.set(key, pool)
    }
    return pool
  }

  /** Closes the pools of origins outside `origins` (called when a replaced config retires). */
  retain(origins: ReadonlySet<string>): void {
    for (const [key, pool] of this.#pools) {
      if (origins.has(key.slice(0, key.indexOf('|')))) continue
      this.#pools.delete(key)
      void pool.close().catch(() => {})
    }
  }

  /** How many pools are open (status, tests). */
  get size(): number {
    return this.#pools.size
  }

  /** Whether a pool to this origin is open (tests). */
  has(origin: string): boolean {
    for (const key of this.#pools.keys()) if (key.startsWith(`${origin}|`)) return true
    return false
  }

  async close(): Promise<void> {
    const all = [...this.#pools.values()]
    this.#pools.clear()
    await Promise.allSettled(all.map((p) => p.close()))
  }
}

/**
 * Keep-alive connection pools to upstreams (undici), one per origin and connect
 * settings. They belong to the node, not to a config: a reload that keeps a
 * target keeps its warm connections; a retired config's origins are closed
 * once no config can reach them.
 */
import { createRequire } from 'node:module'
import { Pool } from 'undici'
import { timedConnector } from './connector.js'

/** The headers the gateway adds to every upstream request (Kong's). */
export const GATEWAY_REQUEST_HEADERS = [
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-path',
  'x-forwarded-prefix',
  'x-real-ip',
  'x-kong-request-id',
  'via',
]

/**
 * undici checks every request header's name: a name missing from its table of
 * known names is lower-cased and matched against the token grammar, for every
 * request. The gateway's own names are fixed, lower-case and valid, so they go
 * into that table once (about 3 % of the proxy's CPU per request, measured with
 * callgrind). The table is undici-internal: when it is not there (another
 * undici), nothing happens and undici checks them as before.
 */
function registerHeaderNames(names: readonly string[]): void {
  try {
    const { headerNameLowerCasedRecord: known } = createRequire(import.meta.url)('undici/lib/core/constants.js') as {
      headerNameLowerCasedRecord?: Record<string, string | undefined>
    }
    if (!known || typeof known !== 'object') return
    for (const n of names) if (known[n] === undefined && /^[a-z0-9-]+$/.test(n)) known[n] = n
  } catch {
    // Not this undici's layout: nothing to speed up.
  }
}
registerHeaderNames(GATEWAY_REQUEST_HEADERS)

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

  /** `connections`: the most open at once per origin (Kong's upstream_keepalive_pool_size, 512). */
  constructor(private readonly connections = 512) {}

  /** The pool for these settings, created on first use. */
  get(s: PoolSettings): Pool {
    const key = `${s.origin}|${s.connectTimeout}|${s.tlsVerify}|${s.servername ?? ''}|${s.ca?.length ?? 0}`
    let pool = this.#pools.get(key)
    if (!pool) {
      pool = new Pool(s.origin, {
        connections: this.connections,
        pipelining: 1,
        keepAliveTimeout: 60_000, // Kong's upstream_keepalive_idle_timeout
        keepAliveMaxTimeout: 60_000,
        // connect_timeout on a precise timer (undici's own fires on a ~1 s clock).
        connect: timedConnector(s.connectTimeout, {
          rejectUnauthorized: s.tlsVerify,
          ...(s.servername ? { servername: s.servername } : {}),
          ...(s.ca ? { ca: s.ca } : {}),
        }),
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

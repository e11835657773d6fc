/**
 * Keep-alive connection pools to upstreams (undici), one per origin and connect
 * settings. They belong to the node, not to a config: a reload that keeps a
 * target keeps its warm connections; a retired config's origins are closed
 * once no config can reach them.
 *
 * A pooled connection carries the TLS checks it was opened with, so a pool is
 * keyed by every one of them (Kong keys its upstream keepalive pools by SNI,
 * tls_verify, tls_verify_depth, CA certificates and client certificate,
 * kong/init.lua:1389): a request never rides a connection that another
 * service's more lenient, or differently pinned, settings authenticated.
 *
 * gRPC services (`grpc`, `grpcs`) speak HTTP/2 to their targets, as nginx's
 * grpc_pass does: cleartext HTTP/2 with prior knowledge (h2c) for `grpc`, h2
 * by ALPN over TLS for `grpcs`. Their pools are keyed apart from HTTP/1.1
 * ones to the same origin, so an h2 session never carries a plain request.
 *
 * How connections are kept is Kong's upstream_keepalive_* (`gateway serve
 * --upstream-keepalive-*`), turned into undici's options once, when the node
 * is made: every pool created afterwards shares them.
 */
import { createRequire } from 'node:module'
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls'
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

/** How a service (or its upstream) talks TLS to its targets; compiled once per config (compile/upstream-tls.ts). */
export interface UpstreamTls {
  /**
   * A digest of every field below, PEM contents included: the pool key. Not
   * ids: a pool outlives a reload, and a reload may put another CA or client
   * certificate under the same id.
   */
  readonly id: string
  /** tls_verify: check the certificate chain and the name. */
  readonly verify: boolean
  /** tls_verify_depth: how many intermediate CAs a verified chain may have. */
  readonly verifyDepth: number | undefined
  /** PEMs of the trusted CAs (ca_certificates); the system store when undefined. */
  readonly ca: readonly string[] | undefined
  /** client_certificate: presented to the upstream. */
  readonly cert: string | undefined
  readonly key: string | undefined
}

export interface PoolSettings {
  /** `scheme://host:port` */
  origin: string
  connectTimeout: number
  /** The TLS server name (https origins); none when undefined (an address). */
  servername?: string | undefined
  /** TLS settings (https origins); ignored for plain http. */
  tls?: UpstreamTls | undefined
  /** HTTP/2 to the target (a gRPC service): h2c on http origins, ALPN h2 on https ones. */
  h2?: boolean | undefined
}

/** The pool key: the origin first (retain() reads it back), then every connect setting. */
export function poolKey(s: PoolSettings): string {
  const tls = s.origin.startsWith('https:') ? s.tls : undefined
  return `${s.origin}|${s.connectTimeout}|${s.servername ?? ''}|${tls?.id ?? ''}${s.h2 ? '|h2' : ''}`
}

/**
 * OpenSSL's verify depth (nginx's proxy_ssl_verify_depth, which Kong sets from
 * tls_verify_depth): depth N allows the peer certificate, at most N
 * intermediate CAs and the trust anchor. Node has no such option, so the
 * verified chain is counted once the handshake has checked it.
 */
function verifyDepth(depth: number): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const err = checkServerIdentity(host, cert)
    if (err) return err
    // Node hands checkServerIdentity the detailed certificate: its issuers up to the anchor, which issues itself.
    let length = 1
    for (let c = cert as DetailedPeerCertificate; c.issuerCertificate && c.issuerCertificate.fingerprint256 !== c.fingerprint256; c = c.issuerCertificate) {
      if (++length > depth + 2) return Object.assign(new Error(`certificate chain too long (tls_verify_depth ${depth})`), { code: 'CERT_CHAIN_TOO_LONG' })
    }
    return undefined
  }
}

/** Node's TLS options for these settings (also the active health checks' probes, compile/health-checks.ts). */
export function tlsConnectOptions(tls: Omit<UpstreamTls, 'id'> | undefined): Record<string, unknown> {
  if (!tls) return { rejectUnauthorized: false }
  return {
    rejectUnauthorized: tls.verify,
    ...(tls.ca ? { ca: [...tls.ca] } : {}),
    ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    ...(tls.verify && tls.verifyDepth !== undefined ? { checkServerIdentity: verifyDepth(tls.verifyDepth) } : {}),
  }
}

/** Kong's upstream_keepalive_* settings (kong.conf), with Kong's meaning of 0 for each. */
export interface UpstreamKeepalive {
  /**
   * upstream_keepalive_pool_size: connections kept per pool. Here it also
   * bounds the connections open at once to one pool (undici cannot bound idle
   * connections alone: a request beyond it waits for one). 0: no keep-alive,
   * every request opens its own connection, and nothing is bounded.
   */
  readonly poolSize: number
  /** upstream_keepalive_max_requests: requests one connection carries before it is closed; 0: no limit. */
  readonly maxRequests: number
  /** upstream_keepalive_idle_timeout, in seconds: how long an unused connection stays open; 0: indefinitely. */
  readonly idleTimeout: number
}

/** kong.conf.default's values. */
export const KONG_KEEPALIVE: UpstreamKeepalive = { poolSize: 512, maxRequests: 10_000, idleTimeout: 60 }

/** The longest timer Node keeps (about 24.8 days): Kong's "indefinitely" (idle timeout 0). */
const FOREVER_MS = 2 ** 31 - 1

/** undici's Pool options for these settings, minus the connector (computed once per node). */
export function keepaliveOptions(
  k: UpstreamKeepalive,
): Pick<Pool.Options, 'connections' | 'pipelining' | 'keepAliveTimeout' | 'keepAliveMaxTimeout' | 'maxRequestsPerClient'> {
  // pipelining 0 is undici's "no keep-alive": each request goes out with `Connection: close`.
  if (k.poolSize === 0) return { connections: null, pipelining: 0 }
  // One request per connection is no keep-alive either (undici's 0 would mean no limit).
  if (k.maxRequests === 1) return { connections: k.poolSize, pipelining: 0 }
  const idle = k.idleTimeout === 0 ? FOREVER_MS : Math.min(FOREVER_MS, Math.max(1, Math.round(k.idleTimeout * 1000)))
  return {
    connections: k.poolSize,
    pipelining: 1,
    // Both: undici takes the shorter of the upstream's Keep-Alive hint and the maximum.
    keepAliveTimeout: idle,
    keepAliveMaxTimeout: idle,
    // undici closes a connection after maxRequestsPerClient + 1 requests (it counts the
    // requests sent before the current one): Kong's N is undici's N - 1.
    ...(k.maxRequests > 1 ? { maxRequestsPerClient: k.maxRequests - 1 } : {}),
  }
}

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>()
  readonly #options: ReturnType<typeof keepaliveOptions>

  constructor(keepalive: Partial<UpstreamKeepalive> = {}) {
    this.#options = keepaliveOptions({ ...KONG_KEEPALIVE, ...keepalive })
  }

  /** The pool for these settings, created on first use. */
  get(s: PoolSettings): Pool {
    const key = poolKey(s)
    let pool = this.#pools.get(key)
    if (!pool) {
      const https = s.origin.startsWith('https:')
      // connect_timeout on a precise timer (undici's own fires on a ~1 s clock).
      const connect = timedConnector(s.connectTimeout, {
        ...(https ? tlsConnectOptions(s.tls) : {}),
        // HTTP/2 (gRPC): undici speaks it on a cleartext socket only when told (h2c, prior knowledge).
        ...(s.h2 ? { allowH2: true, useH2c: true } : {}),
      })
      const servername = s.servername
      pool = new Pool(s.origin, {
        ...this.#options,
        ...(s.h2 ? { allowH2: true } : {}),
        // The pool's server name and only it (none: the Host is an address, for which nginx sends
        // none): undici would take the request's Host, or else the origin's name.
        connect: https ? (opts, cb) => connect({ ...opts, servername, host: servername ? opts.host : undefined }, cb) : connect,
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

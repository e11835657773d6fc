/**
 * What plugins see of the node they run on: its identity, the state they keep
 * across reloads (node slots), counters shared by --workers, and the consumer
 * and credential indexes of the compiled config.
 */
import type { Registry } from 'prom-client'
import type {
  Acl,
  BasicauthCredential,
  Consumer,
  HmacauthCredential,
  JwtSecret,
  KeyauthCredential,
  Oauth2AuthorizationCode,
  Oauth2Credential,
  Oauth2Token,
} from '../config/model.js'

/**
 * Something a plugin keeps for as long as the node runs, across reloads:
 * counters, cache stores, client connections, open files. Declared once (a
 * module constant), created on first use, closed when the gateway stops.
 */
export interface NodeSlot<T> {
  /** Unique per node: by convention `plugin-name:what` or `shared:what`. */
  readonly key: string
  create(node: NodeView): T
  close?(value: T): void | Promise<void>
}

/** Declares a node slot. */
export function nodeSlot<T>(key: string, create: (node: NodeView) => T, close?: (value: T) => void | Promise<void>): NodeSlot<T> {
  return close ? { key, create, close } : { key, create }
}

/** What plugins see of the node. */
export interface NodeView {
  /** Kong's node_id: shared by the workers of one node. */
  readonly id: string
  readonly hostname: string
  /**
   * 32 random bytes made when the node starts (a worker of --workers gets the
   * primary's): a key that every worker agrees on, for what must verify
   * across them when the config sets no key of its own (session's default
   * secret). Never logged or shown.
   */
  readonly secret: Buffer
  /** The local syslog socket the syslog plugin writes to (GATEWAY_SYSLOG_SOCKET; /dev/log by default). */
  readonly syslogSocket: string
  /**
   * Kong's lua_ssl_trusted_certificate (GATEWAY_LUA_SSL_TRUSTED_CERTIFICATE):
   * PEM certificate authorities that plugins' own TLS clients (acme's ACME
   * client) trust besides the system's; undefined: the system's alone.
   */
  readonly trustedCa: readonly string[] | undefined
  /** The node's plugin metrics registry (prom-client), served on the admin /metrics. */
  readonly metrics: Registry
  /** The value of a slot on this node, created on first use. */
  slot<T>(slot: NodeSlot<T>): T
  /**
   * Counters shared by the whole node (Kong's kong_rate_limiting_counters shm):
   * with `--workers`, every worker counts on the same ones. Kept across reloads.
   */
  readonly counters: NodeCounters
  /**
   * Shows a node-wide store as one of Kong's lua_shared_dicts on /metrics
   * (`kong_memory_lua_shared_dict_bytes` and `_total_bytes`), read when scraped.
   */
  sharedDict(name: string, source: SharedDictSource): void
  /** What each shared dict holds now, and may grow to (read by statsd's shdict_usage). */
  sharedDictUsage(): SharedDictUsage[]
}

/** One shared dict's bytes now and the bytes it may grow to. */
export interface SharedDictUsage {
  name: string
  used: number
  capacity: number
}

/** A store shown as a Kong shared dict: its bytes now and the bytes it may grow to. */
export interface SharedDictSource {
  used(): number
  capacity(): number
}

/**
 * Node-wide counters with a TTL from their first increment. Answers are
 * synchronous when the node can give them without asking another process
 * (always in a single process; most of the time in a worker), a promise
 * otherwise.
 */
export interface NodeCounters {
  /** Each key's value (0 when absent or expired). */
  get(keys: readonly string[]): number[] | Promise<number[]>
  /**
   * Rate limiting's check and count as one step: when every key is below its
   * limit, adds 1 to each (creating it with its TTL in seconds) and answers ok;
   * otherwise counts nothing. `used` is each key's value before this request.
   */
  take(keys: readonly string[], limits: readonly number[], ttls: readonly number[]): CounterTake | Promise<CounterTake>
  /** Adds `by` to each key, creating it with its TTL in seconds. */
  add(keys: readonly string[], by: number, ttls: readonly number[]): void
}

export interface CounterTake {
  ok: boolean
  used: number[]
}

/** Consumers and credentials, indexed once per config. */
export interface ConsumerIndex {
  byId(id: string): Consumer | undefined
  /** Kong's `anonymous` lookup: an id or a username. */
  byIdOrUsername(value: string): Consumer | undefined
  keyauth(key: string): KeyauthCredential | undefined
  basicauth(username: string): BasicauthCredential | undefined
  jwt(key: string): JwtSecret | undefined
  hmacauth(username: string): HmacauthCredential | undefined
  /** The consumer's ACL groups, in declaration order. */
  groups(consumerId: string): readonly string[]
  acls(consumerId: string): readonly Acl[]
  /** An oauth2 client application by its client_id. */
  oauth2Client(clientId: string): Oauth2Credential | undefined
  /** An oauth2 client application by its id. */
  oauth2Credential(id: string): Oauth2Credential | undefined
  /** A declared oauth2 token by its access token (compared by digest, confirmed in constant time). */
  oauth2Token(accessToken: string): Oauth2Token | undefined
  /** A declared oauth2 token by its refresh token. */
  oauth2Refresh(refreshToken: string): Oauth2Token | undefined
  /** A declared oauth2 authorization code. */
  oauth2Code(code: string): Oauth2AuthorizationCode | undefined
}

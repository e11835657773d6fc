/**
 * acme (kong/plugins/acme/handler.lua): in a TLS handshake for a domain the
 * plugin covers, with no configured certificate for it, serves the
 * certificate the plugin obtained, or — when there is none yet — starts an
 * order in the background and lets the default certificate be served
 * meanwhile. On plain HTTP it answers the CA's HTTP-01 challenge requests
 * (`/.well-known/acme-challenge/<token>`) before any auth plugin runs.
 * Renewal runs once a day (renewal.ts).
 */
import { createSecureContext, type SecureContext } from 'node:tls'
import { LRUCache } from 'lru-cache'
import { ACME } from '../../errors.js'
import { nodeSlot, definePhases, type NodeView } from '../types.js'
import { redisIdentity } from '../shared/redis/client.js'
import { challengeKey, createOrderer, storeRenewConfig } from './order.js'
import { RENEWAL, renewPass } from './renewal.js'
import { RESERVED_WORDS, type AcmeConfig } from './schema.js'
import { redisStorage, shmStorage, type AcmeStorage } from './storage.js'

/** Kong's cache of a stored certificate: an hour, and 5 s for "none yet" (client.lua CACHE_TTL, CACHE_NEG_TTL). */
const CACHE_TTL_MS = 3_600_000
const CACHE_NEG_TTL_MS = 5_000
/** Orders running at once on a node: a flood of new names (allow_any_domain) waits its turn rather than piling up. */
const MAX_ORDERS = 8

const CHALLENGE_PATH = /^\/\.well-known\/acme-challenge\/(.+)/
const IPV4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/

interface Held {
  /** null: nothing stored yet (a negative entry). */
  ctx: SecureContext | null
}

/** What the node keeps for acme across reloads: served certificates by store and host, and the orders running. */
const STATE = nodeSlot('acme:state', () => ({
  certificates: new LRUCache<string, Held>({ max: 10_000, ttlAutopurge: false }),
  orders: new Set<string>(),
}))

/** Kong's build_domain_matcher: names as written, and `*.x.y` as "ends with .x.y". */
function domainMatcher(conf: AcmeConfig): (host: string) => boolean {
  const plain = new Set<string>()
  const suffixes: string[] = []
  for (const d of conf.domains ?? []) {
    if (d.startsWith('*')) suffixes.push(d.slice(1))
    else plain.add(d)
  }
  const inList = (host: string) => plain.has(host) || suffixes.some((s) => host.endsWith(s))
  return (host) => {
    if (!conf.enable_ipv4_common_name && IPV4.test(host)) return false
    if (conf.allow_any_domain) return true
    return inList(host)
  }
}

function storageOf(conf: AcmeConfig, node: NodeView): AcmeStorage | undefined {
  if (conf.storage === 'shm') return shmStorage(node, conf.storage_config.shm.shm_name)
  if (conf.storage === 'redis') {
    const { extra_options, ...redis } = conf.storage_config.redis
    return redisStorage(node, { redis, namespace: extra_options.namespace, scanCount: extra_options.scan_count, id: redisIdentity(redis) })
  }
  return undefined
}

export default definePhases<AcmeConfig>((conf, env) => {
  const covers = domainMatcher(conf)
  const st = storageOf(conf, env.node)
  if (!st) {
    // consul and vault pass validation (Kong's schema), but this gateway has no client for them.
    env.log.error(`storage '${conf.storage}' is not supported by this gateway: no certificate will be ordered or served`)
    return {}
  }
  const state = env.node.slot(STATE)
  const orderer = createOrderer({ conf, storage: st, log: env.log, trustedCa: env.node.trustedCa })
  const renewal = env.node.slot(RENEWAL)
  // Kong's configure(): the renewal pass works with the latest acme config.
  renewal.use(() => renewPass({ conf, storage: st, log: env.log, update: (host, key) => orderer.update(host, key) }).then(() => forgetAll()))
  const cacheKey = (host: string) => `${st.identity}|${host}`
  const forgetAll = () => {
    for (const k of state.certificates.keys()) if (k.startsWith(`${st.identity}|`)) state.certificates.delete(k)
  }

  /** Kong's handler: no certificate yet, so one is ordered in the background; the handshake goes on with the default. */
  function orderInBackground(host: string): void {
    const k = cacheKey(host)
    if (state.orders.has(k)) return
    if (state.orders.size >= MAX_ORDERS) {
      env.log.warn(`too many certificate orders running; ${host} is tried again on a later handshake`)
      return
    }
    state.orders.add(k)
    orderer
      .update(host)
      .then(async (ran) => {
        if (!ran) return
        await storeRenewConfig(st!, host).catch((err: unknown) => env.log.error(`failed to store renew config for host: ${host} err: ${String(err)}`))
        state.certificates.delete(k)
      })
      .catch((err: unknown) => env.log.error(`failed to update certificate for host: ${host} err:${err instanceof Error ? err.message : String(err)}`))
      .finally(() => state.orders.delete(k))
  }

  /** Kong's load_certkey_cached, then the handshake's answer. */
  async function load(host: string): Promise<SecureContext | undefined> {
    const k = cacheKey(host)
    let raw: string | undefined
    try {
      raw = await st!.get(RESERVED_WORDS.CERTKEY_KEY_PREFIX + host)
    } catch (err) {
      env.log.warn(`can't load cert and key from storage: ${String(err)}`)
      return undefined
    }
    if (raw === undefined) {
      state.certificates.set(k, { ctx: null }, { ttl: CACHE_NEG_TTL_MS })
      orderInBackground(host)
      return undefined
    }
    try {
      const { cert, key } = JSON.parse(raw) as { cert?: unknown; key?: unknown }
      if (typeof cert !== 'string' || typeof key !== 'string') throw new Error('key or cert found in storage')
      const ctx = createSecureContext({ cert, key })
      state.certificates.set(k, { ctx }, { ttl: CACHE_TTL_MS })
      return ctx
    } catch (err) {
      env.log.warn(`can't load cert and key from storage: ${err instanceof Error ? err.message : String(err)}`)
      state.certificates.set(k, { ctx: null }, { ttl: CACHE_NEG_TTL_MS })
      return undefined
    }
  }

  return {
    certificate(host) {
      if (!covers(host)) return undefined
      const held = state.certificates.get(cacheKey(host))
      if (held) return held.ctx ?? undefined
      return load(host)
    },

    access(kit) {
      // HTTP-01 challenges come on plain HTTP only.
      if (kit.request.scheme !== 'http') return
      const host = kit.request.host
      if (!host || !covers(host)) return
      const m = CHALLENGE_PATH.exec(kit.request.path)
      if (!m) return
      const token = m[1]!
      // Kong's sanity check.
      if (token === 'x') return ACME.SANITY
      return st.get(challengeKey(token)).then(
        (value) => (value === undefined ? ACME.UNKNOWN_TOKEN : ACME.challenge(value)),
        (err: unknown) => {
          env.log.error(`error getting challenge response from storage ${String(err)}`)
          return ACME.STORAGE_FAILED
        },
      )
    },
  }
})

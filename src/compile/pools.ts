/**
 * A Runtime's way to the node's connection pools: the pool of a (service,
 * target) pair is found without building a key string per request. Keyed by
 * the frozen entities of this config, so a new config starts afresh; the
 * pools themselves are the node's, shared across reloads.
 */
import type { Pool } from 'undici'
import type { Service } from '../config/model.js'
import type { NodeState } from '../node/state.js'
import type { Peer } from './balancer.js'

export interface RuntimePools {
  /** The pool for a try to `origin` (`peer`: the balancer's target, undefined for the service's own host or a plugin's target). */
  get(service: Service, peer: Peer | undefined, origin: string, servername: string | undefined): Pool
}

export function runtimePools(node: NodeState, caFor: (service: Service) => string[] | undefined): RuntimePools {
  const cache = new WeakMap<Service, Map<Peer | undefined, { origin: string; servername: string | undefined; pool: Pool }>>()
  return {
    get(service, peer, origin, servername) {
      let byPeer = cache.get(service)
      if (!byPeer) cache.set(service, (byPeer = new Map()))
      const hit = byPeer.get(peer)
      // The same target can be reached with another SNI (preserve_host) or, for a plugin's target, another origin.
      if (hit && hit.origin === origin && hit.servername === servername) return hit.pool
      const pool = node.pools.get({ origin, connectTimeout: service.connect_timeout, tlsVerify: service.tls_verify ?? false, servername, ca: caFor(service) })
      byPeer.set(peer, { origin, servername, pool })
      return pool
    },
  }
}

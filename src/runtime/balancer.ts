/**
 * Target selection for services whose host names an upstream. Weighted
 * round-robin, smooth (nginx's algorithm): over a cycle each target gets its
 * share of picks, interleaved rather than in bursts. Targets with weight 0 are
 * never picked. Other algorithms and health checks come with the upstream work.
 */
import type { Target, Upstream } from '../config/model.js'
import { parseTarget } from '../config/schema/upstream.js'

export interface Peer {
  host: string
  port: number
  /** The target entity's id. */
  id: string
}

export interface Balancer {
  readonly upstream: Upstream
  /** A peer, or undefined when none can be used (Kong: 503 failure to get a peer). */
  pick(exclude?: ReadonlySet<string>): Peer | undefined
}

export function createBalancer(upstream: Upstream, targets: readonly Target[]): Balancer {
  // Kong keeps the last entry of a target written twice; weights come from it.
  const peers = targets
    .filter((t) => t.weight > 0)
    .map((t) => {
      const parsed = parseTarget(t.target)!
      return { peer: { host: parsed.host, port: parsed.port, id: t.id }, weight: t.weight, current: 0 }
    })
  const total = peers.reduce((s, p) => s + p.weight, 0)
  return {
    upstream,
    pick(exclude) {
      let best: (typeof peers)[number] | undefined
      let usable = 0
      for (const p of peers) {
        if (exclude?.has(p.peer.id)) continue
        usable += p.weight
        p.current += p.weight
        if (!best || p.current > best.current) best = p
      }
      if (!best) return undefined
      best.current -= exclude && exclude.size > 0 ? usable : total
      return best.peer
    },
  }
}

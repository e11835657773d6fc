/**
 * Target selection for services whose host names an upstream (Kong's
 * algorithms): weighted round-robin (smooth, nginx's interleaving),
 * consistent-hashing (weighted rendezvous hashing: adding or removing a target
 * only moves the keys that hashed to it), least-connections ((open + 1) /
 * weight) and latency (moving average decayed over time, divided by the
 * weight), with Kong's scores. Unhealthy targets (health.ts) and weight 0 are
 * never picked.
 */
import { createHash } from 'node:crypto'
import type { Target, Upstream } from '../config/model.js'
import { parseTarget } from '../config/schema/upstream.js'
import { healthKey, record, type HealthStore, type Outcome, type TargetHealth } from '../node/health.js'
import { passiveThresholds, startActiveChecks, type ActiveChecker } from './health-checks.js'
import type { ProbeTls } from './upstream-tls.js'

export interface Peer {
  host: string
  port: number
  /** The target entity's id. */
  id: string
}

interface PeerState {
  peer: Peer
  weight: number
  health: TargetHealth
  current: number
  active: number
  /** Latency's moving average (ms) and when it was last updated (performance.now(); 0: never). */
  ewmaMs: number
  ewmaAt: number
}

/** Latency's decay time (Kong's DECAY_TIME, 10 s). */
const DECAY_MS = 10_000

interface Weights {
  total: number
  unavailable: number
  available: number
}

/** Kong's balancer status: healthy above the threshold, weights, and each target with its address. */
export interface BalancerStatus {
  healthy: boolean
  weight: Weights
  hosts: { host: string; port: number; nodeWeight: number; weight: Weights; addresses: { ip: string; port: number; weight: number; healthy: boolean }[] }[]
}

export interface Balancer {
  readonly upstream: Upstream
  /** A peer, or undefined when none can be used (Kong: 503 failure to get a peer). */
  pick(exclude?: ReadonlySet<string>, hashValue?: string): Peer | undefined
  /**
   * The target consistent-hashing would pick for `hashValue` now, without
   * picking (explain); undefined for the other algorithms, whose picks depend
   * on state that picking changes, or when no target is usable.
   */
  peek(hashValue: string | undefined): Peer | undefined
  /** A request to `peer` starts (least-connections). */
  acquire(peer: Peer): void
  /** It ended: feeds passive health checks, connection counts and latency. */
  release(peer: Peer, outcome: Outcome, elapsedMs: number): void
  /** Health of each target, for the status API. */
  health(): { target: string; healthy: boolean }[]
  /** The balancer's own health and weights (Kong's balancer status, `?balancer_health=1`). */
  status(): BalancerStatus
  stop(): void
}

const hash32 = (s: string) => createHash('md5').update(s).digest().readUInt32BE(0)

/** `probeTls`: how the upstream's active https probes connect (upstream-tls.ts compileProbeTls). */
export function createBalancer(upstream: Upstream, targets: readonly Target[], health: HealthStore, probeTls: ProbeTls): Balancer {
  const peers: PeerState[] = targets
    .filter((t) => t.weight > 0)
    .map((t) => {
      const parsed = parseTarget(t.target)!
      return {
        peer: { host: parsed.host, port: parsed.port, id: t.id },
        weight: t.weight,
        health: health.of(healthKey(upstream.name, parsed.host, parsed.port)),
        current: 0,
        active: 0,
        ewmaMs: 0,
        ewmaAt: 0,
      }
    })
  const byId = new Map(peers.map((p) => [p.peer.id, p]))
  const passive = passiveThresholds(upstream)
  const passiveOn = passive.httpFailures > 0 || passive.tcpFailures > 0 || passive.timeouts > 0
  const totalWeight = peers.reduce((s, p) => s + p.weight, 0)
  const threshold = upstream.healthchecks.threshold
  const checker: ActiveChecker = startActiveChecks(
    upstream,
    peers.map((p) => ({ host: p.peer.host, port: p.peer.port, key: healthKey(upstream.name, p.peer.host, p.peer.port) })),
    health,
    probeTls,
  )

  const healthyWeight = () => peers.reduce((s, p) => (p.health.healthy ? s + p.weight : s), 0)
  // Kong's balancer is healthy only while its healthy weight is *above* the
  // threshold (balancers.lua): at 75 % with a threshold of 75 it is down, and
  // a threshold of 100 is never met
  // (spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1364).
  const above = (weight: number) => totalWeight > 0 && (weight / totalWeight) * 100 > threshold
  const usable = (exclude?: ReadonlySet<string>) => {
    const list = peers.filter((p) => p.health.healthy && !exclude?.has(p.peer.id))
    if (threshold > 0 && !above(healthyWeight())) return []
    return list
  }

  const roundRobin = (list: PeerState[]) => {
    let best: PeerState | undefined
    let sum = 0
    for (const p of list) {
      sum += p.weight
      p.current += p.weight
      if (!best || p.current > best.current) best = p
    }
    if (best) best.current -= sum
    return best
  }

  const pickers: Record<Upstream['algorithm'], (list: PeerState[], hashValue?: string) => PeerState | undefined> = {
    'round-robin': roundRobin,
    'consistent-hashing': (list, hashed) => {
      // Nothing to hash (a missing header, no fallback): Kong hashes "", so
      // every such request goes to one target
      // (spec/02-integration/05-proxy/10-balancer/03-consistent-hashing_spec.lua:150).
      const value = hashed ?? ''
      let best: PeerState | undefined
      let bestScore = -Infinity
      for (const p of list) {
        // Weighted rendezvous: -w / ln(u), u uniform in (0,1) from hash(key, target).
        const u = (hash32(`${value}|${p.peer.host}:${p.peer.port}`) + 1) / 4294967297
        const score = -p.weight / Math.log(u)
        if (score > bestScore) {
          best = p
          bestScore = score
        }
      }
      return best
    },
    'least-connections': (list) => {
      // Kong's score (least_connections.lua): (connections + 1) / weight, so
      // between idle targets the heavier one goes first.
      let best: PeerState | undefined
      let bestScore = Infinity
      for (const p of list) {
        const score = (p.active + 1) / p.weight
        if (score < bestScore) {
          best = p
          bestScore = score
        }
      }
      return best
    },
    latency: (list) => {
      // Kong's score (latency.lua): the latency, decayed since it was last
      // measured, divided by the weight.
      const now = performance.now()
      let best: PeerState | undefined
      let bestScore = Infinity
      for (const p of list) {
        const score = (p.ewmaMs * Math.exp(-(now - p.ewmaAt) / DECAY_MS)) / p.weight
        if (score < bestScore) {
          best = p
          bestScore = score
        }
      }
      return best
    },
  }
  const pickFrom = pickers[upstream.algorithm]
  const latency = upstream.algorithm === 'latency'

  return {
    upstream,
    pick(exclude, hashValue) {
      return pickFrom(usable(exclude), hashValue)?.peer
    },
    peek(hashValue) {
      // consistent-hashing's pick reads health and weights and changes nothing.
      return upstream.algorithm === 'consistent-hashing' ? pickFrom(usable(), hashValue)?.peer : undefined
    },
    acquire(peer) {
      const p = byId.get(peer.id)
      if (p) p.active++
    },
    release(peer, outcome, elapsedMs) {
      const p = byId.get(peer.id)
      if (!p) return
      p.active = Math.max(0, p.active - 1)
      if (latency) {
        // Kong's moving average (latency.lua): the older the last measure, the
        // less it weighs (a 10 s decay); the first one is taken whole.
        const now = performance.now()
        const w = p.ewmaAt === 0 ? 0 : Math.exp(-Math.max(0, now - p.ewmaAt) / DECAY_MS)
        p.ewmaMs = p.ewmaMs * w + elapsedMs * (1 - w)
        p.ewmaAt = now
      }
      if (passiveOn || !p.health.healthy) record(p.health, passive, outcome)
    },
    health() {
      return peers.map((p) => ({ target: `${p.peer.host}:${p.peer.port}`, healthy: p.health.healthy }))
    },
    status() {
      const available = healthyWeight()
      return {
        healthy: above(available),
        weight: { total: totalWeight, unavailable: totalWeight - available, available },
        hosts: peers.map((p) => {
          const up = p.health.healthy ? p.weight : 0
          return {
            host: p.peer.host,
            port: p.peer.port,
            nodeWeight: p.weight,
            weight: { total: p.weight, unavailable: p.weight - up, available: up },
            addresses: [{ ip: p.peer.host, port: p.peer.port, weight: p.weight, healthy: p.health.healthy }],
          }
        }),
      }
    },
    stop() {
      checker.stop()
    },
  }
}

/**
 * The node: everything a gateway process keeps across reloads, in one object
 * created by startGateway and handed to every compile. Connection pools to
 * upstreams, target health, the plugin metrics registry, the node-wide
 * counters (rate limiting's local policy), and the slots plugins keep (cache
 * stores, Redis clients, log queues, open files). A Runtime only borrows from
 * it; `close` releases it all when the gateway stops. Nothing of this lives in
 * module globals, so two gateways in one process (tests, embedding) never
 * share a counter by accident.
 */
import { readFileSync } from 'node:fs'
import { randomBytes, randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { rootCertificates } from 'node:tls'
import { Registry } from 'prom-client'
import type { NodeSlot, NodeView } from '../plugins/types.js'
import type { PrimaryChannel } from './counter-protocol.js'
import { LeasedCounters } from './counter-lease.js'
import { LocalCounters } from './counters.js'
import { CAPACITY_BYTES } from './counter-store.js'
import { SharedDicts } from './shared-dicts.js'
import { HealthStore } from './health.js'
import { UpstreamPools, type UpstreamKeepalive } from './pools.js'

export interface NodeState extends NodeView {
  readonly pools: UpstreamPools
  readonly health: HealthStore
  /** Where plugins register metrics (the prometheus plugin); served on the admin /metrics. */
  readonly metrics: Registry
  readonly counters: LocalCounters | LeasedCounters
  /** Closes pools and every slot that has a `close`; the node is not used afterwards. */
  close(): Promise<void>
}

export interface NodeOptions {
  /** Kong's node_id; workers of one node share the primary's (GATEWAY_NODE_ID). Default: a random UUID. */
  id?: string | undefined
  metrics?: Registry | undefined
  /** The node's secret (32 bytes; GATEWAY_NODE_SECRET in a worker). Default: random. */
  secret?: Buffer | undefined
  /** The local syslog socket (GATEWAY_SYSLOG_SOCKET); default /dev/log, where libc's syslog(3) writes. */
  syslogSocket?: string | undefined
  /** Kong's lua_ssl_trusted_certificate: PEM files, comma-separated (`system`: the system store, the default). */
  trustedCertificate?: string | undefined
  /** Kong's upstream_keepalive_* for every upstream pool (default: Kong's, pools.ts). */
  upstreamKeepalive?: Partial<UpstreamKeepalive> | undefined
  /**
   * In a worker of `--workers`: the line to the primary, which keeps the
   * node's counters (`counters` then counts for the whole node). Without it,
   * the counters are this process's.
   */
  primary?: PrimaryChannel | undefined
}

/** The PEM files of a lua_ssl_trusted_certificate list (read once, at start); `system` adds Node's own roots. */
function readTrustedCa(list: string | undefined): readonly string[] | undefined {
  const files = (list ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
  if (files.length === 0 || (files.length === 1 && files[0] === 'system')) return undefined
  return files.flatMap((f) => (f === 'system' ? [...rootCertificates] : [readFileSync(f, 'utf8')]))
}

export function createNodeState(opts: NodeOptions = {}): NodeState {
  const slots = new Map<string, { slot: NodeSlot<unknown>; value: unknown }>()
  const pools = new UpstreamPools(opts.upstreamKeepalive)
  const counters = opts.primary ? new LeasedCounters(opts.primary) : new LocalCounters()
  let closed = false
  const metrics = opts.metrics ?? new Registry()
  const id = opts.id ?? randomUUID()
  const dicts = new SharedDicts(metrics, id)
  const node: NodeState = {
    id,
    hostname: hostname(),
    secret: opts.secret?.length === 32 ? opts.secret : randomBytes(32),
    syslogSocket: opts.syslogSocket || '/dev/log',
    trustedCa: readTrustedCa(opts.trustedCertificate),
    pools,
    health: new HealthStore(),
    metrics,
    counters,
    sharedDict: (name, source) => dicts.add(name, source),
    sharedDictUsage: () => dicts.usage(),
    slot<T>(slot: NodeSlot<T>): T {
      const held = slots.get(slot.key)
      if (held) {
        if (held.slot !== slot) throw new TypeError(`node slot '${slot.key}' is declared twice`)
        return held.value as T
      }
      const value = slot.create(node)
      slots.set(slot.key, { slot: slot as NodeSlot<unknown>, value })
      return value
    },
    async close() {
      if (closed) return
      closed = true
      const closing = [...slots.values()].map(({ slot, value }) => (async () => slot.close?.(value))())
      slots.clear()
      counters.close()
      await Promise.allSettled([...closing, pools.close()])
    },
  }
  // Kong's kong_rate_limiting_counters shm. A worker's counters live in the primary, which shows them (cli/workers.ts).
  if (counters instanceof LocalCounters) dicts.add('kong_rate_limiting_counters', { used: () => counters.store.bytes(), capacity: () => CAPACITY_BYTES })
  return node
}

/**
 * `--workers N`: a primary process forks N workers that share the proxy
 * listeners (node:cluster). Every worker runs the same load/reload pipeline on
 * the same file and reports the hash it serves; the primary runs the admin
 * listener (with each worker's hash in /status, and /readyz ready once every
 * worker listens on the current config), keeps the node's counters for every
 * worker, forwards SIGHUP, restarts a worker that dies, and on SIGTERM drains
 * the workers before it exits.
 */
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from '../observability/logger.js'
import type { Gateway } from '../server/gateway.js'
import { CounterAuthority } from '../node/counter-authority.js'
import { CAPACITY_BYTES } from '../node/counter-store.js'
import { SharedDicts } from '../node/shared-dicts.js'
import { Registry } from 'prom-client'
import { isCountersMessage, REVOKE_TIMEOUT_MS, type PrimaryChannel, type ToPrimary } from '../node/counter-protocol.js'
import type { ServerStats } from '../server/listener-stats.js'
import { answerStats, statsCollector } from './worker-stats.js'

export type WorkerMessage = { type: 'started'; proxy: string[]; tls: string[]; hash: string } | { type: 'hash'; hash: string }
export type PrimaryMessage = { type: 'reload' } | { type: 'shutdown' }

export interface PrimaryOptions {
  count: number
  log: Logger
  drainTimeoutMs: number
  /**
   * Starts the primary's own gateway (admin only, no proxy listeners), with
   * each worker's pid and hash for /status and the reason /readyz gives.
   */
  start: (
    workers: () => { pid: number; hash: string | undefined }[],
    notReady: (hash: string) => string | undefined,
    /** The `server` block of /status: the workers' counts, summed. */
    serverStats: () => Promise<ServerStats>,
    /** Series the primary itself owns (the node's rate-limit counters), served beside the workers' summed ones. */
    primaryMetrics: Registry,
  ) => Promise<Gateway>
}

/**
 * Why the node cannot take traffic yet, or undefined once each of the
 * `expected` workers listens (has reported a hash) on the `current` one.
 * The wording follows Kong's /status/ready ("... ready in N of M workers").
 */
export function workersNotReady(expected: number, served: readonly (string | undefined)[], current: string): string | undefined {
  const listening = served.filter((h) => h !== undefined)
  if (listening.length < expected) return `workers not yet listening, ready in ${listening.length} of ${expected} workers`
  const onCurrent = listening.filter((h) => h === current).length
  if (onCurrent < expected) return `configuration not yet applied, current configuration in ${onCurrent} of ${expected} workers`
  return undefined
}

export async function runPrimary(opts: PrimaryOptions): Promise<number> {
  const hashes = new Map<Worker, string | undefined>()
  let stopping = false
  const stats = statsCollector(() => hashes.keys())
  const primaryMetrics = new Registry()
  const g = await opts.start(
    () => [...hashes].map(([w, hash]) => ({ pid: w.process.pid ?? 0, hash })),
    (current) => workersNotReady(opts.count, [...hashes.values()], current),
    () => stats.collect(),
    primaryMetrics,
  )
  opts.log.info({ admin: g.admin ?? 'off', workers: opts.count }, 'admin listening; starting workers')
  // The node's counters (rate limiting's local policy): here, so that a limit holds for every worker together.
  const counters = new CounterAuthority({
    workers: () => opts.count,
    send: (id, message) => {
      const w = cluster.workers?.[id]
      if (!w?.isConnected()) return false
      // A failed send shows up as the worker's exit; nothing to do with the error here.
      w.send(message, undefined, undefined, () => undefined)
      return true
    },
    // Counter keys hold what a limit is by (an IP, a header value, a consumer id): counted, not shown.
    onLate: (ids, keys) =>
      opts.log.warn(
        { workers: ids.map((id) => cluster.workers?.[id]?.process.pid ?? 0), keys: keys.length, wait_ms: REVOKE_TIMEOUT_MS },
        'counters: a worker did not give its leases back in time; limits may refuse early until it does',
      ),
  })
  // Kong's kong_rate_limiting_counters shm is this store: shown from here, where it lives.
  new SharedDicts(primaryMetrics, g.node.id).add('kong_rate_limiting_counters', {
    used: () => counters.store.bytes(),
    capacity: () => CAPACITY_BYTES,
  })
  let announced = false
  const fork = () => {
    const w = cluster.fork({ GATEWAY_CLUSTER_WORKER: '1', GATEWAY_NODE_ID: g.node.id, GATEWAY_NODE_SECRET: g.node.secret.toString('base64url') })
    hashes.set(w, undefined)
    w.on('message', (m: unknown) => stats.receive(w, m))
    w.on('message', (m: WorkerMessage | { type?: unknown }) => {
      if (isCountersMessage(m)) return counters.handle(w.id, m as ToPrimary)
      // Other messages travel on this channel too (prom-client's metrics aggregation).
      if (m.type !== 'started' && m.type !== 'hash') return
      const msg = m as WorkerMessage
      hashes.set(w, msg.hash)
      if (msg.type === 'started' && !announced && [...hashes.values()].every((h) => h !== undefined)) {
        announced = true
        opts.log.info({ proxy: msg.proxy, tls: msg.tls, admin: g.admin ?? 'off', workers: opts.count, hash: g.holder.current().hash }, 'gateway started')
      }
    })
    w.on('exit', (code, signal) => {
      hashes.delete(w)
      counters.gone(w.id)
      stats.retire(w)
      if (stopping) return
      opts.log.error({ pid: w.process.pid, code, signal }, 'worker exited; starting another')
      fork()
    })
  }
  for (let i = 0; i < opts.count; i++) fork()
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      opts.log.info({ signal }, 'stopping: draining workers')
      g.markDraining()
      for (const w of hashes.keys()) w.send({ type: 'shutdown' } satisfies PrimaryMessage)
      const deadline = setTimeout(() => {
        for (const w of hashes.keys()) w.kill('SIGKILL')
      }, opts.drainTimeoutMs + 5000)
      const check = setInterval(() => {
        if (hashes.size > 0) return
        clearInterval(check)
        clearTimeout(deadline)
        counters.close()
        void g.close().then(() => {
          opts.log.info('stopped')
          opts.log.flush()
          resolve()
        })
      }, 50)
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
    process.on('SIGHUP', () => {
      void g.reload(true)
      for (const w of hashes.keys()) w.send({ type: 'reload' } satisfies PrimaryMessage)
    })
  })
  return 0
}

/** In a worker: report hashes to the primary and obey its messages. */
export function attachWorker(g: Gateway, stop: () => void): void {
  const send = (m: WorkerMessage) => process.send?.(m)
  send({ type: 'started', proxy: g.proxy, tls: g.tls, hash: g.holder.current().hash })
  answerStats(g)
  process.on('message', (m: PrimaryMessage) => {
    if (m.type === 'reload') void g.reload(true)
    if (m.type === 'shutdown') stop()
  })
}

/** In a worker: the line to the primary that the node's counters use. */
export function primaryChannel(): PrimaryChannel {
  return {
    send(message) {
      if (!process.connected || !process.send) return false
      // A failed send means the primary is gone: 'disconnect' follows, and the counters go local.
      process.send(message, undefined, undefined, () => undefined)
      return true
    },
    listen(onMessage, onClose) {
      process.on('message', onMessage)
      process.on('disconnect', onClose)
      return () => {
        process.off('message', onMessage)
        process.off('disconnect', onClose)
      }
    },
  }
}

export function reportHash(hash: string): void {
  process.send?.({ type: 'hash', hash } satisfies WorkerMessage)
}

export const isClusterWorker = () => cluster.isWorker && process.env.GATEWAY_CLUSTER_WORKER === '1'

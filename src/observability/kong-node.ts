/**
 * Kong's node-wide prometheus series (the prometheus plugin's exporter.lua),
 * for the gateway's admin /metrics:
 *
 * - what the admin process knows, written at scrape time as text:
 *   `kong_nginx_connections_total{node_id,subsystem,state}` and
 *   `kong_nginx_requests_total{node_id,subsystem}` from the proxy listeners'
 *   counts (the numbers /status shows; with --workers, their sum), and
 *   `kong_upstream_target_health{upstream,target,address,state,subsystem}`
 *   from the running Runtime's balancers, while an enabled prometheus plugin
 *   asks for it (`upstream_health_metrics`, as Kong's configure() decides);
 * - what each process knows, as gauges in the node's plugin registry (so with
 *   --workers the primary gets every worker's through prom-client's cluster
 *   aggregation): `kong_memory_workers_lua_vms_bytes{node_id,pid,kong_subsystem}`
 *   (the process's V8 heap, what Kong's Lua VM is here) and
 *   `kong_nginx_timers{state}`.
 *
 * Kong registers all of these with the plugin loaded (it is bundled), so they
 * are on every scrape, a prometheus plugin configured or not.
 */
import { lookup } from 'node:dns'
import { isIP } from 'node:net'
import { Gauge, type Registry } from 'prom-client'
import type { Config } from '../config/model.js'
import type { Runtime } from '../compile/runtime.js'
import { targetsHealth } from '../compile/target-health.js'

/** Kong's kong.nginx.get_statistics() (the fields of the admin listener's ServerStats). */
export interface NginxStatistics {
  total_requests: number
  connections_active: number
  connections_accepted: number
  connections_handled: number
  connections_reading: number
  connections_writing: number
  connections_waiting: number
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

/** Kong's order of the four states of an address (exporter.lua). */
const STATES = ['healthchecks_off', 'healthy', 'unhealthy', 'dns_error'] as const

const healthWanted = new WeakMap<Config, boolean>()

/** How long a name's lookup result stands before a scrape asks again. */
const RECHECK_MS = 10_000

/**
 * Whether a target name fails to resolve, as last looked up. Kong's balancer
 * resolves target names itself and exports a target it could not resolve as
 * dns_error (address ""); here connections resolve the name each time, so a
 * scrape asks the resolver in the background (at most every RECHECK_MS per
 * name) and shows what the last answer said: the first scrape after a name
 * appears shows its health, the next ones the lookup's verdict.
 */
export type DnsVerdicts = (host: string) => boolean

export function dnsVerdicts(): DnsVerdicts {
  const known = new Map<string, { failed: boolean; at: number; pending: boolean }>()
  return (host) => {
    if (isIP(host) !== 0) return false
    let e = known.get(host)
    if (!e) known.set(host, (e = { failed: false, at: 0, pending: false }))
    const entry = e
    if (!entry.pending && Date.now() - entry.at > RECHECK_MS) {
      entry.pending = true
      lookup(host, (err) => {
        entry.failed = err !== null
        entry.at = Date.now()
        entry.pending = false
      })
    }
    return entry.failed
  }
}

/** Kong exports target health when any enabled prometheus instance has `upstream_health_metrics` on. */
function upstreamHealthOn(config: Config): boolean {
  let on = healthWanted.get(config)
  if (on === undefined) {
    on = config.plugins.some(
      (p) => p.enabled && p.name === 'prometheus' && (p.config as { upstream_health_metrics?: unknown }).upstream_health_metrics === true,
    )
    healthWanted.set(config, on)
  }
  return on
}

/** Kong's node-wide series the admin process writes itself, in Kong's text (HELP and TYPE, then the samples). */
export function kongNodeSeries(rt: Runtime, stats: NginxStatistics | undefined, dnsFailed: DnsVerdicts = () => false): string {
  const node = `node_id="${esc(rt.node.id)}",subsystem="http"`
  const out: string[] = []
  if (stats) {
    out.push('# HELP kong_nginx_connections_total Number of connections by subsystem', '# TYPE kong_nginx_connections_total gauge')
    const states: [string, number][] = [
      ['accepted', stats.connections_accepted],
      ['active', stats.connections_active],
      ['handled', stats.connections_handled],
      ['reading', stats.connections_reading],
      ['total', stats.total_requests],
      ['waiting', stats.connections_waiting],
      ['writing', stats.connections_writing],
    ]
    for (const [state, n] of states) out.push(`kong_nginx_connections_total{${node},state="${state}"} ${n}`)
    out.push('# HELP kong_nginx_requests_total Number of requests total', '# TYPE kong_nginx_requests_total gauge')
    out.push(`kong_nginx_requests_total{${node}} ${stats.total_requests}`)
  }
  if (upstreamHealthOn(rt.config)) {
    const lines: string[] = []
    for (const u of rt.config.upstreams) {
      for (const { target, address, health } of targetsHealth(rt.config, rt.balancers.get(u.name), u)) {
        // Kong names a target host:port (its default port added), and the address it resolved to;
        // targets are reached by name here, so the address is the same host:port, or "" when the
        // name does not resolve (Kong's dns_error).
        const name = address ? `${address.ip}:${address.port}` : target.target
        const resolved = address !== undefined && !dnsFailed(address.ip)
        const state = resolved ? health.toLowerCase() : 'dns_error'
        const labels = `upstream="${esc(u.name)}",target="${esc(name)}",address="${resolved ? esc(name) : ''}"`
        for (const s of STATES) lines.push(`kong_upstream_target_health{${labels},state="${s}",subsystem="http"} ${s === state ? 1 : 0}`)
      }
    }
    // As Kong's library: a metric without samples prints nothing, not even its HELP.
    if (lines.length > 0)
      out.push(
        '# HELP kong_upstream_target_health Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.',
        '# TYPE kong_upstream_target_health gauge',
        ...lines,
      )
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`
}

/** The gauges each process reports for itself, in the node's plugin registry (once: a node may serve two gateways). */
export function registerProcessGauges(registry: Registry, nodeId: string): void {
  if (registry.getSingleMetric('kong_nginx_timers')) return
  const registers = [registry]
  new Gauge({
    name: 'kong_memory_workers_lua_vms_bytes',
    help: 'Allocated bytes in worker Lua VM',
    labelNames: ['node_id', 'pid', 'kong_subsystem'],
    registers,
    collect() {
      this.reset()
      this.set({ node_id: nodeId, pid: String(process.pid), kong_subsystem: 'http' }, process.memoryUsage().heapUsed)
    },
  })
  new Gauge({
    name: 'kong_nginx_timers',
    help: 'Number of nginx timers',
    labelNames: ['state'],
    registers,
    collect() {
      // Timer callbacks run to completion on the one thread before a scrape is served: none is
      // running while one is counted. Pending: the process's armed timeouts and intervals.
      const pending = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
      this.set({ state: 'running' }, 0)
      this.set({ state: 'pending' }, pending)
    },
  })
}

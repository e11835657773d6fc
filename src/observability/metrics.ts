/**
 * Prometheus metrics of one gateway, served on the admin listener's /metrics.
 * Each gateway has its own Registry (never prom-client's global one), so
 * several gateways can run in one process (the tests do). Values are read at
 * scrape time from the Runtime holder and the reloader: nothing to feed.
 * Kong's series follow (kong-exposition.ts for the plugin registry's,
 * kong-node.ts for the node-wide ones).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Reloader, ReloadResult } from '../reload/reloader.js'
import type { RuntimeHolder } from '../reload/holder.js'
import { kongExposition } from './kong-exposition.js'
import { dnsVerdicts, kongNodeSeries, type NginxStatistics } from './kong-node.js'

export interface GatewayMetrics {
  readonly registry: Registry
  /** The text exposition format. */
  render(): Promise<string>
  readonly contentType: string
}

const RESULTS: readonly ReloadResult['result'][] = ['applied', 'unchanged', 'invalid', 'unreadable']

export function createMetrics(opts: {
  holder: RuntimeHolder
  reloader?: Reloader | undefined
  extra?: Registry | (() => Promise<string>) | undefined
  /** The proxy listeners' counts (Kong's kong_nginx_connections_total and kong_nginx_requests_total), when there are listeners to count. */
  server?: (() => NginxStatistics | Promise<NginxStatistics>) | undefined
}): GatewayMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  new Counter({
    name: 'gateway_config_reloads_total',
    help: 'Reloads of the configuration file, by result (applied, unchanged, invalid, unreadable).',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset()
      const counts = opts.reloader?.counts
      for (const result of RESULTS) this.inc({ result }, counts?.[result] ?? 0)
    },
  })

  new Gauge({
    name: 'gateway_config_last_reload_success_timestamp_seconds',
    help: 'Unix time at which the running configuration was loaded (start or last applied reload).',
    registers: [registry],
    collect() {
      this.set(opts.holder.current().loadedAt.getTime() / 1000)
    },
  })

  new Gauge({
    name: 'gateway_config_info',
    help: 'The running configuration: 1, labelled with the MD5 of its file.',
    labelNames: ['hash'],
    registers: [registry],
    collect() {
      this.reset()
      this.set({ hash: opts.holder.current().hash }, 1)
    },
  })

  const extra = opts.extra
  const more = extra === undefined ? undefined : typeof extra === 'function' ? extra : () => extra.metrics()
  // The plugin metrics in Kong's text; the node-wide ones only while no prometheus plugin runs.
  const prometheusOn = () => opts.holder.current().config.plugins.some((p) => p.enabled && p.name === 'prometheus')
  // Then Kong's node-wide series the admin process knows (connections, requests, target health).
  const dns = dnsVerdicts()
  const render = async () => {
    const own = await registry.metrics()
    const plugins = more ? kongExposition(await more(), prometheusOn()) : ''
    const node = kongNodeSeries(opts.holder.current(), opts.server ? await opts.server() : undefined, dns)
    return `${own}\n${plugins}${node}`
  }
  return { registry, render, contentType: registry.contentType }
}

/**
 * The read-only JSON the status page reads, beside Kong's entity endpoints
 * (admin.ts): the reload history, each route's plugins in run order as the
 * compiled chains hold them, every upstream's targets and health in one
 * answer, and per-route traffic from the metrics the node keeps. None of it
 * carries a plugin's config or a credential: names, ids, scopes, counts.
 */
import type { Route } from '../config/model.js'
import type { PluginInstance } from '../compile/chains.js'
import type { Runtime } from '../compile/runtime.js'
import { healthchecksOff, targetsHealth } from '../compile/target-health.js'
import type { ReloadResult } from '../reload/reloader.js'
import { SCOPES } from '../runtime/explain/plugins.js'

/** One reload, as /status shows its last one: each problem with file, line and column. */
export function reloadView(r: ReloadResult) {
  return {
    result: r.result,
    at: r.at.toISOString(),
    duration_ms: r.durationMs,
    configuration_hash: r.hash ?? null,
    errors:
      r.issues?.map((i) => ({ file: i.file, line: i.line, column: i.column, path: i.path, message: i.message })) ?? (r.error ? [{ message: r.error }] : []),
  }
}

const pluginView = (i: PluginInstance) => ({
  name: i.name,
  id: i.plugin.id,
  instance_name: i.plugin.instance_name ?? null,
  priority: i.priority,
  scope: SCOPES[i.level]!,
})

/** Consumer-scoped instances that may replace a slot's instance on this route, once their consumer is identified. */
function consumerScoped(rt: Runtime, route: Route) {
  const names = new Map(rt.config.consumers.map((c) => [c.id, c.username ?? c.custom_id ?? c.id]))
  return rt.chains.instances
    .filter((i) => {
      const p = i.plugin
      return p.consumer !== undefined && (p.route === undefined || p.route === route.id) && (p.service === undefined || p.service === route.service)
    })
    .map((i) => ({ ...pluginView(i), consumer: names.get(i.plugin.consumer!) ?? i.plugin.consumer! }))
}

/**
 * Each route's plugins per phase, in the order the proxy runs them (the
 * compiled chain: Kong's precedence, priorities, `ordering` in access), for
 * a request no consumer-scoped instance applies to; those are listed apart.
 * Rewrite runs the global instances only, before a route is known.
 */
export function chainsView(rt: Runtime) {
  const global = rt.chains.global.lists
  const rewrite = global.rewrite.map(pluginView)
  const services = new Map(rt.config.services.map((s) => [s.id, s.name ?? s.id]))
  return {
    global: {
      rewrite,
      header_filter: global.headerFilter.map(pluginView),
      body_filter: global.bodyFilter.map(pluginView),
      log: global.log.map(pluginView),
    },
    routes: rt.config.routes.map((route) => {
      const chain = rt.chains.forRoute(route)
      const staticOrder = chain.slots.map((s) => s.name)
      const dynamic = chain.accessOrder.map((i) => chain.slots[i]!.name)
      return {
        route: { id: route.id, name: route.name ?? null },
        service: route.service === undefined ? null : { id: route.service, name: services.get(route.service) ?? null },
        phases: {
          rewrite,
          access: chain.lists.access.map(pluginView),
          header_filter: chain.lists.headerFilter.map(pluginView),
          body_filter: chain.lists.bodyFilter.map(pluginView),
          log: chain.lists.log.map(pluginView),
        },
        // Only when `ordering` changes the access phase's order.
        ordering: dynamic.join() === staticOrder.join() ? null : { static: staticOrder, dynamic },
        for_consumers: consumerScoped(rt, route),
      }
    }),
  }
}

/** Every upstream with its balancer's health and each target's, as /upstreams/{u}/health reads them. */
export function upstreamsView(rt: Runtime) {
  return {
    data: rt.config.upstreams.map((u) => {
      const balancer = rt.balancers.get(u.name)
      const healthy = balancer?.status().healthy ?? false
      return {
        id: u.id,
        name: u.name,
        algorithm: u.algorithm,
        health: healthchecksOff(u) ? 'HEALTHCHECKS_OFF' : healthy ? 'HEALTHY' : 'UNHEALTHY',
        targets: targetsHealth(rt.config, balancer, u).map(({ target, health }) => ({ id: target.id, target: target.target, weight: target.weight, health })),
      }
    }),
  }
}

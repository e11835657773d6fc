/**
 * The plugins of each stream route, compiled with the Runtime. Kong's stream
 * subsystem runs an instance only when one of its `protocols` belongs to it
 * (tcp, tls, tls_passthrough, udp: kong/runloop/plugins_iterator.lua
 * should_process_plugin); instances for other protocols are not candidates at
 * all, so a global stream instance still applies where a route-scoped HTTP one
 * exists. Among the candidates of one plugin name, Kong's precedence picks one
 * (route+service, route, service, global; streams have no consumer). Only the
 * phases Kong runs there are kept: `preread` and the stream `log`.
 */
import type { Route } from '../config/model.js'
import { byPriority, type PluginInstance } from './chains.js'

export interface StreamChain {
  readonly preread: readonly PluginInstance[]
  readonly log: readonly PluginInstance[]
}

export interface StreamChains {
  forRoute(route: Route): StreamChain
  /** The global instances: what logs a session that matched no route. */
  readonly global: StreamChain
}

const STREAM_PROTOCOLS = new Set(['tcp', 'tls', 'tls_passthrough', 'udp'])
const EMPTY: StreamChain = { preread: [], log: [] }

export function compileStreamChains(instances: readonly PluginInstance[]): StreamChains {
  const candidates = instances.filter(
    (i) =>
      i.plugin.consumer === undefined &&
      (i.phases.preread !== undefined || i.phases.streamLog !== undefined) &&
      (i.plugin.protocols ?? []).some((p) => STREAM_PROTOCOLS.has(p)),
  )
  const cache = new WeakMap<Route, StreamChain>()
  const build = (route: Route | undefined): StreamChain => {
    const chosen = new Map<string, PluginInstance>()
    for (const i of candidates) {
      const p = i.plugin
      const applies = route
        ? (p.route === undefined || p.route === route.id) && (p.service === undefined || p.service === route.service)
        : p.route === undefined && p.service === undefined
      if (!applies) continue
      const held = chosen.get(i.name)
      // A lower level is more specific (chains.ts levelOf: 4 route+service, 6 route, 7 service, 8 global).
      if (!held || i.level < held.level) chosen.set(i.name, i)
    }
    if (chosen.size === 0) return EMPTY
    const ordered = [...chosen.values()].sort(byPriority)
    return { preread: ordered.filter((i) => i.phases.preread), log: ordered.filter((i) => i.phases.streamLog) }
  }
  return {
    global: candidates.length === 0 ? EMPTY : build(undefined),
    forRoute(route) {
      if (candidates.length === 0) return EMPTY
      let chain = cache.get(route)
      if (!chain) cache.set(route, (chain = build(route)))
      return chain
    },
  }
}

/**
 * Dynamic ordering must give every route's chain a topological order. The
 * plugins that can meet on a route (global, its service's, its own, and
 * consumer-scoped ones that may apply) are checked together; each distinct
 * cycle is reported once, at the `ordering` of a plugin in it.
 */
import type { PluginRegistry } from '../../plugins/registry.js'
import type { RawIssue } from '../issues.js'
import type { PluginOrdering } from '../model.js'
import { MSG_ORDERING_CYCLE, orderAccess } from '../ordering.js'
import type { EntitySets, Located } from './located.js'

export function checkOrderingCycles(sets: EntitySets, registry: PluginRegistry): RawIssue[] {
  const issues: RawIssue[] = []
  const plugins = sets.plugins.filter(({ entity }) => entity.enabled !== false && registry.has(entity.name as string))
  if (!plugins.some(({ entity }) => entity.ordering !== undefined)) return issues
  const priority = (name: string) => registry.get(name)?.priority ?? 0
  const reported = new Set<string>()
  const checkChain = (members: Located[]) => {
    const byName = new Map<string, PluginOrdering[]>()
    for (const { entity } of members) {
      const list = byName.get(entity.name as string) ?? []
      list.push(entity.ordering as PluginOrdering)
      byName.set(entity.name as string, list)
    }
    const names = [...byName.keys()].sort((a, b) => priority(b) - priority(a) || (a < b ? 1 : a > b ? -1 : 0))
    const result = orderAccess(names, byName)
    if (result.ok) return
    const key = [...new Set(result.cycle)].sort().join(',')
    if (reported.has(key)) return
    reported.add(key)
    const at = members.find(({ entity }) => result.cycle.includes(entity.name as string) && entity.ordering !== undefined)!
    issues.push({ path: [...at.path, 'ordering'], message: `${MSG_ORDERING_CYCLE} (${result.cycle.join(' -> ')})` })
  }
  // Grouped so each route costs its own plugins, not a scan of all of them.
  const everywhere: Located[] = []
  const byService = new Map<unknown, Located[]>()
  const byRoute = new Map<unknown, Located[]>()
  for (const p of plugins) {
    const { route, service } = p.entity
    const [map, key] = route !== undefined ? [byRoute, route] : service !== undefined ? [byService, service] : [undefined, undefined]
    if (!map) everywhere.push(p)
    else map.set(key, [...(map.get(key) ?? []), p])
  }
  checkChain(everywhere.filter(({ entity }) => entity.consumer === undefined))
  for (const { entity: r } of sets.routes) {
    const own = (byRoute.get(r.id) ?? []).filter(({ entity }) => entity.service === undefined || entity.service === r.service)
    const members = [...everywhere, ...(byService.get(r.service) ?? []), ...own]
    if (members.some(({ entity }) => entity.ordering !== undefined)) checkChain(members)
  }
  return issues
}

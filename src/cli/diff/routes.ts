/**
 * Which routes change behaviour, and why: a route whose own match rules or
 * proxying fields changed, whose service (or that service's fields) changed,
 * whose upstream or targets changed, or whose effective plugin chain changed
 * (which instance of each plugin applies after Kong's precedence, global and
 * consumer-scoped instances included, its config, and the access-phase order
 * after `ordering`), read from the chains the compile layer builds; and
 * routes whose requests another route now takes (takeover.ts).
 */
import type { Chain, Chains, PluginInstance, Slot } from '../../compile/chains.js'
import type { Config, Route } from '../../config/model.js'
import type { Collection } from '../../config/schema/context.js'
import type { EntityDiff, Pair, Side } from './entities.js'
import { inertChains } from './chains.js'
import { takeovers } from './takeover.js'

export interface RouteImpact {
  readonly route: string
  readonly change: 'added' | 'removed' | 'changed'
  readonly reasons: readonly string[]
}

/** Fields that name or annotate an entity without changing what it does. */
const COSMETIC = new Set(['id', 'name', 'tags', 'created_at', 'updated_at'])

const fieldList = (p: Pair, skip: ReadonlySet<string> = COSMETIC) => {
  const names = [...new Set(p.fields.map((f) => f.path.split('.')[0]!).filter((f) => !skip.has(f)))]
  return names
}

/** Pairs of one collection by entity id, on one side. */
function byId(diff: EntityDiff, collection: Collection, side: 'old' | 'new'): Map<string, Pair> {
  const out = new Map<string, Pair>()
  for (const p of diff.pairs.get(collection) ?? []) {
    const s = p[side]
    if (s) out.set(s.entity.id as string, p)
  }
  return out
}

interface Sides {
  old: { config: Config; chains: Chains }
  new: { config: Config; chains: Chains }
}

export async function routeImpacts(diff: EntityDiff, oldConfig: Config, newConfig: Config): Promise<RouteImpact[]> {
  const [o, n] = await Promise.all([inertChains(oldConfig), inertChains(newConfig)])
  try {
    return impacts(diff, { old: { config: oldConfig, chains: o.chains }, new: { config: newConfig, chains: n.chains } })
  } finally {
    await Promise.all([o.dispose(), n.dispose()])
  }
}

function impacts(diff: EntityDiff, sides: Sides): RouteImpact[] {
  const services = { old: byId(diff, 'services', 'old'), new: byId(diff, 'services', 'new') }
  const plugins = { old: byId(diff, 'plugins', 'old'), new: byId(diff, 'plugins', 'new') }
  // Only a consumer some plugin is scoped to can change which instance applies (and a
  // config with many routes and consumers is not walked route × consumer).
  const scoped = new Set<unknown>([...sides.old.config.plugins, ...sides.new.config.plugins].map((x) => x.consumer).filter((c) => c !== undefined))
  const consumers = (diff.pairs.get('consumers') ?? []).filter((c) => scoped.has(c.old?.entity.id) || scoped.has(c.new?.entity.id))
  const routes = diff.pairs.get('routes') ?? []
  const found = new Map<Pair, { change: RouteImpact['change']; reasons: string[] }>()
  for (const p of routes) {
    if (!p.old) {
      found.set(p, { change: 'added', reasons: ['new route'] })
      continue
    }
    if (!p.new) {
      found.set(p, { change: 'removed', reasons: ['route removed'] })
      continue
    }
    const reasons: string[] = []
    const own = fieldList(p, new Set([...COSMETIC, 'service']))
    if (own.length > 0) reasons.push(`route ${own.join(', ')} changed`)
    reasons.push(...serviceReasons(diff, p, services))
    const oldRoute = p.old.entity as unknown as Route
    const newRoute = p.new.entity as unknown as Route
    reasons.push(...chainReasons(sides.old.chains.forRoute(oldRoute), sides.new.chains.forRoute(newRoute), plugins, consumers))
    if (reasons.length > 0) found.set(p, { change: 'changed', reasons })
  }
  const entry = (p: Pair) => found.get(p) ?? found.set(p, { change: 'changed', reasons: [] }).get(p)!
  const label = (p: Pair) => (p.new ?? p.old)!.identity.label
  for (const t of takeovers(routes, sides.old.config, sides.new.config)) {
    const to = t.to ? `to route ${label(t.to)}` : undefined
    entry(t.from).reasons.push(
      t.from.new
        ? `its requests like ${t.request} now ${to ? `go ${to}` : 'match no route (404)'}`
        : `${t.request} now ${to ? `goes ${to}` : 'matches no route (404)'}`,
    )
    if (t.to) entry(t.to).reasons.push(`takes requests like ${t.request} from route ${label(t.from)}`)
  }
  // The new file's routes in its order, then the removed ones.
  const out: RouteImpact[] = []
  for (const p of routes) if (p.new && found.has(p)) out.push({ route: label(p), ...found.get(p)! })
  for (const p of routes) if (!p.new && found.has(p)) out.push({ route: label(p), ...found.get(p)! })
  return out
}

function serviceReasons(diff: EntityDiff, route: Pair, services: { old: Map<string, Pair>; new: Map<string, Pair> }): string[] {
  const oldId = route.old!.entity.service as string | undefined
  const newId = route.new!.entity.service as string | undefined
  const oldService = oldId !== undefined ? services.old.get(oldId) : undefined
  const newService = newId !== undefined ? services.new.get(newId) : undefined
  if (oldService !== newService) {
    const label = (s: Side | undefined) => s?.identity.label ?? '(none)'
    return [`service ${label(oldService?.old)} → ${label(newService?.new)}`]
  }
  if (!newService) return []
  const reasons: string[] = []
  const fields = fieldList(newService)
  if (fields.length > 0) reasons.push(`service ${newService.new!.identity.label}: ${fields.join(', ')} changed`)
  reasons.push(...upstreamReasons(diff, String(newService.old!.entity.host), String(newService.new!.entity.host)))
  return reasons
}

/** A service's host names an upstream when one has that name (Kong's balancer lookup). */
function upstreamReasons(diff: EntityDiff, oldHost: string, newHost: string): string[] {
  const upstream = (diff.pairs.get('upstreams') ?? []).find((p) => p.old?.entity.name === oldHost || p.new?.entity.name === newHost)
  if (!upstream) return []
  const wasOne = upstream.old?.entity.name === oldHost
  const isOne = upstream.new?.entity.name === newHost
  if (!wasOne) return [`host ${newHost} is now upstream ${newHost}`]
  if (!isOne) return [`host ${oldHost} is no longer an upstream`]
  const reasons: string[] = []
  const fields = fieldList(upstream)
  if (fields.length > 0) reasons.push(`upstream ${newHost}: ${fields.join(', ')} changed`)
  const targets: string[] = []
  for (const t of diff.pairs.get('targets') ?? []) {
    const side = t.new ?? t.old!
    if (side.entity.upstream !== (t.new ? upstream.new!.entity.id : upstream.old!.entity.id)) continue
    const address = String(side.display.target)
    if (!t.old) targets.push(`+${address}`)
    else if (!t.new) targets.push(`-${address}`)
    else if (fieldList(t).length > 0) targets.push(`~${address} (${fieldList(t).join(', ')})`)
  }
  if (targets.length > 0) reasons.push(`upstream ${newHost} targets: ${targets.join(', ')}`)
  return reasons
}

type PluginPairs = { old: Map<string, Pair>; new: Map<string, Pair> }

/** How one applicable instance compares with the other side's; undefined when it does not change. */
function compareInstances(
  a: PluginInstance | undefined,
  b: PluginInstance | undefined,
  plugins: PluginPairs,
  name: string,
  suffix: string,
): string | undefined {
  const pa = a ? plugins.old.get(a.plugin.id) : undefined
  const pb = b ? plugins.new.get(b.plugin.id) : undefined
  if (!pa && !pb) return undefined
  if (!pa) return `plugin ${pb!.new!.identity.label} now applies${suffix}`
  if (!pb) return `plugin ${pa.old!.identity.label} no longer applies${suffix}`
  if (pa !== pb) return `plugin ${name}${suffix}: ${pa.old!.identity.label} → ${pb.new!.identity.label}`
  const fields = pb.fields.filter((f) => !COSMETIC.has(f.path.split('.')[0]!)).map((f) => f.path)
  return fields.length > 0 ? `plugin ${pb.new!.identity.label}${suffix}: ${fields.join(', ')} changed` : undefined
}

function chainReasons(a: Chain, b: Chain, plugins: PluginPairs, consumers: readonly Pair[]): string[] {
  const reasons: string[] = []
  const slotsA = new Map(a.slots.map((s) => [s.name, s]))
  const slotsB = new Map(b.slots.map((s) => [s.name, s]))
  const names = [...new Set([...b.slots.map((s) => s.name), ...a.slots.map((s) => s.name)])]
  for (const name of names) {
    const sa: Slot | undefined = slotsA.get(name)
    const sb: Slot | undefined = slotsB.get(name)
    const base = compareInstances(sa?.base, sb?.base, plugins, name, '')
    if (base) reasons.push(base)
    if (!sa?.forConsumer && !sb?.forConsumer) continue
    for (const c of consumers) {
      const ia = c.old && sa?.forConsumer ? sa.forConsumer(c.old.entity.id as string) : undefined
      const ib = c.new && sb?.forConsumer ? sb.forConsumer(c.new.entity.id as string) : undefined
      const why = compareInstances(ia, ib, plugins, name, ` for consumer ${(c.new ?? c.old)!.identity.label}`)
      if (why) reasons.push(why)
    }
  }
  const accessA = a.accessOrder.map((i) => a.slots[i]!.name)
  const accessB = b.accessOrder.map((i) => b.slots[i]!.name)
  const common = new Set(accessA.filter((n) => accessB.includes(n)))
  const orderA = accessA.filter((n) => common.has(n))
  const orderB = accessB.filter((n) => common.has(n))
  if (orderA.join('\u0000') !== orderB.join('\u0000')) reasons.push(`access-phase order ${orderA.join(' > ')} → ${orderB.join(' > ')}`)
  return reasons
}

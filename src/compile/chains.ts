/**
 * Plugin chains, compiled once per config: every enabled instance is created
 * (its config parsed, regexes compiled), then each route gets, per plugin name,
 * the instance Kong's precedence picks (§4.3):
 *
 *   1 consumer+route+service  2 consumer+route  3 consumer+service  4 route+service
 *   5 consumer                6 route           7 service           8 global
 *
 * Levels 4, 6, 7, 8 are known from the route alone ("base"); the consumer-scoped
 * levels are looked up while the access phase runs, with the consumer that the
 * auth plugins identified so far (so a consumer-scoped instance only applies to
 * plugins running after authentication, as in Kong). A route's chain is built on
 * its first request and cached; nothing is sorted or looked up by name per request.
 */
import type { Config, Plugin, PluginOrdering, Route } from '../config/model.js'
import type { PluginSet } from '../plugins/set.js'
import { orderAccess } from '../config/ordering.js'
import type { NodeState } from '../node/state.js'
import type { ConsumerIndex, PluginDefinition, PluginEnv, PluginFactory, PluginLog, PluginPhases } from '../plugins/types.js'

export interface PluginInstance {
  readonly plugin: Plugin
  /** Its plugin's definition (explain reads its optional `explain` hook). */
  readonly definition: PluginDefinition
  readonly name: string
  readonly priority: number
  /** Kong's precedence level, 1 (most specific) to 8 (global). */
  readonly level: number
  readonly phases: PluginPhases
  readonly log: PluginLog
}

/** One plugin name's candidates on one route. */
export interface Slot {
  readonly name: string
  readonly base: PluginInstance | undefined
  /** Present when consumer-scoped instances of this name may apply to the route. */
  readonly forConsumer: ((consumerId: string) => PluginInstance | undefined) | undefined
}

/** Instances of one request, per phase, in run order. */
export interface PhaseLists {
  readonly rewrite: readonly PluginInstance[]
  readonly access: readonly PluginInstance[]
  readonly headerFilter: readonly PluginInstance[]
  readonly bodyFilter: readonly PluginInstance[]
  readonly log: readonly PluginInstance[]
}

export interface Chain {
  /** Static priority order (descending priority, then name descending). */
  readonly slots: readonly Slot[]
  /** Slot indexes in access-phase order (dynamic ordering applied). */
  readonly accessOrder: readonly number[]
  /** True when a consumer could change which instance runs. */
  readonly consumerScoped: boolean
  /** The lists when no consumer-scoped instance applies (the common case). */
  readonly lists: PhaseLists
  readonly empty: boolean
}

export interface Chains {
  /** Global instances (rewrite phase; response phases of requests that matched no route). */
  readonly global: Chain
  /** The chain of a matched route. */
  forRoute(route: Route): Chain
  /** Every instance of the config, for status and tests. */
  readonly instances: readonly PluginInstance[]
}

/** Descending priority; equal priority: name descending (Kong). */
export const byPriority = (a: { priority: number; name: string }, b: { priority: number; name: string }) =>
  b.priority - a.priority || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0)

function levelOf(p: Plugin): number {
  const c = p.consumer !== undefined
  const r = p.route !== undefined
  const s = p.service !== undefined
  if (c) return r && s ? 1 : r ? 2 : s ? 3 : 5
  return r && s ? 4 : r ? 6 : s ? 7 : 8
}

interface ByName {
  base: Map<string, PluginInstance> // key: `${route}|${service}` with '' for absent
  consumer: Map<string, PluginInstance> // key: `${consumer}|${route}|${service}`
  consumerRoutes: Set<string> // routes named by consumer-scoped instances ('' = any)
  consumerServices: Set<string>
  anyConsumerOnly: boolean
  orderings: (PluginOrdering | undefined)[]
}

export interface ChainOptions {
  /** Its handlers prepared for every plugin the config uses. */
  plugins: PluginSet
  consumers: ConsumerIndex
  log: (plugin: Plugin) => PluginLog
  node: NodeState
}

/** One instance's phases, checked against what its definition declares (a contract bug fails the compile, not a request). */
function createPhases(def: PluginDefinition, factory: PluginFactory, p: Plugin, env: PluginEnv): PluginPhases {
  const phases = factory(p.config, env)
  if (phases === null || typeof phases !== 'object') throw new TypeError(`plugin '${p.name}': its factory returned no phases`)
  for (const key of Object.keys(phases) as (keyof PluginPhases)[]) {
    if (phases[key] === undefined) continue
    if (!def.phases.includes(key)) throw new TypeError(`plugin '${p.name}' implements '${key}', which its definition does not declare`)
    if (typeof phases[key] !== 'function') throw new TypeError(`plugin '${p.name}': phase '${key}' is not a function`)
  }
  return phases
}

export function compileChains(config: Config, opts: ChainOptions): Chains {
  const { registry } = opts.plugins
  const names = new Map<string, ByName>()
  const instances: PluginInstance[] = []
  for (const p of config.plugins) {
    const def = registry.get(p.name)
    if (!p.enabled || !def) continue
    const log = opts.log(p)
    const env: PluginEnv = { plugin: p, consumers: opts.consumers, log, metrics: opts.node.metrics, node: opts.node }
    const inst: PluginInstance = {
      plugin: p,
      definition: def,
      log,
      name: p.name,
      priority: def.priority,
      level: levelOf(p),
      phases: createPhases(def, opts.plugins.factory(p.name), p, env),
    }
    instances.push(inst)
    let n = names.get(p.name)
    if (!n)
      names.set(
        p.name,
        (n = { base: new Map(), consumer: new Map(), consumerRoutes: new Set(), consumerServices: new Set(), anyConsumerOnly: false, orderings: [] }),
      )
    n.orderings.push(p.ordering)
    if (p.consumer === undefined) n.base.set(`${p.route ?? ''}|${p.service ?? ''}`, inst)
    else {
      n.consumer.set(`${p.consumer}|${p.route ?? ''}|${p.service ?? ''}`, inst)
      if (p.route === undefined && p.service === undefined) n.anyConsumerOnly = true
      if (p.route !== undefined) n.consumerRoutes.add(p.route)
      if (p.service !== undefined) n.consumerServices.add(p.service)
    }
  }
  const order = [...names.keys()].map((name) => ({ name, priority: registry.get(name)?.priority ?? 0 })).sort(byPriority)

  const build = (routeId: string | undefined, serviceId: string | undefined): Chain => {
    const slots: Slot[] = []
    const r = routeId ?? ''
    const s = serviceId ?? ''
    for (const { name } of order) {
      const n = names.get(name)!
      const base =
        routeId === undefined ? n.base.get('|') : (n.base.get(`${r}|${s}`) ?? n.base.get(`${r}|`) ?? (s ? n.base.get(`|${s}`) : undefined) ?? n.base.get('|'))
      let forConsumer: Slot['forConsumer']
      if (routeId !== undefined && (n.anyConsumerOnly || n.consumerRoutes.has(r) || (s !== '' && n.consumerServices.has(s)))) {
        const c = n.consumer
        forConsumer = (id) => c.get(`${id}|${r}|${s}`) ?? c.get(`${id}|${r}|`) ?? (s ? c.get(`${id}||${s}`) : undefined) ?? c.get(`${id}||`)
      }
      if (base || forConsumer) slots.push({ name, base, forConsumer })
    }
    const ordered = orderAccess(
      slots.map((x) => x.name),
      new Map(slots.map((x) => [x.name, names.get(x.name)!.orderings])),
    )
    // Validation rejects cycles; a cycle here can only come from a config that skipped it.
    const accessNames = ordered.ok ? ordered.order : slots.map((x) => x.name)
    const position = new Map(slots.map((x, i) => [x.name, i]))
    const accessOrder = accessNames.map((nm) => position.get(nm)!)
    const bases = slots.map((x) => x.base)
    return {
      slots,
      accessOrder,
      consumerScoped: slots.some((x) => x.forConsumer !== undefined),
      lists: phaseLists(bases, accessOrder),
      empty: slots.length === 0,
    }
  }

  const global = build(undefined, undefined)
  const cache = new WeakMap<Route, Chain>()
  return {
    global,
    instances,
    forRoute(route) {
      let chain = cache.get(route)
      if (!chain) cache.set(route, (chain = build(route.id, route.service)))
      return chain
    },
  }
}

/**
 * The instance a slot runs for a request whose consumer (identified so far) is
 * `consumerId`: a consumer-scoped one when it is more specific than the base.
 * The access phase and explain both choose with this.
 */
export function chooseInstance(slot: Slot, consumerId: string | undefined): PluginInstance | undefined {
  const inst = slot.base
  if (consumerId === undefined || !slot.forConsumer) return inst
  const c = slot.forConsumer(consumerId)
  return c && (!inst || c.level < inst.level) ? c : inst
}

/** The per-phase lists of the instances chosen for each slot (undefined: none). */
export function phaseLists(chosen: readonly (PluginInstance | undefined)[], accessOrder: readonly number[]): PhaseLists {
  const present = chosen.filter((x): x is PluginInstance => x !== undefined)
  return {
    rewrite: present.filter((x) => x.phases.rewrite !== undefined),
    access: accessOrder.map((i) => chosen[i]).filter((x): x is PluginInstance => x?.phases.access !== undefined),
    headerFilter: present.filter((x) => x.phases.headerFilter !== undefined),
    bodyFilter: present.filter((x) => x.phases.bodyFilter !== undefined),
    log: present.filter((x) => x.phases.log !== undefined),
  }
}

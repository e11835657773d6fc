/**
 * Kong's lua_shared_dict memory gauges (`kong_memory_lua_shared_dict_bytes`
 * and `_total_bytes{node_id,shared_dict,kong_subsystem}`) over the node-wide
 * stores that stand in for Kong's shared dicts: the rate-limiting counters
 * (kong_rate_limiting_counters) and proxy-cache's memory stores (named by
 * `memory.dictionary_name`). A store registers once, when it is created; the
 * gauges read every store at scrape time, so the request path pays nothing.
 * Plugins reach it through `node.sharedDict` (plugins/types.ts NodeView).
 * Two stores under one name (two plugins naming the same dictionary) add up:
 * together they hold, and may grow to, that much.
 */
import { Gauge, type Registry } from 'prom-client'
import type { SharedDictSource, SharedDictUsage } from '../plugins/types.js'

/** The node's shared dicts: register stores with `add`; the gauges read them when scraped. */
export class SharedDicts {
  readonly #sources = new Map<string, SharedDictSource[]>()
  #registered = false

  constructor(
    readonly registry: Registry,
    readonly nodeId: string,
  ) {}

  /** Shows `source` as shared dict `name` on the node's /metrics from now on. */
  add(name: string, source: SharedDictSource): void {
    if (!this.#registered) register(this.registry, this.nodeId, this.#sources)
    this.#registered = true
    const list = this.#sources.get(name)
    if (list) list.push(source)
    else this.#sources.set(name, [source])
  }

  /** Each dict's bytes now and capacity, summed over its stores (statsd's shdict_usage). */
  usage(): SharedDictUsage[] {
    return [...this.#sources].map(([name, list]) => ({
      name,
      used: list.reduce((n, s) => n + s.used(), 0),
      capacity: list.reduce((n, s) => n + s.capacity(), 0),
    }))
  }
}

function register(registry: Registry, nodeId: string, sources: Map<string, SharedDictSource[]>): void {
  const registers = [registry]
  const labelNames = ['node_id', 'shared_dict', 'kong_subsystem'] as const
  // One process's stores: with --workers, each worker's are its own and the primary sums the workers' gauges.
  const each = (gauge: Gauge<(typeof labelNames)[number]>, read: (s: SharedDictSource) => number) => {
    gauge.reset()
    for (const [name, list] of sources)
      gauge.set(
        { node_id: nodeId, shared_dict: name, kong_subsystem: 'http' },
        list.reduce((n, s) => n + read(s), 0),
      )
  }
  new Gauge({
    name: 'kong_memory_lua_shared_dict_bytes',
    help: 'Allocated slabs in bytes in a shared_dict',
    labelNames,
    registers,
    collect() {
      each(this, (s) => s.used())
    },
  })
  new Gauge({
    name: 'kong_memory_lua_shared_dict_total_bytes',
    help: 'Total capacity in bytes of a shared_dict',
    labelNames,
    registers,
    collect() {
      each(this, (s) => s.capacity())
    },
  })
}

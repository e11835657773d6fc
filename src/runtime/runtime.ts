/**
 * The Runtime: everything the request path needs, compiled from one frozen
 * config. Immutable once built; a reload builds a new one and swaps it in.
 */
import type { Config, Plugin, Service } from '../config/model.js'
import { compileRouter, type Router } from '../compile/router.js'
import type { PluginLog } from '../plugins/types.js'
import type { PluginSet } from '../plugins/set.js'
import type { Registry } from 'prom-client'
import { compileChains, type Chains } from './chains.js'
import { indexConsumers } from './consumers.js'
import { createBalancer, type Balancer } from './balancer.js'
import { healthKey } from './health.js'
import { parseTarget } from '../config/schema/upstream.js'
import { compileHashInput, type HashFacts, type HashInput } from './hash-input.js'
import { compileCertificates, type CertificateStore } from './certificates.js'

export interface Runtime {
  readonly config: Config
  /** sha256 of the file's bytes. */
  readonly hash: string
  readonly loadedAt: Date
  readonly router: Router
  /** Balancers by upstream name (services name them through their host). */
  readonly balancers: ReadonlyMap<string, Balancer>
  /** Per upstream name: what consistent-hashing hashes, when it does. */
  readonly hashInputs: ReadonlyMap<string, (f: HashFacts) => HashInput>
  /** PEMs of the CA certificates a service trusts, or undefined for the system store. */
  caFor(service: Service): string[] | undefined
  /** Stops what the Runtime owns (active health checks); called when it is replaced or the gateway stops. */
  dispose(): void
  /** Server certificates by SNI. */
  readonly certificates: CertificateStore
  /** Plugin chains: global, and per matched route. */
  readonly chains: Chains
}

/** Where plugin logs go: a function from the plugin entity to a logger. */
export interface RuntimeOptions {
  /** The plugins to run (default: the bundled ones). */
  plugins?: PluginSet | undefined
  pluginLog?: ((plugin: Plugin) => PluginLog) | undefined
  /** Where plugins register metrics (the prometheus plugin); served on the admin /metrics. */
  metrics?: Registry | undefined
  /** A router compiled already from this config (reloads compile it with compileRouterAsync). */
  router?: Router | undefined
}

const SILENT: PluginLog = { error() {}, warn() {}, info() {}, debug() {} }

/** Every upstream origin (scheme://host:port) a config can send to, and its target health keys. */
export function reachable(config: Config): { origins: Set<string>; healthKeys: Set<string> } {
  const origins = new Set<string>()
  const healthKeys = new Set<string>()
  const upstreams = new Map(config.upstreams.map((u) => [u.name, u]))
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h)
  for (const s of config.services) {
    const scheme = s.protocol === 'https' || s.protocol === 'grpcs' ? 'https' : 'http'
    const u = upstreams.get(s.host)
    if (!u) {
      origins.add(`${scheme}://${bracket(s.host)}:${s.port}`)
      continue
    }
    for (const t of config.targets) {
      if (t.upstream !== u.id) continue
      const parsed = parseTarget(t.target)!
      origins.add(`${scheme}://${bracket(parsed.host)}:${parsed.port}`)
    }
  }
  for (const u of config.upstreams) {
    for (const t of config.targets) {
      if (t.upstream !== u.id) continue
      const parsed = parseTarget(t.target)!
      healthKeys.add(healthKey(u.name, parsed.host, parsed.port))
    }
  }
  return { origins, healthKeys }
}

export function compileRuntime(config: Config, hash: string, opts: RuntimeOptions = {}): Runtime {
  const balancers = new Map<string, Balancer>()
  for (const u of config.upstreams) {
    balancers.set(
      u.name,
      createBalancer(
        u,
        config.targets.filter((t) => t.upstream === u.id),
      ),
    )
  }
  const hashInputs = new Map<string, (f: HashFacts) => HashInput>()
  for (const u of config.upstreams) {
    const h = compileHashInput(u)
    if (h) hashInputs.set(u.name, h)
  }
  const caById = new Map(config.ca_certificates.map((c) => [c.id, c.cert]))
  const chains = compileChains(config, {
    plugins: opts.plugins,
    metrics: opts.metrics,
    consumers: indexConsumers(config),
    log: opts.pluginLog ?? (() => SILENT),
  })
  return {
    config,
    hash,
    loadedAt: new Date(),
    router: opts.router ?? compileRouter(config),
    balancers,
    hashInputs,
    caFor(service) {
      const ids = service.ca_certificates
      if (!ids || ids.length === 0) return undefined
      return ids.map((id) => caById.get(id)).filter((c): c is string => c !== undefined)
    },
    dispose() {
      for (const b of balancers.values()) b.stop()
    },
    certificates: compileCertificates(config),
    chains,
  }
}

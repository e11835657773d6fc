/**
 * The Runtime: everything the request path needs, compiled from one frozen
 * config, the plugin set's handlers and the node. Immutable once built; a
 * reload builds a new one beside it and swaps it in. What must outlive the
 * Runtime (pools, target health, plugin slots) stays on the node it borrows.
 */
import type { Config, Plugin, Service } from '../config/model.js'
import type { UpstreamTls } from '../node/pools.js'
import type { NodeState } from '../node/state.js'
import type { PluginRegistry } from '../plugins/registry.js'
import type { PluginSet } from '../plugins/set.js'
import type { PluginLog } from '../plugins/types.js'
import { createBalancer, type Balancer } from './balancer.js'
import { compileCertificates, type CertificateStore } from './certificates.js'
import { byPriority, compileChains, type Chains } from './chains.js'
import { indexConsumers } from './consumers.js'
import { compileHashInput, type HashFacts, type HashInput } from './hash-input.js'
import { runtimeTargets, type RuntimeTargets } from './targets.js'
import { compileProbeTls, compileUpstreamTls } from './upstream-tls.js'
import { compileRouter, type Router } from './router.js'
import { compileStreamChains, type StreamChains } from './stream-chains.js'
import { compileStreamRouter, type StreamRouter } from './stream-router.js'

export interface Runtime {
  readonly config: Config
  /** MD5 of the file's bytes (Kong's configuration_hash; config/load.ts configHash). */
  readonly hash: string
  readonly loadedAt: Date
  /** The node this Runtime borrows pools, health and plugin state from. */
  readonly node: NodeState
  readonly router: Router
  /** Balancers by upstream name (services name them through their host). */
  readonly balancers: ReadonlyMap<string, Balancer>
  /** Per upstream name: what consistent-hashing hashes, when it does. */
  readonly hashInputs: ReadonlyMap<string, (f: HashFacts) => HashInput>
  /** The TLS settings a service talks to its upstream with (undefined for plain-text services). */
  tlsFor(service: Service): UpstreamTls | undefined
  /** Where a try goes: origins, Host headers and the node's pools, per (service, target). */
  readonly targets: RuntimeTargets
  /** Stops what the Runtime owns (active health checks); called when it is replaced or the gateway stops. */
  dispose(): void
  /** Server certificates by SNI. */
  readonly certificates: CertificateStore
  /** Plugin chains: global, and per matched route. */
  readonly chains: Chains
  /** The plugin definitions this Runtime was compiled with (which config fields are secret, explain hooks). */
  readonly pluginRegistry: PluginRegistry
  /** The stream listeners' router (tcp, tls, tls_passthrough and udp routes). */
  readonly streamRouter: StreamRouter
  /** The plugins of each stream route (preread and log). */
  readonly streamChains: StreamChains
}

export interface CompileOptions {
  node: NodeState
  /** The plugins to run; their handlers must be prepared (`await plugins.prepare(...)`, see pluginsOf). */
  plugins: PluginSet
  /** Where plugin instances log (silent when unset). */
  pluginLog?: ((plugin: Plugin) => PluginLog) | undefined
  /** A router compiled already from this config (reloads compile it with compileRouterAsync). */
  router?: Router | undefined
}

const SILENT: PluginLog = { error() {}, warn() {}, info() {}, debug() {} }

/** The names of the plugins a config runs (what `PluginSet.prepare` must load before compiling). */
export function pluginsOf(config: Config): Set<string> {
  return new Set(config.plugins.filter((p) => p.enabled).map((p) => p.name))
}

export function compileRuntime(config: Config, hash: string, opts: CompileOptions): Runtime {
  const { node } = opts
  const tlsFor = compileUpstreamTls(config)
  const probeTls = compileProbeTls(config, tlsFor)
  const balancers = new Map<string, Balancer>()
  for (const u of config.upstreams) {
    balancers.set(
      u.name,
      createBalancer(
        u,
        config.targets.filter((t) => t.upstream === u.id),
        node.health,
        probeTls(u),
      ),
    )
  }
  const hashInputs = new Map<string, (f: HashFacts) => HashInput>()
  for (const u of config.upstreams) {
    const h = compileHashInput(u)
    if (h) hashInputs.set(u.name, h)
  }
  const chains = compileChains(config, { plugins: opts.plugins, node, consumers: indexConsumers(config), log: opts.pluginLog ?? (() => SILENT) })
  return {
    config,
    hash,
    loadedAt: new Date(),
    node,
    router: opts.router ?? compileRouter(config),
    balancers,
    hashInputs,
    tlsFor,
    targets: runtimeTargets(node, tlsFor),
    dispose() {
      for (const b of balancers.values()) b.stop()
    },
    // Kong runs the certificate phase of global instances only.
    certificates: compileCertificates(config, chains.instances.filter((i) => i.level === 8 && i.phases.certificate !== undefined).sort(byPriority)),
    chains,
    pluginRegistry: opts.plugins.registry,
    streamRouter: compileStreamRouter(config),
    streamChains: compileStreamChains(chains.instances),
  }
}

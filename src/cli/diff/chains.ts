/**
 * The plugin chains `serve` would build for a config, from the compile layer
 * itself (its precedence and `ordering` rules, not a second copy), without
 * loading any handler: each bundled plugin's factory is replaced by one that
 * returns empty phases, so nothing is connected, started or allocated.
 */
import type { Config } from '../../config/model.js'
import { compileChains, type Chains } from '../../compile/chains.js'
import { indexConsumers } from '../../compile/consumers.js'
import { createNodeState } from '../../node/state.js'
import { BUNDLED } from '../../plugins/registry.js'
import { createPluginSet } from '../../plugins/set.js'
import type { PluginDefinition, PluginFactory, PluginLog, PluginPhases } from '../../plugins/types.js'

const SILENT: PluginLog = { error() {}, warn() {}, info() {}, debug() {} }
const noop = () => undefined

function inert(def: PluginDefinition): PluginDefinition {
  const phases = Object.fromEntries(def.phases.map((p) => [p, noop])) as PluginPhases
  const factory: PluginFactory = () => phases
  return { ...def, handler: () => factory }
}

const INERT = createPluginSet(BUNDLED.map(inert))

/** The config's chains; `dispose` closes the node they were compiled on. */
export async function inertChains(config: Config): Promise<{ chains: Chains; dispose: () => Promise<void> }> {
  await INERT.prepare(config.plugins.map((p) => p.name))
  const node = createNodeState()
  try {
    const chains = compileChains(config, { plugins: INERT, consumers: indexConsumers(config), log: () => SILENT, node })
    return { chains, dispose: () => node.close() }
  } catch (err) {
    await node.close()
    throw err
  }
}

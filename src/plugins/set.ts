/**
 * A set of plugins a gateway runs: the bundled ones, optionally with custom
 * plugins written against the kit (embedding the gateway as a library, and the
 * tests' probe plugins). Definitions and handlers go together; the contract is
 * checked when the set is built.
 */
import { BUNDLED, createRegistry, HANDLERS, registry, type PluginRegistry } from './registry.js'
import type { PluginDefinition, PluginHandler } from './types.js'

export interface PluginSet {
  readonly registry: PluginRegistry
  readonly handlers: ReadonlyMap<string, PluginHandler>
}

export const BUNDLED_PLUGINS: PluginSet = { registry, handlers: HANDLERS }

export interface CustomPlugin {
  definition: PluginDefinition
  handler: PluginHandler<never>
}

/** The bundled plugins plus `custom` ones (names and priorities must not clash). */
export function pluginSet(custom: readonly CustomPlugin[]): PluginSet {
  const handlers = new Map(HANDLERS)
  for (const c of custom) {
    if (c.handler.name !== c.definition.name) throw new TypeError(`plugin '${c.definition.name}' has a handler named '${c.handler.name}'`)
    handlers.set(c.handler.name, c.handler as unknown as PluginHandler)
  }
  return { registry: createRegistry([...BUNDLED, ...custom.map((c) => c.definition)]), handlers }
}

/**
 * The plugins a gateway runs: the bundled ones, optionally with custom plugins
 * written against the kit (embedding the gateway as a library, the tests'
 * probe plugins). A set holds definitions and loads each handler once, on the
 * first compile of a config that uses it; compile then asks for factories
 * synchronously.
 */
import { BUNDLED, createRegistry, type PluginRegistry } from './registry.js'
import { PHASE_NAMES, type PluginDeclaration, type PluginDefinition, type PluginFactory, type PluginHandler } from './types.js'

export interface PluginSet {
  readonly registry: PluginRegistry
  /** Loads the handlers of these plugins (those not loaded yet); rejects when one fails to load. */
  prepare(names: Iterable<string>): Promise<void>
  /** The factory of a prepared plugin; throws when `prepare` did not load it (a bug in the caller). */
  factory(name: string): PluginFactory
}

/** A custom plugin of the first API: a declaration and its handler (a full PluginDefinition is accepted too). */
export interface CustomPlugin {
  definition: PluginDeclaration
  handler: PluginHandler<never>
}

export function createPluginSet(defs: readonly PluginDefinition[]): PluginSet {
  const registry = createRegistry(defs)
  const loaded = new Map<string, PluginFactory>()
  const loading = new Map<string, Promise<void>>()
  const load = (name: string): Promise<void> => {
    let p = loading.get(name)
    if (!p) {
      const def = registry.get(name)
      if (!def) return Promise.resolve()
      p = (async () => {
        const source = await def.handler()
        const factory = typeof source === 'function' ? source : source?.default
        if (typeof factory !== 'function') throw new TypeError(`plugin '${name}': its handler does not provide a factory`)
        loaded.set(name, factory)
      })()
      // A failed load is retried by the next compile rather than cached.
      p.catch(() => loading.delete(name))
      loading.set(name, p)
    }
    return p
  }
  return {
    registry,
    async prepare(names) {
      await Promise.all([...new Set(names)].filter((n) => !loaded.has(n)).map(load))
    },
    factory(name) {
      const f = loaded.get(name)
      if (!f) throw new Error(`plugin '${name}' was not prepared before compiling`)
      return f
    },
  }
}

export const BUNDLED_PLUGINS: PluginSet = createPluginSet(BUNDLED)

function definitionOf(c: CustomPlugin | PluginDefinition): PluginDefinition {
  if (!('definition' in c)) return c
  const { definition, handler } = c
  if (handler.name !== definition.name) throw new TypeError(`plugin '${definition.name}' has a handler named '${handler.name}'`)
  const create = handler.create.bind(handler) as PluginFactory
  return { ...definition, phases: PHASE_NAMES, handler: () => create }
}

/** The bundled plugins plus `custom` ones (names and priorities must not clash). */
export function pluginSet(custom: readonly (CustomPlugin | PluginDefinition)[]): PluginSet {
  return createPluginSet([...BUNDLED, ...custom.map(definitionOf)])
}

/**
 * Plugin definitions by name, checked when the registry is built so a broken
 * definition fails at start, not on a request. No scanning of the file system:
 * the bundled list is bundled.ts.
 */
import * as bundled from './bundled.js'
import { PHASE_NAMES, type PluginDefinition } from './types.js'

export type PluginRegistry = ReadonlyMap<string, PluginDefinition>

/** The bundled definitions, in name order. */
export const BUNDLED: readonly PluginDefinition[] = Object.values(bundled as Record<string, PluginDefinition>).sort((a, b) => (a.name < b.name ? -1 : 1))

/** Builds a registry, rejecting a definition that breaks the contract. */
export function createRegistry(defs: readonly PluginDefinition[]): PluginRegistry {
  const byName = new Map<string, PluginDefinition>()
  const byPriority = new Map<number, string>()
  for (const def of defs) {
    if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new TypeError(`plugin name '${def.name}' must be kebab-case`)
    if (!Number.isInteger(def.priority)) throw new TypeError(`plugin '${def.name}' needs an integer priority`)
    if (typeof def.version !== 'string' || def.version === '') throw new TypeError(`plugin '${def.name}' needs a version`)
    if (typeof def.config?.safeParse !== 'function') throw new TypeError(`plugin '${def.name}' needs a zod config schema`)
    if (typeof def.handler !== 'function') throw new TypeError(`plugin '${def.name}' needs a handler`)
    if (!Array.isArray(def.phases) || def.phases.length === 0 || def.phases.some((p) => !(PHASE_NAMES as readonly string[]).includes(p))) {
      throw new TypeError(`plugin '${def.name}' must declare its phases (some of: ${PHASE_NAMES.join(', ')})`)
    }
    if (byName.has(def.name)) throw new TypeError(`plugin '${def.name}' is registered twice`)
    const clash = byPriority.get(def.priority)
    if (clash) throw new TypeError(`plugins '${clash}' and '${def.name}' share priority ${def.priority}`)
    byName.set(def.name, def)
    byPriority.set(def.priority, def.name)
  }
  return byName
}

export const registry: PluginRegistry = createRegistry(BUNDLED)

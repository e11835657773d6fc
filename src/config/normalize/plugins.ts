/**
 * The plugin envelope, checked against the registry: the plugin exists, its
 * scopes are allowed, its config passes the plugin's schema (and takes its
 * defaults), protocols default to the plugin's, and `ordering` names plugins
 * that exist.
 */
import type { PluginRegistry } from '../../plugins/registry.js'
import { parseTables } from '../empty-tables.js'
import { fromZod, kongErrorMap, suggest, type RawIssue } from '../issues.js'
import type { EntitySets } from './located.js'

/**
 * Kong's words for a plugin it has not loaded (plugins.lua subschema_error), then
 * ours: here no setting enables it, so the hint says what to do instead.
 */
export function unknownPluginMessage(name: string, registry: PluginRegistry): string {
  const close = suggest(name, [...registry.keys()])
  const hint = close ? `did you mean '${close}'?` : 'this gateway does not provide it'
  return `plugin '${name}' not enabled; add it to the 'plugins' configuration property (${hint})`
}

const HTTP_PROTOCOLS: readonly string[] = ['grpc', 'grpcs', 'http', 'https']

type Ordering = { before?: { access?: string[] }; after?: { access?: string[] } }

export function checkPlugins(sets: EntitySets, registry: PluginRegistry): RawIssue[] {
  const issues: RawIssue[] = []
  for (const { entity, path, parent, failed } of sets.plugins) {
    // A refused plugin's stand-in (salvage.ts) is checked on what passed: its name, then its config.
    if (typeof entity.name !== 'string') continue
    const name = entity.name
    const def = registry.get(name)
    if (!def) {
      issues.push({ path: [...path, 'name'], message: unknownPluginMessage(name, registry) })
      continue
    }
    for (const scope of ['consumer', 'route', 'service'] as const) {
      if (entity[scope] !== undefined && !def.scopes[scope]) {
        // Nested in the scope it may not have: point at the plugin, there is no field to point at.
        const at = parent === `${scope}s` ? path : [...path, scope]
        issues.push({ path: at, message: `value must be null (plugin '${name}' cannot be scoped to a ${scope})` })
      }
    }
    if (!failed?.dropped.has('config')) {
      const parsed = parseTables(def.config, entity.config ?? {}, { error: kongErrorMap })
      if (parsed.success) entity.config = parsed.data as Record<string, unknown>
      else issues.push(...fromZod(parsed.error.issues, [...path, 'config']))
    }
    entity.protocols ??= [...def.protocols]
    if (def.httpOnly && Array.isArray(entity.protocols)) {
      // Kong's typedefs.protocols_http: the set's elements are one of the HTTP protocols.
      const protocols = entity.protocols as unknown[]
      for (let i = 0; i < protocols.length; i++) {
        const p = protocols[i]
        if (typeof p === 'string' && !HTTP_PROTOCOLS.includes(p))
          issues.push({ path: [...path, 'protocols', i], message: `expected one of: ${HTTP_PROTOCOLS.join(', ')}` })
      }
    }
    const ordering = entity.ordering as Ordering | undefined
    for (const side of ['before', 'after'] as const) {
      ordering?.[side]?.access?.forEach((other, i) => {
        if (!registry.has(other)) {
          issues.push({ path: [...path, 'ordering', side, 'access', i], message: unknownPluginMessage(other, registry) })
        }
      })
    }
  }
  return issues
}

/**
 * The plugin entity's envelope (name, scope, enabled, protocols, ordering).
 * While validating, `config` is checked afterwards by the plugin that owns it
 * (see ../plugin-configs.ts) so that envelope and config errors are reported
 * together; in the JSON Schema document the configs are discriminated by name.
 */
import * as z from 'zod'
import type { PluginRegistry } from '../../plugins/registry.js'
import type { PluginScopes } from '../../plugins/types.js'
import type { SchemaContext } from './context.js'
import { entityFields, foreignRef, oneOf, protocolNames, tags, utf8Name, uuid } from './typedefs.js'

const pluginNames = z.array(z.string().min(1)).describe('Plugin names.')

export const ordering = z
  .strictObject({
    before: z.strictObject({ access: pluginNames.optional() }).optional().describe('Run this plugin before the named plugins, per phase.'),
    after: z.strictObject({ access: pluginNames.optional() }).optional().describe('Run this plugin after the named plugins, per phase.'),
  })
  .describe('Dynamic ordering (Kong Enterprise): move this plugin before or after named plugins in the access phase.')

function envelope(ctx: SchemaContext) {
  return {
    id: uuid.optional(),
    instance_name: utf8Name('A unique label for this plugin instance; no effect on processing.').optional(),
    enabled: z.boolean().default(true).describe('Whether this plugin instance runs.'),
    protocols: z
      .array(oneOf(protocolNames))
      .min(1, { error: 'length must be at least 1' })
      .optional()
      .describe("The protocols this instance serves. Defaults to the plugin's own list (usually grpc, grpcs, http, https)."),
    tags: tags.optional(),
    ordering: ordering.optional(),
    route:
      ctx.parent === 'routes'
        ? foreignRef.optional().describe('Filled in from the enclosing route.')
        : foreignRef.optional().describe('Scope the plugin to this route.'),
    service: foreignRef.optional().describe('Scope the plugin to this service.'),
    consumer: foreignRef.optional().describe('Scope the plugin to this consumer.'),
    ...entityFields,
  }
}

/** A scope the plugin forbids may only be null, as Kong's `value must be null` says. */
function withoutForbiddenScopes<T extends Record<string, z.ZodType>>(base: T, name: string, scopes: PluginScopes): T {
  const out: Record<string, z.ZodType> = { ...base }
  for (const scope of ['consumer', 'route', 'service'] as const) {
    if (!scopes[scope]) out[scope] = z.null().optional().describe(`Always null: ${name} cannot be scoped to a ${scope}.`)
  }
  return out as T
}

export function pluginSchema(ctx: SchemaContext, registry: PluginRegistry) {
  const base = envelope(ctx)
  if (ctx.mode === 'validate') {
    return z.strictObject({
      ...base,
      name: z.string().min(1, { error: 'length must be at least 1' }).describe('The plugin to run.'),
      config: z.record(z.string(), z.unknown(), { error: 'expected a record' }).optional().describe("The plugin's configuration."),
    })
  }
  // Kong's `no_consumer` (and kin): a plugin that forbids a scope is not offered
  // nested in it, and its field naming one may only be null, as the loader says.
  const nestedIn = ctx.parent === 'consumers' ? 'consumer' : ctx.parent === 'routes' ? 'route' : ctx.parent === 'services' ? 'service' : undefined
  const scoped = [...registry.values()].filter((def) => nestedIn === undefined || def.scopes[nestedIn])
  const members = scoped.map((def) =>
    z
      .strictObject({
        ...withoutForbiddenScopes(base, def.name, def.scopes),
        name: z.literal(def.name).describe(`The ${def.name} plugin.`),
        config: def.config.optional().describe(`Configuration of ${def.name}.`),
      })
      .meta({ title: def.name }),
  )
  if (members.length === 0) throw new TypeError('the plugin registry is empty')
  return z.discriminatedUnion('name', members as [(typeof members)[0], ...typeof members])
}

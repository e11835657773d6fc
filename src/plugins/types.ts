/**
 * What a bundled plugin declares. The config schema is the only source of the
 * plugin's config type (`z.infer`); phase handlers join this shape when the
 * runtime lands.
 */
import type * as z from 'zod'
import type { Protocol } from '../config/schema/typedefs.js'

export interface PluginScopes {
  /** false when Kong's schema forbids this scope (`no_consumer`, ...). */
  consumer: boolean
  route: boolean
  service: boolean
}

export interface PluginDefinition<S extends z.ZodType = z.ZodType> {
  /** kebab-case, as in Kong; also the folder name. */
  readonly name: string
  /** Kong's static PRIORITY: higher runs first within a phase. */
  readonly priority: number
  readonly version: string
  /** The `config` record; fills Kong's defaults. */
  readonly config: S
  /** Default for the plugin entity's `protocols`. */
  readonly protocols: readonly Protocol[]
  readonly scopes: PluginScopes
}

/** Kong's default plugin protocols. */
export const PROTOCOLS_ALL: readonly Protocol[] = ['grpc', 'grpcs', 'http', 'https']
/** Kong's `protocols_http`: the plugin only makes sense for HTTP traffic. */
export const PROTOCOLS_HTTP: readonly Protocol[] = ['grpc', 'grpcs', 'http', 'https']

export const ANY_SCOPE: PluginScopes = { consumer: true, route: true, service: true }
export const NO_CONSUMER: PluginScopes = { consumer: false, route: true, service: true }

/** Declares a plugin; the identity function that keeps the config type. */
export function definePlugin<S extends z.ZodType>(def: PluginDefinition<S>): PluginDefinition<S> {
  return def
}

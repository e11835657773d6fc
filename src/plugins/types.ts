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

export const ANY_SCOPE: PluginScopes = { consumer: true, route: true, service: true }
export const NO_CONSUMER: PluginScopes = { consumer: false, route: true, service: true }

/** Declares a plugin; the identity function that keeps the config type. */
export function definePlugin<S extends z.ZodType>(def: PluginDefinition<S>): PluginDefinition<S> {
  return def
}

/** A response a plugin answers with instead of proxying (Kong's kong.response.exit/error). */
export interface Exit {
  status: number
  /** Error-template message (negotiated on Accept, with request_id). */
  error?: string
  /** Compact JSON `{"message": ...}`. */
  message?: string
  /** A raw body, sent as is. */
  body?: string
  headers?: Record<string, string>
}

/** What an access handler sees of the request (the plugin kit grows with the plugin issue). */
export interface AccessRequest {
  readonly method: string
  /** The raw path as the client sent it, without the query. */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly scheme: 'http' | 'https'
  readonly host: string
  readonly port: number
  readonly clientIp: string
  readonly uriCaptures: { unnamed: string[]; named: Record<string, string> } | undefined
}

export interface AccessContext {
  readonly request: AccessRequest
  readonly route: { readonly id: string; readonly name?: string | undefined }
  readonly service: { readonly id: string; readonly name?: string | undefined } | undefined
}

export interface PluginHandler<C = Record<string, unknown>> {
  readonly name: string
  access?(ctx: AccessContext, conf: C): Exit | undefined
}

/**
 * The explicit list of plugins this gateway implements. No scanning of the
 * file system: adding a plugin is one folder and one line here. The list is
 * checked when this module loads, so a broken definition fails at start, not
 * on a request.
 */
import type { PluginDefinition, PluginHandler } from './types.js'
import requestTermination from './request-termination/schema.js'
import { handler as requestTerminationHandler } from './request-termination/handler.js'
import requestTransformer from './request-transformer/schema.js'
import { handler as requestTransformerHandler } from './request-transformer/handler.js'
import preFunction from './pre-function/schema.js'
import { handler as preFunctionHandler } from './pre-function/handler.js'
import postFunction from './post-function/schema.js'
import { handler as postFunctionHandler } from './post-function/handler.js'
import responseTransformer from './response-transformer/schema.js'
import { handler as responseTransformerHandler } from './response-transformer/handler.js'
import keyAuth from './key-auth/schema.js'
import { handler as keyAuthHandler } from './key-auth/handler.js'
import basicAuth from './basic-auth/schema.js'
import { handler as basicAuthHandler } from './basic-auth/handler.js'
import hmacAuth from './hmac-auth/schema.js'
import { handler as hmacAuthHandler } from './hmac-auth/handler.js'
import jwt from './jwt/schema.js'
import { handler as jwtHandler } from './jwt/handler.js'
import acl from './acl/schema.js'
import { handler as aclHandler } from './acl/handler.js'
import ipRestriction from './ip-restriction/schema.js'
import { handler as ipRestrictionHandler } from './ip-restriction/handler.js'
import botDetection from './bot-detection/schema.js'
import { handler as botDetectionHandler } from './bot-detection/handler.js'
import rateLimiting from './rate-limiting/schema.js'
import { handler as rateLimitingHandler } from './rate-limiting/handler.js'
import responseRatelimiting from './response-ratelimiting/schema.js'
import { handler as responseRatelimitingHandler } from './response-ratelimiting/handler.js'
import cors from './cors/schema.js'
import { handler as corsHandler } from './cors/handler.js'
import correlationId from './correlation-id/schema.js'
import { handler as correlationIdHandler } from './correlation-id/handler.js'
import redirect from './redirect/schema.js'
import { handler as redirectHandler } from './redirect/handler.js'
import proxyCache from './proxy-cache/schema.js'
import { handler as proxyCacheHandler } from './proxy-cache/handler.js'
import fileLog from './file-log/schema.js'
import { handler as fileLogHandler } from './file-log/handler.js'
import httpLog from './http-log/schema.js'
import { handler as httpLogHandler } from './http-log/handler.js'
import prometheus from './prometheus/schema.js'
import { handler as prometheusHandler } from './prometheus/handler.js'
import requestSizeLimiting from './request-size-limiting/schema.js'
import { handler as requestSizeLimitingHandler } from './request-size-limiting/handler.js'
import requestCallout from './request-callout/schema.js'
import { handler as requestCalloutHandler } from './request-callout/handler.js'

// One line per plugin in each list (keep them in the same order).
export const BUNDLED: readonly PluginDefinition[] = [
  requestTermination,
  requestTransformer,
  preFunction,
  postFunction,
  responseTransformer,
  keyAuth,
  basicAuth,
  hmacAuth,
  jwt,
  acl,
  ipRestriction,
  botDetection,
  rateLimiting,
  responseRatelimiting,
  cors,
  correlationId,
  redirect,
  proxyCache,
  fileLog,
  httpLog,
  prometheus,
  requestSizeLimiting,
  requestCallout,
]

const handlers: PluginHandler<never>[] = [
  requestTerminationHandler,
  requestTransformerHandler,
  preFunctionHandler,
  postFunctionHandler,
  responseTransformerHandler,
  keyAuthHandler,
  basicAuthHandler,
  hmacAuthHandler,
  jwtHandler,
  aclHandler,
  ipRestrictionHandler,
  botDetectionHandler,
  rateLimitingHandler,
  responseRatelimitingHandler,
  corsHandler,
  correlationIdHandler,
  redirectHandler,
  proxyCacheHandler,
  fileLogHandler,
  httpLogHandler,
  prometheusHandler,
  requestSizeLimitingHandler,
  requestCalloutHandler,
]

/** Phase handlers by plugin name. Every bundled definition must have one (checked below). */
export const HANDLERS: ReadonlyMap<string, PluginHandler> = new Map(handlers.map((h) => [h.name, h as unknown as PluginHandler]))

for (const def of BUNDLED) {
  if (!HANDLERS.has(def.name)) throw new TypeError(`plugin '${def.name}' has a schema but no handler`)
}

export type PluginRegistry = ReadonlyMap<string, PluginDefinition>

/** Builds a registry, rejecting a definition that breaks the contract. */
export function createRegistry(defs: readonly PluginDefinition[]): PluginRegistry {
  const byName = new Map<string, PluginDefinition>()
  const byPriority = new Map<number, string>()
  for (const def of defs) {
    if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new TypeError(`plugin name '${def.name}' must be kebab-case`)
    if (!Number.isInteger(def.priority)) throw new TypeError(`plugin '${def.name}' needs an integer priority`)
    if (typeof def.version !== 'string' || def.version === '') throw new TypeError(`plugin '${def.name}' needs a version`)
    if (typeof def.config?.safeParse !== 'function') throw new TypeError(`plugin '${def.name}' needs a zod config schema`)
    if (byName.has(def.name)) throw new TypeError(`plugin '${def.name}' is registered twice`)
    const clash = byPriority.get(def.priority)
    if (clash) throw new TypeError(`plugins '${clash}' and '${def.name}' share priority ${def.priority}`)
    byName.set(def.name, def)
    byPriority.set(def.priority, def.name)
  }
  return byName
}

export const registry: PluginRegistry = createRegistry(BUNDLED)

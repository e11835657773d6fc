/** request-callout's cache key, as Kong builds it (caches themselves: cache.ts). */
import { createHash } from 'node:crypto'
import type { Kit, PluginEnv } from '../types.js'
import type { Params } from './request.js'
import { sorted } from './values.js'

/** Kong's key: route, plugin, consumer; callout name, method, URL, sorted query, sorted headers, body. */
export function cacheKey(kit: Kit, env: PluginEnv, name: string, p: Params): string {
  const parts = [
    kit.route?.id ?? '',
    env.plugin.id ?? '',
    kit.consumer?.id ?? '',
    name,
    p.method,
    p.url,
    sorted(p.query),
    sorted(Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k.toLowerCase(), v]))),
    sorted(p.body ?? null),
  ]
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
}

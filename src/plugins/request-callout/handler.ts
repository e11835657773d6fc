/**
 * request-callout: runs the callouts (dependencies first, independent ones
 * concurrently), stores each result in kong.ctx.shared.callouts.<name>, then
 * customises the upstream request. Templates, Lua and HTTP agents are built
 * once in `create` (compile.ts); per request, one callout is: its request
 * (request.ts), request.by_lua, the cache (cache.ts, cache-key.ts), the
 * exchange with retries (exchange.ts), response.by_lua.
 */
import { REQUEST_CALLOUT, UNEXPECTED } from '../../errors.js'
import { luaErrorFields } from '../../lua/engine.js'
import { definePhases, type Exit, type Kit, type PluginEnv } from '../types.js'
import { createCache, type CalloutCache } from './cache.js'
import { cacheKey } from './cache-key.js'
import { compileCallout, compileUpstream, levels, runLua, type Compiled } from './compile.js'
import { exchange, storeShape } from './exchange.js'
import { buildRequest, contextOf } from './request.js'
import type { RequestCalloutConfig } from './schema.js'
import { customiseUpstream } from './upstream.js'

export default definePhases<RequestCalloutConfig>((conf, env) => {
  const cache = createCache(conf.cache, env.node)
  const names = new Set<string>()
  const order = levels(
    conf.callouts.map((c) => {
      const compiled = compileCallout(c, names)
      names.add(c.name)
      return compiled
    }),
  )
  const up = compileUpstream(conf.upstream)

  const runCallout = (kit: Kit, c: Compiled) => callout(kit, c, cache, conf.cache.strategy, env)

  return {
    async access(kit) {
      kit.shared.callouts ??= {}
      try {
        for (const level of order) {
          const exits = await Promise.all(level.map((c) => runCallout(kit, c)))
          const exit = exits.find((e) => e !== undefined)
          if (exit) return exit
        }
        return await customiseUpstream(kit, conf, up)
      } catch (err) {
        // A Lua runtime error (or a failed upstream customisation) ends as Kong's 500.
        env.log.error('request-callout failed', { error: err instanceof Error ? err.message : String(err), ...luaErrorFields(err, kit) })
        return UNEXPECTED
      }
    },
  }
})

/** One callout; an Exit when it failed under `fail` (or `retry` exhausted) or its Lua answered. */
async function callout(kit: Kit, c: Compiled, cache: CalloutCache | undefined, strategy: string, env: PluginEnv): Promise<Exit | undefined> {
  let url: URL
  try {
    url = new URL(c.url.dynamic ? await c.url.render(kit) : c.conf.request.url)
  } catch {
    // Kong: a dynamic URL that renders to an invalid URL is a 500 and an error log.
    env.log.error('callout url is not a valid URL', { callout: c.conf.name })
    return UNEXPECTED
  }
  await buildRequest(kit, c, url, strategy)

  if (c.requestLua) {
    const run = runLua(c.requestLua, kit)
    const exit = run instanceof Promise ? await run : run
    if (exit) return exit
  }
  // request.by_lua may have replaced the request or the caching settings: read them back.
  const current = contextOf(kit, c.conf.name)
  const params = current.request.params
  const caching = current.caching
  const useCache = cache !== undefined && !caching.bypass
  const key = useCache ? (caching.cache_key ?? cacheKey(kit, env, c.conf.name, params)) : ''
  if (useCache) {
    const hit = await cache.get(key).catch((err: unknown) => {
      env.log.warn('request-callout cache lookup failed', { error: err instanceof Error ? err.message : String(err) })
      return undefined
    })
    if (hit) {
      current.response = hit
      return undefined
    }
  }

  const { response, failed } = await exchange(c, current, params, env, kit)
  if (failed && c.conf.request.error.on_error !== 'continue') {
    if (response) current.response = storeShape(c, response)
    return REQUEST_CALLOUT.failed(c.conf.request.error.error_response_code, await c.errorMsg.render(kit))
  }
  current.response = response ? storeShape(c, response) : undefined

  if (c.responseLua) {
    const run = runLua(c.responseLua, kit)
    const exit = run instanceof Promise ? await run : run
    if (exit) return exit
  }
  const stored = contextOf(kit, c.conf.name).response
  if (useCache && stored && !failed) {
    await cache.set(key, stored).catch((err: unknown) => {
      env.log.warn('request-callout cache store failed', { error: err instanceof Error ? err.message : String(err) })
    })
  }
  return undefined
}

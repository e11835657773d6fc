/**
 * A callout's request, built per client request: the URL's and the client's
 * query, the client's headers, the body, each with the callout's `custom`
 * changes, kept in kong.ctx.shared.callouts.<name> (where request.by_lua may
 * still change it before it is sent).
 */
import type { Kit } from '../types.js'
import type { CachedResponse } from './cache.js'
import type { Compiled } from './compile.js'
import { applyCustom } from './custom.js'
import { isObject, parseJson, text } from './values.js'

// Incoming headers never forwarded to a callout (connection-level or recomputed).
const NOT_FORWARDED = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection'])

export interface Params {
  url: string
  method: string
  query: Record<string, string | string[]>
  headers: Record<string, string | string[]>
  body: unknown
  ssl_verify: boolean
  ssl_server_name?: string | undefined
  timeouts?: { connect?: number | undefined; read?: number | undefined; write?: number | undefined } | undefined
  proxy?: unknown
}

/** kong.ctx.shared.callouts.<name>: Kong's shape, read and written by Lua and templates. */
export interface CalloutContext {
  request: { params: Params; retries: { reason: 'error' | 'code'; err?: string; http_code?: number }[]; n_retries: number }
  response?: CachedResponse | undefined
  caching: { bypass: boolean; cache_key?: string | undefined; strategy: string }
}

/** The callout's context as it is now (Lua may have replaced parts of it). */
export function contextOf(kit: Kit, name: string): CalloutContext {
  return (kit.shared.callouts as Record<string, CalloutContext>)[name]!
}

function push(m: Record<string, string | string[]>, k: string, v: string, replace = false): void {
  const cur = m[k]
  m[k] = cur === undefined || replace ? v : Array.isArray(cur) ? [...cur, v] : [cur, v]
}

/** Builds callout `c`'s request to `url` and stores its context in kong.ctx.shared.callouts. */
export async function buildRequest(kit: Kit, c: Compiled, url: URL, strategy: string): Promise<void> {
  const r = c.conf.request
  const query: Record<string, string | string[]> = {}
  for (const [k, v] of url.searchParams) push(query, k, v)
  if (r.query.forward) for (const [k, v] of kit.request.query) push(query, k, v, true)
  // Each await costs microtasks even with nothing to wait for: an empty `custom` is skipped.
  if (c.query.length > 0)
    await applyCustom(
      kit,
      c.query,
      (k, v) => (query[k] = text(v)),
      (k) => delete query[k],
    )

  const headers: Record<string, string | string[]> = {}
  if (r.headers.forward) for (const [k, v] of Object.entries(kit.request.headers)) if (v !== undefined && !NOT_FORWARDED.has(k)) headers[k] = v
  if (c.headers.length > 0)
    await applyCustom(
      kit,
      c.headers,
      (k, v) => (headers[k] = text(v)),
      (k) => {
        for (const h of Object.keys(headers)) if (h.toLowerCase() === k.toLowerCase()) delete headers[h]
      },
    )

  let body: unknown
  if (r.body.forward || r.body.decode || c.body.length > 0) {
    const raw = r.body.forward ? await kit.request.body() : Buffer.alloc(0)
    if (c.body.length > 0 || r.body.decode) {
      const decoded = raw.length === 0 ? {} : parseJson(raw)
      if (isObject(decoded)) {
        await applyCustom(
          kit,
          c.body,
          (k, v) => (decoded[k] = v),
          (k) => delete decoded[k],
        )
        body = decoded
      } else body = raw.length > 0 ? raw.toString() : undefined
    } else if (raw.length > 0) body = raw.toString()
  }

  const ctx: CalloutContext = {
    request: {
      params: {
        url: `${url.origin}${url.pathname}`,
        method: r.method.toUpperCase(),
        query,
        headers,
        body,
        ssl_verify: r.http_opts.ssl_verify,
        ssl_server_name: r.http_opts.ssl_server_name,
        timeouts: r.http_opts.timeouts,
        proxy: r.http_opts.proxy,
      },
      retries: [],
      n_retries: 0,
    },
    caching: { bypass: c.conf.cache.bypass, strategy },
  }
  ;(kit.shared.callouts as Record<string, CalloutContext>)[c.conf.name] = ctx
}

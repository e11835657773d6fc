/**
 * proxy-cache: access looks the request up; a hit is answered from memory, a
 * miss goes upstream marked so header_filter can judge the response cacheable
 * (status, content type, Cache-Control) and body_filter stores it. Diagnostic
 * headers: X-Cache-Status (Miss, Hit, Refresh, Bypass), X-Cache-Key, Age.
 *
 * Having a body_filter makes the runtime buffer every response of the routes
 * this plugin runs on; Kong buffers cacheable ones too (it needs the whole body
 * to store it).
 */
import { PROXY_CACHE } from '../../errors.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { decodeArgs, type ArgValue } from '../../http/args.js'
import { cacheKey, keyFrom, paramsKey, prefixOf, requestUri } from './cache-key.js'
import { contentTypeMatcher, num, parseDirectives, resourceTtl, type Directives } from './http.js'
import { MEMORY_STORES, type CachedResponse } from './store.js'
import type { ProxyCacheConfig } from './schema.js'

// Not replayed from a stored response (Kong's hop-by-hop list, content-length included),
// plus what the gateway sets per request and the diagnostic headers set afresh.
const NOT_STORED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'age',
  'x-cache-status',
  'x-cache-key',
  'x-kong-request-id',
  'x-kong-upstream-latency',
  'x-kong-proxy-latency',
  'x-kong-response-latency',
])

type Diagnostic = 'age' | 'X-Cache-Status' | 'X-Cache-Key'

/** A request whose response may be stored (Kong's ctx.proxy_cache). */
interface Pending {
  key: string
  headers?: Record<string, string | string[]>
  ttl?: number
}

const nowSec = () => Math.floor(Date.now() / 1000)

function storedHeaders(headers: Readonly<Record<string, string | string[] | number>>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    if (NOT_STORED.has(name) || name.includes('ratelimit-remaining')) continue
    const v = headers[name]!
    out[name] = typeof v === 'number' ? String(v) : v
  }
  return out
}

// A body that is a slice of a shared pool would keep the whole slab alive: store an exact copy.
function ownBuffer(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b
  const copy = Buffer.allocUnsafeSlow(b.length)
  b.copy(copy)
  return copy
}

export default definePhases<ProxyCacheConfig>((conf, env) => {
  const store = env.node.slot(MEMORY_STORES).get(conf.memory.dictionary_name)
  const methods = new Set<string>(conf.request_method)
  const statuses = new Set<number>(conf.response_code)
  const contentTypeOk = contentTypeMatcher(conf.content_type)
  const varyQuery = conf.vary_query_params && conf.vary_query_params.length > 0 ? conf.vary_query_params : undefined
  // ngx.req.get_headers looks names up lower-cased with `_` read as `-`.
  const varyHeaders = conf.vary_headers && conf.vary_headers.length > 0 ? conf.vary_headers : undefined
  const headerLookup = new Map(varyHeaders?.map((name) => [name, name.toLowerCase().replaceAll('_', '-')]))
  const shown = { ...conf.response_headers, age: conf.response_headers.Age ?? conf.response_headers.age }
  const pending = new WeakMap<Kit, Pending>()
  const hits = new WeakSet<Kit>()

  const show = (kit: Kit, name: Diagnostic) => shown[name] || kit.request.headers['kong-debug'] !== undefined
  const setHeader = (kit: Kit, name: Diagnostic, value: string) => {
    if (show(kit, name)) kit.response.setHeader(name, value)
  }

  const keyOf = (kit: Kit): string => {
    const r = kit.request
    let uri = requestUri(r.method, r.rawTarget, r.httpVersion)
    if (conf.ignore_uri_case) uri = uri.toLowerCase()
    const params = paramsKey(decodeArgs(r.rawQuery), varyQuery)
    let headers = ''
    if (varyHeaders) {
      headers = keyFrom(varyHeaders, (name): ArgValue | undefined => {
        const values = r.headerValues(headerLookup.get(name)!)
        return values.length === 0 ? undefined : values.length === 1 ? values[0]! : [...values]
      })
    }
    return cacheKey(prefixOf(kit.consumer?.id, kit.route?.id), r.method, uri, params, headers)
  }

  const requestCacheable = (kit: Kit, cc: Directives): boolean => {
    if (!methods.has(kit.request.method)) return false
    // Kong's intent (its check reads an nginx variable that is never set): with
    // cache_control, an Authorization header keeps the request out of the cache.
    return !(conf.cache_control && (cc['no-store'] !== undefined || cc['no-cache'] !== undefined || kit.request.headers.authorization !== undefined))
  }

  const responseCacheable = (kit: Kit, cc: Directives): boolean => {
    const res = kit.response
    if (!statuses.has(res.status)) return false
    const ct = res.header('content-type')
    if (ct === undefined || ct === '' || !contentTypeOk(ct)) return false
    if (!conf.cache_control) return true
    if (cc['private'] !== undefined || cc['no-store'] !== undefined || cc['no-cache'] !== undefined) return false
    return resourceTtl(cc, res.headers['expires'], nowSec()) > 0
  }

  const signal = (kit: Kit, key: string, status: 'Miss' | 'Refresh'): undefined => {
    pending.set(kit, { key })
    setHeader(kit, 'X-Cache-Status', status)
    return undefined
  }

  // Would the client take this entry (Cache-Control), or is it past cache_ttl?
  const stale = (entry: CachedResponse, cc: Directives): boolean => {
    const age = nowSec() - entry.timestamp
    if (!conf.cache_control) return age > conf.cache_ttl
    const maxAge = num(cc, 'max-age')
    if (maxAge !== undefined && age > maxAge) return true
    const maxStale = num(cc, 'max-stale')
    if (maxStale !== undefined && age - entry.ttl > maxStale) return true
    const minFresh = num(cc, 'min-fresh')
    return minFresh !== undefined && entry.ttl - age < minFresh
  }

  return {
    access(kit): Exit | undefined {
      const cc = parseDirectives(kit.request.headers['cache-control'])
      if (!requestCacheable(kit, cc)) {
        setHeader(kit, 'X-Cache-Status', 'Bypass')
        return undefined
      }
      const key = keyOf(kit)
      setHeader(kit, 'X-Cache-Key', key)
      const entry = store.get(key)
      if (!entry) {
        // The client wants cached data only (RFC 7234 5.2.1.7).
        if (conf.cache_control && cc['only-if-cached'] !== undefined) return PROXY_CACHE.ONLY_IF_CACHED
        return signal(kit, key, 'Miss')
      }
      if (stale(entry, cc)) return signal(kit, key, 'Refresh')

      hits.add(kit)
      kit.shared.proxy_cache_hit = { res: entry }
      const headers: Record<string, string | string[]> = { ...entry.headers }
      if (show(kit, 'age')) headers['age'] = String(nowSec() - entry.timestamp)
      if (show(kit, 'X-Cache-Status')) headers['x-cache-status'] = 'Hit'
      if (show(kit, 'X-Cache-Key')) headers['x-cache-key'] = key
      return { status: entry.status, body: entry.body, headers }
    },

    headerFilter(kit) {
      if (hits.has(kit)) {
        // Kong marks a hit as proxied: it gets the proxy latency headers, not the response latency.
        const res = kit.response
        const latency = res.header('x-kong-response-latency')
        if (latency !== undefined) {
          res.clearHeader('x-kong-response-latency')
          res.setHeader('x-kong-upstream-latency', '0')
          res.setHeader('x-kong-proxy-latency', latency)
        }
        kit.response.skipBody()
        return
      }
      const p = pending.get(kit)
      if (!p) {
        // Bypass: nothing to store, the response streams.
        kit.response.skipBody()
        return
      }
      const cc = parseDirectives(kit.response.headers['cache-control'])
      if (responseCacheable(kit, cc)) {
        p.headers = storedHeaders(kit.response.headers)
        p.ttl = conf.cache_control ? resourceTtl(cc, kit.response.headers['expires'], nowSec()) : conf.cache_ttl
      } else {
        setHeader(kit, 'X-Cache-Status', 'Bypass')
        pending.delete(kit)
        kit.response.skipBody()
      }
    },

    bodyFilter(kit, body) {
      const p = pending.get(kit)
      if (!p?.headers) return body
      pending.delete(kit)
      const resTtl = p.ttl!
      const ttl = conf.storage_ttl ?? resTtl
      // Kong's shared dict: 0 keeps the entry until evicted; a negative TTL is refused.
      if (ttl < 0) {
        env.log.error('cannot store a response with a negative storage TTL', { ttl })
        return body
      }
      store.set(p.key, { status: kit.response.status, headers: p.headers, body: ownBuffer(body), timestamp: nowSec(), ttl: resTtl }, { ttl: ttl * 1000 })
      return body
    },
  }
})

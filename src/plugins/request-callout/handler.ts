/**
 * request-callout: runs the callouts (dependencies first, independent ones
 * concurrently), stores each result in kong.ctx.shared.callouts.<name>, then
 * customises the upstream request. Templates, Lua and HTTP agents are built
 * once in `create`.
 */
import { createHash } from 'node:crypto'
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici'
import { REQUEST_CALLOUT, UNEXPECTED } from '../../errors.js'
import { definePhases, type Exit, type Kit, type PluginEnv } from '../types.js'
import type { LuaChunk } from '../../lua/types.js'
import { createCache, type CachedResponse, type CalloutCache } from './cache.js'
import { lua } from '../../lua/engine.js'
import type { CalloutConfig, RequestCalloutConfig } from './schema.js'
import { compileCalloutTemplate, type CalloutTemplate } from './template.js'

// A Lua runtime error (or a failed upstream customisation) ends as Kong's 500.
// Incoming headers never forwarded to a callout (connection-level or recomputed).
const NOT_FORWARDED = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection'])

/** A `custom` map compiled: undefined removes the field. */
type Custom = [name: string, value: ((kit: Kit) => Promise<unknown>) | undefined][]

function compileCustom(m: Record<string, unknown> | undefined, reads?: Set<string>): Custom {
  return Object.entries(m ?? {}).map(([k, v]) => {
    if (v === null) return [k, undefined]
    if (typeof v !== 'string') return [k, async () => v]
    const t = template(v, reads)
    return [k, t.dynamic ? (kit) => t.render(kit) : async () => v]
  })
}

function template(source: string, reads?: Set<string>): CalloutTemplate {
  const t = compileCalloutTemplate(source, (expr) => lua.compileExpression(expr))
  // The schema already refused these; this guards configs built without it.
  if ('error' in t) throw new TypeError(`request-callout: ${t.error}`)
  for (const n of t.callouts) reads?.add(n)
  return t
}

// `callouts.<name>` / `callouts["name"]` in Lua code (a callout's request.by_lua reading another's results).
const LUA_READS_RE = /\bcallouts\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\])/g

function chunk(source: string | undefined, name: string): LuaChunk | undefined {
  if (source === undefined) return undefined
  return lua.compile(source, name)
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v))

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function parseJson(buf: Buffer | string): unknown {
  try {
    return JSON.parse(buf.toString())
  } catch {
    return undefined
  }
}

/** A JSON value with object keys sorted (stable cache keys). */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted)
  if (!isObject(v)) return v
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sorted(v[k])]),
  )
}

interface Params {
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

interface CalloutContext {
  request: { params: Params; retries: { reason: 'error' | 'code'; err?: string; http_code?: number }[]; n_retries: number }
  response?: CachedResponse | undefined
  caching: { bypass: boolean; cache_key?: string | undefined; strategy: string }
}

interface Compiled {
  conf: CalloutConfig
  /** Callouts that must finish first: depends_on and earlier callouts this one reads. */
  deps: Set<string>
  headers: Custom
  query: Custom
  body: Custom
  errorMsg: CalloutTemplate
  /** The URL; `$(...)` in it is rendered per request (Kong 3.13's dynamic URLs). */
  url: CalloutTemplate
  requestLua: LuaChunk | undefined
  responseLua: LuaChunk | undefined
  statuses: Set<number>
  dispatcher: (url: URL) => Dispatcher
}

function dispatcherFor(c: CalloutConfig): (url: URL) => Dispatcher {
  const o = c.request.http_opts
  const connect = {
    rejectUnauthorized: o.ssl_verify,
    ...(o.ssl_server_name ? { servername: o.ssl_server_name } : {}),
    ...(o.timeouts?.connect !== undefined ? { timeout: o.timeouts.connect } : {}),
  }
  const direct = new Agent({ connect })
  const auth =
    o.proxy?.auth_username !== undefined ? `Basic ${Buffer.from(`${o.proxy.auth_username}:${o.proxy.auth_password ?? ''}`).toString('base64')}` : undefined
  const proxyAgent = (uri: string | undefined) => (uri ? new ProxyAgent({ uri, requestTls: connect, ...(auth ? { token: auth } : {}) }) : undefined)
  const httpProxy = proxyAgent(o.proxy?.http_proxy)
  const httpsProxy = proxyAgent(o.proxy?.https_proxy)
  return (url) => (url.protocol === 'https:' ? httpsProxy : httpProxy) ?? direct
}

/**
 * Dependency levels: each holds the callouts whose dependencies are all in
 * earlier levels. Besides `depends_on`, a callout waits for the earlier
 * callouts (in config order) its templates or request.by_lua read: Kong runs
 * callouts one after the other, so such a read works there without
 * `depends_on`, and running independent callouts concurrently must keep it.
 */
function levels(callouts: readonly Compiled[]): Compiled[][] {
  const done = new Set<string>()
  const left = [...callouts]
  const out: Compiled[][] = []
  while (left.length > 0) {
    let ready = left.filter((c) => [...c.deps].every((d) => done.has(d)))
    // An implicit read against an explicit depends_on: depends_on wins.
    if (ready.length === 0) ready = left.filter((c) => c.conf.depends_on.every((d) => done.has(d)))
    // A cycle or an unknown dependency was refused by the schema.
    if (ready.length === 0) throw new TypeError('request-callout: callout dependencies cannot be ordered')
    for (const c of ready) left.splice(left.indexOf(c), 1)
    ready.forEach((c) => done.add(c.conf.name))
    out.push(ready)
  }
  return out
}

function compileCallout(c: CalloutConfig, earlier: ReadonlySet<string>): Compiled {
  const reads = new Set<string>()
  const compiled: Compiled = {
    conf: c,
    deps: new Set(c.depends_on),
    headers: compileCustom(c.request.headers.custom, reads),
    query: compileCustom(c.request.query.custom, reads),
    body: compileCustom(c.request.body.custom, reads),
    errorMsg: template(c.request.error.error_response_msg),
    url: template(c.request.url, reads),
    requestLua: chunk(c.request.by_lua, `${c.name}.request.by_lua`),
    responseLua: chunk(c.response.by_lua, `${c.name}.response.by_lua`),
    statuses: new Set(c.request.error.http_statuses ?? []),
    dispatcher: dispatcherFor(c),
  }
  for (const m of (c.request.by_lua ?? '').matchAll(LUA_READS_RE)) reads.add(m[1] ?? m[2] ?? m[3]!)
  for (const n of reads) if (earlier.has(n)) compiled.deps.add(n)
  return compiled
}

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
  const up = {
    headers: compileCustom(conf.upstream.headers.custom),
    query: compileCustom(conf.upstream.query.custom),
    body: compileCustom(conf.upstream.body.custom),
    lua: chunk(conf.upstream.by_lua, 'upstream.by_lua'),
  }

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
        env.log.error('request-callout failed', { error: err instanceof Error ? err.message : String(err) })
        return UNEXPECTED
      }
    },
  }
})

async function applyCustom(kit: Kit, custom: Custom, set: (name: string, value: unknown) => void, remove: (name: string) => void): Promise<void> {
  const values = await Promise.all(custom.map(([, v]) => v?.(kit)))
  custom.forEach(([name, v], i) => (v === undefined ? remove(name) : set(name, values[i])))
}

function contextOf(kit: Kit, name: string): CalloutContext {
  return (kit.shared.callouts as Record<string, CalloutContext>)[name]!
}

/** One callout; an Exit when it failed under `fail` (or `retry` exhausted) or its Lua answered. */
async function callout(kit: Kit, c: Compiled, cache: CalloutCache | undefined, strategy: string, env: PluginEnv): Promise<Exit | undefined> {
  const r = c.conf.request
  let url: URL
  try {
    url = new URL(c.url.dynamic ? await c.url.render(kit) : r.url)
  } catch {
    // Kong: a dynamic URL that renders to an invalid URL is a 500 and an error log.
    env.log.error('callout url is not a valid URL', { callout: c.conf.name })
    return UNEXPECTED
  }
  const query: Record<string, string | string[]> = {}
  for (const [k, v] of url.searchParams) push(query, k, v)
  if (r.query.forward) for (const [k, v] of kit.request.query) push(query, k, v, true)
  await applyCustom(
    kit,
    c.query,
    (k, v) => (query[k] = text(v)),
    (k) => delete query[k],
  )

  const headers: Record<string, string | string[]> = {}
  if (r.headers.forward) for (const [k, v] of Object.entries(kit.request.headers)) if (v !== undefined && !NOT_FORWARDED.has(k)) headers[k] = v
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

  if (c.requestLua) {
    const exit = await c.requestLua.run(kit)
    if (exit) return exit
  }
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

  const e = r.error
  const maxRetries = e.on_error === 'retry' ? e.retries : 0
  let response: CachedResponse | undefined
  let failed: boolean
  for (let attempt = 0; ; attempt++) {
    try {
      response = await send(c, params)
      failed = c.statuses.has(response.status)
      if (!failed) break
      if (attempt >= maxRetries) break
      current.request.retries.push({ reason: 'code', http_code: response.status })
    } catch (err) {
      failed = true
      response = undefined
      const msg = err instanceof Error ? err.message : String(err)
      env.log.warn('request-callout request failed', { callout: c.conf.name, error: msg })
      if (attempt >= maxRetries) break
      current.request.retries.push({ reason: 'error', err: msg })
    }
    current.request.n_retries++
  }
  if (failed && e.on_error !== 'continue') {
    if (response) current.response = storeShape(c, response)
    return REQUEST_CALLOUT.failed(e.error_response_code, await c.errorMsg.render(kit))
  }
  current.response = response ? storeShape(c, response) : undefined

  if (c.responseLua) {
    const exit = await c.responseLua.run(kit)
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

function push(m: Record<string, string | string[]>, k: string, v: string, replace = false): void {
  const cur = m[k]
  m[k] = cur === undefined || replace ? v : Array.isArray(cur) ? [...cur, v] : [cur, v]
}

/** The response as the context keeps it (store / decode flags). */
function storeShape(c: Compiled, res: CachedResponse): CachedResponse {
  const rc = c.conf.response
  const out: CachedResponse = { status: res.status }
  if (rc.headers.store) out.headers = res.headers
  if (rc.body.store) {
    const raw = res.body as string
    out.body = rc.body.decode ? (parseJson(raw) ?? raw) : raw
  }
  return out
}

async function send(c: Compiled, p: Params): Promise<CachedResponse> {
  const url = new URL(p.url)
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(p.query)) for (const x of Array.isArray(v) ? v : [v]) search.append(k, x)
  url.search = search.toString()
  const headers: Record<string, string | string[]> = { ...p.headers }
  let body: string | undefined
  if (p.body !== undefined && p.body !== null) {
    if (typeof p.body === 'string') body = p.body
    else {
      body = JSON.stringify(p.body)
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
    }
  }
  const t = p.timeouts
  const res = await request(url, {
    method: p.method as Dispatcher.HttpMethod,
    headers,
    body,
    dispatcher: c.dispatcher(url),
    ...(t?.read !== undefined ? { headersTimeout: t.read, bodyTimeout: t.read } : {}),
  })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, body: text }
}

/** Kong's key: route, plugin, consumer; callout name, method, URL, sorted query, sorted headers, body. */
function cacheKey(kit: Kit, env: PluginEnv, name: string, p: Params): string {
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

interface UpstreamCompiled {
  headers: Custom
  query: Custom
  body: Custom
  lua: LuaChunk | undefined
}

async function customiseUpstream(kit: Kit, conf: RequestCalloutConfig, up: UpstreamCompiled): Promise<Exit | undefined> {
  const u = conf.upstream
  const target = kit.upstream
  if (!u.headers.forward) for (const name of Object.keys(kit.request.headers)) target.clearHeader(name)
  await applyCustom(
    kit,
    up.headers,
    (k, v) => target.setHeader(k, text(v)),
    (k) => target.clearHeader(k),
  )

  if (!u.query.forward) target.setRawQuery('')
  if (up.query.length > 0)
    await applyCustom(
      kit,
      up.query,
      (k, v) => target.query.set(k, text(v)),
      (k) => target.query.delete(k),
    )

  if (!u.body.forward && up.body.length === 0) target.setBody('')
  if (up.body.length > 0) {
    const raw = u.body.forward ? await kit.request.body() : Buffer.alloc(0)
    const decoded = raw.length === 0 ? {} : parseJson(raw)
    // Body customisations assume JSON: another body is left as it is.
    if (isObject(decoded)) {
      await applyCustom(
        kit,
        up.body,
        (k, v) => (decoded[k] = v),
        (k) => delete decoded[k],
      )
      target.setBody(JSON.stringify(decoded))
      if (raw.length === 0) target.setHeader('content-type', 'application/json')
    }
  }
  if (up.lua) return await up.lua.run(kit)
  return undefined
}

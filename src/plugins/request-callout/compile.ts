/**
 * request-callout's config compiled once per plugin instance: each callout's
 * templates, Lua chunks, failure statuses and HTTP agents; the dependency
 * levels the callouts run in; the upstream customisation.
 */
import { Agent, ProxyAgent, type Dispatcher } from 'undici'
import '../shared/lua-vault.js'
import { lua, type SyncLuaChunk } from '../../lua/engine.js'
import type { Exit, Kit } from '../types.js'
import { compileCustom, template, type Custom } from './custom.js'
import type { CalloutConfig, RequestCalloutConfig } from './schema.js'
import type { CalloutTemplate } from './template.js'

export interface Compiled {
  conf: CalloutConfig
  /** Callouts that must finish first: depends_on and earlier callouts this one reads. */
  deps: Set<string>
  headers: Custom
  query: Custom
  body: Custom
  errorMsg: CalloutTemplate
  /** The URL; `$(...)` in it is rendered per request (Kong 3.13's dynamic URLs). */
  url: CalloutTemplate
  requestLua: SyncLuaChunk | undefined
  responseLua: SyncLuaChunk | undefined
  statuses: Set<number>
  dispatcher: (url: URL) => Dispatcher
}

export interface UpstreamCompiled {
  headers: Custom
  query: Custom
  body: Custom
  lua: SyncLuaChunk | undefined
}

// `callouts.<name>` / `callouts["name"]` in Lua code (a callout's by_lua reading another's results).
const LUA_READS_RE = /\bcallouts\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\])/g

/**
 * The callouts Lua code reads, into `reads`. A mention that names none (an alias such as
 * `local cs = kong.ctx.shared.callouts`) may read any earlier callout: it waits for them all.
 */
function luaReads(source: string, earlier: ReadonlySet<string>, reads: Set<string>): void {
  let named = 0
  for (const m of source.matchAll(LUA_READS_RE)) {
    reads.add(m[1] ?? m[2] ?? m[3]!)
    named++
  }
  if ((source.match(/\bcallouts\b/g)?.length ?? 0) > named) for (const n of earlier) reads.add(n)
}

function chunk(source: string | undefined, name: string): SyncLuaChunk | undefined {
  if (source === undefined) return undefined
  return lua.compile(source, name)
}

/** Runs a by_lua chunk: at once when it cannot read the body (no promise to wait on), else after reading it. */
export function runLua(c: SyncLuaChunk, kit: Kit): Exit | undefined | Promise<Exit | undefined> {
  return c.readsBody ? c.run(kit) : c.runSync(kit)
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

/** One callout; `earlier`: the names of the callouts before it in config order. */
export function compileCallout(c: CalloutConfig, earlier: ReadonlySet<string>): Compiled {
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
  for (const source of [c.request.by_lua, c.response.by_lua]) if (source !== undefined) luaReads(source, earlier, reads)
  for (const n of reads) if (earlier.has(n)) compiled.deps.add(n)
  return compiled
}

/**
 * Dependency levels: each holds the callouts whose dependencies are all in
 * earlier levels. Besides `depends_on`, a callout waits for the earlier
 * callouts (in config order) its templates or request.by_lua read: Kong runs
 * callouts one after the other, so such a read works there without
 * `depends_on`, and running independent callouts concurrently must keep it.
 */
export function levels(callouts: readonly Compiled[]): Compiled[][] {
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

export function compileUpstream(u: RequestCalloutConfig['upstream']): UpstreamCompiled {
  return {
    headers: compileCustom(u.headers.custom),
    query: compileCustom(u.query.custom),
    body: compileCustom(u.body.custom),
    lua: chunk(u.by_lua, 'upstream.by_lua'),
  }
}

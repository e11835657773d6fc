// Router test helpers: a kong.yml string → loaded config (real ids) → compiled router.
import { loadConfig } from '../../src/config/load.js'
import { compileRouter, type RouteMatch, type RouteRequest, type Router } from '../../src/compile/router.js'
import type { Config } from '../../src/config/model.js'

/** YAML text with backslashes kept (regex paths): use as a tag, raw`...`. */
export const raw = String.raw

/** Loads a kong.yml body (the `_format_version` line is added) or throws with every issue. */
export function load(body: string): Config {
  const text = `_format_version: "3.0"\n${body}`
  const r = loadConfig(text, { file: 'kong.yml', env: {} })
  if (!r.ok) throw new Error(`config does not load:\n${text}\n${r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')}`)
  return r.config
}

export function routerFor(body: string): Router {
  return compileRouter(load(body))
}

/** One service `svc` (http://upstream.internal) holding the given routes, each a YAML flow mapping. */
export function oneService(...routes: string[]): string {
  return `services:\n- name: svc\n  url: http://upstream.internal\n  routes:\n${routes.map((r) => `  - ${r}\n`).join('')}`
}

export interface Req {
  method?: string
  host?: string
  path: string
  headers?: RouteRequest['headers']
  sni?: string
  port?: number
}

/** Defaults: GET, Host example.com, listener port 8000, no headers, plain http (no SNI). */
export function request(r: Req | string): RouteRequest {
  const given = typeof r === 'string' ? { path: r } : r
  return { method: 'GET', host: 'example.com', headers: {}, port: 8000, sni: undefined, ...given }
}

export function describeReq(r: Req | string): string {
  const q = request(r)
  const extra = [
    `Host: ${JSON.stringify(q.host)}`,
    Object.keys(q.headers).length ? `headers ${JSON.stringify(q.headers)}` : '',
    q.sni !== undefined ? `https sni=${q.sni}` : '',
    q.port !== 8000 ? `listener :${q.port}` : '',
  ].filter(Boolean)
  return `${q.method} ${JSON.stringify(q.path)} (${extra.join(', ')})`
}

export function matchOf(router: Router, r: Req | string): RouteMatch | undefined {
  return router.match(request(r))
}

/** The matched route's name, or null for Kong's 404. */
export function routeName(router: Router, r: Req | string): string | null {
  const m = matchOf(router, r)
  return m ? (m.route.name ?? m.route.id) : null
}

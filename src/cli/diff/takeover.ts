/**
 * Which routes' requests land elsewhere after the change: a new or edited
 * route that shadows another (a longer prefix, a regex_priority, a host or
 * header the other lacks), or a removed route whose traffic now falls to a
 * broader one or to a 404.
 *
 * Each route of the old file stands for its traffic with a few probe requests
 * built from its own rules (its prefix paths, first method, hosts with a
 * wildcard filled in, header values, SNI). A probe counts only if the old
 * router sends it to that route; it is then matched by the new file's router,
 * the same compiled router the proxy uses. Regex-only routes have no probe
 * (a sample string for a regex is guesswork), so a takeover of them goes
 * unreported.
 */
import type { Config, Route } from '../../config/model.js'
import { isRegexPath } from '../../config/paths.js'
import { compileRouter, type RouteRequest, type Router } from '../../compile/router.js'
import type { Pair } from './entities.js'

/** One route of the old file whose requests another route (or none) takes in the new one. */
export interface Takeover {
  /** The old side's route the probe stands for. */
  readonly from: Pair
  /** The new side's route that now takes it; undefined when no route does (404). */
  readonly to: Pair | undefined
  /** The probe that shows it, as a reason prints it: `GET api.example.com/v1`. */
  readonly request: string
}

/** Kong's default proxy port: what a probe's Host without a port is matched with. */
const PROXY_PORT = 8000
/** Probes per route: enough to cover its prefixes and hosts, bounded for routes with hundreds. */
const MAX_PROBES = 8

export function takeovers(routes: readonly Pair[], oldConfig: Config, newConfig: Config): Takeover[] {
  const oldRouter = compileRouter(oldConfig)
  const newRouter = compileRouter(newConfig)
  const oldPairs = new Map<string, Pair>()
  const newPairs = new Map<string, Pair>()
  for (const p of routes) {
    if (p.old) oldPairs.set(p.old.entity.id as string, p)
    if (p.new) newPairs.set(p.new.entity.id as string, p)
  }
  const out: Takeover[] = []
  for (const route of oldConfig.routes) {
    const pair = oldPairs.get(route.id)
    if (!pair) continue
    for (const probe of probes(route)) {
      if (matched(oldRouter, probe) !== route.id) continue // the probe does not stand for this route
      const now = matched(newRouter, probe)
      const to = now === undefined ? undefined : newPairs.get(now)
      if (to === pair) continue
      out.push({ from: pair, to, request: text(probe) })
      break // one probe per route says it: the reason is the route it lost to
    }
  }
  return out
}

const matched = (router: Router, req: RouteRequest): string | undefined => router.match(req)?.route.id

function text(p: RouteRequest): string {
  const headers = Object.entries(p.headers).map(([k, v]) => ` ${k}: ${String(v)}`)
  return `${p.method} ${p.host}${p.path}${headers.length > 0 ? ` (with${headers.join(',')})` : ''}`
}

/** Requests that `route` is written to take, built from its own rules; none when a rule has no plain sample. */
function probes(route: Route): RouteRequest[] {
  const headers: Record<string, string> = {}
  for (const [name, values] of Object.entries(route.headers ?? {})) {
    const plain = values.find((v) => !v.startsWith('~*'))
    if (plain === undefined) return []
    headers[name.toLowerCase()] = plain
  }
  const paths = route.paths?.length ? route.paths.filter((p) => !isRegexPath(p)) : ['/']
  if (paths.length === 0) return []
  const hosts = route.hosts?.length ? route.hosts.map((h) => h.replace(/^\*\./, 'probe.').replace(/\.\*$/, '.probe')) : ['']
  const sni = route.snis?.find((s) => !s.includes('*'))
  const method = route.methods?.[0] ?? 'GET'
  const out: RouteRequest[] = []
  for (const path of paths)
    for (const host of hosts) {
      if (out.length === MAX_PROBES) return out
      out.push({ method, host, path: path === '' ? '/' : path, headers, sni, port: PROXY_PORT })
    }
  return out
}

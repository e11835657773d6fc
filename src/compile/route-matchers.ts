/**
 * The compiled form of one route path group and the predicates that test it.
 *
 * A matcher holds what Kong's router checks (methods, hosts, headers, snis,
 * prefixes or regexes) and the group's 64-bit priority. The router (router.ts)
 * orders and indexes them for `match`; explain (router-explain.ts) re-runs the
 * same predicates one by one to say why a route lost. Both must agree, so both
 * use these functions and no copy of them.
 */
import { uuidv5 } from '../config/ids.js'
import type { Route, Service } from '../config/model.js'
import { compileRouteRegex, isRegexPath } from '../config/paths.js'
import type { RouteRequest } from './router.js'

const SPLIT_NS = '7f145bf9-0dce-4f91-98eb-debbce4b9f6b'

export type HostRule =
  { kind: 'exact'; host: string; port?: number } | { kind: 'suffix'; suffix: string; port?: number } | { kind: 'prefix'; prefix: string; port?: number }

export interface HeaderRule {
  /** lower-cased header name, with Kong's `_` for `-` (its router field http.headers.x_y) */
  name: string
  /** the same with `-`: looked up when no header is spelled `name` (undefined when the same) */
  dashed: string | undefined
  values: Set<string>
  regexes: RegExp[]
}

export interface Matcher {
  route: Route
  httpsOnly: boolean
  grpcOnly: boolean
  service: Service | undefined
  priority: bigint
  tieId: string
  methods: Set<string> | undefined
  hosts: HostRule[] | undefined
  headers: HeaderRule[] | undefined
  snis: HostRule[] | undefined
  prefixes: string[] | undefined
  regexes: RegExp[] | undefined
}

export function parseHost(h: string): HostRule {
  let host = h.toLowerCase()
  let port: number | undefined
  const m = /^(.*):(\d+)$/.exec(host)
  if (m && !host.endsWith(']')) {
    host = m[1]!
    port = Number(m[2])
  }
  const withPort = <T extends HostRule>(r: T): T => (port === undefined ? r : { ...r, port })
  if (host.startsWith('*.')) return withPort({ kind: 'suffix', suffix: host.slice(1) })
  if (host.endsWith('.*')) return withPort({ kind: 'prefix', prefix: host.slice(0, -1) })
  return withPort({ kind: 'exact', host })
}

export function hostMatches(rules: readonly HostRule[], host: string, port: number): boolean {
  for (const r of rules) {
    if (r.port !== undefined && r.port !== port) continue
    if (r.kind === 'exact' ? host === r.host : r.kind === 'suffix' ? host.endsWith(r.suffix) : host.startsWith(r.prefix)) return true
  }
  return false
}

// Bit layout of Kong's priority (kong/router/transform.lua).
function priorityOf(route: Route, group: { regex: boolean; prefixLength: number }): bigint {
  const present = (v: unknown) =>
    v !== undefined && (!Array.isArray(v) || v.length > 0) && (typeof v !== 'object' || Array.isArray(v) || Object.keys(v as object).length > 0)
  const hasPaths = group.regex || group.prefixLength > 0 || (route.paths?.length ?? 0) > 0
  const weight = [route.sources, route.destinations, route.methods, route.hosts, route.headers, route.snis].filter(present).length + (hasPaths ? 1 : 0)
  const plainHosts = present(route.hosts) && !route.hosts!.some((h) => h.includes('*'))
  const headerCount = Math.min(Object.keys(route.headers ?? {}).length, 255)
  let p = BigInt(weight) << 61n
  if (plainHosts) p |= 1n << 60n
  p |= BigInt(headerCount) << 52n
  if (group.regex) {
    p |= 1n << 51n
    // regex_priority occupies bits 19-50 (32 bits); negative values wrap as Kong's do.
    p |= (BigInt(route.regex_priority) & 0xffffffffn) << 19n
  } else {
    p |= BigInt(Math.min(group.prefixLength, 0x7ffff))
  }
  return p
}

/** One matcher per path group of `route`, appended to `out`. */
export function pushMatchers(route: Route, service: Service | undefined, out: Matcher[]): void {
  const p = route.protocols
  const base = {
    route,
    service,
    httpsOnly: p.includes('https') && !p.includes('http'),
    grpcOnly: !p.includes('http') && !p.includes('https'),
    methods: route.methods?.length ? new Set(route.methods) : undefined,
    hosts: route.hosts?.length ? route.hosts.map(parseHost) : undefined,
    snis: route.snis?.length ? route.snis.map((s) => parseHost(s.replace(/\.$/, ''))) : undefined,
    headers: route.headers && Object.keys(route.headers).length > 0 ? compileHeaders(route.headers) : undefined,
  }
  const paths = route.paths ?? []
  const regexPaths = paths.filter(isRegexPath)
  const byLength = new Map<number, string[]>()
  for (const p of paths.filter((p) => !isRegexPath(p))) byLength.set(p.length, [...(byLength.get(p.length) ?? []), p])
  const groups: { regex: boolean; prefixLength: number; prefixes?: string[]; regexes?: RegExp[] }[] = []
  if (regexPaths.length > 0) groups.push({ regex: true, prefixLength: 0, regexes: regexPaths.map(anchoredRegex) })
  for (const [length, prefixes] of byLength) groups.push({ regex: false, prefixLength: length, prefixes })
  if (groups.length === 0) groups.push({ regex: false, prefixLength: 0 })
  groups.forEach((g, i) => {
    // Written out rather than spread: a spread of `base` costs a quarter of the compile.
    out.push({
      route: base.route,
      service: base.service,
      httpsOnly: base.httpsOnly,
      grpcOnly: base.grpcOnly,
      methods: base.methods,
      hosts: base.hosts,
      snis: base.snis,
      headers: base.headers,
      priority: priorityOf(route, g),
      tieId: groups.length > 1 ? uuidv5(SPLIT_NS, `${route.id}#${i + 1}`) : route.id,
      prefixes: g.prefixes,
      regexes: g.regexes,
    })
  })
}

// Kong prepends '^' to the regex as written: like Kong, `~/a|/b` anchors only its first branch.
function anchoredRegex(path: string): RegExp {
  const compiled = compileRouteRegex(path.slice(1))
  if (typeof compiled === 'string') throw new Error(`route regex ${path} does not compile: ${compiled}`) // validated at load
  return new RegExp(`^${compiled.source}`, compiled.flags)
}

function headerRegex(value: string): RegExp {
  const compiled = compileRouteRegex(value.slice(2).toLowerCase())
  if (typeof compiled === 'string') throw new Error(`header regex ${value} does not compile: ${compiled}`) // validated at load
  return compiled
}

// Kong's router reads a route header `x-y` as the field http.headers.x_y from ngx.req.get_headers(),
// whose lookups try `x_y` as sent, then `x-y`: a client's `X_Y` header (kept under Kong's
// underscores_in_headers) matches too, and wins over an `X-Y` header.
function compileHeaders(headers: Record<string, string[]>): HeaderRule[] {
  return Object.entries(headers).map(([header, values]) => ({
    ...headerNames(header),
    values: new Set(values.filter((v) => !v.startsWith('~*')).map((v) => v.toLowerCase())),
    // Kong lower-cases both the header value and the regex text, then matches unanchored (kong/router/transform.lua).
    regexes: values.filter((v) => v.startsWith('~*')).map(headerRegex),
  }))
}

function headerNames(header: string): { name: string; dashed: string | undefined } {
  const name = header.toLowerCase().replaceAll('-', '_')
  const dashed = name.replaceAll('_', '-')
  return { name, dashed: dashed === name ? undefined : dashed }
}

export function headerMatches(rules: readonly HeaderRule[], headers: RouteRequest['headers']): boolean {
  for (const rule of rules) {
    const raw = headers[rule.name] ?? (rule.dashed === undefined ? undefined : headers[rule.dashed])
    if (raw === undefined) return false
    const values = Array.isArray(raw) ? raw : [raw]
    let ok = false
    for (const v of values) {
      const lower = v.toLowerCase()
      if (rule.values.has(lower) || rule.regexes.some((r) => r.test(lower))) {
        ok = true
        break
      }
    }
    if (!ok) return false
  }
  return true
}

/** Host header → lower-cased name and its port, if any. */
export function splitHost(raw: string): { name: string; port: number | undefined } {
  const host = raw.toLowerCase()
  const colon = host.lastIndexOf(':')
  if (colon > -1 && !host.endsWith(']')) {
    const p = Number(host.slice(colon + 1))
    return { name: host.slice(0, colon), port: Number.isInteger(p) ? p : undefined }
  }
  return { name: host, port: undefined }
}

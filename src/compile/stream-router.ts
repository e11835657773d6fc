/**
 * Kong's stream router (traditional_compatible flavour), compiled once per
 * config: the routes whose protocols include tcp, tls, tls_passthrough or udp,
 * each matched on `snis`, `sources` and `destinations` as Kong's
 * kong/router/transform.lua turns them into an expression:
 *
 * - snis: only when the connection's scheme is `tls` (a server name was
 *   seen); any other scheme passes the clause, as Kong's
 *   `net.protocol != "tls" || tls.sni == ...` does;
 * - sources / destinations: any entry matches; an entry with ip and port needs both;
 * - `protocols` take no part in the match (Kong's expression has no such clause).
 *
 * Priority (transform.lua stream_get_priority): bit 61 when the route has
 * snis, or both sources and destinations; then the sources' kinds (exact ip 8,
 * port 4, cidr 1) shifted by 4, then the destinations' kinds. Ties: higher id
 * first, the ATC engine's order. A route whose service is disabled, or speaks
 * an HTTP protocol, is left out or served without a service, as Kong does.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net'
import type { Config, Route, Service } from '../config/model.js'

/** What a connection shows the router. */
export interface StreamRequest {
  /** `udp` on a UDP listener; `tls` when a server name was seen (handshake or ClientHello); else `tcp`. */
  scheme: 'tcp' | 'tls' | 'udp'
  srcIp: string
  srcPort: number
  /** The listener's local address and port. */
  dstIp: string
  dstPort: number
  sni?: string | undefined
}

export interface StreamMatch {
  route: Route
  /** Undefined for a route without a service (or whose service cannot serve a stream). */
  service: Service | undefined
}

export interface StreamRouter {
  match(req: StreamRequest): StreamMatch | undefined
  /** How many stream routes were compiled. */
  readonly size: number
}

type Endpoint = { ip?: string | undefined; port?: number | undefined }

interface NetRule {
  ips: BlockList | undefined
  port: number | undefined
}

interface Matcher {
  route: Route
  service: Service | undefined
  priority: bigint
  snis: { exact: Set<string>; suffixes: string[]; prefixes: string[] } | undefined
  sources: NetRule[] | undefined
  destinations: NetRule[] | undefined
}

const STREAM_PROTOCOLS = new Set(['tcp', 'tls', 'tls_passthrough', 'udp'])
const SNI_BIT = 1n << 61n
const IP_BIT = 8n
const PORT_BIT = 4n
const CIDR_BIT = 1n

/** Kong's calc_ip_weight: which kinds of entries a list holds. */
function weightOf(list: readonly Endpoint[] | undefined): bigint {
  let w = 0n
  for (const e of list ?? []) {
    if (e.ip !== undefined) w |= e.ip.includes('/') ? CIDR_BIT : IP_BIT
    if (e.port !== undefined) w |= PORT_BIT
  }
  return w
}

/** transform.lua's stream_get_priority. */
export function streamPriority(route: Pick<Route, 'snis' | 'sources' | 'destinations'>): bigint {
  const has = (l: readonly unknown[] | undefined) => l !== undefined && l.length > 0
  const top = has(route.snis) || (has(route.sources) && has(route.destinations)) ? SNI_BIT : 0n
  return top | (weightOf(route.sources) << 4n) | weightOf(route.destinations)
}

/** An IPv4-mapped IPv6 address (a dual-stack listener's view of an IPv4 client) as the IPv4 address it is. */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip
}

function netRules(list: readonly Endpoint[] | undefined): NetRule[] | undefined {
  if (list === undefined || list.length === 0) return undefined
  return list.map((e) => {
    let ips: BlockList | undefined
    if (e.ip !== undefined) {
      ips = new BlockList()
      const [addr, bits] = e.ip.split('/') as [string, string | undefined]
      const family = isIPv6(addr) ? 'ipv6' : 'ipv4'
      if (bits === undefined) ips.addAddress(addr, family)
      else ips.addSubnet(addr, Number(bits), family)
    }
    return { ips, port: e.port }
  })
}

/** BlockList.check, false for what it cannot read (a scoped IPv6 address, say) instead of throwing. */
function checks(list: BlockList, ip: string, family: 'ipv4' | 'ipv6'): boolean {
  try {
    return list.check(ip, family)
  } catch {
    return false
  }
}

function netMatches(rules: readonly NetRule[], ip: string, port: number): boolean {
  const family = isIPv6(ip) ? 'ipv6' : 'ipv4'
  for (const r of rules) {
    if (r.port !== undefined && r.port !== port) continue
    if (r.ips !== undefined && !(ip !== '' && checks(r.ips, ip, family))) continue
    return true
  }
  return false
}

/** Kong's sni clauses: `*.x` matches by suffix, `x.*` by prefix, a trailing dot is not part of a name. */
function sniRules(snis: readonly string[] | undefined): Matcher['snis'] {
  if (snis === undefined || snis.length === 0) return undefined
  const out = { exact: new Set<string>(), suffixes: [] as string[], prefixes: [] as string[] }
  for (const raw of snis) {
    const s = raw.toLowerCase()
    if (s.startsWith('*')) out.suffixes.push(s.slice(1))
    else if (s.endsWith('*')) out.prefixes.push(s.slice(0, -1))
    else out.exact.add(s.length > 1 && s.endsWith('.') ? s.slice(0, -1) : s)
  }
  return out
}

function sniMatches(rules: NonNullable<Matcher['snis']>, sni: string | undefined): boolean {
  if (sni === undefined) return false
  const name = sni.toLowerCase()
  if (rules.exact.has(name)) return true
  return rules.suffixes.some((s) => name.endsWith(s)) || rules.prefixes.some((p) => name.startsWith(p))
}

/** Whether a route is served by the stream listeners (Kong's should_process_route for the stream subsystem). */
export const isStreamRoute = (route: Route): boolean => route.protocols.some((p) => STREAM_PROTOCOLS.has(p))

export function compileStreamRouter(config: Config): StreamRouter {
  const services = new Map(config.services.map((s) => [s.id, s]))
  const matchers: Matcher[] = []
  for (const route of config.routes) {
    if (!isStreamRoute(route)) continue
    let service = route.service === undefined ? undefined : services.get(route.service)
    // Kong leaves routes of disabled services out of the router.
    if (service && service.enabled === false) continue
    // A service that speaks HTTP cannot serve a stream (Kong warns and routes without it).
    if (service && !STREAM_PROTOCOLS.has(service.protocol)) service = undefined
    matchers.push({
      route,
      service,
      priority: streamPriority(route),
      snis: sniRules(route.snis),
      sources: netRules(route.sources),
      destinations: netRules(route.destinations),
    })
  }
  // Highest priority first; exact ties: higher id first (the ATC engine's order).
  matchers.sort((a, b) => (a.priority !== b.priority ? (a.priority > b.priority ? -1 : 1) : a.route.id < b.route.id ? 1 : a.route.id > b.route.id ? -1 : 0))
  return {
    size: matchers.length,
    match(req) {
      const src = plainIp(req.srcIp)
      const dst = plainIp(req.dstIp)
      for (const m of matchers) {
        if (m.snis && req.scheme === 'tls' && !sniMatches(m.snis, req.sni)) continue
        if (m.sources && !netMatches(m.sources, src, req.srcPort)) continue
        if (m.destinations && !netMatches(m.destinations, dst, req.dstPort)) continue
        return { route: m.route, service: m.service }
      }
      return undefined
    },
  }
}

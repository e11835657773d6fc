/**
 * Kong's `traditional_compatible` router, compiled once per config.
 *
 * Each route becomes one matcher per path group (all its regex paths; one group
 * per distinct prefix length), ordered by Kong's 64-bit priority and then by id.
 * Prefix paths sit in a character trie and plain hosts in a map, so a lookup
 * only checks the few matchers that can match; results are cached in an LRU
 * keyed by the request fields routes look at.
 */
import { setImmediate } from 'node:timers/promises'
import { LRUCache } from 'lru-cache'
import { uuidv5 } from '../config/ids.js'
import type { Config, Route, Service } from '../config/model.js'
import { compileRouteRegex, isRegexPath } from '../config/paths.js'
import { joinUpstreamPath } from './upstream-path.js'

export interface RouteRequest {
  method: string
  /** Host header value, possibly with a port. */
  host: string
  /** Normalized request path, no query string. */
  path: string
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** TLS server name (https only). */
  sni?: string | undefined
  /** Listener port, used when Host carries none. */
  port: number
}

/** unnamed[0] is the whole match; a group that took no part in the match is undefined (Kong's nil). */
export interface UriCaptures {
  unnamed: (string | undefined)[]
  named: Record<string, string | undefined>
}

export interface RouteMatch {
  route: Route
  /** Undefined for a service-less route. */
  service: Service | undefined
  /** The upstream path (v0 path handling), not yet escaped, without the query. */
  upstreamPath: string
  /** What strip_path removed, when it removed more than '/' (X-Forwarded-Prefix). */
  strippedPrefix: string | undefined
  captures: UriCaptures | undefined
  /** The route takes https but not http: plain requests get 426 or a redirect. */
  httpsOnly: boolean
  /** The route takes only grpc/grpcs. */
  grpcOnly: boolean
}

/** Why a route did not take a request (explain only: `match` never builds these). */
export type LossReason =
  | { kind: 'method'; detail: string }
  | { kind: 'host'; detail: string }
  | { kind: 'header'; detail: string }
  | { kind: 'sni'; detail: string }
  | { kind: 'path'; detail: string }
  | { kind: 'priority'; detail: string }
  | { kind: 'excluded'; detail: string }

/** What a path group's priority is made of (kong/router/transform.lua's bits). */
export interface PriorityBits {
  /** How many attribute kinds the route sets (methods, hosts, headers, snis, paths, sources, destinations). */
  weight: number
  plainHosts: boolean
  headers: number
  regex: boolean
  regexPriority: number
  /** The prefix length of a prefix group (0 for regex groups). */
  pathLength: number
  /** The id exact ties are broken on (higher first). */
  tieId: string
}

/** One path group of a route, as the router ranks it (explain only). */
export interface RouteCandidate {
  route: Route
  service: Service | undefined
  /** Kong's 64-bit priority, hex. */
  priority: string
  /** 1-based position in evaluation order; undefined for a route the router leaves out. */
  rank: number | undefined
  bits: PriorityBits
  /** The group's paths (prefixes, or `~regexes`). */
  paths: string[]
  /** The attributes the request matched. */
  matched: string[]
  /** Empty for the winner; why it lost otherwise. */
  lost: LossReason[]
}

export interface RouteExplanation {
  /** What `match` answers for the same request (computed afresh, not from the cache). */
  match: RouteMatch | undefined
  /** The winner first (when there is one), then every route that matched some attribute but lost, in evaluation order. */
  candidates: RouteCandidate[]
}

const SPLIT_NS = '7f145bf9-0dce-4f91-98eb-debbce4b9f6b'
const HTTP_PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs'])

type HostRule =
  { kind: 'exact'; host: string; port?: number } | { kind: 'suffix'; suffix: string; port?: number } | { kind: 'prefix'; prefix: string; port?: number }

interface HeaderRule {
  /** lower-cased header name, with Kong's `_` for `-` (its router field http.headers.x_y) */
  name: string
  /** the same with `-`: looked up when no header is spelled `name` (undefined when the same) */
  dashed: string | undefined
  values: Set<string>
  regexes: RegExp[]
}

interface Matcher {
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

function parseHost(h: string): HostRule {
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

function hostMatches(rules: readonly HostRule[], host: string, port: number): boolean {
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

/** Routes (or trie insertions) between two pauses of the cooperative compile. */
const STEP = 128

/** A route the HTTP router leaves out, and why (explain lists it; `match` never sees it). */
interface Excluded {
  route: Route
  service: Service | undefined
  why: string
}

/** The matchers in evaluation order; pauses (yields) every STEP routes for compileRouterAsync. */
function* compileMatchers(config: Config, excluded: Excluded[]): Generator<void, Matcher[]> {
  const services = new Map(config.services.map((s) => [s.id, s]))
  const matchers: Matcher[] = []
  let n = 0
  for (const route of config.routes) {
    if (++n % STEP === 0) yield
    const service = route.service ? services.get(route.service) : undefined
    if (!route.protocols.some((p) => HTTP_PROTOCOLS.has(p))) {
      excluded.push({ route, service, why: `its protocols (${route.protocols.join(', ')}) belong to the stream router` })
      continue
    }
    // Routes of a disabled service are not in the router at all (Kong: 404).
    if (service && !service.enabled) {
      excluded.push({ route, service, why: `its service ${service.name ?? service.id} is disabled` })
      continue
    }
    pushMatchers(route, service, matchers)
  }
  // Highest priority first; exact ties: higher id first (the ATC engine's order).
  // One fixed-width string per matcher sorts the same way, without BigInt
  // comparisons in the comparator (a third of a 10,000-route compile otherwise).
  const keyed: { key: string; m: Matcher }[] = []
  for (const m of matchers) {
    keyed.push({ key: `${m.priority.toString(16).padStart(16, '0')}${m.tieId}`, m })
    if (keyed.length % STEP === 0) yield
  }
  yield
  keyed.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0))
  yield
  for (let i = 0; i < keyed.length; i++) matchers[i] = keyed[i]!.m
  return matchers
}

/** One matcher per path group of `route`, appended to `out`. */
function pushMatchers(route: Route, service: Service | undefined, out: Matcher[]): void {
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

function headerMatches(rules: readonly HeaderRule[], headers: RouteRequest['headers']): boolean {
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

interface TrieNode {
  children: Map<string, TrieNode>
  matchers: Matcher[]
}

const newNode = (): TrieNode => ({ children: new Map(), matchers: [] })

export interface Router {
  match(req: RouteRequest): RouteMatch | undefined
  /** Some route matches on headers: pass each header line separately (IncomingMessage.headersDistinct). */
  readonly usesHeaders: boolean
  /** Matchers in evaluation order, for debugging and tests. */
  describe(): { route: string; priority: string }[]
  /**
   * Why this request goes where `match` sends it: every path group that could
   * have matched some attribute, with the reason each lost. Walks all
   * matchers with the predicates `match` uses; for `gateway explain` and the
   * admin /explain only, never on the proxy's path.
   */
  explain(req: RouteRequest): RouteExplanation
}

/** Compiles a config's router in one go (startup, tests). */
export function compileRouter(config: Config, cacheSize = 5000): Router {
  const steps = routerSteps(config, cacheSize)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
  }
}

/**
 * The same router as compileRouter, compiled in slices of about `sliceMs` of
 * work with the event loop turning in between (setImmediate), for reloads:
 * 10,000 routes take 60-90 ms in one go (about 170 ms the first time, cold),
 * which requests being served should not wait for. The longest step is the
 * one sort (about 10 ms for 10,000 routes).
 */
export async function compileRouterAsync(config: Config, opts: { cacheSize?: number; sliceMs?: number } = {}): Promise<Router> {
  const steps = routerSteps(config, opts.cacheSize ?? 5000)
  const sliceMs = opts.sliceMs ?? 5
  let since = performance.now()
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
    if (performance.now() - since >= sliceMs) {
      await setImmediate()
      since = performance.now()
    }
  }
}

function* routerSteps(config: Config, cacheSize: number): Generator<void, Router> {
  const excluded: Excluded[] = []
  const matchers = yield* compileMatchers(config, excluded)
  const rank = new Map<Matcher, number>()
  for (const m of matchers) {
    rank.set(m, rank.size)
    if (rank.size % STEP === 0) yield
  }
  // Prefix matchers go in a trie; everything else is scanned in priority order.
  const trie = newNode()
  const scan: Matcher[] = []
  // What the cache key must hold: the headers, SNI and port some route looks at.
  const names = new Set<string>()
  let anySni = false
  let anyPort = false
  let n = 0
  for (const m of matchers) {
    if (++n % STEP === 0) yield
    if (m.headers)
      for (const h of m.headers) {
        names.add(h.name)
        if (h.dashed !== undefined) names.add(h.dashed)
      }
    if (m.snis) anySni = true
    if (m.hosts?.some((h) => h.port !== undefined)) anyPort = true
    if (!m.prefixes) {
      scan.push(m)
      continue
    }
    for (const prefix of m.prefixes) {
      let node = trie
      for (const ch of prefix) {
        let next = node.children.get(ch)
        if (!next) node.children.set(ch, (next = newNode()))
        node = next
      }
      node.matchers.push(m)
    }
  }
  const headerNames = [...names]
  const usesSni = anySni
  const usesPort = anyPort
  // Created on first use: lru-cache allocates its arrays up front, and a burst of
  // reloads should not pay for caches of configs that never serve a request.
  let cache: LRUCache<string, RouteMatch | false> | undefined
  let lastHostHeader: string | undefined
  let lastHostName = ''
  let lastHostPort: number | undefined

  const candidates = (path: string): Matcher[] => {
    const found: Matcher[] = []
    let node: TrieNode | undefined = trie
    for (let i = 0; node && i <= path.length; i++) {
      if (node.matchers.length > 0) found.push(...node.matchers)
      node = i < path.length ? node.children.get(path[i]!) : undefined
    }
    if (found.length === 0) return scan
    found.push(...scan)
    return found.sort((a, b) => rank.get(a)! - rank.get(b)!)
  }

  const evaluate = (req: RouteRequest, host: string, port: number): RouteMatch | undefined => {
    for (const m of candidates(req.path)) {
      if (m.methods && !m.methods.has(req.method)) continue
      if (m.hosts && !hostMatches(m.hosts, host, port)) continue
      if (m.headers && !headerMatches(m.headers, req.headers)) continue
      if (m.snis && req.sni !== undefined && !hostMatches(m.snis, req.sni.toLowerCase(), port)) continue
      let matched = '/'
      let captures: UriCaptures | undefined
      if (m.prefixes) {
        const p = m.prefixes.find((x) => req.path.startsWith(x))
        if (p === undefined) continue
        matched = p
      } else if (m.regexes) {
        let hit: RegExpExecArray | null = null
        for (const r of m.regexes) if ((hit = r.exec(req.path))) break
        if (!hit) continue
        matched = hit[0]
        if (hit.length > 1) captures = { unnamed: [...hit], named: { ...(hit.groups ?? {}) } }
      }
      const strip = m.route.strip_path
      const prefix = strip ? matched : '/'
      return {
        route: m.route,
        service: m.service,
        upstreamPath: joinUpstreamPath(m.service?.path, req.path, prefix),
        strippedPrefix: strip && matched !== '/' && matched !== '' ? matched : undefined,
        captures,
        httpsOnly: m.httpsOnly,
        grpcOnly: m.grpcOnly,
      }
    }
    return undefined
  }

  return {
    usesHeaders: headerNames.length > 0,
    match(req) {
      // Most requests repeat the previous Host: its parsed form is remembered.
      if (req.host !== lastHostHeader) {
        const parsed = splitHost(req.host)
        lastHostName = parsed.name
        lastHostPort = parsed.port
        lastHostHeader = req.host
      }
      const host = lastHostName
      const port = lastHostPort ?? req.port
      // NUL separates the fields: Node refuses it in header values and the
      // normalized path keeps control characters escaped, so keys cannot collide.
      let key = `${req.method}\0${host}\0${req.path}`
      if (usesPort) key += `\0${port}`
      if (usesSni) key += `\0${req.sni ?? ''}`
      for (const name of headerNames) {
        const v = req.headers[name]
        key += v === undefined ? '\0\u0001' : `\0${name}=${Array.isArray(v) ? v.join('\0') : v}`
      }
      cache ??= new LRUCache<string, RouteMatch | false>({ max: cacheSize })
      const cached = cache.get(key)
      if (cached !== undefined) return cached === false ? undefined : cached
      const result = evaluate(req, host, port)
      cache.set(key, result ?? false)
      return result
    },
    describe() {
      return matchers.map((m) => ({ route: m.route.name ?? m.route.id, priority: `0x${m.priority.toString(16)}` }))
    },
    explain(req) {
      const parsed = splitHost(req.host)
      const port = parsed.port ?? req.port
      const match = evaluate(req, parsed.name, port)
      return { match, candidates: explainCandidates(matchers, excluded, req, parsed.name, port, match) }
    },
  }
}

/** Host header → lower-cased name and its port, if any. */
function splitHost(raw: string): { name: string; port: number | undefined } {
  const host = raw.toLowerCase()
  const colon = host.lastIndexOf(':')
  if (colon > -1 && !host.endsWith(']')) {
    const p = Number(host.slice(colon + 1))
    return { name: host.slice(0, colon), port: Number.isInteger(p) ? p : undefined }
  }
  return { name: host, port: undefined }
}

// ---------------------------------------------------------------- explain (never on the proxy's path)

const hostText = (r: HostRule) =>
  (r.kind === 'exact' ? r.host : r.kind === 'suffix' ? `*${r.suffix}` : `${r.prefix}*`) + (r.port === undefined ? '' : `:${r.port}`)

function bitsOf(m: Matcher): PriorityBits {
  const p = m.priority
  return {
    weight: Number(p >> 61n),
    plainHosts: ((p >> 60n) & 1n) === 1n,
    headers: Number((p >> 52n) & 0xffn),
    regex: ((p >> 51n) & 1n) === 1n,
    regexPriority: m.regexes ? m.route.regex_priority : 0,
    pathLength: Number(p & 0x7ffffn),
    tieId: m.tieId,
  }
}

/** The first priority bit where `loser` ranks below `winner`, in Kong's order of significance. */
function priorityLoss(loser: PriorityBits, winner: PriorityBits): string {
  if (loser.weight !== winner.weight) return `it sets fewer attribute kinds (${loser.weight} < ${winner.weight})`
  if (loser.plainHosts !== winner.plainHosts) return 'the winner has plain (wildcard-free) hosts'
  if (loser.headers !== winner.headers) return `it matches on fewer headers (${loser.headers} < ${winner.headers})`
  if (loser.regex !== winner.regex) return 'the winner has regex paths, which rank above prefix paths'
  if (loser.regex && loser.regexPriority !== winner.regexPriority) return `lower regex_priority (${loser.regexPriority} < ${winner.regexPriority})`
  if (!loser.regex && loser.pathLength !== winner.pathLength) return `shorter path prefix (${loser.pathLength} < ${winner.pathLength} characters)`
  return 'equal priority: the tie goes to the higher id'
}

/** Every matcher's verdict on the request, with `match`'s predicates; the ones that matched something, in order. */
function explainCandidates(
  matchers: readonly Matcher[],
  excluded: readonly Excluded[],
  req: RouteRequest,
  host: string,
  port: number,
  match: RouteMatch | undefined,
): RouteCandidate[] {
  const verdict = (m: Matcher, rank: number | undefined): RouteCandidate => {
    const matched: string[] = []
    const lost: LossReason[] = []
    if (m.methods) {
      if (m.methods.has(req.method)) matched.push('method')
      else lost.push({ kind: 'method', detail: `${req.method} is not one of ${[...m.methods].join(', ')}` })
    }
    if (m.hosts) {
      if (hostMatches(m.hosts, host, port)) matched.push('host')
      else lost.push({ kind: 'host', detail: `${host || '(none)'} is not one of ${m.hosts.map(hostText).join(', ')}` })
    }
    if (m.headers) {
      let all = true
      for (const rule of m.headers) {
        if (headerMatches([rule], req.headers)) continue
        all = false
        const name = rule.dashed ?? rule.name
        lost.push({
          kind: 'header',
          detail:
            (req.headers[rule.name] ?? (rule.dashed === undefined ? undefined : req.headers[rule.dashed]))
              ? `${name} has none of the route's values`
              : `no ${name} header`,
        })
      }
      if (all) matched.push('headers')
    }
    if (m.snis) {
      if (req.sni === undefined) matched.push('sni (not checked: plain http)')
      else if (hostMatches(m.snis, req.sni.toLowerCase(), port)) matched.push('sni')
      else lost.push({ kind: 'sni', detail: `${req.sni} is not one of ${m.snis.map(hostText).join(', ')}` })
    }
    if (m.prefixes) {
      if (m.prefixes.some((x) => req.path.startsWith(x))) matched.push('path')
      else lost.push({ kind: 'path', detail: `${req.path} does not start with ${m.prefixes.join(' or ')}` })
    } else if (m.regexes) {
      if (m.regexes.some((r) => r.test(req.path))) matched.push('path')
      else lost.push({ kind: 'path', detail: `${req.path} matches none of ${m.route.paths!.filter(isRegexPath).join(', ')}` })
    }
    return {
      route: m.route,
      service: m.service,
      priority: `0x${m.priority.toString(16)}`,
      rank,
      bits: bitsOf(m),
      paths: m.prefixes ?? (m.regexes ? m.route.paths!.filter(isRegexPath) : []),
      matched,
      lost,
    }
  }
  const out: RouteCandidate[] = []
  let winner: RouteCandidate | undefined
  const after: RouteCandidate[] = []
  matchers.forEach((m, i) => {
    const v = verdict(m, i + 1)
    if (v.lost.length === 0 && !winner && match && m.route === match.route) {
      winner = v
      return
    }
    if (v.lost.length === 0 && winner) v.lost.push({ kind: 'priority', detail: priorityLoss(v.bits, winner.bits) })
    if (v.matched.length > 0) (winner ? after : out).push(v)
  })
  const skipped: RouteCandidate[] = []
  for (const e of excluded) {
    const own: Matcher[] = []
    pushMatchers(e.route, e.service, own)
    for (const m of own) {
      const v = verdict(m, undefined)
      if (v.matched.length === 0) continue
      v.lost.unshift({ kind: 'excluded', detail: `not in the HTTP router: ${e.why}` })
      skipped.push(v)
    }
  }
  return [...(winner ? [winner] : []), ...out, ...after, ...skipped]
}

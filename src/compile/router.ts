/**
 * Kong's `traditional_compatible` router, compiled once per config.
 *
 * Each route becomes one matcher per path group (all its regex paths; one group
 * per distinct prefix length), ordered by Kong's 64-bit priority and then by id.
 * Prefix paths sit in a character trie, so a lookup checks only the prefix
 * matchers on the request path's way down it, and the regex and path-less
 * matchers, in priority order; results are cached in an LRU keyed by the
 * request fields routes look at. The predicates are in route-matchers.ts and
 * explain's verdicts in router-explain.ts.
 */
import { setImmediate } from 'node:timers/promises'
import { LRUCache } from 'lru-cache'
import type { Config, Route, Service } from '../config/model.js'
import { hostMatches, headerMatches, pushMatchers, splitHost, type Matcher } from './route-matchers.js'
import { explainCandidates, type Excluded, type RouteExplanation } from './router-explain.js'
import { joinUpstreamPath } from './upstream-path.js'

export type { LossReason, PriorityBits, RouteCandidate, RouteExplanation } from './router-explain.js'

const HTTP_PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs'])

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

/** Routes (or trie insertions) between two pauses of the cooperative compile. */
const STEP = 128

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

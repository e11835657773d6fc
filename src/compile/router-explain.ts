/**
 * Why a request goes where the router sends it: for `gateway explain` and the
 * admin /explain, never on the proxy's path.
 *
 * Every matcher is tested with the predicates `match` uses (route-matchers.ts),
 * one attribute at a time, so each loser gets its reasons: the attribute it
 * missed, or the priority bit it ranks lower on (kong/router/transform.lua's
 * layout), or that the HTTP router leaves its route out altogether.
 */
import type { Route, Service } from '../config/model.js'
import { isRegexPath } from '../config/paths.js'
import { headerMatches, hostMatches, pushMatchers, type HostRule, type Matcher } from './route-matchers.js'
import type { RouteMatch, RouteRequest } from './router.js'

/** Why a route did not take a request (`match` never builds these). */
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

/** A route the HTTP router leaves out, and why (explain lists it; `match` never sees it). */
export interface Excluded {
  route: Route
  service: Service | undefined
  why: string
}

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
export function explainCandidates(
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

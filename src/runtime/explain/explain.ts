/**
 * `gateway explain` and the admin /explain: what the gateway would do with a
 * request, read from a compiled Runtime (the one the proxy serves, or one
 * compiled from a file exactly as serve compiles it). The route comes from
 * the router's own explain entry point (same matchers and predicates as
 * `match`), the upstream path from the same match, the plugins from the same
 * chains (plugins.ts). What depends on runtime state (a password, a
 * signature, counters, target health later on) is said to be so. The whole
 * answer goes through the config's secret redactor before anyone sees it.
 */
import { WeakCache } from './weak-cache.js'
import { indexConsumers } from '../../compile/consumers.js'
import type { RouteCandidate } from '../../compile/router.js'
import type { Runtime } from '../../compile/runtime.js'
import { hostHeaderOf } from '../../compile/targets.js'
import type { Consumer } from '../../config/model.js'
import { parseTarget } from '../../config/schema/upstream.js'
import { SecretRedactor } from '../../config/secrets/index.js'
import { GRPC_ON_GRPCS_ROUTE, HTTP2_REQUIRED, HTTPS_REQUIRED, NO_ROUTE, NO_SERVICE, NOT_GRPC, NO_PEER } from '../../errors.js'
import type { ConsumerIndex } from '../../plugins/types.js'
import { escapeUpstreamPath } from '../target.js'
import { readInput, type ExplainInput, type ExplainedRequest } from './input.js'
import { explainPlugins, messageOf, type Answer, type PluginsExplained } from './plugins.js'

/** Says what `gateway explain` can and cannot know; part of every answer. */
export const STATIC_NOTE =
  'A static prediction from the configuration: routing, paths and plugin order are exact; ' +
  'plugin outcomes are predicted only where a plugin has an explain hook, and runtime state ' +
  '(counters, caches, signatures, passwords, target health, DNS) is not evaluated.'

export interface RouteView {
  id: string
  name: string | null
  priority: string
  rank: number | null
  paths: string[]
  matched: string[]
}

export interface RunnerUp extends RouteView {
  lost: { reason: string; detail: string }[]
}

export interface Explanation {
  request: {
    method: string
    scheme: string
    host: string
    path: string
    query: string
    headers: string[]
    sni: string | null
    client_ip: string | null
    consumer: string | null
  }
  matched: boolean
  route: RouteView | null
  service: { id: string; name: string | null; protocol: string; host: string; port: number; path: string | null } | null
  runner_ups: RunnerUp[]
  upstream: {
    method: string
    url: string | null
    path: string
    strip_path: boolean
    stripped_prefix: string | null
    path_handling: string
    preserve_host: boolean
    host_header: string
    balancer: BalancerView | null
    notes: string[]
  } | null
  plugins: Omit<PluginsExplained, 'answer'> & Partial<Pick<PluginsExplained, 'answer'>>
  answer: Answer | null
  note: string
}

export interface BalancerView {
  upstream: string
  algorithm: string
  hash_on: string | null
  hash_fallback: string | null
  targets: { target: string; weight: number; healthy: boolean }[]
  pick: string | null
  pick_note: string
}

const consumerIndexes = new WeakCache<Runtime, ConsumerIndex>()

const routeView = (c: RouteCandidate): RouteView => ({
  id: c.route.id,
  name: c.route.name ?? null,
  priority: c.priority,
  rank: c.rank ?? null,
  paths: c.paths,
  matched: c.matched,
})

/** The answer, or an input error (a usage error for the CLI, a 400 for the admin listener). */
export function explain(rt: Runtime, input: ExplainInput): Explanation | { error: string } {
  const req = readInput(input)
  if ('error' in req) return req
  const consumers = consumerIndexes.get(rt, () => indexConsumers(rt.config))
  let assume: Consumer | undefined
  if (req.consumer !== undefined) {
    assume = consumers.byIdOrUsername(req.consumer)
    if (!assume) return { error: `no consumer '${req.consumer}' in the configuration (give its username or id)` }
  }
  const routed = rt.router.explain({ method: req.method, host: req.host, path: req.path, headers: req.headers, sni: req.sni, port: req.port })
  const match = routed.match
  const winner = match ? routed.candidates[0] : undefined
  const runnerUps = routed.candidates.filter((c) => c !== winner)
  const base = {
    request: {
      method: req.method,
      scheme: req.scheme,
      host: req.host,
      path: req.rawPath,
      query: req.query,
      // Names only: a header's value may be a credential.
      headers: Object.keys(req.headers).filter((h) => h !== 'host'),
      sni: req.sni ?? null,
      client_ip: req.clientIp ?? null,
      consumer: assume ? (assume.username ?? assume.id) : null,
    },
    runner_ups: runnerUps.map((c) => ({ ...routeView(c), lost: c.lost.map((l) => ({ reason: l.kind, detail: l.detail })) })),
    note: STATIC_NOTE,
  }
  if (!match || !winner) {
    const answer = { status: NO_ROUTE.status, message: messageOf(NO_ROUTE), by: 'router' }
    const plugins = explainPlugins(rt, req, undefined, undefined, consumers, assume, answer)
    return redact(rt, { ...base, matched: false, route: null, service: null, upstream: null, plugins, answer })
  }
  const route = match.route
  const service = match.service
  // The route step's protocol rules (runtime/route.ts), before any access plugin.
  let refused: Answer | null = null
  const grpc = (req.headers['content-type']?.[0] ?? '').startsWith('application/grpc')
  if (match.httpsOnly && req.scheme !== 'https') {
    const code = route.https_redirect_status_code
    refused =
      code === 426
        ? { status: 426, message: messageOf(HTTPS_REQUIRED), by: 'protocol' }
        : { status: code, message: `redirect to https://${req.host.replace(/:\d+$/, '')}${req.rawPath}${req.query}`, by: 'protocol' }
  } else if (match.grpcOnly) {
    if (!grpc) refused = { status: NOT_GRPC.status, message: messageOf(NOT_GRPC), by: 'protocol' }
    else if (!route.protocols.includes('grpc') && req.scheme !== 'https')
      refused = { status: GRPC_ON_GRPCS_ROUTE.status, message: 'gRPC request matched gRPCs route', by: 'protocol' }
  }
  const chain = refused ? undefined : rt.chains.forRoute(route)
  const plugins = explainPlugins(rt, req, route, chain, consumers, assume, refused)
  let answer = plugins.answer
  const notes: string[] = []
  if (match.grpcOnly && grpc && !refused) notes.push(`an HTTP/1 client gets ${HTTP2_REQUIRED.status} ${messageOf(HTTP2_REQUIRED)}: gRPC needs HTTP/2`)
  if (route.path_handling === 'v1') notes.push('path_handling v1 is read as v0: the traditional_compatible router always joins paths the v0 way')
  if (!service) {
    answer ??= { status: NO_SERVICE.status, message: messageOf(NO_SERVICE), by: 'service' }
    return redact(rt, { ...base, matched: true, route: routeView(winner), service: null, upstream: null, plugins, answer })
  }
  const tls = service.protocol === 'https' || service.protocol === 'grpcs'
  const balancer = rt.balancers.get(service.host)
  let balancerView: BalancerView | null = null
  let hostHeader = hostHeaderOf(service.host, service.port, tls, undefined)
  if (balancer) {
    const u = balancer.upstream
    const health = new Map(balancer.health().map((h) => [h.target, h.healthy]))
    const targets = rt.config.targets
      .filter((t) => t.upstream === u.id)
      .map((t) => {
        const parsed = parseTarget(t.target)
        const target = parsed ? `${parsed.host}:${parsed.port}` : t.target
        return { target, weight: t.weight, healthy: t.weight > 0 && (health.get(target) ?? true) }
      })
    let pick: string | null = null
    let pickNote: string
    const hashing = u.algorithm === 'consistent-hashing'
    if (hashing) {
      const input = rt.hashInputs.get(u.name)
      const hashed = input?.({
        remoteAddr: req.clientIp ?? '',
        path: req.path,
        query: req.query,
        headers: req.headers,
        captures: match.captures,
        consumerId: plugins.consumer?.id,
      })
      const peer = balancer.peek(hashed?.value)
      pick = peer ? `${peer.host}:${peer.port}` : null
      if (!peer) pickNote = 'no usable target'
      else if (hashed?.setCookie !== undefined)
        pickNote = `no ${u.hash_on_cookie} cookie: the gateway would set one with a random value, so the target is random`
      else if (hashed?.value === undefined) pickNote = 'nothing to hash (its header, argument or consumer is absent): every such request goes to this target'
      else if ((u.hash_on === 'ip' || u.hash_fallback === 'ip') && req.clientIp === undefined) pickNote = 'hashes on the client address: give --client-ip'
      else pickNote = `hashing on ${hashDescription(u.hash_on, u)} picks this target while every target stays healthy`
    } else {
      pickNote =
        u.algorithm === 'round-robin'
          ? 'weighted round-robin: each request takes the next target in the weighted rotation'
          : u.algorithm === 'least-connections'
            ? 'least-connections: the target with the fewest open connections per weight'
            : 'latency: the target with the lowest recent latency per weight'
    }
    if (!targets.some((t) => t.healthy) && !answer) answer = { status: NO_PEER.status, message: messageOf(NO_PEER), by: 'balancer' }
    balancerView = {
      upstream: u.name,
      algorithm: u.algorithm,
      hash_on: hashing ? hashDescription(u.hash_on, u) : null,
      hash_fallback: hashing && u.hash_fallback !== 'none' ? hashDescription(u.hash_fallback, u, 'fallback') : null,
      targets,
      pick,
      pick_note: pickNote,
    }
    const [h, p] = pick ? [pick.slice(0, pick.lastIndexOf(':')), Number(pick.slice(pick.lastIndexOf(':') + 1))] : [u.host_header ?? u.name, service.port]
    hostHeader = hostHeaderOf(h, p, tls, u.host_header)
    if (!pick) notes.push(`Host: the picked target's name (or the upstream's host_header) with its port`)
  }
  if (route.preserve_host) hostHeader = req.host
  const path = escapeUpstreamPath(match.upstreamPath) + req.query
  const scheme = tls ? (service.protocol === 'grpcs' ? 'grpcs' : 'https') : service.protocol === 'grpc' ? 'grpc' : 'http'
  return redact(rt, {
    ...base,
    matched: true,
    route: routeView(winner),
    service: { id: service.id, name: service.name ?? null, protocol: service.protocol, host: service.host, port: service.port, path: service.path ?? null },
    upstream: {
      method: req.method,
      url: `${scheme}://${service.host}:${service.port}${path}`,
      path,
      strip_path: route.strip_path,
      stripped_prefix: match.strippedPrefix ?? null,
      path_handling: 'v0',
      preserve_host: route.preserve_host,
      host_header: hostHeader,
      balancer: balancerView,
      notes,
    },
    plugins,
    answer,
  })
}

function hashDescription(
  on: string,
  u: {
    hash_on_header?: string | undefined
    hash_fallback_header?: string | undefined
    hash_on_cookie?: string | undefined
    hash_on_query_arg?: string | undefined
    hash_fallback_query_arg?: string | undefined
    hash_on_uri_capture?: string | undefined
    hash_fallback_uri_capture?: string | undefined
  },
  which: 'on' | 'fallback' = 'on',
): string {
  switch (on) {
    case 'header':
      return `header ${which === 'on' ? u.hash_on_header : u.hash_fallback_header}`
    case 'cookie':
      return `cookie ${u.hash_on_cookie}`
    case 'query_arg':
      return `query argument ${which === 'on' ? u.hash_on_query_arg : u.hash_fallback_query_arg}`
    case 'uri_capture':
      return `path capture ${which === 'on' ? u.hash_on_uri_capture : u.hash_fallback_uri_capture}`
    default:
      return on
  }
}

const redactors = new WeakCache<Runtime, SecretRedactor>()

/** Every string of the answer through the config's secret redactor (declared credentials, vault and environment values). */
function redact(rt: Runtime, e: Explanation): Explanation {
  // One key order for every answer (the documented JSON shape).
  const { answer: _, ...plugins } = e.plugins
  const ordered = {
    request: e.request,
    matched: e.matched,
    answer: e.answer,
    route: e.route,
    service: e.service,
    upstream: e.upstream,
    runner_ups: e.runner_ups,
    plugins,
    note: e.note,
  }
  const r = redactors.get(rt, () =>
    SecretRedactor.of(
      rt.config,
      rt.pluginRegistry,
      rt.config.sources.map((s) => s.value),
    ),
  )
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return r.message(v)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(ordered) as Explanation
}

export type { ExplainInput, ExplainedRequest }

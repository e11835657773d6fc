/** The route entity (Kong: kong/db/schema/entities/routes.lua and typedefs). */
import * as z from 'zod'
import type { PluginRegistry } from '../../plugins/registry.js'
import { compileRouteRegex, isRegexPath, normalizePath } from '../paths.js'
import type { SchemaContext } from './context.js'
import { pluginSchema } from './plugin.js'
import {
  anyInteger,
  checkAddress,
  checkUrlPath,
  foreignRef,
  headerName,
  isHostname,
  isIPv4,
  isIPv6,
  entityFields,
  oneOf,
  oneOfInt,
  port,
  protocolNames,
  tags,
  utf8Name,
  uuid,
  whenValid,
  bySubschema,
  type Protocol,
} from './typedefs.js'

/** A route path: a normalized prefix, or a `~` regex that compiles. */
export const routePath = z.string().superRefine((p, ctx) => {
  if (isRegexPath(p)) {
    if (!p.startsWith('~/')) {
      ctx.addIssue({ code: 'custom', message: 'should start with: / (fixed path) or ~/ (regex path)' })
      return
    }
    const compiled = compileRouteRegex(p.slice(1))
    if (typeof compiled === 'string') ctx.addIssue({ code: 'custom', message: `invalid regex: '${p.slice(1)}' (${compiled})` })
    return
  }
  if (!p.startsWith('/')) {
    ctx.addIssue({ code: 'custom', message: 'should start with: / (fixed path) or ~/ (regex path)' })
    return
  }
  const err = checkUrlPath(p)
  if (err) {
    ctx.addIssue({ code: 'custom', message: err })
    return
  }
  const norm = normalizePath(p)
  if (norm !== undefined && norm !== p) ctx.addIssue({ code: 'custom', message: `non-normalized path, consider use '${norm}' instead` })
})

/** A header value a route matches; `~*` starts a regex, which Kong's router compiles lower-cased. */
const headerValue = z.string().superRefine((v, ctx) => {
  if (!v.startsWith('~*')) return
  const compiled = compileRouteRegex(v.slice(2).toLowerCase())
  if (typeof compiled === 'string') ctx.addIssue({ code: 'custom', message: `invalid regex: '${v.slice(2)}' (${compiled})` })
})

/** A host a route matches: optional port, at most one '*' as the leftmost or rightmost label. */
export const wildcardHost = z.string().superRefine((v, ctx) => {
  let h = v
  const portMatch = /^(.*?):(\d+)$/.exec(v)
  if (portMatch && !v.startsWith('[')) {
    h = portMatch[1]!
    if (Number(portMatch[2]) > 65535) {
      ctx.addIssue({ code: 'custom', message: `invalid port number` })
      return
    }
  } else if (v.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v)
    if (!m || !isIPv6(m[1]!)) ctx.addIssue({ code: 'custom', message: `invalid value: ${v}` })
    return
  }
  const stars = h.split('*').length - 1
  if (stars > 1) {
    ctx.addIssue({ code: 'custom', message: 'invalid wildcard: must have at most one wildcard' })
    return
  }
  if (stars === 1) {
    if (!(h.startsWith('*.') || h.endsWith('.*'))) {
      ctx.addIssue({ code: 'custom', message: 'invalid wildcard: must be placed at leftmost or rightmost label' })
      return
    }
    h = h.startsWith('*.') ? h.slice(2) : h.slice(0, -2)
  }
  if (!(isHostname(h) || isIPv4(h))) ctx.addIssue({ code: 'custom', message: `invalid value: ${v}` })
})

/**
 * A host a route matches (Kong's typedefs.hosts): at most one '*', as the
 * leftmost or rightmost label; the rest, with '*' read as a label, is a host
 * with an optional port checked as Kong's normalize_ip, with its messages.
 */
export const routeHost = z
  .string()
  .min(1, { error: 'length must be at least 1' })
  .superRefine((v, ctx) => {
    if (v === '') return // reported by min()
    if (v.split('*').length > 2) ctx.addIssue({ code: 'custom', message: 'invalid wildcard: must have at most one wildcard' })
    else if (v.includes('*') && !v.startsWith('*.') && !v.endsWith('.*'))
      ctx.addIssue({ code: 'custom', message: 'invalid wildcard: must be placed at leftmost or rightmost label' })
    else {
      const checked = checkAddress(v.replace('*', 'abc'))
      if ('error' in checked) ctx.addIssue({ code: 'custom', message: checked.error })
    }
  })

const CIDR_RE = /^(.+?)(?:\/(\d{1,3}))?$/
const cidrOrIp = z.string().refine(
  (v) => {
    const m = CIDR_RE.exec(v)
    if (!m) return false
    const ip = m[1]!
    const bits = m[2] === undefined ? undefined : Number(m[2])
    if (isIPv4(ip)) return bits === undefined || bits <= 32
    if (isIPv6(ip)) return bits === undefined || bits <= 128
    return false
  },
  { error: (iss) => `invalid cidr range or ip address: ${String(iss.input)}` },
)

const endpoint = z
  .strictObject({ ip: cidrOrIp.optional().describe('An IP address or CIDR range.'), port: port.optional().describe('A port.') })
  .refine((e) => e.ip !== undefined || e.port !== undefined, { error: "at least one of these fields must be non-empty: 'ip', 'port'" })

const PROTOCOL_GROUPS: readonly (readonly Protocol[])[] = [['http', 'https'], ['tcp', 'tls', 'udp'], ['tls_passthrough'], ['grpc', 'grpcs']]
const HTTP_METHOD_RE = /^[A-Z]+$/

interface RouteShape {
  protocols: Protocol[]
  methods?: string[] | undefined
  hosts?: string[] | undefined
  paths?: string[] | undefined
  headers?: Record<string, string[]> | undefined
  snis?: string[] | undefined
  sources?: unknown[] | undefined
  destinations?: unknown[] | undefined
  strip_path?: boolean | undefined
}

const present = (v: unknown): boolean =>
  v !== undefined && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)

/** Kong's entity checks on routes: protocol groups and the attributes each protocol needs. */
export function checkRoute(r: RouteShape, ctx: z.RefinementCtx): void {
  const protos = new Set(r.protocols)
  const groups = PROTOCOL_GROUPS.filter((g) => g.some((p) => protos.has(p)))
  if (groups.length > 1) {
    const names = groups.map((g) => `(${g.map((p) => `'${p}'`).join(', ')})`).join(', ')
    ctx.addIssue({ code: 'custom', path: ['protocols'], message: `these sets are mutually exclusive: ${names}` })
    return
  }
  const has = (f: keyof RouteShape) => present(r[f])
  const isHttp = protos.has('http') || protos.has('https')
  const isGrpc = protos.has('grpc') || protos.has('grpcs')
  const isStream = protos.has('tcp') || protos.has('tls') || protos.has('udp') || protos.has('tls_passthrough')
  if (has('snis') && !['grpcs', 'https', 'tls', 'tls_passthrough'].some((p) => protos.has(p as Protocol))) {
    ctx.addIssue({ code: 'custom', path: ['snis'], message: "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'" })
  }
  if (isHttp) {
    for (const f of ['sources', 'destinations'] as const) {
      if (has(f)) ctx.addIssue({ code: 'custom', path: [f], message: `cannot set '${f}' when 'protocols' is 'http' or 'https'` })
    }
    const https = protos.has('https')
    const ok = has('methods') || has('hosts') || has('headers') || has('paths') || (https && has('snis'))
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: https
          ? "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"
          : "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'",
      })
    }
  }
  if (isGrpc) {
    if (has('methods')) ctx.addIssue({ code: 'custom', path: ['methods'], message: "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'" })
    if (r.strip_path === true) ctx.addIssue({ code: 'custom', path: ['strip_path'], message: "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'" })
    const grpcs = protos.has('grpcs')
    const ok = has('hosts') || has('headers') || has('paths') || (grpcs && has('snis'))
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: grpcs
          ? "must set one of 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'grpcs'"
          : "must set one of 'hosts', 'headers', 'paths' when 'protocols' is 'grpc'",
      })
    }
  }
  if (isStream) {
    for (const f of ['methods', 'hosts', 'paths', 'headers'] as const) {
      if (has(f)) ctx.addIssue({ code: 'custom', path: [f], message: `cannot set '${f}' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp'` })
    }
    if (protos.has('tls_passthrough')) {
      if (!has('snis')) ctx.addIssue({ code: 'custom', path: [], message: "must set snis when 'protocols' is 'tls_passthrough'" })
    } else if (!(has('sources') || has('destinations') || has('snis'))) {
      ctx.addIssue({ code: 'custom', path: [], message: "must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp'" })
    }
  }
}

export function routeSchema(ctx: SchemaContext, registry: PluginRegistry) {
  const child: SchemaContext = { mode: ctx.mode, parent: 'routes' }
  const shape = {
    id: uuid.optional(),
    name: utf8Name('The route name.').optional(),
    protocols: z
      .array(oneOf(protocolNames))
      .min(1, { error: 'length must be at least 1' })
      .default(['http', 'https'])
      .describe('Protocols this route accepts. A route with only https redirects or refuses plain http (https_redirect_status_code).'),
    methods: z
      .array(z.string().refine((m) => HTTP_METHOD_RE.test(m), { error: (iss) => `invalid value: ${String(iss.input)}` }))
      .optional()
      .describe('HTTP methods that match (upper case).'),
    hosts: z.array(routeHost).optional().describe('Host header values that match; `*.example.com` and `example.*` wildcards, optional `:port`.'),
    paths: z.array(routePath).optional().describe('Path prefixes that match, or regexes starting with `~`.'),
    headers: z
      .record(headerName, z.array(headerValue, { error: 'expected an array' }), { error: 'expected a map' })
      .superRefine((h, c) => {
        for (const k of Object.keys(h)) {
          if (k.toLowerCase() === 'host')
            c.addIssue({ code: 'custom', path: [k], message: "cannot contain 'host' header, which must be specified in the 'hosts' attribute" })
        }
      })
      .optional()
      .describe('Header values that match; a value starting with `~*` is a case-insensitive regex.'),
    snis: z.array(wildcardHost).optional().describe('TLS server names that match (https, grpcs, tls).'),
    sources: z.array(endpoint).optional().describe('Client ip/port pairs that match (stream routes).'),
    destinations: z.array(endpoint).optional().describe('Destination ip/port pairs that match (stream routes).'),
    strip_path: z.boolean().optional().describe('Remove the matched path prefix before proxying (default true; false for grpc).'),
    preserve_host: z.boolean().default(false).describe("Send the client's Host header to the upstream."),
    regex_priority: anyInteger.default(0).describe('Order among regex paths: higher is tried first.'),
    path_handling: oneOf(['v0', 'v1'])
      .default('v0')
      .describe('How the service path and the request path are joined. v1 is ignored by the traditional_compatible router, as in Kong.'),
    https_redirect_status_code: oneOfInt([426, 301, 302, 307, 308]).default(426).describe('Status sent when an https-only route is requested over http.'),
    request_buffering: z.boolean().default(true).describe('Buffer the request body before proxying.'),
    response_buffering: z.boolean().default(true).describe('Buffer the response body before sending it to the client.'),
    tags: tags.optional(),
    service: foreignRef
      .optional()
      .describe(ctx.parent === 'services' ? 'Filled in from the enclosing service.' : 'The service this route proxies to; a route without one answers 503.'),
    plugins: z.array(pluginSchema(child, registry)).optional().describe('Plugins scoped to this route (nested form).'),
    ...entityFields,
  }
  if (ctx.mode === 'document') return z.strictObject(shape).meta({ title: 'Route' })
  const route = z
    .strictObject(shape)
    .superRefine((r, c) => checkRoute(r, c), whenValid('protocols', 'methods', 'hosts', 'paths', 'headers', 'snis', 'sources', 'destinations', 'strip_path'))
  // Kong picks the route's subschema by its first known protocol; with none, it says so and stops.
  return bySubschema(route, 'protocols', hasKnownProtocol, (p) => `unknown type: ${String((p as unknown[])[0])}`)
}

const PROTOCOLS: ReadonlySet<unknown> = new Set(protocolNames)

/** Whether a list of protocols has one Kong has a route subschema for (anything else is left to the field's own checks). */
function hasKnownProtocol(p: unknown): boolean {
  return !Array.isArray(p) || p.length === 0 || !p.every((x) => typeof x === 'string') || p.some((x) => PROTOCOLS.has(x))
}

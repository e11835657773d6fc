/** Upstreams (load balancers) and their targets (Kong: upstreams.lua, targets.lua). */
import * as z from 'zod'
import type { SchemaContext } from './context.js'
import { certificateRef } from './tls.js'
import {
  foreignRef,
  headerName,
  hostWithOptionalPort,
  integer,
  isHostname,
  isIPv4,
  isIPv6,
  entityFields,
  targetFields,
  number,
  oneOf,
  servicePath,
  tags,
  uuid,
  whenValid,
} from './typedefs.js'

const HASH_ON = ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'] as const
const status = integer(100, 999)
const counter = integer(0, 255)
const seconds = number(0, 65535)

// Each level is spelled out with its defaults so an empty `healthchecks: {}`
// fills in exactly what Kong fills in.
const activeHealthy = z.strictObject({
  interval: seconds.default(0).describe('Seconds between probes of healthy targets; 0 disables them.'),
  http_statuses: z.array(status).default([200, 302]).describe('Probe statuses that count as healthy.'),
  successes: counter.default(0).describe('Successful probes needed to mark a target healthy; 0 disables.'),
})
const activeUnhealthy = z.strictObject({
  interval: seconds.default(0).describe('Seconds between probes of unhealthy targets; 0 disables them.'),
  http_statuses: z.array(status).default([429, 404, 500, 501, 502, 503, 504, 505]).describe('Probe statuses that count as failures.'),
  tcp_failures: counter.default(0).describe('TCP failures that mark a target unhealthy; 0 disables.'),
  timeouts: counter.default(0).describe('Probe timeouts that mark a target unhealthy; 0 disables.'),
  http_failures: counter.default(0).describe('HTTP failures that mark a target unhealthy; 0 disables.'),
})
const passiveHealthy = z.strictObject({
  http_statuses: z
    .array(status)
    .default([200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308])
    .describe('Proxied response statuses that count as healthy.'),
  successes: counter.default(0).describe('Successes needed to mark a target healthy again; 0 disables.'),
})
const passiveUnhealthy = z.strictObject({
  http_statuses: z.array(status).default([429, 500, 503]).describe('Proxied response statuses that count as failures.'),
  tcp_failures: counter.default(0).describe('TCP failures that mark a target unhealthy; 0 disables.'),
  timeouts: counter.default(0).describe('Timeouts that mark a target unhealthy; 0 disables.'),
  http_failures: counter.default(0).describe('HTTP failures that mark a target unhealthy; 0 disables.'),
})

const healthchecks = z
  .strictObject({
    threshold: number(0, 100).default(0).describe('Percentage of healthy weight below which the whole upstream counts as unhealthy.'),
    active: z
      .strictObject({
        type: oneOf(['tcp', 'http', 'https', 'grpc', 'grpcs']).default('http').describe('How targets are probed.'),
        timeout: seconds.default(1).describe('Seconds before a probe times out.'),
        concurrency: integer(1, 2147483648).default(10).describe('Probes run at once.'),
        http_path: servicePath.default('/').describe('Path probed with GET.'),
        https_sni: z.string().optional().describe('SNI sent by https probes.'),
        https_verify_certificate: z.boolean().default(true).describe("Verify the target's certificate on https probes."),
        headers: z.record(z.string(), z.array(z.string())).optional().describe('Extra headers sent with probes.'),
        healthy: activeHealthy.prefault({}).describe('When active probes mark a target healthy.'),
        unhealthy: activeUnhealthy.prefault({}).describe('When active probes mark a target unhealthy.'),
      })
      .prefault({})
      .describe('Active health checks: the gateway probes each target.'),
    passive: z
      .strictObject({
        type: oneOf(['tcp', 'http', 'https', 'grpc', 'grpcs']).default('http').describe('What kind of traffic is observed.'),
        healthy: passiveHealthy.prefault({}).describe('When proxied traffic marks a target healthy again.'),
        unhealthy: passiveUnhealthy.prefault({}).describe('When proxied traffic marks a target unhealthy.'),
      })
      .prefault({})
      .describe('Passive health checks (circuit breaker): proxied traffic marks targets unhealthy.'),
  })
  .prefault({})
  .describe('Health checks of the targets.')

export function upstreamSchema(ctx: SchemaContext) {
  const child: SchemaContext = { mode: ctx.mode, parent: 'upstreams' }
  const shape = {
    id: uuid.optional(),
    name: z
      .string()
      .superRefine((v, c) => {
        const m = /^(.*):(\d+)$/.exec(v)
        if (m) c.addIssue({ code: 'custom', message: `Invalid name ('${v}'); no port allowed` })
        else if (isIPv4(v) || isIPv6(v)) c.addIssue({ code: 'custom', message: `Invalid name ('${v}'); no ip addresses allowed` })
        else if (!isHostname(v)) c.addIssue({ code: 'custom', message: `Invalid name ('${v}'); must be a valid hostname` })
      })
      .describe('A hostname; a service whose host equals it is balanced over its targets.'),
    algorithm: oneOf(['consistent-hashing', 'least-connections', 'round-robin', 'latency']).default('round-robin').describe('How a target is picked.'),
    hash_on: oneOf(HASH_ON).default('none').describe('What to hash on (consistent-hashing).'),
    hash_fallback: oneOf(HASH_ON).default('none').describe('What to hash on when hash_on yields nothing.'),
    hash_on_header: headerName.optional().describe('Header hashed when hash_on is header.'),
    hash_fallback_header: headerName.optional().describe('Header hashed when hash_fallback is header.'),
    hash_on_cookie: z.string().optional().describe('Cookie hashed when hash_on or hash_fallback is cookie; set when missing.'),
    hash_on_cookie_path: servicePath.default('/').describe('Path of the cookie the gateway sets.'),
    hash_on_query_arg: z.string().min(1).optional().describe('Query argument hashed when hash_on is query_arg.'),
    hash_fallback_query_arg: z.string().min(1).optional().describe('Query argument hashed when hash_fallback is query_arg.'),
    hash_on_uri_capture: z.string().min(1).optional().describe('Route regex capture hashed when hash_on is uri_capture.'),
    hash_fallback_uri_capture: z.string().min(1).optional().describe('Route regex capture hashed when hash_fallback is uri_capture.'),
    slots: integer(10, 65536).default(10000).describe('Slots in the consistent-hashing ring.'),
    healthchecks,
    host_header: hostWithOptionalPort.optional().describe('Host header sent to the targets of this upstream.'),
    client_certificate: certificateRef(ctx, 'Certificate presented to targets as a TLS client certificate.'),
    use_srv_name: z.boolean().default(false).describe('Use the SRV record name as the TLS SNI (accepted for compatibility).'),
    tags: tags.optional(),
    targets: z.array(targetSchema(child)).optional().describe('Targets of this upstream (nested form).'),
    ...entityFields,
  }
  if (ctx.mode === 'document') return z.strictObject(shape).meta({ title: 'Upstream' })
  return z.strictObject(shape).superRefine(
    (u, c) => {
      const need = (on: string, field: keyof typeof u, which: 'hash_on' | 'hash_fallback') => {
        if (u[which] === on && u[field] === undefined) c.addIssue({ code: 'custom', path: [field], message: 'required field missing' })
      }
      for (const which of ['hash_on', 'hash_fallback'] as const) {
        need('header', which === 'hash_on' ? 'hash_on_header' : 'hash_fallback_header', which)
        need('cookie', 'hash_on_cookie', which)
        need('query_arg', which === 'hash_on' ? 'hash_on_query_arg' : 'hash_fallback_query_arg', which)
        need('uri_capture', which === 'hash_on' ? 'hash_on_uri_capture' : 'hash_fallback_uri_capture', which)
      }
      if ((u.hash_on === 'none' || u.hash_on === 'cookie') && u.hash_fallback !== 'none') {
        c.addIssue({ code: 'custom', path: ['hash_fallback'], message: 'expected one of: none' })
      }
      if (u.hash_on !== 'none' && u.hash_on === u.hash_fallback && !['header', 'query_arg', 'uri_capture'].includes(u.hash_on)) {
        c.addIssue({ code: 'custom', path: ['hash_fallback'], message: `value must not be ${u.hash_on}` })
      }
      const distinct = (a: keyof typeof u, b: keyof typeof u) => {
        if (u[a] !== undefined && u[a] === u[b])
          c.addIssue({ code: 'custom', path: [], message: `values of these fields must be distinct: '${String(a)}', '${String(b)}'` })
      }
      distinct('hash_on_header', 'hash_fallback_header')
      distinct('hash_on_query_arg', 'hash_fallback_query_arg')
      distinct('hash_on_uri_capture', 'hash_fallback_uri_capture')
    },
    whenValid(...HASH_FIELDS),
  )
}

/** The fields the upstream's entity check reads. */
const HASH_FIELDS = [
  'hash_on',
  'hash_fallback',
  'hash_on_header',
  'hash_fallback_header',
  'hash_on_cookie',
  'hash_on_query_arg',
  'hash_fallback_query_arg',
  'hash_on_uri_capture',
  'hash_fallback_uri_capture',
] as const

/** `host`, `host:port`, `ip`, `ip:port` or `[ipv6]:port`; the port defaults to 8000. */
export function parseTarget(t: string): { host: string; port: number } | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t)
  if (v6) return isIPv6(v6[1]!) ? { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 8000 } : undefined
  if (isIPv6(t)) return { host: t, port: 8000 }
  const m = /^([^:]+)(?::(\d+))?$/.exec(t)
  if (!m) return undefined
  const h = m[1]!
  if (!(isIPv4(h) || isHostname(h))) return undefined
  const p = m[2] ? Number(m[2]) : 8000
  return p <= 65535 ? { host: h, port: p } : undefined
}

export function targetSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      upstream:
        ctx.parent === 'upstreams'
          ? foreignRef.optional().describe('Filled in from the enclosing upstream.')
          : foreignRef.describe('The upstream (name or id).'),
      target: z
        .string()
        .refine((t) => parseTarget(t) !== undefined, { error: (iss) => `Invalid target ('${String(iss.input)}'); not a valid hostname or ip address` })
        .describe('host, host:port, ip:port or [ipv6]:port; the port defaults to 8000.'),
      weight: integer(0, 65535).default(100).describe('Relative share of traffic; 0 disables the target.'),
      tags: tags.optional(),
      ...targetFields,
    })
    .meta({ title: 'Target' })
}

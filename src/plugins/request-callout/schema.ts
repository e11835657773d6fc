/**
 * request-callout (Kong Enterprise, PRIORITY 812): HTTP callouts made before
 * proxying, their responses stored in kong.ctx.shared.callouts.<name> and used
 * to customise the upstream request. Fields and defaults: Kong 3.10's schema.
 */
import * as z from 'zod'
import { REQUEST_CALLOUT } from '../../errors.js'
import { host, integer, markSecret, metaFields, oneOf, port, referenceable } from '../../config/schema/typedefs.js'
import { isReference, resolveReference } from '../../config/vault.js'
import { luaEngine, unavailableIn } from './lua.js'
import { compileCalloutTemplate } from './template.js'

const timeout = integer(0, 2147483646)

/** A `custom` map: values are any JSON (null removes a field); strings may be vault references or templates. */
const custom = (what: string) =>
  markSecret(z.record(z.string(), z.unknown()), 'named')
    .transform((m, ctx) => {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(m)) {
        if (!isReference(v)) {
          out[k] = v
          continue
        }
        const r = resolveReference(v)
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error, path: [k] })
        else out[k] = r.value
      }
      return out
    })
    .optional()
    .describe(`${what} Values may contain \`$(expression)\` templates, be vault references, or be null to remove the field.`)

const byLua = (when: string) => z.string().optional().describe(`Lua code run ${when} (needs the Lua engine).`)

const proxy = z
  .strictObject({
    http_proxy: markSecret(z.string(), 'url').optional().describe('The HTTP proxy URL, used for http:// callouts.'),
    https_proxy: markSecret(z.string(), 'url').optional().describe('The HTTPS proxy URL, used for https:// callouts.'),
    auth_username: referenceable(z.string(), 'Username for basic authentication with the proxy.').optional(),
    auth_password: referenceable(z.string(), 'Password for basic authentication with the proxy. Never logged.').optional(),
  })
  .optional()
  .describe('Forward proxy settings.')

const timeouts = z
  .strictObject({
    connect: timeout.optional().describe('Connect timeout, in milliseconds.'),
    read: timeout.optional().describe('Read timeout, in milliseconds.'),
    write: timeout.optional().describe('Write timeout, in milliseconds.'),
  })
  .superRefine((t, ctx) => {
    const set = [t.connect, t.read, t.write].filter((v) => v !== undefined).length
    if (set !== 0 && set !== 3) ctx.addIssue({ code: 'custom', message: "all or none of these fields must be set: 'connect', 'read', 'write'" })
  })
  .optional()
  .describe('Socket timeouts in milliseconds. All or none must be set.')

const calloutRequest = z.strictObject({
  url: referenceable(z.string().min(1, { error: 'length must be at least 1' }), 'The URL requested.', 'url'),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/, { error: 'invalid value' })
    .default('GET')
    .describe('The HTTP method.'),
  headers: z
    .strictObject({
      forward: z.boolean().default(false).describe("Forward the incoming request's headers to the callout."),
      custom: custom('Headers added to the callout request.'),
    })
    .prefault({})
    .describe('Callout request header customizations.'),
  query: z
    .strictObject({
      forward: z.boolean().default(false).describe("Forward the incoming request's query arguments to the callout."),
      custom: custom('Query arguments added to the callout request (they replace same-named arguments of the URL).'),
    })
    .prefault({})
    .describe('Callout request query customizations.'),
  body: z
    .strictObject({
      forward: z.boolean().default(false).describe("Forward the incoming request's body to the callout."),
      decode: z.boolean().default(false).describe("Decode the incoming request's body (JSON) to make it available for customizations."),
      custom: custom('JSON body fields of the callout request.'),
    })
    .prefault({})
    .describe('Callout request body customizations.'),
  http_opts: z
    .strictObject({
      ssl_verify: z.boolean().default(false).describe("Verify the callout server's TLS certificate."),
      ssl_server_name: z.string().optional().describe('SNI sent to the callout server; defaults to the URL host.'),
      timeouts,
      proxy,
    })
    .prefault({})
    .describe('HTTP connection parameters.'),
  error: z
    .strictObject({
      on_error: oneOf(['continue', 'fail', 'retry'])
        .default('fail')
        .describe('What to do on a TCP error or an error status: fail, retry (then fail) or continue.'),
      retries: integer(0, 2147483646).default(2).describe('Retries when `on_error` is `retry`.'),
      http_statuses: z.array(integer(100, 999)).optional().describe('Callout response statuses treated as errors.'),
      error_response_code: integer(100, 999).default(REQUEST_CALLOUT.DEFAULT_CODE).describe('Status of the response sent when the callout fails.'),
      error_response_msg: z
        .string()
        .default(REQUEST_CALLOUT.DEFAULT_MESSAGE)
        .describe('Message of the response sent when the callout fails; may contain templates.'),
    })
    .prefault({})
    .describe('Error handling policy for TCP and HTTP errors.'),
  by_lua: byLua('before the callout request is made (and before the cache is looked up)'),
})

const callout = z.strictObject({
  name: z.string().min(1, { error: 'length must be at least 1' }).describe('Unique name of the callout; its results are in kong.ctx.shared.callouts.<name>.'),
  depends_on: z.array(z.string()).default([]).describe('Callouts that must complete before this one.'),
  request: calloutRequest.describe('The callout request.'),
  response: z
    .strictObject({
      headers: z
        .strictObject({ store: z.boolean().default(true).describe('Store the response headers in the context.') })
        .prefault({})
        .describe('Response header handling.'),
      body: z
        .strictObject({
          store: z.boolean().default(true).describe('Store the response body in the context.'),
          decode: z.boolean().default(false).describe('Decode the response body as JSON before storing it.'),
        })
        .prefault({})
        .describe('Response body handling.'),
      by_lua: byLua('after the callout response arrived, before it is cached'),
    })
    .prefault({})
    .describe('Callout response handling.'),
  cache: z
    .strictObject({ bypass: z.boolean().default(false).describe('Never cache this callout.') })
    .prefault({})
    .describe('Callout caching.'),
})

const nodes = (hostField: 'host' | 'ip') =>
  z
    .array(z.strictObject({ [hostField]: host.default('127.0.0.1').describe('Host name or IP address.'), port: port.default(6379).describe('Port.') }))
    .min(1, { error: 'length must be at least 1' })
    .optional()

const redis = z
  .strictObject({
    host: host.default('127.0.0.1').describe('Host name or IP address of the Redis server.'),
    port: port.default(6379).describe('Port of the Redis server.'),
    connect_timeout: timeout.default(2000).describe('Connect timeout, in milliseconds.'),
    send_timeout: timeout.default(2000).describe('Send timeout, in milliseconds.'),
    read_timeout: timeout.default(2000).describe('Read timeout, in milliseconds.'),
    username: referenceable(z.string(), 'Username for Redis ACL authentication.').optional(),
    password: referenceable(z.string(), 'Password sent with AUTH. Never logged.').optional(),
    database: z.number().int({ error: 'expected an integer' }).default(0).describe('Redis database number.'),
    ssl: z.boolean().default(false).describe('Connect over TLS.'),
    ssl_verify: z.boolean().default(false).describe("Verify the Redis server's certificate."),
    server_name: z.string().optional().describe('SNI used with `ssl`.'),
    keepalive_pool_size: integer(1, 2147483646).default(256).describe('Accepted for compatibility; one shared connection is used.'),
    keepalive_backlog: integer(0, 2147483646).optional().describe('Accepted for compatibility; ignored.'),
    sentinel_master: z.string().optional().describe('Redis Sentinel master (not supported here).'),
    sentinel_role: oneOf(['any', 'master', 'slave']).optional().describe('Redis Sentinel role (not supported here).'),
    sentinel_nodes: nodes('host').describe('Redis Sentinel nodes (not supported here).'),
    sentinel_username: referenceable(z.string(), 'Redis Sentinel username (not supported here).').optional(),
    sentinel_password: referenceable(z.string(), 'Redis Sentinel password (not supported here).').optional(),
    cluster_nodes: nodes('ip').describe('Redis Cluster nodes (not supported here).'),
    cluster_max_redirections: z.number().int({ error: 'expected an integer' }).default(5).describe('Redis Cluster redirections (not supported here).'),
    connection_is_proxied: z.boolean().default(false).describe('The connection goes through a proxy (e.g. Envoy).'),
  })
  .superRefine((r, ctx) => {
    for (const f of ['sentinel_master', 'sentinel_nodes', 'cluster_nodes'] as const)
      if (r[f] !== undefined) ctx.addIssue({ code: 'custom', path: [f], message: 'Redis Sentinel and Cluster are not supported by this gateway' })
  })
  .prefault({})
  .describe('Redis connection, when `strategy` is `redis`.')

export const config = z
  .strictObject({
    callouts: z.array(callout).describe('The callouts, run in the order their dependencies give (independent ones concurrently).'),
    upstream: z
      .strictObject({
        headers: z
          .strictObject({
            forward: z.boolean().default(true).describe('When false, no incoming header (Host, Content-Type included) is sent upstream.'),
            custom: custom('Headers set on the upstream request.'),
          })
          .prefault({})
          .describe('Upstream header customizations.'),
        query: z
          .strictObject({
            forward: z.boolean().default(true).describe('When false, the incoming query is not sent upstream.'),
            custom: custom('Query arguments set on the upstream request.'),
          })
          .prefault({})
          .describe('Upstream query customizations.'),
        body: z
          .strictObject({
            forward: z.boolean().default(true).describe('When false, the incoming body is not sent upstream.'),
            decode: z.boolean().default(true).describe("Decode the request's JSON body for customizations."),
            custom: custom('JSON body fields set on the upstream request.'),
          })
          .prefault({})
          .describe('Upstream body customizations.'),
        by_lua: byLua('before proxying; may answer with kong.response.exit'),
      })
      .prefault({})
      .describe('Customizations of the upstream request.'),
    cache: z
      .strictObject({
        strategy: oneOf(['memory', 'off', 'redis']).default('off').describe('Where callout responses are cached: off, memory or redis.'),
        cache_ttl: integer(0, 2147483646).default(300).describe('TTL of cached callout responses, in seconds.'),
        memory: z
          .strictObject({
            dictionary_name: z.string().default('kong_db_cache').describe('Name of the in-memory cache (instances with the same name share it).'),
          })
          .prefault({})
          .describe('Memory strategy settings.'),
        redis,
      })
      .prefault({})
      .describe('Callout response caching.'),
    ...metaFields,
  })
  .superRefine(checkCallouts)

type Ctx = z.RefinementCtx
type Conf = z.output<typeof config>

/** Cross-field checks: names, dependencies, templates and Lua code. */
function checkCallouts(c: Omit<Conf, never>, ctx: Ctx): void {
  const index = new Map<string, number>()
  c.callouts.forEach((co, i) => {
    if (index.has(co.name)) ctx.addIssue({ code: 'custom', path: ['callouts', i, 'name'], message: `duplicate callout name '${co.name}'` })
    else index.set(co.name, i)
  })
  c.callouts.forEach((co, i) =>
    co.depends_on.forEach((d, j) => {
      if (!index.has(d)) ctx.addIssue({ code: 'custom', path: ['callouts', i, 'depends_on', j], message: `unknown callout '${d}'` })
    }),
  )
  const cycle = findCycle(c.callouts, index)
  if (cycle)
    ctx.addIssue({
      code: 'custom',
      path: ['callouts', index.get(cycle[0]!)!, 'depends_on'],
      message: `circular dependency between callouts: ${cycle.join(' -> ')}`,
    })

  const templates = (m: Record<string, unknown> | undefined, path: (string | number)[]) => {
    for (const [k, v] of Object.entries(m ?? {})) if (typeof v === 'string') template(v, [...path, k])
  }
  const template = (source: string, path: (string | number)[]) => {
    const t = compileCalloutTemplate(source)
    if ('error' in t) return ctx.addIssue({ code: 'custom', path, message: t.error })
    for (const n of t.callouts) if (!index.has(n)) ctx.addIssue({ code: 'custom', path, message: `unknown callout '${n}' in template '${source}'` })
  }
  const lua = (source: string | undefined, path: (string | number)[]) => {
    if (source === undefined) return
    const engine = luaEngine()
    if (!engine) return ctx.addIssue({ code: 'custom', path, message: 'the Lua engine is required for by_lua code' })
    const err = engine.check(source)
    if (err) return ctx.addIssue({ code: 'custom', path, message: `error parsing by_lua code (line ${err.line}): ${err.message}` })
    const refused = unavailableIn(source)
    if (refused) ctx.addIssue({ code: 'custom', path, message: refused })
  }
  c.callouts.forEach((co, i) => {
    const p = ['callouts', i, 'request']
    templates(co.request.headers.custom, [...p, 'headers', 'custom'])
    templates(co.request.query.custom, [...p, 'query', 'custom'])
    templates(co.request.body.custom, [...p, 'body', 'custom'])
    template(co.request.error.error_response_msg, [...p, 'error', 'error_response_msg'])
    template(co.request.url, [...p, 'url'])
    lua(co.request.by_lua, [...p, 'by_lua'])
    lua(co.response.by_lua, ['callouts', i, 'response', 'by_lua'])
  })
  templates(c.upstream.headers.custom, ['upstream', 'headers', 'custom'])
  templates(c.upstream.query.custom, ['upstream', 'query', 'custom'])
  templates(c.upstream.body.custom, ['upstream', 'body', 'custom'])
  lua(c.upstream.by_lua, ['upstream', 'by_lua'])
}

/** A dependency cycle (names, first repeated at the end), or undefined. */
function findCycle(callouts: readonly { name: string; depends_on: readonly string[] }[], index: Map<string, number>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name)
    if (s === 'done') return undefined
    if (s === 'visiting') return [...stack.slice(stack.indexOf(name)), name]
    state.set(name, 'visiting')
    stack.push(name)
    for (const d of callouts[index.get(name)!]!.depends_on) {
      if (!index.has(d)) continue
      const found = visit(d)
      if (found) return found
    }
    stack.pop()
    state.set(name, 'done')
    return undefined
  }
  for (const co of callouts) {
    const found = visit(co.name)
    if (found) return found
  }
  return undefined
}

export type RequestCalloutConfig = z.infer<typeof config>
export type CalloutConfig = RequestCalloutConfig['callouts'][number]

/**
 * Kong's `kong.log.serialize()` for the log phase: the record the log plugins
 * (file-log, http-log) write and prometheus reads. Key order and value types
 * follow Kong's http subsystem serializer (kong/pdk/log.lua).
 */
import * as z from 'zod'
import type { Consumer, Route, Service } from '../../config/model.js'
import type { Kit } from '../types.js'
import { argsObject, decodeArgs, type ArgValue } from '../../http/args.js'

/** Kong's default workspace in DB-less mode (a fixed id there) and its name. */
export const DEFAULT_WORKSPACE_ID = '0dc6f45b-8f8d-40d2-a504-473544ee190b'
export const DEFAULT_WORKSPACE_NAME = 'default'

const REDACTED = 'REDACTED'

export interface LogRecord {
  request: {
    id: string
    uri: string
    url: string
    querystring: Record<string, ArgValue>
    method: string
    headers: Record<string, string | string[]>
    size: number
  }
  upstream_uri: string
  upstream_status: string
  response: { status: number; headers: Record<string, string | string[] | number>; size: number }
  latencies: { kong: number; proxy: number; request: number; receive: number }
  tries?: { ip: string; port: number }[]
  authenticated_entity?: { id: string }
  route?: Record<string, unknown>
  service?: Record<string, unknown>
  consumer?: Record<string, unknown>
  client_ip: string
  started_at: number
  source: 'upstream' | 'kong'
  workspace: string
  workspace_name: string
  correlation_id?: string
}

// Entities are frozen per config: each is copied into Kong's row shape once.
const rows = new WeakMap<object, Record<string, unknown>>()

function row(entity: object, shape: (e: never) => Record<string, unknown>): Record<string, unknown> {
  let r = rows.get(entity)
  if (!r) {
    r = shape(entity as never)
    rows.set(entity, r)
  }
  return r
}

// Kong's rows carry foreign keys as `{ id }` and the workspace id.
const routeRow = (r: Route) => ({ ...r, service: r.service === undefined ? undefined : { id: r.service }, ws_id: DEFAULT_WORKSPACE_ID })
const serviceRow = (s: Service) => ({
  ...s,
  client_certificate: s.client_certificate === undefined ? undefined : { id: s.client_certificate },
  ws_id: DEFAULT_WORKSPACE_ID,
})
const consumerRow = (c: Consumer) => ({ ...c, ws_id: DEFAULT_WORKSPACE_ID })

function requestHeaders(kit: Kit): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const h = kit.request.headers
  for (const k in h) {
    const v = h[k]
    if (v !== undefined) out[k] = v
  }
  if (out.authorization !== undefined) out.authorization = REDACTED
  if (out['proxy-authorization'] !== undefined) out['proxy-authorization'] = REDACTED
  return out
}

/** Kong's `latencies` (ms): `proxy` is -1 when nothing came back from an upstream. */
export function latencies(kit: Kit, elapsed = Math.round(kit.elapsed())): LogRecord['latencies'] {
  const p = kit.proxied
  return {
    kong: Math.round(p ? p.kongLatency : elapsed),
    proxy: p && p.upstreamLatency >= 0 ? Math.round(p.upstreamLatency) : -1,
    request: elapsed,
    receive: p && p.receiveLatency >= 0 ? Math.round(p.receiveLatency) : 0,
  }
}

/** The log record of one request; call it in the log phase. */
export function serialize(kit: Kit): LogRecord {
  const req = kit.request
  const p = kit.proxied
  const elapsed = Math.round(kit.elapsed())
  const sizes = kit.sizes()
  const record: LogRecord = {
    request: {
      id: kit.requestId,
      uri: req.rawTarget,
      url: `${req.scheme}://${req.host}:${req.port}${req.rawTarget}`,
      querystring: argsObject(decodeArgs(req.rawQuery)),
      method: req.method,
      headers: requestHeaders(kit),
      size: sizes.request,
    },
    upstream_uri: p?.uri ?? '',
    upstream_status: p && p.status > 0 ? String(p.status) : '',
    response: { status: kit.response.status, headers: { ...kit.response.headers }, size: sizes.response },
    latencies: latencies(kit, elapsed),
    tries: p ? p.tries.map((t) => ({ ip: t.ip, port: t.port })) : undefined,
    // Kong reads credential.consumer_id, which 3.x credential rows do not have: only the id is logged.
    authenticated_entity: kit.credential ? { id: kit.credential.id } : undefined,
    route: kit.route && row(kit.route, routeRow),
    service: kit.service && row(kit.service, serviceRow),
    consumer: kit.consumer && row(kit.consumer, consumerRow),
    client_ip: req.clientIp,
    started_at: kit.startedAt,
    source: kit.response.source === 'service' ? 'upstream' : 'kong',
    workspace: DEFAULT_WORKSPACE_ID,
    workspace_name: DEFAULT_WORKSPACE_NAME,
  }
  const correlation = kit.shared.correlation_id
  if (typeof correlation === 'string') record.correlation_id = correlation
  return record
}

/**
 * `custom_fields_by_lua` (Kong's typedefs.lua_code): accepted only when empty
 * until the gateway has a Lua engine, so a config that relies on it fails at
 * load instead of logging records without those fields.
 */
export const customFieldsByLua = z
  .record(z.string().min(1, { error: 'length must be at least 1' }), z.string().min(1, { error: 'length must be at least 1' }))
  .optional()
  .superRefine((m, ctx) => {
    if (m && Object.keys(m).length > 0) {
      ctx.addIssue({ code: 'custom', message: 'custom_fields_by_lua needs a Lua engine, which this gateway does not have yet: remove it or leave it empty' })
    }
  })
  .describe('Fields added to (or replaced in) the log record, each computed by a Lua expression. Not supported yet: must be empty.')

/**
 * Kong's `kong.log.serialize()` for the log phase: the record the log plugins
 * (file-log, http-log) write and prometheus reads. Key order and value types
 * follow Kong's http subsystem serializer (kong/pdk/log.lua), and so do the
 * changes kong.log.set_serialize_value asked for during the request (by any
 * snippet, custom_fields_by_lua included): applied in call order, each time a
 * record is built.
 */
import type { Consumer, Route, Service } from '../../config/model.js'
import type { Kit, KitProxied } from '../types.js'
import { argsObject, decodeArgs, type ArgValue } from '../../http/args.js'
import { recordValueText, serializeValue, serializeValues, type SerializeValue } from '../../lua/pdk/serialize-values.js'

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
    tls?: { version: string; cipher: string; client_verify: string }
  }
  upstream_uri: string
  upstream_status: string
  response: { status: number; headers: Record<string, string | string[] | number>; size: number }
  latencies: { kong: number; proxy: number; request: number; receive: number }
  tries?: TryRow[]
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

/** Kong's `balancer_data.tries` entry; `state` and `code` only on a try that failed. */
interface TryRow {
  balancer_start: number
  balancer_start_ns: number
  ip: string
  port: number
  balancer_latency: number
  balancer_latency_ns: number
  state?: 'failed'
  code?: number
}

/**
 * The tries as Kong logs them: a try that failed carries `failed` and its
 * code (502, or 504 for a timeout); so does the last try when the retries
 * ran out and the upstream answered 5xx (Kong marks it before header_filter).
 */
function tries(kit: Kit, p: KitProxied): TryRow[] {
  const retries = kit.service?.retries ?? 0
  const last = p.tries.length - 1
  return p.tries.map((t, i) => {
    const row: TryRow = {
      balancer_start: Math.floor(t.balancerStart),
      balancer_start_ns: Math.round(t.balancerStart * 1e6),
      ip: t.ip,
      port: t.port,
      balancer_latency: Math.round(t.balancerLatency),
      balancer_latency_ns: Math.round(t.balancerLatency * 1e6),
    }
    const code = t.failed ?? (i === last && last >= retries && p.status > 499 ? p.status : undefined)
    if (code !== undefined) {
      row.state = 'failed'
      row.code = code
    }
    return row
  })
}

// The listener never asks for a client certificate: nginx's $ssl_client_verify is NONE.
const CLIENT_VERIFY = 'NONE'

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

/** A route and a service as Kong's log records carry them (also the stream record, stream-log.ts). */
export const routeRecord = (r: Route): Record<string, unknown> => row(r, routeRow)
export const serviceRecord = (s: Service): Record<string, unknown> => row(s, serviceRow)

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

/**
 * Kong's `latencies` (ms): `proxy` is -1 when nothing came back from an
 * upstream, or the time a plugin that answered itself waited on a service
 * (aws-lambda's KONG_WAITING_TIME), which `kong` then leaves out.
 */
export function latencies(kit: Kit, elapsed = Math.round(kit.elapsed())): LogRecord['latencies'] {
  const p = kit.proxied
  const waited = p ? undefined : kit.waitingTime
  if (waited !== undefined) return { kong: Math.max(0, elapsed - Math.round(waited)), proxy: Math.round(waited), request: elapsed, receive: 0 }
  return {
    kong: Math.round(p ? p.kongLatency : elapsed),
    proxy: p && p.upstreamLatency >= 0 ? Math.round(p.upstreamLatency) : -1,
    request: elapsed,
    receive: p && p.receiveLatency >= 0 ? Math.round(p.receiveLatency) : 0,
  }
}

/** A log record as written: Kong's fields, changed by set_serialize_value. */
export type LogEntry = Record<string, unknown>

/**
 * The log record of one request; call it in the log phase. Throws Kong's
 * error (a plain Error) when a set_serialize_value cannot apply: a value of a
 * type JSON cannot hold, or a dotted key through a field that is not a table.
 */
export function serialize(kit: Kit): LogEntry {
  const base = record(kit) as unknown as LogEntry
  const values = serializeValues(kit)
  if (values.length > 0) applyValues(base, values)
  return base
}

function record(kit: Kit): LogRecord {
  const req = kit.request
  const p = kit.proxied
  const elapsed = Math.round(kit.elapsed())
  const sizes = kit.sizes()
  const tls = req.tls
  const record: LogRecord = {
    request: {
      id: kit.requestId,
      uri: req.rawTarget,
      url: `${req.scheme}://${req.host}:${req.port}${req.rawTarget}`,
      querystring: argsObject(decodeArgs(req.rawQuery)),
      method: req.method,
      headers: requestHeaders(kit),
      size: sizes.request,
      tls: tls && { version: tls.version, cipher: tls.cipher, client_verify: CLIENT_VERIFY },
    },
    upstream_uri: p?.uri ?? '',
    upstream_status: p ? p.statusText : '',
    response: { status: kit.response.status, headers: { ...kit.response.headers }, size: sizes.response },
    latencies: latencies(kit, elapsed),
    // Kong prepares the balancer (an empty list of tries) once a route matched: a plugin's early answer logs `[]`.
    tries: p ? tries(kit, p) : kit.route && [],
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

type Table = Record<string, unknown>

const DOT = 0x2e
const BACKSLASH = 0x5c
/**
 * Kong unescapes a key part with gsub(part, "\\.", "."), a Lua pattern where
 * `.` is any byte: a backslash and whatever follows it become a dot.
 */
const ESCAPED = /\\[\s\S]/g

/** A table of the record as Lua sees one: an array is a table whose keys are 1..n. */
const isTable = (v: unknown): v is Table | unknown[] => typeof v === 'object' && v !== null

/**
 * A copy of a table of the record, to change: the base record shares route,
 * service and consumer rows between requests (Kong deep-copies them), so
 * nothing on a key's path is changed in place. A string key on an array makes
 * it an object keyed "1".."n", as cjson writes a table with both kinds of keys.
 */
function copy(t: Table | unknown[]): Table {
  if (!Array.isArray(t)) return { ...t }
  const out: Table = {}
  t.forEach((x, i) => (out[String(i + 1)] = x))
  return out
}

/**
 * Kong's edit_result: each key is split on dots not preceded by a backslash
 * (from its second character on); missing tables on the way are created by
 * `set` and `add`, and end a `replace`; a nil value removes the field.
 */
function applyValues(root: Table, values: readonly SerializeValue[]): void {
  for (const { key, value, mode } of values) {
    const v = serializeValue(value)
    let node: Table | undefined = root
    let start = 0
    for (let i = 1; i < key.length; i++) {
      if (key.charCodeAt(i) !== DOT || key.charCodeAt(i - 1) === BACKSLASH) continue
      const sub = key.slice(start, i).replace(ESCAPED, '.')
      start = i + 1
      const child: unknown = node[sub]
      if (child === undefined) {
        if (mode === 'replace') {
          node = undefined
          break
        }
        node = node[sub] = {}
      } else if (!isTable(child)) {
        throw new Error(`The key '${key}' could not be used as a serialize value. Subkey '${sub}' is not a table. It's ${recordValueText(child)}`)
      } else {
        node = node[sub] = copy(child)
      }
    }
    if (node === undefined) continue
    const last = key.slice(start).replace(ESCAPED, '.')
    const exists = node[last] !== undefined
    if (mode === 'set' || (mode === 'add' && !exists) || (mode === 'replace' && exists)) {
      if (v === undefined) delete node[last]
      else node[last] = v
    }
  }
}

/**
 * The `kong` global of Kong's PDK as untrusted Lua sees it: request, response,
 * service (request and response), client, ctx, log, ip, node, table, vault,
 * router, nginx. One read-only table per process, acting on the current run
 * (run.ts). Names, argument checks and messages are Kong's (kong/pdk/*.lua).
 *
 * Reads of request headers see what earlier plugins set (Kong reads
 * `ngx.var.http_*`, which kong.service.request.set_header changes).
 */
import { defaultMessage } from '../../errors.js'
import { argsObject, decodeArgs, readArgs, type ArgValue } from '../../http/args.js'
import type { Exit, Kit } from '../../plugins/types.js'
import { LuaError, LuaExit } from '../core/errors.js'
import { index, tostring } from '../core/ops.js'
import { LuaTable, fromText, numberToString, toText, typeName, type LuaValue } from '../core/value.js'
import { fromLua, headerToLua, toLua } from './convert.js'
import { encodeJson } from './json.js'
import { headersSent, kit, pluginCtx, requestStatus, run, setRequestStatus, type LuaLogLevel, type LuaRun } from './run.js'
import { sharedRun, sharedToLua, type SharedRun } from './shared.js'
import { vault } from './vault.js'
import { addSerializeValue, serializedRecord } from './serialize-values.js'
import { library } from './table.js'

/** Headers that describe the client connection, not the request sent on: read from the client's request. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

/** Kong's header name lookup: `_` reads `-`, any case. */
export const headerName = (n: string): string => n.toLowerCase().replace(/_/g, '-')

/**
 * A request header as Kong's PDK reads it (ngx.var.http_* / ngx.req.get_headers): as it will
 * go upstream, so earlier plugins' changes show; `name` lower-case. The upstream copy lacks
 * what the gateway sets itself: Host is the client's until a plugin sets it (Kong's
 * set_header('host') changes the request's Host too), hop-by-hop headers are the client's. A
 * header the client repeated is its values, as nginx keeps them, while no plugin changed it
 * (Node joins repeats with ', ' or '; ', so only such a value can be one).
 */
export function liveHeader(k: Kit, n: string): string | readonly string[] | undefined {
  if (HOP_BY_HOP.has(n)) return clientHeader(k, n)
  const v = k.upstream.header(n)
  if (v === undefined) return n === 'host' ? k.request.header('host') : undefined
  if (typeof v === 'string' && (v.includes(', ') || v.includes('; ')) && v === k.request.headers[n]) return clientHeader(k, n)
  return v
}

function clientHeader(k: Kit, n: string): string | readonly string[] | undefined {
  const all = k.request.headerValues(n)
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : all
}

/** The current value of a request header (its first value when repeated, as Kong's get_header). */
export function currentHeader(name: string): string | undefined {
  const v = liveHeader(kit(), headerName(name))
  return typeof v === 'string' || v === undefined ? v : v[0]
}

/** Kong's PDK check of a header value: string, number, boolean or an array of strings. */
export function headerValue(name: LuaValue, v: LuaValue): string | string[] {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return numberToString(v)
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (v instanceof LuaTable) {
    const out: string[] = []
    for (const x of v.arr) {
      if (typeof x !== 'string') throw new LuaError(`invalid header value in array "${tostring(name)}": got ${typeName(x)}, expected string`)
      out.push(x)
    }
    return out
  }
  throw new LuaError(`invalid header value for "${tostring(name)}": got ${typeName(v)}, expected array of string, string, number or boolean`)
}

function headerNameArg(n: LuaValue, msg = 'header name must be a string'): string {
  if (typeof n !== 'string') throw new LuaError(msg)
  return n
}

/** max_headers / max_args checks as Kong's (1..1000, default 100). */
function maxArg(v: LuaValue, what: string, dflt = 100): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number') throw new LuaError(`${what} must be a number`)
  if (v < 1) throw new LuaError(`${what} must be >= 1`)
  if (v > 1000) throw new LuaError(`${what} must be <= 1000`)
  return v
}

/** Request headers as Kong returns them: lower-case names, repeated headers as arrays, at most `max`. */
export function requestHeaders(max: number): LuaTable {
  return readRequestHeaders(max)[0]
}

/** requestHeaders, and whether headers past `max` were left out (OpenResty's "truncated"). */
export function readRequestHeaders(max: number): [LuaTable, boolean] {
  const k = kit()
  const t = new LuaTable()
  const names = new Set(Object.keys(headersOf(k.upstream)))
  for (const name of Object.keys(k.request.headers)) if (HOP_BY_HOP.has(name) || name === 'host') names.add(name)
  let n = 0
  for (const name of names) {
    if (n++ >= max) return [caseInsensitive(t), true]
    t.setStr(name, headerToLua(liveHeader(k, name)))
  }
  return [caseInsensitive(t), false]
}

/**
 * What a reader past its limit returns, as Kong's patched ngx.req readers do
 * (kong/globalpatches.lua): the table, "truncated", and a notice in the log.
 */
export function maybeTruncated(t: LuaValue, truncated: boolean, what: string): LuaValue[] {
  if (!truncated) return [t]
  run().log('info', `${what} truncated`)
  return [t, 'truncated']
}

/** An argument table for Lua, with maybeTruncated's result. */
export function argsResult(r: { args: Map<string, ArgValue>; truncated: boolean }, what: string): LuaValue[] {
  return maybeTruncated(toLua(argsObject(r.args)), r.truncated, what)
}

function headersOf(up: { header(n: string): unknown }): Record<string, string | string[]> {
  return (up as unknown as { headers: Record<string, string | string[]> }).headers
}

const CI_META = new LuaTable()
CI_META.setStr('__index', (t: LuaValue, key: LuaValue): LuaValue[] => {
  if (typeof key !== 'string' || !(t instanceof LuaTable)) return []
  const n = headerName(key)
  return n === key ? [] : [t.get(n)]
})

/** A headers table whose lookups ignore case and read `_` as `-` (OpenResty's get_headers). */
export function caseInsensitive(t: LuaTable): LuaTable {
  t.metatable = CI_META
  return t
}

function logLine(level: LuaLogLevel, args: LuaValue[]): void {
  run().log(level, args.map((a) => tostring(a)).join(''))
}

/** kong.response.exit's answer from Lua arguments. */
export function exitAnswer(status: LuaValue, body: LuaValue, headers: LuaValue): Exit {
  if (typeof status !== 'number') throw new LuaError('code must be a number')
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new LuaError('code must be a number between 100 and 599')
  if (body !== undefined && typeof body !== 'string' && !(body instanceof LuaTable)) throw new LuaError('body must be a nil, string or table')
  if (headers !== undefined && !(headers instanceof LuaTable)) throw new LuaError('headers must be a nil or table')
  const h: Record<string, string | string[]> = {}
  if (headers instanceof LuaTable) {
    for (let e = headers.next(undefined); e !== undefined; e = headers.next(e[0])) {
      if (typeof e[0] !== 'string') continue
      h[e[0].toLowerCase()] = headerValue(e[0], e[1])
    }
  }
  const exit: Exit = { status, headers: h }
  if (body instanceof LuaTable) {
    exit.body = Buffer.from(encodeJson(body), 'latin1')
    h['content-type'] ??= 'application/json; charset=utf-8'
  } else if (typeof body === 'string') exit.body = Buffer.from(body, 'latin1')
  return exit
}

function exitNow(e: Exit): never {
  const r = run()
  if (headersSent(r)) throw new LuaError('headers have already been sent')
  r.exit = e
  throw new LuaExit()
}

/** Kong's name of the phase a run is in (templates and callouts run in access). */
function phaseName(r: LuaRun): string {
  return r.phase === 'template' || r.phase === 'callout' ? 'access' : r.phase
}

/** The body_filter chunk, or Kong's check_phase error elsewhere. */
function bodyChunk(): NonNullable<LuaRun['chunk']> {
  const r = run()
  if (r.chunk === undefined) throw new LuaError(`function cannot be called in ${phaseName(r)} phase (only in: body_filter)`)
  return r.chunk
}

const request = library(
  'kong.request',
  {
    get_scheme: () => kit().request.scheme,
    get_host: () => kit().request.host,
    get_port: () => kit().request.port,
    get_forwarded_scheme: () => currentHeader('x-forwarded-proto') ?? kit().request.scheme,
    get_forwarded_host: () => (currentHeader('x-forwarded-host') ?? kit().request.host).split(',')[0]!.trim().replace(/:\d+$/, ''),
    get_forwarded_port: () => Number(currentHeader('x-forwarded-port')) || kit().request.port,
    get_forwarded_path: () => currentHeader('x-forwarded-path') ?? kit().request.path,
    get_forwarded_prefix: () => currentHeader('x-forwarded-prefix'),
    get_http_version: () => Number(kit().request.httpVersion),
    get_method: () => kit().request.method,
    get_path: () => kit().request.normalizedPath,
    get_raw_path: () => kit().request.path,
    get_path_with_query: () => {
      const r = kit().request
      return r.rawQuery ? `${r.path}?${r.rawQuery}` : r.path
    },
    get_raw_query: () => kit().request.rawQuery,
    get_query_arg: (name) => {
      if (typeof name !== 'string') throw new LuaError('query argument name must be a string')
      const v = decodeArgs(kit().request.rawQuery).get(toText(name))
      return toLua(Array.isArray(v) ? v[0] : v)
    },
    get_header: (name) => currentHeader(headerNameArg(name)),
    get_raw_body: () => {
      const b = run().body
      return b === undefined ? undefined : b.toString('latin1')
    },
    get_start_time: () => kit().startedAt,
    get_uri_captures: () => {
      const c = kit().request.uriCaptures
      const t = new LuaTable()
      // Kong's unnamed table holds the whole match at [0] and each group at its own number.
      const unnamed = new LuaTable()
      c?.unnamed.forEach((v, i) => {
        if (v !== undefined) unnamed.set(i, fromText(v))
      })
      const named = new LuaTable()
      for (const [k, v] of Object.entries(c?.named ?? {})) if (v !== undefined) named.set(fromText(k), fromText(v))
      t.setStr('unnamed', unnamed)
      t.setStr('named', named)
      return t
    },
  },
  {
    get_query: (max) => argsResult(readArgs(kit().request.rawQuery, maxArg(max, 'max_args')), 'uri args'),
    get_headers: (max) => {
      const [t, truncated] = readRequestHeaders(maxArg(max, 'max_headers'))
      return maybeTruncated(t, truncated, 'request headers')
    },
    get_body: (mimetype) => {
      const r = run()
      const k = kit()
      const type = typeof mimetype === 'string' ? mimetype : (k.request.header('content-type') ?? '')
      const body = r.body?.toString('utf8') ?? ''
      if (type.includes('application/json')) {
        try {
          return [toLua(JSON.parse(body)), undefined, 'application/json']
        } catch {
          return [undefined, 'invalid json body', 'application/json']
        }
      }
      // Kong logs a form read past 100 arguments but returns no error for it.
      if (type.includes('application/x-www-form-urlencoded'))
        return [argsResult(readArgs(body), 'post args')[0], undefined, 'application/x-www-form-urlencoded']
      if (type.includes('multipart/form-data')) return [undefined, 'multipart/form-data bodies are not decoded here', 'multipart/form-data']
      return [undefined, 'missing content type', undefined]
    },
  },
)

const response = library('kong.response', {
  get_status: () => (headersSent(run()) ? kit().response.status : requestStatus(kit())),
  get_header: (name) => headerToLua(kit().response.headers[headerNameArg(name).toLowerCase()]),
  get_headers: (max) => {
    const m = maxArg(max, 'max_headers')
    const t = new LuaTable()
    let n = 0
    for (const [k, v] of Object.entries(kit().response.headers)) {
      if (n++ >= m) break
      t.setStr(k, headerToLua(v))
    }
    return caseInsensitive(t)
  },
  get_source: () => kit().response.source,
  set_status: (status) => {
    const r = run()
    if (r.phase !== 'rewrite' && r.phase !== 'access' && r.phase !== 'header_filter') throw new LuaError('headers have already been sent')
    if (typeof status !== 'number') throw new LuaError('code must be a number')
    if (status < 100 || status > 599) throw new LuaError('code must be a number between 100 and 599')
    // Before the response exists the status waits with the request (the early response draft keeps 0).
    if (r.phase === 'header_filter') kit().response.status = status
    else setRequestStatus(kit(), status)
  },
  set_header: (name, v) => {
    if (typeof name !== 'string') throw new LuaError('header name must be a string')
    kit().response.setHeader(name.toLowerCase(), headerValue(name, v))
  },
  add_header: (name, v) => {
    if (typeof name !== 'string') throw new LuaError('header name must be a string')
    const value = headerValue(name, v)
    for (const x of Array.isArray(value) ? value : [value]) kit().response.addHeader(name.toLowerCase(), x)
  },
  clear_header: (name) => kit().response.clearHeader(headerNameArg(name).toLowerCase()),
  set_headers: (headers) => {
    if (!(headers instanceof LuaTable)) throw new LuaError('headers must be a table')
    for (let e = headers.next(undefined); e !== undefined; e = headers.next(e[0])) {
      if (typeof e[0] !== 'string') throw new LuaError('header name must be a string')
      kit().response.setHeader(e[0].toLowerCase(), headerValue(e[0], e[1]))
    }
  },
  get_raw_body: () => bodyChunk().data,
  set_raw_body: (body) => {
    const c = bodyChunk()
    if (typeof body !== 'string') throw new LuaError('body must be a string')
    // As Kong's: nginx needs a byte to end an emptied body.
    c.data = body === '' ? '\n' : body
    c.eof = true
  },
  exit: (status, body, headers) => exitNow(exitAnswer(status, body, headers)),
  error: (status, message, headers) => {
    if (typeof status !== 'number') throw new LuaError('code must be a number')
    if (status < 400 || status > 599) throw new LuaError('code must be a number between 400 and 599')
    if (message !== undefined && typeof message !== 'string' && !(message instanceof LuaTable)) throw new LuaError('message must be a nil, a string or a table')
    const e = exitAnswer(status, undefined, headers)
    // Kong's error template (message and request_id, negotiated on Accept); a table message is its JSON text.
    e.error = message === undefined ? defaultMessage(status) : toText(typeof message === 'string' ? message : encodeJson(message))
    exitNow(e)
  },
})

const serviceRequest = library('kong.service.request', {
  set_scheme: (s) => {
    if (typeof s !== 'string') throw new LuaError('scheme must be a string')
    if (s !== 'http' && s !== 'https') throw new LuaError(`invalid scheme: ${s}`)
    throw new LuaError('kong.service.request.set_scheme is not available here')
  },
  set_path: (p) => {
    if (typeof p !== 'string') throw new LuaError('path must be a string')
    if (!p.startsWith('/')) throw new LuaError('path must start with /')
    kit().upstream.setPath(toText(p))
  },
  set_raw_query: (q) => {
    if (typeof q !== 'string') throw new LuaError('query must be a string')
    kit().upstream.setRawQuery(q)
  },
  set_method: (m) => {
    if (typeof m !== 'string') throw new LuaError('method must be a string')
    if (!/^(GET|HEAD|PUT|POST|DELETE|OPTIONS|MKCOL|COPY|MOVE|PROPFIND|PROPPATCH|LOCK|UNLOCK|PATCH|TRACE)$/.test(m)) throw new LuaError(`invalid method: ${m}`)
    kit().upstream.setMethod(m)
  },
  set_query: (args) => {
    if (!(args instanceof LuaTable)) throw new LuaError('args must be a table')
    kit().upstream.setRawQuery(encodeQuery(args))
  },
  set_header: (name, v) => {
    if (typeof name !== 'string') throw new LuaError('header must be a string')
    if (v === undefined) kit().upstream.clearHeader(headerName(name))
    else kit().upstream.setHeader(name.toLowerCase(), headerValue(name, v))
  },
  add_header: (name, v) => {
    if (typeof name !== 'string') throw new LuaError('header must be a string')
    const up = kit().upstream
    const cur = up.header(name)
    const prev = cur === undefined ? [] : Array.isArray(cur) ? cur : [cur]
    const add = headerValue(name, v)
    up.setHeader(name.toLowerCase(), [...prev, ...(Array.isArray(add) ? add : [add])])
  },
  clear_header: (name) => {
    if (typeof name !== 'string') throw new LuaError('header must be a string')
    kit().upstream.clearHeader(name.toLowerCase())
  },
  set_headers: (headers) => {
    if (!(headers instanceof LuaTable)) throw new LuaError('headers must be a table')
    for (let e = headers.next(undefined); e !== undefined; e = headers.next(e[0])) {
      if (typeof e[0] !== 'string') throw new LuaError('header must be a string')
      kit().upstream.setHeader(e[0].toLowerCase(), headerValue(e[0], e[1]))
    }
  },
  set_raw_body: (b) => {
    if (typeof b !== 'string') throw new LuaError('body must be a string')
    kit().upstream.setBody(Buffer.from(b, 'latin1'))
  },
  set_body: (args, mime) => {
    if (!(args instanceof LuaTable)) throw new LuaError('args must be a table')
    if (mime !== undefined && typeof mime !== 'string') throw new LuaError('mime must be a string')
    const k = kit()
    const type = typeof mime === 'string' ? mime : (k.request.header('content-type') ?? '')
    if (type.includes('application/json')) {
      k.upstream.setBody(Buffer.from(encodeJson(args), 'latin1'))
      k.upstream.setHeader('content-type', type || 'application/json')
    } else if (type.includes('application/x-www-form-urlencoded') || type === '') {
      k.upstream.setBody(Buffer.from(encodeQuery(args), 'latin1'))
      k.upstream.setHeader('content-type', 'application/x-www-form-urlencoded')
    } else throw new LuaError(`unsupported content type ${type}`)
  },
  enable_buffering: () => undefined,
})

/** A Lua args table as a query string (Kong's encode_args: sorted keys, arrays repeat, true is a bare key). */
export function encodeQuery(args: LuaTable): string {
  const keys: string[] = []
  for (let e = args.next(undefined); e !== undefined; e = args.next(e[0])) {
    if (typeof e[0] !== 'string' && typeof e[0] !== 'number') throw new LuaError(`invalid key: got ${typeName(e[0])}`)
    keys.push(typeof e[0] === 'number' ? numberToString(e[0]) : e[0])
  }
  keys.sort()
  const enc = (s: string) => encodeURIComponent(toText(s))
  const parts: string[] = []
  for (const k of keys) {
    const v = args.get(k) ?? args.get(Number(k))
    const one = (x: LuaValue) => {
      if (x === true) parts.push(enc(k))
      else if (x === false || x === undefined) return
      else if (typeof x === 'string' || typeof x === 'number') parts.push(`${enc(k)}=${enc(tostring(x))}`)
      else throw new LuaError(`invalid value "${k}": got ${typeName(x)}, expected array of string, string, number or boolean`)
    }
    if (v instanceof LuaTable) for (const x of v.arr) one(x)
    else one(v)
  }
  return parts.join('&')
}

const serviceResponse = library('kong.service.response', {
  get_status: () => {
    const p = kit().proxied
    return p === undefined || p.status === 0 ? undefined : p.status
  },
  get_header: (name) => {
    if (typeof name !== 'string') throw new LuaError('name must be a string')
    const k = kit()
    return k.proxied === undefined ? undefined : headerToLua(k.response.headers[name.toLowerCase()])
  },
  get_headers: (max) => {
    const m = maxArg(max, 'max_headers')
    const k = kit()
    const t = new LuaTable()
    if (k.proxied === undefined) return t
    let n = 0
    for (const [name, v] of Object.entries(k.response.headers)) {
      if (n++ >= m) break
      t.setStr(name, headerToLua(v))
    }
    return caseInsensitive(t)
  },
  get_raw_body: () => {
    const c = run().chunk
    if (c === undefined) throw new LuaError('service body is only available with buffered proxying (see: kong.service.request.enable_buffering function)')
    return c.data
  },
})

const service = library('kong.service', {
  set_target: (host, port) => {
    if (typeof host !== 'string') throw new LuaError('host must be a string')
    if (typeof port !== 'number' || !Number.isInteger(port)) throw new LuaError('port must be an integer')
    if (port < 0 || port > 65535) throw new LuaError('port must be an integer between 0 and 65535: given ' + numberToString(port))
    kit().upstream.setTarget(host, port)
  },
  request: serviceRequest,
  response: serviceResponse,
})

const credentialTable = (): LuaValue => {
  const c = kit().credential
  return c === undefined ? undefined : toLua({ id: c.id, consumer: c.consumer === undefined ? undefined : { id: c.consumer } })
}

const client = library('kong.client', {
  // Kong: get_ip is the connection's peer (realip_remote_addr), get_forwarded_ip what realip made of it.
  get_ip: () => kit().request.peerIp,
  get_forwarded_ip: () => kit().request.clientIp,
  get_port: () => Number(kit().request.port),
  get_forwarded_port: () => Number(currentHeader('x-forwarded-port')) || kit().request.port,
  get_credential: credentialTable,
  get_consumer: () => {
    const c = kit().consumer
    return c === undefined ? undefined : toLua({ id: c.id, username: c.username, custom_id: c.custom_id, tags: c.tags })
  },
  get_protocol: () => kit().request.scheme,
  authenticate: () => {
    throw new LuaError('kong.client.authenticate is not available to untrusted Lua here')
  },
  load_consumer: () => {
    throw new LuaError('kong.client.load_consumer is not available to untrusted Lua here')
  },
})

function sharedState(r: LuaRun): SharedRun {
  return (r.shared ??= sharedRun())
}

const SHARED_META = new LuaTable()
SHARED_META.setStr('__index', (_t: LuaValue, key: LuaValue): LuaValue[] => {
  if (typeof key !== 'string') return [undefined]
  const r = run()
  const s = sharedState(r)
  const k = toText(key)
  if (s.read.has(k)) return [s.read.get(k)]
  const lv = sharedToLua(kit().shared[k], s.bridge)
  s.read.set(k, lv)
  return [lv]
})
SHARED_META.setStr('__newindex', (_t: LuaValue, key: LuaValue, v: LuaValue): LuaValue[] => {
  if (typeof key !== 'string') throw new LuaError('kong.ctx.shared keys must be strings')
  const record = kit().shared
  const s = sharedState(run())
  const k = toText(key)
  s.read.set(k, v)
  if (v === undefined) delete record[k]
  else if (v instanceof LuaTable) {
    s.assigned = true
    const js = fromLua(v)
    record[k] = js
    if (typeof js === 'object' && js !== null) s.bridge.set(v, js)
  } else record[k] = typeof v === 'string' ? toText(v) : v
  return []
})
/** kong.ctx.shared: a view of the request's shared record (TypeScript plugins see the same values). */
const shared = new LuaTable()
shared.metatable = SHARED_META
// One proxy serves every request: raw writes (table.insert) must not land in it.
shared.readonlyName = 'kong.ctx.shared'

const CTX_META = new LuaTable()
CTX_META.setStr('__index', (_t: LuaValue, key: LuaValue): LuaValue[] => {
  if (key === 'shared') return [shared]
  if (key === 'plugin') {
    const r = run()
    return [pluginCtx(kit(), r.instance)]
  }
  return [undefined]
})
CTX_META.setStr('__newindex', (_t: LuaValue, key: LuaValue): LuaValue[] => {
  throw new LuaError(`Cannot modify kong.ctx.${tostring(key)}. Protected by the sandbox.`)
})
const ctx = new LuaTable()
ctx.metatable = CTX_META
ctx.readonlyName = 'kong.ctx'

const log = library('kong.log', {
  alert: (...a) => logLine('error', a),
  crit: (...a) => logLine('error', a),
  err: (...a) => logLine('error', a),
  warn: (...a) => logLine('warn', a),
  notice: (...a) => logLine('info', a),
  info: (...a) => logLine('info', a),
  debug: (...a) => logLine('debug', a),
  inspect: (...a) => run().log('info', a.map((x) => inspect(x, 0)).join(' ')),
  // Kept as given, applied by serialize() (serialize-values.ts, plugins/shared/log-serializer.ts).
  set_serialize_value: (key, value, options) => {
    if (typeof key !== 'string') throw new LuaError('key must be a string')
    // Kong's `options and options.mode or "set"`.
    const given = options === undefined || options === false ? undefined : index(options, 'mode', "local 'options'")
    const mode = given === undefined || given === false ? 'set' : given
    if (mode !== 'set' && mode !== 'add' && mode !== 'replace') throw new LuaError("mode must be 'set', 'add' or 'replace'")
    addSerializeValue(kit(), { key: toText(key), value, mode })
  },
  // The record the log plugins write, set_serialize_value's changes applied (Kong: log phase only).
  serialize: () => {
    const r = run()
    if (r.phase !== 'log') throw new LuaError(`function cannot be called in ${phaseName(r)} phase (only in: log)`)
    let record: unknown
    try {
      record = serializedRecord(kit())
    } catch (e) {
      // A set_serialize_value value JSON cannot hold: Kong's serialize raises it too.
      throw new LuaError((e as Error).message)
    }
    return toLua(record)
  },
})

/** Where kong.log.set_serialize_value keeps its list in the request's shared record. */
export { SERIALIZE } from './serialize-values.js'

function inspect(v: LuaValue, depth: number): string {
  if (typeof v === 'string') return JSON.stringify(toText(v))
  if (!(v instanceof LuaTable) || depth > 5) return tostring(v)
  const parts: string[] = []
  for (let e = v.next(undefined); e !== undefined; e = v.next(e[0]))
    parts.push(`${typeof e[0] === 'string' ? e[0] : `[${inspect(e[0], depth + 1)}]`} = ${inspect(e[1], depth + 1)}`)
  return `{ ${parts.join(', ')} }`
}

const ip = library('kong.ip', {
  // Whether `address` is in --trusted-ips (Kong's trusted_ips); anything not an IP address is not.
  is_trusted: (address) => typeof address === 'string' && kit().request.isTrustedIp(toText(address)),
})

const node = library('kong.node', {
  get_id: () => process.env.KONG_NODE_ID ?? undefined,
  get_hostname: () => fromText((process.env.HOSTNAME ?? '') || 'localhost'),
})

const tableLib = library('kong.table', {
  new: () => new LuaTable(),
  // A library table (string, kong.request, ...) is read-only here too: clearing one would empty it for every snippet.
  clear: (t) => {
    if (t instanceof LuaTable) t.clear()
  },
})

const nginx = library('kong.nginx', {
  get_subsystem: () => 'http',
})

const router = library('kong.router', {
  get_route: () => toLua(kit().route),
  get_service: () => toLua(kit().service),
})

/** The `kong` table (one per process). */
export const kong: LuaTable = library('kong', {
  request,
  response,
  service,
  client,
  ctx,
  log,
  ip,
  node,
  table: tableLib,
  nginx,
  router,
  vault,
  version: '3.9.0',
  version_num: 3009000,
})

/** Kong's log levels by name, for ngx.log's numeric levels. */
export const LOG_LEVELS: Record<number, LuaLogLevel> = {
  0: 'error',
  1: 'error',
  2: 'error',
  3: 'error',
  4: 'error',
  5: 'warn',
  6: 'info',
  7: 'info',
  8: 'debug',
}

export { exitNow }

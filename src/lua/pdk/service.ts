/**
 * kong.service: the upstream target, kong.service.request (what goes upstream:
 * path, query, method, headers, body) and kong.service.response (what came
 * back). encodeQuery is Kong's encode_args, shared with ngx.encode_args.
 */
import { LuaError } from '../core/errors.js'
import { tostring } from '../core/ops.js'
import { LuaTable, numberToString, toText, typeName, type LuaValue } from '../core/value.js'
import { headerToLua } from './convert.js'
import { caseInsensitive, headerName, headerValue, maxArg } from './headers.js'
import { encodeJson } from './json.js'
import { kit, run } from './run.js'
import { library } from './table.js'

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

export const service = library('kong.service', {
  set_target: (host, port) => {
    if (typeof host !== 'string') throw new LuaError('host must be a string')
    if (typeof port !== 'number' || !Number.isInteger(port)) throw new LuaError('port must be an integer')
    if (port < 0 || port > 65535) throw new LuaError('port must be an integer between 0 and 65535: given ' + numberToString(port))
    kit().upstream.setTarget(host, port)
  },
  request: serviceRequest,
  response: serviceResponse,
})

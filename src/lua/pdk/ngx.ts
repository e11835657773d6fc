/**
 * The request-bound half of the `ngx` global as snippets in the wild use it
 * (OpenResty's lua-nginx-module API): ngx.var, ngx.req.*, ngx.say / print /
 * exit / status / header / ctx / arg / log, ngx.worker, ngx.config, and the
 * functions this gateway cannot offer (timers, cosockets, subrequests), which
 * fail with a message naming them. The pure functions (ngx.re, codecs, time,
 * constants) come from lib/ngx and are merged into the same table.
 *
 * `ngx` is a proxy: reads go to the members or the live values (status, ctx,
 * headers_sent), writes are allowed only where OpenResty allows them
 * (ngx.status, ngx.ctx) and raise Kong's sandbox message elsewhere.
 */
import { defaultMessage, luaUnavailable, type ErrorAnswer } from '../../errors.js'
import { decodeArgs, readArgs } from '../../http/args.js'
import { LuaError, LuaExit } from '../core/errors.js'
import { tostring } from '../core/ops.js'
import { LuaTable, LuaUserdata, fromText, numberToString, toText, typeName, type LuaFunction, type LuaValue } from '../core/value.js'
import { headerToLua } from './convert.js'
import { argsResult, currentHeader, headerName, headerValue, maybeTruncated, readRequestHeaders } from './headers.js'
import { LOG_LEVELS } from './log.js'
import { exitNow } from './response.js'
import { headersSent, kit, ngxCtx, requestStatus, run, setRequestStatus } from './run.js'
import { encodeQuery } from './service.js'
import { library } from './table.js'

/** OpenResty's method constants (ngx.HTTP_GET ...) by value, for ngx.req.set_method. */
const METHODS: Record<number, string> = {
  2: 'GET',
  4: 'HEAD',
  8: 'POST',
  16: 'PUT',
  32: 'DELETE',
  64: 'MKCOL',
  128: 'COPY',
  256: 'MOVE',
  512: 'OPTIONS',
  1024: 'PROPFIND',
  2048: 'PROPPATCH',
  4096: 'LOCK',
  8192: 'UNLOCK',
  16384: 'PATCH',
  32768: 'TRACE',
}

/** nginx variables, by name (`ngx.var.x`); `http_*`, `arg_*`, `cookie_*` are prefixes. */
const VARS: Record<string, () => LuaValue> = {
  uri: () => kit().request.normalizedPath,
  document_uri: () => kit().request.normalizedPath,
  request_uri: () => kit().request.rawTarget,
  args: () => kit().request.rawQuery || undefined,
  query_string: () => kit().request.rawQuery || undefined,
  is_args: () => (kit().request.rawQuery ? '?' : ''),
  host: () => kit().request.host,
  hostname: () => fromText(process.env.HOSTNAME || 'localhost'),
  scheme: () => kit().request.scheme,
  https: () => (kit().request.scheme === 'https' ? 'on' : ''),
  request_method: () => kit().request.method,
  server_protocol: () => `HTTP/${kit().request.httpVersion}`,
  remote_addr: () => kit().request.clientIp,
  realip_remote_addr: () => kit().request.peerIp,
  binary_remote_addr: () => binaryAddr(kit().request.clientIp),
  server_addr: () => kit().request.serverAddr,
  server_port: () => String(kit().request.port),
  request_id: () => kit().requestId,
  kong_request_id: () => kit().requestId,
  request_time: () => (kit().elapsed() / 1000).toFixed(3),
  msec: () => (Date.now() / 1000).toFixed(3),
  time_iso8601: () => new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
  request_length: () => String(kit().sizes().request),
  bytes_sent: () => String(kit().sizes().response),
  status: () => String(kit().response.status),
  content_type: () => currentHeader('content-type'),
  content_length: () => currentHeader('content-length'),
  connection: () => String(kit().request.connection.id),
  connection_requests: () => String(kit().request.connection.requests),
  upstream_uri: () => {
    const up = kit().upstream
    return up.path
  },
  upstream_host: () => currentHeader('host'),
  upstream_scheme: () => kit().service?.protocol,
  upstream_status: () => {
    const p = kit().proxied
    const text = p?.statusText
    return text === '' ? undefined : text
  },
  upstream_addr: () => {
    const p = kit().proxied
    return p?.tries.map((t) => `${t.ip}:${t.port}`).join(', ')
  },
}

function binaryAddr(ip: string): string {
  const parts = ip.split('.')
  if (parts.length === 4) return String.fromCharCode(...parts.map(Number))
  return ip
}

function variable(name: string): LuaValue {
  const get = VARS[name]
  if (get !== undefined) return get()
  if (name.startsWith('http_')) return currentHeader(name.slice(5))
  if (name.startsWith('arg_')) {
    const v = decodeArgs(kit().request.rawQuery).get(toText(name.slice(4)))
    const first = Array.isArray(v) ? v[0] : v
    return first === true ? '' : typeof first === 'string' ? fromText(first) : undefined
  }
  if (name.startsWith('cookie_')) {
    const want = name.slice(7)
    for (const part of (currentHeader('cookie') ?? '').split(';')) {
      const i = part.indexOf('=')
      if (i > 0 && part.slice(0, i).trim() === want) return part.slice(i + 1).trim()
    }
    return undefined
  }
  if (name.startsWith('sent_http_')) return headerToLua(kit().response.headers[name.slice(10).replace(/_/g, '-')])
  return undefined
}

function setVariable(name: string, v: LuaValue): void {
  const k = kit()
  switch (name) {
    case 'upstream_uri': {
      if (typeof v !== 'string') throw new LuaError('variable "upstream_uri" must be a string')
      const q = v.indexOf('?')
      k.upstream.setPath(toText(q < 0 ? v : v.slice(0, q)))
      if (q >= 0) k.upstream.setRawQuery(v.slice(q + 1))
      return
    }
    case 'upstream_host':
      if (typeof v !== 'string') throw new LuaError('variable "upstream_host" must be a string')
      k.upstream.setHeader('host', v)
      return
    case 'args':
      k.upstream.setRawQuery(v === undefined ? '' : tostring(v))
      return
  }
  throw new LuaError(`variable "${name}" not changeable`)
}

const varMeta = new LuaTable()
varMeta.setStr('__index', ((_t: LuaValue, k: LuaValue) => [typeof k === 'string' ? variable(k) : undefined]) as LuaFunction)
varMeta.setStr('__newindex', ((_t: LuaValue, k: LuaValue, v: LuaValue) => {
  setVariable(tostring(k), v)
  return []
}) as LuaFunction)
const varTable = new LuaTable()
varTable.metatable = varMeta
varTable.readonlyName = 'ngx.var'

const headerMeta = new LuaTable()
headerMeta.setStr('__index', ((_t: LuaValue, k: LuaValue) => [
  typeof k === 'string' ? headerToLua(kit().response.headers[headerName(k)]) : undefined,
]) as LuaFunction)
headerMeta.setStr('__newindex', ((_t: LuaValue, k: LuaValue, v: LuaValue) => {
  if (typeof k !== 'string') throw new LuaError('header name must be a string')
  const r = run()
  if (r.phase === 'body_filter' || r.phase === 'log') throw new LuaError('attempt to set ngx.header.HEADER after sending out response headers')
  const res = kit().response
  if (v === undefined) res.clearHeader(headerName(k))
  else res.setHeader(headerName(k), headerValue(k, v))
  return []
}) as LuaFunction)
const headerTable = new LuaTable()
headerTable.metatable = headerMeta
headerTable.readonlyName = 'ngx.header'

const argMeta = new LuaTable()
argMeta.setStr('__index', ((_t: LuaValue, k: LuaValue) => {
  const c = run().chunk
  if (c === undefined) return [undefined]
  return [k === 1 ? c.data : k === 2 ? c.eof : undefined]
}) as LuaFunction)
argMeta.setStr('__newindex', ((_t: LuaValue, k: LuaValue, v: LuaValue) => {
  const c = run().chunk
  if (c === undefined) throw new LuaError('ngx.arg is only available in body_filter')
  if (k === 1) c.data = v === undefined ? '' : tostring(v)
  else if (k === 2) c.eof = v !== undefined && v !== false
  return []
}) as LuaFunction)
const argTable = new LuaTable()
argTable.metatable = argMeta
argTable.readonlyName = 'ngx.arg'

/** What ngx.print accepts, flattened (arrays nest), as OpenResty writes it. */
function output(v: LuaValue, out: string[], depth = 0): void {
  if (typeof v === 'string') out.push(v)
  else if (typeof v === 'number') out.push(numberToString(v))
  else if (typeof v === 'boolean') out.push(v ? 'true' : 'false')
  else if (v === undefined) out.push('nil')
  else if (v instanceof LuaUserdata) out.push('null')
  else if (v instanceof LuaTable && depth < 100) for (const x of v.arr) output(x, out, depth + 1)
  else throw new LuaError(`bad argument #1 to 'print' (string, number, boolean, nil, ngx.null, or array table expected, got ${typeName(v)})`)
}

function print(args: LuaValue[], newline: boolean): LuaValue {
  const r = run()
  if (r.phase !== 'rewrite' && r.phase !== 'access') throw new LuaError(`API disabled in the context of ${r.phase}`)
  for (const a of args) output(a, r.out)
  if (newline) r.out.push('\n')
  return 1
}

/** ngx.exit / the end of a run that wrote output: the answer it makes. */
export function outputExit(status: number): void {
  const r = run()
  if (r.out.length > 0) {
    const body = Buffer.from(r.out.join(''), 'latin1')
    r.out = []
    r.exit = { status: requestStatus(r.kit) || 200, body, headers: { 'content-type': 'text/plain' } }
    return
  }
  // nginx hands an error status to Kong's error handler (error_page): its template, with
  // request_id, negotiated as nginx-level errors are.
  if (status >= 400) {
    const answer: ErrorAnswer = { status, error: defaultMessage(status), negotiate: 'nginx' }
    r.exit = answer
  } else r.exit = { status, body: Buffer.alloc(0), headers: {} }
}

function exit(status: LuaValue): never {
  if (typeof status !== 'number') throw new LuaError("bad argument #1 to 'exit' (number expected, got " + typeName(status) + ')')
  const r = run()
  if (status === 0) throw new LuaExit() // ngx.OK: this handler ends, the request goes on
  if (headersSent(r)) throw new LuaError('attempt to call ngx.exit after sending out the headers')
  outputExit(status < 0 ? 500 : status)
  throw new LuaExit()
}

const req = library(
  'ngx.req',
  {
    set_header: (name, v) => {
      if (typeof name !== 'string') throw new LuaError("bad argument #1 to 'set_header' (string expected)")
      if (v === undefined) kit().upstream.clearHeader(headerName(name))
      else kit().upstream.setHeader(headerName(name), headerValue(name, v))
    },
    clear_header: (name) => {
      if (typeof name !== 'string') throw new LuaError("bad argument #1 to 'clear_header' (string expected)")
      kit().upstream.clearHeader(headerName(name))
    },
    set_uri_args: (args) => {
      if (typeof args === 'string') kit().upstream.setRawQuery(args)
      else if (args instanceof LuaTable) kit().upstream.setRawQuery(encodeQuery(args))
      else throw new LuaError("bad argument #1 to 'set_uri_args' (string or table expected)")
    },
    get_method: () => kit().upstream.method,
    set_method: (m) => {
      const name = typeof m === 'number' ? METHODS[m] : undefined
      if (name === undefined) throw new LuaError(`unsupported HTTP method: ${tostring(m)}`)
      kit().upstream.setMethod(name)
    },
    set_uri: (uri) => {
      if (typeof uri !== 'string' || uri === '') throw new LuaError("bad argument #1 to 'set_uri' (non-empty string expected)")
      kit().upstream.setPath(toText(uri))
    },
    read_body: () => undefined,
    discard_body: () => undefined,
    get_body_data: () => {
      const b = run().body
      return b === undefined || b.length === 0 ? undefined : b.toString('latin1')
    },
    set_body_data: (s) => {
      if (typeof s !== 'string') throw new LuaError("bad argument #1 to 'set_body_data' (string expected)")
      kit().upstream.setBody(Buffer.from(s, 'latin1'))
    },
    get_body_file: () => undefined,
    http_version: () => Number(kit().request.httpVersion),
    start_time: () => kit().startedAt / 1000,
    is_internal: () => false,
    raw_header: (noRequestLine) => {
      const r = kit().request
      const lines: string[] = []
      if (noRequestLine === undefined || noRequestLine === false) lines.push(`${r.method} ${r.rawTarget} HTTP/${r.httpVersion}`)
      for (const [k, v] of Object.entries(r.headers)) for (const x of Array.isArray(v) ? v : [v]) if (x !== undefined) lines.push(`${k}: ${x}`)
      return lines.join('\r\n') + '\r\n\r\n'
    },
  },
  {
    // The same view as kong.request.get_headers; OpenResty's 0 means no limit.
    get_headers: (max) => {
      const n = max === undefined ? 100 : Number(max)
      const [t, truncated] = readRequestHeaders(n > 0 ? n : Infinity)
      return maybeTruncated(t, truncated, 'request headers')
    },
    get_uri_args: (max) => argsResult(readArgs(kit().request.rawQuery, max === undefined ? 100 : Number(max)), 'uri args'),
    get_post_args: (max) => {
      const b = run().body
      if (b === undefined) throw new LuaError('request body not read')
      return argsResult(readArgs(b.toString('latin1'), max === undefined ? 100 : Number(max)), 'post args')
    },
  },
)

const worker = library('ngx.worker', {
  id: () => 0,
  pid: () => process.pid,
  count: () => 1,
  exiting: () => false,
})

const config = library('ngx.config', {
  subsystem: 'http',
  ngx_lua_version: 10026,
  nginx_version: 1027001,
  debug: false,
  prefix: () => '/usr/local/kong/',
  nginx_configure: () => '',
})

/** What this gateway's Lua cannot do, by name: each raises a message naming it. */
export const UNAVAILABLE = [
  'ngx.timer.at',
  'ngx.timer.every',
  'ngx.socket.tcp',
  'ngx.socket.udp',
  'ngx.socket.connect',
  'ngx.location.capture',
  'ngx.location.capture_multi',
  'ngx.thread.spawn',
  'ngx.thread.wait',
  'ngx.sleep',
  'ngx.exec',
  'ngx.shared',
] as const

/** The catalogue's message (src/errors.ts), the one validation gives when it sees the use statically. */
function unavailable(name: string): LuaFunction {
  return () => {
    throw new LuaError(luaUnavailable(name))
  }
}

/** ngx.shared: every dict, static (`ngx.shared.cache`) or computed (`ngx.shared[name]`), raises its name. */
function sharedDicts(): LuaTable {
  const t = library('ngx.shared', {})
  const meta = new LuaTable()
  meta.setStr('__index', ((_t: LuaValue, k: LuaValue) => {
    throw new LuaError(luaUnavailable(`ngx.shared.${typeof k === 'string' ? k : tostring(k)}`))
  }) as LuaFunction)
  t.metatable = meta
  return t
}

function group(prefix: string): LuaTable {
  const members: Record<string, LuaValue> = {}
  for (const n of UNAVAILABLE) if (n.startsWith(prefix + '.')) members[n.slice(prefix.length + 1)] = unavailable(n)
  return library(prefix, members)
}

/** The request-bound members of `ngx`; `pure` (lib/ngx) holds the rest. */
export function buildNgx(pure: LuaTable): LuaTable {
  const members = new LuaTable()
  for (let e = pure.next(undefined); e !== undefined; e = pure.next(e[0])) members.set(e[0], e[1])
  const add: Record<string, LuaValue> = {
    var: varTable,
    header: headerTable,
    arg: argTable,
    req,
    worker,
    config,
    timer: group('ngx.timer'),
    socket: group('ngx.socket'),
    location: group('ngx.location'),
    thread: group('ngx.thread'),
    sleep: unavailable('ngx.sleep'),
    exec: unavailable('ngx.exec'),
    say: ((...a: LuaValue[]) => [print(a, true)]) as LuaFunction,
    print: ((...a: LuaValue[]) => [print(a, false)]) as LuaFunction,
    flush: (() => [1]) as LuaFunction,
    eof: (() => [1]) as LuaFunction,
    exit: ((s: LuaValue) => exit(s)) as LuaFunction,
    redirect: ((uri: LuaValue, status: LuaValue) => {
      if (typeof uri !== 'string') throw new LuaError("bad argument #1 to 'redirect' (string expected)")
      const code = status === undefined ? 302 : Number(status)
      if (![301, 302, 303, 307, 308].includes(code))
        throw new LuaError(
          `only ngx.HTTP_MOVED_TEMPORARILY, ngx.HTTP_MOVED_PERMANENTLY, ngx.HTTP_PERMANENT_REDIRECT, ngx.HTTP_SEE_OTHER, and ngx.HTTP_TEMPORARY_REDIRECT are allowed`,
        )
      exitNow({ status: code, headers: { location: uri }, body: Buffer.alloc(0) })
    }) as LuaFunction,
    log: ((level: LuaValue, ...a: LuaValue[]) => {
      if (typeof level !== 'number') throw new LuaError("bad argument #1 to 'log' (number expected)")
      run().log(LOG_LEVELS[level] ?? 'info', a.map((x) => (x === undefined ? 'nil' : tostring(x))).join(''))
      return []
    }) as LuaFunction,
    is_subrequest: false,
  }
  for (const [k, v] of Object.entries(add)) members.setStr(k, v)
  members.setStr('shared', sharedDicts())
  members.readonlyName = 'ngx'

  const meta = new LuaTable()
  meta.setStr('__index', ((_t: LuaValue, k: LuaValue): LuaValue[] => {
    switch (k) {
      case 'status': {
        // Before the response exists, what a snippet of this request set (0 until then), as nginx's.
        const r = run()
        return [headersSent(r) ? (r.kit?.response.status ?? 0) : requestStatus(r.kit)]
      }
      case 'ctx':
        return [ngxCtx(kit())]
      case 'headers_sent':
        return [headersSent(run())]
    }
    return [members.get(k)]
  }) as LuaFunction)
  meta.setStr('__newindex', ((_t: LuaValue, k: LuaValue, v: LuaValue): LuaValue[] => {
    if (k === 'status') {
      if (typeof v !== 'number') throw new LuaError('bad argument to ngx.status (number expected)')
      const r = run()
      if (r.phase === 'body_filter' || r.phase === 'log') throw new LuaError('attempt to set ngx.status after sending out response headers')
      if (r.phase === 'header_filter') kit().response.status = v
      else setRequestStatus(kit(), v)
      return []
    }
    if (k === 'ctx') {
      if (!(v instanceof LuaTable)) throw new LuaError('ctx should be a table')
      throw new LuaError('ngx.ctx cannot be replaced here')
    }
    throw new LuaError(`Cannot modify ngx.${tostring(k)}. Protected by the sandbox.`)
  }) as LuaFunction)
  meta.setStr('__metatable', false)
  const ngx = new LuaTable()
  ngx.metatable = meta
  // Raw writes (table.insert) would land in this process-wide proxy: only __newindex may write.
  ngx.readonlyName = 'ngx'
  return ngx
}

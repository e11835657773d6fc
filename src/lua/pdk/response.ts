/**
 * kong.response: the status, headers and body the client gets, and the early
 * answers (exit, error) that end the run with a LuaExit. exitAnswer and exitNow
 * are shared with ngx.exit / ngx.say (ngx.ts).
 */
import { defaultMessage } from '../../errors.js'
import type { Exit } from '../../plugins/types.js'
import { LuaError, LuaExit } from '../core/errors.js'
import { LuaTable, toText, type LuaValue } from '../core/value.js'
import { headerToLua } from './convert.js'
import { caseInsensitive, headerNameArg, headerValue, maxArg } from './headers.js'
import { encodeJson } from './json.js'
import { headersSent, kit, phaseName, requestStatus, run, setRequestStatus, type LuaRun } from './run.js'
import { library } from './table.js'

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

/** Ends the run with `e` (kong.response.exit / error, ngx.exit); refused once the headers are on their way. */
export function exitNow(e: Exit): never {
  const r = run()
  if (headersSent(r)) throw new LuaError('headers have already been sent')
  r.exit = e
  throw new LuaExit()
}

/** The body_filter chunk, or Kong's check_phase error elsewhere. */
function bodyChunk(): NonNullable<LuaRun['chunk']> {
  const r = run()
  if (r.chunk === undefined) throw new LuaError(`function cannot be called in ${phaseName(r)} phase (only in: body_filter)`)
  return r.chunk
}

export const response = library('kong.response', {
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

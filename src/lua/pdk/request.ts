/**
 * kong.request: the client's request as Kong's PDK reads it (scheme, host,
 * port, path, query, headers, body, URI captures). Header reads see what
 * earlier plugins set (headers.ts).
 */
import { decodeArgs, readArgs } from '../../http/args.js'
import { LuaError } from '../core/errors.js'
import { LuaTable, fromText, toText } from '../core/value.js'
import { toLua } from './convert.js'
import { argsResult, currentHeader, headerNameArg, maxArg, maybeTruncated, readRequestHeaders } from './headers.js'
import { kit, run } from './run.js'
import { library } from './table.js'

export const request = library(
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

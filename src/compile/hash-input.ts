/**
 * What consistent-hashing hashes for one request (Kong's hash_on and
 * hash_fallback): built once per upstream into a small function.
 */
import { randomUUID } from 'node:crypto'
import type { Upstream } from '../config/model.js'
import { decodeArgs } from '../http/args.js'
import type { UriCaptures } from './router.js'

export interface HashFacts {
  remoteAddr: string
  path: string
  query: string
  headers: Readonly<Record<string, string | string[] | undefined>>
  captures: UriCaptures | undefined
  consumerId?: string | undefined
}

export interface HashInput {
  value: string | undefined
  /** Set-Cookie to send when hashing on a cookie the client did not have. */
  setCookie?: string
}

type Source = (f: HashFacts) => HashInput | undefined

function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of (Array.isArray(header) ? header.join(';') : header).split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function source(u: Upstream, on: Upstream['hash_on'], which: 'on' | 'fallback'): Source | undefined {
  const header = (which === 'on' ? u.hash_on_header : u.hash_fallback_header)?.toLowerCase()
  const queryArg = which === 'on' ? u.hash_on_query_arg : u.hash_fallback_query_arg
  const capture = which === 'on' ? u.hash_on_uri_capture : u.hash_fallback_uri_capture
  switch (on) {
    case 'none':
      return undefined
    case 'consumer':
      return (f) => (f.consumerId ? { value: f.consumerId } : undefined)
    case 'ip':
      return (f) => ({ value: f.remoteAddr })
    case 'header':
      return (f) => {
        const v = f.headers[header!]
        return v === undefined ? undefined : { value: Array.isArray(v) ? v.join(', ') : v }
      }
    case 'cookie':
      return (f) => {
        const v = cookieValue(f.headers.cookie, u.hash_on_cookie!)
        if (v !== undefined) return { value: v }
        const fresh = randomUUID()
        return { value: fresh, setCookie: `${u.hash_on_cookie}=${fresh}; Path=${u.hash_on_cookie_path}; Same-Site=Lax; HttpOnly` }
      }
    case 'path':
      return (f) => ({ value: f.path })
    case 'query_arg':
      // As Kong reads it: nginx's argument table, a bare `?flag` is "true", a
      // repeated name's values sorted and joined with ','.
      return (f) => {
        const v = decodeArgs(f.query.slice(1)).get(queryArg!)
        if (v === undefined) return undefined
        if (!Array.isArray(v)) return { value: String(v) }
        return { value: v.map(String).sort().join(',') }
      }
    case 'uri_capture':
      return (f) => {
        const v = f.captures?.named[capture!] ?? (/^\d+$/.test(capture!) ? f.captures?.unnamed[Number(capture)] : undefined)
        return v === undefined ? undefined : { value: v }
      }
  }
}

/** undefined when the upstream does not hash; a value of undefined: nothing to hash (the balancer hashes "", as Kong). */
export function compileHashInput(u: Upstream): ((f: HashFacts) => HashInput) | undefined {
  const primary = source(u, u.hash_on, 'on')
  if (!primary) return undefined
  const fallback = source(u, u.hash_fallback, 'fallback')
  return (f) => primary(f) ?? fallback?.(f) ?? { value: undefined }
}

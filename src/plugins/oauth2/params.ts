/**
 * What the endpoints read from a request, as Kong's access.lua reads it: the
 * OAuth parameters (query, then a POST/PUT/PATCH body over it), the requested
 * scopes, whether the request counts as HTTPS, and the client's credentials.
 */
import { decodeArgs } from '../../http/args.js'
import { readBodyFields } from '../shared/body.js'
import type { Kit } from '../types.js'
import type { OAuth2Config } from './schema.js'

export type Params = Record<string, unknown>

/** kong.request.get_query merged with kong.request.get_body (the body wins). */
export async function readParams(kit: Kit): Promise<Params> {
  const query: Params = Object.fromEntries(decodeArgs(kit.request.rawQuery))
  const m = kit.request.method
  if (m !== 'POST' && m !== 'PUT' && m !== 'PATCH') return query
  const body = await readBodyFields(kit)
  return body ? { ...query, ...body } : query
}

/** Lua truthiness of a parameter: present and not false. */
export const given = (v: unknown): boolean => v !== undefined && v !== null && v !== false

/** kong.tools.string.strip, with nil as ''. */
export const strip = (v: unknown): string => (v === undefined || v === null ? '' : String(v).trim())

export interface OAuthError extends Record<string, unknown> {
  error: string
  error_description: string
}

export const oauthError = (error: string, description: string): OAuthError => ({ error, error_description: description })

/** The granted scopes (space-joined), or an invalid_scope error. */
export function retrieveScope(params: Params, conf: OAuth2Config): { scope?: string | undefined; error?: OAuthError } {
  const scope = params.scope
  const granted: string[] = []
  if (conf.scopes && scope !== undefined) {
    if (typeof scope !== 'string') return { error: oauthError('invalid_scope', 'scope must be a string') }
    for (const v of scope.split(/\s+/)) {
      if (v === '') continue
      if (!conf.scopes.includes(v)) return { error: oauthError('invalid_scope', `"${v}" is an invalid scope`) }
      granted.push(v)
    }
  } else if (scope === undefined && conf.mandatory_scope) return { error: oauthError('invalid_scope', 'You must specify a scope') }
  return { scope: granted.length > 0 ? granted.join(' ') : undefined }
}

/** kong.tools.http.check_https: true, false, or the reason it is not. */
export function checkHttps(kit: Kit, conf: OAuth2Config): true | string {
  const refused = 'You must use HTTPS'
  if (kit.request.scheme === 'https') return true
  if (!conf.accept_http_if_already_terminated) return refused
  if (!kit.request.isTrustedIp(kit.request.peerIp)) return refused
  const proto = kit.request.header('x-forwarded-proto')
  if (proto === undefined) return refused
  if (proto.includes(',')) return 'Only one X-Forwarded-Proto header allowed'
  return proto.toLowerCase() === 'https' ? true : refused
}

/** kong.request.get_header: the first value; a name with `_` also matches its `-` spelling. */
export function headerOf(kit: Kit, name: string): { value: string; name: string } | undefined {
  const lower = name.toLowerCase()
  const v = kit.request.headerValues(lower)
  if (v.length > 0) return { value: v[0]!, name: lower }
  if (lower.includes('_')) {
    const dashed = lower.replaceAll('_', '-')
    const d = kit.request.headerValues(dashed)
    if (d.length > 0) return { value: d[0]!, name: dashed }
  }
  return undefined
}

export interface ClientCredentials {
  clientId: unknown
  clientSecret: unknown
  fromHeader: boolean
}

/** retrieve_client_credentials: the parameters, else `Basic` in the auth header, else a lone client_id. */
export function clientCredentials(kit: Kit, params: Params, conf: OAuth2Config): ClientCredentials {
  if (given(params.client_id) && given(params.client_secret)) return { clientId: params.client_id, clientSecret: params.client_secret, fromHeader: false }
  const header = headerOf(kit, conf.auth_header_name)
  if (header) {
    const m = /\s*[Bb]asic\s*(.+)/.exec(header.value)
    if (m) {
      const decoded = decodeBase64(m[1]!)
      if (decoded !== undefined) {
        const colon = decoded.indexOf(':')
        if (colon === -1) return { clientId: decoded, clientSecret: undefined, fromHeader: true }
        return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1), fromHeader: true }
      }
    }
    return { clientId: undefined, clientSecret: undefined, fromHeader: true }
  }
  return { clientId: params.client_id, clientSecret: undefined, fromHeader: false }
}

/** ngx.decode_base64: standard alphabet, padding required; undefined when not base64. */
function decodeBase64(s: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined
  return Buffer.from(s, 'base64').toString('latin1')
}

/** LuaSocket's url.escape: every byte but [A-Za-z0-9_] as %xx (lower-case hex). */
function escape(s: string): string {
  let out = ''
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b)
    out += /[A-Za-z0-9_]/.test(c) ? c : `%${b.toString(16).padStart(2, '0')}`
  }
  return out
}

/**
 * The redirect URI with the answer's parameters merged into its query (or,
 * for the implicit grant, its fragment), keys sorted as Kong's encode_args
 * sorts them.
 */
export function redirectWith(uri: string, params: Readonly<Record<string, unknown>>, inFragment: boolean): string {
  const hash = uri.indexOf('#')
  const beforeHash = hash === -1 ? uri : uri.slice(0, hash)
  const fragment = hash === -1 ? '' : uri.slice(hash + 1)
  const q = beforeHash.indexOf('?')
  const base = q === -1 ? beforeHash : beforeHash.slice(0, q)
  const query = q === -1 ? '' : beforeHash.slice(q + 1)
  const merged = new Map<string, unknown>()
  for (const [k, v] of decodeArgs(inFragment ? fragment : query)) merged.set(k, Array.isArray(v) ? v[v.length - 1] : v)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) merged.set(k, v)
  const encoded = [...merged.keys()]
    .sort()
    .map((k) => {
      const v = merged.get(k)
      return v === true ? escape(k) : `${escape(k)}=${escape(String(v))}`
    })
    .join('&')
  if (inFragment) return `${beforeHash}#${encoded}`
  return `${base}?${encoded}${hash === -1 ? '' : `#${fragment}`}`
}

/**
 * jwt: collects tokens from the query, cookies and `Bearer` headers (one
 * distinct token at most), finds the credential named by the key claim, checks
 * the algorithm, the signature and the registered claims. Answers like Kong's
 * plugin: compact JSON `{"message": ...}` (or the claim errors object) with a
 * Bearer challenge.
 */
import { JWT, UNEXPECTED } from '../../errors.js'
import { decodeArgs } from '../../http/args.js'
import { authGate } from '../shared/auth.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import type { JwtConfig } from './schema.js'
import { decodeJwt, member } from './token.js'
import { materialOf, verifySignature } from './verify.js'

const BEARER_RE = /\s*[Bb]earer\s+(.+)/
/** A token, or `true`: a query argument given without `=`, which Kong reads as boolean true, not a token. */
type Found = string | true

/** The values of the query arguments named `names` (kong.request.get_query; empty strings are no token). */
function queryValues(rawQuery: string, names: readonly string[], into: Set<Found>): void {
  if (!rawQuery) return
  const args = decodeArgs(rawQuery)
  for (const name of names) {
    const v = args.get(name)
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) if (one !== '') into.add(one)
  }
}

/** nginx's `$cookie_<name>`: the first cookie of that name (case-insensitive), value up to `;`. */
function cookieValue(headers: readonly string[], name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (const header of headers) {
    for (const piece of header.split(';')) {
      const eq = piece.indexOf('=')
      if (eq < 0) continue
      if (piece.slice(0, eq).trim().toLowerCase() === wanted) return piece.slice(eq + 1).trim()
    }
  }
  return undefined
}

export default definePhases<JwtConfig>((conf, env) => {
  const gate = authGate(env, conf)
  const claimName = conf.key_claim_name
  const base = conf.realm !== undefined ? `Bearer realm="${conf.realm}"` : 'Bearer'
  // Kong's challenge: `Bearer realm="x", error="invalid_token"` (a comma after the realm), `Bearer error=...` without one.
  const invalidToken = { 'www-authenticate': conf.realm !== undefined ? `${base}, error="invalid_token"` : `${base} error="invalid_token"` }
  // Every refusal but the missing token names the error in its challenge.
  const reject = (answer: Omit<Exit, 'headers'>): Exit => ({ ...answer, headers: invalidToken })
  const NO_TOKEN: Exit = { ...JWT.UNAUTHORIZED, headers: { 'www-authenticate': base } }
  const MULTIPLE = reject(JWT.MULTIPLE_TOKENS)
  const UNRECOGNIZABLE = reject(JWT.UNRECOGNIZABLE)
  const NO_CLAIM = reject(JWT.noClaim(claimName))
  const EMPTY_CLAIM = reject(JWT.invalidClaim(claimName))
  const NO_CREDENTIAL = reject(JWT.noCredentials(claimName))
  const BAD_ALGORITHM = reject(JWT.INVALID_ALGORITHM)
  const BAD_SECRET = reject(JWT.INVALID_KEY)
  const BAD_SIGNATURE = reject(JWT.INVALID_SIGNATURE)
  const TOO_LONG = reject(JWT.EXP_TOO_LONG)

  const uriNames = conf.uri_param_names
  // Kong's header lookup is case-insensitive and reads `_` as `-`.
  const headerNames = conf.header_names.map((n) => n.toLowerCase().replaceAll('_', '-'))
  const claimsToVerify = conf.claims_to_verify ?? []
  const maxExpiration = conf.maximum_expiration

  const collect = (kit: Kit): Set<Found> => {
    const found = new Set<Found>()
    if (uriNames.length) queryValues(kit.request.rawQuery, uriNames, found)
    if (conf.cookie_names.length) {
      const cookies = kit.request.headerValues('cookie')
      for (const name of conf.cookie_names) {
        const v = cookies.length ? cookieValue(cookies, name) : undefined
        if (v) found.add(v)
      }
    }
    for (const name of headerNames) {
      const value = kit.request.headerValues(name)[0]
      const m = value !== undefined ? BEARER_RE.exec(value) : null
      if (m?.[1]) found.add(m[1])
    }
    return found
  }

  /** Kong's verify_registered_claims: one entry per failing claim. */
  const claimErrors = (claims: Readonly<Record<string, unknown>>, now: number): Record<string, string | string[]> | undefined => {
    let errors: Record<string, string | string[]> | undefined
    const add = (k: string, v: string) => {
      errors ??= {}
      const prev = errors[k]
      errors[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
    for (const name of claimsToVerify) {
      const v = member(claims, name)
      if (typeof v !== 'number') add(name, 'must be a number')
      else if (name === 'exp' && v <= now) add(name, 'token expired')
      else if (name === 'nbf' && v > now) add(name, 'token not valid yet')
    }
    return errors
  }

  const authenticate = (kit: Kit): Exit | undefined => {
    const found = collect(kit)
    if (found.size === 0) return NO_TOKEN
    if (found.size > 1) return MULTIPLE
    const token = found.values().next().value!
    if (token === true) return UNRECOGNIZABLE

    const decoded = decodeJwt(token)
    if (!decoded.ok) return reject(JWT.badToken(decoded.error))
    const jwt = decoded.jwt

    // Lua's `claims[k] or header[k]`: a false or absent claim falls back to the header.
    const fromClaims = member(jwt.claims, claimName)
    const key = fromClaims === undefined || fromClaims === null || fromClaims === false ? member(jwt.header, claimName) : fromClaims
    if (key === undefined || key === null || key === false) return NO_CLAIM
    if (key === '') return EMPTY_CLAIM
    const credential = typeof key === 'string' ? env.consumers.jwt(key) : undefined
    if (!credential) return NO_CREDENTIAL

    if (jwt.alg !== credential.algorithm) return BAD_ALGORITHM
    const material = materialOf(credential, conf.secret_is_base64)
    if (material.kind === 'missing') return BAD_SECRET
    if (material.kind === 'unparsable') {
      env.log.error('jwt credential public key is invalid', { credential: credential.id })
      return UNEXPECTED
    }
    if (!verifySignature(credential.algorithm, material, jwt.signingInput, jwt.signature)) return BAD_SIGNATURE

    const now = Math.floor(Date.now() / 1000)
    const errors = claimErrors(jwt.claims, now)
    if (errors) return reject(JWT.claims(errors))
    if (maxExpiration > 0) {
      const exp = member(jwt.claims, 'exp')
      if (typeof exp !== 'number' || exp - now > maxExpiration) return TOO_LONG
    }

    if (!gate.attach(kit, credential, credential.key)) return JWT.noConsumer(claimName, String(key))
    kit.shared.authenticated_jwt_token = token
    return undefined
  }

  return { access: gate.access(authenticate) }
})

/**
 * hmac-auth: `hmac username="..", algorithm="..", headers="..", signature=".."`
 * in Proxy-Authorization, then Authorization. The signature is an HMAC of the
 * listed headers (plus `request-line` / `@request-target`) with the
 * credential's secret; a Date or X-Date within `clock_skew` is required, and
 * optionally a Digest of the body.
 */
import { createHash, createHmac } from 'node:crypto'
import { HMAC_AUTH } from '../../errors.js'
import { authGate, challenge, safeEqual } from '../shared/auth.js'
import { decodeBase64 } from '../shared/base64.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { parseHttpDate } from './http-date.js'
import type { HmacAuthConfig } from './schema.js'

// Kong's pattern (PCRE, greedy, unanchored): all four fields, in this order.
const HMAC_RE = /\s*[Hh]mac\s*username="(.+)",\s*algorithm="(.+)",\s*headers="(.+)",\s*signature="(.+)"/

const DIGESTS: Record<string, string> = { 'hmac-sha1': 'sha1', 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' }

interface Params {
  username: string
  algorithm: string
  headers: string[]
  signature: string
}

function parseParams(value: string | undefined): Params | undefined {
  const m = value === undefined ? null : HMAC_RE.exec(value)
  if (!m) return undefined
  return { username: m[1]!, algorithm: m[2]!, headers: m[3]!.split(' '), signature: m[4]! }
}

/** Kong's `kong.request.get_header`: the first value; `_` and `-` are the same. */
function firstHeader(kit: Kit, name: string): string | undefined {
  return kit.request.headerValues(name.toLowerCase().replaceAll('_', '-'))[0]
}

function signingString(kit: Kit, names: readonly string[]): string {
  const { method, rawTarget: target, httpVersion } = kit.request
  return names
    .map((name) => {
      const value = firstHeader(kit, name)
      if (value !== undefined) return `${name}: ${value}`
      if (name === 'request-line') return `${method} ${target} HTTP/${Number(httpVersion).toFixed(1)}`
      if (name === '@request-target') return `${name}: ${method.toLowerCase()} ${target}`
      return `${name}:`
    })
    .join('\n')
}

export default definePhases<HmacAuthConfig>((conf, env) => {
  const gate = authGate(env, conf)
  const headers = { 'www-authenticate': challenge('hmac', conf.realm) }
  const UNAUTHORIZED: Exit = { ...HMAC_AUTH.UNAUTHORIZED, headers }
  const NO_DATE: Exit = { ...HMAC_AUTH.NO_DATE, headers }
  const NOT_VALID: Exit = { ...HMAC_AUTH.NOT_VALID, headers }
  const NOT_SAME: Exit = { ...HMAC_AUTH.NOT_SAME, headers }
  const allowed = new Set<string>(conf.algorithms)
  const skewOk = (kit: Kit, name: string): boolean => {
    const value = firstHeader(kit, name)
    const time = value === undefined ? undefined : parseHttpDate(value)
    return time !== undefined && Math.abs(Math.floor(Date.now() / 1000) - time) <= conf.clock_skew
  }

  /** Everything but the body digest; returns the failure or the verified credential. */
  const verify = (kit: Kit) => {
    const authorization = firstHeader(kit, 'authorization')
    const proxyAuthorization = firstHeader(kit, 'proxy-authorization')
    if (authorization === undefined && proxyAuthorization === undefined) return UNAUTHORIZED
    if (!skewOk(kit, 'x-date') && !skewOk(kit, 'date')) return NO_DATE

    let params = parseParams(proxyAuthorization)
    if (!params) {
      params = parseParams(authorization)
      if (conf.hide_credentials) kit.upstream.clearHeader('authorization')
    } else if (conf.hide_credentials) {
      kit.upstream.clearHeader('proxy-authorization')
    }
    if (!params) return NOT_VALID
    const signed = params.headers
    if (conf.enforce_headers.some((h) => !signed.includes(h))) return NOT_VALID
    if (!allowed.has(params.algorithm)) return NOT_VALID

    const credential = env.consumers.hmacauth(params.username)
    if (!credential) return NOT_VALID
    const expected = createHmac(DIGESTS[params.algorithm]!, credential.secret).update(signingString(kit, signed)).digest()
    const given = decodeBase64(params.signature)
    if (!given || !safeEqual(expected, given)) return NOT_SAME
    return credential
  }

  const finish = (kit: Kit, credential: { id: string; username: string; consumer: string }): Exit | undefined => {
    return gate.attach(kit, credential, credential.username) ? undefined : gate.fail(kit, NOT_VALID)
  }

  return {
    access(kit) {
      if (gate.skip(kit)) return undefined
      const result = verify(kit)
      if ('status' in result) return gate.fail(kit, result)
      if (!conf.validate_request_body) return finish(kit, result)
      // A body too large to buffer rejects; the runtime answers 413 for it.
      return kit.request.body().then((body) => (digestMatches(kit, body) ? finish(kit, result) : gate.fail(kit, NOT_SAME)))
    },
  }
})

/** No Digest header is fine only for an empty body. */
function digestMatches(kit: Kit, body: Buffer): boolean {
  const received = firstHeader(kit, 'digest')
  if (received === undefined) return body.length === 0
  return safeEqual(`SHA-256=${createHash('sha256').update(body).digest('base64')}`, received)
}

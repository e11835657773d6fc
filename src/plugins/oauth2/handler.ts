/**
 * oauth2: requests to a path ending in /oauth2/token or /oauth2/authorize go
 * to the endpoints (POST only); every other request must carry an access token
 * (the auth header as `Bearer <token>` or `Token <token>`, else an
 * `access_token` parameter) that the file declares, valid for this service
 * (or global, when global_credentials is on) and not expired.
 */
import { OAUTH2 } from '../../errors.js'
import { authGate, challenge } from '../shared/auth.js'
import { writeBodyWithout } from '../shared/body.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import { authorize, issueToken } from './endpoints.js'
import { headerOf, readParams } from './params.js'
import type { OAuth2Config } from './schema.js'

const SCOPE = 'x-authenticated-scope'
const USERID = 'x-authenticated-userid'

export default definePhases<OAuth2Config>((conf, env) => {
  const gate = authGate(env, conf)
  const invalidHeader = challenge('Bearer', conf.realm || undefined, 'error="invalid_token", error_description="The access token is invalid or has expired"')
  const MISSING: Exit = { ...OAUTH2.MISSING, headers: { 'www-authenticate': challenge('Bearer', conf.realm || undefined) } }
  const INVALID: Exit = { ...OAUTH2.INVALID, headers: { 'www-authenticate': invalidHeader } }
  const GLOBAL_TOKEN: Exit = { ...OAUTH2.GLOBAL_TOKEN, headers: { 'www-authenticate': invalidHeader } }
  const methodNotAllowed = (kit: Kit, endpoint: string): Exit => {
    const e = OAUTH2.invalidMethod(kit.request.method, endpoint)
    const description = (e.json as { error_description: string }).error_description
    return { ...e, headers: { 'www-authenticate': challenge('Bearer', conf.realm || undefined, `error="invalid_method", error_description="${description}"`) } }
  }

  /** parse_access_token: the token, and where it was found (for hide_credentials). */
  const accessToken = async (kit: Kit): Promise<string | undefined> => {
    const header = headerOf(kit, conf.auth_header_name)
    let token: string | undefined
    let inHeader = false
    if (header) {
      const parts = header.value.split(/\s+/).filter((p) => p !== '')
      token = header.value
      if (parts.length === 2 && (parts[0]!.toLowerCase() === 'token' || parts[0]!.toLowerCase() === 'bearer')) {
        token = parts[1]!
        inHeader = true
      }
    } else {
      const v = (await readParams(kit)).access_token
      if (typeof v !== 'string') return undefined
      token = v
    }
    if (conf.hide_credentials) {
      if (inHeader) kit.upstream.clearHeader(header!.name)
      else {
        kit.upstream.query.delete('access_token')
        const ct = kit.request.header('content-type')
        if (kit.request.method !== 'GET' && ct?.includes('application/x-www-form-urlencoded')) {
          const fields = await readParams(kit)
          writeBodyWithout(kit, stripQuery(kit, fields), 'access_token')
        }
      }
    }
    return token
  }

  /** do_authentication: undefined when the consumer is attached, else the answer. */
  const authenticate = async (kit: Kit): Promise<Exit | undefined> => {
    const value = await accessToken(kit)
    if (value === undefined || value === '') return MISSING
    const token = env.consumers.oauth2Token(value)
    if (!token) return INVALID
    const serviceId = kit.service?.id
    if (!conf.global_credentials) {
      // Kong exits here even in OR mode: anonymous does not cover a global token.
      if (token.service === undefined) return GLOBAL_TOKEN
      if (token.service !== serviceId) return INVALID
    } else if (token.service !== undefined && token.service !== serviceId) return INVALID
    if (token.expires_in > 0 && Date.now() / 1000 - token.created_at > token.expires_in) return INVALID
    const credential = env.consumers.oauth2Credential(token.credential)
    if (!credential || !gate.attach(kit, credential, credential.client_id)) return INVALID
    if (token.scope !== undefined) kit.upstream.setHeader(SCOPE, token.scope)
    else kit.upstream.clearHeader(SCOPE)
    if (token.authenticated_userid !== undefined) kit.upstream.setHeader(USERID, token.authenticated_userid)
    else kit.upstream.clearHeader(USERID)
    return undefined
  }

  return {
    async access(kit) {
      const path = kit.request.path
      if (path.endsWith('/oauth2/token') || path.endsWith('/oauth2/token/')) {
        if (kit.request.method !== 'POST') return methodNotAllowed(kit, 'token')
        return issueToken(kit, conf, env)
      }
      if (path.endsWith('/oauth2/authorize') || path.endsWith('/oauth2/authorize/')) {
        if (kit.request.method !== 'POST') return methodNotAllowed(kit, 'authorization')
        return authorize(kit, conf, env)
      }
      if (gate.skip(kit)) {
        // OR mode with a credential already set: this plugin's own headers go.
        kit.upstream.clearHeader(SCOPE)
        kit.upstream.clearHeader(USERID)
        return undefined
      }
      const failure = await authenticate(kit)
      if (!failure) return undefined
      if (failure === GLOBAL_TOKEN) return failure
      const out = gate.fail(kit, failure)
      if (!out) {
        kit.upstream.clearHeader(SCOPE)
        kit.upstream.clearHeader(USERID)
      }
      return out
    },
  }
})

/** The body's own fields: readParams merged the query in, and set_body writes only the body. */
function stripQuery(kit: Kit, fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields }
  for (const k of kit.request.query.keys()) if (!(k in out)) delete out[k]
  return out
}

/**
 * /oauth2/token and /oauth2/authorize as a DB-less Kong node answers them:
 * every check runs as in Kong (HTTPS, provision key, client, secret, redirect
 * URI, scopes, PKCE, declared codes and refresh tokens), and a request that
 * passes them all reaches the write that issuing a token or a code needs. Kong's
 * DB-less strategy refuses that write ("cannot create ... when not using a
 * database"), the Lua error surfaces, and the client gets the delayed 500.
 */
import { createHash } from 'node:crypto'
import type { Oauth2Credential } from '../../config/model.js'
import { OAUTH2, UNEXPECTED } from '../../errors.js'
import { safeEqual } from '../shared/auth.js'
import type { Exit, Kit, PluginEnv } from '../types.js'
import { checkHttps, clientCredentials, given, oauthError, readParams, redirectWith, retrieveScope, strip, type OAuthError, type Params } from './params.js'
import type { OAuth2Config } from './schema.js'
import { verifySecret } from './secret.js'

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

type Answer = Record<string, unknown> & Partial<OAuthError>

/** The write a DB-less node cannot do: logged as Kong logs the Lua error, answered with the 500. */
function cannotWrite(env: PluginEnv, entity: 'oauth2_tokens' | 'oauth2_authorization_codes'): Exit {
  env.log.error(OAUTH2.cannotCreate(entity))
  return UNEXPECTED
}

function answer(status: number, body: Answer, extra?: Record<string, string>): Exit {
  return { ...OAUTH2.endpoint(status, body), headers: extra ? { ...NO_STORE, ...extra } : NO_STORE }
}

function client(env: PluginEnv, clientId: unknown): Oauth2Credential | undefined {
  return typeof clientId === 'string' && clientId !== '' ? env.consumers.oauth2Client(clientId) : undefined
}

const base64url = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** retrieve_code_challenge: the challenge normalised to base64url, its method, or an error. */
function codeChallenge(params: Params): { challenge?: unknown; method?: string | undefined; error?: string } {
  let challenge = params.code_challenge
  const method = params.code_challenge_method
  if (given(method) && !given(challenge)) return { error: 'code_challenge is required when code_method is present' }
  if (given(challenge)) {
    if (typeof challenge === 'string') {
      const std = challenge.replace(/-/g, '+').replace(/_/g, '/')
      if (/^[A-Za-z0-9+/]*={0,2}$/.test(std) && std.length % 4 === 0) challenge = base64url(Buffer.from(std, 'base64'))
    }
    if (given(method) && method !== 'S256') {
      if (method !== 's256') return { error: 'code_challenge_method is not supported, must be S256' }
    }
  }
  return { challenge, method: 'S256' }
}

function requiresPkce(conf: OAuth2Config, c: Oauth2Credential | undefined, usedPkce?: unknown): boolean {
  if (!c) return false
  return given(usedPkce) || (c.client_type === 'public' && conf.pkce !== 'none') || (c.client_type === 'confidential' && conf.pkce === 'strict')
}

export async function authorize(kit: Kit, conf: OAuth2Config, env: PluginEnv): Promise<Exit> {
  const params = await readParams(kit)
  const state = params.state
  let res: Answer = {}
  let redirect: string | undefined
  const https = checkHttps(kit, conf)
  if (https !== true) res = oauthError('access_denied', https)
  else if (typeof params.provision_key !== 'string' || !safeEqual(conf.provision_key, params.provision_key))
    res = oauthError('invalid_provision_key', 'Invalid provision_key')
  else if (!given(params.authenticated_userid) || strip(params.authenticated_userid) === '')
    res = oauthError('invalid_authenticated_userid', 'Missing authenticated_userid parameter')
  else {
    const responseType = params.response_type
    if (!((responseType === 'code' && conf.enable_authorization_code) || (conf.enable_implicit_grant && responseType === 'token')))
      res = oauthError('unsupported_response_type', 'Invalid response_type')
    const scope = retrieveScope(params, conf)
    if (scope.error) res = scope.error
    const c = client(env, params.client_id)
    const allowed = c?.redirect_uris
    if (!allowed) res = oauthError('invalid_client', 'Invalid client authentication')
    else {
      const asked = given(params.redirect_uri) ? params.redirect_uri : allowed[0]
      redirect = typeof asked === 'string' ? asked : undefined
      if (!allowed.some((u) => u === asked)) {
        res = oauthError('invalid_request', 'Invalid redirect_uri that does not match with any redirect_uri created with the application')
        redirect = allowed[0]
      }
    }
    const pkce = codeChallenge(params)
    if (pkce.error !== undefined) res = oauthError('invalid_request', pkce.error)
    else if (c && !given(pkce.challenge) && requiresPkce(conf, c))
      res = oauthError('invalid_request', `code_challenge is required for ${c.client_type} clients`)
    if (res.error === undefined) return cannotWrite(env, responseType === 'code' ? 'oauth2_authorization_codes' : 'oauth2_tokens')
  }
  if (given(state)) res.state = state
  const status = res.error !== undefined ? 400 : 200
  if (redirect !== undefined) return answer(status, { redirect_uri: redirectWith(redirect, res, false) })
  return answer(status, res)
}

export async function issueToken(kit: Kit, conf: OAuth2Config, env: PluginEnv): Promise<Exit> {
  const params = await readParams(kit)
  const state = params.state
  let res: Answer = {}
  let unauthorized = false
  const https = checkHttps(kit, conf)
  if (https !== true) res = oauthError('access_denied', https)
  else {
    const grant = params.grant_type
    if (!(
      grant === 'authorization_code' ||
      grant === 'refresh_token' ||
      (conf.enable_client_credentials && grant === 'client_credentials') ||
      (conf.enable_password_grant && grant === 'password')
    ))
      res = oauthError('unsupported_grant_type', 'Invalid grant_type')
    const creds = clientCredentials(kit, params, conf)
    const c = client(env, creds.clientId)
    const badClient = () => {
      res = oauthError('invalid_client', 'Invalid client authentication')
      if (creds.fromHeader) unauthorized = true
    }
    if (grant !== 'client_credentials') {
      const allowed = c?.redirect_uris
      if (allowed) {
        const asked = given(params.redirect_uri) ? params.redirect_uri : allowed[0]
        if (!allowed.some((u) => u === asked))
          res = oauthError('invalid_request', 'Invalid redirect_uri that does not match with any redirect_uri created with the application')
      } else badClient()
    }
    if (c) {
      if (c.client_type === 'confidential') {
        const ok = c.hash_secret
          ? await verifySecret(creds.clientSecret, c.client_secret)
          : typeof creds.clientSecret === 'string' && safeEqual(c.client_secret, creds.clientSecret)
        if (!ok) badClient()
      } else if (strip(creds.clientSecret) !== '') res = oauthError('invalid_request', 'client_secret is disallowed for public clients')
    }
    if (res.error === undefined) {
      const serviceId = conf.global_credentials ? undefined : kit.service?.id
      if (grant === 'authorization_code') {
        const code = typeof params.code === 'string' ? env.consumers.oauth2Code(params.code) : undefined
        if (!code || (serviceId !== undefined && serviceId !== code.service) || code.credential !== c?.id) res = oauthError('invalid_request', 'Invalid code')
        else if (requiresPkce(conf, c, code.challenge_method)) {
          const err = pkceVerifier(params, code.challenge)
          if (err) res = err
        }
        if (res.error === undefined && conf.global_credentials && code?.plugin !== undefined && code.plugin !== env.plugin.id)
          res = oauthError('invalid_request', 'Invalid code')
        if (res.error === undefined) return cannotWrite(env, 'oauth2_tokens')
      } else if (grant === 'client_credentials') {
        if (given(params.authenticated_userid) && (typeof params.provision_key !== 'string' || !safeEqual(conf.provision_key, params.provision_key)))
          res = oauthError('invalid_provision_key', 'Invalid provision_key')
        else if (!c) res = oauthError('invalid_client', 'Invalid client authentication')
        else {
          const scope = retrieveScope(params, conf)
          if (scope.error) res = scope.error
          else return cannotWrite(env, 'oauth2_tokens')
        }
      } else if (grant === 'password') {
        if (typeof params.provision_key !== 'string' || !safeEqual(conf.provision_key, params.provision_key))
          res = oauthError('invalid_provision_key', 'Invalid provision_key')
        else if (!given(params.authenticated_userid) || strip(params.authenticated_userid) === '')
          res = oauthError('invalid_authenticated_userid', 'Missing authenticated_userid parameter')
        else {
          const scope = retrieveScope(params, conf)
          if (scope.error) res = scope.error
          else return cannotWrite(env, 'oauth2_tokens')
        }
      } else if (grant === 'refresh_token') {
        const token = typeof params.refresh_token === 'string' ? env.consumers.oauth2Refresh(params.refresh_token) : undefined
        if (!token || (serviceId !== undefined && serviceId !== token.service)) res = oauthError('invalid_request', 'Invalid refresh_token')
        else if (token.credential !== c?.id) res = oauthError('invalid_client', 'Invalid client authentication')
        else {
          const outside = (token.scope ?? '').split(/\s+/).some((s) => s !== '' && !(conf.scopes ?? []).includes(s))
          if (outside) res = oauthError('invalid_scope', 'Scope mismatch')
          else return cannotWrite(env, 'oauth2_tokens')
        }
      }
    }
  }
  if (given(state)) res.state = state
  if (res.error === undefined) return answer(200, res)
  if (unauthorized) return answer(401, res, { 'www-authenticate': 'Basic realm="OAuth2.0"' })
  return answer(400, res)
}

/** validate_pkce_verifier: the verifier's SHA-256 (base64url) must be the code's challenge. */
function pkceVerifier(params: Params, challenge: string | undefined): OAuthError | undefined {
  const verifier = params.code_verifier
  if (!given(verifier)) return oauthError('invalid_request', 'code_verifier is required for PKCE authorization requests')
  if (typeof verifier !== 'string') return oauthError('invalid_request', 'code_verifier is not a string')
  if (verifier.length < 43 || verifier.length > 128) return oauthError('invalid_request', 'code_verifier must be between 43 and 128 characters')
  const computed = base64url(createHash('sha256').update(verifier).digest())
  if (challenge === undefined || computed !== challenge) return oauthError('invalid_grant', 'Invalid code')
  return undefined
}

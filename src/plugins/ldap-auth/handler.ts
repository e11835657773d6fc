/**
 * ldap-auth: `<header_type> <base64(username:password)>` in Proxy-Authorization,
 * then Authorization, checked by a bind to the LDAP server as
 * `<attribute>=<username>,<base_dn>` (the outcome remembered for cache_ttl).
 * The credential belongs to no consumer: X-Credential-Identifier carries the
 * username, the X-Consumer-* headers are cleared.
 */
import { LDAP_AUTH, UNEXPECTED } from '../../errors.js'
import { authGate, challenge } from '../shared/auth.js'
import { definePhases, type AuthCredential, type Exit, type Kit } from '../types.js'
import { ldapBind, type BindTarget } from './bind.js'
import { CACHE } from './cache.js'
import { LdapUnavailable } from './connect.js'
import { credentialReader } from './credentials.js'
import { LdapPool, POOL } from './pool.js'
import type { LdapAuthConfig } from './schema.js'

export default definePhases<LdapAuthConfig>((conf, env) => {
  const gate = authGate(env, conf)
  // Kong capitalises its own default for the challenge (older configs wrote it lower-case).
  const scheme = conf.header_type === 'ldap' ? 'LDAP' : conf.header_type
  const UNAUTHORIZED: Exit = { ...LDAP_AUTH.UNAUTHORIZED, headers: { 'www-authenticate': challenge(scheme, conf.realm) } }
  const read = credentialReader(conf.header_type)
  const pool = env.node.slot(POOL)
  const cache = env.node.slot(CACHE)
  const security = conf.ldaps ? 'ldaps' : conf.start_tls ? 'starttls' : 'plain'
  const server = { host: conf.ldap_host, port: conf.ldap_port, security, verify: conf.verify_ldap_host, timeout: conf.timeout } as const
  const target: BindTarget = { ...server, poolKey: LdapPool.key(server), keepalive: conf.keepalive }
  // Kong's cache key fields (host, port, base_dn, attribute, cache_ttl), plus how the server is reached:
  // an outcome seen over an unverified connection does not serve a config that verifies.
  const keyPrefix = JSON.stringify([
    conf.ldap_host.toLowerCase(),
    conf.ldap_port,
    conf.base_dn,
    conf.attribute,
    Math.trunc(conf.cache_ttl),
    security,
    conf.verify_ldap_host,
  ])

  /** The credential one header value proves, or undefined; throws LdapUnavailable. */
  const check = async (value: string | undefined): Promise<AuthCredential | undefined> => {
    const given = read(value)
    if (!given) return undefined
    // The username holds no colon, so the password starts at the first one.
    const key = cache.key(`${keyPrefix}:${given.username}:${given.password}`)
    // Kong splices the username in as is: no DN escaping.
    const dn = `${conf.attribute}=${given.username},${conf.base_dn}`
    const ok = await cache.get(key, conf.cache_ttl, () => ldapBind(pool, target, dn, given.password, env.log))
    return ok ? { id: `ldap_auth_cache:${key}`, identifier: given.identifier } : undefined
  }

  const authenticate = async (kit: Kit): Promise<Exit | undefined> => {
    const authorization = kit.request.header('authorization')
    const proxyAuthorization = kit.request.header('proxy-authorization')
    if (authorization === undefined && proxyAuthorization === undefined) return UNAUTHORIZED
    let credential = proxyAuthorization !== undefined ? await check(proxyAuthorization) : undefined
    if (!credential && authorization !== undefined) credential = await check(authorization)
    if (!credential) return UNAUTHORIZED
    if (conf.hide_credentials) {
      kit.upstream.clearHeader('authorization')
      kit.upstream.clearHeader('proxy-authorization')
    }
    kit.authenticate(undefined, credential)
    return undefined
  }

  return {
    async access(kit) {
      if (gate.skip(kit)) return undefined
      let failure: Exit | undefined
      try {
        failure = await authenticate(kit)
      } catch (err) {
        // Kong raises an error here, anonymous or not: the request ends with a 500.
        if (!(err instanceof LdapUnavailable)) throw err
        env.log.error(err.message)
        return UNEXPECTED
      }
      return failure && gate.fail(kit, failure)
    },
  }
})

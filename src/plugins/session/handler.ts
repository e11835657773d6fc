/**
 * session: Kong's access and header_filter (kong/plugins/session/{access,
 * header_filter}.lua). In access, a session cookie authenticates the request
 * as an auth plugin would (consumer, credential, consumer headers, groups), so
 * an auth plugin with `anonymous` after it skips; a logout request ends the
 * session with Kong's bare 200. In header_filter, a request some auth plugin
 * authenticated with a credential gets a session saved in Set-Cookie, unless
 * the session it came with already says the same.
 */
import { SESSION } from '../../errors.js'
import { authenticatedGroups } from '../shared/auth.js'
import { readBodyFields } from '../shared/body.js'
import { definePhases, type Kit } from '../types.js'
import { keysOf } from './format.js'
import { requestCookies } from './jar.js'
import { RememberKeys } from './remember-keys.js'
import type { SessionConfig } from './schema.js'
import { Session, type SessionSettings } from './session.js'

/** Kong's get_body is read for a logout only on these methods. */
const READ_BODY_METHODS = new Set(['DELETE', 'PATCH', 'POST', 'PUT'])

/** What the session holds (Kong's set_session_data): consumer id, credential id, groups. */
function sessionData(data: unknown): { consumer: string | undefined; credential: string | undefined; groups: string[] | undefined } {
  if (!Array.isArray(data)) return { consumer: undefined, credential: undefined, groups: undefined }
  const [consumer, credential, groups] = data as unknown[]
  return {
    consumer: typeof consumer === 'string' ? consumer : undefined,
    credential: typeof credential === 'string' ? credential : undefined,
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : undefined,
  }
}

export default definePhases<SessionConfig>((conf, env) => {
  // Kong's deprecated shorthands replace the fields they stand for.
  const sameSite = conf.cookie_samesite === undefined ? conf.cookie_same_site : conf.cookie_samesite === 'off' ? 'Lax' : conf.cookie_samesite
  const httpOnly = conf.cookie_httponly ?? conf.cookie_http_only
  const domain = conf.cookie_domain
  // lua-resty-session: SameSite=None needs Secure.
  const secure = conf.cookie_secure || sameSite === 'None'
  let flags = ''
  if (domain !== undefined && domain !== '' && domain !== 'localhost') flags += `; Domain=${domain}`
  flags += `; Path=${conf.cookie_path}; SameSite=${sameSite}`
  if (secure) flags += '; Secure'
  if (httpOnly) flags += '; HttpOnly'

  const remember = conf.cookie_persistent ?? conf.remember
  // No secret: the node's random one (Kong DB-less makes its random default once per start;
  // here every worker of the node shares it, so a cookie from one opens on another).
  const keys = keysOf(conf.secret ?? env.node.secret)
  const settings: SessionSettings = {
    keys,
    audience: conf.audience,
    idling: conf.cookie_idletime === undefined ? conf.idling_timeout : (conf.cookie_idletime ?? 0),
    rolling: conf.cookie_lifetime ?? conf.rolling_timeout,
    absolute: conf.absolute_timeout,
    remember,
    rememberRolling: conf.remember_rolling_timeout,
    rememberAbsolute: conf.remember_absolute_timeout,
    rememberKeys: remember ? new RememberKeys(keys) : undefined,
    cookieName: conf.cookie_name,
    rememberName: conf.remember_cookie_name,
    cookieFlags: flags,
    requestHeaders: conf.request_headers ?? [],
    responseHeaders: conf.response_headers ?? [],
  }
  const logoutMethods = new Set<string>(conf.logout_methods)
  const warn = (msg: string) => env.log.warn(msg)
  // The session access opened, for header_filter (Kong's kong.ctx.shared.authenticated_session).
  const sessions = new WeakMap<Kit, Session>()

  const logoutByQuery = (kit: Kit): boolean => logoutMethods.has(kit.request.method) && kit.request.query.has(conf.logout_query_arg)
  const logoutByBody = (kit: Kit): boolean => conf.read_body_for_logout && logoutMethods.has(kit.request.method) && READ_BODY_METHODS.has(kit.request.method)

  const logout = (session: Session) => {
    env.log.debug('session logging out')
    const err = session.logout(warn)
    if (err) env.log.warn(`session logout failed (${err})`)
    return SESSION.LOGOUT
  }

  const authenticate = (kit: Kit, session: Session) => {
    const data = sessionData(session.data)
    const consumer = data.consumer === undefined ? undefined : env.consumers.byId(data.consumer)
    if (!consumer) {
      // A session whose consumer is gone from the config is ended.
      env.log.debug('failed to find consumer, destroying session')
      const err = session.logout(warn)
      if (err) env.log.warn(`session logout failed (${err})`)
      return undefined
    }
    const refreshed = session.refresh()
    if (refreshed) env.log.warn(`session refresh failed (${refreshed})`)
    session.setHeaders()
    sessions.set(kit, session)
    if (data.groups) {
      kit.upstream.setHeader('x-authenticated-groups', data.groups.join(', '))
      kit.shared.authenticated_groups = data.groups
    } else {
      kit.upstream.clearHeader('x-authenticated-groups')
    }
    const credential = data.credential
    if (credential !== undefined) kit.authenticate(consumer, { id: credential, identifier: credential, consumer: consumer.id }, false)
    else kit.authenticate(consumer, undefined, true)
    return undefined
  }

  /** The access phase once the session is open (or not). */
  const opened = (kit: Kit, session: Session, err: string | undefined) => {
    if (err !== undefined) {
      env.log.debug(`session not present (${err})`)
      return undefined
    }
    if (logoutByQuery(kit)) return logout(session)
    if (!logoutByBody(kit)) return authenticate(kit, session)
    return readBodyFields(kit).then((fields) => {
      const v = fields?.[conf.logout_post_arg]
      if (v !== undefined && v !== false) return logout(session)
      return authenticate(kit, session)
    })
  }

  return {
    access(kit) {
      const session = new Session(settings, kit, requestCookies(kit))
      const err = session.open()
      if (typeof err === 'object') return err.then((e) => opened(kit, session, e))
      return opened(kit, session, err)
    },

    headerFilter(kit) {
      const credential = kit.credential
      // No session for anonymous users.
      if (!credential) return
      const consumer = kit.consumer
      const consumerId = consumer?.id
      const session = sessions.get(kit)
      if (session) {
        const data = sessionData(session.data)
        if (data.credential === credential.id && data.consumer === consumerId) return
      }
      if (consumer === undefined || consumerId === undefined) return
      let target = session
      if (!target) {
        target = new Session(settings, kit, requestCookies(kit))
        target.openCookie()
      }
      const groups = authenticatedGroups(kit)
      target.setData(groups === undefined ? [consumerId, credential.id] : [consumerId, credential.id, groups])
      target.setSubject(consumer.username ?? consumer.custom_id ?? consumerId)
      const err = target.save(warn)
      if (err) env.log.error(`session save failed (${err})`)
      target.setResponseHeaders()
    },
  }
})

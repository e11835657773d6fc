/**
 * One simple bind as `<attribute>=<username>,<base_dn>`: true when the server
 * accepts it, false when it answers with a refusal (any result code but
 * success) or the TLS handshake fails, as Kong's ldap-auth decides; throws
 * LdapUnavailable when the server cannot be reached or does not answer.
 */
import { ResultCodeError } from 'ldapts'
import type { PluginLog } from '../types.js'
import { LdapHandshakeFailed, LdapUnavailable, type Target } from './connect.js'
import { discard, type LdapPool } from './pool.js'

export interface BindTarget extends Target {
  /** The pool's key for this target (LdapPool.key), computed once per config. */
  poolKey: string
  keepalive: number
}

async function attempt(pool: LdapPool, t: BindTarget, dn: string, password: string, log: PluginLog, fresh: boolean): Promise<boolean> {
  let lease
  try {
    lease = await pool.take(t.poolKey, t, fresh)
  } catch (err) {
    if (err instanceof LdapHandshakeFailed) {
      log.error(err.message)
      return false
    }
    throw err
  }
  const { client, reused } = lease
  try {
    await client.bind(dn, password)
    pool.give(t.poolKey, client, t.keepalive)
    return true
  } catch (err) {
    if (err instanceof ResultCodeError) {
      pool.give(t.poolKey, client, t.keepalive)
      log.info('LDAP bind refused', { code: err.code, reason: err.message })
      return false
    }
    discard(client)
    const message = (err as Error).message
    // A pooled connection the server closed while it was idle: once more, on a new one.
    if (reused && !message.includes('timed out')) return attempt(pool, t, dn, password, log, true)
    throw new LdapUnavailable(`LDAP bind with ${t.host}:${t.port} failed: ${message}`)
  }
}

export function ldapBind(pool: LdapPool, t: BindTarget, dn: string, password: string, log: PluginLog): Promise<boolean> {
  return attempt(pool, t, dn, password, log, false)
}

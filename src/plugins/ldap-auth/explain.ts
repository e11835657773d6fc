/** ldap-auth's explain hook: no Authorization is a 401; a directory bind happens only at runtime. */
import { LDAP_AUTH } from '../../errors.js'
import { explainAuth } from '../shared/auth.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { LdapAuthConfig } from './schema.js'

export function explainLdapAuth(conf: LdapAuthConfig, req: ExplainRequest): ExplainOutcome {
  return explainAuth(conf, req, LDAP_AUTH.UNAUTHORIZED, () =>
    req.headers.authorization || req.headers['proxy-authorization']
      ? { unknown: 'credentials present: checked by binding to the directory at runtime (not predicted)' }
      : undefined,
  )
}

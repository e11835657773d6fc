/** basic-auth's explain hook: no Authorization is a 401; a password is only checked at runtime. */
import { BASIC_AUTH } from '../../errors.js'
import { explainAuth } from '../shared/auth.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { BasicAuthConfig } from './schema.js'

export function explainBasicAuth(conf: BasicAuthConfig, req: ExplainRequest): ExplainOutcome {
  return explainAuth(conf, req, BASIC_AUTH.UNAUTHORIZED, () =>
    req.headers.authorization || req.headers['proxy-authorization']
      ? { unknown: 'credentials present: the password is checked against the declared ones at runtime (not predicted)' }
      : undefined,
  )
}

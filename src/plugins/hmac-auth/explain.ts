/** hmac-auth's explain hook: no Authorization is a 401; a signature and its date are only checked at runtime. */
import { HMAC_AUTH } from '../../errors.js'
import { explainAuth } from '../shared/auth.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { HmacAuthConfig } from './schema.js'

export function explainHmacAuth(conf: HmacAuthConfig, req: ExplainRequest): ExplainOutcome {
  return explainAuth(conf, req, HMAC_AUTH.UNAUTHORIZED, () =>
    req.headers.authorization || req.headers['proxy-authorization']
      ? { unknown: 'a signature is present: its date and signature are checked at runtime (not predicted)' }
      : undefined,
  )
}

/** oauth2's explain hook: a missing access token is a 401; a declared token names its consumer. */
import { OAUTH2 } from '../../errors.js'
import { explainAuth, type AuthFinding } from '../shared/auth.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { OAuth2Config } from './schema.js'

export function explainOauth2(conf: OAuth2Config, req: ExplainRequest): ExplainOutcome {
  return explainAuth(conf, req, OAUTH2.MISSING, (): AuthFinding => {
    const header = req.headers.authorization?.[0]
    const parts = header?.split(/\s+/).filter((p) => p !== '') ?? []
    const token =
      parts.length === 2 && /^(bearer|token)$/i.test(parts[0]!) ? parts[1] : header === undefined ? (req.query.get('access_token') ?? undefined) : header
    if (token === undefined || token === '') {
      if (header === undefined && req.method !== 'GET') return { unknown: 'no token in the headers or query; the body may carry access_token (not predicted)' }
      return undefined
    }
    const declared = req.consumers.oauth2Token(token)
    if (!declared) return { refuse: OAUTH2.INVALID }
    return { unknown: 'a declared access token: its expiry, scope and service are checked at runtime (not predicted)' }
  })
}

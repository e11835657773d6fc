/** session's explain hook: it never refuses; a session cookie is only opened at runtime. */
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { SessionConfig } from './schema.js'

export function explainSession(conf: SessionConfig, req: ExplainRequest): ExplainOutcome {
  const name = `${conf.cookie_name.toLowerCase()}=`
  const has = (req.headers.cookie ?? []).some((c) => c.split(';').some((p) => p.trim().toLowerCase().startsWith(name)))
  return has
    ? { note: `a ${conf.cookie_name} cookie: decrypted and checked at runtime; a valid one identifies its consumer (not predicted)` }
    : { note: `no ${conf.cookie_name} cookie: nothing is identified (session never refuses a request)` }
}

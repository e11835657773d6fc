/** key-auth's explain hook: where the key would be read and whose it is, never the key itself. */
import { KEY_AUTH } from '../../errors.js'
import { explainAuth, type AuthFinding } from '../shared/auth.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { KeyAuthConfig } from './schema.js'

export function explainKeyAuth(conf: KeyAuthConfig, req: ExplainRequest): ExplainOutcome {
  return explainAuth(conf, req, KEY_AUTH.NO_KEY, (): AuthFinding => {
    // The handler's order: per name, a header (as written, then `_` read as `-`), then the query.
    for (const original of conf.key_names) {
      const name = original.toLowerCase()
      let values: readonly string[] = []
      if (conf.key_in_header) values = req.headers[name] ?? (name.includes('_') ? req.headers[name.replaceAll('_', '-')] : undefined) ?? []
      if (values.length === 0 && conf.key_in_query) values = req.query.getAll(original)
      if (values.length === 0) continue
      if (values.length > 1) return { refuse: KEY_AUTH.DUPLICATE }
      if (values[0] === '') return { refuse: KEY_AUTH.NO_KEY }
      const credential = req.consumers.keyauth(values[0]!)
      const consumer = credential && req.consumers.byId(credential.consumer)
      return consumer ? { consumer } : { refuse: KEY_AUTH.INVALID }
    }
    if (conf.key_in_body) return { unknown: 'no key in the headers or query; key_in_body: the body may carry one (not predicted)' }
    return undefined
  })
}

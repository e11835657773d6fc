/** jwt's explain hook: where tokens would be looked for; a token's signature and claims are only checked at runtime. */
import { JWT } from '../../errors.js'
import { explainAuth } from '../shared/auth.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { JwtConfig } from './schema.js'

const BEARER = /^\s*bearer\s+(\S+)/i

function cookie(headers: readonly string[], name: string): string | undefined {
  for (const part of headers.join(';').split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim().toLowerCase() === name.toLowerCase()) return part.slice(eq + 1).trim()
  }
  return undefined
}

export function explainJwt(conf: JwtConfig, req: ExplainRequest): ExplainOutcome {
  return explainAuth(conf, req, JWT.UNAUTHORIZED, () => {
    let found = 0
    for (const name of conf.uri_param_names) if (req.query.get(name)) found++
    for (const name of conf.cookie_names) if (cookie(req.headers.cookie ?? [], name)) found++
    for (const name of conf.header_names) if (BEARER.test(req.headers[name.toLowerCase().replaceAll('_', '-')]?.[0] ?? '')) found++
    if (found === 0) return undefined
    if (found > 1) return { unknown: 'several tokens: refused as "Multiple tokens provided" unless they are the same token (not predicted)' }
    return { unknown: 'a token is present: its signature and claims are checked at runtime (not predicted)' }
  })
}

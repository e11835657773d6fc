/** cors's explain hook: a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered here. */
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { CorsConfig } from './schema.js'

export function explainCors(conf: CorsConfig, req: ExplainRequest): ExplainOutcome {
  const preflight = req.method === 'OPTIONS' && !!req.headers.origin?.[0] && (req.headers['access-control-request-method']?.length ?? 0) > 0
  if (!preflight) return { note: 'not a preflight: CORS headers are added to the response' }
  if (conf.preflight_continue) return { note: 'a preflight, passed on to the service (preflight_continue)' }
  return { answers: { status: 200 }, note: 'a preflight: answered by cors with its Access-Control-* headers' }
}

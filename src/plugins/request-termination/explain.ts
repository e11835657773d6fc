/** request-termination's explain hook: its fixed answer, unless a trigger is configured and absent. */
import { REQUEST_TERMINATION, REQUEST_TERMINATION_MESSAGES } from '../../errors.js'
import type { ExplainOutcome, ExplainRequest } from '../types.js'
import type { RequestTerminationConfig } from './schema.js'

export function explainRequestTermination(conf: RequestTerminationConfig, req: ExplainRequest): ExplainOutcome {
  const trigger = conf.trigger
  if (trigger !== undefined) {
    const h = trigger.toLowerCase()
    if (!req.headers[h] && !req.headers[h.replaceAll('_', '-')] && !req.query.has(trigger))
      return { skipped: true, note: `no ${trigger} header or query argument: not triggered` }
  }
  const status = conf.status_code
  const message = conf.message ?? REQUEST_TERMINATION_MESSAGES[status]
  if (conf.echo) return { answers: { status, message: message ?? '' }, note: 'echo: the body is a JSON copy of the request' }
  if (conf.body !== undefined) return { answers: { status, body: '' }, note: 'the configured body' }
  return { answers: message === undefined ? { status } : REQUEST_TERMINATION.message(status, message) }
}

/** request-termination: answers with a fixed status and body, without proxying. */
import { defaultMessage } from '../../runtime/responses.js'
import type { AccessContext, Exit, PluginHandler } from '../types.js'
import type { RequestTerminationConfig } from './schema.js'

// Kong sends a default message only for these statuses; others get no body.
const WITH_DEFAULT_MESSAGE = new Set([401, 404, 405, 500, 502, 503])
const DEFAULTS: Record<number, string> = { 404: 'Not found', 502: 'Bad Gateway', 503: 'Service unavailable' }

function triggered(ctx: AccessContext, trigger: string | undefined): boolean {
  if (trigger === undefined) return true
  return ctx.request.headers[trigger.toLowerCase()] !== undefined || ctx.request.query.has(trigger)
}

export const handler: PluginHandler<RequestTerminationConfig> = {
  name: 'request-termination',
  access(ctx, conf): Exit | undefined {
    if (!triggered(ctx, conf.trigger)) return undefined
    const status = conf.status_code
    if (conf.echo) {
      const r = ctx.request
      const echo = {
        message: conf.message ?? (WITH_DEFAULT_MESSAGE.has(status) ? (DEFAULTS[status] ?? defaultMessage(status)) : undefined),
        request: { scheme: r.scheme, host: r.host, port: r.port, headers: r.headers, query: Object.fromEntries(r.query), method: r.method, path: r.path, uri_captures: r.uriCaptures },
        matched_route: ctx.route,
        matched_service: ctx.service,
      }
      return { status, body: JSON.stringify(echo), headers: { 'content-type': 'application/json; charset=utf-8' } }
    }
    if (conf.body !== undefined) return { status, body: conf.body, headers: { 'content-type': conf.content_type ?? 'application/json; charset=utf-8' } }
    const message = conf.message ?? (WITH_DEFAULT_MESSAGE.has(status) ? (DEFAULTS[status] ?? defaultMessage(status)) : undefined)
    return message === undefined ? { status } : { status, message }
  },
}

/** request-termination: answers with a fixed status and body, without proxying. */
import { defaultMessage } from '../../runtime/responses.js'
import { defineHandler, type Exit, type Kit } from '../types.js'
import type { RequestTerminationConfig } from './schema.js'

// Kong sends a default message only for these statuses; others get no body.
const WITH_DEFAULT_MESSAGE = new Set([401, 404, 405, 500, 502, 503])
const DEFAULTS: Record<number, string> = { 404: 'Not found', 502: 'Bad Gateway', 503: 'Service unavailable' }

export const handler = defineHandler<RequestTerminationConfig>({
  name: 'request-termination',
  create(conf) {
    const status = conf.status_code
    const message = conf.message ?? (WITH_DEFAULT_MESSAGE.has(status) ? (DEFAULTS[status] ?? defaultMessage(status)) : undefined)
    const trigger = conf.trigger?.toLowerCase()
    const triggered = (kit: Kit) => conf.trigger === undefined || kit.request.headers[trigger!] !== undefined || kit.request.query.has(conf.trigger)
    // The answer does not depend on the request unless it echoes: build it once.
    const fixed: Exit =
      conf.body !== undefined
        ? { status, body: conf.body, headers: { 'content-type': conf.content_type ?? 'application/json; charset=utf-8' } }
        : message === undefined
          ? { status }
          : { status, message }
    return {
      access(kit) {
        if (!triggered(kit)) return undefined
        if (!conf.echo) return { ...fixed }
        const r = kit.request
        return {
          status,
          json: {
            message,
            request: { scheme: r.scheme, host: r.host, port: r.port, headers: r.headers, query: Object.fromEntries(r.query), method: r.method, path: r.path, uri_captures: r.uriCaptures },
            matched_route: kit.route && { id: kit.route.id, name: kit.route.name },
            matched_service: kit.service && { id: kit.service.id, name: kit.service.name },
          },
        }
      },
    }
  },
})

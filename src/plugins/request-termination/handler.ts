/**
 * request-termination: answers with a fixed status and body, without proxying;
 * with `trigger`, only requests carrying that header or query argument; with
 * `echo`, the answer is a JSON copy of the request (for debugging).
 */
import { REQUEST_TERMINATION, REQUEST_TERMINATION_MESSAGES } from '../../errors.js'
import { argsObject, decodeArgs } from '../../http/args.js'
import { readBodyFields } from '../shared/body.js'
import { definePhases, type Exit, type Kit } from '../types.js'
import type { RequestTerminationConfig } from './schema.js'

// A string body without a content_type: nginx's default type with Kong's `charset UTF-8`.
const DEFAULT_BODY_TYPE = 'text/plain; charset=UTF-8'

/** Kong's get_headers: lower-cased names, repeated headers as arrays. */
function headersOf(kit: Kit): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name of Object.keys(kit.request.headers)) {
    const values = kit.request.headerValues(name)
    out[name] = values.length === 1 ? values[0]! : [...values]
  }
  return out
}

export default definePhases<RequestTerminationConfig>((conf, env) => {
  const status = conf.status_code
  // Kong's own defaults for this plugin (not the error template's); other statuses get no body.
  const message = conf.message ?? REQUEST_TERMINATION_MESSAGES[status]
  const trigger = conf.trigger
  const triggerHeader = trigger?.toLowerCase()
  // get_headers' lookup falls back to the name with `_` turned into `-`.
  const triggerHeaderDashed = triggerHeader?.replaceAll('_', '-')
  const triggered = (kit: Kit) =>
    kit.request.headerValues(triggerHeader!).length > 0 ||
    kit.request.headerValues(triggerHeaderDashed!).length > 0 ||
    decodeArgs(kit.request.rawQuery).has(trigger!)

  // The answer does not depend on the request unless it echoes: build it once.
  const fixed: Exit =
    conf.body !== undefined
      ? { status, body: conf.body, headers: { 'content-type': conf.content_type ?? DEFAULT_BODY_TYPE } }
      : message === undefined
        ? { status }
        : REQUEST_TERMINATION.message(status, message)

  const echo = async (kit: Kit): Promise<Exit> => {
    const r = kit.request
    const body = await readBodyFields(kit)
    const raw = (await r.body()).toString('utf8')
    return {
      status,
      json: {
        message,
        kong: { node_id: env.node.id, worker_pid: process.pid, hostname: env.node.hostname },
        request: {
          scheme: r.scheme,
          host: r.host,
          port: r.port,
          headers: headersOf(kit),
          query: argsObject(decodeArgs(r.rawQuery)),
          body,
          raw_body: raw,
          method: r.method,
          path: r.normalizedPath,
          // unnamed[0] is the whole match (Lua's index 0), which Kong's JSON array leaves out.
          uri_captures: { unnamed: r.uriCaptures?.unnamed.slice(1) ?? [], named: r.uriCaptures?.named ?? {} },
        },
        matched_route: kit.route,
        matched_service: kit.service,
      },
    }
  }

  return {
    access(kit) {
      if (trigger !== undefined && !triggered(kit)) return undefined
      if (conf.echo) return echo(kit)
      return { ...fixed }
    },
  }
})

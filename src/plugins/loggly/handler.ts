/**
 * loggly: each request's log record as Kong's loggly plugin sends it, one UDP
 * datagram in RFC 5424 form with the customer token and tags as structured
 * data, byte for byte:
 *
 *   <PRI>1 2024-01-02T03:04:05Z HOSTNAME kong - - [KEY@41058 tag="a" tag="b"] {json}
 *
 * PRI is facility user (8) plus the severity the response's status class
 * maps to; a severity less severe than log_level sends nothing. The
 * timestamp is UTC to the second. Stream sessions use successful_severity
 * (Kong looks at the status only in its http subsystem).
 */
import { logEntries } from '../shared/log-fields.js'
import { codeForStatus, severityCodes, statusOf } from '../shared/severity.js'
import { isResolveError, socketError } from '../shared/socket-errors.js'
import { serializeStream } from '../shared/stream-log.js'
import { UDP_SENDER } from '../shared/udp-sender.js'
import { definePhases } from '../types.js'
import type { LogglyConfig } from './schema.js'

// Facility user (1 << 3), as Kong adds 8 to the severity.
const FACILITY_USER = 8
// Loggly's private enterprise number in the structured data's id.
const LOGGLY_PEN = 41058

/** `YYYY-MM-DDTHH:MM:SSZ` (Lua's os.date("!%Y-%m-%dT%XZ")). */
const utcSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`

export default definePhases<LogglyConfig>((conf, env) => {
  const sender = env.node.slot(UDP_SENDER)
  const { host, port } = conf
  const codes = severityCodes(conf)
  // What follows the timestamp, up to the JSON: fixed for the instance.
  const tags = conf.tags.map((t) => `tag="${t}"`).join(' ')
  const middle = ` ${env.node.hostname} kong - - [${conf.key}@${LOGGLY_PEN} ${tags}] `
  // Kong resolves the name in setpeername ("failed to connect to"), then sends ("failed to send data to").
  const failed = (e: Error) => env.log.error(`failed to ${isResolveError(e) ? 'connect to' : 'send data to'} ${host}:${port}: ${socketError(e)}`)
  const send = (code: number, record: unknown) => {
    if (code < 0) return
    sender.send(`<${FACILITY_USER + code}>1 ${utcSeconds(Date.now())}${middle}${JSON.stringify(record)}`, host, port, failed)
  }
  const entry = logEntries(conf.custom_fields_by_lua, env)
  return {
    log(kit) {
      // As Kong: the record is built (custom fields run) first, then its status picks the severity.
      const record = entry(kit)
      if (record === undefined) return
      const status = statusOf(record)
      if (status === undefined) env.log.error('cannot read response.status of the log record')
      else send(codeForStatus(codes, status), record)
    },
    streamLog(kit) {
      send(codes.success, serializeStream(kit))
    },
  }
})

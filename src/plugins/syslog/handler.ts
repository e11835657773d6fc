/**
 * syslog: each request's log record (Kong's serializer, with
 * custom_fields_by_lua) as JSON to the local syslog (writer.ts), with the
 * severity of its status class (server_errors_severity for 5xx,
 * client_errors_severity for 4xx, else successful_severity) and the
 * configured facility; a severity less severe than log_level writes nothing.
 * One writer per socket on the node, shared by every instance and kept across
 * reloads.
 */
import { logEntries } from '../shared/log-fields.js'
import { codeForStatus, severityCodes, statusOf } from '../shared/severity.js'
import { definePhases, nodeSlot } from '../types.js'
import { FACILITY_CODE, type SyslogConfig } from './schema.js'
import { SyslogWriter } from './writer.js'

const WRITERS = nodeSlot(
  'syslog:writers',
  () => new Map<string, SyslogWriter>(),
  (writers) => {
    for (const w of writers.values()) w.close()
    writers.clear()
  },
)

export default definePhases<SyslogConfig>((conf, env) => {
  const writers = env.node.slot(WRITERS)
  const path = env.node.syslogSocket
  let writer = writers.get(path)
  if (!writer) {
    writer = new SyslogWriter(path, env.log)
    writers.set(path, writer)
  }
  writer.log = env.log
  const out = writer
  const codes = severityCodes(conf)
  const facility = FACILITY_CODE[conf.facility] * 8
  const entry = logEntries(conf.custom_fields_by_lua, env)
  return {
    log(kit) {
      // As Kong: the record is built (custom fields run) first, then its status picks the severity.
      const record = entry(kit)
      if (record === undefined) return
      const status = statusOf(record)
      if (status === undefined) return env.log.error('cannot read response.status of the log record')
      const code = codeForStatus(codes, status)
      if (code >= 0) out.write(facility + code, JSON.stringify(record))
    },
  }
})

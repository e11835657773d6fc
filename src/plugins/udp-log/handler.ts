/**
 * udp-log: each request's log record (Kong's serializer, with
 * custom_fields_by_lua) as one JSON datagram, no newline, as Kong sends it.
 * Nothing waits on the network; a datagram that cannot go is logged in Kong's
 * words. A stream session sends Kong's stream record.
 */
import { logEntries } from '../shared/log-fields.js'
import { isResolveError, socketError } from '../shared/socket-errors.js'
import { serializeStream } from '../shared/stream-log.js'
import { UDP_SENDER } from '../shared/udp-sender.js'
import { definePhases } from '../types.js'
import type { UdpLogConfig } from './schema.js'

export default definePhases<UdpLogConfig>((conf, env) => {
  const sender = env.node.slot(UDP_SENDER)
  const { host, port } = conf
  // Kong resolves the name in setpeername ("could not connect to"), then sends ("could not send data to").
  const failed = (e: Error) => env.log.error(`could not ${isResolveError(e) ? 'connect to' : 'send data to'} ${host}:${port}: ${socketError(e)}`)
  const send = (message: string) => sender.send(message, host, port, failed)
  const entry = logEntries(conf.custom_fields_by_lua, env)
  return {
    log(kit) {
      const record = entry(kit)
      if (record !== undefined) send(JSON.stringify(record))
    },
    // Stream sessions: Kong's stream record (custom_fields_by_lua is not applied there: README).
    streamLog(kit) {
      send(JSON.stringify(serializeStream(kit)))
    },
  }
})

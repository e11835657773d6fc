/**
 * tcp-log: each request's log record (Kong's serializer, with
 * custom_fields_by_lua) as one JSON line, newline-terminated, sent over TCP or
 * TLS in the background on a connection pool.ts keeps per server and settings.
 * The pools are node state: shared by the instances that send to the same
 * place, kept across reloads, closed with the gateway. A stream session sends
 * Kong's stream record.
 */
import { logEntries } from '../shared/log-fields.js'
import { serializeStream } from '../shared/stream-log.js'
import { definePhases, nodeSlot } from '../types.js'
import { TcpPool } from './pool.js'
import type { TcpLogConfig } from './schema.js'

const POOLS = nodeSlot(
  'tcp-log:pools',
  () => new Map<string, TcpPool>(),
  (pools) => {
    for (const p of pools.values()) p.close()
    pools.clear()
  },
)

export default definePhases<TcpLogConfig>((conf, env) => {
  const target = { host: conf.host, port: conf.port, timeout: conf.timeout, keepalive: conf.keepalive, tls: conf.tls, tlsSni: conf.tls_sni }
  const pools = env.node.slot(POOLS)
  const key = JSON.stringify(target)
  let pool = pools.get(key)
  if (!pool) {
    pool = new TcpPool(target, env.log)
    pools.set(key, pool)
  }
  pool.log = env.log
  const sink = pool
  const entry = logEntries(conf.custom_fields_by_lua, env)
  return {
    log(kit) {
      const record = entry(kit)
      if (record !== undefined) sink.send(`${JSON.stringify(record)}\n`)
    },
    // Stream sessions: Kong's stream record (custom_fields_by_lua is not applied there: README).
    streamLog(kit) {
      sink.send(`${JSON.stringify(serializeStream(kit))}\n`)
    },
  }
})

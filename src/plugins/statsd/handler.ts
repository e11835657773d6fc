/**
 * statsd: in the log phase, each request that passes `allow_status_codes`
 * becomes its metric lines (metrics.ts), queued on the instance's queue (Kong
 * names it by the plugin id); the queue sends them in batches over UDP, joined
 * into packets when `udp_packet_size` is set, or over TCP. Nothing here waits
 * on the StatsD server.
 */
import { latencies } from '../shared/log-serializer.js'
import { LOG_QUEUES, type BatchHandler } from '../shared/queue.js'
import { legacyQueueParams } from '../shared/queue-legacy.js'
import { packets, sendTcp, sendUdp, type Destination } from '../shared/statsd/sender.js'
import { UDP_SENDER } from '../shared/udp-sender.js'
import { definePhases } from '../types.js'
import { compileMetrics, statusFilter } from './metrics.js'
import type { StatsdConfig } from './schema.js'

export default definePhases<StatsdConfig>((conf, env) => {
  const hostname = env.node.hostname.replaceAll('.', '_')
  const emits = compileMetrics(conf, hostname, () => env.node.sharedDictUsage())
  const allowed = statusFilter(conf.allow_status_codes)
  const params = legacyQueueParams('statsd', conf, env.log)
  const sender = env.node.slot(UDP_SENDER)
  const queues = env.node.slot(LOG_QUEUES)
  const to: Destination = { host: conf.host, port: conf.port, label: '[statsd] ' }
  const tooSmall = (length: number) =>
    env.log.warn(`[statsd] configured udp_packet_size is smaller than single message of length ${length}, UDP packet may be truncated`)

  const send: BatchHandler<string[]> = async (batch) => {
    const lines = batch.length === 1 ? batch[0]! : batch.flat()
    try {
      if (conf.use_tcp) await sendTcp(to, lines)
      else await sendUdp(sender, to, packets(lines, conf.udp_packet_size, tooSmall), env.log)
    } catch (e) {
      env.log.error(`failed to create Statsd logger: ${(e as Error).message}`)
      throw e
    }
  }
  const key = `statsd:${env.plugin.id}`
  const name = `statsd plugin ${env.plugin.id}${env.plugin.instance_name ? ` (${env.plugin.instance_name})` : ''}`

  return {
    log(kit) {
      const status = kit.response.status
      if (!allowed(status)) return
      const sizes = kit.sizes()
      const l = latencies(kit)
      const message = {
        status,
        requestSize: sizes.request,
        responseSize: sizes.response,
        latency: l.request,
        upstreamLatency: l.proxy,
        kongLatency: l.kong,
        service: kit.service,
        route: kit.route,
        consumer: kit.consumer,
      }
      const lines: string[] = []
      for (const emit of emits) emit(message, lines)
      if (lines.length === 0) return
      if (!queues.get(key, name, params, send, env.log).enqueue(lines)) env.log.error('Failed to enqueue log entry to StatsD server')
    },
  }
})

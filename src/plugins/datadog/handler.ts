/**
 * datadog: in the log phase, each request becomes one DogStatsD line per
 * configured metric (kong/plugins/datadog/handler.lua): `<prefix>.<stat>:
 * <value>|<type>[|@rate]|#<name tag>:<service>,<status tag>:<status>
 * [,<consumer tag>:<id>][,<metric tags>]`, queued on the instance's queue and
 * sent over UDP, one datagram per line. Unlike statsd, a value of -1 (no
 * upstream latency) is sent as it is, as Kong does.
 */
import type { Consumer, Service } from '../../config/model.js'
import { latencies } from '../shared/log-serializer.js'
import { LOG_QUEUES, type BatchHandler } from '../shared/queue.js'
import { legacyQueueParams } from '../shared/queue-legacy.js'
import { rateSuffix, STAT_TYPE_CODES } from '../shared/statsd/line.js'
import { sendUdp, type Destination } from '../shared/statsd/sender.js'
import { UDP_SENDER } from '../shared/udp-sender.js'
import { definePhases, type Kit } from '../types.js'
import type { CONSUMER_IDENTIFIERS, DatadogConfig, DatadogMetric } from './schema.js'

const DEFAULT_PORT = 8125

const CONSUMER_IDS: Record<(typeof CONSUMER_IDENTIFIERS)[number], (c: Consumer) => string | undefined> = {
  // Kong's replace_dashes: a consumer id goes out with underscores.
  consumer_id: (c) => c.id?.replaceAll('-', '_'),
  custom_id: (c) => c.custom_id,
  username: (c) => c.username,
}

interface Values {
  request_count: number
  latency: number
  request_size: number
  response_size: number
  upstream_latency: number
  kong_latency: number
}

/** The agent's address: the config's, else Kong's environment variables (read when the instance is built), else localhost:8125. */
export function agentAddress(conf: DatadogConfig, env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const envPort = Number(env.KONG_DATADOG_AGENT_PORT ?? '')
  return {
    host: conf.host ?? (env.KONG_DATADOG_AGENT_HOST || 'localhost'),
    port: conf.port ?? (env.KONG_DATADOG_AGENT_PORT && Number.isInteger(envPort) ? envPort : DEFAULT_PORT),
  }
}

export default definePhases<DatadogConfig>((conf, env) => {
  const { host, port } = agentAddress(conf)
  const to: Destination = { host, port, label: '' }
  const sender = env.node.slot(UDP_SENDER)
  const queues = env.node.slot(LOG_QUEUES)
  const params = legacyQueueParams('datadog', conf, env.log)

  // Each metric compiled once: the head of its line, its type and rate, its consumer field and its own tags.
  const metrics = (conf.metrics as DatadogMetric[]).map((m) => ({
    name: m.name,
    head: `${conf.prefix}.${m.name === 'request_size' ? 'request.size' : m.name === 'response_size' ? 'response.size' : m.name === 'request_count' ? 'request.count' : m.name}:`,
    kind: `|${STAT_TYPE_CODES[m.stat_type]}${rateSuffix(m.sample_rate)}|#`,
    consumer: m.consumer_identifier === undefined ? undefined : CONSUMER_IDS[m.consumer_identifier],
    extra: m.tags && m.tags.length > 0 ? `,${m.tags.join(',')}` : '',
  }))

  // Kong's service tag: the name, else the host, dots as underscores; '' without a service.
  const serviceTags = new WeakMap<Service, string>()
  const serviceTag = (s: Service | undefined): string => {
    if (s === undefined) return ''
    let tag = serviceTags.get(s)
    if (tag === undefined) {
      tag = (s.name ?? s.host).replaceAll('.', '_')
      serviceTags.set(s, tag)
    }
    return tag
  }

  const send: BatchHandler<string[]> = async (batch) => {
    try {
      await sendUdp(sender, to, batch.length === 1 ? batch[0]! : batch.flat(), env.log)
    } catch (e) {
      env.log.error(`failed to create Statsd logger: ${(e as Error).message}`)
      throw e
    }
  }
  const key = `datadog:${env.plugin.id}`
  const name = `datadog plugin ${env.plugin.id}${env.plugin.instance_name ? ` (${env.plugin.instance_name})` : ''}`

  const lines = (kit: Kit): string[] => {
    const sizes = kit.sizes()
    const l = latencies(kit)
    const values: Values = {
      request_count: 1,
      latency: l.request,
      request_size: sizes.request,
      response_size: sizes.response,
      upstream_latency: l.proxy,
      kong_latency: l.kong,
    }
    const common = `${conf.service_name_tag}:${serviceTag(kit.service)},${conf.status_tag}:${kit.response.status}`
    const consumer = kit.consumer
    return metrics.map((m) => {
      const id = consumer && m.consumer?.(consumer)
      const user = id === undefined ? '' : `,${conf.consumer_tag}:${id}`
      return `${m.head}${values[m.name]}${m.kind}${common}${user}${m.extra}`
    })
  }

  return {
    log(kit) {
      if (metrics.length === 0) return
      if (!queues.get(key, name, params, send, env.log).enqueue(lines(kit))) env.log.error('failed to enqueue log entry to Datadog')
    },
  }
})

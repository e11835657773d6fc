/**
 * prometheus: Kong's request metrics (names, labels and buckets of Kong 3.10),
 * recorded in the log phase into the node's plugin Registry, which the admin
 * listener serves on GET /metrics. The metrics are created once per node (a
 * node slot), so every instance and every reload adds to the same series.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { VERSION } from '../../version.js'
import { DEFAULT_WORKSPACE_NAME, latencies } from '../shared/log-serializer.js'
import { definePhases, nodeSlot } from '../types.js'
import type { PrometheusConfig } from './schema.js'

const KONG_LATENCY_BUCKETS = [1, 2, 5, 7, 10, 15, 20, 30, 50, 75, 100, 200, 500, 750, 1000, 3000, 6000]
const UPSTREAM_LATENCY_BUCKETS = [25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000]
const LATENCY_LABELS = ['service', 'route', 'workspace'] as const

interface Metrics {
  requests: Counter<'service' | 'route' | 'code' | 'source' | 'workspace' | 'consumer'>
  kongLatency: Histogram<(typeof LATENCY_LABELS)[number]>
  upstreamLatency: Histogram<(typeof LATENCY_LABELS)[number]>
  requestLatency: Histogram<(typeof LATENCY_LABELS)[number]>
  bandwidth: Counter<'service' | 'route' | 'direction' | 'workspace' | 'consumer'>
  /** Kong's stream subsystem series, registered with the first stream session (a node without streams shows none, as Kong's). */
  stream: (() => StreamMetrics) | undefined
}

interface StreamMetrics {
  sessions: Counter<'service' | 'route' | 'code' | 'source' | 'workspace'>
  duration: Histogram<(typeof LATENCY_LABELS)[number]>
}

/** The node's metrics, registered in its registry on first use. */
const METRICS = nodeSlot('prometheus:metrics', (node) => createMetrics(node.metrics, node.id))

function createMetrics(registry: Registry, nodeId: string): Metrics {
  const registers = [registry]
  const m: Metrics = {
    requests: new Counter({
      name: 'kong_http_requests_total',
      help: 'HTTP status codes per consumer/service/route in Kong',
      labelNames: ['service', 'route', 'code', 'source', 'workspace', 'consumer'],
      registers,
    }),
    kongLatency: new Histogram({
      name: 'kong_kong_latency_ms',
      help: 'Latency added by Kong and enabled plugins for each service/route in Kong',
      labelNames: LATENCY_LABELS,
      buckets: KONG_LATENCY_BUCKETS,
      registers,
    }),
    upstreamLatency: new Histogram({
      name: 'kong_upstream_latency_ms',
      help: 'Latency added by upstream response for each service/route in Kong',
      labelNames: LATENCY_LABELS,
      buckets: UPSTREAM_LATENCY_BUCKETS,
      registers,
    }),
    requestLatency: new Histogram({
      name: 'kong_request_latency_ms',
      help: 'Total latency incurred during requests for each service/route in Kong',
      labelNames: LATENCY_LABELS,
      buckets: UPSTREAM_LATENCY_BUCKETS,
      registers,
    }),
    bandwidth: new Counter({
      name: 'kong_bandwidth_bytes',
      help: 'Total bandwidth (ingress/egress) throughput in bytes',
      labelNames: ['service', 'route', 'direction', 'workspace', 'consumer'],
      registers,
    }),
    stream: undefined,
  }
  let stream: StreamMetrics | undefined
  m.stream = () =>
    (stream ??= {
      sessions: new Counter({
        name: 'kong_stream_sessions_total',
        help: 'Stream status codes per service/route in Kong',
        labelNames: ['service', 'route', 'code', 'source', 'workspace'],
        registers,
      }),
      duration: new Histogram({
        name: 'kong_session_duration_ms',
        help: 'latency incurred in stream session for each service/route in Kong',
        labelNames: LATENCY_LABELS,
        buckets: UPSTREAM_LATENCY_BUCKETS,
        registers,
      }),
    })
  // One node, one value: with --workers the primary takes the workers' largest (not their sum).
  new Gauge({ name: 'kong_node_info', help: 'Kong Node metadata information', labelNames: ['node_id', 'version'], registers, aggregator: 'max' }).set(
    { node_id: nodeId, version: VERSION },
    1,
  )
  // DB-less: there is no database to lose, so Kong reports it reachable.
  new Gauge({ name: 'kong_datastore_reachable', help: 'Datastore reachable from Kong, 0 is unreachable', registers, aggregator: 'max' }).set(1)
  // Kong counts its metric library's failures here; prom-client's updates cannot fail, so it stays 0.
  new Counter({ name: 'kong_nginx_metric_errors_total', help: 'Number of nginx-lua-prometheus errors', registers })
  return m
}

export default definePhases<PrometheusConfig>((conf, env) => {
  const m = env.node.slot(METRICS)
  if (!conf.status_code_metrics && !conf.latency_metrics && !conf.bandwidth_metrics) return {}

  return {
    log(kit) {
      // Kong records nothing for requests that matched no route; a route without a service is `service=""`.
      if (!kit.route) return
      const service = kit.service
      const svc = service ? (service.name ?? service.host) : ''
      const route = kit.route.name ?? kit.route.id
      const workspace = DEFAULT_WORKSPACE_NAME
      const consumer = conf.per_consumer ? (kit.consumer?.username ?? '') : ''
      // Label objects are written in Kong's label order: prom-client prints them as given.
      if (conf.status_code_metrics) {
        const source = kit.response.source === 'service' ? 'service' : 'kong'
        m.requests.inc({ service: svc, route, code: String(kit.response.status), source, workspace, consumer })
      }
      if (conf.latency_metrics) {
        const labels = { service: svc, route, workspace }
        const l = latencies(kit)
        if (l.request >= 0) m.requestLatency.observe(labels, l.request)
        if (l.proxy >= 0) m.upstreamLatency.observe(labels, l.proxy)
        if (l.kong >= 0) m.kongLatency.observe(labels, l.kong)
      }
      if (conf.bandwidth_metrics) {
        const size = kit.sizes()
        if (size.request > 0) m.bandwidth.inc({ service: svc, route, direction: 'ingress', workspace, consumer }, size.request)
        if (size.response > 0) m.bandwidth.inc({ service: svc, route, direction: 'egress', workspace, consumer }, size.response)
      }
    },
    // Stream sessions (Kong's handler.lua and exporter.lua in the stream subsystem): the session's
    // status and duration, and Kong's latency. Kong records no bandwidth there (its stream record
    // has no request or response), and neither does this.
    streamLog(kit) {
      // As for requests: a session that matched no route is not counted.
      if (!kit.route) return
      const service = kit.service
      const labels = { service: service ? (service.name ?? service.host) : '', route: kit.route.name ?? kit.route.id, workspace: DEFAULT_WORKSPACE_NAME }
      const s = kit.session
      const sm = m.stream!()
      if (conf.status_code_metrics) {
        sm.sessions.inc({
          service: labels.service,
          route: labels.route,
          code: String(s.status),
          source: s.proxied ? 'service' : 'kong',
          workspace: labels.workspace,
        })
      }
      if (conf.latency_metrics) {
        sm.duration.observe(labels, Math.round(s.durationMs))
        m.kongLatency.observe(labels, Math.round(s.kongLatency))
      }
    },
  }
})

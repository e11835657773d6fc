/**
 * opentelemetry: the request's trace goes to an OTLP/HTTP collector
 * (Kong's kong/plugins/opentelemetry/handler.lua and traces.lua).
 *
 * access: the sampling decision for the trace (the plugin's sampling_rate,
 * else --tracing-sampling-rate) and the W3C flags. header_filter: the trace
 * id in `http_response_header_for_traceid`. log: each sampled span of the
 * request, frozen with the trace id and resource, on the node's queue for
 * this instance; the queue sends batches (queue.max_batch_size, 200 by
 * default) as one ExportTraceServiceRequest each.
 *
 * With --tracing-instrumentations off (Kong's default) a request has no
 * spans to export: the plugin only keeps a trace id for the response header
 * and propagation, as Kong does.
 *
 * logs_endpoint (Kong 3.8's OTLP logs): from the access phase on, the lines
 * the request's Lua writes (kong.log, ngx.log) are kept, and in the log phase
 * each goes on the instance's `logs` queue as a log record with the request
 * id, and the trace and span ids when the request is traced.
 */
import { Pool } from 'undici'
import { LuaTable } from '../../lua/core/value.js'
import { addSerializeValue } from '../../lua/pdk/serialize-values.js'
import { KONG_VERSION } from '../../version.js'
import { legacyQueueParams } from '../shared/queue-legacy.js'
import { LOG_QUEUES, type BatchHandler } from '../shared/queue.js'
import { compileTemplate, type Template, type TemplateScope } from '../shared/template.js'
import { clear, extract, inject, resolvePropagation, type TraceContext } from '../shared/tracing/propagation/index.js'
import { definePhases, nodeSlot, type Kit } from '../types.js'
import { encodeLogs, encodeTraces, otlpResource, readableLog, readableSpan } from './otlp.js'
import type { OpenTelemetryConfig } from './schema.js'

type ReadableSpan = ReturnType<typeof readableSpan>
type ReadableLog = ReturnType<typeof readableLog>

// Kong's map of log levels to OTLP severities (kong/observability/otlp: map_severity).
const SEVERITY = {
  debug: { severityNumber: 5, severityText: 'DEBUG' },
  info: { severityNumber: 9, severityText: 'INFO' },
  warn: { severityNumber: 13, severityText: 'WARN' },
  error: { severityNumber: 17, severityText: 'ERR' },
} as const
type Resource = ReadableSpan['resource']

// One connection pool per collector and timeouts, shared by every instance and kept across reloads.
const POOLS = nodeSlot(
  'opentelemetry:pools',
  () => new Map<string, Pool>(),
  async (pools) => {
    const all = [...pools.values()]
    pools.clear()
    await Promise.allSettled(all.map((p) => p.close()))
  },
)

function poolFor(pools: Map<string, Pool>, origin: string, conf: OpenTelemetryConfig): Pool {
  const key = `${origin}|${conf.connect_timeout}|${conf.send_timeout}|${conf.read_timeout}`
  let pool = pools.get(key)
  if (!pool) {
    pool = new Pool(origin, {
      connect: { timeout: conf.connect_timeout, rejectUnauthorized: false },
      headersTimeout: conf.read_timeout,
      bodyTimeout: conf.read_timeout,
    })
    pools.set(key, pool)
  }
  return pool
}

/** Kong's get_headers: Content-Type application/x-protobuf unless the config names its own. */
export function exportHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = { ...headers }
  if (!Object.keys(out).some((k) => k.toLowerCase() === 'content-type')) out['content-type'] = 'application/x-protobuf'
  return out
}

/** What a resource attribute template may read: the request's headers, query, captures and kong.ctx.shared. */
function scopeOf(kit: Kit): TemplateScope {
  return {
    kit,
    header: (name) => kit.request.headers[name],
    query: (name) => {
      const all = kit.request.query.getAll(name)
      return all.length === 0 ? undefined : all.length === 1 ? all[0] : all
    },
    capture: (key) => {
      const c = kit.request.uriCaptures
      if (!c) return undefined
      return typeof key === 'number' ? c.unnamed[key] : c.named[key]
    },
    shared: (name) => kit.shared[name],
  }
}

/**
 * The resource: Kong's defaults (service.name `kong`, service.version,
 * service.instance.id) under the configured attributes. Without templates it
 * is one object for the instance's life; with them it is rendered per request.
 */
function resources(conf: OpenTelemetryConfig, nodeId: string): (kit: Kit) => Resource {
  const defaults = { 'service.name': 'kong', 'service.instance.id': nodeId, 'service.version': KONG_VERSION }
  const fixed: Record<string, string> = { ...defaults }
  const dynamic: [string, Template][] = []
  for (const [k, v] of Object.entries(conf.resource_attributes ?? {})) {
    const t = compileTemplate(v)
    // A template that does not compile stays the literal text, as Kong keeps it.
    if ('error' in t || !t.dynamic) fixed[k] = v
    else dynamic.push([k, t])
  }
  if (dynamic.length === 0) {
    const resource = otlpResource(fixed)
    return () => resource
  }
  return (kit) => {
    const scope = scopeOf(kit)
    const attrs: Record<string, string> = { ...fixed }
    for (const [k, t] of dynamic) attrs[k] = t.render(scope)
    return otlpResource(attrs)
  }
}

export default definePhases<OpenTelemetryConfig>((conf, env) => {
  const tracesEndpoint = conf.traces_endpoint ?? conf.endpoint
  if (conf.endpoint !== undefined) env.log.warn('OpenTelemetry: config.endpoint is deprecated, please use config.traces_endpoint instead')
  const resourceOf = resources(conf, env.node.id)
  const headerForTraceId = conf.http_response_header_for_traceid
  const rate = conf.sampling_rate
  const propagation = resolvePropagation(conf)
  const warn = (m: string) => env.log.warn(m)

  const queues = env.node.slot(LOG_QUEUES)
  const params = legacyQueueParams('opentelemetry', conf, env.log)
  const headers = exportHeaders(conf.headers)
  const pools = env.node.slot(POOLS)

  /** Sends one encoded batch to `endpoint` (Kong's http_export_request), throwing Kong's error text. */
  const exporter = <T>(endpoint: string, what: string, encode: (batch: T[]) => Uint8Array): BatchHandler<T> => {
    const url = new URL(endpoint)
    const path = `${url.pathname || '/'}${url.search}`
    const pool = poolFor(pools, url.origin, conf)
    return async (batch) => {
      const body = encode(batch)
      let res
      try {
        res = await pool.request({ method: 'POST', path, headers: { ...headers, 'content-length': String(body.byteLength) }, body })
      } catch (e) {
        throw new Error(`[otel] failed to send request: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
      }
      const text = await res.body.text().catch(() => '')
      if (res.statusCode !== 200) throw new Error(`[otel] response error: ${res.statusCode}, body: ${text}`)
      env.log.debug(`[otel] exporter sent ${batch.length} ${what} to ${url.origin}${url.pathname}`)
    }
  }
  // Kong names an instance's queues after the plugin, its id and the signal.
  const queueKey = (signal: string) => `opentelemetry:${env.plugin.id ?? tracesEndpoint ?? conf.logs_endpoint}:${signal}`
  const queueName = (endpoint: string) => {
    const u = new URL(endpoint)
    return `opentelemetry:${u.origin}${u.pathname}`
  }

  let exportTraces: ((kit: Kit) => void) | undefined
  if (tracesEndpoint !== undefined) {
    const send = exporter<ReadableSpan>(tracesEndpoint, 'spans', (spans) => encodeTraces(spans, spans[spans.length - 1]!.resource))
    const key = queueKey('traces')
    const name = queueName(tracesEndpoint)
    exportTraces = (kit) => {
      const trace = kit.trace
      if (!trace || trace.propagationOnly || trace.sampled !== true) return
      const resource = resourceOf(kit)
      const q = queues.get<ReadableSpan>(key, name, params, send, env.log)
      for (const span of trace.spans()) {
        if (!q.enqueue(readableSpan(span, trace.traceId, resource))) env.log.error('Failed to enqueue span to log server')
      }
    }
  }

  let exportLogs: ((kit: Kit) => void) | undefined
  if (conf.logs_endpoint !== undefined) {
    const send = exporter<ReadableLog>(conf.logs_endpoint, 'logs', (logs) => encodeLogs(logs, logs[logs.length - 1]!.resource))
    const key = queueKey('logs')
    const name = queueName(conf.logs_endpoint)
    exportLogs = (kit) => {
      const lines = kit.logLines()
      if (lines.length === 0) return
      const trace = kit.trace
      const resource = resourceOf(kit)
      const q = queues.get<ReadableLog>(key, name, params, send, env.log)
      for (const l of lines) {
        // Kong checks there is room first: newer lines are not worth more than older ones.
        if (q.count >= params.max_entries) return
        q.enqueue(
          readableLog(
            {
              timeMs: l.timeMs,
              observedMs: l.timeMs,
              ...SEVERITY[l.level],
              body: l.message,
              attributes: { 'request.id': kit.requestId },
              traceId: trace?.traceId,
              spanId: l.spanId,
              flags: trace?.flags,
            },
            resource,
          ),
        )
      }
    }
  }

  return {
    access(kit) {
      // Kong's observability logs: the request's lines are collected from here on.
      if (exportLogs) kit.keepLogs()
      if (tracesEndpoint === undefined) return
      // Kong's propagation.propagate with traces.lua's get_inject_ctx: extract, join the caller's trace, decide, clear, inject.
      const found = extract(kit.request.headers, propagation, warn)
      const ctx = found?.context
      const trace = kit.startTrace()
      const parent = trace.upstreamParent()
      if (ctx?.traceId) trace.traceId = Buffer.from(ctx.traceId, 'hex')
      const callerSpan = ctx?.spanId ?? ctx?.parentId
      if (callerSpan) trace.root.parentId = Buffer.from(callerSpan, 'hex')
      const sampled = trace.samplingDecision(ctx?.shouldSample, rate)
      trace.sampled = sampled
      trace.flags = (ctx?.w3cFlags ?? 0) | (sampled ? 1 : 0)
      const out: TraceContext = {
        ...ctx,
        traceId: trace.traceId.toString('hex'),
        spanId: parent.spanId.toString('hex'),
        parentId: parent.parentId?.toString('hex'),
        shouldSample: sampled,
      }
      clear(propagation, (name) => kit.upstream.clearHeader(name))
      const { traceIds, errors } = inject(out, propagation, found?.format, (name, value) => kit.upstream.setHeader(name, value))
      for (const e of errors) env.log.error(e)
      // Kong's propagate: the log record carries the trace id as each injected format writes it.
      if (traceIds) addSerializeValue(kit, { key: 'trace_id', value: new LuaTable(undefined, new Map(Object.entries(traceIds))), mode: 'set' })
    },
    headerFilter(kit) {
      if (tracesEndpoint === undefined || headerForTraceId === undefined) return
      const trace = kit.trace
      if (trace) kit.response.addHeader(headerForTraceId, trace.traceId.toString('hex'))
    },
    log(kit) {
      exportTraces?.(kit)
      exportLogs?.(kit)
    },
  }
})

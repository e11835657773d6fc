/**
 * zipkin (Kong's kong/plugins/zipkin/handler.lua): one trace per request.
 * The request span (SERVER) starts when the request arrived, the proxy span
 * (CLIENT, its child) covers the gateway's work from the access phase on,
 * and each balancer try gets a CLIENT span of its own. In access the trace
 * context is read from the request and the proxy span's is sent upstream in
 * the configured formats; the log phase finishes the spans and queues the
 * sampled ones for the Zipkin server (reporter.ts).
 *
 * Phase times: Kong reads nginx's per-phase clocks; here the plugin notes the
 * time at each phase it runs in (it runs first, priority 100000) and takes the
 * rest from the request's facts (when the request went upstream, when it
 * ended). The README says what each annotation stands for.
 */
import { randomBytes } from 'node:crypto'
import { LuaTable } from '../../lua/core/value.js'
import { addSerializeValue } from '../../lua/pdk/serialize-values.js'
import { propagate, randomId, resolvePropagation, extract, type HeaderSource, type TraceContext } from '../shared/tracing/propagation/index.js'
import type { Route, Service } from '../../config/model.js'
import { definePhases, type Kit, type KitTry, type StreamKit } from '../types.js'
import { reporter } from './reporter.js'
import { parseRequestTags } from './request-tags.js'
import type { ZipkinConfig } from './schema.js'
import { Span } from './span.js'

const nowMu = () => (performance.timeOrigin + performance.now()) * 1000

/** What one request keeps between the phases (Kong's kong.ctx.plugin.zipkin). */
interface Trace {
  readonly request: Span
  proxy: Span | undefined
  /** When this plugin's phases ran (µs). */
  firstAt: number
  accessAt?: number
  headerAt?: number
}

/** Lua's tostring of ngx.req.http_version(): 1.0 is "1", 2.0 is "2". */
const protocolOf = (v: string) => `HTTP/${String(Number(v))}`

/** The request headers as the extractors read them: a repeated tracestate keeps its values apart, as in Kong. */
function headerSource(kit: Kit): HeaderSource {
  const h = kit.request.headers
  if (h.tracestate === undefined) return h
  const all = kit.request.headerValues('tracestate')
  return all.length > 1 ? { ...h, tracestate: all } : h
}

export default definePhases<ZipkinConfig>((conf, env) => {
  const prop = resolvePropagation(conf)
  // Kong's schema deprecations: said when a field is set to other than its old default.
  if (conf.header_type !== 'preserve') env.log.warn('zipkin: config.header_type is deprecated, please use config.propagation options instead')
  if (conf.default_header_type !== 'b3') env.log.warn('zipkin: config.default_header_type is deprecated, please use config.propagation.default_format instead')

  const report = reporter(conf, env)
  const traces = new WeakMap<Kit, Trace>()
  const warn = (m: string) => env.log.warn(m)
  const staticTags = conf.static_tags ?? []
  const tagsHeader = conf.tags_header.toLowerCase()
  const annotations = conf.phase_duration_flavor === 'annotations'
  const traceHeader = conf.http_response_header_for_traceid ?? undefined

  /** The request span, made on first use from what was extracted (Kong's initialize_request). */
  function start(kit: Kit, extracted: TraceContext | undefined): Trace {
    const now = nowMu()
    const ctx = extracted ?? extract(headerSource(kit), prop, warn)?.context ?? {}
    const req = kit.request
    // Formats that share the span between both sides (b3, jaeger) give us our span id and its
    // parent; the others give only the caller's span, which becomes our parent.
    const spanId = ctx.reuseSpanId ? ctx.spanId : undefined
    const parentId = ctx.reuseSpanId ? ctx.parentId : ctx.spanId
    const shouldSample = ctx.shouldSample ?? Math.random() < conf.sample_ratio
    const traceId = ctx.traceId ?? randomId(conf.traceid_byte_count, randomBytes)
    // Kong's kong.request.get_path: the normalized path.
    const path = req.normalizedPath || req.path
    const name = conf.http_span_name === 'method_path' ? `${req.method} ${path}` : req.method
    const span = new Span('SERVER', name, now - kit.elapsed() * 1000, shouldSample, traceId, spanId, parentId, ctx.baggage)
    span.ip = req.clientIp
    span.port = req.clientPort
    span.tag('lc', 'kong')
    span.tag('http.method', req.method)
    span.tag('http.host', req.host)
    span.tag('http.path', path)
    span.tag('http.protocol', protocolOf(req.httpVersion))
    for (const t of staticTags) span.tag(t.name, t.value)
    const values = req.headerValues(tagsHeader)
    if (values.length > 0) {
      const parsed = parseRequestTags(values)
      // Bad items are reported; the good ones are kept.
      if (parsed.error) env.log.warn(parsed.error)
      for (const [k, v] of Object.entries(parsed.tags)) span.tag(k, v)
    }
    const trace: Trace = { request: span, proxy: undefined, firstAt: now }
    traces.set(kit, trace)
    return trace
  }

  const traceOf = (kit: Kit, extracted?: TraceContext) => traces.get(kit) ?? start(kit, extracted)

  function proxySpan(trace: Trace, atMu: number): Span {
    return (trace.proxy ??= trace.request.child('CLIENT', `${trace.request.name} (proxy)`, atMu))
  }

  function tagServiceAndRoute(kit: { readonly service: Service | undefined; readonly route: Route | undefined }, span: Span): void {
    const service = kit.service
    if (service?.id) {
      span.tag('kong.service', service.id)
      if (typeof service.name === 'string') {
        span.serviceName = service.name
        span.tag('kong.service_name', service.name)
      }
    }
    const route = kit.route
    if (route) {
      if (route.id) span.tag('kong.route', route.id)
      if (typeof route.name === 'string') span.tag('kong.route_name', route.name)
    }
  }

  /** A span per balancer try under the request span; the proxy span gets the last target. */
  function reportTries(kit: Kit | StreamKit, trace: Trace, tries: readonly KitTry[], hostname: string | undefined): void {
    const { request } = trace
    tries.forEach((t, i) => {
      const span = request.child('CLIENT', `${request.name} (balancer try ${i + 1})`, t.balancerStart * 1000)
      span.ip = t.ip
      span.port = t.port
      span.tag('kong.balancer.try', i + 1)
      if (i < tries.length - 1) {
        span.tag('error', true)
        span.tag('kong.balancer.state', 'failed')
        span.tag('http.status_code', t.failed)
      }
      tagServiceAndRoute(kit, span)
      span.finish((t.balancerStart + t.balancerLatency) * 1000)
      report(span)
    })
    const proxy = trace.proxy!
    proxy.tag('peer.hostname', hostname)
    const last = tries[tries.length - 1]
    proxy.ip = last?.ip
    proxy.port = last?.port
  }

  // Stream sessions (Kong's stream subsystem): a `stream` request span, no context propagation.
  const sessions = new WeakMap<StreamKit, Trace>()
  function session(kit: StreamKit): Trace {
    let trace = sessions.get(kit)
    if (!trace) {
      const now = nowMu()
      const span = new Span('SERVER', 'stream', kit.startedAt * 1000, Math.random() < conf.sample_ratio, randomId(conf.traceid_byte_count, randomBytes))
      span.ip = kit.clientIp
      span.port = kit.clientPort
      span.tag('lc', 'kong')
      for (const t of staticTags) span.tag(t.name, t.value)
      trace = { request: span, proxy: undefined, firstAt: now }
      sessions.set(kit, trace)
    }
    return trace
  }

  return {
    preread(kit) {
      const at = nowMu()
      const trace = session(kit)
      trace.accessAt = at
      const proxy = proxySpan(trace, at)
      if (annotations) proxy.annotate('kps', at)
    },

    streamLog(kit) {
      const now = nowMu()
      const trace = session(kit)
      const { request } = trace
      const proxy = proxySpan(trace, now)
      const facts = kit.session
      const prereadStart = trace.accessAt ?? proxy.timestamp
      // Preread ends when the upstream connection is made (or the session ends without one).
      const prereadEnd = Math.max(prereadStart, facts.proxied ? request.timestamp + facts.kongLatency * 1000 : now)
      if (annotations) proxy.annotate('kpf', prereadEnd)
      else proxy.tag('kong.preread.duration_ms', Math.max(0, Math.round((prereadEnd - prereadStart) / 1000)))
      if (facts.tries.length > 0) reportTries(kit, trace, facts.tries, kit.service?.host)
      request.tag('kong.node.id', env.node.id)
      tagServiceAndRoute(kit, proxy)
      proxy.finish(now)
      report(proxy)
      request.finish(now)
      report(request)
    },

    access(kit) {
      const at = nowMu()
      const up = kit.upstream
      const r = propagate(
        headerSource(kit),
        prop,
        (extracted, found) => {
          const trace = traceOf(kit, found ? extracted : {})
          trace.accessAt = at
          const proxy = proxySpan(trace, at)
          // What goes upstream is the proxy span's context, over what came in
          // (Kong: a sampled-out span sends no decision, unless one came in).
          return {
            ...extracted,
            traceId: proxy.traceId,
            spanId: proxy.id,
            parentId: proxy.parentId ?? extracted.parentId,
            shouldSample: proxy.shouldSample || extracted.shouldSample || undefined,
            baggage: proxy.baggage ?? extracted.baggage,
          }
        },
        { setHeader: (n, v) => up.setHeader(n, v), removeHeader: (n) => up.clearHeader(n) },
        warn,
      )
      for (const e of r.errors) env.log.error(e)
      // Kong's log record carries the trace id as each injected format writes it (`trace_id`).
      if (r.traceIds) addSerializeValue(kit, { key: 'trace_id', value: new LuaTable(undefined, new Map(Object.entries(r.traceIds))), mode: 'set' })
    },

    headerFilter(kit) {
      const at = nowMu()
      const trace = traceOf(kit)
      trace.headerAt = at
      const proxy = proxySpan(trace, at)
      if (annotations) proxy.annotate('khs', at)
      if (traceHeader) kit.response.addHeader(traceHeader, proxy.traceId)
    },

    log(kit) {
      const now = nowMu()
      const trace = traceOf(kit)
      const { request } = trace
      const proxy = proxySpan(trace, now)
      const proxied = kit.proxied
      const startMu = request.timestamp
      // The access phase ends when the request goes upstream; rewrite and routing end when this plugin first runs.
      const sentAt = proxied ? startMu + proxied.kongLatency * 1000 : undefined
      const accessStart = trace.accessAt ?? proxy.timestamp
      const accessEnd = Math.max(accessStart, sentAt ?? now)
      const headerAt = trace.headerAt ?? now
      if (annotations) {
        request.annotate('krs', startMu)
        request.annotate('krf', trace.firstAt)
        proxy.annotate('kas', accessStart)
        proxy.annotate('kaf', accessEnd)
        // The headers leave with the header filter's end, and the body starts then.
        if (trace.headerAt !== undefined) {
          proxy.annotate('khf', headerAt)
          proxy.annotate('kbs', headerAt)
        } else proxy.annotate('khf', now)
        proxy.annotate('kbf', now)
      } else {
        const ms = (from: number, to: number) => Math.max(0, Math.round((to - from) / 1000))
        request.tag('kong.rewrite.duration_ms', ms(startMu, trace.firstAt))
        proxy.tag('kong.access.duration_ms', ms(accessStart, accessEnd))
        proxy.tag('kong.header_filter.duration_ms', 0)
        proxy.tag('kong.body_filter.duration_ms', ms(headerAt, now))
      }

      if (proxied && proxied.tries.length > 0) {
        let hostname: string | undefined
        try {
          hostname = new URL(proxied.origin).hostname.replace(/^\[|\]$/g, '')
        } catch {
          // an origin that is not a URL names no host
        }
        reportTries(kit, trace, proxied.tries, hostname)
      }

      request.tag('http.status_code', kit.response.status)
      if (kit.consumer) request.tag('kong.consumer', kit.consumer.id)
      if (conf.include_credential && kit.credential) request.tag('kong.credential', kit.credential.id)
      request.tag('kong.node.id', env.node.id)
      tagServiceAndRoute(kit, proxy)

      proxy.finish(now)
      report(proxy)
      request.finish(now)
      report(request)
    },
  }
})

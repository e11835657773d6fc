/**
 * One request's trace (Kong's ngx.ctx.KONG_SPANS, its tracing context and
 * the instrumentation hooks of kong/observability/tracing/instrumentation.lua):
 * the root span, the spans instrumentations record under it, the trace id
 * every span is exported with, the sampling decision and the W3C flags.
 *
 * Made on arrival only with --tracing-instrumentations (then the root is
 * `kong`), or when a plugin asks for one to propagate a context (then the
 * root is `root`, marked `kong.propagation_only`, never sampled). A request
 * without either has none and pays nothing.
 */
import type { KitSpan, KitTrace } from '../../plugins/types.js'
import type { RequestState } from '../state.js'
import type { TracingSettings } from './settings.js'
import { newTraceId, nowMs, sampleTraceId, Span, SPAN_KIND } from './span.js'

type Value = string | number | boolean

// Span names by phase and plugin, built once per name (Kong memoizes them too).
const PLUGIN_SPAN_NAMES = { rewrite: new Map<string, string>(), access: new Map<string, string>(), header_filter: new Map<string, string>() }
export type TracedPhase = keyof typeof PLUGIN_SPAN_NAMES

function pluginSpanName(phase: TracedPhase, plugin: string): string {
  const names = PLUGIN_SPAN_NAMES[phase]
  let name = names.get(plugin)
  if (name === undefined) names.set(plugin, (name = `kong.${phase}.plugin.${plugin}`))
  return name
}

export class RequestTrace implements KitTrace {
  traceId = newTraceId()
  readonly root: Span
  sampled: boolean | undefined
  flags: number | undefined = undefined
  readonly #spans: Span[]
  /** Spans running now, innermost last; the root at the bottom. */
  readonly #stack: Span[]
  /** Kong's unlinked `balancer` span: its id went upstream; it becomes the last try's span. */
  #balancer: Span | undefined = undefined

  constructor(
    /** Undefined for a propagation-only trace. */
    readonly settings: TracingSettings | undefined,
    root: Span,
  ) {
    this.root = root
    this.#spans = [root]
    this.#stack = [root]
    // Kong's tracer samples the root at creation with tracing_sampling_rate; a propagation-only root never is.
    this.sampled = settings ? sampleTraceId(this.traceId, settings.samplingRate) : false
  }

  get propagationOnly(): boolean {
    return this.settings === undefined
  }

  get active(): Span {
    return this.#stack[this.#stack.length - 1]!
  }

  instrumented(name: string): boolean {
    return this.settings?.has(name) ?? false
  }

  samplingDecision(parentSampled: boolean | undefined, rate: number | undefined): boolean {
    const settings = this.settings
    if (!settings) return false
    if (parentSampled === false) return false
    return sampleTraceId(this.traceId, rate ?? settings.samplingRate)
  }

  upstreamParent(): Span {
    if (!this.settings?.balancer) return this.root
    return (this.#balancer ??= new Span('kong.balancer', SPAN_KIND.CLIENT, this.root.spanId, nowMs()))
  }

  startSpan(name: string, kind: number = SPAN_KIND.INTERNAL, attributes?: Record<string, Value>): Span {
    const span = new Span(name, kind, this.active.spanId, nowMs(), attributes)
    this.#spans.push(span)
    return span
  }

  spans(): readonly KitSpan[] {
    return this.#spans
  }

  /** A span that becomes the active one until `leave` (Kong's set_active_span): the router's, a plugin phase's. */
  enter(name: string): Span {
    const span = this.startSpan(name)
    this.#stack.push(span)
    return span
  }

  leave(span: Span): void {
    span.finish()
    const i = this.#stack.lastIndexOf(span)
    if (i > 0) this.#stack.length = i
  }

  /** A plugin phase's span, when that phase's instrumentation is on. */
  enterPlugin(phase: TracedPhase, plugin: string): Span | undefined {
    const st = this.settings
    if (!st) return undefined
    const on = phase === 'access' ? st.pluginAccess : phase === 'rewrite' ? st.pluginRewrite : st.pluginHeaderFilter
    return on ? this.enter(pluginSpanName(phase, plugin)) : undefined
  }

  /** Kong's runloop before header_filter: the status and the route's first path on the root. */
  beforeHeaderFilter(status: number, firstPath: string | undefined): void {
    this.root.setAttribute('http.status_code', status)
    this.root.setAttribute('http.route', firstPath ?? '')
  }

  /** Kong's runloop before the log phase: a `kong.balancer` span per try, then the root ends. */
  beforeLog(s: RequestState): void {
    const end = nowMs()
    const tries = s.proxied?.tries
    if (this.settings?.balancer && tries) {
      const hostname = s.match?.service?.host
      for (let i = 0; i < tries.length; i++) {
        const t = tries[i]!
        const last = i === tries.length - 1
        const attributes: Record<string, Value> = { try_count: i + 1, 'net.peer.ip': t.ip, 'net.peer.port': t.port }
        let span: Span
        if (last && t.failed === undefined && this.#balancer) {
          // The span whose id the upstream got as its parent.
          span = this.#balancer
          span.startMs = t.balancerStart
          for (const k in attributes) span.setAttribute(k, attributes[k])
          this.#spans.push(span)
        } else {
          span = new Span('kong.balancer', SPAN_KIND.CLIENT, this.root.spanId, t.balancerStart, attributes)
          this.#spans.push(span)
        }
        if (t.failed !== undefined) {
          span.setAttribute('http.status_code', t.failed)
          span.setStatus(2)
        }
        if (hostname !== undefined) span.setAttribute('net.peer.name', hostname)
        // A failed try ends when the next one starts; the last one with the answer.
        span.finish(last ? end : Math.max(t.balancerStart, tries[i + 1]!.balancerStart))
      }
    }
    this.root.finish(end)
  }
}

/** Kong's `request` instrumentation: the root span `kong`, from the request's arrival. */
export function requestTrace(s: RequestState, settings: TracingSettings): RequestTrace {
  const req = s.req
  const scheme = s.arrival.scheme
  const host = hostOf(req.headers.host, s)
  const v = req.httpVersion
  const root = new Span('kong', SPAN_KIND.SERVER, undefined, performance.timeOrigin + s.start, {
    'http.method': req.method ?? 'GET',
    'http.url': `${scheme}://${host}${req.url ?? '/'}`,
    'http.host': host,
    'http.scheme': scheme,
    // Kong formats ngx.req.http_version() with one decimal.
    'http.flavor': v.includes('.') ? v : `${v}.0`,
    'http.client_ip': s.arrival.clientIp,
    'net.peer.ip': s.arrival.peer,
    'kong.request.id': s.requestId,
  })
  return new RequestTrace(settings, root)
}

/** A trace for propagation alone (instrumentations off): Kong's `root` span marked `kong.propagation_only`. */
export function propagationTrace(): RequestTrace {
  return new RequestTrace(undefined, new Span('root', SPAN_KIND.INTERNAL, undefined, nowMs(), { 'kong.propagation_only': true }))
}

/** nginx's $host: the Host header without its port, lower-cased; the listener's address without one. */
function hostOf(header: string | undefined, s: RequestState): string {
  if (!header) return s.req.socket?.localAddress ?? ''
  const h = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!
  return h.toLowerCase()
}

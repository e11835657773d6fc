/**
 * One injector per format (Kong's kong/observability/tracing/propagation/
 * injectors/*): the headers that carry a TraceContext upstream, and the trace
 * id as that format writes it (Kong logs these as `trace_id` in the log
 * serializer's record).
 */
import type { TraceContext } from './context.js'
import { escapeUri, hexToDec, toIdSize, type Format } from './ids.js'

interface Injector {
  /** Context fields the format cannot do without. */
  readonly requires: readonly ('traceId' | 'spanId')[]
  /** Trace id sizes the format allows; the first is used unless the incoming size is allowed too. */
  readonly traceIdSizes: readonly number[]
  headers(ctx: TraceContext): Record<string, string>
  formatted(traceId: string | undefined): string | undefined
}

const hex = (id: string | undefined) => id ?? ''

function withBaggage(out: Record<string, string>, prefix: string, baggage: TraceContext['baggage']) {
  if (baggage) for (const [k, v] of Object.entries(baggage)) out[prefix + k] = escapeUri(v)
  return out
}

const w3c: Injector = {
  requires: ['traceId', 'spanId'],
  traceIdSizes: [16],
  headers: (c) => ({ traceparent: `00-${hex(c.traceId)}-${hex(c.spanId)}-${c.shouldSample ? '01' : '00'}` }),
  formatted: (t) => hex(t),
}

const b3: Injector = {
  requires: [],
  traceIdSizes: [16, 8],
  headers(c) {
    const out: Record<string, string> = {}
    if (c.traceId !== undefined && c.spanId !== undefined) {
      out['x-b3-traceid'] = c.traceId
      out['x-b3-spanid'] = c.spanId
      if (c.parentId !== undefined) out['x-b3-parentspanid'] = c.parentId
    }
    // The debug flag implies sampling, so it replaces X-B3-Sampled.
    if (c.flags !== undefined) out['x-b3-flags'] = c.flags
    else out['x-b3-sampled'] = c.shouldSample ? '1' : '0'
    return out
  },
  formatted: (t) => hex(t),
}

const b3Single: Injector = {
  requires: [],
  traceIdSizes: [16, 8],
  headers(c) {
    const sampled = c.flags === '1' ? 'd' : c.shouldSample ? '1' : c.shouldSample === false ? '0' : undefined
    // Without ids only the sampling decision travels (B3's "b3: 0" form).
    if (c.traceId === undefined || c.spanId === undefined) return { b3: sampled ?? '0' }
    const parts = [c.traceId, c.spanId]
    if (sampled !== undefined) parts.push(sampled)
    if (c.parentId !== undefined) parts.push(c.parentId)
    return { b3: parts.join('-') }
  },
  formatted: (t) => hex(t),
}

const jaeger: Injector = {
  requires: ['traceId', 'spanId'],
  traceIdSizes: [16, 8],
  headers: (c) =>
    withBaggage({ 'uber-trace-id': `${hex(c.traceId)}:${hex(c.spanId)}:${c.parentId ?? '0'}:${c.shouldSample ? '01' : '00'}` }, 'uberctx-', c.baggage),
  formatted: (t) => hex(t),
}

const ot: Injector = {
  requires: ['traceId', 'spanId'],
  traceIdSizes: [8, 16],
  headers(c) {
    const out: Record<string, string> = { 'ot-tracer-traceid': hex(c.traceId), 'ot-tracer-spanid': hex(c.spanId) }
    if (c.shouldSample !== undefined) out['ot-tracer-sampled'] = c.shouldSample ? '1' : '0'
    return withBaggage(out, 'ot-baggage-', c.baggage)
  },
  formatted: (t) => hex(t),
}

const datadog: Injector = {
  requires: [],
  // Kong sends 64-bit trace ids only (no _dd.p.tid for the high half).
  traceIdSizes: [8],
  headers(c) {
    const out: Record<string, string> = {}
    if (c.traceId !== undefined) out['x-datadog-trace-id'] = hexToDec(c.traceId)
    if (c.spanId !== undefined) out['x-datadog-parent-id'] = hexToDec(c.spanId)
    if (c.shouldSample !== undefined) out['x-datadog-sampling-priority'] = c.shouldSample ? '1' : '0'
    return out
  },
  formatted: (t) => (t === undefined ? undefined : hexToDec(t)),
}

const aws: Injector = {
  requires: ['traceId', 'spanId'],
  traceIdSizes: [16],
  headers(c) {
    const t = hex(c.traceId)
    return { 'x-amzn-trace-id': `Root=1-${t.slice(0, 8)}-${t.slice(8)};Parent=${hex(c.spanId)};Sampled=${c.shouldSample ? '1' : '0'}` }
  },
  formatted: (t) => hex(t),
}

const gcp: Injector = {
  requires: ['traceId', 'spanId'],
  traceIdSizes: [16],
  headers: (c) => ({ 'x-cloud-trace-context': `${hex(c.traceId)}/${hexToDec(hex(c.spanId))};o=${c.shouldSample ? '1' : '0'}` }),
  formatted: (t) => hex(t),
}

const instana: Injector = {
  requires: [],
  traceIdSizes: [16, 8],
  headers(c) {
    const out: Record<string, string> = {}
    if (c.traceId !== undefined) out['x-instana-t'] = c.traceId
    if (c.spanId !== undefined) out['x-instana-s'] = c.spanId
    if (c.shouldSample !== undefined) out['x-instana-l'] = c.shouldSample ? '1' : '0'
    return out
  },
  formatted: (t) => hex(t),
}

const INJECTORS: Readonly<Record<Format, Injector>> = { w3c, b3, 'b3-single': b3Single, jaeger, ot, datadog, aws, gcp, instana }

/** What one injector makes of a context: the headers to set and the trace id in its format, or why it could not. */
export type Injected =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>>; readonly traceId: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly error: string }

const FIELD: Record<'traceId' | 'spanId', string> = { traceId: 'trace_id', spanId: 'span_id' }

/**
 * One format's headers for a context (Kong's injector:inject). The ids are
 * resized for the format: the trace id keeps its incoming size when the format
 * allows it, else takes the format's first size; span ids are 8 bytes.
 */
export function injectFormat(format: Format, ctx: TraceContext): Injected {
  const inj = INJECTORS[format]
  const missing = inj.requires.find((f) => ctx[f] === undefined)
  if (missing) return { ok: false, error: `${format} injector context is invalid: field ${FIELD[missing]} not found in context` }
  const orig = ctx.traceIdOriginalSize
  const size = orig !== undefined && inj.traceIdSizes.includes(orig) ? orig : inj.traceIdSizes[0]!
  const sized: TraceContext = {
    ...ctx,
    traceId: toIdSize(ctx.traceId, size),
    spanId: toIdSize(ctx.spanId, 8),
    parentId: toIdSize(ctx.parentId, 8),
  }
  const formatted = inj.formatted(sized.traceId)
  const name = format === 'b3-single' ? 'b3' : format
  return { ok: true, headers: inj.headers(sized), traceId: formatted === undefined ? {} : { [name]: formatted } }
}

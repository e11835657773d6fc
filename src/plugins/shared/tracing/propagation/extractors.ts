/**
 * One extractor per format (Kong's kong/observability/tracing/propagation/
 * extractors/*): reads the format's headers into a TraceContext. An absent
 * header gives nothing; a malformed one gives nothing (or the part that was
 * valid, as Kong does) and a warning in Kong's words.
 */
import type { HeaderSource, TraceContext, Warn } from './context.js'
import { decToHex, evenHex, SPAN_ID_BYTES, toIdSize, TRACE_ID_BYTES, unescapeUri, type ExtractFormat } from './ids.js'

type Raw = Omit<TraceContext, 'traceIdOriginalSize'>
interface Extractor {
  /** The extractor runs when any of these headers is present. */
  readonly any: readonly string[]
  get(h: HeaderSource, warn: Warn): Raw | undefined
}

const str = (h: HeaderSource, name: string): string | undefined => {
  const v = h[name]
  return typeof v === 'string' ? v : undefined
}
const present = (h: HeaderSource, name: string): boolean => h[name] !== undefined
const HEX = /^[0-9a-fA-F]+$/
const isHex = (s: string) => HEX.test(s)
const allZero = (s: string) => /^0+$/.test(s)

/** Every header `prefix<key>`, unescaped, or undefined when there is none. */
function baggage(h: HeaderSource, prefix: string): Record<string, string> | undefined {
  let out: Record<string, string> | undefined
  for (const [k, v] of Object.entries(h)) {
    if (!k.startsWith(prefix) || typeof v !== 'string') continue
    ;(out ??= {})[k.slice(prefix.length)] = unescapeUri(v)
  }
  return out && Object.freeze(out)
}

const w3c: Extractor = {
  any: ['traceparent'],
  get(h, warn) {
    const tp = str(h, 'traceparent')
    if (tp === undefined || tp === '') return undefined
    const m = /^([0-9a-fA-F]+)-([0-9a-fA-F]+)-([0-9a-fA-F]+)-([0-9a-fA-F]+)$/.exec(tp)
    if (!m) return void warn('invalid W3C traceparent header; ignoring.')
    const [, version, traceId, parentId, flags] = m as unknown as [string, string, string, string, string]
    if (version !== '00') return void warn('invalid W3C Trace Context version; ignoring.')
    if (traceId.length !== 32 || allZero(traceId)) return void warn('invalid W3C trace context trace ID; ignoring.')
    if (parentId.length !== 16 || allZero(parentId)) return void warn('invalid W3C trace context parent ID; ignoring.')
    if (flags.length !== 2) return void warn('invalid W3C trace context flags; ignoring.')
    const w3cFlags = parseInt(flags, 16)
    // traceparent's parent-id is the caller's span: the parent of ours.
    return { traceId: evenHex(traceId), spanId: evenHex(parentId), shouldSample: (w3cFlags & 1) === 1, w3cFlags }
  },
}

interface B3Part {
  traceId?: string | undefined
  spanId?: string | undefined
  parentId?: string | undefined
  shouldSample?: boolean | undefined
  flags?: string | undefined
  invalid: boolean
}

function b3Single(h: HeaderSource, warn: Warn): B3Part | undefined {
  let single = str(h, 'b3')
  if (h.b3 === undefined) {
    // A b3 entry of tracestate stands for the b3 header (each value of a repeated one is tried).
    const ts = h.tracestate
    for (const v of typeof ts === 'string' ? [ts] : (ts ?? [])) {
      const m = /^b3=(.+)$/s.exec(v)
      if (m) {
        single = m[1]
        break
      }
    }
  }
  if (single === undefined) return undefined
  if (single === '1' || single === 'd') return { shouldSample: true, flags: single === 'd' ? '1' : undefined, invalid: false }
  if (single === '0') return { shouldSample: false, invalid: false }
  // The "-" before the sampled flag and the parent are optional here, as in Kong.
  const m = /^([0-9a-fA-F]+)-([0-9a-fA-F]{16})-?([01d]?)-?([0-9a-fA-F]*)$/.exec(single)
  if (!m || (m[1]!.length !== 16 && m[1]!.length !== 32) || (m[4] !== '' && m[4]!.length !== 16)) {
    warn('b3 single header invalid; ignoring.')
    return { invalid: true }
  }
  const sampled = m[3]
  return {
    traceId: m[1],
    spanId: m[2],
    parentId: m[4] === '' ? undefined : m[4],
    shouldSample: sampled === '1' || sampled === 'd' ? true : sampled === '0' ? false : undefined,
    flags: sampled === 'd' ? '1' : undefined,
    invalid: false,
  }
}

function b3Multi(h: HeaderSource, warn: Warn): B3Part {
  const sampled = h['x-b3-sampled']
  let shouldSample: boolean | undefined
  if (sampled === '1' || sampled === 'true') shouldSample = true
  else if (sampled === '0' || sampled === 'false') shouldSample = false
  else if (sampled !== undefined) warn('x-b3-sampled header invalid; ignoring.')
  // X-B3-Flags: 1 (debug) overrides the sampling decision.
  const flags = h['x-b3-flags']
  if (flags === '1') shouldSample = true
  else if (flags !== undefined) warn('x-b3-flags header invalid; ignoring.')
  let invalid = false
  const id = (name: string, lengths: readonly number[]): string | undefined => {
    const v = h[name]
    if (v === undefined) return undefined
    if (typeof v !== 'string' || !lengths.includes(v.length) || !isHex(v)) {
      warn(`${name} header invalid; ignoring.`)
      invalid = true
      return undefined
    }
    return v
  }
  const traceId = id('x-b3-traceid', [16, 32])
  const spanId = id('x-b3-spanid', [16])
  const parentId = id('x-b3-parentspanid', [16])
  return { traceId, spanId, parentId, shouldSample, flags: typeof flags === 'string' ? flags : undefined, invalid }
}

const b3: Extractor = {
  any: ['b3', 'tracestate', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags'],
  get(h, warn) {
    let traceId: string | undefined, spanId: string | undefined, parentId: string | undefined
    let shouldSample: boolean | undefined, flags: string | undefined, singleHeader: boolean | undefined
    // The single header first; the multi headers fill what it left out.
    const single = b3Single(h, warn)
    if (single) {
      singleHeader = true
      shouldSample = single.shouldSample
      flags = single.flags
      if (!single.invalid) ({ traceId, spanId, parentId } = single)
    }
    const multi = b3Multi(h, warn)
    if (shouldSample === undefined) shouldSample = multi.shouldSample
    flags ??= multi.flags
    if (!multi.invalid) {
      traceId ??= multi.traceId
      spanId ??= multi.spanId
      parentId ??= multi.parentId
    }
    // Span ids without a trace id mean nothing.
    if (traceId === undefined) spanId = parentId = undefined
    return {
      traceId: traceId && evenHex(traceId),
      spanId: spanId && evenHex(spanId),
      parentId: parentId && evenHex(parentId),
      reuseSpanId: true,
      shouldSample,
      flags,
      singleHeader,
    }
  },
}

const jaeger: Extractor = {
  any: ['uber-trace-id'],
  get(h, warn) {
    const v = str(h, 'uber-trace-id')
    if (v === undefined || v === '') return undefined
    const m = /^([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)$/.exec(v)
    if (!m) return void warn('invalid jaeger uber-trace-id header; ignoring.')
    const [, traceId, spanId, parentId, flags] = m as unknown as [string, string, string, string, string]
    if (traceId.length > 32 || allZero(traceId)) return void warn('invalid jaeger trace ID; ignoring.')
    // A bad parent id is only worth a warning: Jaeger allows ignoring it.
    if (parentId.length !== 16 && !allZero(parentId)) warn('invalid jaeger parent ID; ignoring.')
    if (spanId.length > 16 || allZero(spanId)) return void warn('invalid jaeger span ID; ignoring.')
    if (flags.length !== 1 && flags.length !== 2) return void warn('invalid jaeger flags; ignoring.')
    return {
      traceId: evenHex(traceId),
      spanId: evenHex(spanId),
      parentId: evenHex(parentId),
      reuseSpanId: true,
      shouldSample: parseInt(flags, 16) % 2 === 1,
      baggage: baggage(h, 'uberctx-'),
    }
  },
}

const ot: Extractor = {
  any: ['ot-tracer-sampled', 'ot-tracer-traceid', 'ot-tracer-spanid'],
  get(h, warn) {
    const sampled = h['ot-tracer-sampled']
    let shouldSample: boolean | undefined
    if (sampled === '1' || sampled === 'true') shouldSample = true
    else if (sampled === '0' || sampled === 'false') shouldSample = false
    else if (sampled !== undefined) warn('ot-tracer-sampled header invalid; ignoring.')
    let invalid = false
    let traceId = h['ot-tracer-traceid']
    if (traceId !== undefined && (typeof traceId !== 'string' || (traceId.length !== 16 && traceId.length !== 32) || !isHex(traceId))) {
      warn('ot-tracer-traceid header invalid; ignoring.')
      invalid = true
      traceId = undefined
    }
    let spanId = h['ot-tracer-spanid']
    if (spanId !== undefined && (typeof spanId !== 'string' || spanId.length !== 16 || !isHex(spanId))) {
      warn('ot-tracer-spanid header invalid; ignoring.')
      invalid = true
      spanId = undefined
    }
    const ok = typeof traceId === 'string' && !invalid
    return {
      traceId: ok ? evenHex(traceId as string) : undefined,
      spanId: ok && typeof spanId === 'string' ? evenHex(spanId) : undefined,
      shouldSample,
      baggage: baggage(h, 'ot-baggage-'),
    }
  },
}

const DECIMAL = /^\s*(\d+)\s*$/

const datadog: Extractor = {
  any: ['x-datadog-trace-id', 'x-datadog-parent-id', 'x-datadog-sampling-priority'],
  get(h, warn) {
    const p = h['x-datadog-sampling-priority']
    let shouldSample: boolean | undefined
    if (p === '1' || p === '2') shouldSample = true
    else if (p === '0' || p === '-1') shouldSample = false
    else if (p !== undefined) return void warn('x-datadog-sampling-priority header invalid; ignoring.')
    const dec = (name: string): string | undefined => {
      const v = h[name]
      if (v === undefined) return undefined
      const m = typeof v === 'string' ? DECIMAL.exec(v) : null
      if (!m) warn(`${name} header invalid; ignoring.`)
      return m?.[1]
    }
    const traceId = dec('x-datadog-trace-id')
    let parentId = dec('x-datadog-parent-id')
    if (traceId === undefined) parentId = undefined
    // x-datadog-parent-id is the caller's span: the parent of ours.
    return { traceId: traceId && decToHex(traceId), spanId: parentId && decToHex(parentId), shouldSample }
  },
}

const aws: Extractor = {
  any: ['x-amzn-trace-id'],
  get(h, warn) {
    const v = str(h, 'x-amzn-trace-id')
    if (v === undefined) return undefined
    let traceId: string | undefined, spanId: string | undefined, shouldSample: boolean | undefined
    // key=value pairs separated by ';', spaces around either allowed; unknown keys ignored.
    for (const pair of v.split(';')) {
      const eq = pair.indexOf('=')
      const key = (eq < 0 ? pair : pair.slice(0, eq)).trim()
      const value = eq < 0 ? '' : pair.slice(eq + 1).trim()
      if (key === 'Root') {
        // 1-<8 hex: epoch seconds>-<24 hex>: together, the 16-byte trace id.
        const m = /^([0-9a-fA-F]+)-([0-9a-fA-F]+)-([0-9a-fA-F]+)$/.exec(value)
        if (value.length !== 35 || !m || m[1] !== '1' || m[2]!.length !== 8 || m[3]!.length !== 24) {
          return void warn('invalid aws header trace id; ignoring.')
        }
        traceId = evenHex(m[2]! + m[3]!)
      } else if (key === 'Parent') {
        if (value.length !== 16) return void warn('invalid aws header parent id; ignoring.')
        spanId = evenHex(value)
      } else if (key === 'Sampled') {
        if (value !== '0' && value !== '1') return void warn('invalid aws header sampled flag; ignoring.')
        shouldSample = value === '1'
      }
    }
    return { traceId, spanId, shouldSample }
  },
}

const gcp: Extractor = {
  any: ['x-cloud-trace-context'],
  get(h, warn) {
    const v = str(h, 'x-cloud-trace-context')
    if (v === undefined) return undefined
    const m = /^([0-9a-f]{32})\/([0-9]{1,20})(;o=([0-9]))?$/.exec(v)
    if (!m) return void warn('invalid GCP header; ignoring.')
    return { traceId: m[1], spanId: decToHex(m[2]!), shouldSample: m[4] === '1' }
  },
}

const instana: Extractor = {
  any: ['x-instana-t', 'x-instana-s', 'x-instana-l'],
  get(h, warn) {
    const t = str(h, 'x-instana-t')
    if (t === undefined) return undefined
    const traceId = /^[0-9a-fA-F]+/.exec(t)?.[0]
    if (traceId === undefined || (traceId.length !== 16 && traceId.length !== 32)) warn('x-instana-t header invalid; ignoring.')
    const s = str(h, 'x-instana-s')
    if (s === undefined) return undefined
    const spanId = /^[0-9a-fA-F]+/.exec(s)?.[0]
    if (spanId === undefined) warn('x-instana-s header invalid; ignoring.')
    // x-instana-l: "0", "1", or "1,correlationType=...": only the first character counts.
    const level = str(h, 'x-instana-l')
    return {
      traceId: traceId && evenHex(traceId),
      spanId: spanId && evenHex(spanId),
      shouldSample: level !== undefined && level.slice(0, 1) === '1',
    }
  },
}

const EXTRACTORS: Readonly<Record<ExtractFormat, Extractor>> = { w3c, b3, jaeger, ot, datadog, aws, gcp, instana }

/**
 * One format's context from the request headers (Kong's extractor:extract):
 * undefined when none of its headers is there or nothing usable was in them. Ids are
 * resized to 16-byte trace and 8-byte span ids; the trace id's incoming size
 * is kept for the injectors.
 */
export function extractFormat(format: ExtractFormat, headers: HeaderSource, warn: Warn = () => {}): TraceContext | undefined {
  const ex = EXTRACTORS[format]
  if (!ex.any.some((n) => present(headers, n))) return undefined
  const raw = ex.get(headers, warn)
  if (!raw) return undefined
  const ctx: TraceContext = { ...raw }
  if (raw.traceId !== undefined) ctx.traceIdOriginalSize = raw.traceId.length / 2
  ctx.traceId = toIdSize(raw.traceId, TRACE_ID_BYTES)
  ctx.spanId = toIdSize(raw.spanId, SPAN_ID_BYTES)
  ctx.parentId = toIdSize(raw.parentId, SPAN_ID_BYTES)
  // Absent fields are left out, as Kong's nil fields; a context with nothing in it was not found.
  for (const k of Object.keys(ctx) as (keyof TraceContext)[]) if (ctx[k] === undefined) delete ctx[k]
  return Object.keys(ctx).length === 0 ? undefined : ctx
}

/**
 * Trace-context propagation shared by the tracing plugins (Kong's
 * kong/observability/tracing/propagation): reading a context from request
 * headers in the configured formats, clearing headers, and writing a context
 * into the upstream request in one or more formats. Pure: headers come in as
 * a record and go out through callbacks, so any plugin (or a test) can drive it.
 *
 * A plugin resolves its config once (`resolvePropagation`), then per request:
 *   const found = extract(headers, prop, warn)            // Extracted | undefined
 *   const ctx = { ...found?.context, traceId, spanId, ... } // the plugin's own span
 *   clear(prop, removeHeader)
 *   const { traceIds, errors } = inject(ctx, prop, found?.format, setHeader)
 * or all three at once with `propagate(headers, prop, (extracted, found) => ctx, sink)`.
 */
import type { HeaderSource, TraceContext, Warn } from './context.js'
import { extractFormat } from './extractors.js'
import type { ExtractFormat, Format } from './ids.js'
import { injectFormat } from './injectors.js'
import type { Propagation } from './schema.js'

export type { HeaderSource, TraceContext, Warn } from './context.js'
export { extractFormat } from './extractors.js'
export { injectFormat, type Injected } from './injectors.js'
export {
  decToHex,
  escapeUri,
  EXTRACT_FORMATS,
  FORMATS,
  hexToDec,
  randomId,
  SPAN_ID_BYTES,
  toIdSize,
  TRACE_ID_BYTES,
  type ExtractFormat,
  type Format,
} from './ids.js'
export {
  HEADER_TYPES,
  propagationSchema,
  resolvePropagation,
  type HeaderType,
  type Propagation,
  type PropagationConfig,
  type PropagationParams,
} from './schema.js'

/** A context found in the request, and the format it was found in. */
export interface Extracted {
  readonly context: TraceContext
  readonly format: ExtractFormat
}

/** The first format of `extract` whose headers give a context (Kong: extract_tracing_context). */
export function extract(headers: HeaderSource, prop: Propagation, warn: Warn = () => {}): Extracted | undefined {
  for (const format of prop.extract ?? []) {
    const context = extractFormat(format, headers, warn)
    if (context) return { context, format }
  }
  return undefined
}

/** Removes the configured headers from the upstream request (Kong: clear_tracing_headers). */
export function clear(prop: Propagation, removeHeader: (name: string) => void): void {
  for (const name of prop.clear ?? []) removeHeader(name)
}

/** The format `preserve` stands for: the one extracted (b3 in its single-header form when it came so), else the default. */
export function preservedFormat(prop: Propagation, extractedFrom: ExtractFormat | undefined, ctx: TraceContext): Format {
  const f: Format = extractedFrom ?? prop.defaultFormat ?? 'w3c'
  return f === 'b3' && ctx.singleHeader ? 'b3-single' : f
}

export interface InjectResult {
  /** The trace id as each injected format writes it (Kong's `trace_id` log field); undefined when none was injected. */
  readonly traceIds: Readonly<Record<string, string>> | undefined
  /** Kong's error messages for the formats the context could not be written in (Kong logs them at error). */
  readonly errors: readonly string[]
}

/**
 * Writes the context in every format of `inject` (Kong: inject_tracing_context);
 * `extractedFrom` is what `preserve` preserves. Headers go out through `setHeader`.
 */
export function inject(
  ctx: TraceContext,
  prop: Propagation,
  extractedFrom: ExtractFormat | undefined,
  setHeader: (name: string, value: string) => void,
): InjectResult {
  let traceIds: Record<string, string> | undefined
  const errors: string[] = []
  for (const entry of prop.inject ?? []) {
    const format = entry === 'preserve' ? preservedFormat(prop, extractedFrom, ctx) : entry
    const r = injectFormat(format, ctx)
    if (!r.ok) {
      errors.push(r.error)
      continue
    }
    for (const [name, value] of Object.entries(r.headers)) setHeader(name, value)
    traceIds = { ...traceIds, ...r.traceId }
  }
  return { traceIds, errors }
}

/** Where propagate writes: the upstream request's headers. */
export interface HeaderSink {
  setHeader(name: string, value: string): void
  removeHeader(name: string): void
}

export interface Propagated extends InjectResult {
  /** What was extracted, if anything. */
  readonly extracted: Extracted | undefined
  /** The context that was injected. */
  readonly context: TraceContext
}

/**
 * The three steps in Kong's order (Kong: propagate): extract, let the plugin
 * make the context to send (`toInject` gets the extracted one, `{}` when none
 * was found; it may return it changed), clear, inject.
 */
export function propagate(
  headers: HeaderSource,
  prop: Propagation,
  toInject: (extracted: TraceContext, found: Extracted | undefined) => TraceContext,
  sink: HeaderSink,
  warn: Warn = () => {},
): Propagated {
  const extracted = extract(headers, prop, warn)
  const context = toInject(extracted ? { ...extracted.context } : {}, extracted)
  clear(prop, (name) => sink.removeHeader(name))
  const r = inject(context, prop, extracted?.format, (name, value) => sink.setHeader(name, value))
  return { extracted, context, ...r }
}

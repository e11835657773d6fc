/**
 * OTLP/HTTP protobuf payloads (Kong's kong/observability/otlp): our spans and
 * log records adapted to the shapes @opentelemetry/otlp-transformer encodes
 * (the SDK's ReadableSpan and ReadableLogRecord), one resource and Kong's
 * instrumentation scope (`kong-internal` 0.1.0) per request. No protobuf is
 * written by hand here.
 */
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { KitSpan } from '../types.js'

type ReadableSpan = Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0][number]
type ReadableLogRecord = Parameters<typeof ProtobufLogsSerializer.serializeRequest>[0][number]
type Resource = ReadableSpan['resource']
type HrTime = ReadableSpan['startTime']
type Attributes = Record<string, string | number | boolean>

/** Kong's scope name and version. */
const SCOPE = { name: 'kong-internal', version: '0.1.0' } as const

/** A resource with these attributes (the transformer reads `attributes` and `schemaUrl` only). */
export function otlpResource(attributes: Attributes): Resource {
  const resource: Resource = {
    attributes,
    merge: () => resource,
    getRawAttributes: () => Object.entries(attributes),
  }
  return resource
}

const hrTime = (ms: number): HrTime => {
  const s = Math.floor(ms / 1000)
  return [s, Math.round((ms - s * 1000) * 1e6)]
}

/** Kong's to_ot_trace_id / to_ot_span_id: the last `n` bytes, or left-padded with zeros. */
export function idOf(id: Buffer, n: number): string {
  if (id.length > n) return id.subarray(id.length - n).toString('hex')
  if (id.length < n) return Buffer.concat([Buffer.alloc(n - id.length), id]).toString('hex')
  return id.toString('hex')
}

/**
 * One span, frozen for the queue with the trace id it is exported under
 * (Kong overwrites each span's with the request's raw trace id).
 */
export function readableSpan(span: KitSpan, traceId: Buffer, resource: Resource): ReadableSpan {
  const ctx = { traceId: idOf(traceId, 16), spanId: idOf(span.spanId, 8), traceFlags: 1 }
  const start = hrTime(span.startMs)
  const endMs = span.endMs ?? span.startMs
  const end = hrTime(endMs)
  return {
    name: span.name,
    // The SDK's SpanKind counts from INTERNAL = 0; Kong's (OTLP's) from UNSPECIFIED = 0.
    kind: Math.max(0, span.kind - 1),
    spanContext: () => ctx,
    ...(span.parentId ? { parentSpanContext: { traceId: ctx.traceId, spanId: idOf(span.parentId, 8), traceFlags: 1 } } : {}),
    startTime: start,
    endTime: end,
    status: { code: span.status },
    attributes: { ...span.attributes },
    links: [],
    events: span.events.map((e) => ({ name: e.name, time: hrTime(e.timeMs), ...(e.attributes ? { attributes: { ...e.attributes } } : {}) })),
    duration: hrTime(endMs - span.startMs),
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  }
}

/** An ExportTraceServiceRequest: the spans under `resource` (a batch takes the resource of its last span, as Kong's queue takes the latest handler config). */
export function encodeTraces(spans: readonly ReadableSpan[], resource: Resource): Uint8Array {
  const batch = spans.map((s) => (s.resource === resource ? s : { ...s, resource }))
  return ProtobufTraceSerializer.serializeRequest(batch) ?? new Uint8Array()
}

/** A log line as Kong's o11y logs keep it (kong/observability/logs.lua), ready for OTLP. */
export interface LogLine {
  timeMs: number
  observedMs: number
  severityNumber: number
  severityText: string
  body: string
  attributes: Attributes
  /** The request's trace (request logs when a trace exists). */
  traceId?: Buffer | undefined
  spanId?: Buffer | undefined
  flags?: number | undefined
}

export function readableLog(line: LogLine, resource: Resource): ReadableLogRecord {
  const spanContext =
    line.traceId !== undefined
      ? { traceId: idOf(line.traceId, 16), spanId: line.spanId ? idOf(line.spanId, 8) : '0000000000000000', traceFlags: line.flags ?? 0 }
      : undefined
  return {
    hrTime: hrTime(line.timeMs),
    hrTimeObserved: hrTime(line.observedMs),
    ...(spanContext ? { spanContext } : {}),
    severityNumber: line.severityNumber,
    severityText: line.severityText,
    body: line.body,
    resource,
    instrumentationScope: SCOPE,
    attributes: line.attributes,
    droppedAttributesCount: 0,
  }
}

export function encodeLogs(logs: readonly ReadableLogRecord[], resource: Resource): Uint8Array {
  const batch = logs.map((l) => (l.resource === resource ? l : { ...l, resource }))
  return ProtobufLogsSerializer.serializeRequest(batch) ?? new Uint8Array()
}

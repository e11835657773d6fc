/**
 * zipkin's spans (Kong's kong/plugins/zipkin/span.lua) and their Zipkin v2
 * JSON form (reporter.lua): ids are lower-case hex, times are integer
 * microseconds since the epoch, tag values are sent as strings.
 */
import { randomBytes } from 'node:crypto'
import { randomId } from '../shared/tracing/propagation/index.js'

export type TagValue = string | number | boolean

export interface Annotation {
  readonly value: string
  readonly timestamp: number
}

export class Span {
  duration: number | undefined
  tags: Map<string, TagValue> | undefined
  annotations: Annotation[] | undefined
  /** The remote endpoint's service name (the request's service), its address and port. */
  serviceName: string | undefined
  ip: string | undefined
  port: number | undefined
  readonly timestamp: number

  constructor(
    readonly kind: 'SERVER' | 'CLIENT',
    readonly name: string,
    startMu: number,
    readonly shouldSample: boolean,
    readonly traceId: string,
    readonly id: string = newSpanId(),
    readonly parentId: string | undefined = undefined,
    readonly baggage: Readonly<Record<string, string>> | undefined = undefined,
  ) {
    this.timestamp = Math.floor(startMu)
  }

  /** A span of the same trace under this one. */
  child(kind: 'SERVER' | 'CLIENT', name: string, startMu: number): Span {
    return new Span(kind, name, startMu, this.shouldSample, this.traceId, newSpanId(), this.id, this.baggage)
  }

  /** A tag; an undefined value removes it (Kong's set_tag with nil). */
  tag(key: string, value: TagValue | undefined): void {
    if (value === undefined) this.tags?.delete(key)
    else (this.tags ??= new Map()).set(key, value)
  }

  annotate(value: string, timestampMu: number): void {
    ;(this.annotations ??= []).push({ value, timestamp: Math.floor(timestampMu) })
  }

  finish(finishMu: number): void {
    // A clock step backwards must not give a negative duration.
    this.duration = Math.max(0, Math.floor(finishMu - this.timestamp))
  }
}

export const newSpanId = (): string => randomId(8, randomBytes)

/** The span as Zipkin's v2 API takes it (POST /api/v2/spans, an array of these). */
export interface ZipkinSpan {
  traceId: string
  name: string
  parentId?: string
  id: string
  kind: 'SERVER' | 'CLIENT'
  timestamp: number
  duration?: number
  localEndpoint: { serviceName: string }
  remoteEndpoint: { serviceName?: string; port?: number; ipv4?: string; ipv6?: string } | null
  tags?: Record<string, string>
  annotations?: Annotation[]
}

/** Lua's tostring for a tag value: integers without a fraction, booleans as words. */
function tagText(v: TagValue): string {
  return typeof v === 'number' && Number.isInteger(v) ? v.toFixed(0) : String(v)
}

export function toZipkin(span: Span, localServiceName: string, defaultServiceName: string | undefined): ZipkinSpan {
  let tags: Record<string, string> | undefined
  // Zipkin wants non-empty string values.
  for (const [k, v] of span.tags ?? []) if (v !== '') (tags ??= {})[k] = tagText(v)
  const serviceName = span.serviceName ?? defaultServiceName
  let remoteEndpoint: ZipkinSpan['remoteEndpoint'] = null
  if (span.port !== undefined || serviceName !== undefined) {
    remoteEndpoint = {}
    if (serviceName !== undefined) remoteEndpoint.serviceName = serviceName
    if (span.port !== undefined) remoteEndpoint.port = span.port
    // No flag tells the address family: a colon means IPv6.
    if (span.ip !== undefined) remoteEndpoint[span.ip.includes(':') ? 'ipv6' : 'ipv4'] = span.ip
  }
  const out: ZipkinSpan = {
    traceId: span.traceId,
    name: span.name,
    id: span.id,
    kind: span.kind,
    timestamp: span.timestamp,
    localEndpoint: { serviceName: localServiceName },
    remoteEndpoint,
  }
  if (span.parentId !== undefined) out.parentId = span.parentId
  if (span.duration !== undefined) out.duration = span.duration
  if (tags) out.tags = tags
  if (span.annotations) out.annotations = span.annotations
  return out
}

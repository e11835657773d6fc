// A real OTLP/HTTP receiver on 127.0.0.1:0 for the opentelemetry tests: keeps
// every export it got (headers and protobuf body) and decodes them with the
// official opentelemetry-proto definitions (test/fixtures/opentelemetry-proto)
// through protobufjs, as a collector would. Ids come back as hex strings.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

const ROOT = fileURLToPath(new URL('../fixtures/opentelemetry-proto/', import.meta.url))

let types: Promise<{ traces: protobuf.Type; logs: protobuf.Type }> | undefined

function loadTypes() {
  return (types ??= (async () => {
    const root = new protobuf.Root()
    root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : ROOT + target)
    await root.load(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'opentelemetry/proto/collector/logs/v1/logs_service.proto'], {
      keepCase: true,
    })
    return {
      traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
      logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    }
  })())
}

export type AttrValue = string | number | boolean | undefined

export interface OtlpSpan {
  trace_id: string
  span_id: string
  parent_span_id: string
  name: string
  kind: number
  start_time_unix_nano: bigint
  end_time_unix_nano: bigint
  attributes: Record<string, AttrValue>
  /** Which of string_value, int_value, double_value, bool_value each attribute was sent as. */
  attributeTypes: Record<string, string>
  status: { code: number; message: string }
  events: { name: string; attributes: Record<string, AttrValue> }[]
}

export interface OtlpExport {
  headers: IncomingHttpHeaders
  url: string
  resource: Record<string, AttrValue>
  scope: { name: string; version: string }
  spans: OtlpSpan[]
}

interface KeyValue {
  key: string
  value: Record<string, unknown>
}

function attrs(list: KeyValue[] | undefined): { values: Record<string, AttrValue>; types: Record<string, string> } {
  const values: Record<string, AttrValue> = {}
  const types: Record<string, string> = {}
  for (const kv of list ?? []) {
    const [type, v] = Object.entries(kv.value).find(([k]) => k.endsWith('_value')) ?? ['none', undefined]
    types[kv.key] = type
    values[kv.key] = typeof v === 'object' && v !== null ? Number(v.toString()) : (v as AttrValue)
  }
  return { values, types }
}

const hex = (b: unknown): string => (b instanceof Uint8Array ? Buffer.from(b).toString('hex') : '')
const nanos = (v: unknown): bigint => BigInt(String(v ?? 0))

/** Decodes one ExportTraceServiceRequest body. */
export async function decodeTraces(body: Buffer): Promise<Omit<OtlpExport, 'headers' | 'url'>> {
  const { traces } = await loadTypes()
  const msg = traces.toObject(traces.decode(body), { longs: String, bytes: Buffer, defaults: true }) as {
    resource_spans: { resource: { attributes: KeyValue[] }; scope_spans: { scope: { name: string; version: string }; spans: Record<string, unknown>[] }[] }[]
  }
  const rs = msg.resource_spans[0]!
  const ss = rs.scope_spans[0]!
  return {
    resource: attrs(rs.resource.attributes).values,
    scope: { name: ss.scope.name, version: ss.scope.version },
    spans: rs.scope_spans.flatMap((s) =>
      s.spans.map((sp) => {
        const a = attrs(sp.attributes as KeyValue[])
        return {
          trace_id: hex(sp.trace_id),
          span_id: hex(sp.span_id),
          parent_span_id: hex(sp.parent_span_id),
          name: sp.name as string,
          kind: sp.kind as number,
          start_time_unix_nano: nanos(sp.start_time_unix_nano),
          end_time_unix_nano: nanos(sp.end_time_unix_nano),
          attributes: a.values,
          attributeTypes: a.types,
          status: (sp.status as { code: number; message: string } | null) ?? { code: 0, message: '' },
          events: ((sp.events as { name: string; attributes: KeyValue[] }[]) ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes).values })),
        }
      }),
    ),
  }
}

export interface OtlpLogRecord {
  time_unix_nano: bigint
  observed_time_unix_nano: bigint
  severity_number: number
  severity_text: string
  body: AttrValue
  attributes: Record<string, AttrValue>
  trace_id: string
  span_id: string
  flags: number
}

export interface OtlpLogsExport {
  headers: IncomingHttpHeaders
  resource: Record<string, AttrValue>
  records: OtlpLogRecord[]
}

/** Decodes one ExportLogsServiceRequest body. */
export async function decodeLogs(body: Buffer): Promise<Omit<OtlpLogsExport, 'headers'>> {
  const { logs } = await loadTypes()
  const msg = logs.toObject(logs.decode(body), { longs: String, bytes: Buffer, defaults: true }) as {
    resource_logs: { resource: { attributes: KeyValue[] }; scope_logs: { log_records: Record<string, unknown>[] }[] }[]
  }
  const rl = msg.resource_logs[0]!
  return {
    resource: attrs(rl.resource.attributes).values,
    records: rl.scope_logs.flatMap((s) =>
      s.log_records.map((r) => ({
        time_unix_nano: nanos(r.time_unix_nano),
        observed_time_unix_nano: nanos(r.observed_time_unix_nano),
        severity_number: r.severity_number as number,
        severity_text: r.severity_text as string,
        body: attrs([{ key: 'body', value: r.body as Record<string, unknown> }]).values.body,
        attributes: attrs(r.attributes as KeyValue[]).values,
        trace_id: hex(r.trace_id),
        span_id: hex(r.span_id),
        flags: r.flags as number,
      })),
    ),
  }
}

export interface OtlpReceiver {
  url: string
  /** Every trace export decoded, in arrival order. */
  exports: OtlpExport[]
  /** Every logs export (requests to a path with `logs` in it), decoded. */
  logExports: OtlpLogsExport[]
  /** Every span received so far. */
  spans(): OtlpSpan[]
  close(): Promise<void>
}

/** Starts the receiver; `answer` picks each reply's status (200 by default). */
export async function startOtlpReceiver(t: { teardown(fn: () => Promise<void>): void }, answer: (n: number) => number = () => 200): Promise<OtlpReceiver> {
  await loadTypes()
  const exports: OtlpExport[] = []
  const logExports: OtlpLogsExport[] = []
  let n = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = answer(++n)
      const body = Buffer.concat(chunks)
      if ((req.url ?? '').includes('logs')) {
        void decodeLogs(body).then(
          (d) => {
            if (status === 200) logExports.push({ headers: req.headers, ...d })
            res.writeHead(status).end()
          },
          () => res.writeHead(400).end(),
        )
        return
      }
      void decodeTraces(body).then(
        (d) => {
          if (status === 200) exports.push({ headers: req.headers, url: req.url ?? '', ...d })
          res.writeHead(status).end()
        },
        () => res.writeHead(400).end(),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  t.teardown(close)
  return { url: `http://127.0.0.1:${port}`, exports, logExports, spans: () => exports.flatMap((e) => e.spans), close }
}

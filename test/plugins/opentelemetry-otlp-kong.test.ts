// Kong's OTLP encoding spec (spec/03-plugins/37-opentelemetry/01-otlp_spec.lua): spans and
// log records as the plugin encodes them (src/plugins/opentelemetry/otlp.ts, through
// @opentelemetry/otlp-transformer), decoded with the official opentelemetry-proto files.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { decodeLogs, decodeTraces } from '../helpers/otlp.js'
import { encodeLogs, encodeTraces, otlpResource, readableLog, readableSpan } from '../../src/plugins/opentelemetry/otlp.js'
import type { KitSpan } from '../../src/plugins/types.js'

function span(over: Partial<KitSpan> = {}): KitSpan {
  const now = Date.now()
  return {
    name: 'full-span',
    kind: 3,
    spanId: randomBytes(8),
    parentId: randomBytes(8),
    startMs: now,
    endMs: now + 1,
    status: 2,
    attributes: { foo: 'bar', test: true, version: 0.1 },
    events: [{ name: 'evt1', timeMs: now, attributes: { debug: true } }],
    setAttribute() {},
    addEvent() {},
    setStatus() {},
    finish() {},
    ...over,
  }
}

const resource = otlpResource({ 'service.name': 'kong' })

t.test('encode/decode pb (traces)', async (t) => {
  // spec/03-plugins/37-opentelemetry/01-otlp_spec.lua:89
  const traceId = randomBytes(16)
  const s = span()
  const decoded = await decodeTraces(Buffer.from(encodeTraces([readableSpan(s, traceId, resource)], resource)))
  t.same(decoded.resource, { 'service.name': 'kong' })
  t.same(decoded.scope, { name: 'kong-internal', version: '0.1.0' })
  const [d] = decoded.spans
  t.equal(d!.name, 'full-span')
  t.equal(d!.trace_id, traceId.toString('hex'))
  t.equal(d!.span_id, s.spanId.toString('hex'))
  t.equal(d!.parent_span_id, s.parentId!.toString('hex'))
  t.equal(d!.kind, 3, "Kong's kind numbers are OTLP's")
  t.equal(d!.status.code, 2)
  t.same(d!.attributes, { foo: 'bar', test: true, version: 0.1 })
  t.same(d!.attributeTypes, { foo: 'string_value', test: 'bool_value', version: 'double_value' })
  t.same(d!.events, [{ name: 'evt1', attributes: { debug: true } }])
  t.equal(d!.end_time_unix_nano - d!.start_time_unix_nano, 1_000_000n, 'nanosecond times')
})

t.test('encode/decode pb (logs)', async (t) => {
  // spec/03-plugins/37-opentelemetry/01-otlp_spec.lua:166
  const traceId = randomBytes(16)
  const spanId = randomBytes(8)
  const now = Date.now()
  const rec = readableLog(
    { timeMs: now, observedMs: now, severityNumber: 9, severityText: 'INFO', body: 'log line', attributes: { 'request.id': 'abc' }, traceId, spanId, flags: 1 },
    resource,
  )
  const decoded = await decodeLogs(Buffer.from(encodeLogs([rec], resource)))
  t.same(decoded.resource, { 'service.name': 'kong' })
  t.match(decoded.records[0], {
    severity_number: 9,
    severity_text: 'INFO',
    body: 'log line',
    attributes: { 'request.id': 'abc' },
    trace_id: traceId.toString('hex'),
    span_id: spanId.toString('hex'),
    flags: 1,
  })
})

t.test('check lengths of trace_id and span_id', async (t) => {
  // spec/03-plugins/37-opentelemetry/01-otlp_spec.lua:201: longer ids keep their last bytes, shorter ones are zero-padded on the left
  const long = randomBytes(17)
  const longParent = randomBytes(9)
  const short = randomBytes(15)
  const shortParent = randomBytes(7)
  const spans = [readableSpan(span({ parentId: longParent }), long, resource), readableSpan(span({ parentId: shortParent }), short, resource)]
  const [a, b] = (await decodeTraces(Buffer.from(encodeTraces(spans, resource)))).spans
  t.equal(a!.trace_id, long.subarray(1).toString('hex'))
  t.equal(a!.parent_span_id, longParent.subarray(1).toString('hex'))
  t.equal(b!.trace_id, `00${short.toString('hex')}`)
  t.equal(b!.parent_span_id, `00${shortParent.toString('hex')}`)
})

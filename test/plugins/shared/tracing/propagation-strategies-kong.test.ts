// The propagation formats one by one: each extractor reads its headers into a
// context (or warns and ignores them), each injector writes a context back
// as headers and names the trace id in its format. Ported from Kong's
// spec/01-unit/26-observability/02-propagation_strategies_spec.lua: every
// case below carries the line of the case it ports.
import t from 'tap'
import { extractFormat, injectFormat, type ExtractFormat, type Format, type TraceContext } from '../../../../src/plugins/shared/tracing/propagation/index.js'

const T16 = '0af7651916cd43dd8448eb211c80319c'
const T8 = '8448eb211c80319c'
const T8_DEC = '9532127138774266268'
const S1 = 'b7ad6b7169203331'
const S1_DEC = '13235353014750950193'
const S2 = 'b7ad6b7169203332'
const BIG_T = 'fffffffffffffff1'
const BIG_T16 = 'fffffffffffffffffffffffffffffff1'
const BIG_S = 'fffffffffffffff3'
const dec = (hex: string) => BigInt(`0x${hex}`).toString()
const LONG = '1234567890123456789012345678901234567890'
const PAD = '0'.repeat(16)

interface Case {
  /** The line of Kong's case. */
  line: number
  desc: string
  extract?: boolean
  inject?: boolean
  headers?: Record<string, string | string[]>
  ctx?: TraceContext
  /** The trace id as the injector formats it. */
  traceId?: string
  /** Extraction: the warning; injection: the error. */
  err?: string
}
interface Group {
  extractor: ExtractFormat
  injector: Format
  cases: Case[]
}

const tp = (trace: string, span: string, flags: string) => `00-${trace}-${span}-${flags}`
const amzn = (trace: string, parent: string, sampled: string) => `Root=1-${trace.slice(0, 8)}-${trace.slice(8)};Parent=${parent};Sampled=${sampled}`

const groups: Group[] = [
  {
    extractor: 'w3c',
    injector: 'w3c',
    cases: [
      {
        line: 95,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { traceparent: tp(T16, S1, '01') },
        ctx: { w3cFlags: 1, traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 110,
        desc: 'sampling mask (on)',
        extract: true,
        headers: { traceparent: tp(T16, S1, '09') },
        ctx: { w3cFlags: 9, traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 125,
        desc: 'sampling mask (off)',
        extract: true,
        headers: { traceparent: tp(T16, S1, '08') },
        ctx: { w3cFlags: 8, traceId: T16, spanId: S1, shouldSample: false, traceIdOriginalSize: 16 },
      },
      {
        line: 140,
        desc: 'hex flags',
        extract: true,
        headers: { traceparent: tp(T16, S1, 'ef') },
        ctx: { w3cFlags: 0xef, traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 155,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { traceparent: tp(T16, S1, '00') },
        ctx: { w3cFlags: 0, traceId: T16, spanId: S1, shouldSample: false, traceIdOriginalSize: 16 },
      },
      {
        line: 170,
        desc: 'default injection size is 16B',
        inject: true,
        traceId: T16,
        headers: { traceparent: tp(T16, S1, '01') },
        ctx: { traceId: T16, spanId: S1, shouldSample: true },
      },
      {
        line: 182,
        desc: 'invalid header 1',
        extract: true,
        headers: { traceparent: tp('vv', S1, '00').replace('00-vv', `vv-${T16}`) },
        err: 'invalid W3C traceparent header; ignoring.',
      },
      {
        line: 189,
        desc: 'invalid header 2',
        extract: true,
        headers: { traceparent: tp('v'.repeat(32), S1, '00') },
        err: 'invalid W3C traceparent header; ignoring.',
      },
      {
        line: 196,
        desc: 'invalid header 3',
        extract: true,
        headers: { traceparent: tp(T16, 'v'.repeat(16), '00') },
        err: 'invalid W3C traceparent header; ignoring.',
      },
      { line: 203, desc: 'invalid header 4', extract: true, headers: { traceparent: tp(T16, S1, 'vv') }, err: 'invalid W3C traceparent header; ignoring.' },
      {
        line: 210,
        desc: 'trace id too short',
        extract: true,
        headers: { traceparent: tp('123', S1, '00') },
        err: 'invalid W3C trace context trace ID; ignoring.',
      },
      {
        line: 217,
        desc: 'trace id all zero',
        extract: true,
        headers: { traceparent: tp('0'.repeat(32), S1, '00') },
        err: 'invalid W3C trace context trace ID; ignoring.',
      },
      {
        line: 224,
        desc: 'trace id too long',
        extract: true,
        headers: { traceparent: tp(LONG, S1, '00') },
        err: 'invalid W3C trace context trace ID; ignoring.',
      },
      {
        line: 231,
        desc: 'parent id too short',
        extract: true,
        headers: { traceparent: tp(T16, '123', '00') },
        err: 'invalid W3C trace context parent ID; ignoring.',
      },
      {
        line: 238,
        desc: 'parent id too long',
        extract: true,
        headers: { traceparent: tp(T16, LONG, '00') },
        err: 'invalid W3C trace context parent ID; ignoring.',
      },
      {
        line: 245,
        desc: 'parent id all zero',
        extract: true,
        headers: { traceparent: tp(T16, '0'.repeat(16), '00') },
        err: 'invalid W3C trace context parent ID; ignoring.',
      },
      {
        line: 252,
        desc: 'invalid version',
        extract: true,
        headers: { traceparent: `01-${T16}-${S1}-00` },
        err: 'invalid W3C Trace Context version; ignoring.',
      },
      { line: 259, desc: 'invalid flags 1', extract: true, headers: { traceparent: tp(T16, S1, '000') }, err: 'invalid W3C trace context flags; ignoring.' },
      { line: 266, desc: 'invalid flags 2', extract: true, headers: { traceparent: tp(T16, S1, '0') }, err: 'invalid W3C trace context flags; ignoring.' },
      {
        line: 272,
        desc: 'missing trace id',
        inject: true,
        ctx: { spanId: S1, shouldSample: false },
        err: 'w3c injector context is invalid: field trace_id not found in context',
      },
      {
        line: 280,
        desc: 'missing span id',
        inject: true,
        ctx: { traceId: T16, shouldSample: false },
        err: 'w3c injector context is invalid: field span_id not found in context',
      },
    ],
  },
  {
    extractor: 'b3',
    injector: 'b3',
    cases: [
      {
        line: 293,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-b3-traceid': T16, 'x-b3-spanid': S1, 'x-b3-parentspanid': S2, 'x-b3-sampled': '1' },
        ctx: { traceId: T16, spanId: S1, parentId: S2, shouldSample: true, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 314,
        desc: 'sampling decision only',
        extract: true,
        inject: true,
        traceId: '',
        headers: { 'x-b3-sampled': '0' },
        ctx: { shouldSample: false, reuseSpanId: true },
      },
      {
        line: 326,
        desc: 'sampled set via flags',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-b3-traceid': T16, 'x-b3-spanid': S1, 'x-b3-parentspanid': S2, 'x-b3-flags': '1' },
        ctx: { traceId: T16, spanId: S1, parentId: S2, shouldSample: true, flags: '1', traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 347,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-b3-traceid': T16, 'x-b3-spanid': S1, 'x-b3-parentspanid': S2, 'x-b3-sampled': '0' },
        ctx: { traceId: T16, spanId: S1, parentId: S2, shouldSample: false, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 368,
        desc: '8-byte trace ID',
        extract: true,
        inject: true,
        traceId: T8,
        headers: { 'x-b3-traceid': T8, 'x-b3-spanid': S1, 'x-b3-parentspanid': S2, 'x-b3-sampled': '1' },
        ctx: { traceId: PAD + T8, spanId: S1, parentId: S2, shouldSample: true, traceIdOriginalSize: 8, reuseSpanId: true },
      },
      {
        line: 389,
        desc: 'default injection size is 16B',
        inject: true,
        traceId: T16,
        headers: { 'x-b3-traceid': T16, 'x-b3-spanid': S1, 'x-b3-parentspanid': S2, 'x-b3-sampled': '1' },
        ctx: { traceId: T16, spanId: S1, parentId: S2, shouldSample: true },
      },
      {
        line: 401,
        desc: 'invalid trace id',
        extract: true,
        headers: { 'x-b3-traceid': 'x', 'x-b3-spanid': S1, 'x-b3-parentspanid': S2, 'x-b3-sampled': '0' },
        err: 'x-b3-traceid header invalid; ignoring.',
      },
    ],
  },
  {
    extractor: 'b3',
    injector: 'b3-single',
    cases: [
      {
        line: 417,
        desc: '1-char header, sampled = true',
        extract: true,
        inject: true,
        traceId: '',
        headers: { b3: '1' },
        ctx: { singleHeader: true, shouldSample: true, reuseSpanId: true },
      },
      {
        line: 431,
        desc: '1-char header, sampled = false',
        extract: true,
        inject: true,
        traceId: '',
        headers: { b3: '0' },
        ctx: { singleHeader: true, shouldSample: false, reuseSpanId: true },
      },
      {
        line: 445,
        desc: '1-char header, debug',
        extract: true,
        inject: true,
        traceId: '',
        headers: { b3: 'd' },
        ctx: { singleHeader: true, shouldSample: true, flags: '1', reuseSpanId: true },
      },
      {
        line: 460,
        desc: 'all fields',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { b3: `${T16}-${S1}-1-${S2}` },
        ctx: { traceId: T16, spanId: S1, parentId: S2, singleHeader: true, shouldSample: true, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 478,
        desc: 'all fields, sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { b3: `${T16}-${S1}-0-${S2}` },
        ctx: { traceId: T16, spanId: S1, parentId: S2, singleHeader: true, shouldSample: false, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 496,
        desc: 'all fields, debug',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { b3: `${T16}-${S1}-d-${S2}` },
        ctx: { traceId: T16, spanId: S1, parentId: S2, singleHeader: true, shouldSample: true, flags: '1', traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 515,
        desc: 'extraction from tracestate',
        extract: true,
        headers: { tracestate: `b3=${T16}-${S1}-d-${S2}` },
        ctx: { traceId: T16, spanId: S1, parentId: S2, singleHeader: true, shouldSample: true, flags: '1', traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 534,
        desc: 'extraction from tracestate multi-value',
        extract: true,
        headers: { tracestate: ['test', `b3=${T16}-${S1}-1-${S2}`, 'test2'] },
        ctx: { traceId: T16, spanId: S1, parentId: S2, singleHeader: true, shouldSample: true, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 556,
        desc: 'trace id and span id only',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { b3: `${T16}-${S1}` },
        ctx: { traceId: T16, spanId: S1, singleHeader: true, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 572,
        desc: 'no parent',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { b3: `${T16}-${S1}-1` },
        ctx: { traceId: T16, spanId: S1, singleHeader: true, shouldSample: true, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 589,
        desc: '8-byte trace ID',
        extract: true,
        inject: true,
        traceId: T8,
        headers: { b3: `${T8}-${S1}-1` },
        ctx: { traceId: PAD + T8, spanId: S1, singleHeader: true, shouldSample: true, traceIdOriginalSize: 8, reuseSpanId: true },
      },
      {
        line: 606,
        desc: 'default injection size is 16B',
        inject: true,
        traceId: T16,
        headers: { b3: `${T16}-${S1}-d-${S2}` },
        ctx: { traceId: T16, spanId: S1, parentId: S2, singleHeader: true, shouldSample: true, flags: '1' },
      },
      {
        line: 614,
        desc: 'big 16B trace ID',
        inject: true,
        traceId: BIG_T16,
        headers: { b3: `${BIG_T16}-${S1}-d-${S2}` },
        ctx: { traceId: BIG_T16, spanId: S1, parentId: S2, singleHeader: true, shouldSample: true, flags: '1' },
      },
      ...(
        [
          [625, 'trace ID non hex', `xxx-${S1}-1-${S2}`],
          [632, 'trace ID too long', `${LONG}-${S1}-1-${S2}`],
          [639, 'trace ID too short', `123-${S1}-1-${S2}`],
          [646, 'empty header', ''],
          [653, 'no span id', `${T16}-`],
          [660, 'non hex span id', `${T16}-xxx`],
          [667, 'span id too long', `${T16}-${LONG}-1-${S2}`],
          [674, 'span id too short', `${T16}-123-1-${S2}`],
          [681, 'invalid sampled', `${T16}-${S1}-x`],
          [688, 'invalid parent', `${T16}-${S1}-d-xxx`],
          [695, 'parent too long', `${T16}-${S1}-d-${LONG}`],
          [702, 'parent too short', `${T16}-${S1}-d-123`],
        ] as const
      ).map(([line, desc, b3]): Case => ({ line, desc, extract: true, headers: { b3 }, err: 'b3 single header invalid; ignoring.' })),
    ],
  },
  {
    extractor: 'jaeger',
    injector: 'jaeger',
    cases: [
      {
        line: 714,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'uber-trace-id': `${T16}:${S1}:${S2}:01`, 'uberctx-foo': 'bar' },
        ctx: { traceId: T16, spanId: S1, parentId: S2, shouldSample: true, baggage: { foo: 'bar' }, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 733,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'uber-trace-id': `${T16}:${S1}:${S2}:00` },
        ctx: { traceId: T16, spanId: S1, parentId: S2, shouldSample: false, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 750,
        desc: 'parent = 0',
        extract: true,
        headers: { 'uber-trace-id': `${T16}:${S1}:0:01` },
        ctx: { traceId: T16, spanId: S1, parentId: '0'.repeat(16), shouldSample: true, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 767,
        desc: '0-pad shorter span ID',
        extract: true,
        headers: { 'uber-trace-id': `${T16}:123:${S2}:01` },
        ctx: { traceId: T16, spanId: '0000000000000123', parentId: S2, shouldSample: true, traceIdOriginalSize: 16, reuseSpanId: true },
      },
      {
        line: 784,
        desc: '0-pad shorter trace ID',
        extract: true,
        headers: { 'uber-trace-id': `1234:${S1}:${S2}:01` },
        ctx: { traceId: '0'.repeat(28) + '1234', spanId: S1, parentId: S2, shouldSample: true, traceIdOriginalSize: 2, reuseSpanId: true },
      },
      {
        line: 801,
        desc: '8B trace ID',
        extract: true,
        inject: true,
        traceId: T8,
        headers: { 'uber-trace-id': `${T8}:${S1}:${S2}:01` },
        ctx: { traceId: PAD + T8, spanId: S1, parentId: S2, shouldSample: true, traceIdOriginalSize: 8, reuseSpanId: true },
      },
      {
        line: 818,
        desc: 'default injection size is 16B',
        inject: true,
        traceId: T16,
        headers: { 'uber-trace-id': `${T16}:${S1}:${S2}:01`, 'uberctx-foo': 'bar' },
        ctx: { traceId: T16, spanId: S1, parentId: S2, shouldSample: true, baggage: { foo: 'bar' } },
      },
      {
        line: 827,
        desc: 'invalid header 1',
        extract: true,
        headers: { 'uber-trace-id': `vv:${S1}:${S2}:00` },
        err: 'invalid jaeger uber-trace-id header; ignoring.',
      },
      {
        line: 834,
        desc: 'invalid header 2',
        extract: true,
        headers: { 'uber-trace-id': `${T8}:vv:${S2}:00` },
        err: 'invalid jaeger uber-trace-id header; ignoring.',
      },
      {
        line: 841,
        desc: 'invalid header 3',
        extract: true,
        headers: { 'uber-trace-id': `${T8}:${S1}:vv:00` },
        err: 'invalid jaeger uber-trace-id header; ignoring.',
      },
      {
        line: 848,
        desc: 'invalid header 4',
        extract: true,
        headers: { 'uber-trace-id': `${T8}:${S1}:${S2}:vv` },
        err: 'invalid jaeger uber-trace-id header; ignoring.',
      },
      {
        line: 855,
        desc: 'trace id too long',
        extract: true,
        headers: { 'uber-trace-id': `${LONG}:${S1}:${S2}:00` },
        err: 'invalid jaeger trace ID; ignoring.',
      },
      {
        line: 862,
        desc: 'trace id all zero',
        extract: true,
        headers: { 'uber-trace-id': `${'0'.repeat(32)}:${S1}:${S2}:00` },
        err: 'invalid jaeger trace ID; ignoring.',
      },
      { line: 869, desc: 'parent id too short', extract: true, headers: { 'uber-trace-id': `${T16}:${S1}:ff:00` }, err: 'invalid jaeger parent ID; ignoring.' },
      {
        line: 876,
        desc: 'parent id too long',
        extract: true,
        headers: { 'uber-trace-id': `${T16}:${S1}:${LONG}:00` },
        err: 'invalid jaeger parent ID; ignoring.',
      },
      { line: 883, desc: 'span id too long', extract: true, headers: { 'uber-trace-id': `${T16}:${LONG}:${S1}:00` }, err: 'invalid jaeger span ID; ignoring.' },
      {
        line: 890,
        desc: 'span id all zero',
        extract: true,
        headers: { 'uber-trace-id': `${T16}:${'0'.repeat(32)}:${S1}:00` },
        err: 'invalid jaeger span ID; ignoring.',
      },
      { line: 897, desc: 'invalid flags', extract: true, headers: { 'uber-trace-id': `${T16}:${S1}:${S2}:123` }, err: 'invalid jaeger flags; ignoring.' },
      {
        line: 903,
        desc: 'missing trace id',
        inject: true,
        ctx: { spanId: S1, shouldSample: false },
        err: 'jaeger injector context is invalid: field trace_id not found in context',
      },
      {
        line: 911,
        desc: 'missing span id',
        inject: true,
        ctx: { traceId: T16, shouldSample: false },
        err: 'jaeger injector context is invalid: field span_id not found in context',
      },
    ],
  },
  {
    extractor: 'ot',
    injector: 'ot',
    cases: [
      {
        line: 924,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'ot-tracer-traceid': T16, 'ot-tracer-spanid': S1, 'ot-tracer-sampled': '1', 'ot-baggage-foo': 'bar' },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, baggage: { foo: 'bar' }, traceIdOriginalSize: 16 },
      },
      {
        line: 942,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'ot-tracer-traceid': T16, 'ot-tracer-spanid': S1, 'ot-tracer-sampled': '0' },
        ctx: { traceId: T16, spanId: S1, shouldSample: false, traceIdOriginalSize: 16 },
      },
      {
        line: 958,
        desc: 'missing sampled flag',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'ot-tracer-traceid': T16, 'ot-tracer-spanid': S1 },
        ctx: { traceId: T16, spanId: S1, traceIdOriginalSize: 16 },
      },
      {
        line: 972,
        desc: 'large trace and span ids',
        extract: true,
        inject: true,
        traceId: BIG_T16,
        headers: { 'ot-tracer-traceid': BIG_T16, 'ot-tracer-spanid': BIG_S, 'ot-baggage-foo': 'bar' },
        ctx: { traceId: BIG_T16, spanId: BIG_S, baggage: { foo: 'bar' }, traceIdOriginalSize: 16 },
      },
      {
        line: 988,
        desc: '8B trace id',
        extract: true,
        inject: true,
        traceId: T8,
        headers: { 'ot-tracer-traceid': T8, 'ot-tracer-spanid': S1, 'ot-tracer-sampled': '0' },
        ctx: { traceId: PAD + T8, spanId: S1, shouldSample: false, traceIdOriginalSize: 8 },
      },
      {
        line: 1004,
        desc: 'default injection size is 8B',
        inject: true,
        traceId: T8,
        headers: { 'ot-tracer-traceid': T8, 'ot-tracer-spanid': S1, 'ot-tracer-sampled': '1', 'ot-baggage-foo': 'bar' },
        ctx: { traceId: PAD + T8, spanId: S1, shouldSample: true, baggage: { foo: 'bar' } },
      },
      {
        line: 1019,
        desc: 'invalid baggage',
        extract: true,
        headers: { 'ot-tracer-traceid': T16, 'ot-tracer-spanid': S1, 'ot-tracer-sampled': '1', 'otttttbaggage-foo': 'bar' },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      { line: 1036, desc: 'invalid header', extract: true, headers: { 'ot-tracer-traceid': 'xx' }, err: 'ot-tracer-traceid header invalid; ignoring.' },
      {
        line: 1043,
        desc: 'missing trace id',
        inject: true,
        ctx: { spanId: S1, shouldSample: false },
        err: 'ot injector context is invalid: field trace_id not found in context',
      },
      {
        line: 1051,
        desc: 'missing span id',
        inject: true,
        ctx: { traceId: T16, shouldSample: false },
        err: 'ot injector context is invalid: field span_id not found in context',
      },
    ],
  },
  {
    extractor: 'datadog',
    injector: 'datadog',
    cases: [
      {
        line: 1064,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T8_DEC,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-parent-id': S1_DEC, 'x-datadog-sampling-priority': '1' },
        ctx: { traceId: PAD + T8, spanId: S1, shouldSample: true, traceIdOriginalSize: 8 },
      },
      {
        line: 1080,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T8_DEC,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-parent-id': S1_DEC, 'x-datadog-sampling-priority': '0' },
        ctx: { traceId: PAD + T8, spanId: S1, shouldSample: false, traceIdOriginalSize: 8 },
      },
      {
        line: 1096,
        desc: 'missing trace id ignores parent id',
        extract: true,
        headers: { 'x-datadog-parent-id': S1_DEC, 'x-datadog-sampling-priority': '1' },
        ctx: { shouldSample: true },
      },
      {
        line: 1107,
        desc: 'missing parent id',
        extract: true,
        inject: true,
        traceId: T8_DEC,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-sampling-priority': '1' },
        ctx: { traceId: PAD + T8, shouldSample: true, traceIdOriginalSize: 8 },
      },
      {
        line: 1121,
        desc: 'missing sampled',
        extract: true,
        inject: true,
        traceId: T8_DEC,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-parent-id': S1_DEC },
        ctx: { traceId: PAD + T8, spanId: S1, traceIdOriginalSize: 8 },
      },
      {
        line: 1135,
        desc: 'big dec trace id',
        extract: true,
        inject: true,
        traceId: dec(BIG_T),
        headers: { 'x-datadog-trace-id': dec(BIG_T), 'x-datadog-parent-id': S1_DEC },
        ctx: { traceId: PAD + BIG_T, spanId: S1, traceIdOriginalSize: 8 },
      },
      {
        line: 1149,
        desc: 'big dec span id',
        extract: true,
        inject: true,
        traceId: T8_DEC,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-parent-id': dec(BIG_S) },
        ctx: { traceId: PAD + T8, spanId: BIG_S, traceIdOriginalSize: 8 },
      },
      {
        line: 1163,
        desc: '(can extract invalid) big dec trace id 16',
        extract: true,
        headers: { 'x-datadog-trace-id': dec(BIG_T16), 'x-datadog-parent-id': S1_DEC },
        ctx: { traceId: BIG_T16, spanId: S1, traceIdOriginalSize: 16 },
      },
      {
        line: 1177,
        desc: 'default injection size is 8B',
        inject: true,
        traceId: T8_DEC,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-parent-id': S1_DEC, 'x-datadog-sampling-priority': '1' },
        ctx: { traceId: T16, spanId: S1, shouldSample: true },
      },
      {
        line: 1189,
        desc: 'invalid trace id',
        extract: true,
        headers: { 'x-datadog-trace-id': T16, 'x-datadog-parent-id': S1_DEC, 'x-datadog-sampling-priority': '1' },
        err: 'x-datadog-trace-id header invalid; ignoring.',
      },
      {
        line: 1199,
        desc: 'invalid parent id',
        extract: true,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-parent-id': S1, 'x-datadog-sampling-priority': '1' },
        err: 'x-datadog-parent-id header invalid; ignoring.',
      },
      {
        line: 1209,
        desc: 'empty string trace id',
        extract: true,
        headers: { 'x-datadog-trace-id': '', 'x-datadog-parent-id': S1_DEC, 'x-datadog-sampling-priority': '1' },
        err: 'x-datadog-trace-id header invalid; ignoring.',
      },
      {
        line: 1229,
        desc: 'empty string parent id',
        extract: true,
        headers: { 'x-datadog-trace-id': T8_DEC, 'x-datadog-parent-id': '', 'x-datadog-sampling-priority': '1' },
        err: 'x-datadog-parent-id header invalid; ignoring.',
      },
    ],
  },
  {
    extractor: 'aws',
    injector: 'aws',
    cases: [
      {
        line: 1243,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-amzn-trace-id': amzn(T16, S1, '1') },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 1261,
        desc: 'with spaces',
        extract: true,
        headers: { 'x-amzn-trace-id': ` Root = 1-${T16.slice(0, 8)}-${T16.slice(8)} ; Parent= ${S1}; Sampled =1` },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 1279,
        desc: 'parent first',
        extract: true,
        headers: { 'x-amzn-trace-id': `Parent=${S1};Root=1-${T16.slice(0, 8)}-${T16.slice(8)};Sampled=1` },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 1297,
        desc: 'extra fields',
        extract: true,
        headers: { 'x-amzn-trace-id': `Foo=bar;${amzn(T16, S1, '1')}` },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 1315,
        desc: 'large id',
        extract: true,
        inject: true,
        traceId: BIG_T16,
        headers: { 'x-amzn-trace-id': amzn(BIG_T16, S1, '1') },
        ctx: { traceId: BIG_T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 1333,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-amzn-trace-id': amzn(T16, S1, '0') },
        ctx: { traceId: T16, spanId: S1, shouldSample: false, traceIdOriginalSize: 16 },
      },
      {
        line: 1351,
        desc: 'default injection size is 16B',
        inject: true,
        traceId: T16,
        headers: { 'x-amzn-trace-id': amzn(T16, S1, '1') },
        ctx: { traceId: T16, spanId: S1, shouldSample: true },
      },
      {
        line: 1363,
        desc: 'trace id version 0',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T8, S1, '0').replace('Root=1', 'Root=0') },
        err: 'invalid aws header trace id; ignoring.',
      },
      {
        line: 1374,
        desc: 'trace id non hex 1',
        extract: true,
        headers: { 'x-amzn-trace-id': `Root=1-vv-${T8.slice(8)};Parent=${S1};Sampled=0` },
        err: 'invalid aws header trace id; ignoring.',
      },
      {
        line: 1384,
        desc: 'trace id non hex 2',
        extract: true,
        headers: { 'x-amzn-trace-id': `Root=1-${T8.slice(0, 8)}-vv;Parent=${S1};Sampled=0` },
        err: 'invalid aws header trace id; ignoring.',
      },
      {
        line: 1394,
        desc: 'trace id too short',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T8, S1, '0') },
        err: 'invalid aws header trace id; ignoring.',
      },
      {
        line: 1405,
        desc: 'trace id too long',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(LONG, S1, '0') },
        err: 'invalid aws header trace id; ignoring.',
      },
      {
        line: 1416,
        desc: 'missing trace id',
        extract: true,
        headers: { 'x-amzn-trace-id': `Root=;Parent=${S1};Sampled=0` },
        err: 'invalid aws header trace id; ignoring.',
      },
      {
        line: 1426,
        desc: 'parent id non hex',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T16, 'vv', '0') },
        err: 'invalid aws header parent id; ignoring.',
      },
      {
        line: 1436,
        desc: 'parent id too long',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T16, LONG, '0') },
        err: 'invalid aws header parent id; ignoring.',
      },
      {
        line: 1447,
        desc: 'parent id too short',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T16, '123', '0') },
        err: 'invalid aws header parent id; ignoring.',
      },
      {
        line: 1458,
        desc: 'missing parent id',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T16, '', '0') },
        err: 'invalid aws header parent id; ignoring.',
      },
      {
        line: 1468,
        desc: 'invalid sampled flag',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T16, S1, '2') },
        err: 'invalid aws header sampled flag; ignoring.',
      },
      {
        line: 1474,
        desc: 'missing sampled flag',
        extract: true,
        headers: { 'x-amzn-trace-id': amzn(T16, S1, '') },
        err: 'invalid aws header sampled flag; ignoring.',
      },
      {
        line: 1479,
        desc: 'missing trace id',
        inject: true,
        ctx: { spanId: S1, shouldSample: false },
        err: 'aws injector context is invalid: field trace_id not found in context',
      },
      {
        line: 1487,
        desc: 'missing span id',
        inject: true,
        ctx: { traceId: T16, shouldSample: false },
        err: 'aws injector context is invalid: field span_id not found in context',
      },
    ],
  },
  {
    extractor: 'gcp',
    injector: 'gcp',
    cases: [
      {
        line: 1500,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-cloud-trace-context': `${T16}/${S1_DEC};o=1` },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 1514,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-cloud-trace-context': `${T16}/${S1_DEC};o=0` },
        ctx: { traceId: T16, spanId: S1, shouldSample: false, traceIdOriginalSize: 16 },
      },
      {
        line: 1528,
        desc: 'no flag',
        extract: true,
        headers: { 'x-cloud-trace-context': `${T16}/${S1_DEC}` },
        ctx: { traceId: T16, spanId: S1, shouldSample: false, traceIdOriginalSize: 16 },
      },
      {
        line: 1542,
        desc: 'default injection size is 16B',
        inject: true,
        traceId: T16,
        headers: { 'x-cloud-trace-context': `${T16}/${S1_DEC};o=1` },
        ctx: { traceId: T16, spanId: S1, shouldSample: true },
      },
      ...(
        [
          [1554, 'trace id too short', `123/${S1_DEC};o=0`],
          [1562, 'trace id too long', `${LONG}/${S1_DEC};o=0`],
          [1570, 'trace id not hex', `vvv/${S1_DEC};o=0`],
          [1578, 'missing span id', `${T16}/;o=0`],
          [1586, 'span id not decimal', `${T16}/${S1};o=0`],
          [1593, 'span id too large', `${T16}/${S1_DEC}0;o=0`],
          [1600, 'sampling value 01', `${T16}/${S1_DEC};o=01`],
          [1608, 'sampling value missing', `${T16}/${S1_DEC};o=`],
          [1616, 'sampling value not a digit', `${T16}/${S1_DEC};o=v`],
        ] as const
      ).map(([line, desc, v]): Case => ({ line, desc, extract: true, headers: { 'x-cloud-trace-context': v }, err: 'invalid GCP header; ignoring.' })),
      {
        line: 1623,
        desc: 'missing trace id',
        inject: true,
        ctx: { spanId: S1, shouldSample: false },
        err: 'gcp injector context is invalid: field trace_id not found in context',
      },
      {
        line: 1631,
        desc: 'missing span id',
        inject: true,
        ctx: { traceId: T16, shouldSample: false },
        err: 'gcp injector context is invalid: field span_id not found in context',
      },
    ],
  },
  {
    extractor: 'instana',
    injector: 'instana',
    cases: [
      {
        line: 1644,
        desc: 'base case',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-instana-t': T16, 'x-instana-s': S1, 'x-instana-l': '1' },
        ctx: { traceId: T16, spanId: S1, shouldSample: true, traceIdOriginalSize: 16 },
      },
      {
        line: 1659,
        desc: 'sampled = false',
        extract: true,
        inject: true,
        traceId: T16,
        headers: { 'x-instana-t': T16, 'x-instana-s': S1, 'x-instana-l': '0' },
        ctx: { traceId: T16, spanId: S1, shouldSample: false, traceIdOriginalSize: 16 },
      },
      {
        line: 1674,
        desc: '8B trace id',
        extract: true,
        inject: true,
        traceId: T8,
        headers: { 'x-instana-t': T8, 'x-instana-s': S1, 'x-instana-l': '0' },
        ctx: { traceId: PAD + T8, spanId: S1, shouldSample: false, traceIdOriginalSize: 8 },
      },
      {
        line: 1691,
        desc: 'big 16B trace ID',
        inject: true,
        traceId: BIG_T16,
        headers: { 'x-instana-t': BIG_T16, 'x-instana-s': S1 },
        ctx: { traceId: BIG_T16, spanId: S1 },
      },
      {
        line: 1718,
        desc: 'trace ID non hex',
        extract: true,
        headers: { 'x-instana-t': 'abcdefghijklmnop', 'x-instana-s': S1 },
        err: 'x-instana-t header invalid; ignoring.',
      },
      { line: 1727, desc: 'trace ID too long', extract: true, headers: { 'x-instana-t': LONG }, err: 'x-instana-t header invalid; ignoring.' },
      { line: 1734, desc: 'trace ID too short', extract: true, headers: { 'x-instana-t': 'abc' }, err: 'x-instana-t header invalid; ignoring.' },
      { line: 1741, desc: 'empty header', extract: true, headers: { 'x-instana-t': '' }, err: 'x-instana-t header invalid; ignoring.' },
    ],
  },
]

// The harness of the spec (lines 1788-1873): extraction gives the context and
// no warning, or the warning; injection sets exactly the case's headers and
// names the trace id under the extractor's name, or fails with the error.
for (const g of groups) {
  t.test(`${g.extractor} extractor, ${g.injector} injector`, async (t) => {
    // spec/01-unit/26-observability/02-propagation_strategies_spec.lua:1792
    t.test('no incoming headers: no context, no warning', async (t) => {
      const warnings: string[] = []
      t.equal(
        extractFormat(g.extractor, {}, (m) => warnings.push(m)),
        undefined,
      )
      t.same(warnings, [])
    })
    for (const c of g.cases) {
      if (c.extract && c.ctx && c.headers) {
        // spec/01-unit/26-observability/02-propagation_strategies_spec.lua:1815
        t.test(`extracts: ${c.desc} (spec line ${c.line})`, async (t) => {
          const warnings: string[] = []
          t.strictSame(
            extractFormat(g.extractor, c.headers!, (m) => warnings.push(m)),
            c.ctx,
          )
          t.strictSame(warnings, [])
        })
      } else if (c.extract && c.err) {
        // spec/01-unit/26-observability/02-propagation_strategies_spec.lua:1825
        t.test(`warns: ${c.desc} (spec line ${c.line})`, async (t) => {
          const warnings: string[] = []
          extractFormat(g.extractor, c.headers!, (m) => warnings.push(m))
          t.ok(warnings.includes(c.err!), `warned ${JSON.stringify(warnings)}`)
        })
      }
      if (c.inject && c.ctx && c.headers) {
        // spec/01-unit/26-observability/02-propagation_strategies_spec.lua:1848
        t.test(`injects: ${c.desc} (spec line ${c.line})`, async (t) => {
          const r = injectFormat(g.injector, c.ctx!)
          if (!r.ok) return void t.fail(r.error)
          t.strictSame(r.headers, c.headers)
          t.strictSame(r.traceId, { [g.extractor]: c.traceId })
        })
      } else if (c.inject && c.err) {
        // spec/01-unit/26-observability/02-propagation_strategies_spec.lua:1867
        t.test(`fails to inject: ${c.desc} (spec line ${c.line})`, async (t) => {
          t.strictSame(injectFormat(g.injector, c.ctx!), { ok: false, error: c.err })
        })
      }
    }
  })
}

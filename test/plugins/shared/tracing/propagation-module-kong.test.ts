// The propagation module as a plugin drives it: extract in the configured
// order, let the plugin change the context, clear, inject in every configured
// format (`preserve`: the one found, else the default). Ported from Kong's
// spec/01-unit/26-observability/03-propagation_module_spec.lua; the
// `propagation` schema and the reading of the legacy header_type /
// default_header_type parameters follow (kong/observability/tracing/
// propagation/schema.lua and init.lua get_plugin_params).
import t from 'tap'
import {
  propagate,
  propagationSchema,
  resolvePropagation,
  type Propagation,
  type TraceContext,
} from '../../../../src/plugins/shared/tracing/propagation/index.js'

const T16_W3C = '0af7651916cd43dd8448eb211c80319c'
const T8_W3C_DEC = '9532127138774266268'
const S_W3C = 'b7ad6b7169203331'
const S_W3C_DEC = '13235353014750950193'
const T16_B3 = 'dc9d1b0ccedf0ecaf4f26ffab84d4f5e'
const T8_B3 = 'f4f26ffab84d4f5e'
const S_B3 = 'b7ad6b7169203332'
const S_B3P = 'f4f26ffab84d4f5f'
const T16_JAE = 'f744b23fe9aa64f08255043ba51848db'
const S_JAE = 'f4f26ffab84d4f60'
const S_JAEP = 'f4f26ffab84d4f61'
const PAD = '0'.repeat(16)

// The spec's change to an id: its last character's code plus one, or "0" from "f" on.
const bump = (id: string) => {
  const last = id.charCodeAt(id.length - 1)
  return id.slice(0, -1) + (last + 1 < 'f'.charCodeAt(0) ? String.fromCharCode(last + 1) : '0')
}
const bumpAll = (c: TraceContext): TraceContext => ({
  ...c,
  traceId: c.traceId && bump(c.traceId),
  spanId: c.spanId && bump(c.spanId),
  parentId: c.parentId && bump(c.parentId),
})
const bumpTraceSpan = (c: TraceContext): TraceContext => ({ ...c, traceId: c.traceId && bump(c.traceId), spanId: c.spanId && bump(c.spanId) })

const headers1: Record<string, string> = {
  traceparent: `00-${T16_W3C}-${S_W3C}-01`,
  'x-b3-traceid': T16_B3,
  'x-b3-spanid': S_B3,
  'x-b3-sampled': '1',
  'x-b3-parentspanid': S_B3P,
  'uber-trace-id': `${T16_JAE}:${S_JAE}:${S_JAEP}:01`,
}
const headers2: Record<string, string> = { 'x-b3-traceid': T8_B3, 'x-b3-spanid': S_B3, 'x-b3-sampled': '1', 'x-b3-parentspanid': S_B3P }
const fresh = (): TraceContext => ({ traceId: '0af7651916cd43dd8448eb211c80319d', spanId: '8448eb211c80319e', shouldSample: true })

interface Case {
  line: number
  desc: string
  req: Record<string, string>
  prop: Propagation
  cb?: (c: TraceContext) => TraceContext
  expected: Record<string, string>
}

const cases: Case[] = [
  { line: 64, desc: 'extract empty, inject empty (propagation disabled)', req: headers1, prop: { extract: [], inject: [] }, expected: headers1 },
  {
    line: 74,
    desc: 'no extraction, inject one format',
    req: headers1,
    prop: { extract: [], inject: ['w3c'] },
    cb: fresh,
    expected: { ...headers1, traceparent: '00-0af7651916cd43dd8448eb211c80319d-8448eb211c80319e-01' },
  },
  {
    line: 95,
    desc: 'no extraction, inject two formats',
    req: headers1,
    prop: { extract: [], inject: ['w3c', 'b3-single'] },
    cb: fresh,
    expected: {
      ...headers1,
      traceparent: '00-0af7651916cd43dd8448eb211c80319d-8448eb211c80319e-01',
      b3: '0af7651916cd43dd8448eb211c80319d-8448eb211c80319e-1',
    },
  },
  {
    line: 117,
    desc: 'no extraction, inject = preserve, no default format: w3c',
    req: headers1,
    prop: { extract: [], inject: ['preserve'] },
    cb: fresh,
    expected: { ...headers1, traceparent: '00-0af7651916cd43dd8448eb211c80319d-8448eb211c80319e-01' },
  },
  {
    line: 138,
    desc: 'no extraction, inject = preserve, uses the default format',
    req: headers1,
    prop: { extract: [], inject: ['preserve'], defaultFormat: 'datadog' },
    cb: fresh,
    expected: {
      ...headers1,
      'x-datadog-trace-id': '9532127138774266269',
      'x-datadog-parent-id': '9532127138774266270',
      'x-datadog-sampling-priority': '1',
    },
  },
  {
    line: 162,
    desc: 'extracted format absent from the request, inject = preserve: the default format',
    req: headers1,
    prop: { extract: ['datadog'], inject: ['preserve'], defaultFormat: 'ot' },
    cb: (c) => {
      if (Object.keys(c).length !== 0) throw new Error(`expected an empty context, got ${JSON.stringify(c)}`)
      return { ...c, ...fresh() }
    },
    expected: { ...headers1, 'ot-tracer-sampled': '1', 'ot-tracer-spanid': '8448eb211c80319e', 'ot-tracer-traceid': '8448eb211c80319d' },
  },
  {
    line: 187,
    desc: 'extracted from b3, inject = w3c, preserve, b3-single',
    req: headers1,
    prop: { extract: ['b3', 'w3c', 'jaeger'], inject: ['w3c', 'preserve', 'b3-single'] },
    cb: bumpAll,
    expected: {
      ...headers1,
      traceparent: `00-${bump(T16_B3)}-${bump(S_B3)}-01`,
      'x-b3-traceid': bump(T16_B3),
      'x-b3-spanid': bump(S_B3),
      'x-b3-sampled': '1',
      'x-b3-parentspanid': bump(S_B3P),
      b3: `${bump(T16_B3)}-${bump(S_B3)}-1-${bump(S_B3P)}`,
    },
  },
  {
    line: 214,
    desc: 'extraction on, injection disabled',
    req: headers1,
    prop: { extract: ['gcp', 'aws', 'ot', 'datadog', 'b3', 'w3c', 'jaeger'], inject: [] },
    cb: () => ({ traceId: 'abcdef', spanId: '123fff', shouldSample: true }),
    expected: headers1,
  },
  {
    line: 230,
    desc: 'b3 first',
    req: headers1,
    prop: { extract: ['b3', 'w3c', 'jaeger'], inject: ['w3c'] },
    cb: bumpTraceSpan,
    expected: { ...headers1, traceparent: `00-${bump(T16_B3)}-${bump(S_B3)}-01` },
  },
  {
    line: 248,
    desc: 'w3c first',
    req: headers1,
    prop: { extract: ['w3c', 'b3', 'jaeger'], inject: ['w3c'] },
    cb: bumpTraceSpan,
    expected: { ...headers1, traceparent: `00-${bump(T16_W3C)}-${bump(S_W3C)}-01` },
  },
  {
    line: 266,
    desc: 'first format missing: the next one found',
    req: headers1,
    prop: { extract: ['datadog', 'jaeger', 'b3'], inject: ['w3c'] },
    cb: bumpTraceSpan,
    expected: { ...headers1, traceparent: `00-${bump(T16_JAE)}-${bump(S_JAE)}-01` },
  },
  {
    line: 284,
    desc: 'multiple injection',
    req: headers1,
    prop: { extract: ['w3c', 'b3', 'jaeger'], inject: ['datadog', 'w3c'] },
    cb: bumpTraceSpan,
    expected: {
      ...headers1,
      traceparent: `00-${bump(T16_W3C)}-${bump(S_W3C)}-01`,
      'x-datadog-trace-id': bump(T8_W3C_DEC),
      'x-datadog-parent-id': bump(S_W3C_DEC),
      'x-datadog-sampling-priority': '1',
    },
  },
  {
    line: 305,
    desc: 'extract b3 with a 64-bit id, inject b3 and w3c',
    req: headers2,
    prop: { extract: ['b3'], inject: ['w3c', 'b3'] },
    cb: bumpAll,
    expected: {
      ...headers2,
      traceparent: `00-${bump(PAD + T8_B3)}-${bump(S_B3)}-01`,
      'x-b3-traceid': bump(T8_B3),
      'x-b3-spanid': bump(S_B3),
      'x-b3-sampled': '1',
      'x-b3-parentspanid': bump(S_B3P),
    },
  },
  {
    line: 327,
    desc: 'extract b3 with a 128-bit id, inject b3 and w3c',
    req: headers1,
    prop: { extract: ['b3'], inject: ['w3c', 'b3'] },
    cb: bumpAll,
    expected: {
      ...headers1,
      traceparent: `00-${bump(T16_B3)}-${bump(S_B3)}-01`,
      'x-b3-traceid': bump(T16_B3),
      'x-b3-spanid': bump(S_B3),
      'x-b3-sampled': '1',
      'x-b3-parentspanid': bump(S_B3P),
    },
  },
  {
    line: 349,
    desc: 'inject = preserve matches jaeger',
    req: headers1,
    prop: { extract: ['datadog', 'jaeger', 'b3'], inject: ['preserve'] },
    cb: bumpAll,
    expected: { ...headers1, 'uber-trace-id': `${bump(T16_JAE)}:${bump(S_JAE)}:${bump(S_JAEP)}:01` },
  },
  {
    line: 367,
    desc: 'clear b3 and w3c',
    req: headers1,
    prop: {
      extract: ['datadog', 'jaeger', 'b3', 'w3c'],
      inject: ['preserve'],
      clear: ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid', 'traceparent'],
    },
    cb: bumpAll,
    expected: { 'uber-trace-id': `${bump(T16_JAE)}:${bump(S_JAE)}:${bump(S_JAEP)}:01` },
  },
]

t.test('propagate() updates the upstream headers', async (t) => {
  for (const c of cases) {
    // spec/01-unit/26-observability/03-propagation_module_spec.lua:441 (each case from the line given)
    t.test(`${c.desc} (spec line ${c.line})`, async (t) => {
      const req = { ...c.req }
      const warnings: string[] = []
      const r = propagate(req, c.prop, c.cb ?? ((x) => x), { setHeader: (n, v) => (req[n] = v), removeHeader: (n) => delete req[n] }, (m) => warnings.push(m))
      t.strictSame(r.errors, [], 'no error')
      t.strictSame(warnings, [], 'no warning')
      t.strictSame(req, c.expected)
    })
  }
})

t.test('the trace id of every injected format is returned for the log record', async (t) => {
  // kong/observability/tracing/propagation/init.lua propagate: set_serialize_value("trace_id", ...)
  const r = propagate({}, { inject: ['w3c', 'datadog', 'b3-single'] }, fresh, { setHeader() {}, removeHeader() {} })
  t.strictSame(r.traceIds, { w3c: '0af7651916cd43dd8448eb211c80319d', datadog: '9532127138774266269', b3: '0af7651916cd43dd8448eb211c80319d' })
})

t.test('an injector missing ids is reported, the others still inject', async (t) => {
  const set: Record<string, string> = {}
  const r = propagate({}, { inject: ['w3c', 'b3'] }, () => ({ shouldSample: false }), { setHeader: (n, v) => (set[n] = v), removeHeader() {} })
  t.strictSame(r.errors, ['w3c injector context is invalid: field trace_id not found in context'])
  t.strictSame(set, { 'x-b3-sampled': '0' })
})

t.test('the propagation record (typedefs.propagation)', async (t) => {
  const schema = propagationSchema('b3')
  t.strictSame(schema.parse(undefined), { default_format: 'b3' }, 'absent: the plugin default format')
  t.strictSame(schema.parse({ extract: ['w3c'], inject: ['preserve', 'b3-single'], clear: ['X-Foo'], default_format: 'w3c' }), {
    extract: ['w3c'],
    inject: ['preserve', 'b3-single'],
    clear: ['X-Foo'],
    default_format: 'w3c',
  })
  const problems = (v: unknown) => (schema.safeParse(v).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`)
  t.match(problems({ extract: ['b3-single'], default_format: 'b3' }), [/^extract\.0: expected one of: w3c, b3, jaeger/], 'b3-single is not an extractor')
  t.match(problems({ inject: ['nope'], default_format: 'b3' }), [/^inject\.0: expected one of: preserve, w3c/])
  t.match(problems({ default_format: 'preserve' }), [/^default_format: expected one of: w3c/])
  t.match(problems({ extract: ['w3c'] }), [/^default_format: /], 'default_format is required in a given record')
  t.match(problems({ clear: ['bad header'], default_format: 'b3' }), [/^clear\.0: bad header name 'bad header'/])
})

t.test('legacy header_type and default_header_type (get_plugin_params)', async (t) => {
  const ALL = ['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp', 'instana']
  const rec = { default_format: 'b3' as const }
  t.strictSame(resolvePropagation({ propagation: rec, header_type: 'preserve', default_header_type: 'b3' }), {
    extract: ALL,
    inject: ['preserve'],
    defaultFormat: 'b3',
  })
  t.strictSame(resolvePropagation({ propagation: rec, header_type: 'preserve', default_header_type: 'w3c' }), {
    extract: ALL,
    inject: ['preserve'],
    defaultFormat: 'w3c',
  })
  t.strictSame(resolvePropagation({ propagation: rec, header_type: 'ignore', default_header_type: 'jaeger' }), {
    inject: ['jaeger'],
    defaultFormat: 'jaeger',
  })
  t.strictSame(resolvePropagation({ propagation: rec, header_type: 'ot', default_header_type: 'b3' }), {
    extract: ALL,
    inject: ['preserve', 'ot'],
    defaultFormat: 'b3',
  })
  // Any of extract / inject / clear set: the record wins, the legacy parameters are not read.
  t.strictSame(resolvePropagation({ propagation: { extract: [], default_format: 'w3c' }, header_type: 'ot', default_header_type: 'jaeger' }), {
    extract: [],
    inject: undefined,
    clear: undefined,
    defaultFormat: 'w3c',
  })
})

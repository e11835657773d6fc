// Kong's opentelemetry propagation spec (spec/03-plugins/37-opentelemetry/03-propagation_spec.lua)
// through a real gateway and a real echo upstream: what tracing headers the upstream receives
// for each format, with instrumentations all and off, sampling rates 1 and 0, and both the
// legacy `header_type` and the `propagation` record. The collector is a real OTLP receiver.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { stringify } from 'yaml'
import { startOtlpReceiver } from '../helpers/otlp.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const ALL = ['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp', 'instana']
const hex = (n: number) => randomBytes(n).toString('hex')

// Kong's two setups (03-propagation_spec.lua:56 old, :150 new): one route per host, each with its own instance.
const OLD: Record<string, Record<string, unknown>> = {
  'http-route': {},
  'http-route-ignore': { header_type: 'ignore' },
  'http-route-w3c': { header_type: 'w3c' },
  'http-route-dd': { header_type: 'datadog' },
  'http-route-b3-single': { header_type: 'b3-single' },
  'http-route-ins': { header_type: 'instana' },
}
const NEW: Record<string, Record<string, unknown>> = {
  'http-route': { propagation: { extract: ALL, inject: ['preserve'], default_format: 'w3c' } },
  'http-route-ignore': { propagation: { extract: [], inject: ['preserve'], default_format: 'w3c' } },
  'http-route-w3c': { propagation: { extract: ALL, inject: ['preserve', 'w3c'], default_format: 'w3c' } },
  'http-route-dd': { propagation: { extract: ALL, inject: ['preserve', 'datadog'], default_format: 'datadog' } },
  'http-route-b3-single': { propagation: { extract: ALL, inject: ['preserve', 'b3-single'], default_format: 'w3c' } },
  'http-route-ins': { propagation: { extract: ALL, inject: ['preserve', 'instana'], default_format: 'instana' } },
  'http-no-preserve-route': { header_type: 'preserve', propagation: { extract: ['b3'], inject: ['w3c'], default_format: 'w3c' } },
  'http-clear-route': {
    propagation: { extract: ['w3c', 'ot'], inject: ['preserve'], clear: ['ot-tracer-traceid', 'ot-tracer-spanid', 'ot-tracer-sampled'], default_format: 'b3' },
  },
}

for (const instrumentations of ['all', 'off']) {
  for (const samplingRate of [1, 0]) {
    for (const config of ['old', 'new'] as const) {
      // spec/03-plugins/37-opentelemetry/03-propagation_spec.lua:287
      t.test(`instrumentations ${instrumentations}, sampling_rate ${samplingRate}, ${config} propagation config`, async (t) => {
        const sampledW3c = instrumentations === 'all' && samplingRate === 1 ? '01' : '00'
        const sampledB3 = instrumentations === 'all' && samplingRate === 1 ? '1' : '0'
        const otlp = await startOtlpReceiver(t)
        const routes = Object.entries(config === 'old' ? OLD : NEW).map(([host, conf]) => ({
          name: host,
          hosts: [host],
          plugins: [{ name: 'opentelemetry', config: { traces_endpoint: `${otlp.url}/v1/traces`, ...conf } }],
        }))
        const yaml = stringify({ _format_version: '3.0', services: [{ name: 'app', url: '$UPSTREAM', routes }] }, { lineWidth: 0 })
        const g = await pluginGateway(t, yaml, undefined, { tracingInstrumentations: instrumentations, tracingSamplingRate: samplingRate })
        const get = async (host: string, headers: Record<string, string> = {}) => {
          const r = await g.send('/', { headers: { host, ...headers } })
          t.equal(r.status, 200)
          return r.reached!.headers
        }

        t.test('default propagation headers (w3c)', async (t) => {
          // 03-propagation_spec.lua:330
          t.match((await get('http-route')).traceparent, new RegExp(`^00-[0-9a-f]{32}-[0-9a-f]{16}-${sampledW3c}$`))
        })

        t.test('propagates tracing headers (b3 request)', async (t) => {
          // 03-propagation_spec.lua:341
          const traceId = hex(16)
          t.equal((await get('http-route', { 'x-b3-sampled': '1', 'x-b3-traceid': traceId }))['x-b3-traceid'], traceId)
        })

        t.test('propagates b3-single with parent_id', async (t) => {
          // 03-propagation_spec.lua:356
          const [traceId, spanId, parentId] = [hex(16), hex(8), hex(8)]
          const h = await get('http-route', { b3: `${traceId}-${spanId}-1-${parentId}` })
          t.match(h.b3, new RegExp(`^${traceId}-[0-9a-f]+-${sampledB3}-[0-9a-f]+$`))
        })

        t.test('propagates b3-single without parent_id', async (t) => {
          // 03-propagation_spec.lua:372
          const [traceId, spanId] = [hex(16), hex(8)]
          t.match((await get('http-route', { b3: `${traceId}-${spanId}-1` })).b3, new RegExp(`^${traceId}-[0-9a-f]+-${sampledB3}`))
        })

        t.test('reflects the disabled sampled flag of the incoming tracing header', async (t) => {
          // 03-propagation_spec.lua:387
          const [traceId, spanId] = [hex(16), hex(8)]
          t.match((await get('http-route', { b3: `${traceId}-${spanId}-0` })).b3, new RegExp(`^${traceId}-[0-9a-f]+-0`))
        })

        t.test('propagates w3c tracing headers', async (t) => {
          // 03-propagation_spec.lua:405
          const [traceId, parentId] = [hex(16), hex(8)]
          const h = await get('http-route', { traceparent: `00-${traceId}-${parentId}-01` })
          t.match(h.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-${sampledW3c}$`))
          t.not(h.traceparent, `00-${traceId}-${parentId}-01`, 'the gateway is the parent now')
        })

        t.test('ignore: w3c headers are not propagated, w3c is injected', async (t) => {
          // 03-propagation_spec.lua:420
          const [traceId, parentId] = [hex(16), hex(8)]
          const h = await get('http-route-ignore', { traceparent: `00-${traceId}-${parentId}-01` })
          t.match(h.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
          t.notMatch(h.traceparent, traceId, 'the incoming trace id is ignored')
        })

        t.test('ignore: b3 headers are not propagated, w3c is injected', async (t) => {
          // 03-propagation_spec.lua:437
          const traceId = hex(16)
          const h = await get('http-route-ignore', { 'x-b3-sampled': '1', 'x-b3-traceid': traceId })
          t.ok(h.traceparent)
          t.notMatch(h.traceparent, traceId)
        })

        t.test('propagates w3c tracing headers when header_type set to w3c', async (t) => {
          // 03-propagation_spec.lua:453
          const [traceId, parentId] = [hex(16), hex(8)]
          t.match(
            (await get('http-route-w3c', { traceparent: `00-${traceId}-${parentId}-01` })).traceparent,
            new RegExp(`^00-${traceId}-[0-9a-f]+-${sampledW3c}$`),
          )
        })

        t.test('propagates w3c tracing headers + incoming format (preserve + w3c)', async (t) => {
          // 03-propagation_spec.lua:468
          const [traceId, spanId, parentId] = [hex(16), hex(8), hex(8)]
          const sent = `${traceId}-${spanId}-${sampledB3}-${parentId}`
          const h = await get('http-route-w3c', { b3: sent })
          t.match(h.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-${sampledW3c}$`))
          t.not(h.b3, sent)
          t.match(h.b3, new RegExp(`^${traceId}-[0-9a-f]+-${sampledB3}-[0-9a-f]+$`))
          // Without instrumentations no span is made: the incoming span is the outgoing span's parent.
          if (instrumentations === 'off') t.match(h.b3, new RegExp(`^${traceId}-[0-9a-f]+-${sampledB3}-${spanId}$`))
        })

        t.test('propagates b3-single tracing headers when header_type set to b3-single', async (t) => {
          // 03-propagation_spec.lua:491
          const [traceId, spanId, parentId] = [hex(16), hex(8), hex(8)]
          const sent = `${traceId}-${spanId}-${sampledB3}-${parentId}`
          const h = await get('http-route-b3-single', { b3: sent })
          t.not(h.b3, sent)
          t.match(h.b3, new RegExp(`^${traceId}-[0-9a-f]+-${sampledB3}-[0-9a-f]+$`))
        })

        t.test('propagates jaeger tracing headers', async (t) => {
          // 03-propagation_spec.lua:508
          const [traceId, spanId, parentId] = [hex(16), hex(8), hex(8)]
          const h = await get('http-route', { 'uber-trace-id': `${traceId}:${spanId}:${parentId}:1` })
          t.match(h['uber-trace-id'], new RegExp(`^${traceId}:[0-9a-f]+:[0-9a-f]+:${sampledW3c}$`))
        })

        t.test('propagates ot headers', async (t) => {
          // 03-propagation_spec.lua:525
          const [traceId, spanId] = [hex(16), hex(8)]
          const h = await get('http-route', { 'ot-tracer-traceid': traceId, 'ot-tracer-spanid': spanId, 'ot-tracer-sampled': '1' })
          t.equal(h['ot-tracer-traceid'], traceId)
        })

        t.test('propagates instana headers', async (t) => {
          // 03-propagation_spec.lua:542
          const [traceId, spanId] = [hex(16), hex(8)]
          t.equal((await get('http-route-ins', { 'x-instana-t': traceId, 'x-instana-s': spanId }))['x-instana-t'], traceId)
        })

        t.test('propagates datadog headers from the client request', async (t) => {
          // 03-propagation_spec.lua:559
          const h = await get('http-route', { 'x-datadog-trace-id': '1234567890' })
          t.equal(h['x-datadog-trace-id'], '1234567890')
          t.match(h['x-datadog-parent-id'], /^\d+$/)
        })

        t.test('injects datadog headers without any in the client request', async (t) => {
          // 03-propagation_spec.lua:574
          const h = await get('http-route-dd')
          t.match(h['x-datadog-trace-id'], /^\d+$/)
          t.match(h['x-datadog-parent-id'], /^\d+$/)
        })

        t.test('propagates the spawned span', async (t) => {
          // 03-propagation_spec.lua:587
          t.match((await get('http-route')).traceparent, new RegExp(`^00-[0-9a-f]{32}-[0-9a-f]{16}-${sampledW3c}$`))
        })

        if (config === 'new') {
          t.test('clears non-propagated headers when configured to do so', async (t) => {
            // 03-propagation_spec.lua:606
            const [traceId, parentId] = [hex(16), hex(8)]
            const h = await get('http-clear-route', {
              traceparent: `00-${traceId}-${parentId}-01`,
              'ot-tracer-traceid': traceId,
              'ot-tracer-spanid': parentId,
              'ot-tracer-sampled': '1',
            })
            t.match(h.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-${sampledW3c}$`))
            t.equal(h['ot-tracer-traceid'], undefined)
            t.equal(h['ot-tracer-spanid'], undefined)
            t.equal(h['ot-tracer-sampled'], undefined)
          })

          t.test('does not preserve the incoming header type if preserve is not specified', async (t) => {
            // 03-propagation_spec.lua:627
            const [traceId, spanId, parentId] = [hex(16), hex(8), hex(8)]
            const sent = `${traceId}-${spanId}-${sampledB3}-${parentId}`
            const h = await get('http-no-preserve-route', { b3: sent })
            t.equal(h.b3, sent, 'b3 passes through untouched')
            t.match(h.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-${sampledW3c}$`))
          })
        }
      })
    }
  }
}

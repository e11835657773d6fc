// Kong's opentelemetry specs (spec/03-plugins/37-opentelemetry/*) and its tracing
// instrumentations spec (spec/02-integration/14-observability/01-instrumentations_spec.lua)
// through a real gateway, a real echo upstream and a real OTLP/HTTP receiver that
// decodes every export with the official opentelemetry-proto definitions.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { waitFor } from '../helpers/collector.js'
import { startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '../helpers/otlp.js'
import { pluginGateway, type PluginGateway } from '../helpers/plugin-gateway.js'
import { KONG_VERSION } from '../../src/version.js'

interface Setup {
  /** --tracing-instrumentations (Kong's tracing_instrumentations). */
  instrumentations?: string
  samplingRate?: number
  config?: Record<string, unknown>
  /** Extra YAML entities (plugins on routes, more routes). */
  routes?: Record<string, unknown>[]
  plugins?: Record<string, unknown>[]
}

/** kong.yml: service `app` at $UPSTREAM with route `/` (and `routes`), one opentelemetry plugin (global unless `plugins` says). */
function kongYml(otlp: string, s: Setup): string {
  const otel = { name: 'opentelemetry', config: { traces_endpoint: otlp, batch_flush_delay: 0, ...s.config } }
  return stringify(
    {
      _format_version: '3.0',
      services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'root', paths: ['/'] }, ...(s.routes ?? [])] }],
      plugins: s.plugins ?? [otel],
    },
    { lineWidth: 0 },
  )
}

async function start(t: Test, s: Setup = {}): Promise<PluginGateway & { otlp: OtlpReceiver }> {
  const otlp = await startOtlpReceiver(t)
  const g = await pluginGateway(t, kongYml(otlp.url, s), undefined, {
    tracingInstrumentations: s.instrumentations ?? 'all',
    tracingSamplingRate: s.samplingRate ?? 1,
  })
  return Object.assign(g, { otlp })
}

/** The spans of one request (its root's trace), once the root span arrived. */
async function traceOf(otlp: OtlpReceiver, requestId: string): Promise<OtlpSpan[]> {
  const root = () => otlp.spans().find((s) => s.attributes['kong.request.id'] === requestId)
  await waitFor(() => root() !== undefined)
  const r = root()
  if (!r) throw new Error(`no trace for request ${requestId}`)
  return otlp.spans().filter((s) => s.trace_id === r.trace_id)
}

t.test('exports valid traces', async (t) => {
  // spec/03-plugins/37-opentelemetry/04-exporter_spec.lua:184
  const g = await start(t, { config: { headers: { 'X-Access-Token': 'token' } } })
  const r = await g.send('/')
  t.equal(r.status, 200)
  const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
  const exp = g.otlp.exports[0]!
  t.equal(exp.headers['content-type'], 'application/x-protobuf')
  t.equal(exp.headers['x-access-token'], 'token', 'custom headers reach the collector')
  t.equal(exp.url, '/')
  t.equal(exp.resource['service.name'], 'kong')
  t.equal(exp.resource['service.version'], KONG_VERSION)
  t.equal(exp.resource['service.instance.id'], g.gw.node.id)
  t.same(exp.scope, { name: 'kong-internal', version: '0.1.0' })
  t.ok(spans.length > 0)
})

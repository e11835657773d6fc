// Kong's opentelemetry specs (spec/03-plugins/37-opentelemetry/*) and its tracing
// instrumentations spec (spec/02-integration/14-observability/01-instrumentations_spec.lua)
// through a real gateway, a real echo upstream and a real OTLP/HTTP receiver that
// decodes every export with the official opentelemetry-proto definitions.
import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { startCollector, waitFor } from '../helpers/collector.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'
import { startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from '../helpers/otlp.js'
import { pluginGateway, pluginLines, type PluginGateway } from '../helpers/plugin-gateway.js'
import { loadConfig } from '../../src/config/load.js'
import { LOG_QUEUES } from '../../src/plugins/shared/queue.js'
import { KONG_VERSION } from '../../src/version.js'

/** The spans of one request's log phase go out in one batch (Kong's timer runs after the phase; here a short delay). */
const FAST = { max_coalescing_delay: 0.1 }

interface Setup {
  /** --tracing-instrumentations (Kong's tracing_instrumentations). */
  instrumentations?: string
  samplingRate?: number
  config?: Record<string, unknown>
  /** More routes of service `app`, more services. */
  routes?: Record<string, unknown>[]
  services?: Record<string, unknown>[]
  plugins?: Record<string, unknown>[]
}

/** kong.yml: service `app` at $UPSTREAM with route `/` (and `routes`), one opentelemetry plugin (global unless `plugins` says). */
function kongYml(otlp: string, s: Setup): string {
  const otel = { name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: FAST, ...s.config } }
  const yaml = stringify(
    {
      _format_version: '3.0',
      services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'root', paths: ['/'] }, ...(s.routes ?? [])] }, ...(s.services ?? [])],
      plugins: s.plugins ?? [otel],
    },
    { lineWidth: 0 },
  )
  return yaml.replaceAll('$OTLP', otlp)
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
  // batch_flush_delay 0, as the spec sets it: Kong's legacy field maps onto queue.max_coalescing_delay
  const g = await start(t, { config: { batch_flush_delay: 0, headers: { 'X-Access-Token': 'token' } } })
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

const byName = (spans: OtlpSpan[], name: string) => spans.filter((s) => s.name === name)
const rootOf = (spans: OtlpSpan[]) => byName(spans, 'kong')[0]!

t.test('the root span carries Kong’s request attributes', async (t) => {
  // spec/03-plugins/37-opentelemetry/04-exporter_spec.lua:751 (the attributes of the `kong` span)
  const g = await start(t, { instrumentations: 'request' })
  const r = await g.send('/', { headers: { host: 'Example.Test:8000' } })
  const id = String(r.headers['x-kong-request-id'])
  const spans = await traceOf(g.otlp, id)
  t.equal(spans.length, 1, '`request` records the root span alone')
  const root = rootOf(spans)
  t.same(root.attributes, {
    'http.client_ip': '127.0.0.1',
    'http.flavor': '1.1',
    'http.host': 'example.test',
    'http.method': 'GET',
    'http.route': '/',
    'http.scheme': 'http',
    'http.status_code': 200,
    'http.url': 'http://example.test/',
    'kong.request.id': id,
    'net.peer.ip': '127.0.0.1',
  })
  t.equal(root.attributeTypes['http.status_code'], 'int_value', 'the status is an integer, as Kong encodes it')
  t.equal(root.kind, 2, 'a server span')
  t.equal(root.parent_span_id, '', 'no parent without an incoming context')
  t.equal(root.trace_id.length, 32, '16-byte trace id')
  t.equal(root.span_id.length, 16, '8-byte span id')
  t.ok(root.end_time_unix_nano >= root.start_time_unix_nano, 'ended after it started')
})

/** Plugins that mark the end of a request's log phase: a post-function log line `barrier`, with the queues as they were then. */
async function withBarrier(t: Test, s: Setup) {
  const otlp = await startOtlpReceiver(t)
  const seen: { msg: string; queued: number }[] = []
  let queued = () => 0
  const pluginLog = () => {
    const rec = (msg: string) => seen.push({ msg, queued: queued() })
    return { error: rec, warn: rec, info: rec, debug: rec }
  }
  const g = await pluginGateway(t, kongYml(otlp.url, s), undefined, {
    tracingInstrumentations: s.instrumentations ?? 'all',
    tracingSamplingRate: s.samplingRate ?? 1,
    pluginLog,
  })
  const queues = g.gw.node.slot(LOG_QUEUES)
  queued = () => queues.sizes().reduce((n, q) => n + q.entries, 0)
  /** Sends `path` and waits for its log phase to be over; how many spans were queued then. */
  const logged = async (path: string, headers: Record<string, string> = {}) => {
    const before = seen.length
    const r = await g.send(path, { headers })
    await waitFor(() => seen.slice(before).some((l) => l.msg.includes('barrier')))
    return { r, queued: seen.slice(before).find((l) => l.msg.includes('barrier'))?.queued ?? -1 }
  }
  return Object.assign(g, { otlp, logged })
}

const BARRIER = { name: 'post-function', config: { log: ['kong.log.err("barrier")'] } }

t.test('tracing_instrumentations off: no span is exported', async (t) => {
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:123
  const otel = { name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: { max_coalescing_delay: 3600 } } }
  const g = await withBarrier(t, { instrumentations: 'off', plugins: [otel, BARRIER] })
  const { r, queued } = await g.logged('/')
  t.equal(r.status, 200)
  t.equal(queued, 0, 'nothing was queued for the collector')
})

const SPANS_OF = {
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:185
  router: ['kong', 'kong.router'],
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:253
  balancer: ['kong', 'kong.balancer'],
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:321
  plugin_header_filter: ['kong', 'kong.header_filter.plugin.opentelemetry'],
  // Kong's plugin_access instrumentation (kong/observability/tracing/instrumentation.lua: plugin_callback("access")); no spec case of its own
  plugin_access: ['kong', 'kong.access.plugin.opentelemetry'],
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:502
  request: ['kong'],
} as const
const ALL_NAMES = ['kong', 'kong.router', 'kong.balancer', 'kong.access.plugin.opentelemetry', 'kong.header_filter.plugin.opentelemetry']

for (const [types, expected] of Object.entries(SPANS_OF)) {
  t.test(`tracing_instrumentations ${types}: its spans and no other`, async (t) => {
    const g = await start(t, { instrumentations: types })
    const r = await g.send('/')
    t.equal(r.status, 200)
    const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
    const root = rootOf(spans)
    for (const name of ALL_NAMES) {
      const found = byName(spans, name)
      if (!(expected as readonly string[]).includes(name)) {
        t.equal(found.length, 0, `no ${name} span`)
        continue
      }
      t.equal(found.length, 1, `one ${name} span`)
      if (name !== 'kong') t.equal(found[0]!.parent_span_id, root.span_id, `${name} is a child of the root`)
      t.equal(found[0]!.trace_id, root.trace_id, `${name} is in the root's trace`)
    }
  })
}

t.test('plugin_rewrite: a span per global plugin rewrite phase', async (t) => {
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:287
  const otel = { name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: FAST } }
  const pre = { name: 'pre-function', config: { rewrite: ['kong.ctx.shared.x = 1'] } }
  const g = await start(t, { instrumentations: 'plugin_rewrite', plugins: [otel, pre] })
  const r = await g.send('/')
  const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
  t.equal(byName(spans, 'kong.rewrite.plugin.pre-function').length, 1)
  t.equal(byName(spans, 'kong.header_filter.plugin.opentelemetry').length, 0)
  t.equal(byName(spans, 'kong.router').length, 0)
})

t.test('the kong span of a request a plugin answered carries its status and route', async (t) => {
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:346
  const otel = { name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: FAST } }
  const g = await start(t, {
    instrumentations: 'plugin_header_filter',
    plugins: [otel],
    routes: [
      {
        name: 'noproxy',
        paths: ['/noproxy'],
        strip_path: false,
        plugins: [{ name: 'request-termination', config: { status_code: 418, message: "No coffee for you. I'm a teapot." } }],
      },
    ],
  })
  const r = await g.send('/noproxy', { headers: { host: '0.0.0.0' } })
  t.equal(r.status, 418)
  t.equal(r.reached, undefined)
  const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
  const root = rootOf(spans)
  t.match(root.attributes, {
    'http.method': 'GET',
    'http.flavor': '1.1',
    'http.status_code': 418,
    'http.route': '/noproxy',
    'http.url': 'http://0.0.0.0/noproxy',
  })
  t.equal(byName(spans, 'kong.header_filter.plugin.opentelemetry').length, 1)
  t.equal(byName(spans, 'kong.balancer').length, 0, 'nothing was proxied')
})

t.test('tracing_instrumentations all: every span, with Kong’s attributes', async (t) => {
  // spec/02-integration/14-observability/01-instrumentations_spec.lua:423 (kong.dns and
  // kong.database.query have no counterpart here: README, opentelemetry)
  const otel = { name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: FAST } }
  const pre = { name: 'pre-function', config: { rewrite: ['kong.ctx.shared.x = 1'] } }
  const callout = {
    name: 'request-callout',
    config: { callouts: [{ name: 'c1', request: { method: 'GET', url: '$UPSTREAM/callout', headers: { custom: { 'User-Agent': 'kong test' } } } }] },
  }
  const g = await start(t, {
    plugins: [otel, pre],
    routes: [{ name: 'status', paths: ['/status'], hosts: ['status'], strip_path: false, plugins: [callout] }],
  })
  const r = await g.send('/status/200', { headers: { host: 'status' } })
  t.equal(r.status, 200)
  const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
  const root = rootOf(spans)
  t.equal(byName(spans, 'kong').length, 1)
  t.equal(byName(spans, 'kong.router').length, 1)
  t.equal(byName(spans, 'kong.rewrite.plugin.pre-function').length, 1)
  t.equal(byName(spans, 'kong.access.plugin.request-callout').length, 1)
  t.equal(byName(spans, 'kong.header_filter.plugin.opentelemetry').length, 1)
  t.match(root.attributes, {
    'http.method': 'GET',
    'http.url': 'http://status/status/200',
    'http.route': '/status',
    'http.host': 'status',
    'http.scheme': 'http',
    'http.flavor': '1.1',
    'http.client_ip': '127.0.0.1',
    'net.peer.ip': '127.0.0.1',
    'kong.request.id': /^[0-9a-f]+$/,
  })
  const [balancer, ...more] = byName(spans, 'kong.balancer')
  t.equal(more.length, 0, 'one balancer span')
  t.match(balancer!.attributes, { 'net.peer.ip': '127.0.0.1', 'net.peer.port': g.up.port, 'net.peer.name': '127.0.0.1', try_count: 1 })
  t.equal(balancer!.kind, 3, 'a client span')
  const [internal, ...others] = byName(spans, 'kong.internal.request')
  t.equal(others.length, 0, 'one kong.internal.request span per callout')
  t.match(internal!.attributes, {
    'http.method': 'GET',
    'http.flavor': '1.1',
    'http.status_code': 200,
    'http.url': /^http:\/\/127\.0\.0\.1:\d+\/callout$/,
    'http.user_agent': 'kong test',
  })
  t.equal(internal!.kind, 3)
  const calloutPlugin = byName(spans, 'kong.access.plugin.request-callout')[0]!
  t.equal(internal!.parent_span_id, calloutPlugin.span_id, 'the callout span is a child of the plugin phase that made it')
  t.equal(calloutPlugin.parent_span_id, root.span_id)
  t.ok(
    g.up.requests.some((q) => q.url === '/callout'),
    'the callout reached its server',
  )
})

t.test('a try that failed gets a balancer span of its own, with an error status', async (t) => {
  // Kong's balancer instrumentation (kong/observability/tracing/instrumentation.lua, _M.balancer):
  // one kong.balancer span per try, a failed one with http.status_code and status 2
  const otlp = await startOtlpReceiver(t)
  const dead = await startOtlpReceiver(t)
  const deadPort = Number(new URL(dead.url).port)
  await dead.close()
  const up = await startUpstream('upstream')
  t.teardown(() => up.close())
  const yaml = stringify({
    _format_version: '3.0',
    upstreams: [{ name: 'app.upstream', algorithm: 'round-robin', targets: [{ target: `127.0.0.1:${deadPort}` }, { target: `127.0.0.1:${up.port}` }] }],
    services: [{ name: 'app', host: 'app.upstream', retries: 5, routes: [{ name: 'root', paths: ['/'] }] }],
    plugins: [{ name: 'opentelemetry', config: { traces_endpoint: otlp.url, queue: FAST } }],
  })
  const gw = await gateway(yaml, { tracingInstrumentations: 'balancer', tracingSamplingRate: 1 })
  t.teardown(() => gw.close())
  let spans: OtlpSpan[] = []
  // Round-robin: within two requests, one goes to the dead target first.
  for (let i = 0; i < 2 && !spans.some((s) => s.status.code === 2); i++) {
    const r = await fetchRaw(`${gw.url}/`)
    t.equal(r.status, 200)
    spans = await traceOf(otlp, String(r.headers['x-kong-request-id']))
  }
  const tries = byName(spans, 'kong.balancer').sort((a, b) => Number(a.attributes.try_count) - Number(b.attributes.try_count))
  t.equal(tries.length, 2, 'one span per try')
  t.match(tries[0]!.attributes, {
    try_count: 1,
    'net.peer.ip': '127.0.0.1',
    'net.peer.port': deadPort,
    'http.status_code': 502,
    'net.peer.name': 'app.upstream',
  })
  t.equal(tries[0]!.status.code, 2, 'the failed try has an error status')
  t.match(tries[1]!.attributes, { try_count: 2, 'net.peer.port': up.port })
  t.equal(tries[1]!.status.code, 0)
  t.notOk('http.status_code' in tries[1]!.attributes)
})

for (const [route, service, global] of [
  [true, true, true],
  [true, true, false],
  [true, false, true],
  [true, false, false],
  [false, true, true],
  [false, true, false],
] as const) {
  t.test(`scoping: the plugin on ${[route && 'the route', service && 'the service', global && 'and globally'].filter(Boolean).join(' ')}`, async (t) => {
    // spec/03-plugins/37-opentelemetry/04-exporter_spec.lua:537: a route without the plugin is traced by a global instance only
    const otel = (extra: Record<string, unknown>) => ({ name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: FAST }, ...extra })
    const plugins = [...(route ? [otel({ route: 'root' })] : []), ...(service ? [otel({ service: 'app' })] : []), ...(global ? [otel({})] : []), BARRIER]
    const g = await withBarrier(t, {
      plugins,
      services: [{ name: 'other', url: '$UPSTREAM', routes: [{ name: 'no_plugin', paths: ['/no_plugin'] }] }],
    })
    const { r, queued } = await g.logged('/no_plugin')
    t.equal(r.status, 200)
    if (global) {
      const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
      t.equal(byName(spans, 'kong').length, 1, 'the global instance exported it')
    } else {
      // The barrier ran right after the request's other log phases: a span would be queued then.
      t.equal(queued, 0, 'nothing queued')
      t.equal(g.otlp.spans().length, 0, 'nothing sent')
    }
  })
}

const hex = (n: number) => randomBytes(n).toString('hex')

for (const types of ['request', 'request,balancer', 'all']) {
  t.test(`instrumentations ${types}: the upstream's parent span is exported in the caller's trace`, async (t) => {
    // spec/03-plugins/37-opentelemetry/03-propagation_spec.lua:850 (issue #11294)
    const g = await start(t, { instrumentations: types })
    const [traceId, incoming] = [hex(16), hex(8)]
    const r = await g.send('/', { headers: { traceparent: `00-${traceId}-${incoming}-01` } })
    t.equal(r.status, 200)
    const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
    const parent = types === 'request' ? rootOf(spans) : byName(spans, 'kong.balancer')[0]!
    t.equal(r.reached?.headers.traceparent, `00-${traceId}-${parent.span_id}-01`)
    const ids = new Set(spans.map((s) => s.span_id))
    for (const s of spans) {
      t.equal(s.trace_id, traceId, `${s.name} is in the caller's trace`)
      if (s.name === 'kong') t.equal(s.parent_span_id, incoming, "the root's parent is the caller's span")
      else t.ok(ids.has(s.parent_span_id), `${s.name}'s parent is a span of the request`)
    }
  })
}

t.test('an incoming context not sampled: nothing is exported', async (t) => {
  // spec/03-plugins/37-opentelemetry/03-propagation_spec.lua:884
  const otel = { name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: FAST } }
  const g = await withBarrier(t, { plugins: [otel, BARRIER] })
  const { r, queued } = await g.logged('/', { traceparent: `00-${hex(16)}-${hex(8)}-00` })
  t.match(r.reached?.headers.traceparent, /-00$/, 'the decision goes upstream')
  t.equal(queued, 0, 'nothing queued')
  t.equal(g.otlp.spans().length, 0, 'nothing sent')
})

// A trace id whose first 8 bytes, little-endian, are below 2^63 (kept at 0.5), and one above (dropped).
const SAMPLED = '92a54b3e1a7c4f2da9e44b8a6f3e1dab'
const NOT_SAMPLED = '4bf92f3577b34da6a3ce929d0e0e4736'

for (const [pluginRate, globalRate, cite] of [
  [0.5, 0, '04-exporter_spec.lua:382, :400'],
  [0.5, 0.001, '04-exporter_spec.lua:382, :400'],
  [0.5, 1, '04-exporter_spec.lua:382, :400'],
  [undefined, 0.5, '04-exporter_spec.lua:455, :473'],
] as const) {
  t.test(`sampling_rate ${pluginRate ?? 'unset'}, --tracing-sampling-rate ${globalRate}: the trace id decides`, async (t) => {
    // spec/03-plugins/37-opentelemetry/ (see cite): the rate that applies is the plugin's, else the node's
    t.comment(cite)
    const otel = {
      name: 'opentelemetry',
      config: { traces_endpoint: '$OTLP', queue: FAST, ...(pluginRate === undefined ? {} : { sampling_rate: pluginRate }) },
    }
    const g = await withBarrier(t, { samplingRate: globalRate, plugins: [otel, BARRIER] })
    const dropped = await g.logged('/', { traceparent: `00-${NOT_SAMPLED}-0123456789abcdef-01` })
    t.equal(dropped.queued, 0, 'the trace that is not sampled is not queued')
    const kept = await g.send('/', { headers: { traceparent: `00-${SAMPLED}-0123456789abcdef-01` } })
    const spans = await traceOf(g.otlp, String(kept.headers['x-kong-request-id']))
    t.equal(spans[0]!.trace_id, SAMPLED)
    t.notOk(
      g.otlp.spans().some((s) => s.trace_id === NOT_SAMPLED),
      'the other trace never arrived',
    )
  })
}

t.test('the upstream and a callout receive traceparents of the trace the collector gets', async (t) => {
  // The issue's requirement (no Kong spec: Kong does not propagate into callouts); the
  // spans are Kong's http_client instrumentation (01-instrumentations_spec.lua:219)
  const callout = { name: 'request-callout', config: { callouts: [{ name: 'c1', request: { method: 'GET', url: '$UPSTREAM/callout' } }] } }
  const otel = { name: 'opentelemetry', config: { traces_endpoint: '$OTLP', queue: FAST } }
  const g = await start(t, { plugins: [otel, callout] })
  const r = await g.send('/proxied')
  t.equal(r.status, 200)
  const spans = await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
  const fromCallout = g.up.requests.find((q) => q.url === '/callout')?.headers.traceparent
  const toUpstream = r.reached?.headers.traceparent
  const root = rootOf(spans)
  const internal = byName(spans, 'kong.internal.request')[0]!
  const balancer = byName(spans, 'kong.balancer')[0]!
  t.equal(fromCallout, `00-${root.trace_id}-${internal.span_id}-01`, "the callout's parent is its kong.internal.request span")
  t.equal(toUpstream, `00-${root.trace_id}-${balancer.span_id}-01`, "the upstream's parent is the balancer span")
})

t.test('resource attributes: configured ones win, templates read the request', async (t) => {
  // spec/03-plugins/37-opentelemetry/04-exporter_spec.lua:587
  const g = await start(t, {
    config: { resource_attributes: { 'service.name': 'kong_oss', 'os.version': 'debian', 'host.name': '$(headers.host)', validstr: '$($@#)' } },
  })
  const r = await g.send('/', { headers: { host: '0.0.0.0:9000' } })
  await traceOf(g.otlp, String(r.headers['x-kong-request-id']))
  t.same(g.otlp.exports[0]!.resource, {
    'host.name': '0.0.0.0:9000',
    'os.version': 'debian',
    'service.instance.id': g.gw.node.id,
    'service.name': 'kong_oss',
    'service.version': KONG_VERSION,
    validstr: '$($@#)',
  })
})

t.test('referenceable fields: the endpoint and headers from the env vault', async (t) => {
  // spec/03-plugins/37-opentelemetry/04-exporter_spec.lua:839
  const otlp = await startOtlpReceiver(t)
  const yaml = stringify({
    _format_version: '3.0',
    services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'root', paths: ['/'] }] }],
    plugins: [
      {
        name: 'opentelemetry',
        config: {
          endpoint: '{vault://env/test_otel_endpoint}',
          queue: FAST,
          headers: { 'X-Access-Key': '{vault://env/test_otel_access_key}', 'X-Access-Secret': '{vault://env/test_otel_access_secret}' },
        },
      },
    ],
  })
  const g = await pluginGateway(t, yaml, undefined, {
    tracingInstrumentations: 'all',
    tracingSamplingRate: 1,
    env: { TEST_OTEL_ENDPOINT: otlp.url, TEST_OTEL_ACCESS_KEY: 'secret-1', TEST_OTEL_ACCESS_SECRET: 'secret-2' },
  })
  const r = await g.send('/')
  await traceOf(otlp, String(r.headers['x-kong-request-id']))
  t.equal(otlp.exports[0]!.headers['content-type'], 'application/x-protobuf')
  t.equal(otlp.exports[0]!.headers['x-access-key'], 'secret-1')
  t.equal(otlp.exports[0]!.headers['x-access-secret'], 'secret-2')
})

t.test('a changed endpoint takes effect on reload', async (t) => {
  // spec/03-plugins/37-opentelemetry/06-regression_spec.lua:65 (KAG-1061: Kong PATCHes the
  // plugin through the Admin API; here the file changes and is reloaded)
  const second = await startOtlpReceiver(t)
  const g = await start(t)
  const first = await g.send('/')
  await traceOf(g.otlp, String(first.headers['x-kong-request-id']))
  const { readFileSync, writeFileSync } = await import('node:fs')
  writeFileSync(g.gw.file, readFileSync(g.gw.file, 'utf8').replaceAll(g.otlp.url, second.url))
  t.equal((await g.gw.reload()).result, 'applied')
  const after = await g.send('/')
  const spans = await traceOf(second, String(after.headers['x-kong-request-id']))
  t.ok(spans.length > 0, 'sent to the new endpoint')
  t.notOk(
    g.otlp.spans().some((s) => s.attributes['kong.request.id'] === after.headers['x-kong-request-id']),
    'not to the old one',
  )
})

t.test('http_response_header_for_traceid: the trace id in a response header', async (t) => {
  // kong/plugins/opentelemetry/traces.lua header_filter (no spec case of its own)
  const g = await start(t, { instrumentations: 'off', config: { http_response_header_for_traceid: 'X-Trace-Id' } })
  const traceId = hex(16)
  const r = await g.send('/', { headers: { traceparent: `00-${traceId}-${hex(8)}-01` } })
  t.equal(r.headers['x-trace-id'], traceId, 'the caller’s trace id, even with instrumentations off')
  const fresh = await g.send('/')
  t.match(fresh.headers['x-trace-id'], /^[0-9a-f]{32}$/)
  t.equal(String(fresh.reached?.headers.traceparent).split('-')[1], fresh.headers['x-trace-id'], 'the one sent upstream')
})

t.test('a collector that fails: the batch is retried', async (t) => {
  // Kong's queue (kong/tools/queue.lua) retries a failed batch; the exporter's error is logged
  const otlp = await startOtlpReceiver(t, (n) => (n === 1 ? 500 : 200))
  const { lines, pluginLog } = pluginLines()
  const yaml = kongYml(otlp.url, { config: { queue: { ...FAST, initial_retry_delay: 0.01 } } })
  const g = await pluginGateway(t, yaml, undefined, { tracingInstrumentations: 'request', tracingSamplingRate: 1, pluginLog })
  const r = await g.send('/')
  const spans = await traceOf(otlp, String(r.headers['x-kong-request-id']))
  t.equal(spans.length, 1, 'delivered on the second try')
  t.ok(
    lines.some((l) => l.msg.includes('response error: 500')),
    'the failure is logged',
  )
})

t.test('schema: Kong’s checks', async (t) => {
  // spec/03-plugins/37-opentelemetry/02-schema_spec.lua:5, :21, :37, and the schema's at_least_one_of
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n- name: opentelemetry\n  config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? '' : r.issues.map((i) => `${i.path} ${i.message}`).join('\n')
  }
  t.match(issues('{ endpoint: "http://example.dev", resource_attributes: { foo: "" } }'), /resource_attributes\.foo length must be at least 1/)
  t.match(issues('{ endpoint: "http://example.dev", resource_attributes: { foo: 1 } }'), /expected a string/)
  t.equal(issues('{ endpoint: "http://example.dev", resource_attributes: { foo: "$(headers.host)" } }'), '')
  t.match(issues('{ headers: { a: b } }'), /at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'/)
  t.match(issues('{ traces_endpoint: "example.dev" }'), /missing scheme in url|missing host in url/)
  t.match(issues('{ traces_endpoint: "http://x.dev", sampling_rate: 2 }'), /sampling_rate/)
  t.match(issues('{ traces_endpoint: "http://x.dev", header_type: nope }'), /header_type/)
  const ok = loadConfig(`_format_version: "3.0"\nplugins:\n- name: opentelemetry\n  config: { traces_endpoint: "http://x.dev" }\n`, { file: 'k.yml' })
  t.ok(ok.ok)
  if (!ok.ok) return
  t.match(ok.config.plugins[0]!.config, {
    connect_timeout: 1000,
    send_timeout: 5000,
    read_timeout: 5000,
    header_type: 'preserve',
    propagation: { default_format: 'w3c' },
    queue: { max_batch_size: 200, max_coalescing_delay: 1 },
  })
})

t.test('logs_endpoint: the lines a request’s Lua writes, as OTLP log records', async (t) => {
  // spec/03-plugins/37-opentelemetry/04-exporter_spec.lua:292 (with tracing) and :322 (without)
  const body = 'kong.log.info("this is a log from kong.log");\nngx.log(ngx.INFO, "this is a log from ngx.log")'
  const post = { name: 'post-function', config: { access: [body] } }
  const g = await start(t, {
    plugins: [],
    routes: [
      {
        name: 'traces_logs',
        paths: ['/traces_logs'],
        plugins: [{ name: 'opentelemetry', config: { traces_endpoint: '$OTLP', logs_endpoint: '$OTLP/v1/logs', queue: FAST } }, post],
      },
      { name: 'logs', paths: ['/logs'], plugins: [{ name: 'opentelemetry', config: { logs_endpoint: '$OTLP/v1/logs', queue: FAST } }, post] },
    ],
  })
  const linesOf = async (requestId: string) => {
    const mine = () => g.otlp.logExports.flatMap((e) => e.records).filter((r) => r.attributes['request.id'] === requestId)
    await waitFor(() => mine().length >= 2)
    return mine()
  }

  t.test('with tracing', async (t) => {
    const traceId = hex(16)
    const r = await g.send('/traces_logs', { headers: { traceparent: `00-${traceId}-0123456789abcdef-01` } })
    t.equal(r.status, 200)
    const lines = await linesOf(String(r.headers['x-kong-request-id']))
    t.equal(lines.length, 2)
    t.ok(lines.some((l) => String(l.body).endsWith('kong.log')))
    t.ok(lines.some((l) => String(l.body).endsWith('ngx.log')))
    for (const l of lines) {
      t.equal(l.severity_number, 9)
      t.equal(l.severity_text, 'INFO')
      t.ok(l.time_unix_nano > 0n && l.observed_time_unix_nano > 0n)
      t.equal(l.trace_id, traceId, "the request's trace")
      t.match(l.span_id, /^[0-9a-f]{16}$/)
      t.equal(l.span_id === '0000000000000000', false, 'the span running when it was written')
      t.equal(typeof l.flags, 'number')
    }
    const exp = g.otlp.logExports.find((e) => e.records.some((x) => x.attributes['request.id'] === r.headers['x-kong-request-id']))!
    t.equal(exp.headers['content-type'], 'application/x-protobuf')
    t.match(exp.resource, { 'service.name': 'kong', 'service.version': KONG_VERSION, 'service.instance.id': g.gw.node.id })
  })

  t.test('without tracing', async (t) => {
    const r = await g.send('/logs')
    t.equal(r.status, 200)
    const lines = await linesOf(String(r.headers['x-kong-request-id']))
    t.equal(lines.length, 2)
    for (const l of lines) t.equal(l.severity_text, 'INFO')
  })
})

t.test('the log record of a later log plugin carries the trace id as injected', async (t) => {
  // kong/observability/tracing/propagation/init.lua propagate: kong.log.set_serialize_value("trace_id", ...)
  const c = await startCollector(t)
  const otel = {
    name: 'opentelemetry',
    config: { traces_endpoint: '$OTLP', queue: FAST, propagation: { extract: ['w3c'], inject: ['w3c', 'datadog'], default_format: 'w3c' } },
  }
  const httpLog = { name: 'http-log', config: { http_endpoint: c.url } }
  const g = await start(t, { instrumentations: 'off', plugins: [otel, httpLog] })
  const traceId = '0af7651916cd43dd8448eb211c80319c'
  t.equal((await g.send('/', { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })).status, 200)
  await waitFor(() => c.received.length > 0)
  t.strictSame((JSON.parse(c.received[0]!.body) as { trace_id: unknown }).trace_id, { w3c: traceId, datadog: '9532127138774266268' })
})

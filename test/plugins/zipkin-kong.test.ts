// Kong's zipkin specs (spec/03-plugins/34-zipkin/zipkin_spec.lua, zipkin_queue_spec.lua)
// through a real gateway, a real echo upstream and a real Zipkin v2 JSON collector on
// loopback: the spans it receives (names, kinds, ids and parents, tags, annotations,
// endpoints) and the trace context the upstream receives in each format.
// The spec reads spans back from a Zipkin server, which lower-cases span names and drops
// the leading zeros of 128-bit trace ids whose high half is zero; the collector here
// shows the wire, so names are asserted as sent ("GET") and padded ids as padded.
// Not here: gRPC routes (zipkin_spec.lua:985, :1795; grpcbin is not at hand), the connect timeout to an unroutable host
// (:436, no such host on loopback), and the instrumentations spans (:1848, Kong's
// tracing_instrumentations).
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { startCollector, waitFor, type Collector } from '../helpers/collector.js'
import { pluginGateway, pluginLines, type PluginGateway, type PluginLine } from '../helpers/plugin-gateway.js'
import { MESSAGE, streamGateway, tcpEcho, tcpExchange } from '../helpers/stream.js'

interface ZSpan {
  traceId: string
  name: string
  parentId?: string
  id: string
  kind: string
  timestamp: number
  duration?: number
  localEndpoint: { serviceName: string }
  remoteEndpoint: { serviceName?: string; port?: number; ipv4?: string; ipv6?: string } | null
  tags?: Record<string, string>
  annotations?: { value: string; timestamp: number }[]
}

const SERVICE_ID = '0b9f1cd4-2c6a-4b3e-9f7e-1a2b3c4d5e6f'
const ROUTE_ID = '5d1c6a0e-8f3b-4e2a-9c7d-6e5f4a3b2c1d'
const hex = (bytes: number) => randomBytes(bytes).toString('hex')
const pad = (id: string, len: number) => (id.length < len ? '0'.repeat(len - id.length) + id : id.slice(-len))

/** Every span the collector got, in arrival order (each POST body is a JSON array). */
const spansOf = (c: Collector): ZSpan[] => c.received.flatMap((r) => JSON.parse(r.body) as ZSpan[])

async function waitSpans(t: Test, c: Collector, n: number, traceId?: string): Promise<ZSpan[]> {
  const pick = () => spansOf(c).filter((s) => traceId === undefined || s.traceId === traceId)
  t.ok(await waitFor(() => pick().length >= n), `${n} spans arrived`)
  return pick()
}
const byName = (spans: ZSpan[], name: string) => spans.find((s) => s.name === name)

/** The span invariants of the spec (zipkin_spec.lua:101-176). */
function assertInvariants(t: Test, request: ZSpan, proxy: ZSpan, traceIdLen: number, startMs: number, serviceName: string, flavor = 'annotations') {
  const valid = (ts: number | undefined, what: string) =>
    t.ok(Number.isInteger(ts) && ts! >= (startMs - 1000) * 1000 && ts! <= (Date.now() + 1000) * 1000, `${what} is a timestamp of this test (µs)`)
  t.equal(request.kind, 'SERVER')
  t.equal(proxy.kind, 'CLIENT')
  t.equal(proxy.parentId, request.id, 'the proxy span is the request span’s child')
  t.equal(request.traceId.length, traceIdLen, 'trace id length')
  t.equal(proxy.traceId, request.traceId)
  t.equal(proxy.name, `${request.name} (proxy)`)
  valid(request.timestamp, 'request timestamp')
  valid(proxy.timestamp, 'proxy timestamp')
  if (request.duration !== undefined && proxy.duration !== undefined) t.ok(request.duration >= proxy.duration && proxy.duration >= 0)
  t.strictSame(request.localEndpoint, { serviceName })
  if (flavor === 'annotations') {
    const hash = (a: ZSpan['annotations']) => Object.fromEntries((a ?? []).map((x) => [x.value, x.timestamp]))
    t.equal(request.annotations?.length, 2)
    const r = hash(request.annotations)
    valid(r.krs, 'krs')
    valid(r.krf, 'krf')
    t.ok(r.krs! <= r.krf!, 'krs <= krf')
    t.equal(proxy.annotations?.length, 6)
    const p = hash(proxy.annotations)
    for (const k of ['kas', 'kaf', 'khs', 'khf', 'kbs', 'kbf']) valid(p[k], k)
    t.ok(p.kas! <= p.kaf!, 'kas <= kaf')
    t.ok(p.khs! <= p.khf!, 'khs <= khf')
    t.ok(p.kbs! <= p.kbf!, 'kbs <= kbf')
    t.ok(p.khs! <= p.kbs!, 'khs <= kbs')
  } else {
    t.ok(Number(request.tags?.['kong.rewrite.duration_ms']) >= 0)
    for (const k of ['kong.access.duration_ms', 'kong.header_filter.duration_ms', 'kong.body_filter.duration_ms']) t.ok(Number(proxy.tags?.[k]) >= 0, k)
  }
}

interface RouteDef {
  host: string
  name?: string
  id?: string
  zipkin?: Record<string, unknown>
}

/** kong.yml: service `mock` at $UPSTREAM, one route per host (with its own zipkin, if given), and global zipkin instances. */
function kongYml(routes: RouteDef[], global: Record<string, unknown>[] = []): string {
  return stringify(
    {
      _format_version: '3.0',
      services: [
        {
          name: 'mock-service',
          id: SERVICE_ID,
          url: '$UPSTREAM',
          routes: routes.map((r, i) => ({
            name: r.name ?? `route-${i}`,
            ...(r.id ? { id: r.id } : {}),
            hosts: [r.host],
            preserve_host: true,
            ...(r.zipkin ? { plugins: [{ name: 'zipkin', config: r.zipkin }] } : {}),
          })),
        },
      ],
      plugins: global.map((config) => ({ name: 'zipkin', config })),
    },
    { lineWidth: 0 },
  )
}

async function start(t: Test, yaml: string): Promise<PluginGateway & { lines: PluginLine[] }> {
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(t, yaml, undefined, { pluginLog })
  return Object.assign(g, { lines })
}

t.test('a route instance with sample_ratio 1 traces even when the global one has 0', async (t) => {
  // spec/03-plugins/34-zipkin/zipkin_spec.lua:251
  const c = await startCollector(t)
  const ep = `${c.url}/api/v2/spans`
  const g = await start(
    t,
    kongYml(
      [{ host: 'http-route', zipkin: { sample_ratio: 1, http_endpoint: ep, default_header_type: 'b3-single' } }],
      [{ sample_ratio: 0, http_endpoint: ep, default_header_type: 'b3-single' }],
    ),
  )
  const startMs = Date.now()
  const r = await g.send('/', { headers: { 'x-b3-sampled': '1', host: 'http-route', 'zipkin-tags': 'foo=bar; baz=qux' } })
  t.equal(r.status, 200)
  const spans = await waitSpans(t, c, 3)
  const request = byName(spans, 'GET')!
  const proxy = byName(spans, 'GET (proxy)')!
  t.ok(request && proxy)
  assertInvariants(t, request, proxy, 32, startMs, 'kong')
  t.equal(c.received[0]!.method, 'POST')
  t.equal(c.received[0]!.url, '/api/v2/spans')
  t.equal(c.received[0]!.headers['content-type'], 'application/json')
})

t.test('local_service_name names the local endpoint', async (t) => {
  // spec/03-plugins/34-zipkin/zipkin_spec.lua:318
  const c = await startCollector(t)
  const g = await start(
    t,
    kongYml(
      [{ host: 'http-route' }],
      [{ sample_ratio: 1, http_endpoint: `${c.url}/api/v2/spans`, default_header_type: 'b3-single', local_service_name: 'custom-service-name' }],
    ),
  )
  const startMs = Date.now()
  t.equal((await g.send('/', { headers: { 'x-b3-sampled': '1', host: 'http-route' } })).status, 200)
  const spans = await waitSpans(t, c, 3)
  assertInvariants(t, byName(spans, 'GET')!, byName(spans, 'GET (proxy)')!, 32, startMs, 'custom-service-name')
  for (const s of spans) t.strictSame(s.localEndpoint, { serviceName: 'custom-service-name' })
})

t.test('a Zipkin server that fails is reported in Kong’s words, the request is not affected', async (t) => {
  // A collector slower than the read timeout, and a port nothing listens on.
  const slow = createServer((_req, res) => {
    const timer = setTimeout(() => res.end('late'), 1000)
    res.on('close', () => clearTimeout(timer))
  })
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => (slow.closeAllConnections(), slow.close(() => resolve()))))
  const slowPort = (slow.address() as AddressInfo).port
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const closedPort = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const g = await start(
    t,
    kongYml([
      {
        host: 'zipkin-upstream-slow',
        zipkin: {
          sample_ratio: 1,
          http_endpoint: `http://127.0.0.1:${slowPort}/delay/1`,
          default_header_type: 'b3-single',
          connect_timeout: 0,
          send_timeout: 10,
          read_timeout: 10,
        },
      },
      {
        host: 'zipkin-upstream-refused',
        zipkin: { sample_ratio: 1, http_endpoint: `http://127.0.0.1:${closedPort}/status/200`, default_header_type: 'b3-single' },
      },
    ]),
  )
  const saw = (text: string) => waitFor(() => g.lines.some((l) => l.msg.includes(text)))
  // spec/03-plugins/34-zipkin/zipkin_spec.lua:452
  t.equal((await g.send('/status/200', { headers: { host: 'zipkin-upstream-slow' } })).status, 200)
  t.ok(await saw('zipkin request failed: timeout'), 'a read timeout is logged')
  // spec/03-plugins/34-zipkin/zipkin_spec.lua:468
  t.equal((await g.send('/status/200', { headers: { host: 'zipkin-upstream-refused' } })).status, 200)
  t.ok(await saw('zipkin request failed: connection refused'), 'a refused connection is logged')
})

t.test('http_response_header_for_traceid adds the trace id to the response', async (t) => {
  // spec/03-plugins/34-zipkin/zipkin_spec.lua:530
  const c = await startCollector(t)
  const g = await start(
    t,
    kongYml(
      [{ host: 'http-route' }],
      [
        {
          sample_ratio: 1,
          http_endpoint: `${c.url}/api/v2/spans`,
          default_header_type: 'b3-single',
          http_span_name: 'method_path',
          http_response_header_for_traceid: 'X-B3-TraceId',
        },
      ],
    ),
  )
  const r = await g.send('/', { headers: { host: 'http-route' } })
  t.equal(r.status, 200)
  t.match(r.headers['x-b3-traceid'], /^[a-f0-9]{32}$/)
  const spans = await waitSpans(t, c, 3)
  t.equal(byName(spans, 'GET /')!.traceId, r.headers['x-b3-traceid'], 'the trace the spans belong to')
})

t.test("http_span_name 'method_path' puts the path in the span names", async (t) => {
  // spec/03-plugins/34-zipkin/zipkin_spec.lua:591
  const c = await startCollector(t)
  const g = await start(
    t,
    kongYml(
      [{ host: 'http-route' }],
      [{ sample_ratio: 1, http_endpoint: `${c.url}/api/v2/spans`, default_header_type: 'b3-single', http_span_name: 'method_path' }],
    ),
  )
  const startMs = Date.now()
  t.equal((await g.send('/', { headers: { 'x-b3-sampled': '1', host: 'http-route', 'zipkin-tags': 'foo=bar; baz=qux' } })).status, 200)
  const spans = await waitSpans(t, c, 3)
  const request = byName(spans, 'GET /')
  const proxy = byName(spans, 'GET / (proxy)')
  t.ok(request && proxy)
  assertInvariants(t, request!, proxy!, 32, startMs, 'kong')
  t.ok(byName(spans, 'GET / (balancer try 1)'))
  // kong.request.get_path is the normalized path: so are the span name and http.path.
  c.received.length = 0
  t.equal((await g.send('/a/../b/./', { headers: { host: 'http-route' } })).status, 200)
  const more = await waitSpans(t, c, 3)
  t.equal(byName(more, 'GET /b/')?.tags?.['http.path'], '/b/')
})

// The spec's two set-ups (zipkin_spec.lua:603, :678): the legacy header_type parameters and
// the propagation record, each with 8- and 16-byte trace ids.
function setups(ep: string, byteCount: number, style: 'old' | 'new') {
  const base = { sample_ratio: 1, http_endpoint: ep }
  const all = ['b3', 'w3c', 'jaeger', 'ot', 'datadog', 'aws', 'gcp', 'instana']
  const old = style === 'old'
  const global = {
    ...base,
    traceid_byte_count: byteCount,
    static_tags: [{ name: 'static', value: 'ok' }],
    ...(old ? { default_header_type: 'b3-single' } : { propagation: { extract: all, inject: ['preserve'], default_format: 'b3-single' } }),
  }
  const routes: RouteDef[] = [
    { host: 'http-route', name: 'main-route', id: ROUTE_ID },
    {
      host: 'http-route-ignore',
      zipkin: {
        ...base,
        ...(old ? { header_type: 'ignore', default_header_type: 'w3c' } : { propagation: { extract: [], inject: ['preserve'], default_format: 'w3c' } }),
      },
    },
    {
      host: 'http-route-w3c',
      zipkin: {
        ...base,
        ...(old
          ? { header_type: 'w3c', default_header_type: 'b3-single' }
          : { propagation: { extract: all, inject: ['preserve', 'w3c'], default_format: 'b3-single' } }),
      },
    },
    {
      host: 'http-route-dd',
      zipkin: {
        ...base,
        ...(old
          ? { header_type: 'datadog', default_header_type: 'datadog' }
          : { propagation: { extract: all, inject: ['preserve', 'datadog'], default_format: 'datadog' } }),
      },
    },
    {
      host: 'http-route-ins',
      zipkin: {
        ...base,
        ...(old
          ? { header_type: 'instana', default_header_type: 'instana' }
          : { propagation: { extract: all, inject: ['preserve', 'instana'], default_format: 'instana' } }),
      },
    },
  ]
  if (!old) {
    routes.push(
      { host: 'http-no-preserve-route', zipkin: { ...base, propagation: { extract: ['b3'], inject: ['w3c'], default_format: 'w3c' } } },
      {
        host: 'http-clear-route',
        zipkin: {
          ...base,
          propagation: {
            extract: ['w3c', 'ot'],
            inject: ['preserve'],
            clear: ['ot-tracer-traceid', 'ot-tracer-spanid', 'ot-tracer-sampled'],
            default_format: 'b3',
          },
        },
      },
    )
  }
  return kongYml(routes, [global])
}

for (const byteCount of [8, 16]) {
  for (const style of ['old', 'new'] as const) {
    t.test(`integration: traceid_byte_count ${byteCount}, ${style} propagation parameters`, async (t) => {
      const c = await startCollector(t)
      const g = await start(t, setups(`${c.url}/api/v2/spans`, byteCount, style))
      const upstreamPort = g.up.port
      const get = async (path: string, headers: Record<string, string>) => {
        const r = await g.send(path, { headers })
        return { status: r.status, seen: r.reached?.headers ?? {} }
      }
      t.beforeEach(() => void (c.received.length = 0))

      t.test('spans, tags and annotations of a proxied request', async (t) => {
        // spec/03-plugins/34-zipkin/zipkin_spec.lua:906
        const startMs = Date.now()
        const r = await g.send('/', { headers: { 'x-b3-sampled': '1', host: 'http-route', 'zipkin-tags': 'foo=bar; baz=qux' } })
        t.equal(r.status, 200)
        const spans = await waitSpans(t, c, 3)
        const balancer = byName(spans, 'GET (balancer try 1)')!
        const request = byName(spans, 'GET')!
        const proxy = byName(spans, 'GET (proxy)')!
        t.ok(balancer && request && proxy)
        assertInvariants(t, request, proxy, byteCount * 2, startMs, 'kong')
        const tags = { ...request.tags }
        t.match(tags['kong.node.id'], /^[0-9a-f-]+$/)
        delete tags['kong.node.id']
        t.strictSame(tags, {
          'http.method': 'GET',
          'http.path': '/',
          'http.status_code': '200',
          'http.protocol': 'HTTP/1.1',
          'http.host': 'http-route',
          lc: 'kong',
          static: 'ok',
          foo: 'bar',
          baz: 'qux',
        })
        t.ok(Number.isInteger(request.remoteEndpoint?.port))
        t.strictSame(request.remoteEndpoint, { ipv4: '127.0.0.1', port: request.remoteEndpoint?.port })
        t.equal(proxy.tags?.['kong.route'], ROUTE_ID)
        t.equal(proxy.tags?.['kong.route_name'], 'main-route')
        t.equal(proxy.tags?.['peer.hostname'], '127.0.0.1')
        t.strictSame(proxy.remoteEndpoint, { ipv4: '127.0.0.1', port: upstreamPort, serviceName: 'mock-service' })
        t.equal(balancer.parentId, request.id)
        t.equal(typeof balancer.timestamp, 'number')
        if (balancer.duration !== undefined) t.ok(Number.isInteger(balancer.duration))
        t.strictSame(balancer.remoteEndpoint, { ipv4: '127.0.0.1', port: upstreamPort, serviceName: 'mock-service' })
        t.strictSame(balancer.localEndpoint, { serviceName: 'kong' })
        t.strictSame(balancer.tags, {
          'kong.balancer.try': '1',
          'kong.route': ROUTE_ID,
          'kong.route_name': 'main-route',
          'kong.service': SERVICE_ID,
          'kong.service_name': 'mock-service',
        })
      })

      t.test('spans and tags of a request that matched no route', async (t) => {
        // spec/03-plugins/34-zipkin/zipkin_spec.lua:1177
        const traceId = hex(byteCount)
        const startMs = Date.now()
        const r = await g.send('/foobar', { headers: { 'x-b3-traceid': traceId, 'x-b3-sampled': '1', 'zipkin-tags': 'error = true', host: '0.0.0.0' } })
        t.equal(r.status, 404)
        const wire = pad(traceId, 32)
        const spans = await waitSpans(t, c, 2, wire)
        t.notOk(byName(spans, 'GET (balancer try 1)'), 'no balancer span')
        const request = byName(spans, 'GET')!
        const proxy = byName(spans, 'GET (proxy)')!
        assertInvariants(t, request, proxy, 32, startMs, 'kong')
        const tags = { ...request.tags }
        t.match(tags['kong.node.id'], /^[0-9a-f-]+$/)
        delete tags['kong.node.id']
        t.strictSame(tags, {
          'http.method': 'GET',
          'http.path': '/foobar',
          'http.status_code': '404',
          'http.protocol': 'HTTP/1.1',
          'http.host': '0.0.0.0',
          lc: 'kong',
          static: 'ok',
          error: 'true',
        })
        t.strictSame(request.remoteEndpoint, { ipv4: '127.0.0.1', port: request.remoteEndpoint?.port })
        t.equal(proxy.tags, undefined)
        t.equal(proxy.remoteEndpoint, null)
        t.strictSame(proxy.localEndpoint, { serviceName: 'kong' })
      })

      t.test('a b3 trace id is kept on a request that matched no route', async (t) => {
        // spec/03-plugins/34-zipkin/zipkin_spec.lua:1224
        const traceId = hex(byteCount)
        t.equal((await g.send('/foobar', { headers: { 'x-b3-traceid': traceId, 'x-b3-sampled': '1' } })).status, 404)
        const spans = await waitSpans(t, c, 2, pad(traceId, 32))
        t.equal(byName(spans, 'GET')!.traceId, pad(traceId, 32), 'Kong sends the id padded to 16 bytes')
        t.equal(byName(spans, 'GET (proxy)')!.traceId, pad(traceId, 32))
      })

      t.test('b3 single header', async (t) => {
        const check = (spans: ZSpan[], traceId: string, spanId: string, parentId?: string, balancer = true) => {
          const request = byName(spans, 'GET')!
          const proxy = byName(spans, 'GET (proxy)')!
          t.equal(request.traceId, traceId)
          t.equal(request.id, spanId, 'the request span reuses the incoming span id')
          if (parentId) t.equal(request.parentId, parentId)
          t.equal(proxy.traceId, traceId)
          t.not(proxy.id, spanId)
          t.equal(proxy.parentId, spanId)
          const b = byName(spans, 'GET (balancer try 1)')
          if (balancer) {
            t.equal(b?.traceId, traceId)
            t.not(b?.id, spanId)
            t.equal(b?.parentId, spanId)
          } else t.notOk(b)
        }
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1248
          const [traceId, spanId, parentId] = [hex(byteCount), hex(8), hex(8)]
          const r = await get('/', { b3: `${traceId}-${spanId}-1-${parentId}`, host: 'http-route' })
          t.equal(r.status, 200)
          t.match(r.seen.b3, new RegExp(`^${traceId}-[0-9a-f]+-1-[0-9a-f]+$`))
          check(await waitSpans(t, c, 3, pad(traceId, 32)), pad(traceId, 32), spanId, parentId)
        }
        c.received.length = 0
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1281
          const [traceId, spanId] = [hex(byteCount), hex(8)]
          const r = await get('/', { b3: `${traceId}-${spanId}-1`, host: 'http-route' })
          t.match(r.seen.b3, new RegExp(`^${traceId}-[0-9a-f]+-1-[0-9a-f]+$`))
          check(await waitSpans(t, c, 3, pad(traceId, 32)), pad(traceId, 32), spanId)
        }
        c.received.length = 0
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1313
          const [traceId, spanId] = [hex(byteCount), hex(8)]
          const r = await get('/', { b3: `${traceId}-${spanId}`, 'x-b3-sampled': '1', host: 'http-route' })
          t.match(r.seen.b3, new RegExp(`^${traceId}-[0-9a-f]+-1-[0-9a-f]+$`))
          check(await waitSpans(t, c, 3, pad(traceId, 32)), pad(traceId, 32), spanId)
        }
        c.received.length = 0
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1345
          const [traceId, spanId] = [hex(byteCount), hex(8)]
          t.equal((await get('/foobar', { b3: `${traceId}-${spanId}-1` })).status, 404)
          check(await waitSpans(t, c, 2, pad(traceId, 32)), pad(traceId, 32), spanId, undefined, false)
        }
      })

      t.test('w3c traceparent', async (t) => {
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1372
          const [traceId, parentId] = [hex(16), hex(8)]
          const r = await get('/', { traceparent: `00-${traceId}-${parentId}-01`, host: 'http-route' })
          t.equal(r.status, 200)
          t.match(r.seen.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-01$`))
          const spans = await waitSpans(t, c, 3, traceId)
          t.equal(byName(spans, 'GET')!.parentId, parentId)
          t.equal(byName(spans, 'GET (proxy)')!.traceId, traceId)
          t.equal(byName(spans, 'GET (balancer try 1)')!.traceId, traceId)
        }
        c.received.length = 0
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1398
          const [traceId, parentId] = [hex(16), hex(8)]
          t.equal((await get('/foobar', { traceparent: `00-${traceId}-${parentId}-01` })).status, 404)
          const spans = await waitSpans(t, c, 2, traceId)
          t.notOk(byName(spans, 'GET (balancer try 1)'))
          t.equal(byName(spans, 'GET')!.parentId, parentId)
          t.equal(byName(spans, 'GET (proxy)')!.traceId, traceId)
        }
      })

      t.test('jaeger uber-trace-id', async (t) => {
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1422
          const [traceId, spanId, parentId] = [hex(byteCount), hex(8), hex(8)]
          const r = await get('/', { 'uber-trace-id': `${traceId}:${spanId}:${parentId}:1`, host: 'http-route' })
          t.equal(r.status, 200)
          t.match(r.seen['uber-trace-id'], new RegExp(`^${pad(traceId, byteCount * 2)}:[0-9a-f]+:${spanId}:01$`))
          const spans = await waitSpans(t, c, 3, pad(traceId, 32))
          const request = byName(spans, 'GET')!
          t.equal(request.id, spanId)
          t.equal(request.parentId, parentId)
          t.equal(byName(spans, 'GET (proxy)')!.parentId, spanId)
          t.equal(byName(spans, 'GET (balancer try 1)')!.parentId, spanId)
        }
        c.received.length = 0
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1456
          const [traceId, spanId, parentId] = [hex(byteCount), hex(8), hex(8)]
          t.equal((await get('/foobar', { 'uber-trace-id': `${traceId}:${spanId}:${parentId}:1` })).status, 404)
          const spans = await waitSpans(t, c, 2, pad(traceId, 32))
          t.equal(byName(spans, 'GET')!.id, spanId)
          t.equal(byName(spans, 'GET')!.parentId, parentId)
          t.equal(byName(spans, 'GET (proxy)')!.parentId, spanId)
        }
      })

      t.test('ot headers', async (t) => {
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1484
          const [traceId, spanId] = [hex(byteCount), hex(8)]
          const r = await get('/', { 'ot-tracer-traceid': traceId, 'ot-tracer-spanid': spanId, 'ot-tracer-sampled': '1', host: 'http-route' })
          t.equal(r.status, 200)
          t.equal(r.seen['ot-tracer-traceid'], pad(traceId, byteCount * 2))
          const spans = await waitSpans(t, c, 3, pad(traceId, 32))
          t.equal(byName(spans, 'GET (balancer try 1)')!.traceId, pad(traceId, 32))
        }
        c.received.length = 0
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1513
          const [traceId, spanId] = [hex(8), hex(8)]
          t.equal((await get('/foobar', { 'ot-tracer-traceid': traceId, 'ot-tracer-spanid': spanId, 'ot-tracer-sampled': '1' })).status, 404)
          const spans = await waitSpans(t, c, 2, pad(traceId, 32))
          t.equal(byName(spans, 'GET (proxy)')!.traceId, pad(traceId, 32))
        }
      })

      t.test('preserve with no incoming headers sends the default format', async (t) => {
        // spec/03-plugins/34-zipkin/zipkin_spec.lua:1537
        const r = await get('/', { host: 'http-route' })
        t.equal(r.status, 200)
        t.ok(r.seen.b3, 'b3-single, the default')
      })

      t.test('propagation configuration', async (t) => {
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1551
          const traceId = hex(16)
          const r = await get('/', { 'x-b3-sampled': '1', 'x-b3-traceid': traceId, host: 'http-route-ignore' })
          t.ok(r.seen.traceparent, 'the default format is sent')
          t.notMatch(r.seen.traceparent, new RegExp(`^00-${traceId}-`), 'the incoming trace id is ignored')
        }
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1568
          const [traceId, spanId, parentId] = [hex(16), hex(8), hex(8)]
          const r = await get('/', { b3: `${traceId}-${spanId}-1-${parentId}`, host: 'http-route-w3c' })
          t.match(r.seen.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-01$`))
          t.not(r.seen.b3, `${traceId}-${spanId}-1-${parentId}`, 'the incoming b3 is replaced')
          t.match(r.seen.b3, new RegExp(`^${traceId}-[0-9a-f]+-1-[0-9a-f]+$`))
        }
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1589
          const r = await get('/', { 'x-datadog-trace-id': '1234567890', host: 'http-route' })
          t.equal(r.seen['x-datadog-trace-id'], '1234567890')
          t.match(r.seen['x-datadog-parent-id'], /^\d+$/)
        }
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1604
          const r = await get('/', { host: 'http-route-dd' })
          t.match(r.seen['x-datadog-trace-id'], /^\d+$/)
          t.match(r.seen['x-datadog-parent-id'], /^\d+$/)
        }
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1617
          const [traceId, spanId] = [hex(16), hex(8)]
          const r = await get('/', { 'x-instana-t': traceId, 'x-instana-s': spanId, host: 'http-route' })
          t.equal(r.seen['x-instana-t'], traceId)
        }
        {
          // spec/03-plugins/34-zipkin/zipkin_spec.lua:1633
          const r = await get('/', { host: 'http-route-ins' })
          t.ok(r.seen['x-instana-t'])
          t.ok(r.seen['x-instana-s'])
        }
        if (style === 'new') {
          {
            // spec/03-plugins/34-zipkin/zipkin_spec.lua:1646
            const [traceId, parentId] = [hex(16), hex(8)]
            const r = await get('/', {
              traceparent: `00-${traceId}-${parentId}-01`,
              'ot-tracer-traceid': traceId,
              'ot-tracer-spanid': parentId,
              'ot-tracer-sampled': '1',
              host: 'http-clear-route',
            })
            t.match(r.seen.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-01$`))
            t.equal(r.seen['ot-tracer-traceid'], undefined)
            t.equal(r.seen['ot-tracer-spanid'], undefined)
            t.equal(r.seen['ot-tracer-sampled'], undefined)
          }
          {
            // spec/03-plugins/34-zipkin/zipkin_spec.lua:1667
            const [traceId, spanId, parentId] = [hex(16), hex(8), hex(8)]
            const r = await get('/', { b3: `${traceId}-${spanId}-1-${parentId}`, host: 'http-no-preserve-route' })
            t.equal(r.seen.b3, `${traceId}-${spanId}-1-${parentId}`, 'b3 reaches the upstream as it came')
            t.match(r.seen.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-01$`), 'w3c was injected')
          }
        }
      })
    })
  }
}

t.test("phase_duration_flavor 'tags': phase durations as tags, no annotations", async (t) => {
  // spec/03-plugins/34-zipkin/zipkin_spec.lua:1775
  const c = await startCollector(t)
  const g = await start(
    t,
    kongYml(
      [{ host: 'http-route', name: 'main-route', id: ROUTE_ID }],
      [
        {
          sample_ratio: 1,
          http_endpoint: `${c.url}/api/v2/spans`,
          static_tags: [{ name: 'static', value: 'ok' }],
          default_header_type: 'b3-single',
          phase_duration_flavor: 'tags',
        },
      ],
    ),
  )
  const startMs = Date.now()
  t.equal((await g.send('/', { headers: { 'x-b3-sampled': '1', host: 'http-route', 'zipkin-tags': 'foo=bar; baz=qux' } })).status, 200)
  const spans = await waitSpans(t, c, 3)
  const request = byName(spans, 'GET')!
  const proxy = byName(spans, 'GET (proxy)')!
  assertInvariants(t, request, proxy, 32, startMs, 'kong', 'tags')
  t.equal(request.annotations, undefined)
  t.equal(proxy.annotations, undefined)
})

t.test('spans of several requests are sent in batches of queue.max_batch_size', async (t) => {
  // spec/03-plugins/34-zipkin/zipkin_queue_spec.lua:80
  const c = await startCollector(t)
  const g = await start(
    t,
    kongYml(
      [{ host: 'http-route' }],
      [
        {
          sample_ratio: 1,
          http_endpoint: `${c.url}/api/v2/spans`,
          static_tags: [{ name: 'static', value: 'ok' }],
          default_header_type: 'b3-single',
          phase_duration_flavor: 'tags',
          queue: { max_batch_size: 10, max_coalescing_delay: 10 },
        },
      ],
    ),
  )
  for (let i = 0; i < 10; i++)
    t.equal((await g.send('/', { headers: { 'x-b3-sampled': '1', host: 'http-route', 'zipkin-tags': 'foo=bar; baz=qux' } })).status, 200)
  t.ok(await waitFor(() => spansOf(c).length === 30, 15000), '30 spans')
  t.equal(c.received[0] && (JSON.parse(c.received[0].body) as unknown[]).length, 10, 'a full batch per POST')
  t.ok(g.lines.some((l) => l.msg === 'zipkin batch size: 10'))
})

// spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua: without http_endpoint nothing is
// sent, and the context still goes upstream.
for (const byteCount of [8, 16]) {
  t.test(`no http_endpoint: the context is still propagated (traceid_byte_count ${byteCount})`, async (t) => {
    const g = await start(
      t,
      kongYml(
        [{ host: 'http-route' }],
        [{ sample_ratio: 1, traceid_byte_count: byteCount, static_tags: [{ name: 'static', value: 'ok' }], header_type: 'w3c' }],
      ),
    )
    const seen = async (headers: Record<string, string>) => {
      const r = await g.send('/', { headers: { host: 'http-route', ...headers } })
      t.equal(r.status, 200)
      return r.reached!.headers
    }
    {
      // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:76
      const traceId = hex(byteCount)
      const h = await seen({ 'x-b3-sampled': '1', 'x-b3-traceid': traceId })
      t.equal(h['x-b3-traceid'], traceId)
      t.match(h.traceparent, new RegExp(`^00-${pad(traceId, 32)}-[0-9a-f]+-01$`))
    }
    {
      // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:93
      const [traceId, spanId, parentId] = [hex(byteCount), hex(8), hex(8)]
      const h = await seen({ b3: `${traceId}-${spanId}-1-${parentId}` })
      t.match(h.b3, new RegExp(`^${traceId}-[0-9a-f]+-1-[0-9a-f]+$`))
      t.match(h.traceparent, new RegExp(`^00-${pad(traceId, 32)}-[0-9a-f]+-01$`))
    }
    {
      // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:111
      const [traceId, spanId] = [hex(byteCount), hex(8)]
      const h = await seen({ b3: `${traceId}-${spanId}-1` })
      t.match(h.b3, new RegExp(`^${traceId}-[0-9a-f]+-1-[0-9a-f]+$`))
      t.match(h.traceparent, new RegExp(`^00-${pad(traceId, 32)}-[0-9a-f]+-01$`))
    }
    {
      // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:129
      const [traceId, parentId] = [hex(16), hex(8)]
      const h = await seen({ traceparent: `00-${traceId}-${parentId}-01` })
      t.match(h.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]+-01$`))
    }
    {
      // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:145
      const [traceId, spanId, parentId] = [hex(byteCount), hex(8), hex(8)]
      const h = await seen({ 'uber-trace-id': `${traceId}:${spanId}:${parentId}:1` })
      t.match(h['uber-trace-id'], new RegExp(`^${pad(traceId, byteCount * 2)}:[0-9a-f]+:${spanId}:01$`))
    }
    {
      // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:163
      const [traceId, spanId] = [hex(byteCount), hex(8)]
      const h = await seen({ 'ot-tracer-traceid': traceId, 'ot-tracer-spanid': spanId, 'ot-tracer-sampled': '1' })
      t.equal(h['ot-tracer-traceid'], pad(traceId, byteCount * 2))
    }
  })
}

t.test('the route’s or the service’s instance wins over the global one, with its own format', async (t) => {
  const yaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'svc',
        url: '$UPSTREAM',
        plugins: [{ name: 'zipkin', config: { sample_ratio: 0, header_type: 'w3c', default_header_type: 'w3c' } }],
        routes: [
          {
            name: 'with-plugin',
            hosts: ['http-route-with-plugin'],
            plugins: [{ name: 'zipkin', config: { sample_ratio: 0, header_type: 'b3', default_header_type: 'b3' } }],
          },
          { name: 'service-plugin', hosts: ['http-service-with-plugin'] },
        ],
      },
    ],
    plugins: [{ name: 'zipkin', config: { sample_ratio: 1, header_type: 'b3-single', default_header_type: 'b3-single' } }],
  })
  const g = await start(t, yaml)
  {
    // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:238
    const h = (await g.send('/', { headers: { host: 'http-service-with-plugin' } })).reached!.headers
    t.equal(h.b3, undefined)
    t.match(h.traceparent, /^00-[0-9a-f]+-[0-9a-f]+-00$/, 'not sampled: 00')
  }
  {
    // spec/03-plugins/34-zipkin/zipkin_no_endpoint_spec.lua:251
    const h = (await g.send('/', { headers: { host: 'http-route-with-plugin' } })).reached!.headers
    t.equal(h.b3, undefined)
    t.ok(h['x-b3-traceid'])
    t.equal(h['x-b3-sampled'], '0')
  }
})

t.test('request tags header (request_tags.parse)', async (t) => {
  const { parseRequestTags: parse } = await import('../../src/plugins/zipkin/request-tags.js')
  // spec/03-plugins/34-zipkin/request_tags_spec.lua:5
  for (const v of ['foo=bar', 'foo=  bar', 'foo =bar', 'foo  =  bar', '   foo =  bar', 'foo = bar   ', '  foo = bar   '])
    t.strictSame(parse([v]), { tags: { foo: 'bar' } }, v)
  // spec/03-plugins/34-zipkin/request_tags_spec.lua:15
  t.strictSame(parse(['foobar;foo=;=bar;keep=true;=']), { tags: { keep: 'true' }, error: 'Could not parse the following Zipkin tags: foobar, foo=, =bar, =' })
  // spec/03-plugins/34-zipkin/request_tags_spec.lua:21
  t.strictSame(parse(['foo=bar baz']), { tags: { foo: 'bar baz' } })
  t.strictSame(parse(['foo bar=baz']), { tags: {}, error: 'Could not parse the following Zipkin tags: foo bar=baz' })
  // spec/03-plugins/34-zipkin/request_tags_spec.lua:28
  for (const v of ['foo=bar;baz=qux', 'foo  =bar;baz=qux', '  foo=bar  ;baz=qux', '  foo  =  bar  ;baz  =  qux'])
    t.strictSame(parse([v]), { tags: { foo: 'bar', baz: 'qux' } }, v)
  // spec/03-plugins/34-zipkin/request_tags_spec.lua:40
  t.strictSame(parse([';;foo=bar;;;;baz=qux;;']), { tags: { foo: 'bar', baz: 'qux' } })
  // spec/03-plugins/34-zipkin/request_tags_spec.lua:45
  t.strictSame(parse(['foo=bar;baz=qux', 'quux=quuz']), { tags: { foo: 'bar', baz: 'qux', quux: 'quuz' } })
})

t.test('a repeated Zipkin-Tags header adds the tags of each, and bad items are logged', async (t) => {
  // kong/plugins/zipkin/request_tags.lua: a header sent twice gives both sets of tags.
  const c = await startCollector(t)
  const g = await start(t, kongYml([{ host: 'http-route' }], [{ sample_ratio: 1, http_endpoint: `${c.url}/api/v2/spans` }]))
  const { request: send } = await import('undici')
  const res = await send(`${g.gw.url}/`, {
    headers: ['host', 'http-route', 'zipkin-tags', 'foo=bar', 'zipkin-tags', 'baz=qux; broken'],
  })
  await res.body.dump()
  const spans = await waitSpans(t, c, 3)
  t.match(byName(spans, 'GET')!.tags, { foo: 'bar', baz: 'qux' })
  t.ok(g.lines.some((l) => l.msg === 'Could not parse the following Zipkin tags:  broken'))
})

t.test('schema: static tags', async (t) => {
  const { loadConfig } = await import('../../src/config/load.js')
  const problems = async (config: Record<string, unknown>) => {
    const r = await loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'zipkin', config }] }), { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.message}`)
  }
  // spec/03-plugins/34-zipkin/schema_spec.lua:5
  t.match(
    await problems({
      http_endpoint: 'http://example.dev',
      static_tags: [
        { name: 'foo', value: 'bar' },
        { name: 'foo', value: 'baz' },
      ],
    }),
    [/static_tags.* repeated tags are not allowed: foo$/],
  )
  // kong/plugins/zipkin/schema.lua PROTECTED_TAGS: the plugin's own tag names are refused.
  t.match(await problems({ static_tags: [{ name: 'http.method', value: 'x' }] }), [/static_tags.*name must not be one of: error, http.method/])
  t.strictSame(await problems({}), [], 'no http_endpoint is valid')
  t.match(await problems({ traceid_byte_count: 12 }), [/traceid_byte_count expected one of: 8, 16/])
  t.match(await problems({ sample_ratio: 2 }), [/sample_ratio value should be between 0 and 1/])
})

// spec/03-plugins/02-legacy_propagation_parameter_warning_spec.lua: the legacy parameters
// warn when set to other than their old default.
t.test('legacy propagation parameters warn unless at their old default', async (t) => {
  const cases: [string, string, boolean][] = [
    ['none', '', false], // :81
    ['header_type', 'preserve', false], // :100
    ['header_type', 'jaeger', true], // :106
    ['header_type', 'w3c', true],
    ['header_type', 'ignore', true],
    ['default_header_type', 'b3', false],
    ['default_header_type', 'ot', true],
    ['default_header_type', 'aws', true],
    ['default_header_type', 'datadog', true],
  ]
  for (const [param, value, warns] of cases) {
    const config: Record<string, unknown> = { http_endpoint: 'http://127.0.0.1:9/' }
    if (param !== 'none') config[param] = value
    const g = await start(t, kongYml([{ host: 'x' }], [config]))
    const expected = param === 'none' ? 'is deprecated, please use config.propagation' : `config.${param} is deprecated, please use config.propagation`
    t.equal(
      g.lines.some((l) => l.msg.includes(expected)),
      warns,
      `${param}=${value}: ${warns ? 'warns' : 'no warning'}`,
    )
    await g.gw.close()
  }
})

t.test('the log record carries the trace id of each injected format', async (t) => {
  // kong/observability/tracing/propagation/init.lua propagate: kong.log.set_serialize_value("trace_id", ...)
  const c = await startCollector(t)
  const yaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'svc',
        url: '$UPSTREAM',
        routes: [
          {
            name: 'r',
            hosts: ['http-route'],
            plugins: [
              { name: 'zipkin', config: { sample_ratio: 1, propagation: { extract: ['w3c'], inject: ['w3c', 'datadog'], default_format: 'w3c' } } },
              { name: 'http-log', config: { http_endpoint: `${c.url}/log` } },
            ],
          },
        ],
      },
    ],
  })
  const g = await start(t, yaml)
  const traceId = '0af7651916cd43dd8448eb211c80319c'
  t.equal((await g.send('/', { headers: { host: 'http-route', traceparent: `00-${traceId}-b7ad6b7169203331-01` } })).status, 200)
  t.ok(await waitFor(() => c.received.length === 1))
  t.strictSame(JSON.parse(c.received[0]!.body).trace_id, { w3c: traceId, datadog: '9532127138774266268' })
})

t.test('one balancer span per try: the failed ones carry the error, the state and the status', async (t) => {
  // kong/plugins/zipkin/handler.lua log: a span per balancer_data.tries entry.
  const c = await startCollector(t)
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const deadPort = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const yaml = stringify({
    _format_version: '3.0',
    services: [{ name: 'dead', url: `http://127.0.0.1:${deadPort}`, retries: 2, routes: [{ name: 'r', hosts: ['dead'] }] }],
    plugins: [{ name: 'zipkin', config: { sample_ratio: 1, http_endpoint: `${c.url}/api/v2/spans` } }],
  })
  const g = await start(t, yaml)
  t.equal((await g.send('/', { headers: { host: 'dead' } })).status, 502)
  const spans = await waitSpans(t, c, 5)
  const request = byName(spans, 'GET')!
  t.equal(request.tags?.['http.status_code'], '502')
  for (const n of [1, 2, 3]) {
    const s = byName(spans, `GET (balancer try ${n})`)!
    t.equal(s.parentId, request.id)
    t.strictSame(s.remoteEndpoint, { serviceName: 'dead', port: deadPort, ipv4: '127.0.0.1' })
    t.equal(s.tags?.['kong.balancer.try'], String(n))
    if (n < 3) t.match(s.tags, { error: 'true', 'kong.balancer.state': 'failed', 'http.status_code': '502' })
    else t.equal(s.tags?.error, undefined, 'the last try has no error tags')
  }
})

t.test('a collector answering an error is logged with its status', async (t) => {
  // kong/plugins/zipkin/reporter.lua: "zipkin server responded unexpectedly: <status> <reason>"
  const c = await startCollector(t, () => 500)
  const g = await start(t, kongYml([{ host: 'http-route' }], [{ sample_ratio: 1, http_endpoint: `${c.url}/api/v2/spans`, queue: { max_retry_time: 0 } }]))
  t.equal((await g.send('/', { headers: { host: 'http-route' } })).status, 200)
  t.ok(await waitFor(() => g.lines.some((l) => l.msg.includes('zipkin server responded unexpectedly: 500 Internal Server Error'))))
})

for (const flavor of ['annotations', 'tags'] as const) {
  t.test(`stream sessions: a stream span, its proxy and balancer spans (${flavor})`, async (t) => {
    // spec/03-plugins/34-zipkin/zipkin_spec.lua:1069 (annotations), :1819 (tags)
    const up = await tcpEcho(t)
    const c = await startCollector(t)
    const yaml = stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'tcp-service',
          id: SERVICE_ID,
          url: `tcp://127.0.0.1:${up.port}`,
          routes: [{ name: 'tcp-route', id: ROUTE_ID, protocols: ['tcp'], destinations: [{ ip: '127.0.0.1' }] }],
        },
      ],
      plugins: [
        {
          name: 'zipkin',
          protocols: ['http', 'https', 'tcp', 'tls', 'grpc', 'grpcs'],
          config: { sample_ratio: 1, http_endpoint: `${c.url}/api/v2/spans`, static_tags: [{ name: 'static', value: 'ok' }], phase_duration_flavor: flavor },
        },
      ],
    })
    const gw = await streamGateway(t, yaml, ['127.0.0.1:0'])
    const startMs = Date.now()
    t.equal((await tcpExchange(gw.stream[0]!, MESSAGE)).data, MESSAGE)
    const spans = await waitSpans(t, c, 3)
    const request = byName(spans, 'stream')!
    const proxy = byName(spans, 'stream (proxy)')!
    const balancer = byName(spans, 'stream (balancer try 1)')!
    t.ok(request && proxy && balancer)
    t.equal(request.kind, 'SERVER')
    t.equal(proxy.kind, 'CLIENT')
    t.equal(proxy.parentId, request.id)
    t.equal(proxy.traceId, request.traceId)
    t.ok(request.timestamp >= (startMs - 1000) * 1000 && Number.isInteger(request.timestamp))
    if (request.duration !== undefined && proxy.duration !== undefined) t.ok(request.duration >= proxy.duration)
    t.equal(request.annotations, undefined)
    t.strictSame(request.localEndpoint, { serviceName: 'kong' })
    const tags = { ...request.tags }
    t.match(tags['kong.node.id'], /^[0-9a-f-]+$/)
    delete tags['kong.node.id']
    t.strictSame(tags, { lc: 'kong', static: 'ok' })
    t.strictSame(request.remoteEndpoint, { ipv4: '127.0.0.1', port: request.remoteEndpoint?.port })
    t.ok(Number.isInteger(request.remoteEndpoint?.port))
    if (flavor === 'annotations') {
      t.equal(proxy.annotations?.length, 2)
      const p = Object.fromEntries(proxy.annotations!.map((a) => [a.value, a.timestamp]))
      t.ok(p.kps! <= p.kpf!, 'kps <= kpf')
      t.strictSame(proxy.tags, {
        'kong.route': ROUTE_ID,
        'kong.route_name': 'tcp-route',
        'kong.service': SERVICE_ID,
        'kong.service_name': 'tcp-service',
        'peer.hostname': '127.0.0.1',
      })
    } else {
      t.equal(proxy.annotations, undefined)
      t.ok(Number(proxy.tags?.['kong.preread.duration_ms']) >= 0)
    }
    t.strictSame(proxy.remoteEndpoint, { ipv4: '127.0.0.1', port: up.port, serviceName: 'tcp-service' })
    t.equal(balancer.parentId, request.id)
    t.strictSame(balancer.remoteEndpoint, { ipv4: '127.0.0.1', port: up.port, serviceName: 'tcp-service' })
    t.strictSame(balancer.tags, {
      'kong.balancer.try': '1',
      'kong.route': ROUTE_ID,
      'kong.route_name': 'tcp-route',
      'kong.service': SERVICE_ID,
      'kong.service_name': 'tcp-service',
    })
  })
}

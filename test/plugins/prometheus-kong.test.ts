// Kong's prometheus specs (spec/03-plugins/26-prometheus/*) through a real gateway, a real echo
// upstream and the admin listener's GET /metrics: the series Kong's tests look for, written as
// Kong's library writes them (HELP/TYPE only for metrics with samples, a bucket's `le` last),
// routes without a service, each switch alone, and the plugin's metrics leaving with the plugin.
// Stream (TCP) sessions are in test/stream/plugins-kong.test.ts.
// Not here: gRPC routes, the Status API listener and a custom nginx server
// (no equivalents), upstream target health, nginx connection/timer/shared-dict/Lua VM metrics
// and AI metrics (not exported; see the README's prometheus section).
import { readFileSync, writeFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { fetchRaw } from '../helpers/gateway.js'
import { pluginGateway, pluginLines, type PluginGateway, type PluginLine } from '../helpers/plugin-gateway.js'
import type { Handler } from '../helpers/upstream.js'

// The spec's mock upstream: /status/NNN answers NNN.
const statusUpstream: Handler = (req, res) => {
  const m = /^\/status\/(\d{3})/.exec(req.url ?? '')
  res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' })
  res.end('ok')
}

/** Kong's fixture: service mock-service, route http-route on GET `/`, route `serverless` (Host status.example.com) without a service, prometheus global. */
const KONG_YML = (config: string) => `_format_version: "3.0"
services:
  - name: mock-service
    url: $UPSTREAM
    routes:
      - name: http-route
        paths: [/]
        methods: [GET]
routes:
  - name: serverless
    hosts: [status.example.com]
    paths: [/serverless]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: request terminated by request-termination plugin, echo: true }
plugins:
  - name: prometheus
    config: ${config}
`
const ALL = '{ status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true }'

async function start(t: Test, yaml: string): Promise<PluginGateway & { lines: PluginLine[]; scrape(): Promise<string> }> {
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(t, yaml, statusUpstream, { adminListen: '127.0.0.1:0', pluginLog })
  const scrape = async () => {
    const r = await fetchRaw(`${g.gw.adminUrl}/metrics`)
    if (r.status !== 200) throw new Error(`GET /metrics answered ${r.status}`)
    return r.body
  }
  return Object.assign(g, { lines, scrape })
}

/** Scrapes until `line` is there (the log phase runs after the client has its answer): Kong's helpers.wait_until. */
async function scrapeUntil(scrape: () => Promise<string>, line: string): Promise<string> {
  let text = ''
  for (let i = 0; i < 200; i++) {
    text = await scrape()
    if (text.includes(line)) return text
    await new Promise((r) => setTimeout(r, 10))
  }
  return text
}

t.test('a route without a service is counted with service=""', async (t) => {
  // spec/03-plugins/26-prometheus/05-metrics_spec.lua:182
  const g = await start(t, KONG_YML(ALL))
  const r = await g.send('/serverless', { headers: { host: 'status.example.com' } })
  t.equal(r.status, 200)
  const line = 'kong_http_requests_total{service="",route="serverless",code="200",source="kong",workspace="default",consumer=""} 1'
  const text = await scrapeUntil(g.scrape, line)
  t.ok(text.includes(line), line)
  t.ok(text.includes('kong_nginx_metric_errors_total 0'))
  t.match(text, /^kong_request_latency_ms_count\{service="",route="serverless",workspace="default"\} 1$/m)
  t.notOk(/^kong_upstream_latency_ms_count\{service=""/m.test(text), 'nothing came from an upstream')
})

t.test('kong_nginx_metric_errors_total 0 is in every scrape, with its HELP and TYPE', async (t) => {
  // spec/03-plugins/26-prometheus/02-access_spec.lua:239 (and every scrape of 02-access and 05-metrics)
  const g = await start(t, KONG_YML(ALL))
  const text = await g.scrape()
  t.match(
    text,
    /^# HELP kong_nginx_metric_errors_total Number of nginx-lua-prometheus errors\n# TYPE kong_nginx_metric_errors_total counter\nkong_nginx_metric_errors_total 0$/m,
  )
  t.same(g.lines, [], 'nothing logged during a scrape')
})

t.test('proxied requests by code and source; a request that matches no route is not counted and logs nothing', async (t) => {
  // spec/03-plugins/26-prometheus/02-access_spec.lua:108
  const g = await start(t, KONG_YML(ALL))
  t.equal((await g.send('/status/200')).status, 200)
  const ok = 'kong_http_requests_total{service="mock-service",route="http-route",code="200",source="service",workspace="default",consumer=""} 1'
  t.ok((await scrapeUntil(g.scrape, ok)).includes(ok), ok)
  t.equal((await g.send('/status/400')).status, 400)
  const bad = 'kong_http_requests_total{service="mock-service",route="http-route",code="400",source="service",workspace="default",consumer=""} 1'
  t.ok((await scrapeUntil(g.scrape, bad)).includes(bad), bad)
  // spec/03-plugins/26-prometheus/02-access_spec.lua:225
  t.equal((await g.send('/no-route-match-in-kong', { method: 'POST' })).status, 404)
  const text = await g.scrape()
  t.notOk(text.includes('code="404"'))
  t.same(g.lines, [], 'no error logged')
  // spec/03-plugins/26-prometheus/02-access_spec.lua:309
  t.notOk(text.includes('http_consumer_status'))
})

t.test('histogram buckets and bandwidth as Kong writes them: le last', async (t) => {
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:220-227
  const g = await start(t, KONG_YML(ALL))
  t.equal((await g.send('/status/400')).status, 400)
  const text = await scrapeUntil(g.scrape, 'kong_bandwidth_bytes{service="mock-service",route="http-route",direction="egress"')
  t.match(text, /^kong_kong_latency_ms_bucket\{service="mock-service",route="http-route",workspace="default",le="\+Inf"\} 1$/m)
  t.match(text, /^kong_upstream_latency_ms_bucket\{service="mock-service",route="http-route",workspace="default",le="\+Inf"\} 1$/m)
  t.match(text, /^kong_request_latency_ms_bucket\{service="mock-service",route="http-route",workspace="default",le="\+Inf"\} 1$/m)
  t.match(text, /^kong_request_latency_ms_bucket\{service="mock-service",route="http-route",workspace="default",le="25"\} \d+$/m)
  t.match(text, /^kong_bandwidth_bytes\{service="mock-service",route="http-route",direction="ingress",workspace="default",consumer=""\} \d+$/m)
  t.match(text, /^kong_bandwidth_bytes\{service="mock-service",route="http-route",direction="egress",workspace="default",consumer=""\} \d+$/m)
  // le after the other labels on Kong's series. The gateway's own series on the same scrape
  // (process metrics such as nodejs_gc_duration_seconds{le,kind}, once a collection ran) are
  // prom-client's and not Kong's to order.
  t.notOk(/^kong_\w*_bucket\{le="[^"]*",/m.test(text), 'no Kong bucket line has le before its other labels')
})

// spec/03-plugins/26-prometheus/02-access_spec.lua:517-617 (and 04-status_api_spec.lua:431-536):
// with one switch on, the other switches' metrics are absent, HELP and TYPE lines included.
const SWITCHES: Record<string, string> = {
  status_code_metrics: 'http_requests_total',
  latency_metrics: 'kong_latency_ms',
  bandwidth_metrics: 'bandwidth_bytes',
}
for (const [name, pattern] of Object.entries(SWITCHES)) {
  t.test(`only ${name}: ${pattern} is found, the others are not`, async (t) => {
    const g = await start(t, KONG_YML(`{ ${name}: true }`))
    t.equal((await g.send('/status/200', { headers: { apikey: 'alice-key' } })).status, 200)
    // spec/03-plugins/26-prometheus/02-access_spec.lua:586
    const text = await scrapeUntil(g.scrape, pattern)
    t.ok(text.includes(pattern), `${pattern} found`)
    t.ok(text.includes('kong_nginx_metric_errors_total 0'))
    // spec/03-plugins/26-prometheus/02-access_spec.lua:611
    for (const [other, otherPattern] of Object.entries(SWITCHES)) {
      if (other !== name) t.notOk(text.includes(otherPattern), `${otherPattern} not found`)
    }
  })
}

for (const how of ['disabling', 'removing']) {
  t.test(`${how} the plugin: the per-request metrics leave the scrape, the node's stay`, async (t) => {
    // spec/03-plugins/26-prometheus/07-optional_fields_spec.lua:122
    const g = await start(t, KONG_YML(ALL))
    t.equal((await g.send('/status/200')).status, 200)
    const HIGH_COST = ['kong_http_requests_total', 'kong_kong_latency_ms', 'kong_upstream_latency_ms', 'kong_request_latency_ms', 'kong_bandwidth_bytes']
    let text = await scrapeUntil(g.scrape, 'kong_bandwidth_bytes{')
    for (const m of HIGH_COST) t.ok(text.includes(m), `${m} before`)
    const yaml = readFileSync(g.gw.file, 'utf8')
    writeFileSync(
      g.gw.file,
      how === 'disabling'
        ? yaml.replace('  - name: prometheus\n', '  - name: prometheus\n    enabled: false\n')
        : yaml.replace(/plugins:\n {2}- name: prometheus\n.*\n$/, ''),
    )
    t.equal((await g.gw.reload()).result, 'applied')
    text = await g.scrape()
    for (const m of HIGH_COST) t.notOk(text.includes(m), `${m} after`)
    t.match(text, /^kong_node_info\{node_id="[0-9a-f-]{36}",version="[^"]+"\} 1$/m)
    t.match(text, /^kong_datastore_reachable 1$/m)
  })
}

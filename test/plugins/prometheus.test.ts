// prometheus through a real gateway with the admin listener on: Kong's metric
// names, labels and buckets on GET /metrics, each switch, and counts that
// survive a reload.
import { readFileSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { VERSION } from '../../src/version.js'
import { fetchRaw } from '../helpers/gateway.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (config: string) => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/app]
      - name: locked
        paths: [/locked]
        plugins: [{ name: key-auth }]
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
plugins:
  - name: prometheus
    config: ${config}
`
const ALL = '{ per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true }'

async function scrape(adminUrl: string | undefined): Promise<string> {
  const r = await fetchRaw(`${adminUrl}/metrics`)
  return r.body
}

/** The value of one series, or undefined when it is absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

// spec/03-plugins/26-prometheus/02-access_spec.lua:447, :491 (per_consumer: alice's 200, the 401 without a consumer)
// spec/03-plugins/26-prometheus/02-access_spec.lua:269 (kong_datastore_reachable 1)
t.test('all metrics on: requests by code and source, latency histograms, bandwidth, node info', async (t) => {
  const { send, gw } = await pluginGateway(t, CONFIG(ALL), undefined, { adminListen: '127.0.0.1:0' })
  t.equal((await send('/app/x')).status, 200)
  t.equal((await send('/app/y')).status, 200)
  t.equal((await send('/locked', { headers: { apikey: 'alice-key' } })).status, 200)
  t.equal((await send('/locked')).status, 401)
  t.equal((await send('/nowhere')).status, 404)
  await new Promise((r) => setTimeout(r, 50))
  const text = await scrape(gw.adminUrl)
  t.ok(text.indexOf('gateway_config_info') < text.indexOf('kong_http_requests_total'), "after the gateway's own metrics")
  t.equal(value(text, 'kong_http_requests_total{service="app",route="app",code="200",source="service",workspace="default",consumer=""}'), 2)
  t.equal(value(text, 'kong_http_requests_total{service="app",route="locked",code="200",source="service",workspace="default",consumer="alice"}'), 1)
  t.equal(value(text, 'kong_http_requests_total{service="app",route="locked",code="401",source="kong",workspace="default",consumer=""}'), 1)
  t.notOk(text.includes('code="404"'), 'requests without a route are not recorded')
  t.match(text, '# TYPE kong_kong_latency_ms histogram')
  t.equal(value(text, 'kong_kong_latency_ms_bucket{service="app",route="app",workspace="default",le="6000"}'), 2)
  t.equal(value(text, 'kong_kong_latency_ms_count{service="app",route="locked",workspace="default"}'), 2)
  const kongBuckets = [...text.matchAll(/kong_kong_latency_ms_bucket\{service="app",route="app",workspace="default",le="([^"]+)"/g)].map((m) => m[1])
  t.same(kongBuckets, ['1', '2', '5', '7', '10', '15', '20', '30', '50', '75', '100', '200', '500', '750', '1000', '3000', '6000', '+Inf'])
  const upstreamBuckets = [...text.matchAll(/kong_upstream_latency_ms_bucket\{service="app",route="app",workspace="default",le="([^"]+)"/g)].map((m) => m[1])
  t.same(upstreamBuckets, ['25', '50', '80', '100', '250', '400', '700', '1000', '2000', '5000', '10000', '30000', '60000', '+Inf'])
  t.equal(value(text, 'kong_upstream_latency_ms_count{service="app",route="locked",workspace="default"}'), 1, 'the 401 never reached the upstream')
  t.equal(value(text, 'kong_request_latency_ms_count{service="app",route="locked",workspace="default"}'), 2)
  t.ok(value(text, 'kong_bandwidth_bytes{service="app",route="app",direction="ingress",workspace="default",consumer=""}')! > 50)
  t.ok(value(text, 'kong_bandwidth_bytes{service="app",route="app",direction="egress",workspace="default",consumer=""}')! > 100)
  t.ok(value(text, 'kong_bandwidth_bytes{service="app",route="locked",direction="egress",workspace="default",consumer="alice"}')! > 0)
  t.equal(value(text, `kong_node_info{node_id="${gw.node.id}",version="${VERSION}"}`), 1)
  t.equal(value(text, 'kong_datastore_reachable'), 1)
})

t.test('defaults: only the always-on metrics; per_consumer off leaves consumer empty', async (t) => {
  const { send, gw } = await pluginGateway(t, CONFIG('{}'), undefined, { adminListen: '127.0.0.1:0' })
  await send('/app/x')
  await new Promise((r) => setTimeout(r, 50))
  let text = await scrape(gw.adminUrl)
  t.notOk(/^kong_http_requests_total\{/m.test(text))
  t.notOk(/^kong_kong_latency_ms_bucket\{/m.test(text))
  t.notOk(/^kong_bandwidth_bytes\{/m.test(text))
  t.equal(value(text, `kong_node_info{node_id="${gw.node.id}",version="${VERSION}"}`), 1)

  writeFileSync(gw.file, readFileSync(gw.file, 'utf8').replace('config: {}', 'config: { status_code_metrics: true }'))
  t.equal((await gw.reload()).result, 'applied')
  await send('/locked', { headers: { apikey: 'alice-key' } })
  await new Promise((r) => setTimeout(r, 50))
  text = await scrape(gw.adminUrl)
  t.equal(value(text, 'kong_http_requests_total{service="app",route="locked",code="200",source="service",workspace="default",consumer=""}'), 1)
  t.notOk(/^kong_kong_latency_ms_bucket\{/m.test(text), 'latency_metrics still off')
})

t.test('counts go on across reloads (metrics are created once per gateway)', async (t) => {
  const { send, gw } = await pluginGateway(t, CONFIG(ALL), undefined, { adminListen: '127.0.0.1:0' })
  await send('/app/x')
  writeFileSync(gw.file, `${readFileSync(gw.file, 'utf8')}\n# touched\n`)
  t.equal((await gw.reload()).result, 'applied')
  await send('/app/x')
  await new Promise((r) => setTimeout(r, 50))
  const text = await scrape(gw.adminUrl)
  t.equal(value(text, 'kong_http_requests_total{service="app",route="app",code="200",source="service",workspace="default",consumer=""}'), 2)
  t.equal(text.split('\n').filter((l) => l === '# TYPE kong_http_requests_total counter').length, 1)
})

t.test('schema: defaults and types', async (t) => {
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n  - name: prometheus\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, {
      per_consumer: false,
      status_code_metrics: false,
      latency_metrics: false,
      bandwidth_metrics: false,
      upstream_health_metrics: false,
      ai_metrics: false,
      wasm_metrics: false,
    })
  }
  const bad = loadConfig('_format_version: "3.0"\nplugins:\n  - name: prometheus\n    config: { per_consumer: 1, other: true }\n', { file: 'k.yml' })
  t.notOk(bad.ok)
  if (!bad.ok) {
    const text = bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')
    t.match(text, /4:29 plugins\[0\]\.config\.per_consumer expected a boolean/)
    t.match(text, /config\.other/)
  }
})

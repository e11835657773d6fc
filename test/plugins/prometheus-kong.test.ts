// Kong's prometheus specs (spec/03-plugins/26-prometheus/*) through a real gateway, a real echo
// upstream and the admin listener's GET /metrics: the series Kong's tests look for, written as
// Kong's library writes them (HELP/TYPE only for metrics with samples, a bucket's `le` last),
// routes without a service, each switch alone, and the plugin's metrics leaving with the plugin.
// Stream (TCP) sessions are in test/stream/plugins-kong.test.ts.
// Not here: gRPC routes, the Status API listener and a custom nginx server (no equivalents), the stream
// subsystem's copies of the node gauges, the `prometheus_metrics` shared dict (prom-client's
// registry is not a bounded store) and AI metrics (see the README's prometheus section).
// Kong's Grafana dashboard over these series: prometheus-grafana.test.ts.
import { readFileSync, writeFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { deadPort } from '../helpers/stream.js'
import { startUpstream } from '../helpers/upstream.js'
import { pluginGateway, pluginLines, type PluginGateway, type PluginLine } from '../helpers/plugin-gateway.js'
import type { Handler } from '../helpers/upstream.js'

// The spec's mock upstream: /status/NNN answers NNN.
const statusUpstream: Handler = (req, res) => {
  const m = /^\/status\/(\d{3})/.exec(req.url ?? '')
  res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' })
  res.end('ok')
}

/** Kong's fixture: upstream mock-upstream-healthchecksoff (no service uses it), service mock-service, route http-route on GET `/`, route `serverless` (Host status.example.com) without a service, prometheus global. */
const KONG_YML = (config: string) => `_format_version: "3.0"
upstreams:
  - name: mock-upstream-healthchecksoff
    targets: [{ target: "127.0.0.1:15555", weight: 1000 }]
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
  upstream_health_metrics: 'upstream_target_health',
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
    // spec/03-plugins/26-prometheus/07-optional_fields_spec.lua:13 (assert_normal_metrics, before and after)
    t.ok(text.includes('kong_memory_lua_shared_dict_bytes'))
    for (const state of ['accepted', 'active', 'handled', 'reading', 'total', 'waiting', 'writing'])
      t.match(text, new RegExp(`^kong_nginx_connections_total\\{node_id="[0-9a-f-]{36}",subsystem="http",state="${state}"\\} \\d+$`, 'm'), state)
  })
}

/** Kong's connection states (spec/03-plugins/26-prometheus/07-optional_fields_spec.lua:16). */
const CONNECTION_STATES = ['accepted', 'active', 'handled', 'reading', 'total', 'waiting', 'writing']
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const series = (text: string, line: string) => new RegExp(`^${line}$`, 'm').test(text)

t.test("nginx connection and request counts are the proxy listeners' real ones", async (t) => {
  // spec/03-plugins/26-prometheus/05-metrics_spec.lua:133
  const g = await start(t, KONG_YML(ALL))
  for (let i = 0; i < 3; i++) t.equal((await g.send('/status/200')).status, 200)
  const text = await g.scrape()
  for (const state of CONNECTION_STATES) t.ok(series(text, `kong_nginx_connections_total\\{node_id="${UUID}",subsystem="http",state="${state}"\\} \\d+`), state)
  const value = (state: string) => Number(new RegExp(`^kong_nginx_connections_total\\{[^}]*state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1])
  // Three requests so far, none in flight; the listener took at least one connection.
  t.equal(value('total'), 3)
  t.equal(value('writing'), 0)
  t.ok(value('accepted') >= 1 && value('handled') === value('accepted'))
  t.equal(value('active'), value('reading') + value('writing') + value('waiting'), 'active = reading + writing + waiting')
  t.match(text, new RegExp(`^kong_nginx_requests_total\\{node_id="${UUID}",subsystem="http"\\} 3$`, 'm'))
  t.match(text, /^# HELP kong_nginx_connections_total Number of connections by subsystem\n# TYPE kong_nginx_connections_total gauge$/m)
  t.match(text, /^# HELP kong_nginx_requests_total Number of requests total\n# TYPE kong_nginx_requests_total gauge$/m)
})

t.test('nginx timers, the worker heap as its Lua VM, and shared dicts with their capacity', async (t) => {
  const g = await start(t, KONG_YML(ALL))
  const text = await g.scrape()
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:303
  t.match(text, /^kong_nginx_timers\{state="running"\} \d+$/m)
  t.match(text, /^kong_nginx_timers\{state="pending"\} \d+$/m)
  // spec/03-plugins/26-prometheus/02-access_spec.lua:280 (and 04-status_api_spec.lua:410)
  t.match(text, new RegExp(`^kong_memory_workers_lua_vms_bytes\\{node_id="${g.gw.node.id}",pid="${process.pid}",kong_subsystem="http"\\} [1-9]\\d*$`, 'm'))
  // spec/03-plugins/26-prometheus/02-access_spec.lua:292: Kong's shared dict there is
  // prometheus_metrics; the node-wide store here is the rate-limiting counters' dict.
  t.match(
    text,
    new RegExp(
      `^kong_memory_lua_shared_dict_total_bytes\\{node_id="${UUID}",shared_dict="kong_rate_limiting_counters",kong_subsystem="http"\\} [1-9]\\d*$`,
      'm',
    ),
  )
  t.match(
    text,
    new RegExp(`^kong_memory_lua_shared_dict_bytes\\{node_id="${UUID}",shared_dict="kong_rate_limiting_counters",kong_subsystem="http"\\} \\d+$`, 'm'),
  )
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:416
  t.match(text, new RegExp(`^kong_node_info\\{node_id="${UUID}",version="\\S+"\\} 1$`, 'm'))
})

t.test('shared dicts count what the stores hold: rate-limiting counters and a proxy-cache store', async (t) => {
  const yaml = `_format_version: "3.0"
services:
  - name: mock-service
    url: $UPSTREAM
    routes:
      - name: http-route
        paths: [/]
        plugins:
          - name: rate-limiting
            config: { minute: 100, policy: local }
          - name: proxy-cache
            config: { strategy: memory, memory: { dictionary_name: my_cache } }
plugins:
  - name: prometheus
`
  const g = await start(t, yaml)
  const bytes = (text: string, dict: string, total = '') =>
    Number(
      new RegExp(`^kong_memory_lua_shared_dict${total}_bytes\\{node_id="[^"]+",shared_dict="${dict}",kong_subsystem="http"\\} (\\d+)$`, 'm').exec(text)?.[1],
    )
  const before = await g.scrape()
  t.equal(bytes(before, 'kong_rate_limiting_counters'), 0, 'no counter yet')
  t.equal((await g.send('/status/200')).status, 200)
  const after = await g.scrape()
  t.ok(bytes(after, 'kong_rate_limiting_counters') > 0, 'a counter is held')
  t.ok(bytes(after, 'my_cache') > 0, 'a cached response is held')
  // proxy-cache's store is bounded at 64 MiB unless told otherwise.
  t.equal(bytes(after, 'my_cache', '_total'), 64 * 1024 * 1024)
})

/** Kong's health-check fixture (04-status_api_spec.lua:33-100): checks off, and active checks with a dead second target. */
async function healthGateway(t: Test, config = '{ upstream_health_metrics: true }') {
  const up = await startUpstream('upstream', statusUpstream)
  const dead = await deadPort()
  const live = new URL(up.url).host
  const yaml = `_format_version: "3.0"
upstreams:
  - name: mock-upstream-healthchecksoff
    targets: [{ target: "${live}", weight: 1000 }]
  - name: mock-upstream
    healthchecks:
      active:
        http_path: /status/200
        healthy: { interval: 0.1, successes: 2, http_statuses: [200, 302] }
        unhealthy: { interval: 0.1, http_failures: 1, tcp_failures: 1, timeouts: 1 }
    targets:
      - { target: "${live}", weight: 1000 }
      - { target: "127.0.0.1:${dead}", weight: 1 }
      - { target: "some-random-dns:80", weight: 1 }
plugins:
  - name: prometheus
    config: ${config}
`
  const gw = await gateway(yaml, { adminListen: '127.0.0.1:0' })
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const scrape = async () => (await fetchRaw(`${gw.adminUrl}/metrics`)).body
  return { gw, live, dead: `127.0.0.1:${dead}`, scrape }
}

const health = (upstream: string, target: string, state: string, value: number) =>
  `kong_upstream_target_health{upstream="${upstream}",target="${target}",address="${target}",state="${state}",subsystem="http"} ${value}`

t.test('upstream target health: healthchecks_off, healthy and unhealthy, one line per state', async (t) => {
  const g = await healthGateway(t)
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:309
  let text = await scrapeUntil(g.scrape, health('mock-upstream-healthchecksoff', g.live, 'healthchecks_off', 1))
  for (const [state, v] of [
    ['healthchecks_off', 1],
    ['healthy', 0],
    ['unhealthy', 0],
    ['dns_error', 0],
  ] as const)
    t.ok(text.includes(health('mock-upstream-healthchecksoff', g.live, state, v)), `checks off: ${state} ${v}`)
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:331 (the dead target fails its first probe)
  text = await scrapeUntil(g.scrape, health('mock-upstream', g.dead, 'unhealthy', 1))
  for (const [state, v] of [
    ['unhealthy', 1],
    ['healthy', 0],
    ['healthchecks_off', 0],
    ['dns_error', 0],
  ] as const)
    t.ok(text.includes(health('mock-upstream', g.dead, state, v)), `dead target: ${state} ${v}`)
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:320
  for (const [state, v] of [
    ['healthy', 1],
    ['healthchecks_off', 0],
    ['unhealthy', 0],
    ['dns_error', 0],
  ] as const)
    t.ok(text.includes(health('mock-upstream', g.live, state, v)), `live target: ${state} ${v}`)
  t.match(
    text,
    /^# HELP kong_upstream_target_health Health status of targets of upstream\. States = healthchecks_off\|healthy\|unhealthy\|dns_error, value is 1 when state is populated\.\n# TYPE kong_upstream_target_health gauge$/m,
  )
})

t.test('upstream target health: a target whose name does not resolve is dns_error, without an address', async (t) => {
  const g = await healthGateway(t)
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:342
  const line = (state: string, v: number) =>
    `kong_upstream_target_health{upstream="mock-upstream",target="some-random-dns:80",address="",state="${state}",subsystem="http"} ${v}`
  const text = await scrapeUntil(g.scrape, line('dns_error', 1))
  for (const [state, v] of [
    ['dns_error', 1],
    ['healthy', 0],
    ['unhealthy', 0],
    ['healthchecks_off', 0],
  ] as const)
    t.ok(text.includes(line(state, v)), `${state} ${v}`)
})

t.test('upstream target health: a removed upstream and a removed target leave the scrape', async (t) => {
  const g = await healthGateway(t)
  t.ok((await scrapeUntil(g.scrape, health('mock-upstream', g.dead, 'unhealthy', 1))).includes('upstream="mock-upstream-healthchecksoff"'))
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:380
  const yaml = readFileSync(g.gw.file, 'utf8')
  const noHcOff = yaml.replace(/ {2}- name: mock-upstream-healthchecksoff\n.*\n/, '')
  writeFileSync(g.gw.file, noHcOff)
  t.equal((await g.gw.reload()).result, 'applied')
  let text = await g.scrape()
  t.notOk(text.includes('upstream="mock-upstream-healthchecksoff"'), 'the removed upstream is gone')
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:395
  writeFileSync(g.gw.file, noHcOff.replace(`      - { target: "${g.dead}", weight: 1 }\n`, ''))
  t.equal((await g.gw.reload()).result, 'applied')
  text = await g.scrape()
  t.notOk(text.includes(`target="${g.dead}"`), 'the removed target is gone')
  t.ok(text.includes(`upstream="mock-upstream",target="${g.live}"`), 'the other target stays')
})

t.test('upstream target health is not exported unless an enabled instance asks for it', async (t) => {
  // spec/03-plugins/26-prometheus/04-status_api_spec.lua:530 (the switch off: no upstream_target_health)
  const g = await healthGateway(t, '{ status_code_metrics: true }')
  const text = await g.scrape()
  t.notOk(text.includes('upstream_target_health'))
  t.ok(text.includes('kong_nginx_connections_total{'), 'the node series are there')
})

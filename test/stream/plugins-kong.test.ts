// The plugins Kong runs on stream routes, through real stream listeners: ip-restriction's preread
// (spec/03-plugins/17-ip-restriction/02-access_spec.lua, its #tcp cases), prometheus' stream
// series (spec/03-plugins/26-prometheus/02-access_spec.lua), http-log's stream record
// (kong/pdk/log.lua serialize, stream subsystem), and which instances apply by their protocols
// (kong/runloop/plugins_iterator.lua should_process_plugin).
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startCollector } from '../helpers/collector.js'
import { fetchRaw } from '../helpers/gateway.js'
import type { PluginLog } from '../../src/plugins/types.js'
import { MESSAGE, streamGateway, tcpEcho, tcpExchange, tlsEcho, tlsExchange } from '../helpers/stream.js'

async function until<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('ip-restriction on tcp and tls routes (preread)', async (t) => {
  const tcpUp = await tcpEcho(t)
  const tlsUp = await tlsEcho(t)
  const warnings: string[] = []
  const errors: string[] = []
  const pluginLog = (): PluginLog => ({ error: (m) => errors.push(m), warn: (m) => warnings.push(m), info() {}, debug() {} })
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:95 (the tcp services and routes) and :235 (their plugins)
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- name: tcp
  host: 127.0.0.1
  port: ${tcpUp.port}
  protocol: tcp
  routes:
  - name: route_tcp_allow
    protocols: [tcp]
    destinations: [{ip: 127.0.0.1}]
    plugins: [{name: ip-restriction, config: {allow: [127.0.0.0/24]}}]
- name: tls
  host: 127.0.0.1
  port: ${tlsUp.port}
  protocol: tls
  routes:
  - name: route_tcp_deny
    protocols: [tls]
    destinations: [{ip: 127.0.0.2}]
    plugins: [{name: ip-restriction, config: {deny: [127.0.0.0/8]}}]
`,
    ['127.0.0.1:0', '127.0.0.2:0 ssl'],
    { pluginLog },
  )
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:338 ("blocks a request when the IP is denied #tcp")
  const denied = await tlsExchange(gw.stream[1]!, MESSAGE)
  t.equal(denied.data, '', 'the connection is closed, nothing proxied')
  t.equal(tlsUp.connections, 0, 'the upstream was never reached')
  t.same(warnings, ['IP address not allowed: 127.0.0.1'])
  t.same(errors, [], 'no error logged')
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:377 ("allows a request when the IP is not denied #tcp")
  t.equal((await tcpExchange(gw.stream[0]!, MESSAGE)).data, MESSAGE)
  t.same(errors, [])
})

t.test('ip-restriction refuses a stream session with its own status (the log record shows it)', async (t) => {
  const up = await tcpEcho(t)
  const log = join(mkdtempSync(join(tmpdir(), 'stream-')), 'log')
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- name: tcp
  url: tcp://127.0.0.1:${up.port}
  routes:
  - name: r
    protocols: [tcp]
    sources: [{ip: 127.0.0.1}]
    plugins:
    - {name: ip-restriction, config: {deny: [127.0.0.1], status: 401, message: Forbidden}}
    - {name: file-log, protocols: [tcp], config: {path: ${log}}}
`,
    ['127.0.0.1:0'],
  )
  t.equal((await tcpExchange(gw.stream[0]!, MESSAGE)).data, '')
  const line = await until(() => {
    try {
      return readFileSync(log, 'utf8').split('\n')[0] || undefined
    } catch {
      return undefined
    }
  })
  const record = JSON.parse(line) as Record<string, any>
  t.equal(record.session.status, 401)
  t.equal(record.tries, undefined, 'no upstream was tried')
  t.equal(up.connections, 0)
})

// spec/03-plugins/26-prometheus/02-access_spec.lua:199 ("increments the count for proxied TCP streams")
t.test('prometheus: stream sessions and their duration', async (t) => {
  const up = await tcpEcho(t)
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- name: tcp-service
  url: tcp://127.0.0.1:${up.port}
  routes: [{name: tcp-route, protocols: [tcp], destinations: [{ip: 127.0.0.1}]}]
plugins:
- name: prometheus
  protocols: [http, https, grpc, grpcs, tcp, tls]
  config: {status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true}
`,
    ['127.0.0.1:0'],
    { adminListen: '127.0.0.1:0' },
  )
  t.equal((await tcpExchange(gw.stream[0]!, 'hi there!\n')).data, 'hi there!\n')
  const body = await until(async () => {
    const r = await fetchRaw(`http://${gw.admin}/metrics`)
    return r.body.includes('kong_stream_sessions_total') ? r.body : undefined
  })
  t.ok(body.includes('kong_nginx_metric_errors_total 0'))
  t.ok(body.includes('kong_stream_sessions_total{service="tcp-service",route="tcp-route",code="200",source="service",workspace="default"} 1'))
  t.match(body, /kong_session_duration_ms_bucket\{service="tcp-service",route="tcp-route",workspace="default",le="\+Inf"\} \d+/)
  // Kong records no bandwidth for streams (its stream record has no request or response).
  t.notMatch(body, /kong_bandwidth_bytes\{service="tcp-service"/)
})

t.test("http-log: Kong's stream record; instances apply by their protocols", async (t) => {
  const up = await tcpEcho(t)
  const collector = await startCollector(t)
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- name: tcp-service
  url: tcp://127.0.0.1:${up.port}
  routes:
  - name: tcp-route
    protocols: [tcp]
    destinations: [{ip: 127.0.0.1}]
    plugins:
    - {name: http-log, config: {http_endpoint: "${collector.url}/http-only"}}
plugins:
- {name: http-log, protocols: [tcp], config: {http_endpoint: "${collector.url}/stream"}}
`,
    ['127.0.0.1:0'],
  )
  t.equal((await tcpExchange(gw.stream[0]!, MESSAGE)).data, MESSAGE)
  const got = await until(() => collector.received[0])
  // The route's instance has the default protocols (HTTP only): it is not a candidate on a stream,
  // so the global stream instance applies.
  t.equal(got.url, '/stream')
  const record = JSON.parse(got.body) as Record<string, any>
  t.same(Object.keys(record.session), ['received', 'sent', 'status', 'server_port'])
  t.equal(record.session.received, MESSAGE.length)
  t.equal(record.session.sent, MESSAGE.length)
  t.same(record.upstream, { received: MESSAGE.length, sent: MESSAGE.length })
  t.equal(record.route.name, 'tcp-route')
  t.equal(record.service.name, 'tcp-service')
  t.equal(record.client_ip, '127.0.0.1')
  t.equal(record.workspace_name, 'default')
  t.type(record.latencies.kong, 'number')
  t.type(record.latencies.session, 'number')
  t.equal(record.request, undefined, 'no request in a stream record')
})

// kong/db/schema/typedefs.lua protocols_http (the schemas of key-auth, rate-limiting, cors, ...):
// a plugin Kong limits to HTTP protocols cannot be configured for a stream protocol; one declared
// with typedefs.protocols (file-log, ip-restriction, ...) can.
t.test('plugins limited to HTTP protocols are refused for stream protocols', async (t) => {
  const { loadConfig } = await import('../../src/config/load.js')
  const load = (plugins: string) => loadConfig(`_format_version: "3.0"\nplugins:\n${plugins}`, { file: 'kong.yml', env: {} })
  const refused = load('- {name: key-auth, protocols: [http, tcp]}\n- {name: rate-limiting, protocols: [udp], config: {minute: 1}}\n')
  t.equal(refused.ok, false)
  t.match(!refused.ok && refused.issues.map((i) => [i.path, i.message]), [
    ['plugins[0].protocols[1]', 'expected one of: grpc, grpcs, http, https'],
    ['plugins[1].protocols[0]', 'expected one of: grpc, grpcs, http, https'],
  ])
  t.equal(
    load('- {name: file-log, protocols: [tcp, tls], config: {path: /tmp/x.log}}\n- {name: ip-restriction, protocols: [tcp], config: {allow: [127.0.0.1]}}\n')
      .ok,
    true,
  )
})

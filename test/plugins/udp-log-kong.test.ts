// Kong's udp-log spec (spec/03-plugins/02-udp-log/01-udp-log_spec.lua) through a real gateway, a
// real upstream and a real UDP receiver on loopback: one datagram per request holding the JSON
// record (no newline, as Kong sends it), custom_fields_by_lua, latencies, a gRPC call, and Kong's
// schema defaults. Kong's gRPC cases call a grpc route over HTTP/2; here an HTTP/1.1 route in front
// of the grpc service carries the call.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { waitFor } from '../helpers/collector.js'
import { grpcCall } from '../helpers/grpc-h1.js'
import { startGrpcUpstream } from '../helpers/grpc-upstream.js'
import { udpReceiver, type UdpReceiver } from '../helpers/log-receivers.js'
import { pluginGateway, pluginLines, type PluginGateway } from '../helpers/plugin-gateway.js'
import { checkKongCustomFields, grpcLogYaml, KONG_CUSTOM_FIELDS } from '../helpers/log-cases.js'

const udpLog = (r: UdpReceiver, config: Record<string, unknown> = {}) => ({ name: 'udp-log', config: { host: '127.0.0.1', port: r.port, ...config } })

function kongYml(routes: Record<string, Record<string, unknown>[]>): string {
  return stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'mock',
        url: '$UPSTREAM',
        routes: Object.entries(routes).map(([host, plugins]) => ({ name: host.replaceAll('.', '-'), hosts: [host], plugins })),
      },
    ],
  })
}

const start = (t: Test, yaml: string): Promise<PluginGateway> => pluginGateway(t, yaml)

async function datagram(r: UdpReceiver, n = 1): Promise<string> {
  if (!(await waitFor(() => r.datagrams.length >= n))) throw new Error(`no datagram ${n} (got ${r.datagrams.length})`)
  return r.datagrams[n - 1]!
}

t.test('logs to UDP: one datagram per request, the JSON record without a newline; latencies add up', async (t) => {
  // spec/03-plugins/02-udp-log/01-udp-log_spec.lua:269 (logs to UDP), :111 (logs proper latencies)
  const r = await udpReceiver(t)
  const { send } = await start(t, kongYml({ 'udp_logging.test': [udpLog(r)] }))
  t.equal((await send('/request', { headers: { host: 'udp_logging.test' } })).status, 200)
  t.equal((await send('/delay/2', { headers: { host: 'udp_logging.test' } })).status, 200)
  const first = await datagram(r)
  t.ok(first.startsWith('{') && first.endsWith('}'), 'the datagram is the JSON object, nothing after it')
  const rec = JSON.parse(first)
  t.equal(rec.client_ip, '127.0.0.1')
  t.equal(rec.request.uri, '/request')
  const second = JSON.parse(await datagram(r, 2))
  t.equal(second.request.uri, '/delay/2')
  t.ok(second.latencies.proxy >= 0 && second.latencies.proxy < 3000)
  t.ok(1 + second.latencies.request >= second.latencies.kong + second.latencies.proxy, 'kong + proxy fit in request')
})

t.test('custom_fields_by_lua: new, nested and escaped fields are set; route is removed', async (t) => {
  // spec/03-plugins/02-udp-log/01-udp-log_spec.lua:145 (logs custom values), :171 (unsets existing log values)
  const r = await udpReceiver(t)
  const custom = KONG_CUSTOM_FIELDS
  const { send } = await start(t, kongYml({ 'custom_udp_logging.test': [udpLog(r, { custom_fields_by_lua: custom })] }))
  t.equal((await send('/delay/2', { headers: { host: 'custom_udp_logging.test' } })).status, 200)
  const rec = JSON.parse(await datagram(r))
  checkKongCustomFields(t, rec)
})

t.test('a gRPC call is logged, with latencies that add up', async (t) => {
  // spec/03-plugins/02-udp-log/01-udp-log_spec.lua:292 (logs to UDP #grpc), :195 (proper latencies #grpc)
  const r = await udpReceiver(t)
  const up = await startGrpcUpstream()
  t.teardown(() => up.close())
  const yaml = grpcLogYaml(up.port, [{ plugins: [udpLog(r)] }])
  const { gw } = await start(t, yaml)
  t.same((await grpcCall(gw.url, '/hello.HelloService/SayHello', ['world!'])).replies, ['hello world!'])
  const rec = JSON.parse(await datagram(r))
  t.equal(rec.client_ip, '127.0.0.1')
  t.equal(rec.service.name, 'grpc-service')
  t.ok(rec.latencies.proxy < 3000)
  t.ok(1 + rec.latencies.request >= rec.latencies.kong + rec.latencies.proxy)
})

t.test('a host name: resolved (IPv4 first), the datagrams arrive', async (t) => {
  // kong/plugins/udp-log/schema.lua: host is typedefs.host, an IP address or a name
  const r = await udpReceiver(t)
  const { send } = await start(t, kongYml({ 'udp_logging.test': [udpLog(r, { host: 'localhost' })] }))
  for (const path of ['/one', '/two']) t.equal((await send(path, { headers: { host: 'udp_logging.test' } })).status, 200)
  t.equal(JSON.parse(await datagram(r, 1)).request.uri, '/one')
  t.equal(JSON.parse(await datagram(r, 2)).request.uri, '/two')
})

t.test('a name that does not resolve: the request is served, the failure logged in Kong words', async (t) => {
  // kong/plugins/udp-log/handler.lua: setpeername fails, "could not connect to <host>:<port>: <err>"
  // (.invalid never resolves: RFC 6761)
  const { lines, pluginLog } = pluginLines()
  const { send } = await pluginGateway(t, kongYml({ 'udp_logging.test': [{ name: 'udp-log', config: { host: 'nowhere.invalid', port: 9 } }] }), undefined, {
    pluginLog,
  })
  const res = await send('/request', { headers: { host: 'udp_logging.test' } })
  t.equal(res.status, 200)
  t.ok(res.reached)
  t.ok(
    await waitFor(() => lines.some((l) => l.msg.startsWith('could not connect to nowhere.invalid:9: nowhere.invalid could not be resolved'))),
    lines.map((l) => l.msg).join('\n'),
  )
})

t.test('schema: Kong defaults; host and port required', async (t) => {
  // kong/plugins/udp-log/schema.lua (host and port required, timeout 10000)
  const load = (config: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: udp-log\n    config: ${config}\n`, { file: 'kong.yml', env: {} })
  const ok = load('{ host: 127.0.0.1, port: 10000 }')
  if (!ok.ok) throw new Error(JSON.stringify(ok.issues))
  t.same(ok.config.plugins[0]!.config, { host: '127.0.0.1', port: 10000, timeout: 10000 })
  const bad = load('{ timeout: 5 }')
  const msgs = bad.ok ? [] : bad.issues.map((i) => `${i.path}: ${i.message}`)
  t.ok(msgs.includes('plugins[0].config.host: required field missing'), msgs.join('\n'))
  t.ok(msgs.includes('plugins[0].config.port: required field missing'), msgs.join('\n'))
})

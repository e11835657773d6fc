// Kong's tcp-log spec (spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua) through a real gateway, a
// real upstream and a real TCP (or TLS) log receiver on loopback: one JSON line per request,
// custom_fields_by_lua, a gRPC call, latencies, the TLS handshake, `tries` on an early answer and
// a stream session; then what Kong's keepalive does (one connection reused, a fresh one after
// the server closed it) and the failures it logs without touching the request.
// Covered elsewhere: request.tls on an https listener (:461, :514; log-serializer-kong.test.ts),
// a TLS stream session's session.tls (:601; test/stream/stream-kong.test.ts).
// Not here: "TLS client_verify can be overwritten" (:487): kong.client.tls.set_client_verify
// is not in the Lua PDK here (the listener asks for no client certificate).
import { createServer, type AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { waitFor } from '../helpers/collector.js'
import { grpcCall } from '../helpers/grpc-h1.js'
import { startGrpcUpstream } from '../helpers/grpc-upstream.js'
import { pluginGateway, pluginLines, type PluginGateway, type PluginLine } from '../helpers/plugin-gateway.js'
import { deadPort as closedPort, MESSAGE, streamGateway, tcpEcho, tcpExchange } from '../helpers/stream.js'
import { tcpReceiver, type TcpReceiver } from '../helpers/log-receivers.js'
import { checkKongCustomFields, grpcLogYaml, KONG_CUSTOM_FIELDS } from '../helpers/log-cases.js'

type Plugins = Record<string, unknown>[]

/** kong.yml: service `mock` at $UPSTREAM, one route per Host with its plugins. */
function kongYml(routes: Record<string, Plugins>, extra: Record<string, unknown> = {}): string {
  return stringify(
    {
      _format_version: '3.0',
      services: [
        {
          name: 'mock',
          url: '$UPSTREAM',
          routes: Object.entries(routes).map(([host, plugins]) => ({ name: host.replaceAll('.', '-'), hosts: [host], plugins })),
        },
      ],
      ...extra,
    },
    { lineWidth: 0 },
  )
}

const tcpLog = (r: TcpReceiver, config: Record<string, unknown> = {}) => ({ name: 'tcp-log', config: { host: '127.0.0.1', port: r.port, ...config } })

async function start(t: Test, yaml: string): Promise<PluginGateway & { lines: PluginLine[] }> {
  const { lines, pluginLog } = pluginLines()
  return Object.assign(await pluginGateway(t, yaml, undefined, { pluginLog }), { lines })
}

/** The n-th line the receiver got, once it arrived, parsed. */
async function record(r: TcpReceiver, n = 1): Promise<Record<string, any>> {
  if (!(await waitFor(() => r.lines.length >= n))) throw new Error(`no log line ${n} (got ${r.lines.length})`)
  return JSON.parse(r.lines[n - 1]!.text)
}

t.test('logs to TCP: one JSON line per request, newline-terminated, no request.tls over HTTP', async (t) => {
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:217
  const r = await tcpReceiver(t)
  const { send } = await start(t, kongYml({ 'tcp_logging.test': [tcpLog(r)] }))
  t.equal((await send('/request', { headers: { host: 'tcp_logging.test' } })).status, 200)
  const rec = await record(r)
  t.equal(rec.client_ip, '127.0.0.1')
  t.equal(rec.request.tls, undefined)
  t.equal(rec.request.uri, '/request')
  t.ok(r.raw.join('').endsWith('}\n'), 'the line ends with a newline')
})

t.test('custom_fields_by_lua: new, nested and escaped fields are set; route is removed', async (t) => {
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:244 (logs custom values), :273 (unsets existing log values)
  const r = await tcpReceiver(t)
  const custom = KONG_CUSTOM_FIELDS
  const { send } = await start(t, kongYml({ 'custom_tcp_logging.test': [tcpLog(r, { custom_fields_by_lua: custom })] }))
  t.equal((await send('/request', { headers: { host: 'custom_tcp_logging.test' } })).status, 200)
  const rec = await record(r)
  t.equal(rec.client_ip, '127.0.0.1')
  checkKongCustomFields(t, rec)
})

t.test('a gRPC call: the grpc service in the record, latencies that add up', async (t) => {
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:300 (logs to TCP #grpc), :363 (proper latencies #grpc).
  // Kong calls a grpc route over HTTP/2; here an HTTP/1.1 route in front of the grpc service.
  const r = await tcpReceiver(t)
  const up = await startGrpcUpstream()
  t.teardown(() => up.close())
  const yaml = grpcLogYaml(up.port, [{ plugins: [tcpLog(r)] }])
  const { gw } = await start(t, yaml)
  const reply = await grpcCall(gw.url, '/hello.HelloService/SayHello', ['world!'])
  t.same(reply.replies, ['hello world!'])
  const rec = await record(r)
  t.equal(rec.client_ip, '127.0.0.1')
  t.equal(rec.service.name, 'grpc-service')
  t.equal(rec.service.protocol, 'grpc')
  t.equal(rec.request.tls, undefined)
  t.ok(rec.latencies.proxy < 3000)
  t.ok(1 + rec.latencies.request >= rec.latencies.kong + rec.latencies.proxy, 'kong + proxy fit in request')
})

t.test('logs proper latencies', async (t) => {
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:330
  const r = await tcpReceiver(t)
  const { send } = await start(t, kongYml({ 'tcp_logging.test': [tcpLog(r)] }))
  t.equal((await send('/delay', { headers: { host: 'tcp_logging.test' } })).status, 200)
  const rec = await record(r)
  t.ok(rec.latencies.proxy >= 0 && rec.latencies.proxy < 3000)
  t.ok(1 + rec.latencies.request >= rec.latencies.kong + rec.latencies.proxy, 'kong + proxy fit in request')
})

t.test('tls: the line goes over a TLS handshake; tls_sni is the server name sent, none without it', async (t) => {
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:438 (performs a TLS handshake on the remote TCP server);
  // kong/plugins/tcp-log/handler.lua: sslhandshake(false, conf.tls_sni, false) (no verification: the
  // receiver's certificate is not trusted here).
  const r = await tcpReceiver(t, { tls: true })
  const { send } = await start(
    t,
    kongYml({ 'tcp_logging_tls.test': [tcpLog(r, { tls: true })], 'sni.test': [tcpLog(r, { tls: true, tls_sni: 'logs.example.test' })] }),
  )
  t.equal((await send('/request', { headers: { host: 'tcp_logging_tls.test' } })).status, 200)
  t.equal((await record(r)).client_ip, '127.0.0.1')
  t.equal(r.connections[0]!.sni, undefined, 'no SNI without tls_sni')
  t.equal((await send('/request', { headers: { host: 'sni.test' } })).status, 200)
  t.equal((await record(r, 2)).request.headers.host, 'sni.test')
  t.equal(r.connections[1]!.sni, 'logs.example.test')
})

t.test('an early answer: tries is an empty JSON array', async (t) => {
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:544 (tries field encoded as JSON array instead of object #6390)
  const r = await tcpReceiver(t)
  const termination = { name: 'request-termination', config: { status_code: 200, content_type: 'text/plain', body: 'hello!' } }
  const { send } = await start(t, kongYml({ 'early_termination.example.test': [tcpLog(r), termination] }))
  const res = await send('/request', { headers: { host: 'early_termination.example.test' } })
  t.equal(res.status, 200)
  t.equal(res.body, 'hello!')
  t.equal(res.reached, undefined)
  t.ok(await waitFor(() => r.lines.length === 1))
  t.ok(r.lines[0]!.text.includes('"tries":[]'))
})

t.test('a tcp stream session: its stream record', async (t) => {
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:565 (#stream reports tcp streams)
  const r = await tcpReceiver(t)
  const echo = await tcpEcho(t)
  const yaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'tcp',
        host: '127.0.0.1',
        port: echo.port,
        protocol: 'tcp',
        routes: [{ name: 'tcp', protocols: ['tcp'], sources: [{ ip: '127.0.0.1' }], plugins: [{ ...tcpLog(r), protocols: ['tcp', 'tls'] }] }],
      },
    ],
  })
  const gw = await streamGateway(t, yaml, ['127.0.0.1:0'])
  t.equal((await tcpExchange(gw.stream[0]!, MESSAGE)).data, MESSAGE)
  const rec = await record(r)
  t.equal(rec.client_ip, '127.0.0.1')
  t.type(rec.latencies, 'object')
  t.equal(rec.session.status, 200)
  t.equal(rec.session.sent, MESSAGE.length)
  t.equal(rec.session.received, MESSAGE.length)
  t.type(rec.started_at, 'number')
  t.type(rec.route, 'object')
  t.type(rec.service, 'object')
  t.ok(Array.isArray(rec.tries))
  t.type(rec.upstream, 'object')
})

t.test('keepalive: one connection carries the lines; after the server closed it, a new one', async (t) => {
  // kong/plugins/tcp-log/handler.lua: connect (a pooled connection when there is one), send, setkeepalive(keepalive)
  const r = await tcpReceiver(t)
  const { send } = await start(t, kongYml({ 'tcp_logging.test': [tcpLog(r)] }))
  for (let i = 0; i < 3; i++) {
    t.equal((await send(`/n${i}`, { headers: { host: 'tcp_logging.test' } })).status, 200)
    t.ok(await waitFor(() => r.lines.length === i + 1))
  }
  t.same(
    r.lines.map((l) => l.connection),
    [1, 1, 1],
    'the three lines came on the first connection',
  )
  r.dropConnections()
  t.ok(await waitFor(() => r.connections[0]!.closed))
  t.equal((await send('/after', { headers: { host: 'tcp_logging.test' } })).status, 200)
  const rec = await record(r, 4)
  t.equal(rec.request.uri, '/after')
  t.equal(r.lines[3]!.connection, 2, 'a new connection')
})

t.test('keepalive: an idle connection is closed after `keepalive` ms', async (t) => {
  // kong/plugins/tcp-log/schema.lua: keepalive, how long an idle connection lives before being closed
  const r = await tcpReceiver(t)
  const { send } = await start(t, kongYml({ 'tcp_logging.test': [tcpLog(r, { keepalive: 50 })] }))
  t.equal((await send('/one', { headers: { host: 'tcp_logging.test' } })).status, 200)
  t.ok(await waitFor(() => r.lines.length === 1))
  t.ok(await waitFor(() => r.connections[0]!.closed), 'the gateway closed the idle connection')
})

t.test('a receiver that is down: the request is served, the failure logged in Kong words', async (t) => {
  // kong/plugins/tcp-log/handler.lua: "failed to connect to <host>:<port>: <err>"
  const port = await closedPort()
  const down = { name: 'tcp-log', config: { host: '127.0.0.1', port } }
  const g = await start(t, kongYml({ 'down.test': [down], 'down-tls.test': [{ ...down, config: { ...down.config, tls: true } }] }))
  const refused = `failed to connect to 127.0.0.1:${port}: connection refused`
  for (const host of ['down.test', 'down-tls.test']) {
    const res = await g.send('/request', { headers: { host } })
    t.equal(res.status, 200)
    t.ok(res.reached, 'the upstream got the request')
  }
  t.ok(await waitFor(() => g.lines.filter((l) => l.plugin === 'tcp-log' && l.msg === refused).length === 2), 'once per request, TLS or not')
  t.equal(g.lines.length, 2, 'nothing else logged')
})

t.test('a TLS handshake that fails is logged in Kong words', async (t) => {
  // kong/plugins/tcp-log/handler.lua: "failed to perform TLS handshake to <host>:<port>: <err>"
  const server = createServer((s) => s.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as AddressInfo).port
  const g = await start(t, kongYml({ 'tls.test': [{ name: 'tcp-log', config: { host: '127.0.0.1', port, tls: true } }] }))
  t.equal((await g.send('/request', { headers: { host: 'tls.test' } })).status, 200)
  t.ok(await waitFor(() => g.lines.some((l) => l.msg.startsWith(`failed to perform TLS handshake to 127.0.0.1:${port}: `))))
})

t.test('schema: Kong defaults; host and port required; the port range', async (t) => {
  // spec/01-unit/01-db/01-schema/11-declarative_config/02-process_auto_fields_spec.lua:385 (tcp-log defaults)
  const load = (config: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: tcp-log\n    config: ${config}\n`, { file: 'kong.yml', env: {} })
  const ok = load('{ host: 127.0.0.1, port: 10000 }')
  if (!ok.ok) throw new Error(JSON.stringify(ok.issues))
  t.match(ok.config.plugins[0]!.config, { host: '127.0.0.1', port: 10000, keepalive: 60000, timeout: 10000, tls: false })
  t.notOk('tls_sni' in ok.config.plugins[0]!.config)
  // spec/02-integration/04-admin_api/15-off_spec.lua:1604 (config.deeply: unknown field; host missing)
  const bad = load('{ deeply: { nested: { undefined: true } }, port: 1234 }')
  t.notOk(bad.ok)
  const msgs = bad.ok ? [] : bad.issues.map((i) => `${i.path}: ${i.message}`)
  t.ok(
    msgs.some((m) => /config\.deeply: unknown field/.test(m)),
    msgs.join('\n'),
  )
  t.ok(
    msgs.some((m) => /config\.host: required field missing/.test(m)),
    msgs.join('\n'),
  )
  const port = load('{ host: 127.0.0.1, port: 70000 }')
  t.ok(!port.ok && port.issues.some((i) => i.message === 'value should be between 0 and 65535'))
})

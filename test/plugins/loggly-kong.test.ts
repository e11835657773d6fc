// Kong's loggly spec (spec/03-plugins/07-loggly/01-log_spec.lua) through a real gateway, a real
// upstream (answering /status/N with N) and a real UDP receiver standing in for Loggly: the
// priority of each message by status class and log_level, the RFC 5424 line byte for byte as
// Kong's handler writes it (kong/plugins/loggly/handler.lua), tags, custom_fields_by_lua, a gRPC
// call (over an HTTP/1.1 route in front of the grpc service; Kong calls a grpc route over HTTP/2).
import { hostname } from 'node:os'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { waitFor } from '../helpers/collector.js'
import { grpcCall } from '../helpers/grpc-h1.js'
import { startGrpcUpstream } from '../helpers/grpc-upstream.js'
import { udpReceiver, type UdpReceiver } from '../helpers/log-receivers.js'
import { pluginGateway, pluginLines, type PluginGateway } from '../helpers/plugin-gateway.js'
import { checkKongCustomFields, grpcLogYaml, KONG_CUSTOM_FIELDS } from '../helpers/log-cases.js'

const KEY = '123456789'
const loggly = (r: UdpReceiver, config: Record<string, unknown> = {}) => ({ name: 'loggly', config: { host: '127.0.0.1', port: r.port, key: KEY, ...config } })

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

/** The gateway in front of an upstream that answers /status/N with N (else 200). */
const start = (t: Test, yaml: string): Promise<PluginGateway> =>
  pluginGateway(t, yaml, (req, res) => {
    const m = /^\/status\/(\d{3})/.exec(req.url ?? '')
    res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' })
    res.end('ok')
  })

/** The n-th datagram: its priority and its JSON. */
async function message(r: UdpReceiver, n = 1): Promise<{ pri: string; json: Record<string, any>; raw: string }> {
  if (!(await waitFor(() => r.datagrams.length >= n))) throw new Error(`no datagram ${n} (got ${r.datagrams.length})`)
  const raw = r.datagrams[n - 1]!
  return { pri: /^<(\d+)>/.exec(raw)![1]!, json: JSON.parse(raw.slice(raw.indexOf('{'))), raw }
}

t.test('the priority: severity by status class, facility user', async (t) => {
  // spec/03-plugins/07-loggly/01-log_spec.lua:232 (warning, log level info: 12), :250 (info, debug: 14),
  // :268 (crit, crit: 10), :286 and :298 (defaults: 14), :310 (defaults, 401: 14), :322 (defaults, 500: 14)
  const r = await udpReceiver(t)
  const { send } = await start(
    t,
    kongYml({
      'logging.test': [loggly(r, { log_level: 'info', successful_severity: 'warning' })],
      'logging1.test': [loggly(r, { log_level: 'debug', timeout: 2000, successful_severity: 'info' })],
      'logging2.test': [loggly(r, { log_level: 'crit', successful_severity: 'crit', client_errors_severity: 'warning' })],
      'logging3.test': [loggly(r)],
    }),
  )
  const cases: [string, string, number, string][] = [
    ['logging.test', '/request', 200, '12'],
    ['logging1.test', '/request', 200, '14'],
    ['logging2.test', '/request', 200, '10'],
    ['logging3.test', '/', 200, '14'],
    ['logging3.test', '/status/401', 401, '14'],
    ['logging3.test', '/status/500', 500, '14'],
  ]
  let n = 0
  for (const [host, path, status, pri] of cases) {
    t.equal((await send(path, { headers: { host } })).status, status)
    const m = await message(r, ++n)
    t.equal(m.pri, pri, `${host} ${path}`)
    t.equal(m.json.client_ip, '127.0.0.1')
    t.equal(m.json.response.status, status)
  }
})

t.test('a severity less severe than log_level sends nothing', async (t) => {
  // kong/plugins/loggly/handler.lua decide_severity (the spec's logging2.test: log_level crit, a 4xx at warning)
  const r = await udpReceiver(t)
  const { send } = await start(
    t,
    kongYml({ 'logging2.test': [loggly(r, { log_level: 'crit', successful_severity: 'crit', client_errors_severity: 'warning' })] }),
  )
  t.equal((await send('/status/404', { headers: { host: 'logging2.test' } })).status, 404)
  t.equal((await send('/status/200', { headers: { host: 'logging2.test' } })).status, 200)
  const m = await message(r)
  t.equal(m.json.response.status, 200, 'the first message is the 200: the 404 sent none')
  t.equal(r.datagrams.length, 1)
})

t.test('the line, byte for byte: <PRI>1 UTC-time hostname kong - - [key@41058 tags] json', async (t) => {
  // kong/plugins/loggly/handler.lua merge(): the fields joined by spaces, the date as os.date("!%Y-%m-%dT%XZ"),
  // the hostname of kong.node.get_hostname(), tags as tag="..." (a set: each once; none leaves the space)
  const r = await udpReceiver(t)
  const { send } = await start(
    t,
    kongYml({
      'default.test': [loggly(r)],
      'tags.test': [loggly(r, { tags: ['a', 'b', 'a'] })],
      'none.test': [loggly(r, { tags: [] })],
    }),
  )
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const head = (sd: string) => new RegExp(`^<14>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ${esc(hostname())} kong - - ${esc(sd)} \\{`)
  const before = Math.floor(Date.now() / 1000) * 1000
  t.equal((await send('/', { headers: { host: 'default.test' } })).status, 200)
  const first = await message(r, 1)
  t.match(first.raw, head(`[${KEY}@41058 tag="kong"]`))
  const stamp = Date.parse(first.raw.split(' ')[1]!)
  t.ok(stamp >= before && stamp <= Date.now(), 'the timestamp is now, in UTC')
  t.equal((await send('/', { headers: { host: 'tags.test' } })).status, 200)
  t.match((await message(r, 2)).raw, head(`[${KEY}@41058 tag="a" tag="b"]`))
  t.equal((await send('/', { headers: { host: 'none.test' } })).status, 200)
  t.match((await message(r, 3)).raw, head(`[${KEY}@41058 ]`))
  t.ok(first.raw.endsWith('}'), 'nothing after the JSON')
})

t.test('custom_fields_by_lua: fields set, route removed; a 500 at the default severity', async (t) => {
  // spec/03-plugins/07-loggly/01-log_spec.lua:335 (logs custom values), :349 (unsets existing log values)
  const r = await udpReceiver(t)
  const custom = KONG_CUSTOM_FIELDS
  const { send } = await start(t, kongYml({ 'logging4.test': [loggly(r, { custom_fields_by_lua: custom })] }))
  t.equal((await send('/status/500', { headers: { host: 'logging4.test' } })).status, 500)
  const m = await message(r)
  t.equal(m.pri, '14')
  checkKongCustomFields(t, m.json)
})

t.test('a gRPC call: warning at log level info is priority 12', async (t) => {
  // spec/03-plugins/07-loggly/01-log_spec.lua:244 (#grpc: 12); :262 and :280 are the same rule
  const r = await udpReceiver(t)
  const up = await startGrpcUpstream()
  t.teardown(() => up.close())
  const yaml = grpcLogYaml(up.port, [{ plugins: [loggly(r, { log_level: 'info', successful_severity: 'warning' })] }])
  const { gw } = await start(t, yaml)
  t.same((await grpcCall(gw.url, '/hello.HelloService/SayHello', ['world!'])).replies, ['hello world!'])
  const m = await message(r)
  t.equal(m.pri, '12')
  t.equal(m.json.client_ip, '127.0.0.1')
})

t.test('a name that does not resolve: the request is served, the failure logged in Kong words', async (t) => {
  // kong/plugins/loggly/handler.lua: setpeername fails, "failed to connect to <host>:<port>: <err>"
  // (.invalid never resolves: RFC 6761)
  const { lines, pluginLog } = pluginLines()
  const { send } = await pluginGateway(t, kongYml({ 'logging.test': [{ name: 'loggly', config: { host: 'nowhere.invalid', key: KEY } }] }), undefined, {
    pluginLog,
  })
  const res = await send('/request', { headers: { host: 'logging.test' } })
  t.equal(res.status, 200)
  t.ok(res.reached)
  t.ok(
    await waitFor(() => lines.some((l) => l.msg.startsWith('failed to connect to nowhere.invalid:514: nowhere.invalid could not be resolved'))),
    lines.map((l) => l.msg).join('\n'),
  )
})

t.test('schema: Kong defaults; key required; a severity outside the list refused', async (t) => {
  // kong/plugins/loggly/schema.lua
  const load = (config: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: loggly\n    config: ${config}\n`, { file: 'kong.yml', env: {} })
  const ok = load('{ key: abc }')
  if (!ok.ok) throw new Error(JSON.stringify(ok.issues))
  t.same(ok.config.plugins[0]!.config, {
    host: 'logs-01.loggly.com',
    port: 514,
    key: 'abc',
    tags: ['kong'],
    log_level: 'info',
    successful_severity: 'info',
    client_errors_severity: 'info',
    server_errors_severity: 'info',
    timeout: 10000,
  })
  const missing = load('{ port: 514 }')
  t.ok(!missing.ok && missing.issues.some((i) => i.path === 'plugins[0].config.key' && i.message === 'required field missing'))
  const bad = load('{ key: abc, log_level: verbose }')
  t.ok(!bad.ok && bad.issues.some((i) => i.message === 'expected one of: debug, info, notice, warning, err, crit, alert, emerg'))
})

// Kong's syslog spec (spec/03-plugins/05-syslog/01-log_spec.lua) through a real gateway, a real
// upstream and a real rsyslogd started by the test (test/helpers/rsyslog.ts: its own socket,
// read back from the file it writes). Kong's spec greps the machine's syslog files for a request
// header's value; here the daemon's own file is read. Then what Kong's handler does beyond the
// spec: the severity of each status class, the facility, the libc header, and a missing socket.
// Needs Debian's rsyslogd and util-linux's logger: without them the file passes, saying so.
import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { createNodeState } from '../../src/node/state.js'
import { waitFor } from '../helpers/collector.js'
import { grpcCall } from '../helpers/grpc-h1.js'
import { startGrpcUpstream } from '../helpers/grpc-upstream.js'
import { pluginGateway, pluginLines, type PluginGateway, type PluginLine } from '../helpers/plugin-gateway.js'
import { rsyslogAbsent, rsyslogPresent, startRsyslog, type Syslog } from '../helpers/rsyslog.js'
import { grpcLogYaml } from '../helpers/log-cases.js'

const WARNING = { successful_severity: 'warning', client_errors_severity: 'warning', server_errors_severity: 'warning' }
const syslog = (config: Record<string, unknown>) => ({ name: 'syslog', config })

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

/** A gateway writing to `sys`'s socket, in front of an upstream that answers /status/N with N. */
async function start(t: Test, sys: Syslog, yaml: string): Promise<PluginGateway & { lines: PluginLine[] }> {
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(
    t,
    yaml,
    (req, res) => {
      const m = /^\/status\/(\d{3})/.exec(req.url ?? '')
      res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' })
      res.end('ok')
    },
    { pluginLog, env: { GATEWAY_SYSLOG_SOCKET: sys.socket } },
  )
  return Object.assign(g, { lines })
}

/** The message holding `"sys_log_uuid":"<uuid>"` (Kong's grep), once written. */
async function logged(sys: Syslog, uuid: string) {
  const find = () => sys.messages().find((m) => m.msg.includes(`"sys_log_uuid":"${uuid}"`))
  await waitFor(() => find() !== undefined)
  return find()
}

if (!rsyslogPresent()) {
  t.test('syslog plugin against a real rsyslogd', async (t) => rsyslogAbsent(t, "the syslog plugin's messages"))
} else {
  t.test("Kong's spec: written when the severity is at or above log_level, not below", async (t) => {
    const sys = await startRsyslog(t)
    const { send } = await start(
      t,
      sys,
      kongYml({
        'logging.test': [syslog({ log_level: 'info', ...WARNING })],
        'logging2.test': [syslog({ log_level: 'err', ...WARNING })],
        'logging3.test': [syslog({ log_level: 'warning', ...WARNING })],
      }),
    )
    const request = async (host: string) => {
      const uuid = randomUUID()
      t.equal((await send('/request', { headers: { host, sys_log_uuid: uuid } })).status, 200)
      return uuid
    }
    // spec/03-plugins/05-syslog/01-log_spec.lua:264 (logs to syslog if log_level is lower)
    const lower = await logged(sys, await request('logging.test'))
    t.ok(lower, 'logging.test: written')
    t.equal(lower?.severity, 'warning')
    // spec/03-plugins/05-syslog/01-log_spec.lua:267 (does not log to syslog if log_level is higher)
    const higher = await request('logging2.test')
    // spec/03-plugins/05-syslog/01-log_spec.lua:270 (logs to syslog if log_level is the same)
    const same = await logged(sys, await request('logging3.test'))
    t.ok(same, 'logging3.test: written')
    // One logger process writes in order: the later message is there, so the earlier one would be.
    t.notOk(
      sys.messages().some((m) => m.msg.includes(higher)),
      'logging2.test: not written',
    )
    t.equal(sys.messages().length, 2)
  })

  t.test('custom_fields_by_lua: a new field, the route removed', async (t) => {
    // spec/03-plugins/05-syslog/01-log_spec.lua:273 (logs custom values)
    const sys = await startRsyslog(t)
    const custom = { new_field: 'return 123', route: 'return nil' }
    const { send } = await start(t, sys, kongYml({ 'logging4.test': [syslog({ log_level: 'warning', ...WARNING, custom_fields_by_lua: custom })] }))
    const uuid = randomUUID()
    t.equal((await send('/request', { headers: { host: 'logging4.test', sys_log_uuid: uuid } })).status, 200)
    const m = await logged(sys, uuid)
    t.match(m?.msg, /"new_field".*123/)
    t.notMatch(m?.msg, /"route"/)
  })

  t.test('a gRPC call: written or not by the same rule', async (t) => {
    // spec/03-plugins/05-syslog/01-log_spec.lua:279, :282, :285 (#grpc; Kong calls over HTTP/2, here an
    // HTTP/1.1 route in front of the grpc service carries the call)
    const sys = await startRsyslog(t)
    const up = await startGrpcUpstream()
    t.teardown(() => up.close())
    const route = (name: string, log_level: string) => ({ name, hosts: [`${name}.test`], plugins: [syslog({ log_level, ...WARNING })] })
    const yaml = grpcLogYaml(up.port, [route('grpc1', 'info'), route('grpc2', 'err'), route('grpc3', 'warning')])
    const { gw } = await start(t, sys, yaml)
    const call = async (name: string) => {
      const uuid = randomUUID()
      t.same((await grpcCall(gw.url, '/hello.HelloService/SayHello', ['world!'], { host: `${name}.test`, sys_log_uuid: uuid })).replies, ['hello world!'])
      return uuid
    }
    t.ok(await logged(sys, await call('grpc1')), 'log_level lower: written')
    const higher = await call('grpc2')
    t.ok(await logged(sys, await call('grpc3')), 'log_level the same: written')
    t.notOk(
      sys.messages().some((m) => m.msg.includes(higher)),
      'log_level higher: not written',
    )
  })

  t.test('the severity of each status class, the facility, and the header libc writes', async (t) => {
    // kong/plugins/syslog/handler.lua: server_errors_severity for >= 500, client_errors_severity for >= 400,
    // else successful_severity; lsyslog.open("kong", facility) (LOG_PID) then syslog(level, json)
    const sys = await startRsyslog(t)
    const severities = { log_level: 'debug', successful_severity: 'info', client_errors_severity: 'notice', server_errors_severity: 'crit' }
    const { send } = await start(
      t,
      sys,
      kongYml({
        'classes.test': [syslog({ ...severities, facility: 'local7' })],
        'kern.test': [syslog({ facility: 'kern' })],
      }),
    )
    const cases: [string, string, number, number, string, string][] = [
      ['classes.test', '/status/200', 23 * 8 + 6, 200, 'local7', 'info'],
      ['classes.test', '/status/404', 23 * 8 + 5, 404, 'local7', 'notice'],
      ['classes.test', '/status/503', 23 * 8 + 2, 503, 'local7', 'crit'],
      // libc's syslog(3) takes facility kern (0) as "none given" and uses user: so does Kong's.
      ['kern.test', '/status/200', 1 * 8 + 6, 200, 'user', 'info'],
    ]
    for (const [host, path, pri, status, facility, severity] of cases) {
      const uuid = randomUUID()
      t.equal((await send(path, { headers: { host, sys_log_uuid: uuid } })).status, status)
      const m = await logged(sys, uuid)
      t.match(m, { pri, facility, severity, program: 'kong', pid: String(process.pid) }, `${host} ${path}`)
      t.match(m?.raw, new RegExp(`^<${pri}>[A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d kong\\[${process.pid}\\]: \\{`), "libc's header")
      t.equal(JSON.parse(m!.msg).response.status, status)
    }
  })

  t.test('no syslog at the socket: the request is served, the failure logged', async (t) => {
    // Kong's lsyslog gives no error (libc drops the message); here logger's complaint is logged.
    const sys = await startRsyslog(t)
    const missing = `${sys.socket}-missing`
    const { lines, pluginLog } = pluginLines()
    const g = await pluginGateway(t, kongYml({ 'logging.test': [syslog({})] }), undefined, { pluginLog, env: { GATEWAY_SYSLOG_SOCKET: missing } })
    const res = await g.send('/request', { headers: { host: 'logging.test' } })
    t.equal(res.status, 200)
    t.ok(res.reached)
    t.ok(await waitFor(() => lines.some((l) => l.plugin === 'syslog' && l.msg.includes(missing))), lines.map((l) => l.msg).join('\n'))
  })
}

t.test('the socket: /dev/log unless GATEWAY_SYSLOG_SOCKET names another', async (t) => {
  // Kong's lsyslog writes through libc's syslog(3), whose socket is /dev/log.
  const plain = createNodeState()
  const custom = createNodeState({ syslogSocket: '/run/custom.sock' })
  t.teardown(() => Promise.all([plain.close(), custom.close()]))
  t.equal(plain.syslogSocket, '/dev/log')
  t.equal(custom.syslogSocket, '/run/custom.sock')
})

t.test("schema: Kong's defaults and lists", async (t) => {
  // kong/plugins/syslog/schema.lua
  const load = (config: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: syslog\n    config: ${config}\n`, { file: 'kong.yml', env: {} })
  const ok = load('{}')
  if (!ok.ok) throw new Error(JSON.stringify(ok.issues))
  t.same(ok.config.plugins[0]!.config, {
    log_level: 'info',
    successful_severity: 'info',
    client_errors_severity: 'info',
    server_errors_severity: 'info',
    facility: 'user',
  })
  const bad = load('{ facility: local8 }')
  t.ok(
    !bad.ok &&
      bad.issues.some(
        (i) =>
          i.message ===
          'expected one of: auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user, uucp, local0, local1, local2, local3, local4, local5, local6, local7',
      ),
  )
})

// Kong's ip-restriction spec (spec/03-plugins/17-ip-restriction/02-access_spec.lua) through a real
// gateway and a real echo upstream, with Kong's settings of that spec: trusted_ips everything,
// real_ip_header X-Forwarded-For, real_ip_recursive on (here the options of `gateway serve`'s
// --trusted-ips, --real-ip-header and --real-ip-recursive). The upstream's X-Real-IP is the spec's
// `vars.remote_addr`. The X-Real-IP cases of the spec's IPv6 block are in ip-restriction.test.ts.
// The TCP/TLS stream cases are in test/stream/plugins-kong.test.ts. Not here: the gRPC cases (no
// HTTP/2 listener) and the Admin API PATCH between requests (reloads are tested in test/reload).
import t from 'tap'
import { request } from 'undici'
import { stringify } from 'yaml'
import { startCollector, waitFor } from '../helpers/collector.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const KONG_REALIP = { trustedIps: '0.0.0.0/0,::/0', realIpHeader: 'X-Forwarded-For', realIpRecursive: true }

/** kong.yml: one route `/<name>` per entry, each with ip-restriction configured as given. */
function routes(configs: Record<string, Record<string, unknown>>): string {
  return stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: Object.entries(configs).map(([name, config]) => ({ name, paths: [`/${name}`], plugins: [{ name: 'ip-restriction', config }] })),
      },
    ],
  })
}

t.test('IPv4 with X-Forwarded-For, recursive, every address trusted', async (t) => {
  const { send } = await pluginGateway(
    t,
    routes({
      r1: { deny: ['127.0.0.1', '127.0.0.2'] },
      r2: { deny: ['127.0.0.2'] },
      r6: { allow: ['127.0.0.4'] },
      r7: { deny: ['127.0.0.4'] },
      r8: { allow: ['0.0.0.0/0'] },
    }),
    undefined,
    KONG_REALIP,
  )
  const xff = (v: string) => ({ 'x-forwarded-for': v })

  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:299
  const denied = await send('/r1/status/200')
  t.equal(denied.status, 403)
  t.match(denied.body, 'IP address not allowed')
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:353
  const notDenied = await send('/r2/request')
  t.equal(notDenied.status, 200)
  t.equal(notDenied.reached?.headers['x-real-ip'], '127.0.0.1')

  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:438
  t.equal((await send('/r7/request')).reached?.headers['x-real-ip'], '127.0.0.1', 'without X-Forwarded-For, the peer')
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:450
  const allowed = await send('/r7/request', { headers: xff('127.0.0.3') })
  t.equal(allowed.status, 200)
  t.equal(allowed.reached?.headers['x-real-ip'], '127.0.0.3')
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:463
  const blocked = await send('/r7/status/200', { headers: xff('127.0.0.4') })
  t.equal(blocked.status, 403)
  t.equal(blocked.json().message, 'IP address not allowed: 127.0.0.4')
  t.equal(blocked.reached, undefined)

  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:502
  t.equal((await send('/r6/status/200')).status, 403)
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:513
  t.equal((await send('/r6/status/200', { headers: xff('127.0.0.3') })).status, 403)
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:536
  t.equal((await send('/r6/status/200', { headers: xff('127.0.0.4') })).status, 200)
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:557: recursive, so the first address counts
  const complex = await send('/r6/status/200', { headers: xff('127.0.0.4, 127.0.0.3') })
  t.equal(complex.status, 200)
  t.equal(complex.reached?.headers['x-real-ip'], '127.0.0.4')

  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:630
  t.equal((await send('/r8/status/200')).status, 200)
})

t.test('IPv6 with X-Forwarded-For, recursive, every address trusted', async (t) => {
  const { send } = await pluginGateway(t, routes({ r1: { deny: ['::4'] }, r2: { allow: ['::4'] } }), undefined, KONG_REALIP)
  const cases: [string, string, number, string?][] = [
    // [route, X-Forwarded-For, status, the address the upstream is told]
    ['r1', '::3', 200, '::3'], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1032
    ['r1', '::4', 403], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1045
    ['r1', '::4, ::3', 403], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1057
    ['r1', '::3, ::4', 200, '::3'], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1069
    ['r2', '::3', 403], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1085
    ['r2', '::4', 200, '::4'], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1097
    ['r2', '::4, ::3', 200, '::4'], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1110
    ['r2', '::3, ::4', 403], // spec/03-plugins/17-ip-restriction/02-access_spec.lua:1123
  ]
  for (const [route, list, status, client] of cases) {
    const r = await send(`/${route}/request`, { headers: { 'x-forwarded-for': list } })
    t.equal(r.status, status, `${route} ${list}`)
    if (client) t.equal(r.reached?.headers['x-real-ip'], client)
    else t.match(r.body, 'IP address not allowed')
  }
})

t.test("real_ip_recursive off (Kong's default) takes the last address; trust decides each step", async (t) => {
  const conf = routes({ deny: { deny: ['10.0.0.1'] } })
  const last = await pluginGateway(t, conf, undefined, { trustedIps: '127.0.0.1', realIpHeader: 'X-Forwarded-For' })
  const one = await last.send('/deny/x', { headers: { 'x-forwarded-for': '10.0.0.1, 192.0.2.9' } })
  t.equal(one.status, 200)
  t.equal(one.reached?.headers['x-real-ip'], '192.0.2.9', 'not recursive: the last entry')
  t.equal(one.reached?.headers['x-forwarded-for'], '10.0.0.1, 192.0.2.9, 127.0.0.1', 'the peer appended, as Kong does')
  t.equal((await last.send('/deny/x', { headers: { 'x-forwarded-for': '192.0.2.9, 10.0.0.1' } })).status, 403)

  // Recursive, trusting 127.0.0.1 and 192.0.2.0/24: the walk stops at the first untrusted address.
  const walk = await pluginGateway(t, conf, undefined, { trustedIps: '127.0.0.1,192.0.2.0/24', realIpHeader: 'x-forwarded-for', realIpRecursive: true })
  const stop = await walk.send('/deny/x', { headers: { 'x-forwarded-for': '10.0.0.1, 198.51.100.7, 192.0.2.1' } })
  t.equal(stop.status, 200)
  t.equal(stop.reached?.headers['x-real-ip'], '198.51.100.7')
  t.equal((await walk.send('/deny/x', { headers: { 'x-forwarded-for': '10.0.0.1, 192.0.2.1, 192.0.2.2' } })).status, 403)
  // Two header lines are one list, the last line last.
  const lines = await request(`${walk.gw.url}/deny/x`, { headers: ['X-Forwarded-For', '10.0.0.1', 'X-Forwarded-For', '192.0.2.1'] })
  await lines.body.dump()
  t.equal(lines.statusCode, 403)
  // An entry that is not an address stops the walk; `addr:port` is an address.
  const junk = await walk.send('/deny/x', { headers: { 'x-forwarded-for': '10.0.0.1, junk, 192.0.2.1' } })
  t.equal(junk.reached?.headers['x-real-ip'], '192.0.2.1')
  t.equal((await walk.send('/deny/x', { headers: { 'x-forwarded-for': '10.0.0.1:5000, 192.0.2.1' } })).status, 403)

  // X-Forwarded-For is only believed from a trusted peer.
  const untrusted = await pluginGateway(t, conf, undefined, { trustedIps: '', realIpHeader: 'X-Forwarded-For', realIpRecursive: true })
  const ignored = await untrusted.send('/deny/x', { headers: { 'x-forwarded-for': '10.0.0.1' } })
  t.equal(ignored.status, 200)
  t.equal(ignored.reached?.headers['x-real-ip'], '127.0.0.1')
})

t.test('the forwarded address is what plugins, the Lua PDK and the log serializer see', async (t) => {
  const c = await startCollector(t)
  const yaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: [
          {
            name: 'app',
            paths: ['/'],
            plugins: [
              {
                name: 'pre-function',
                config: {
                  access: [
                    "kong.service.request.set_header('x-get-ip', kong.client.get_ip())\n" +
                      "kong.service.request.set_header('x-get-forwarded-ip', kong.client.get_forwarded_ip())\n" +
                      "kong.service.request.set_header('x-remote-addr', ngx.var.remote_addr)\n" +
                      "kong.service.request.set_header('x-realip-remote-addr', ngx.var.realip_remote_addr)",
                  ],
                },
              },
              { name: 'http-log', config: { http_endpoint: `${c.url}/log` } },
            ],
          },
        ],
      },
    ],
  })
  const { send } = await pluginGateway(t, yaml, undefined, KONG_REALIP)
  const r = await send('/x', { headers: { 'x-forwarded-for': '203.0.113.5, 10.1.1.1' } })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  t.equal(h['x-get-ip'], '127.0.0.1', 'kong.client.get_ip: the connection peer')
  t.equal(h['x-realip-remote-addr'], '127.0.0.1')
  t.equal(h['x-get-forwarded-ip'], '203.0.113.5', 'kong.client.get_forwarded_ip: what realip found')
  t.equal(h['x-remote-addr'], '203.0.113.5')
  t.equal(h['x-real-ip'], '203.0.113.5')
  t.ok(await waitFor(() => c.received.length === 1))
  t.equal((JSON.parse(c.received[0]!.body) as { client_ip: string }).client_ip, '203.0.113.5', "the log serializer's client_ip")
})

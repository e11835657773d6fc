// ip-restriction against a real upstream. The gateway trusts 127.0.0.1, so a
// test presents any client address (IPv4 or IPv6) through X-Real-IP.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { compileMatcher, parseAddress, parseCidr } from '../../src/plugins/ip-restriction/cidr.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

async function ipGateway(t: { teardown(fn: () => Promise<void>): void }, pluginConfig: string, trustedIps = '127.0.0.1') {
  const up = await startUpstream()
  const gw = await gateway(
    `_format_version: "3.0"
services:
  - name: app
    url: ${up.url}
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: ip-restriction
            config: ${pluginConfig}
`,
    { trustedIps },
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return async (ip: string | undefined) => {
    const before = up.requests.length
    const r = await fetchRaw(`${gw.url}/x`, { headers: ip === undefined ? {} : { 'x-real-ip': ip } })
    return Object.assign(r, { reached: up.requests.length > before ? up.requests[up.requests.length - 1] : undefined })
  }
}

t.test('deny list: IPv4 address and CIDR refused with 403 "IP address not allowed: <ip>"', async (t) => {
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:299, :392
  const send = await ipGateway(t, "{ deny: ['10.0.0.0/8', 192.168.1.7] }")
  const r = await send('10.20.30.40')
  t.equal(r.status, 403)
  t.equal(r.json().message, 'IP address not allowed: 10.20.30.40')
  t.match(r.json().request_id, /^[0-9a-f]{32}$/, 'kong.response.error template')
  t.equal(r.reached, undefined)
  t.equal((await send('192.168.1.7')).status, 403)
  t.equal((await send('192.168.1.8')).status, 200)
  t.equal((await send('11.0.0.1')).status, 200)
  t.equal((await send(undefined)).status, 200, 'the peer 127.0.0.1 is not denied')
})

t.test('allow list: only listed clients pass', async (t) => {
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:479, :490
  const send = await ipGateway(t, "{ allow: ['172.16.0.0/12'] }")
  t.equal((await send('172.31.255.255')).status, 200)
  const r = await send('172.32.0.1')
  t.equal(r.status, 403)
  t.equal(r.json().message, 'IP address not allowed: 172.32.0.1')
  t.equal(r.reached, undefined)
  const peer = await send(undefined)
  t.equal(peer.status, 403, 'no X-Real-IP: the TCP peer is the client')
  t.equal(peer.json().message, 'IP address not allowed: 127.0.0.1')
})

t.test('deny is checked before allow', async (t) => {
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:403, :414, :425
  const send = await ipGateway(t, "{ allow: ['10.0.0.0/8'], deny: ['10.1.0.0/16'] }")
  t.equal((await send('10.2.0.1')).status, 200)
  t.equal((await send('10.1.2.3')).status, 403)
  t.equal((await send('8.8.8.8')).status, 403)
})

t.test('IPv6 addresses and ranges', async (t) => {
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:790-888 (IPv6 through X-Real-IP)
  const send = await ipGateway(t, "{ allow: ['2001:db8::/32', '::1', 'fe80::1:2:3:4/127'], deny: ['2001:db8:dead::/48'] }")
  t.equal((await send('2001:db8::1')).status, 200)
  t.equal((await send('2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff')).status, 200)
  t.equal((await send('::1')).status, 200)
  t.equal((await send('fe80::1:2:3:5')).status, 200, '/127 covers ...:4 and ...:5')
  t.equal((await send('fe80::1:2:3:6')).status, 403)
  const r = await send('2001:db8:dead:beef::1')
  t.equal(r.status, 403)
  t.equal(r.json().message, 'IP address not allowed: 2001:db8:dead:beef::1')
  t.equal(r.reached, undefined)
  t.equal((await send('2001:db9::1')).status, 403)
  t.equal((await send('10.0.0.1')).status, 403, 'IPv4 clients never match IPv6 entries')
  t.equal((await send('::ffff:10.0.0.1')).status, 403, 'an IPv4-mapped address is its IPv4 address')
})

t.test('status and message are configurable', async (t) => {
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:311, :958 (::/0)
  const send = await ipGateway(t, "{ deny: ['0.0.0.0/0', '::/0'], status: 451, message: 'Go away' }")
  const r = await send('1.2.3.4')
  t.equal(r.status, 451)
  t.equal(r.json().message, 'Go away')
  t.equal(r.reached, undefined)
  t.equal((await send('2001:db8::9')).status, 451, '::/0 matches every IPv6 client')
  const d = await ipGateway(t, "{ deny: ['1.2.3.4'], status: 418 }")
  const s = await d('1.2.3.4')
  t.equal(s.status, 418)
  t.equal(s.json().message, 'IP address not allowed: 1.2.3.4', 'default message with a custom status')
})

t.test('X-Real-IP from an untrusted peer, or not an address, is ignored', async (t) => {
  const untrusted = await ipGateway(t, "{ deny: ['127.0.0.1'] }", '')
  const r = await untrusted('8.8.8.8')
  t.equal(r.status, 403)
  t.equal(r.json().message, 'IP address not allowed: 127.0.0.1')
  const trusted = await ipGateway(t, "{ allow: ['127.0.0.1'] }")
  t.equal((await trusted('not-an-ip')).status, 200, 'falls back to the peer address')
})

t.test('matcher: CIDR edges', async (t) => {
  const m = compileMatcher(['192.168.0.0/23', '0.0.0.0/32', '10.0.0.255/24', '2001:db8::/33'])
  const has = (ip: string) => m.matches(parseAddress(ip)!)
  t.ok(has('192.168.1.255'))
  t.notOk(has('192.168.2.0'))
  t.ok(has('0.0.0.0'))
  t.notOk(has('0.0.0.1'))
  t.ok(has('10.0.0.1'), 'host bits of a range are masked off')
  t.ok(has('2001:db8:7fff::1'))
  t.notOk(has('2001:db8:8000::1'))
  t.same(parseAddress('fe80::1%eth0'), parseAddress('fe80::1'), 'zone ignored')
  t.equal(parseAddress('1.2.3'), undefined)
  t.equal(parseAddress('1::2::3'), undefined)
  t.equal(parseCidr('10.0.0.0/33'), undefined)
  t.equal(parseCidr('::/129'), undefined)
  t.equal(parseCidr('10.0.0.0/'), undefined)
  t.ok(parseCidr('::ffff:1.2.3.4/120'))
})

const load = (cfg: string, extra = '') =>
  loadConfig(`_format_version: "3.0"\nplugins:\n  - name: ip-restriction\n${extra}    config: ${cfg}\n`, { file: 'k.yml' })
const issues = (r: Awaited<ReturnType<typeof loadConfig>>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`))

t.test('schema: defaults, protocols, bad entries, at least one list, consumer scope allowed', async (t) => {
  const ok = await load("{ allow: ['1.2.3.4'] }")
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, { allow: ['1.2.3.4'] })
    t.same([...ok.config.plugins[0]!.protocols].sort(), ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls'])
  }
  t.same(issues(await load("{ allow: ['1.2.3.4', '300.1.1.1', '10.0.0.0/40', 'fe80::/200', 'host.example'] }")), [
    "4:34 plugins[0].config.allow[1] invalid ip or cidr range: '300.1.1.1'",
    "4:47 plugins[0].config.allow[2] invalid ip or cidr range: '10.0.0.0/40'",
    "4:62 plugins[0].config.allow[3] invalid ip or cidr range: 'fe80::/200'",
    "4:76 plugins[0].config.allow[4] invalid ip or cidr range: 'host.example'",
  ])
  t.same(issues(await load('{ allow: [], message: hi }')), [
    "4:13 plugins[0].config at least one of these fields must be non-empty: 'config.allow', 'config.deny'",
  ])
  t.match(issues(await load("{ deny: ['1.1.1.1'], status: 42 }")).join('\n'), /config\.status value should be between 100 and 599/)
  const scoped = await loadConfig(
    '_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: ip-restriction\n        config: { deny: [\'1.1.1.1\'] }\n',
    { file: 'k.yml' },
  )
  t.ok(scoped.ok, 'ip-restriction may be scoped to a consumer')
})

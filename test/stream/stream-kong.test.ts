// Kong's stream proxy specs through real stream listeners, real TCP/TLS/UDP upstreams and Node
// clients: spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua (tcp and tls, with
// the log phase observed through file-log), 31-stream_tls_spec.lua (the server name sent to a
// TLS upstream), 26-udp_spec.lua and 10-balancer/06-stream_spec.lua.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { deadPort, MESSAGE, streamGateway, tcpEcho, tcpExchange, tlsEcho, tlsExchange, udpEcho, udpExchange } from '../helpers/stream.js'

/** file-log's lines, once `n` were written. */
async function logLines(path: string, n: number): Promise<Record<string, any>[]> {
  for (;;) {
    let text = ''
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      // not written yet
    }
    const lines = text.split('\n').filter(Boolean)
    if (lines.length >= n) return lines.map((l) => JSON.parse(l) as Record<string, any>)
    await new Promise((r) => setTimeout(r, 10))
  }
}

// spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:127
t.test('28-stream_plugins_triggering: tcp and tls sessions are proxied and logged once', async (t) => {
  const tcpUp = await tcpEcho(t)
  const tlsUp = await tlsEcho(t)
  const log = join(mkdtempSync(join(tmpdir(), 'stream-log-')), 'stream.log')
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- name: tcp
  host: 127.0.0.1
  port: ${tcpUp.port}
  protocol: tcp
  routes: [{name: tcp, protocols: [tcp], destinations: [{ip: 127.0.0.1}]}]
- name: tls
  host: 127.0.0.1
  port: ${tlsUp.port}
  protocol: tls
  routes: [{name: tls, protocols: [tls], destinations: [{ip: 127.0.0.2}]}]
plugins:
- name: file-log
  protocols: [tcp, tls]
  config: {path: ${log}}
`,
    ['127.0.0.1:0', '127.0.0.2:0 ssl'],
  )
  // spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:213 ("tcp")
  const tcp = await tcpExchange(gw.stream[0]!, MESSAGE)
  t.equal(tcp.data, MESSAGE, 'tcp: the upstream echoed through the gateway')
  const [first] = await logLines(log, 1)
  t.equal(first!.route.name, 'tcp', 'the log phase ran for the tcp session')
  t.equal(first!.session.status, 200)
  t.equal(first!.session.received, MESSAGE.length)
  t.equal(first!.session.sent, MESSAGE.length)
  t.equal(first!.upstream.sent, MESSAGE.length)
  t.equal(first!.session.tls, undefined, 'no TLS on a plain listener')
  t.same(Object.keys(first!), ['session', 'upstream', 'latencies', 'tries', 'route', 'service', 'client_ip', 'started_at', 'workspace', 'workspace_name'])
  t.equal(first!.tries.length, 1)
  t.equal(first!.tries[0].port, tcpUp.port)

  // spec/02-integration/05-proxy/28-stream_plugins_triggering_spec.lua:225 ("tls"): no SNI, the default certificate
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:601 (#stream reports tls streams: session.tls)
  const tls = await tlsExchange(gw.stream[1]!, MESSAGE)
  t.equal(tls.data, MESSAGE, 'tls: terminated, then TLS again to the upstream')
  t.equal(tls.authorized, 'localhost', "Kong's default certificate (CN=localhost)")
  const [, second] = await logLines(log, 2)
  t.equal(second!.route.name, 'tls')
  t.match(second!.session.tls, { version: /^TLSv1\.[23]$/, client_verify: 'NONE' })
  t.equal(second!.session.server_port, Number(gw.stream[1]!.split(' ')[0]!.split(':')[1]))
})

// spec/02-integration/05-proxy/31-stream_tls_spec.lua:72
t.test('31-stream_tls: the server name sent to a TLS upstream', async (t) => {
  const up = await tlsEcho(t)
  const config = (preserveHost: boolean, hostHeader: string | undefined) => `_format_version: "3.0"
upstreams:
- name: upstream_srv
  ${hostHeader ? `host_header: ${hostHeader}` : ''}
  targets: [{target: "127.0.0.1:${up.port}"}]
services:
- name: tls
  url: tls://upstream_srv
  routes: [{name: routes_stream, protocols: [tls], preserve_host: ${preserveHost}, destinations: [{ip: 127.0.0.1}]}]
`
  const gw = await streamGateway(t, config(false, undefined), ['127.0.0.1:0 ssl'])
  const bound = gw.stream[0]!
  // spec/02-integration/05-proxy/31-stream_tls_spec.lua:72 ("tls not set host_header"): the target is an IP address
  t.equal((await tlsExchange(bound, 'get_sni\n', 'ssl-hello.test')).data, 'nil\n')

  // spec/02-integration/05-proxy/31-stream_tls_spec.lua:81 ("tls set preserve_host"): the client's name goes on
  const { writeFileSync } = await import('node:fs')
  writeFileSync(gw.file, config(true, undefined))
  t.equal((await gw.reload()).result, 'applied')
  t.equal((await tlsExchange(bound, 'get_sni\n', 'ssl-hello.test')).data, 'ssl-hello.test\n')

  // spec/02-integration/05-proxy/31-stream_tls_spec.lua:111 ("tls set host_header"): the upstream's host_header
  writeFileSync(gw.file, config(false, undefined))
  t.equal((await gw.reload()).result, 'applied')
  t.equal((await tlsExchange(bound, 'get_sni\n', 'ssl-hello.test')).data, 'nil\n')
  writeFileSync(gw.file, config(false, 'ssl-hello.test'))
  t.equal((await gw.reload()).result, 'applied')
  t.equal((await tlsExchange(bound, 'get_sni\n', 'ssl-hello.test')).data, 'ssl-hello.test\n')
})

// spec/02-integration/05-proxy/26-udp_spec.lua:55
t.test('26-udp: proxies udp', async (t) => {
  const up = await udpEcho(t)
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- name: udp-service
  url: udp://127.0.0.1:${up.port}
  routes: [{protocols: [udp], sources: [{ip: 127.0.0.1}]}]
`,
    ['127.0.0.1:0 udp'],
  )
  t.match(gw.stream[0], / udp$/)
  t.equal(await udpExchange(gw.stream[0]!, 'HELLO WORLD!\n'), 'HELLO WORLD!\n')
  t.equal(up.datagrams, 1)
})

// spec/02-integration/05-proxy/10-balancer/06-stream_spec.lua:17
t.test('10-balancer/06-stream: least-connections, with retries', async (t) => {
  const up = await tcpEcho(t)
  const dead1 = await deadPort()
  const dead2 = await deadPort()
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
upstreams:
- name: tcp-upstream
  algorithm: least-connections
  targets: [{target: "127.0.0.1:${up.port}", weight: 100}]
- name: tcp-upstream-retries
  algorithm: least-connections
  targets:
  - {target: "127.0.0.1:${dead1}", weight: 300}
  - {target: "127.0.0.1:${dead2}", weight: 200}
  - {target: "127.0.0.1:${up.port}", weight: 100}
services:
- {name: one, host: tcp-upstream, port: ${up.port}, protocol: tcp, routes: [{protocols: [tcp], destinations: [{ip: 127.0.0.1}]}]}
- {name: retries, host: tcp-upstream-retries, port: ${up.port}, protocol: tcp, routes: [{protocols: [tcp], destinations: [{ip: 127.0.0.2}]}]}
`,
    ['127.0.0.1:0', '127.0.0.2:0'],
  )
  // spec/02-integration/05-proxy/10-balancer/06-stream_spec.lua:110 ("balances by least-connections")
  for (let i = 0; i < 2; i++) t.equal((await tcpExchange(gw.stream[0]!, MESSAGE)).data, MESSAGE)
  // spec/02-integration/05-proxy/10-balancer/06-stream_spec.lua:121 ("... with retries"): the two dead targets are tried first
  for (let i = 0; i < 2; i++) t.equal((await tcpExchange(gw.stream[1]!, MESSAGE)).data, MESSAGE)
  t.equal(up.connections, 4)
})

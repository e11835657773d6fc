// Kong's stream router cases (spec/01-unit/08-router_spec.lua, "#stream context") on the compiled
// stream router: each scenario is a kong.yml, each case a connection's facts and the route a user
// would see matched (null: Kong closes the connection, "no Route found with those values").
import t from 'tap'
import { load } from '../helpers/router.js'
import { compileStreamRouter, streamPriority, type StreamRequest } from '../../src/compile/stream-router.js'

const ID = (n: number) => `e8fb37f1-102d-461e-9c51-6608a6bb810${n}`

/** Routes given as YAML flow mappings, ids 1..n in order, on one tcp service. */
function routes(...rs: string[]): string {
  return `services:\n- name: svc\n  url: tcp://upstream.internal:9000\n  routes:\n${rs.map((r, i) => `  - {id: ${ID(i + 1)}, ${r}}\n`).join('')}`
}

const conn = (c: Partial<StreamRequest>): StreamRequest => ({ scheme: 'tcp', srcIp: '', srcPort: 0, dstIp: '', dstPort: 0, ...c })

function matched(body: string) {
  const router = compileStreamRouter(load(body))
  return (c: Partial<StreamRequest>) => router.match(conn(c))?.route.id ?? null
}

// spec/01-unit/08-router_spec.lua:4412
t.test('[sources]', async (t) => {
  const m = matched(
    routes(
      'protocols: [tcp], sources: [{ip: 127.0.0.1}, {ip: 127.0.0.2}]',
      'protocols: [tcp], sources: [{port: 65001}, {port: 65002}]',
      'protocols: [tcp], sources: [{ip: 127.168.0.0/8}]',
      'protocols: [tcp], sources: [{ip: 127.0.0.1, port: 65001}]',
      'protocols: [tcp], sources: [{ip: 127.0.0.2, port: 65300}, {ip: 127.168.0.0/16, port: 65301}]',
    ),
  )
  // spec/01-unit/08-router_spec.lua:4482
  t.equal(m({ srcIp: '127.0.0.1' }), ID(1), '[src_ip]')
  // spec/01-unit/08-router_spec.lua:4492
  t.equal(m({ srcIp: '127.0.0.3', srcPort: 65001 }), ID(2), '[src_port]')
  // spec/01-unit/08-router_spec.lua:4498
  t.equal(m({ srcIp: '127.168.0.1' }), ID(3), '[src_ip] range match')
  // spec/01-unit/08-router_spec.lua:4504
  t.equal(m({ srcIp: '127.0.0.1', srcPort: 65001 }), ID(4), '[src_ip] + [src_port]')
  // spec/01-unit/08-router_spec.lua:4510
  t.equal(m({ srcIp: '127.168.10.1', srcPort: 65301 }), ID(5), '[src_ip] range match + [src_port]')
  // spec/01-unit/08-router_spec.lua:4516
  t.equal(m({ srcIp: '10.0.0.1' }), null, '[src_ip] no match')
  t.equal(m({ srcIp: '10.0.0.2', srcPort: 65301 }), null, '[src_ip] + port no match')
  // A dual-stack listener sees IPv4 clients as IPv4-mapped IPv6 addresses: they match as IPv4.
  t.equal(m({ srcIp: '::ffff:127.0.0.1' }), ID(1), 'IPv4-mapped client address')
  t.equal(m({ srcIp: 'fe80::1%eth0', srcPort: 1 }), null, 'a scoped IPv6 address matches no ip entry, and does not throw')
})

// spec/01-unit/08-router_spec.lua:4526
t.test('[destinations]', async (t) => {
  const m = matched(
    routes(
      'protocols: [tcp], destinations: [{ip: 127.0.0.1}, {ip: 127.0.0.2}]',
      'protocols: [tcp], destinations: [{port: 65001}, {port: 65002}]',
      'protocols: [tcp], destinations: [{ip: 127.168.0.0/8}]',
      'protocols: [tcp], destinations: [{ip: 127.0.0.1, port: 65001}]',
      'protocols: [tcp], destinations: [{ip: 127.0.0.2, port: 65300}, {ip: 127.168.0.0/16, port: 65301}]',
    ),
  )
  // spec/01-unit/08-router_spec.lua:4592
  t.equal(m({ dstIp: '127.0.0.1' }), ID(1), '[dst_ip]')
  // spec/01-unit/08-router_spec.lua:4604
  t.equal(m({ dstIp: '127.0.0.3', dstPort: 65001 }), ID(2), '[dst_port]')
  // spec/01-unit/08-router_spec.lua:4611
  t.equal(m({ dstIp: '127.168.0.1' }), ID(3), '[dst_ip] range match')
  // spec/01-unit/08-router_spec.lua:4618
  t.equal(m({ dstIp: '127.0.0.1', dstPort: 65001 }), ID(4), '[dst_ip] + [dst_port]')
  // spec/01-unit/08-router_spec.lua:4625
  t.equal(m({ dstIp: '127.168.10.1', dstPort: 65301 }), ID(5), '[dst_ip] range match + [dst_port]')
  // spec/01-unit/08-router_spec.lua:4632
  t.equal(m({ dstIp: '10.0.0.1' }), null, '[dst_ip] no match')
  t.equal(m({ dstIp: '10.0.0.2', dstPort: 65301 }), null, '[dst_ip] + port no match')
})

// spec/01-unit/08-router_spec.lua:4732
t.test('[sni] has higher priority than [src] or [dst]', async (t) => {
  const m = matched(
    routes('protocols: [tls], snis: [www.example.org]', 'protocols: [tls], sources: [{ip: 127.0.0.1}]', 'protocols: [tls], destinations: [{ip: 172.168.0.1}]'),
  )
  t.equal(m({ srcIp: '127.0.0.1', sni: 'www.example.org' }), ID(1))
  t.equal(m({ dstIp: '172.168.0.1', sni: 'www.example.org' }), ID(1))
  // With the scheme `tls` (a name was seen), the sni clause is checked: another name falls to sources.
  t.equal(m({ scheme: 'tls', srcIp: '127.0.0.1', sni: 'other.example.org' }), ID(2))
})

// spec/01-unit/08-router_spec.lua:4777
t.test('[src] + [dst] has higher priority than [sni]', async (t) => {
  const m = matched(routes('protocols: [tls], snis: [www.example.org]', 'protocols: [tls], sources: [{ip: 127.0.0.1}], destinations: [{ip: 172.168.0.1}]'))
  t.equal(m({ srcIp: '127.0.0.1', dstIp: '172.168.0.1', sni: 'www.example.org' }), ID(2))
})

// spec/01-unit/08-router_spec.lua:4818 (the stream "check empty route fields"): an empty
// list is no clause, and the priority is the transform's (kong/router/transform.lua stream_get_priority).
t.test('priorities and wildcard snis', async (t) => {
  t.equal(streamPriority({ snis: ['a.test'], sources: undefined, destinations: undefined }), 1n << 61n)
  t.equal(streamPriority({ snis: [], sources: [{ ip: '127.0.0.1' }], destinations: [{ ip: '10.0.0.0/8', port: 1 }] }), (1n << 61n) | (8n << 4n) | 5n)
  t.equal(streamPriority({ snis: undefined, sources: [{ port: 1 }], destinations: undefined }), 4n << 4n)
  const m = matched(routes('protocols: [tls_passthrough], snis: ["*.example.org"]', 'protocols: [tls_passthrough], snis: ["api.*"]'))
  t.equal(m({ scheme: 'tls', sni: 'a.example.org' }), ID(1), 'leftmost wildcard')
  t.equal(m({ scheme: 'tls', sni: 'api.other.net' }), ID(2), 'rightmost wildcard')
  t.equal(m({ scheme: 'tls', sni: 'web.other.net' }), null, 'no name matches')
})

// kong/runloop/handler.lua should_process_route / get_service_for_route: HTTP routes are not stream
// routes; routes of a disabled service are left out.
t.test('which routes the stream router holds', async (t) => {
  const router = compileStreamRouter(
    load(`services:
- name: web
  url: http://web.internal
  routes: [{name: web, paths: [/]}]
- name: off
  url: tcp://off.internal:1
  enabled: false
  routes: [{name: off, protocols: [tcp], destinations: [{port: 1}]}]
- name: on
  url: udp://on.internal:1
  routes: [{name: on, protocols: [udp], destinations: [{port: 1}]}]
`),
  )
  t.equal(router.size, 1)
  t.equal(router.match(conn({ scheme: 'udp', dstPort: 1 }))?.route.name, 'on')
})

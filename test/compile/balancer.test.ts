// Upstreams with real targets on loopback (reference §1.9, §1.10, §2.5, §2.9).
import t from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startUpstream, type Echo } from '../helpers/upstream.js'

t.test('weighted round-robin: 100/50/50 over 200 requests is exactly 100/50/50; weight 0 is never picked', async (t) => {
  const [a, b, c, zero] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c'), startUpstream('zero')])
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: pool.internal
    targets:
      - { target: "127.0.0.1:${a.port}", weight: 100 }
      - { target: "127.0.0.1:${b.port}", weight: 50 }
      - { target: "127.0.0.1:${c.port}", weight: 50 }
      - { target: "127.0.0.1:${zero.port}", weight: 0 }
services:
  - name: pooled
    host: pool.internal
    routes: [{ name: pooled, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await Promise.all([a, b, c, zero].map((u) => u.close()))
  })
  for (let i = 0; i < 200; i++) {
    const r = await fetchRaw(`${gw.url}/item/${i}`)
    if (r.status !== 200) t.fail(`request ${i}: ${r.status}`)
  }
  t.equal(a.requests.length, 100)
  t.equal(b.requests.length, 50)
  t.equal(c.requests.length, 50)
  t.equal(zero.requests.length, 0)
})

t.test('a dead target: with retries every request still succeeds through the live ones', async (t) => {
  const [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')])
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: pool.internal
    targets:
      - { target: "127.0.0.1:1" }
      - { target: "127.0.0.1:${a.port}" }
      - { target: "127.0.0.1:${b.port}" }
services:
  - name: pooled
    host: pool.internal
    retries: 2
    routes: [{ name: pooled, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await Promise.all([a.close(), b.close()])
  })
  const statuses = new Set<number>()
  for (let i = 0; i < 30; i++) statuses.add((await fetchRaw(`${gw.url}/`)).status)
  t.same([...statuses], [200])
  t.equal(a.requests.length + b.requests.length, 30)
  t.ok(a.requests.length > 0 && b.requests.length > 0, 'both live targets serve')
})

t.test('all targets dead: 502 once the tries are used up (unhealthy needs health checks, so no 503)', async (t) => {
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: dead.internal
    targets:
      - { target: "127.0.0.1:1" }
      - { target: "127.0.0.2:1" }
services:
  - name: dead
    host: dead.internal
    routes: [{ name: dead, paths: [/dead] }]
  - name: dead-no-retries
    host: dead.internal
    retries: 0
    routes: [{ name: dead-no-retries, paths: [/once] }]
`)
  t.teardown(() => gw.close())
  for (const path of ['/dead', '/once']) {
    const r = await fetchRaw(`${gw.url}${path}`)
    t.equal(r.status, 502, path)
    t.equal(r.headers['content-type'], 'text/plain; charset=utf-8', path)
    t.equal(r.body, `An invalid response was received from the upstream server\nrequest_id: ${String(r.headers['x-kong-request-id'])}\n`, path)
  }
})

t.test('an upstream with no targets (or only weight 0): 503 failure to get a peer from the ring-balancer', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:374
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: empty.internal
  - name: disabled.internal
    targets:
      - { target: "127.0.0.1:1", weight: 0 }
services:
  - name: empty
    host: empty.internal
    routes: [{ name: empty, paths: [/empty] }]
  - name: disabled
    host: disabled.internal
    routes: [{ name: disabled, paths: [/disabled] }]
`)
  t.teardown(() => gw.close())
  for (const path of ['/empty', '/disabled']) {
    const r = await fetchRaw(`${gw.url}${path}`)
    t.equal(r.status, 503, path)
    t.equal(r.headers['content-type'], 'application/json; charset=utf-8', path)
    t.equal(r.body, `{\n  "message":"failure to get a peer from the ring-balancer",\n  "request_id":"${String(r.headers['x-kong-request-id'])}"\n}`, path)
  }
})

t.test("Host to targets: the target's host and port by default; upstream host_header replaces the host name", async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:828
  const up = await startUpstream('a')
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: plain.internal
    targets: [{ target: "localhost:${up.port}" }]
  - name: named.internal
    host_header: api.internal
    targets: [{ target: "127.0.0.1:${up.port}" }]
services:
  - name: plain
    host: plain.internal
    routes: [{ name: plain, paths: [/plain] }]
  - name: named
    host: named.internal
    routes: [{ name: named, paths: [/named] }]
  - name: preserved
    host: named.internal
    routes: [{ name: preserved, paths: [/preserved], preserve_host: true }]
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const host = async (path: string, headers: Record<string, string> = {}) =>
    (JSON.parse((await fetchRaw(`${gw.url}${path}`, { headers })).body) as Echo).headers.host
  t.equal(await host('/plain'), `localhost:${up.port}`, 'target host and its non-default port')
  t.equal(await host('/named'), `api.internal:${up.port}`, '§2.5: host_header plus the target port when it is not the default')
  t.equal(await host('/preserved', { host: 'www.example.com' }), 'www.example.com', 'preserve_host wins over host_header')
})

// Passive and active health checks take failing targets out of rotation and bring them back.
import t from 'tap'
import { balancedGateway, fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { until } from '../helpers/kong-target.js'
import { startUpstream } from '../helpers/upstream.js'

/** The health the gateway keeps for target 127.0.0.1:port of app.upstream. */
const healthOf = (gw: TestGateway, port: number) =>
  gw.holder
    .current()
    .balancers.get('app.upstream')!
    .health()
    .find((h) => h.target === `127.0.0.1:${port}`)?.healthy

t.test('passive: a target answering 500s is ejected after http_failures', async (t) => {
  const good = await startUpstream('good')
  const bad = await startUpstream('bad', (_req, res) => {
    res.writeHead(500)
    res.end('boom')
  })
  const gw = await balancedGateway(t, [good, bad], 'healthchecks:\n  passive:\n    unhealthy: { http_failures: 2, http_statuses: [500] }')
  const statuses: number[] = []
  for (let i = 0; i < 10; i++) statuses.push((await fetchRaw(`${gw.url}/x`)).status)
  t.equal(statuses.filter((s) => s === 500).length, 2, 'exactly http_failures errors reach the client')
  t.same(statuses.slice(4), [200, 200, 200, 200, 200, 200], 'then only the healthy target answers')
  t.equal(bad.requests.length, 2)
})

t.test('active: probes mark a target unhealthy, then healthy again', async (t) => {
  let failing = true
  const a = await startUpstream('a')
  const b = await startUpstream('b', (req, res) => {
    if (req.url === '/health') {
      res.writeHead(failing ? 503 : 200)
      return res.end()
    }
    res.end('b')
  })
  const gw = await balancedGateway(
    t,
    [a, b],
    'healthchecks:\n  active:\n    http_path: /health\n    healthy: { interval: 0.1, successes: 1 }\n    unhealthy: { interval: 0.1, http_failures: 1 }',
  )
  await until(() => healthOf(gw, b.port) === false, 'b unhealthy')
  const before = b.requests.filter((r) => r.url !== '/health').length
  for (let i = 0; i < 6; i++) t.equal((await fetchRaw(`${gw.url}/x`)).json().name, 'a')
  t.equal(b.requests.filter((r) => r.url !== '/health').length, before, 'no traffic to the unhealthy target')
  failing = false
  await until(() => healthOf(gw, b.port) === true, 'b healthy again')
  const names = new Set<string>()
  for (let i = 0; i < 6; i++) {
    const r = await fetchRaw(`${gw.url}/x`)
    names.add(r.body === 'b' ? 'b' : (r.json().name as string))
  }
  t.same([...names].sort(), ['a', 'b'], 'the recovered target is back in rotation')
})

t.test('all targets unhealthy: 503 failure to get a peer', async (t) => {
  // A refused try that is retried counts as a TCP failure (as in Kong; the last try counts by its 502).
  const gw = await gateway(`_format_version: "3.0"
upstreams:
  - name: app.upstream
    healthchecks:
      passive:
        unhealthy: { tcp_failures: 1 }
    targets:
      - target: 127.0.0.1:1
services:
  - name: app
    host: app.upstream
    retries: 1
    routes: [{ name: app, paths: [/] }]
`)
  t.teardown(() => gw.close())
  const first = await fetchRaw(`${gw.url}/`)
  t.equal(first.status, 503, 'the retry finds no healthy target')
  t.match(first.body, /The upstream server is currently unavailable/)
  const r = await fetchRaw(`${gw.url}/`)
  t.equal(r.status, 503)
  t.equal(r.json().message, 'failure to get a peer from the ring-balancer')
})

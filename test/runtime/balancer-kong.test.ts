// Kong's balancer specs through a real gateway and real targets on loopback:
// round-robin (spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua), least-connections
// (02-least-connections_spec.lua), latency (07-latency_spec.lua), the Host of a retried request
// (05-recreate-request_spec.lua) and retries counted as Kong counts them (05-proxy/05-dns_spec.lua).
// Kong's DB-less cases change targets by posting a new declarative config; here the file is
// rewritten and reloaded. The Admin API cases (adding and deleting targets over HTTP) are
// not here: the admin API is read-only.
import { writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { kongTarget, until, type KongTarget } from '../helpers/kong-target.js'

type Json = Record<string, unknown>

/** kong.yml: upstream `app.upstream` with these targets (`port` → 127.0.0.1:port) and a service over it on `/`. */
function yamlOf(targets: { port: number; weight?: number; target?: string }[], upstream: Json = {}, service: Json = {}, route: Json = {}): string {
  return stringify(
    {
      _format_version: '3.0',
      upstreams: [
        {
          name: 'app.upstream',
          ...upstream,
          targets: targets.map((x) => ({ target: x.target ?? `127.0.0.1:${x.port}`, weight: x.weight ?? 10 })),
        },
      ],
      services: [{ name: 'app', host: 'app.upstream', ...service, routes: [{ name: 'app', paths: ['/'], ...route }] }],
    },
    { lineWidth: 0 },
  )
}

async function start(t: Test, yaml: string): Promise<TestGateway> {
  const gw = await gateway(yaml)
  t.teardown(() => gw.close())
  return gw
}

async function reload(t: Test, gw: TestGateway, yaml: string): Promise<void> {
  writeFileSync(gw.file, yaml)
  t.equal((await gw.reload()).result, 'applied', 'reloaded')
}

/** `n` requests one after another: how many answered 200, and the last status. */
async function requests(gw: TestGateway, n: number, headers: Record<string, string> = {}): Promise<{ oks: number; last: number }> {
  let oks = 0
  let last = 0
  for (let i = 0; i < n; i++) {
    last = (await fetchRaw(`${gw.url}/`, { headers })).status
    if (last === 200) oks++
  }
  return { oks, last }
}

const SLOTS = 10 // spec/fixtures/balancer_utils.lua: the specs go round the balancer twice, SLOTS * 2 requests

const reset = (...servers: KongTarget[]) => servers.forEach((s) => (s.ok = s.fail = 0))

t.test('round-robin over two targets: exactly half each', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:79
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  const gw = await start(t, yamlOf([s1, s2]))
  const r = await requests(gw, SLOTS * 2)
  t.equal(r.oks, SLOTS * 2)
  t.same([s1.ok, s2.ok], [SLOTS, SLOTS])
})

t.test('round-robin: adding a target shifts the shares to its weight', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:109
  const [s1, s2, s3] = [await kongTarget(t, 's1'), await kongTarget(t, 's2'), await kongTarget(t, 's3')]
  const gw = await start(t, yamlOf([s1, s2]))
  t.equal((await requests(gw, SLOTS * 2)).oks, SLOTS * 2)
  t.same([s1.ok, s2.ok], [SLOTS, SLOTS])
  reset(s1, s2)
  await reload(t, gw, yamlOf([s1, s2, { port: s3.port, weight: 5 }]))
  t.equal((await requests(gw, SLOTS * 2)).oks, SLOTS * 2)
  t.same([s1.ok, s2.ok, s3.ok], [SLOTS * 2 * 0.4, SLOTS * 2 * 0.4, SLOTS * 2 * 0.2], '40/40/20')
})

t.test('round-robin: a target set to weight 0 gets nothing', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:173
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  const gw = await start(t, yamlOf([s1, s2]))
  await requests(gw, SLOTS * 2)
  t.same([s1.ok, s2.ok], [SLOTS, SLOTS])
  reset(s1, s2)
  await reload(t, gw, yamlOf([s1, { port: s2.port, weight: 0 }]))
  t.equal((await requests(gw, SLOTS * 2)).oks, SLOTS * 2)
  t.same([s1.ok, s2.ok], [SLOTS * 2, 0])
})

t.test('round-robin: modifying a weight shifts the shares', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:226
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  const gw = await start(t, yamlOf([s1, s2]))
  await requests(gw, SLOTS * 2)
  reset(s1, s2)
  await reload(t, gw, yamlOf([s1, { port: s2.port, weight: 15 }]))
  t.equal((await requests(gw, SLOTS * 2)).oks, SLOTS * 2)
  t.same([s1.ok, s2.ok], [SLOTS * 2 * 0.4, SLOTS * 2 * 0.6], '40/60')
})

t.test('every target at weight 0: 503 failure to get a peer', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:283 (weights changed to 0)
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  const gw = await start(t, yamlOf([s1, s2]))
  t.equal((await requests(gw, SLOTS * 2)).oks, SLOTS * 2)
  await reload(
    t,
    gw,
    yamlOf([
      { port: s1.port, weight: 0 },
      { port: s2.port, weight: 0 },
    ]),
  )
  const r = await fetchRaw(`${gw.url}/`)
  t.equal(r.status, 503)
  t.equal(r.json().message, 'failure to get a peer from the ring-balancer')

  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:328 (weight 0 from the start)
  const off = await start(
    t,
    yamlOf([
      { port: s1.port, weight: 0 },
      { port: s2.port, weight: 0 },
    ]),
  )
  t.equal((await fetchRaw(`${off.url}/`)).status, 503)
  t.same([s1.total, s2.total], [SLOTS, SLOTS], 'no request reached a target at weight 0')
})

t.test('removing a target (weight 0) and adding it back', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/04-round-robin_spec.lua:385
  const server = await kongTarget(t, 'server')
  const gw = await start(t, yamlOf([{ port: server.port, weight: 100 }]))
  t.equal((await requests(gw, 20)).oks, 20)
  t.equal(server.total, 20)
  await reload(t, gw, yamlOf([{ port: server.port, weight: 0 }]))
  const off = await requests(gw, 20)
  t.same([off.oks, off.last], [0, 503])
  t.equal(server.total, 20, 'no request while it is out')
  await reload(t, gw, yamlOf([{ port: server.port, weight: 100 }]))
  t.equal((await requests(gw, 20)).oks, 20)
  t.equal(server.total, 40)
})

/** Sends a request without waiting for its answer, once the previous ones are held by the targets. */
async function dispatchHeld(gw: TestGateway, servers: KongTarget[], n: number): Promise<Promise<unknown>[]> {
  const pending: Promise<unknown>[] = []
  for (let i = 0; i < n; i++) {
    const before = servers.reduce((s, x) => s + x.held, 0)
    pending.push(fetchRaw(`${gw.url}/`))
    await until(() => servers.reduce((s, x) => s + x.held, 0) === before + 1, `request ${i} held by a target`)
  }
  return pending
}

t.test('least-connections: a target still busy gets the next requests only once it is the least busy', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/02-least-connections_spec.lua:69 (two targets, one
  // twice as slow: the slow one gets about half as many). Here "slow" is "still holding its
  // requests": the counts are exact, not a ratio over 1.5 s.
  const [fast, slow] = [await kongTarget(t, 'fast'), await kongTarget(t, 'slow')]
  const gw = await start(
    t,
    yamlOf(
      [
        { port: fast.port, weight: 100 },
        { port: slow.port, weight: 100 },
      ],
      { algorithm: 'least-connections' },
    ),
  )
  fast.hold = slow.hold = true
  const first = await dispatchHeld(gw, [fast, slow], 10)
  t.same([fast.held, slow.held], [5, 5], 'ten open requests: five each')
  fast.release()
  fast.hold = false
  await until(() => fast.ok === 5, 'the fast target answered')
  // The fast target has nothing open, the slow one five: every new request goes to the fast one.
  t.equal((await requests(gw, 4)).oks, 4)
  t.same([fast.ok, slow.held], [9, 5])
  slow.release()
  await Promise.all(first)
  t.equal(slow.ok, 5)
})

t.test("least-connections: Kong's score, (connections + 1) / weight", async (t) => {
  // kong/runloop/balancer/least_connections.lua orders addresses by (connections + 1) / weight:
  // with weights 2 and 5 and every request held, five requests go B, B, A, B, B.
  const [a, b] = [await kongTarget(t, 'a'), await kongTarget(t, 'b')]
  const gw = await start(
    t,
    yamlOf(
      [
        { port: a.port, weight: 2 },
        { port: b.port, weight: 5 },
      ],
      { algorithm: 'least-connections' },
    ),
  )
  a.hold = b.hold = true
  const pending = await dispatchHeld(gw, [a, b], 5)
  t.same([a.held, b.held], [1, 4])
  a.release()
  b.release()
  await Promise.all(pending)
})

t.test('latency: the faster target takes the traffic', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/07-latency_spec.lua:68 (one target ten times slower:
  // the faster gets more than ten times as many). Here the slow target holds its one request
  // for twenty times what the fast one took: a wait that makes it slow, not an assertion.
  const [fast, slow] = [await kongTarget(t, 'fast'), await kongTarget(t, 'slow')]
  const gw = await start(
    t,
    yamlOf(
      [
        { port: fast.port, weight: 100 },
        { port: slow.port, weight: 100 },
      ],
      { algorithm: 'latency' },
    ),
  )
  // Nothing is known yet: the first request goes to the first target, the next to the other.
  const t0 = performance.now()
  t.equal((await fetchRaw(`${gw.url}/`)).status, 200)
  const fastMs = performance.now() - t0
  t.equal(fast.ok, 1)
  slow.hold = true
  const held = fetchRaw(`${gw.url}/`)
  await until(() => slow.held === 1, 'the slow target holds the second request')
  await new Promise((r) => setTimeout(r, Math.max(100, 20 * fastMs)))
  slow.release()
  slow.hold = false
  await held
  t.equal((await requests(gw, 20)).oks, 20)
  t.same([fast.ok, slow.ok], [21, 1], 'every later request went to the fast target')
})

t.test('latency: the score is the latency divided by the weight', async (t) => {
  // kong/runloop/balancer/latency.lua scores an address by its decayed latency / its weight:
  // two targets alike but for weights 1 and 1000 -- once both answered, the heavy one takes all.
  const [light, heavy] = [await kongTarget(t, 'light'), await kongTarget(t, 'heavy')]
  const gw = await start(
    t,
    yamlOf(
      [
        { port: light.port, weight: 1 },
        { port: heavy.port, weight: 1000 },
      ],
      { algorithm: 'latency' },
    ),
  )
  await until(async () => {
    await fetchRaw(`${gw.url}/`)
    return light.ok > 0 && heavy.ok > 0
  }, 'both targets answered once')
  const before = light.ok
  t.equal((await requests(gw, 20)).oks, 20)
  t.equal(light.ok - before, 0, 'the weight-1 target gets nothing')
})

t.test("a retried request carries the next target's Host", async (t) => {
  // spec/02-integration/05-proxy/10-balancer/05-recreate-request_spec.lua:76 (the first target
  // times out; the retry goes to the second with its own host and port)
  const [stuck, good] = [await kongTarget(t, 'stuck'), await kongTarget(t, 'good')]
  stuck.timeouts = Infinity
  const targets = [
    { port: stuck.port, target: `localhost:${stuck.port}` },
    { port: good.port, target: `localhost:${good.port}` },
  ]
  const gw = await start(t, yamlOf(targets, {}, { read_timeout: 300 }))
  for (let i = 0; i < 2; i++) {
    const r = await fetchRaw(`${gw.url}/recreate_test`)
    t.equal(r.status, 200)
  }
  t.same(good.hosts, [`localhost:${good.port}`, `localhost:${good.port}`])
  t.ok(stuck.total >= 1, 'the first target was tried')

  // spec/02-integration/05-proxy/10-balancer/05-recreate-request_spec.lua:106 (preserve_host)
  const kept = await start(t, yamlOf(targets, {}, { read_timeout: 300 }, { preserve_host: true, hosts: ['test.test'] }))
  good.hosts.length = 0
  const r = await fetchRaw(`${kept.url}/recreate_test`, { headers: { host: 'test.test' } })
  t.equal(r.status, 200)
  t.same(good.hosts, ['test.test'])
})

t.test('retries: a target that accepts and closes is tried 1 + retries times, then 502', async (t) => {
  // spec/02-integration/05-proxy/05-dns_spec.lua:81
  let tries = 0
  const sockets = new Set<Socket>()
  const bad = createServer((socket) => {
    tries++
    sockets.add(socket)
    socket.destroy()
  })
  await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => bad.close(() => r())))
  const port = (bad.address() as { port: number }).port
  const gw = await start(
    t,
    stringify({
      _format_version: '3.0',
      services: [{ name: 'retries', url: `http://127.0.0.1:${port}`, retries: 3, routes: [{ name: 'r', hosts: ['retries.test'] }] }],
    }),
  )
  const r = await fetchRaw(`${gw.url}/`, { headers: { host: 'retries.test' } })
  t.equal(r.status, 502)
  t.equal(tries - 1, 3, 'the first try and three retries')
})

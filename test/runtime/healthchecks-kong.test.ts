// Kong's health-check specs (spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua)
// through a real gateway and real targets on loopback: passive checks counted from what the
// targets really answered, active probes of a real /status endpoint (intervals kept short
// here), thresholds, and recovery. A state the gateway reaches on its own timers is polled
// for through the admin API's /upstreams/{name}/health, as Kong's specs poll theirs, never
// assumed after a sleep. The DNS-mocked cases (SRV records, a name resolving to several
// addresses), the Admin API writes (posting a target's health) and the clustering ones need
// what this gateway does not have, and are not here.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { kongTarget, until, type KongTarget } from '../helpers/kong-target.js'

type Json = Record<string, unknown>

// spec/fixtures/balancer_utils.lua: the health-check fields each spec case starts from.
const DEFAULTS = {
  active: {
    timeout: 1,
    concurrency: 10,
    http_path: '/',
    healthy: { interval: 0, http_statuses: [200, 302], successes: 2 },
    unhealthy: { interval: 0, http_statuses: [429, 404, 500, 501, 502, 503, 504, 505], tcp_failures: 2, timeouts: 3, http_failures: 5 },
  },
  passive: {
    healthy: { http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308], successes: 5 },
    unhealthy: { http_statuses: [429, 500, 503], tcp_failures: 2, timeouts: 7, http_failures: 5 },
  },
}

/** `over` merged into `base`, records deeply, anything else replaced (balancer_utils' healthchecks_config). */
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = base[k]
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? merge(b as Json, v as Json) : v
  }
  return out
}
const healthchecks = (over: Json) => merge(DEFAULTS, over)

// Requests that go round the balancer twice (balancer_utils: SLOTS * 2).
const SLOTS_2 = 20

// Probes every 0.1 s: the spec's HEALTHCHECK_INTERVAL is 1 s.
const INTERVAL = 0.1

interface Options {
  /** Upstream fields (healthchecks, algorithm, hash_on...). */
  upstream?: Json
  /** Service fields (retries, read_timeout, protocol...). */
  service?: Json
  /** Extra top-level entities (consumers...) and the service's plugins. */
  plugins?: Json[]
  extra?: Json
  /** Target weight (balancer_utils adds targets with weight 10). */
  weight?: number
  /** Targets as written, when not the servers' own 127.0.0.1:port. */
  targets?: string[]
}

/** A gateway (with its admin API) balancing `/` of upstream `app.upstream` over `servers`. */
async function balanced(t: Test, servers: readonly { port: number }[], o: Options = {}): Promise<TestGateway> {
  const gw = await gateway(yamlOf(servers, o), { adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  return gw
}

function yamlOf(servers: readonly { port: number }[], o: Options): string {
  return stringify(
    {
      _format_version: '3.0',
      upstreams: [
        {
          name: 'app.upstream',
          ...o.upstream,
          targets: (o.targets ?? servers.map((s) => `127.0.0.1:${s.port}`)).map((target) => ({ target, weight: o.weight ?? 10 })),
        },
      ],
      services: [{ name: 'app', host: 'app.upstream', ...o.service, routes: [{ name: 'app', paths: ['/'] }], ...(o.plugins ? { plugins: o.plugins } : {}) }],
      ...o.extra,
    },
    { lineWidth: 0 },
  )
}

/** Kong's client_requests: `n` requests one after another; how many were 200 and how many not. */
async function requests(gw: TestGateway, n: number, headers: Record<string, string> = {}): Promise<{ oks: number; fails: number; last: number }> {
  let oks = 0
  let last = 0
  for (let i = 0; i < n; i++) {
    last = (await fetchRaw(`${gw.url}/`, { headers })).status
    if (last === 200) oks++
  }
  return { oks, fails: n - oks, last }
}

/** The health the admin API reports for one target (Kong's /upstreams/{name}/health). */
async function health(gw: TestGateway, port: number): Promise<string> {
  const r = await fetchRaw(`${gw.adminUrl!}/upstreams/app.upstream/health`)
  const row = r.json<{ data: { target: string; health: string }[] }>().data.find((d) => d.target === `127.0.0.1:${port}`)
  return row?.health ?? 'missing'
}

const becomes = (gw: TestGateway, s: KongTarget | { port: number }, state: 'HEALTHY' | 'UNHEALTHY') =>
  until(async () => (await health(gw, s.port)) === state, `127.0.0.1:${s.port} ${state}`)

t.test('does not perform health checks when disabled: a failing target keeps its traffic', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:704
  const server = await kongTarget(t, 'server')
  const gw = await balanced(t, [server])
  const seq = [
    { healthy: true, oks: 10, last: 200 },
    { healthy: false, oks: 0, last: 500 },
    { healthy: true, oks: 10, last: 200 },
  ]
  for (const [i, step] of seq.entries()) {
    server.healthy = step.healthy
    const before = server.total
    const r = await requests(gw, 10)
    t.equal(server.total - before, 10, `step ${i}: every request reached the target`)
    t.equal(r.oks, step.oks, `step ${i}`)
    t.equal(r.last, step.last, `step ${i}`)
  }
})

t.test('Kong-generated errors do not count as failures', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1077 (a plugin answers 401
  // before any target is tried; 401 is an unhealthy status here, with a 1-failure threshold)
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  const gw = await balanced(t, [s1, s2], {
    upstream: {
      healthchecks: healthchecks({
        passive: { healthy: { successes: 1 }, unhealthy: { http_statuses: [401, 500], http_failures: 1, tcp_failures: 1, timeouts: 1 } },
      }),
    },
    service: { connect_timeout: 50 },
    plugins: [{ name: 'key-auth' }],
    extra: { consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'alice-key' }] }] },
  })
  const refused = await requests(gw, 1)
  t.same([refused.oks, refused.fails, refused.last], [0, 1, 401])
  const r = await requests(gw, 20, { apikey: 'alice-key' })
  t.same([r.fails, r.last], [0, 200])
  t.ok(s1.ok > 0 && s2.ok > 0, 'both targets kept serving')
  t.same([s1.fail, s2.fail], [0, 0])
})

t.test('passive checks: a target answering 500 leaves the rotation after http_failures', async (t) => {
  for (const nfails of [1, 2, 3]) {
    // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1140
    const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
    const gw = await balanced(t, [s1, s2], { upstream: { healthchecks: healthchecks({ passive: { unhealthy: { http_failures: nfails } } }) } })
    const first = await requests(gw, 10)
    s2.healthy = false
    const second = await requests(gw, 10)
    // Round-robin alternates exactly here; Kong's spec allows 30 % for its shuffled wheel.
    t.same([s1.ok, s1.fail], [20 - 5 - nfails, 0], `nfails ${nfails}: server 1`)
    t.same([s2.ok, s2.fail], [5, nfails], `nfails ${nfails}: server 2 failed exactly http_failures times`)
    t.equal(first.oks + second.oks, 20 - nfails, `nfails ${nfails}`)
    t.equal(first.fails + second.fails, nfails, `nfails ${nfails}`)
    t.equal(await health(gw, s2.port), 'UNHEALTHY')
  }
})

t.test("passive checks count the target's status even when a plugin changed the client's", async (t) => {
  for (const nfails of [1, 2, 3]) {
    // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1210 (the spec's snippet
    // is `ngx.exit(200)` in header_filter; kong.response.set_status makes the same change here)
    const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
    const gw = await balanced(t, [s1, s2], {
      upstream: { healthchecks: healthchecks({ passive: { unhealthy: { http_failures: nfails } } }) },
      plugins: [{ name: 'pre-function', config: { header_filter: ['kong.response.set_status(200)'] } }],
    })
    const first = await requests(gw, 10)
    s2.healthy = false
    const second = await requests(gw, 10)
    t.same([s2.ok, s2.fail], [5, nfails], `nfails ${nfails}: the 500s counted`)
    t.same([s1.ok, s1.fail], [20 - 5 - nfails, 0], `nfails ${nfails}`)
    t.equal(first.oks + second.oks, 20, `nfails ${nfails}: the client saw 200 every time`)
  }
})

t.test('threshold: the upstream is down once its healthy weight is not above it', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1364 (Kong posts each
  // address's health through the Admin API; here four targets of weight 25 fail for real).
  // Healthy means available weight > threshold: 100 is never healthy, 75 % is down at 75.
  for (const threshold of [0, 25, 75, 99, 100]) {
    const servers = [await kongTarget(t, 'a'), await kongTarget(t, 'b'), await kongTarget(t, 'c'), await kongTarget(t, 'd')]
    const gw = await balanced(t, servers, {
      weight: 25,
      upstream: { healthchecks: healthchecks({ threshold, passive: { unhealthy: { http_failures: 1 } } }) },
    })
    for (const [down, server] of [undefined, ...servers].entries()) {
      if (server) {
        // One more target fails for real: requests until it answered its 500.
        server.healthy = false
        await until(async () => {
          await fetchRaw(`${gw.url}/`)
          return server.fail > 0
        }, `${server.name} fails once`)
      }
      const available = 100 - 25 * down
      const r = await fetchRaw(`${gw.url}/`)
      if (available > threshold) t.equal(r.status, 200, `threshold ${threshold}, ${available} % available: serving`)
      else {
        t.equal(r.status, 503, `threshold ${threshold}, ${available} % available: down`)
        t.equal(r.json().message, 'failure to get a peer from the ring-balancer')
        break // nothing reaches the targets any more
      }
    }
  }
})

t.test('active checks: a target whose /status fails leaves the rotation', async (t) => {
  for (const nfails of [1, 2, 3]) {
    // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1525
    const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
    const gw = await balanced(t, [s1, s2], {
      upstream: {
        healthchecks: healthchecks({
          active: { http_path: '/status', healthy: { interval: INTERVAL, successes: 1 }, unhealthy: { interval: INTERVAL, http_failures: nfails } },
        }),
      },
      service: { connect_timeout: 50 },
    })
    const p1 = await requests(gw, 10)
    s2.healthy = false
    await becomes(gw, s2, 'UNHEALTHY')
    t.ok(s2.statusFail >= nfails, `nfails ${nfails}: the failing probes reached /status`)
    const p3 = await requests(gw, 10)
    t.same([s1.ok, s1.fail], [15, 0], `nfails ${nfails}`)
    t.same([s2.ok, s2.fail], [5, 0], `nfails ${nfails}: no proxied request after it went down`)
    t.equal(p1.oks + p3.oks, 20)
  }
})

for (const protocol of ['http', 'https'] as const) {
  t.test(`active checks: automatic recovery (${protocol})`, async (t) => {
    for (const nchecks of [1, 3]) {
      // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1672
      const [s1, s2] = [await kongTarget(t, 's1', protocol), await kongTarget(t, 's2', protocol)]
      const gw = await balanced(t, [s1, s2], {
        upstream: {
          healthchecks: healthchecks({
            active: {
              type: protocol,
              http_path: '/status',
              https_verify_certificate: false,
              healthy: { interval: INTERVAL, successes: nchecks },
              unhealthy: { interval: INTERVAL, http_failures: nchecks },
            },
          }),
        },
        service: { protocol },
      })
      await until(() => s1.statusOk >= 1 && s2.statusOk >= 1, 'both probed')
      let oks = (await requests(gw, 10)).oks
      s2.healthy = false
      await becomes(gw, s2, 'UNHEALTHY')
      oks += (await requests(gw, 10)).oks
      s2.healthy = true
      await becomes(gw, s2, 'HEALTHY')
      oks += (await requests(gw, 10)).oks
      t.same([s1.ok, s1.fail], [20, 0], `${nchecks} checks: server 1`)
      t.same([s2.ok, s2.fail], [10, 0], `${nchecks} checks: server 2 before and after`)
      t.equal(oks, 30)
    }
  })
}

t.test('active checks find a failing target before any proxied traffic', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:2004
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  s2.healthy = false
  const gw = await balanced(t, [s1, s2], {
    upstream: {
      healthchecks: healthchecks({
        active: { http_path: '/status', healthy: { interval: INTERVAL, successes: 1 }, unhealthy: { interval: INTERVAL, http_failures: 2, tcp_failures: 2 } },
      }),
    },
  })
  await becomes(gw, s2, 'UNHEALTHY')
  const r = await requests(gw, 20)
  t.same([r.oks, r.fails], [20, 0])
  t.same([s1.ok, s2.ok, s2.fail], [20, 0, 0])
})

t.test('passive checks: a timeout counts, and the retry goes to the other target', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:2227 (read_timeout 2 s
  // there; a short one here: it is what makes the target time out, not an assertion)
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  const gw = await balanced(t, [s1, s2], {
    upstream: { healthchecks: healthchecks({ passive: { unhealthy: { timeouts: 1 } } }) },
    service: { read_timeout: 300, write_timeout: 300 },
  })
  const first = await requests(gw, 10)
  s2.timeouts = 1
  const second = await requests(gw, 10)
  t.same([first.fails + second.fails, first.oks + second.oks], [0, 20], 'the client never saw the timeout')
  t.equal(s1.ok, 15)
  t.equal(s2.ok, 5)
  t.equal(s2.total, 6, 'server 2 got one more request: the one it let time out')
  t.equal(await health(gw, s2.port), 'UNHEALTHY')
})

t.test('an upstream declared again under the same name keeps what is known of its targets', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:394 (a new upstream id,
  // the same name and target: the health is the same as before)
  const dead = await kongTarget(t, 'dead')
  await dead.close() // its port now refuses connections
  const o: Options = { upstream: { healthchecks: healthchecks({ passive: { unhealthy: { tcp_failures: 1 } } }) }, service: { connect_timeout: 100 } }
  const gw = await balanced(t, [dead], { ...o, upstream: { ...o.upstream, id: 'a3c2d1e0-0000-4000-8000-000000000001' } })
  const r = await requests(gw, 10)
  t.same([r.oks, r.last], [0, 503])
  t.equal(await health(gw, dead.port), 'UNHEALTHY')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(gw.file, yamlOf([dead], { ...o, upstream: { ...o.upstream, id: 'a3c2d1e0-0000-4000-8000-000000000002' } }))
  t.equal((await gw.reload()).result, 'applied')
  const after = await fetchRaw(`${gw.adminUrl!}/upstreams/app.upstream/health`)
  t.equal(after.json<{ data: { upstream: { id: string } }[] }>().data[0]!.upstream.id, 'a3c2d1e0-0000-4000-8000-000000000002', 'the new upstream')
  t.equal(await health(gw, dead.port), 'UNHEALTHY', 'still unhealthy')
})

t.test('consistent-hashing with passive checks: the hashed target fails, the others take over', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:2389
  const servers = [await kongTarget(t, 's1'), await kongTarget(t, 's2'), await kongTarget(t, 's3')]
  const gw = await balanced(t, servers, {
    upstream: {
      hash_on: 'header',
      hash_on_header: 'hashme',
      healthchecks: healthchecks({ passive: { type: 'http', healthy: { successes: 1 }, unhealthy: { http_failures: 1 } } }),
    },
  })
  const headers = { hashme: 'just a value' }
  await requests(gw, 9, headers)
  const hit = servers.filter((s) => s.total > 0)
  t.equal(hit.length, 1, 'one target got every request')
  t.equal(hit[0]!.total, 9)
  // The servers that got nothing keep running; the one that got everything stops.
  await hit[0]!.close()
  const r = await requests(gw, 9, headers)
  t.same([r.oks, r.fails], [9, 0], 'each request retried on another target')
  t.equal(await health(gw, hit[0]!.port), 'UNHEALTHY', 'the stopped target is unhealthy')
  for (const s of servers.filter((x) => x !== hit[0])) t.equal(await health(gw, s.port), 'HEALTHY')
})

t.test('consistent-hashing with active checks: only the failing target is unhealthy', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:2511
  const [s1, s2, s3] = [await kongTarget(t, 's1'), await kongTarget(t, 's2'), await kongTarget(t, 's3')]
  const gw = await balanced(t, [s1, s2, s3], {
    upstream: {
      hash_on: 'header',
      hash_on_header: 'hashme',
      healthchecks: healthchecks({
        active: { type: 'http', http_path: '/status', healthy: { interval: INTERVAL, successes: 1 }, unhealthy: { interval: INTERVAL, http_failures: 1 } },
      }),
    },
  })
  await until(() => s1.statusOk > 0 && s2.statusOk > 0 && s3.statusOk > 0, 'every target probed')
  for (const s of [s1, s2, s3]) t.equal(await health(gw, s.port), 'HEALTHY')
  s3.healthy = false
  await becomes(gw, s3, 'UNHEALTHY')
  t.same([s1.statusFail, s2.statusFail], [0, 0])
  t.ok(s3.statusFail > 0)
  for (const s of [s1, s2]) t.equal(await health(gw, s.port), 'HEALTHY')
})

t.test('https active checks against a target that is not there mark it unhealthy', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:566 (Kong's mTLS case: the
  // checker is created with the client certificate and the target, where nothing listens, goes down)
  const gone = await kongTarget(t, 'gone', 'https')
  await gone.close()
  const gw = await balanced(t, [gone], {
    upstream: {
      healthchecks: healthchecks({
        active: { type: 'https', http_path: '/status', healthy: { interval: INTERVAL, successes: 1 }, unhealthy: { interval: INTERVAL, http_failures: 1 } },
      }),
    },
  })
  await becomes(gw, gone, 'UNHEALTHY')
  t.pass('tcp_failures (2) reached')
})

t.test('passive checks count a failed try as Kong does: a retried one as a TCP failure, the last one by its 502', async (t) => {
  // Kong reports a try that is retried from its balancer phase (tcp failure, or timeout for a
  // 504: kong/init.lua), and the last try from its log phase by nginx's upstream status
  // (kong/runloop/handler.lua): a refused last try is a 502, which only counts where 502 is
  // an unhealthy status. spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:93
  // relies on the first: with retries, one refused connection and tcp_failures 1 answer 503.
  const dead = await kongTarget(t, 'dead')
  await dead.close()
  const tcp = healthchecks({ passive: { unhealthy: { tcp_failures: 1 } } })

  const retried = await balanced(t, [dead], { upstream: { healthchecks: tcp } })
  const r = await requests(retried, 10)
  t.same([r.oks, r.last], [0, 503], 'retried: the refused try made the target unhealthy')
  t.equal(await health(retried, dead.port), 'UNHEALTHY')

  const once = await balanced(t, [dead], { upstream: { healthchecks: tcp }, service: { retries: 0 } })
  const statuses = new Set<number>()
  for (let i = 0; i < 5; i++) statuses.add((await fetchRaw(`${once.url}/`)).status)
  t.same([...statuses], [502], 'no retry: every request tries the target and gets 502')
  t.equal(await health(once, dead.port), 'HEALTHY', 'a last try is its 502, not a TCP failure')

  const http502 = healthchecks({ passive: { unhealthy: { tcp_failures: 1, http_failures: 1, http_statuses: [502] } } })
  const counted = await balanced(t, [dead], { upstream: { healthchecks: http502 }, service: { retries: 0 } })
  t.equal((await fetchRaw(`${counted.url}/`)).status, 502)
  t.equal((await fetchRaw(`${counted.url}/`)).status, 503, 'with 502 among the unhealthy statuses it counts')
  t.equal(await health(counted, dead.port), 'UNHEALTHY')
})

t.test('active checks of type tcp only connect: a target that stops listening goes down, and comes back', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:2735 (Kong's stream case,
  // `type: tcp`, tcp_failures 1, successes 1; here over HTTP routes, which the type does not change)
  const [s1, s2] = [await kongTarget(t, 's1'), await kongTarget(t, 's2')]
  const gw = await balanced(t, [s1, s2], {
    upstream: {
      healthchecks: healthchecks({
        active: { type: 'tcp', healthy: { interval: INTERVAL, successes: 1 }, unhealthy: { interval: INTERVAL, tcp_failures: 1 } },
      }),
    },
  })
  const first = await requests(gw, SLOTS_2)
  t.same([first.oks, s1.ok, s2.ok], [SLOTS_2, SLOTS_2 / 2, SLOTS_2 / 2])
  await s2.close()
  await becomes(gw, s2, 'UNHEALTHY')
  t.equal((await requests(gw, SLOTS_2)).oks, SLOTS_2)
  t.equal(s1.ok, SLOTS_2 * 1.5, 'server 1 took every request')
  const back = await kongTarget(t, 's2 again', 'http', s2.port)
  await becomes(gw, back, 'HEALTHY')
  t.equal((await requests(gw, SLOTS_2)).oks, SLOTS_2)
  t.equal(back.ok, SLOTS_2 / 2, 'server 2 has its share again')
  t.equal(s1.total + s2.total + back.total, SLOTS_2 * 3, 'the probes sent no HTTP request')
})

/** Kong's /upstreams/{name}/health?balancer_health=1. */
async function balancerHealth(gw: TestGateway): Promise<{ health: string; balancer_health: string; details: { weight: Json } }> {
  return (await fetchRaw(`${gw.adminUrl!}/upstreams/app.upstream/health?balancer_health=1`)).json<{
    data: { health: string; balancer_health: string; details: { weight: Json } }
  }>().data
}

t.test("the balancer's health and weights, as Kong's ?balancer_health=1 shows them", async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:1364 (threshold 75, four
  // targets of weight 25: 100 % healthy, then 75 %, which is not above the threshold)
  const servers = [await kongTarget(t, 'a'), await kongTarget(t, 'b'), await kongTarget(t, 'c'), await kongTarget(t, 'd')]
  const gw = await balanced(t, servers, {
    weight: 25,
    upstream: { healthchecks: healthchecks({ threshold: 75, passive: { unhealthy: { http_failures: 1 } } }) },
  })
  let h = await balancerHealth(gw)
  t.same([h.health, h.balancer_health], ['HEALTHY', 'HEALTHY'])
  t.same(h.details.weight, { available: 100, unavailable: 0, total: 100 })
  servers[0]!.healthy = false
  await until(async () => {
    await fetchRaw(`${gw.url}/`)
    return servers[0]!.fail > 0
  }, 'a fails once')
  h = await balancerHealth(gw)
  t.same(h.details.weight, { available: 75, unavailable: 25, total: 100 })
  t.same([h.health, h.balancer_health], ['UNHEALTHY', 'UNHEALTHY'])

  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:350 (checks off: the
  // upstream says so, the balancer itself is healthy)
  const off = await balanced(t, [servers[1]!], { upstream: { healthchecks: { passive: { unhealthy: { http_failures: 0, tcp_failures: 0, timeouts: 0 } } } } })
  h = await balancerHealth(off)
  t.same([h.health, h.balancer_health], ['HEALTHCHECKS_OFF', 'HEALTHY'])
})

// Kong's response-ratelimiting specs (spec/03-plugins/24-response-rate-limiting/04-access_spec.lua)
// through a real gateway and an httpbin-like upstream, for the `local` and `redis` policies.
// Kong's limits are per second (ITERATIONS = 6, its helpers wait for a second to start); here
// each `second` of the spec is a `minute` (and its `minute` an `hour`), so a window never ends
// in the middle of a case: the same counts, header names end in -minute/-hour. As Kong's
// wait_remaining_sync does, a case waits until the log phase has counted (a read that spends
// nothing). Covered by the existing test: the Redis outage (response-ratelimiting.test.ts).
// Not here: the gRPC case (no HTTP/2 listener), expirations (:689, a one-second wait in Kong).
import type { IncomingMessage, ServerResponse } from 'node:http'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { awayFromMinuteEnd } from '../helpers/clock.js'
import { pluginGateway, type PluginGateway } from '../helpers/plugin-gateway.js'
import { startRedis } from '../helpers/redis.js'

const N = 6 // Kong's ITERATIONS
/** The request headers the upstream answered with (httpbin's `headers`). */
const seen = (r: { json(): unknown }) => (r.json() as { headers: Record<string, string> }).headers

// httpbin's /response-headers (each query argument becomes a response header, repeated ones
// repeated) and /get; both answer the request headers the upstream received.
function httpbin(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x')
  const body = JSON.stringify({ headers: req.headers })
  const headers: [string, string][] = [
    ['content-type', 'application/json'],
    ['content-length', String(Buffer.byteLength(body))],
  ]
  if (url.pathname === '/response-headers') for (const [k, v] of url.searchParams) headers.push([k, v])
  res.writeHead(200, headers.flat())
  res.end(body)
}

function kongYml(policy: 'local' | 'redis', redisPort: number | undefined): string {
  const rrl = (limits: Record<string, Record<string, number>>, extra: Record<string, unknown> = {}) => ({
    name: 'response-ratelimiting',
    config: {
      fault_tolerant: false,
      policy,
      ...(redisPort !== undefined ? { redis: { host: '127.0.0.1', port: redisPort, database: 1 } } : {}),
      limits,
      ...extra,
    },
  })
  const route = (host: string, plugins: unknown[] = []) => ({ name: `${policy}-${host}`, hosts: [`${host}.test`], plugins })
  return stringify(
    {
      _format_version: '3.0',
      consumers: [
        { username: 'consumer1', custom_id: 'provider_123', keyauth_credentials: [{ key: 'apikey123' }] },
        { username: 'consumer2', custom_id: 'provider_124', keyauth_credentials: [{ key: 'apikey124' }] },
      ],
      services: [
        {
          name: `${policy}-app`,
          url: '$UPSTREAM',
          routes: [
            route('test1', [rrl({ video: { minute: N } })]),
            // test1 again, for the case Kong runs in a new second on test1
            route('test1b', [rrl({ video: { minute: N } })]),
            route('test2', [rrl({ video: { minute: N * 2, hour: N * 4 }, image: { minute: N } })]),
            route('test3', [{ name: 'key-auth' }, rrl({ video: { minute: N - 3 } })]),
            route('test4', [rrl({ video: { minute: N * 2 + 2 }, image: { minute: N } })]),
            route('test7', [rrl({ video: { minute: N, hour: N * 2 }, image: { minute: 4 } }, { block_on_first_violation: true })]),
            route('test8', [rrl({ video: { minute: N, hour: N * 2 }, image: { minute: N - 1 } })]),
            route('test9', [rrl({ video: { minute: N } }, { hide_client_headers: true })]),
          ],
        },
        // Two routes of one service, the instance on the service (04-access_spec.lua:468).
        {
          name: `${policy}-shared`,
          url: '$UPSTREAM',
          routes: [route('test-service1'), route('test-service2')],
          plugins: [rrl({ video: { minute: N } })],
        },
      ],
      // The consumer-and-route instance on test3 (04-access_spec.lua:138 setup).
      plugins: [{ ...rrl({ video: { minute: N - 2 } }), route: `${policy}-test3`, consumer: 'consumer1' }],
    },
    { lineWidth: 0 },
  )
}

for (const policy of ['local', 'redis'] as const) {
  t.test(`policy ${policy}: Kong's access spec`, async (t) => {
    const redis = policy === 'redis' ? await startRedis(t) : undefined
    const g: PluginGateway = await pluginGateway(t, kongYml(policy, redis?.port), httpbin)
    t.beforeEach(() => awayFromMinuteEnd(5000))
    const get = (host: string, query = '', path = '/response-headers') => g.send(`${path}${query ? `?${query}` : ''}`, { headers: { host: `${host}.test` } })
    const spend = (spent: string, extra = '') => `x-kong-limit=${encodeURIComponent(spent)}${extra}`
    /** Kong's wait_remaining_sync: reads (spending nothing) until the log phase has counted. */
    const waitRemaining = async (host: string, expected: Record<string, number>, query = '') => {
      for (let i = 0; ; i++) {
        const r = await get(host, query)
        if (Object.entries(expected).every(([h, v]) => Number(r.headers[h]) === v) || i >= 100) return r
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    /** Kong's test_limit (04-access_spec.lua:74): `limit` spending requests pass, the next one is 429. */
    const testLimit = async (t: Test, host: (i: number) => string, query: string, limit = N, auth = '') => {
      for (let i = 1; i <= limit; i++) t.equal((await get(host(i), query + auth)).status, 200, `request ${i}`)
      await waitRemaining(host(1), { 'x-ratelimit-remaining-video-minute': 0 }, auth.slice(1))
      const r = await get(host(1), query + auth)
      t.equal(r.status, 429)
      t.equal(r.headers['x-ratelimit-limit-video-minute'], String(limit))
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], '0')
    }

    t.test('returns remaining counter', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:422
      const n = Math.floor(N / 2)
      for (let i = 0; i < n; i++) t.equal((await get('test1', spend('video=1'))).status, 200)
      await waitRemaining('test1', { 'x-ratelimit-remaining-video-minute': N - n })
      const r = await get('test1', spend('video=1'))
      t.equal(r.status, 200)
      t.equal(r.headers['x-ratelimit-limit-video-minute'], String(N))
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], String(N - n - 1))
    })

    t.test('blocks if exceeding limit', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:463
      await testLimit(t, () => 'test1b', spend('video=1'))
    })

    t.test('counts against the same service from different routes', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:468
      const n = Math.floor(N / 2)
      const q = spend(`video=1, test=${N}`)
      for (let i = 1; i <= n; i++) t.equal((await get('test-service1', q)).status, 200)
      for (let i = n + 1; i <= N; i++) t.equal((await get('test-service2', q)).status, 200)
      await waitRemaining('test-service1', { 'x-ratelimit-remaining-video-minute': 0 })
      t.equal((await get('test-service1', q)).status, 429)
    })

    t.test('handles multiple limits', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:495
      const n = Math.floor(N / 2)
      let inMinute = N * 2
      let inHour = N * 4
      for (let i = 1; i <= n; i++) {
        t.equal((await get('test2', spend('video=2, image=1'))).status, 200)
        inMinute -= 2
        inHour -= 2
      }
      let r = await waitRemaining('test2', { 'x-ratelimit-remaining-video-minute': inMinute, 'x-ratelimit-remaining-video-hour': inHour })
      t.equal(r.headers['x-ratelimit-limit-video-minute'], String(N * 2))
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], String(inMinute))
      t.equal(r.headers['x-ratelimit-limit-video-hour'], String(N * 4))
      t.equal(r.headers['x-ratelimit-remaining-video-hour'], String(inHour))
      t.equal(r.headers['x-ratelimit-limit-image-minute'], String(N))
      t.equal(r.headers['x-ratelimit-remaining-image-minute'], String(N - n))
      for (let i = n + 1; i <= N; i++) {
        t.equal((await get('test2', spend('video=1, image=1'))).status, 200)
        inMinute -= 1
        inHour -= 1
      }
      r = await waitRemaining('test2', { 'x-ratelimit-remaining-video-minute': inMinute, 'x-ratelimit-remaining-video-hour': inHour })
      t.equal(r.headers['x-ratelimit-remaining-image-minute'], '0')
      t.equal(r.headers['x-ratelimit-remaining-video-hour'], String(inHour))
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], String(inMinute))
      r = await get('test2', spend('video=1, image=1'))
      t.equal(r.headers['x-ratelimit-remaining-image-minute'], '0')
      t.equal(r.headers['x-ratelimit-remaining-video-hour'], String(inHour - 1))
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], String(inMinute - 1))
      t.equal(r.status, 429)
    })

    t.test('with authentication: a consumer-and-route instance wins over the route one', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:555 (consumer1: its own instance, N - 2)
      await testLimit(t, () => 'test3', spend('video=1'), N - 2, '&apikey=apikey123')
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:560 (consumer2: the route instance, N - 3)
      await testLimit(t, () => 'test3', spend('video=1'), N - 3, '&apikey=apikey124')
    })

    t.test('the upstream is told what is left, before and after spending', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:568
      let r = await get('test8', '', '/get')
      t.equal(seen(r)['x-ratelimit-remaining-image'], String(N - 1))
      t.equal(seen(r)['x-ratelimit-remaining-video'], String(N), 'the least of the periods')
      r = await get('test8', spend('video=2, image=1'))
      t.equal(seen(r)['x-ratelimit-remaining-image'], String(N - 1))
      t.equal(seen(r)['x-ratelimit-remaining-video'], String(N))
      await waitRemaining('test8', { 'x-ratelimit-remaining-video-minute': N - 2 })
      r = await get('test8', '', '/get')
      t.equal(seen(r)['x-ratelimit-remaining-image'], String(N - 2))
      t.equal(seen(r)['x-ratelimit-remaining-video'], String(N - 2))
    })

    t.test('combines the limits of one x-kong-limit header', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:595 (Kong's mock joins the two headers into one)
      for (let i = 0; i < N; i++) t.equal((await get('test4', spend('video=2, image=1'))).status, 200)
      await get('test4', spend('video=1'))
      await waitRemaining('test4', { 'x-ratelimit-remaining-video-minute': 1 })
      const r = await get('test4', spend('video=2, image=1'))
      t.equal(r.status, 429)
      t.equal(r.headers['x-ratelimit-remaining-image-minute'], '0')
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], '0')
    })

    t.test('two x-kong-limit headers: both spend (README: Kong reads only the first)', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:595 with the headers apart, as the spec means them
      // What is left before, read in this case: the earlier cases' spending may be in the last minute.
      const before = await get('test8', '', '/get')
      const left = (h: Record<string, unknown>, name: string) => Number(h[`x-ratelimit-remaining-${name}-minute`])
      const r = await get('test8', 'x-kong-limit=video%3D1&x-kong-limit=image%3D1')
      t.equal(r.status, 200)
      t.equal(left(r.headers, 'video'), left(before.headers, 'video') - 1, 'video: 1 spent now')
      t.equal(left(r.headers, 'image'), left(before.headers, 'image') - 1, 'image: 1 spent now')
    })

    t.test('should block on first violation', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:621
      t.equal((await get('test7', spend('video=2, image=4'))).status, 200)
      for (let i = 0; i < 100 && (await get('test7')).status !== 429; i++) await new Promise((r) => setTimeout(r, 10))
      const r = await get('test7', spend('video=2'))
      t.equal(r.status, 429)
      t.match(r.json().message, "API rate limit exceeded for 'image'")
    })

    t.test('hide_client_headers', async (t) => {
      // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:638
      const r = await get('test9', '', '/status/200')
      t.equal(r.status, 200)
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], undefined)
      t.equal(r.headers['x-ratelimit-limit-video-minute'], undefined)
    })
  })

  t.test(`policy ${policy}: a consumer instance applies on every route; a global one counts across routes`, async (t) => {
    await awayFromMinuteEnd(5000)
    const redis = policy === 'redis' ? await startRedis(t) : undefined
    const rrl = { fault_tolerant: false, policy, ...(redis ? { redis: { host: '127.0.0.1', port: redis.port } } : {}), limits: { video: { minute: N } } }
    const hosts = Array.from({ length: N }, (_, i) => `test${i + 1}.test`)
    const yml = (plugins: unknown[], consumers: unknown[] = []) =>
      stringify({
        _format_version: '3.0',
        consumers,
        services: [{ name: 'app', url: '$UPSTREAM', routes: hosts.map((h, i) => ({ name: `r${i + 1}`, hosts: [h] })) }],
        plugins,
      })
    const run = async (g: PluginGateway, query: string) => {
      const get = (host: string) => g.send(`/response-headers?${query}`, { headers: { host } })
      for (const host of hosts) t.equal((await get(host)).status, 200, host)
      for (let i = 0; i < 100; i++) {
        const r = await g.send(`/response-headers?${query.replace(/x-kong-limit=[^&]*&?/, '')}`, { headers: { host: hosts[0]! } })
        if (r.headers['x-ratelimit-remaining-video-minute'] === '0') break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const r = await get(hosts[0]!)
      t.equal(r.status, 429)
      t.equal(r.headers['x-ratelimit-remaining-video-minute'], '0')
      t.equal(r.headers['x-ratelimit-limit-video-minute'], String(N))
    }
    // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:761
    const consumer = await pluginGateway(
      t,
      yml(
        [{ name: 'key-auth' }, { name: 'response-ratelimiting', consumer: 'provider', config: rrl }],
        [{ username: 'provider', custom_id: 'provider_126', keyauth_credentials: [{ key: 'apikey126' }] }],
      ),
      httpbin,
    )
    await run(consumer, `apikey=apikey126&x-kong-limit=${encodeURIComponent('video=1')}`)
    // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:809
    if (redis) await redis.stop().then(() => redis.start())
    const global = await pluginGateway(t, yml([{ name: 'response-ratelimiting', config: rrl }]), httpbin)
    await run(global, `x-kong-limit=${encodeURIComponent('video=1')}`)
  })
}

t.test("Kong's schema spec: the messages", async (t) => {
  const messages = async (config: Record<string, unknown>) => {
    const r = await loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'response-ratelimiting', config }] }), { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => i.message)
  }
  // spec/03-plugins/24-response-rate-limiting/01-schema_spec.lua:9, :15
  t.same(await messages({ limits: { video: { second: 1 } } }), [])
  t.same(await messages({ limits: { video: { second: 1, minute: 2, hour: 3, day: 4, month: 5, year: 6 } } }), [])
  // spec/03-plugins/24-response-rate-limiting/01-schema_spec.lua:23
  t.same(await messages({}), ['required field missing'])
  t.same(await messages({ limits: {} }), ['length must be at least 1'])
  // spec/03-plugins/24-response-rate-limiting/01-schema_spec.lua:32
  t.ok(
    (await messages({ limits: { video: { seco: 1 } } })).some((m) => m.startsWith('unknown field')),
    'unknown field (the spec asserts only this one)',
  )
  // spec/03-plugins/24-response-rate-limiting/01-schema_spec.lua:38
  t.same(await messages({ limits: { video: { second: null, minute: 1 } } }), [])
  // spec/03-plugins/24-response-rate-limiting/01-schema_spec.lua:44, :51
  t.same(await messages({ limits: { video: { second: 2, minute: 1 } } }), ['the limit for minute(1.0) cannot be lower than the limit for second(2.0)'])
  t.same(await messages({ limits: { video: { second: 1, minute: 2, hour: 3, day: 4, month: 6, year: 5 } } }), [
    'the limit for year(5.0) cannot be lower than the limit for month(6.0)',
  ])
  // spec/03-plugins/24-response-rate-limiting/01-schema_spec.lua:58
  t.same(await messages({ limits: { second: 10 } }), ['expected a record'])
})

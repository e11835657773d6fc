// Kong's rate-limiting specs (spec/03-plugins/23-rate-limiting/04-access_spec.lua, 05-integration_spec.lua)
// through a real gateway and a real upstream, for the `local` and `redis` policies (a real
// redis-server, test/helpers/redis.ts). Kong's `cluster` policy needs a database; its `ssl`
// variants need Kong's TLS Redis fixture. Covered by the existing tests, which cite the spec:
// hide_client_headers and a custom error (rate-limiting.test.ts), the Redis outage
// (rate-limiting-redis.test.ts), sync_rate (rate-limiting-sync.test.ts).
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { awayFromMinuteEnd } from '../helpers/clock.js'
import { pluginGateway, type PluginGateway } from '../helpers/plugin-gateway.js'
import { startRedis } from '../helpers/redis.js'

type Reply = Awaited<ReturnType<PluginGateway['send']>>
const LIMIT_BY = ['ip', 'consumer', 'credential', 'service', 'header', 'path'] as const

/**
 * Kong's validate_headers (04-access_spec.lua:94): seven requests against `minute: 6` give
 * 6 x 200 then 429, the X-RateLimit-*-Minute and RateLimit-* headers counting down to 0, and a
 * RateLimit-Reset within the window of the most restrictive period.
 */
function validateHeaders(t: Test, replies: Reply[], what: string, withHour = false): void {
  const h = (name: string) => replies.map((r) => Number(r.headers[name]))
  t.same(
    replies.map((r) => r.status),
    [200, 200, 200, 200, 200, 200, 429],
    `${what}: statuses`,
  )
  t.same(h('x-ratelimit-limit-minute'), [6, 6, 6, 6, 6, 6, 6], `${what}: X-RateLimit-Limit-Minute`)
  t.same(h('x-ratelimit-remaining-minute'), [5, 4, 3, 2, 1, 0, 0], `${what}: X-RateLimit-Remaining-Minute`)
  t.same(h('ratelimit-limit'), [6, 6, 6, 6, 6, 6, 6], `${what}: RateLimit-Limit`)
  t.same(h('ratelimit-remaining'), [5, 4, 3, 2, 1, 0, 0], `${what}: RateLimit-Remaining`)
  if (withHour) {
    t.ok(
      h('x-ratelimit-limit-hour').every((v) => v > 0),
      `${what}: X-RateLimit-Limit-Hour`,
    )
    t.ok(
      h('x-ratelimit-remaining-hour').every((v) => v >= 0),
      `${what}: X-RateLimit-Remaining-Hour`,
    )
  }
  const max = withHour ? 3600 : 60
  t.ok(
    h('ratelimit-reset').every((v) => v >= 0 && v <= max),
    `${what}: RateLimit-Reset within ${max} s`,
  )
}

async function seven(send: () => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = []
  for (let i = 0; i < 7; i++) out.push(await send())
  return out
}

/** The spec's cases for one policy: a service per case, each with its own plugin instance, as Kong's setup does. */
function kongYml(policy: 'local' | 'redis', redisPort: number | undefined): string {
  const name = (s: string) => `${policy}-${s}`
  const rl = (config: Record<string, unknown>) => ({
    name: 'rate-limiting',
    config: { minute: 6, policy, ...(redisPort !== undefined ? { redis: { host: '127.0.0.1', port: redisPort, database: 1 } } : {}), ...config },
  })
  const keyAuth = { name: 'key-auth', config: { key_names: ['test-key'] } }
  const service = (s: string, paths: string[], plugins: unknown[]) => ({
    name: name(s),
    url: '$UPSTREAM',
    routes: paths.map((p, i) => ({ name: `${name(s)}-${i}`, paths: [p] })),
    plugins,
  })
  const services = [
    // 04-access_spec.lua:431: one per limit_by (Kong's path and header_name given to every one of them)
    ...LIMIT_BY.map((by) =>
      service(
        `single-${by}`,
        [`/single-${by}`],
        [rl({ limit_by: by, path: `/single-${by}`, header_name: 'test-header' }), ...(by === 'consumer' || by === 'credential' ? [keyAuth] : [])],
      ),
    ),
    service('multi-ip', ['/multi-ip'], [rl({ limit_by: 'ip' })]),
    service('multi-limits', ['/multi-limits'], [rl({ limit_by: 'ip', hour: 99999 })]),
    service('custom-error', ['/custom-error'], [rl({ minute: 1, limit_by: 'ip', error_code: 404, error_message: 'Fake Not Found' })]),
    service('multi-path', ['/1-path', '/2-path'], [rl({ limit_by: 'path', path: '/1-path' })]),
    service('multi-header', ['/multi-header'], [rl({ limit_by: 'header', header_name: 'test-header-1' })]),
    service('multi-consumer', ['/multi-consumer'], [rl({ limit_by: 'consumer' }), keyAuth]),
    service('multi-credential', ['/multi-credential'], [rl({ limit_by: 'credential' }), keyAuth]),
    // 04-access_spec.lua:832: services with no instance of their own, under the global one
    service('svc-1', ['/1-service'], []),
    service('svc-2', ['/2-service'], []),
  ]
  return stringify(
    {
      _format_version: '3.0',
      consumers: [
        { username: 'Bob', keyauth_credentials: [{ key: 'test_credential' }, { key: 'test_credential_1' }] },
        { username: 'Alice', keyauth_credentials: [{ key: 'test_credential_2' }] },
      ],
      services,
      plugins: [rl({ limit_by: 'service' })],
    },
    { lineWidth: 0 },
  )
}

for (const policy of ['local', 'redis'] as const) {
  t.test(`policy ${policy}: Kong's access spec`, async (t) => {
    const redis = policy === 'redis' ? await startRedis(t) : undefined
    // 04-access_spec.lua starts Kong with trusted_ips 0.0.0.0/0,::/0, so X-Real-IP is believed.
    const g = await pluginGateway(t, kongYml(policy, redis?.port), undefined, { trustedIps: '0.0.0.0/0,::/0' })
    const get =
      (path: string, headers: Record<string, string> = {}) =>
      () =>
        g.send(path, { headers })
    t.beforeEach(() => awayFromMinuteEnd(5000))

    t.test('blocks if exceeding limit (single ip, consumer, credential, service, header, path)', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:431
      for (const by of LIMIT_BY) {
        const headers: Record<string, string> =
          by === 'consumer' || by === 'credential' ? { 'test-key': 'test_credential' } : by === 'header' ? { 'test-header': 'test' } : {}
        validateHeaders(t, await seven(get(`/single-${by}`, headers)), by)
      }
    })

    t.test('blocks if exceeding limit (multiple ip, through X-Real-IP)', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:509
      for (const ip of ['127.0.0.1', '127.0.0.2']) validateHeaders(t, await seven(get('/multi-ip', { 'x-real-ip': ip })), ip)
    })

    t.test('handles multiple limits: the minute is the most restrictive', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:681
      validateHeaders(t, await seven(get('/multi-limits')), 'minute 6, hour 99999', true)
    })

    t.test('blocks with a custom error code and message', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:785
      t.equal((await g.send('/custom-error')).status, 200)
      const r = await g.send('/custom-error')
      t.equal(r.status, 404)
      t.equal(r.json().message, 'Fake Not Found')
    })

    t.test('blocks if exceeding limit (multiple service): one count per service', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:832
      for (const path of ['/1-service', '/2-service']) validateHeaders(t, await seven(get(path)), path)
    })

    t.test('blocks if exceeding limit (multiple path): the configured path, and the others by IP', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:878
      for (const path of ['/1-path', '/2-path']) validateHeaders(t, await seven(get(path)), path)
    })

    t.test('blocks if exceeding limit (multiple header): the header, then the IP without it', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:924
      for (const name of ['test-header-1', 'test-header-2']) validateHeaders(t, await seven(get('/multi-header', { [name]: 'test' })), name)
    })

    t.test('blocks if exceeding limit (multiple consumer, multiple credential)', async (t) => {
      // spec/03-plugins/23-rate-limiting/04-access_spec.lua:969
      for (const by of ['consumer', 'credential'])
        for (const key of ['test_credential_1', 'test_credential_2']) validateHeaders(t, await seven(get(`/multi-${by}`, { 'test-key': key })), `${by} ${key}`)
    })
  })
}

t.test('expire counter: a second window refuses the 2nd request and lets the next second in', async (t) => {
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:726
  const yaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'expire',
        url: '$UPSTREAM',
        routes: [{ name: 'expire', paths: ['/test'] }],
        plugins: [{ name: 'rate-limiting', config: { second: 1, limit_by: 'ip' } }],
      },
    ],
  })
  const g = await pluginGateway(t, yaml, undefined, { trustedIps: '0.0.0.0/0,::/0' })
  const h = { 'x-real-ip': '127.0.0.3' }
  // Start early in a second so both requests fall in it, as the spec's retries aim to.
  const toNextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20))
  await toNextSecond()
  const r1 = await g.send('/test', { headers: h })
  const r2 = await g.send('/test', { headers: h })
  t.equal(r1.status, 200)
  t.equal(r1.headers['ratelimit-limit'], '1')
  t.equal(r1.headers['ratelimit-remaining'], '0')
  t.ok(Number(r1.headers['ratelimit-reset']) >= 0)
  t.equal(r1.headers['x-ratelimit-limit-second'], '1')
  t.equal(r1.headers['x-ratelimit-remaining-second'], '0')
  t.equal(r2.status, 429)
  t.match(r2.json().message, /API rate limit exceeded/)
  await toNextSecond()
  t.equal((await g.send('/test', { headers: h })).status, 200, 'a new window')
})

t.test('enabled globally: one credential counts across services', async (t) => {
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:1411
  await awayFromMinuteEnd(5000)
  const yaml = stringify({
    _format_version: '3.0',
    consumers: [{ username: 'Bob', keyauth_credentials: [{ key: 'test-credential' }] }],
    services: [
      { name: 'global-1', url: '$UPSTREAM', routes: [{ name: 'global-1', paths: ['/1-test'] }] },
      { name: 'global-2', url: '$UPSTREAM', routes: [{ name: 'global-2', paths: ['/2-test'] }] },
    ],
    plugins: [
      { name: 'key-auth', config: { key_names: ['test-key'] } },
      { name: 'rate-limiting', config: { minute: 6, policy: 'local', limit_by: 'credential' } },
    ],
  })
  const g = await pluginGateway(t, yaml)
  const h = { 'test-key': 'test-credential' }
  validateHeaders(t, await seven(() => g.send('/1-test', { headers: h })), '/1-test')
  const second = await seven(() => g.send('/2-test', { headers: h }))
  const v = (name: string) => second.map((r) => r.headers[name])
  t.same(
    second.map((r) => r.status),
    Array(7).fill(429),
  )
  t.same(v('x-ratelimit-limit-minute'), Array(7).fill('6'))
  t.same(v('x-ratelimit-remaining-minute'), Array(7).fill('0'))
  t.same(v('ratelimit-limit'), Array(7).fill('6'))
  t.same(v('ratelimit-remaining'), Array(7).fill('0'))
  t.ok(second.every((r) => Number(r.headers['ratelimit-reset']) <= 60))
})

t.test('redis: each instance counts in its own database; ACL users', async (t) => {
  await awayFromMinuteEnd(5000)
  const redis = await startRedis(t)
  const admin = new Redis({ port: redis.port, lazyConnect: true })
  t.teardown(() => void admin.disconnect())
  await admin.connect()
  // spec/helpers/redis_helper.lua: a user allowed every command, and one allowed only GET.
  await admin.acl('SETUSER', 'valid-user', 'on', 'allkeys', 'allcommands', '>secret-pw')
  await admin.acl('SETUSER', 'invalid-user', 'on', 'allkeys', '+get', '>secret-pw')
  const plugin = (db: number, extra: Record<string, unknown> = {}) => [
    {
      name: 'rate-limiting',
      config: { minute: 2, policy: 'redis', fault_tolerant: false, redis: { host: '127.0.0.1', port: redis.port, database: db, ...extra } },
    },
  ]
  const yaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'redis-dbs',
        url: '$UPSTREAM',
        routes: [
          { name: 'db1', hosts: ['redistest1.test'], plugins: plugin(1) },
          { name: 'db2', hosts: ['redistest2.test'], plugins: plugin(2) },
          { name: 'db3', hosts: ['redistest3.test'], plugins: plugin(3, { username: 'valid-user', password: 'secret-pw' }) },
          { name: 'db4', hosts: ['redistest4.test'], plugins: plugin(4, { username: 'invalid-user', password: 'secret-pw' }) },
        ],
      },
    ],
  })
  const g = await pluginGateway(t, yaml)
  const sizes = async () => {
    const out: number[] = []
    for (const db of [1, 2, 3]) {
      await admin.select(db)
      out.push(await admin.dbsize())
    }
    return out
  }
  const host = (n: number) => ({ headers: { host: `redistest${n}.test` } })
  // spec/03-plugins/23-rate-limiting/05-integration_spec.lua:195
  t.same(await sizes(), [0, 0, 0])
  t.equal((await g.send('/status/200', host(1))).status, 200)
  t.same(await sizes(), [1, 0, 0], 'database 1 only')
  t.equal((await g.send('/status/200', host(2))).status, 200)
  t.same(await sizes(), [1, 1, 0], 'then database 2')
  // spec/03-plugins/23-rate-limiting/05-integration_spec.lua:298
  t.equal((await g.send('/status/200', host(3))).status, 200, 'a user with the ACLs it needs')
  t.same(await sizes(), [1, 1, 1])
  // spec/03-plugins/23-rate-limiting/05-integration_spec.lua:309
  const denied = await g.send('/status/200', host(4))
  t.equal(denied.status, 500, 'a user missing ACLs: the usage cannot be read (fault_tolerant false)')
  t.equal(denied.json().message, 'An unexpected error occurred')
})

t.test("Kong's schema spec", async (t) => {
  const issues = async (config: Record<string, unknown>) => {
    const r = await loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'rate-limiting', config }] }), { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.message}`)
  }
  // spec/03-plugins/23-rate-limiting/01-schema_spec.lua:7, :14, :21, :28
  t.same(await issues({ second: 10 }), [])
  t.same(await issues({ second: 10, minute: 20, hour: 30, day: 40, month: 50, year: 60 }), [])
  t.same(await issues({ second: 10, limit_by: 'header', header_name: 'X-App-Version' }), [])
  t.same(await issues({ second: 10, limit_by: 'path', path: '/request' }), [])
  // spec/03-plugins/23-rate-limiting/01-schema_spec.lua:36, :43
  t.same(await issues({ second: 20, hour: 10 }), ['plugins[0].config The limit for hour(10.0) cannot be lower than the limit for second(20.0)'])
  t.same(await issues({ second: 10, minute: 20, hour: 30, day: 40, month: 60, year: 50 }), [
    'plugins[0].config The limit for year(50.0) cannot be lower than the limit for month(60.0)',
  ])
  // spec/03-plugins/23-rate-limiting/01-schema_spec.lua:79
  t.same(
    await issues({
      second: 10,
      policy: 'redis',
      redis: {
        host: '127.0.0.1',
        port: 6379,
        database: 0,
        username: 'test',
        password: 'testXXX',
        ssl: true,
        ssl_verify: false,
        timeout: 1100,
        server_name: 'test-redis.example.com',
      },
    }),
    [],
  )
})

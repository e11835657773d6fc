// rate-limiting (policy local) against a real upstream: statuses, messages,
// headers, identifiers, counter keys, reloads, the schema, and the ordering
// scenario with key-auth.
import { writeFileSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { CounterStore } from '../../src/node/counter-store.js'
import { LocalCounters } from '../../src/node/counters.js'
import type { NodeState } from '../../src/node/state.js'
import { windowStart } from '../../src/plugins/shared/rate-limit/periods.js'
import { awayFromMinuteEnd } from '../helpers/clock.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const ZERO = '00000000-0000-0000-0000-000000000000'
const minuteStart = () => Date.now() - (Date.now() % 60_000)
/** The node's count of a key (one process: its counters are local). */
const count = (node: NodeState, key: string) => {
  if (!(node.counters instanceof LocalCounters)) throw new Error('expected local counters')
  return node.counters.store.get(key)
}

// Each test gets its own route names, so counters (kept per process) never mix.
const routeConfig = (route: string, pluginConfig: string, extra = '') => `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
  - username: bob
    keyauth_credentials: [{ key: bob-key }]
services:
  - name: app-${route}
    url: $UPSTREAM
    routes:
      - name: ${route}
        paths: [/]
        plugins:
          - name: rate-limiting
            config: ${pluginConfig}
${extra}`

t.beforeEach(() => awayFromMinuteEnd())

t.test('headers on every answer; the (limit+1)-th request gets 429 with Retry-After, never proxied', async (t) => {
  const { send } = await pluginGateway(t, routeConfig('basic', '{ minute: 3, hour: 10 }'))
  for (let i = 1; i <= 3; i++) {
    const r = await send('/x')
    t.equal(r.status, 200)
    t.equal(r.headers['x-ratelimit-limit-minute'], '3')
    t.equal(r.headers['x-ratelimit-remaining-minute'], String(3 - i))
    t.equal(r.headers['x-ratelimit-limit-hour'], '10')
    t.equal(r.headers['x-ratelimit-remaining-hour'], String(10 - i))
    t.equal(r.headers['ratelimit-limit'], '3', 'the most restrictive period: the minute')
    t.equal(r.headers['ratelimit-remaining'], String(3 - i))
    const reset = Number(r.headers['ratelimit-reset'])
    t.ok(reset >= 1 && reset <= 60, `reset ${reset} within the minute`)
    t.equal(r.headers['retry-after'], undefined)
    t.ok(r.reached)
  }
  const r = await send('/x')
  t.equal(r.status, 429)
  t.equal(r.json().message, 'API rate limit exceeded')
  t.match(r.json().request_id, /^[0-9a-f]{32}$/, "kong.response.error's template")
  t.equal(r.headers['x-ratelimit-remaining-minute'], '0')
  t.equal(r.headers['x-ratelimit-remaining-hour'], '7', 'a period that did not stop is not decremented')
  t.equal(r.headers['ratelimit-remaining'], '0')
  t.equal(r.headers['retry-after'], r.headers['ratelimit-reset'])
  t.equal(r.reached, undefined)
  const again = await send('/x')
  t.equal(again.status, 429)
  t.equal(again.headers['x-ratelimit-remaining-hour'], '7', 'rejected requests are not counted (local policy)')
})

t.test('ties pick the longer window; reset of an hour window', async (t) => {
  const { send } = await pluginGateway(t, routeConfig('ties', '{ minute: 5, hour: 5 }'))
  const r = await send('/x')
  t.equal(r.headers['ratelimit-limit'], '5')
  t.equal(r.headers['ratelimit-remaining'], '4')
  const expected = 3600 - Math.floor((Date.now() % 3_600_000) / 1000)
  t.ok(Math.abs(Number(r.headers['ratelimit-reset']) - expected) <= 1, 'reset counts down the hour')
})

t.test('error_code and error_message; hide_client_headers hides every header, Retry-After too', async (t) => {
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:624 (hide_client_headers), :785 (custom error)
  const { send } = await pluginGateway(t, routeConfig('custom', '{ minute: 1, error_code: 403, error_message: "Slow down", hide_client_headers: true }'))
  const ok = await send('/x')
  t.equal(ok.status, 200)
  for (const h of ['x-ratelimit-limit-minute', 'x-ratelimit-remaining-minute', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'])
    t.equal(ok.headers[h], undefined, h)
  const r = await send('/x')
  t.equal(r.status, 403)
  t.equal(r.json().message, 'Slow down')
  t.equal(r.headers['retry-after'], undefined)
  t.equal(r.headers['x-ratelimit-remaining-minute'], undefined)
  t.equal(r.reached, undefined)
})

t.test('counter key: ratelimit:<route>:<service>:<identifier>:<window start>:<period>', async (t) => {
  const { send, gw } = await pluginGateway(t, routeConfig('keys', '{ minute: 10 }'))
  await send('/x')
  await send('/x')
  const cfg = gw.holder.current().config
  const route = cfg.routes.find((r) => r.name === 'keys')!
  t.equal(count(gw.node, `ratelimit:${route.id}:${ZERO}:127.0.0.1:${minuteStart()}:minute`), 2, 'route-scoped: the service id is the zero UUID')
})

t.test('a global instance counts across routes (zero UUIDs in its key); route instances count apart', async (t) => {
  const yaml = `_format_version: "3.0"
services:
  - name: app-global
    url: $UPSTREAM
    routes:
      - { name: global-a, paths: [/a] }
      - { name: global-b, paths: [/b] }
  - name: app-scoped
    url: $UPSTREAM
    routes:
      - { name: scoped-c, paths: [/c] }
      - { name: scoped-d, paths: [/d] }
    plugins:
      - name: rate-limiting
        config: { minute: 100, limit_by: header, header_name: x-global-test }
plugins:
  - name: rate-limiting
    config: { minute: 2, limit_by: header, header_name: x-global-test }
`
  const { send, gw } = await pluginGateway(t, yaml)
  const h = { headers: { 'x-global-test': 'g1' } }
  t.equal((await send('/a', h)).status, 200)
  t.equal((await send('/b', h)).status, 200)
  t.equal((await send('/a', h)).status, 429, 'the global instance shares its counters between routes')
  t.equal(count(gw.node, `ratelimit:${ZERO}:${ZERO}:g1:${minuteStart()}:minute`), 2)
  const service = gw.holder.current().config.services.find((s) => s.name === 'app-scoped')!
  await send('/c', h)
  await send('/d', h)
  t.equal(count(gw.node, `ratelimit:${ZERO}:${service.id}:g1:${minuteStart()}:minute`), 2, 'the service instance counts per service')
})

t.test('limit_by: consumer, credential, ip, service, header, path', async (t) => {
  const yaml = `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
  - username: bob
    keyauth_credentials: [{ key: bob-key }]
services:
  - name: app-by
    url: $UPSTREAM
    routes:
      - name: by-consumer
        paths: [/consumer]
        plugins:
          - { name: key-auth }
          - { name: rate-limiting, config: { minute: 1 } }
      - name: by-credential
        paths: [/credential]
        plugins:
          - { name: key-auth }
          - { name: rate-limiting, config: { minute: 1, limit_by: credential } }
      - name: by-ip
        paths: [/ip]
        plugins:
          - { name: rate-limiting, config: { minute: 1, limit_by: ip } }
      - name: by-service
        paths: [/service]
        plugins:
          - { name: rate-limiting, config: { minute: 1, limit_by: service } }
      - name: by-header
        paths: [/header]
        plugins:
          - { name: rate-limiting, config: { minute: 1, limit_by: header, header_name: X-Tenant } }
      - name: by-path
        paths: [/path]
        plugins:
          - { name: rate-limiting, config: { minute: 1, limit_by: path, path: /path/counted } }
`
  const { send, gw } = await pluginGateway(t, yaml)
  const cfg = gw.holder.current().config
  const routeId = (name: string) => cfg.routes.find((r) => r.name === name)!.id
  const alice = cfg.consumers.find((c) => c.username === 'alice')!
  const aliceCred = cfg.keyauth_credentials.find((c) => c.consumer === alice.id)!
  const service = cfg.services.find((s) => s.name === 'app-by')!
  const key = (route: string, id: string) => count(gw.node, `ratelimit:${routeId(route)}:${ZERO}:${id}:${minuteStart()}:minute`)
  const statuses = async (path: string, headers: Record<string, string>[]) => {
    const out: number[] = []
    for (const h of headers) out.push((await send(path, { headers: h })).status)
    return out
  }

  t.same(await statuses('/consumer', [{ apikey: 'alice-key' }, { apikey: 'bob-key' }, { apikey: 'alice-key' }]), [200, 200, 429], 'per consumer')
  t.equal(key('by-consumer', alice.id), 1, 'keyed by the consumer id')
  t.same(await statuses('/credential', [{ apikey: 'alice-key' }, { apikey: 'bob-key' }, { apikey: 'bob-key' }]), [200, 200, 429], 'per credential')
  t.equal(key('by-credential', aliceCred.id), 1, 'keyed by the credential id')
  t.same(await statuses('/ip', [{}, {}]), [200, 429], 'per client IP')
  t.equal(key('by-ip', '127.0.0.1'), 1)
  t.same(await statuses('/service', [{}, {}]), [200, 429])
  t.equal(key('by-service', service.id), 1, 'keyed by the service id')
  t.same(await statuses('/header', [{ 'x-tenant': 'a' }, { 'x-tenant': 'b' }, { 'x-tenant': 'a' }]), [200, 200, 429], 'per header value')
  t.same(await statuses('/header', [{}, {}]), [200, 429], 'no header: the client IP')
  t.equal(key('by-header', 'a'), 1)
  t.equal(key('by-header', '127.0.0.1'), 1)
  t.equal((await send('/path/counted')).status, 200)
  t.equal((await send('/path/other')).status, 200, 'another path is counted per IP, apart from the configured one')
  t.equal((await send('/path/counted')).status, 429)
  t.equal(key('by-path', '/path/counted'), 1)
  t.equal(key('by-path', '127.0.0.1'), 1)
})

t.test('local counters survive a reload that keeps the scope, even with new limits', async (t) => {
  const { send, gw } = await pluginGateway(t, routeConfig('reload', '{ minute: 3 }'))
  t.equal((await send('/x')).headers['x-ratelimit-remaining-minute'], '2')
  t.equal((await send('/x')).headers['x-ratelimit-remaining-minute'], '1')
  const yaml = routeConfig('reload', '{ minute: 4 }').replaceAll(
    '$UPSTREAM',
    gw.holder.current().config.services[0]!.protocol +
      '://' +
      gw.holder.current().config.services[0]!.host +
      ':' +
      gw.holder.current().config.services[0]!.port,
  )
  writeFileSync(gw.file, yaml.replace('  - username: bob', '  - username: carol\n  - username: bob'))
  t.equal((await gw.reload()).result, 'applied')
  t.equal(gw.holder.current().config.consumers.length, 3, 'the new file is in use')
  const r = await send('/x')
  t.equal(r.headers['x-ratelimit-limit-minute'], '4')
  t.equal(r.headers['x-ratelimit-remaining-minute'], '1', 'two earlier requests still counted')
  t.equal((await send('/x')).status, 200)
  t.equal((await send('/x')).status, 429)
})

const orderingConfig = (ordering: string, route: string) => `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
services:
  - name: s-${route}
    url: $UPSTREAM
    routes:
      - name: ${route}
        paths: [/]
        plugins:
          - name: key-auth
          - name: rate-limiting
            config: { minute: 3 }
${ordering}
`

t.test('ordering: by default an unauthenticated request gets 401 without rate-limit headers', async (t) => {
  const plain = await pluginGateway(t, orderingConfig('', 'order-default'))
  for (let i = 0; i < 5; i++) {
    const r = await plain.send('/x')
    t.equal(r.status, 401)
    t.equal(r.headers['x-ratelimit-remaining-minute'], undefined)
  }
  const ok = await plain.send('/x', { headers: { apikey: 'alice-key' } })
  t.equal(ok.status, 200)
  t.equal(ok.headers['x-ratelimit-remaining-minute'], '2', 'only the authenticated request was counted')
})

t.test('ordering: rate-limiting before key-auth counts every request; the 4th in the minute gets 429', async (t) => {
  const ordered = await pluginGateway(t, orderingConfig('            ordering:\n              before:\n                access: [key-auth]', 'order-before'))
  const statuses: number[] = []
  const remaining: unknown[] = []
  for (let i = 0; i < 4; i++) {
    const r = await ordered.send('/x')
    statuses.push(r.status)
    remaining.push(r.headers['x-ratelimit-remaining-minute'])
    if (r.status === 401) t.equal(r.json().message, 'No API key found in request')
    t.equal(r.reached, undefined)
  }
  t.same(statuses, [401, 401, 401, 429])
  t.same(remaining, ['2', '1', '0', '0'], 'the 401s carry the rate-limit headers')
  t.equal((await ordered.send('/x', { headers: { apikey: 'alice-key' } })).status, 429, 'a valid key does not help within the minute')
})

const load = (conf: string, env: Record<string, string> = {}) =>
  loadConfig(`_format_version: "3.0"\nplugins:\n  - name: rate-limiting\n${conf}`, { file: 'k.yml', env })
const issues = (r: Awaited<ReturnType<typeof loadConfig>>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`))

t.test('schema: defaults filled', async (t) => {
  const r = await load('    config: { minute: 5 }\n')
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.config.plugins[0]!.config, {
    minute: 5,
    limit_by: 'consumer',
    policy: 'local',
    fault_tolerant: true,
    redis: { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false },
    hide_client_headers: false,
    error_code: 429,
    error_message: 'API rate limit exceeded',
    sync_rate: -1,
  })
})

t.test("schema: Kong's messages, at the config", async (t) => {
  // spec/03-plugins/23-rate-limiting/01-schema_spec.lua:50 (no limit), :58 (header_name), :65 (path), :118 (redis.host)
  t.same(issues(await load('    config:\n      minute: 20\n      hour: 10\n')), [
    '5:7 plugins[0].config The limit for hour(10.0) cannot be lower than the limit for minute(20.0)',
  ])
  t.same(issues(await load('    config:\n      limit_by: ip\n')), [
    "5:7 plugins[0].config at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
  ])
  t.same(issues(await load('    config:\n      minute: 1\n      sync_rate: 10\n')), ['5:7 plugins[0].config sync_rate can only be used with the redis policy'])
  t.same(issues(await load('    config:\n      minute: 1\n      policy: redis\n      redis: { host: r }\n      sync_rate: 0.01\n')), [
    '5:7 plugins[0].config sync_rate must be greater than 0.02, or -1 to disable',
  ])
  t.same(
    issues(await load('    config:\n      minute: 1\n      policy: cluster\n')),
    ['6:15 plugins[0].config.policy expected one of: local, redis'],
    'cluster needs a database: refused in DB-less, as Kong does',
  )
  t.same(issues(await load('    config:\n      minute: 0\n')), ['5:15 plugins[0].config.minute value must be greater than 0'])
  t.same(issues(await load('    config:\n      minute: 1\n      limit_by: header\n')), ['5:7 plugins[0].config.header_name required field missing'])
  t.same(issues(await load('    config:\n      minute: 1\n      limit_by: path\n')), ['5:7 plugins[0].config.path required field missing'])
  t.same(issues(await load('    config:\n      minute: 1\n      policy: redis\n')), ['5:7 plugins[0].config.redis.host required field missing'])
  t.same(issues(await load('    config:\n      minute: 1\n      redis: { port: 70000 }\n')), [
    '6:22 plugins[0].config.redis.port value should be between 0 and 65535',
  ])
})

t.test('schema: redis record, deprecated redis_* shorthands moved into it, password from a vault', async (t) => {
  // spec/03-plugins/23-rate-limiting/01-schema_spec.lua:99
  const r = await load(
    '    config:\n      minute: 1\n      policy: redis\n      redis_host: cache.internal\n      redis_port: 6380\n      redis_password: "{vault://env/rl-redis-pw}"\n      redis_database: 2\n      redis_ssl: true\n      redis_timeout: 500\n',
    { RL_REDIS_PW: 's3cret' },
  )
  t.ok(r.ok, issues(r).join('\n'))
  if (!r.ok) return
  const conf = r.config.plugins[0]!.config as Record<string, unknown>
  t.same(conf.redis, { host: 'cache.internal', port: 6380, timeout: 500, database: 2, ssl: true, ssl_verify: false, password: 's3cret' })
  t.equal(conf.redis_host, undefined, 'the shorthands are not kept')
  const bad = issues(await load('    config:\n      minute: 1\n      redis_port: nope\n'))
  t.equal(bad.length, 1)
  t.match(bad[0], /^6:19 plugins\[0\]\.config\.redis_port /)
})

t.test('schema: consumer scope allowed', async (t) => {
  const r = await loadConfig(
    '_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: rate-limiting\n        config: { second: 1 }\n',
    { file: 'k.yml' },
  )
  t.ok(r.ok)
})

t.test('windows are UTC calendar boundaries; local counters expire after their TTL', async (t) => {
  const now = Date.UTC(2024, 1, 29, 13, 45, 30, 250)
  t.equal(windowStart('second', now), Date.UTC(2024, 1, 29, 13, 45, 30))
  t.equal(windowStart('minute', now), Date.UTC(2024, 1, 29, 13, 45))
  t.equal(windowStart('hour', now), Date.UTC(2024, 1, 29, 13))
  t.equal(windowStart('day', now), Date.UTC(2024, 1, 29))
  t.equal(windowStart('month', now), Date.UTC(2024, 1, 1))
  t.equal(windowStart('year', now), Date.UTC(2024, 0, 1))
  const key = `ttl-test:${now}`
  const counters = new CounterStore()
  t.teardown(() => counters.close())
  t.equal(counters.incr(key, 1, 60, now), 1)
  t.equal(counters.incr(key, 2, 60, now + 1000), 3)
  t.equal(counters.get(key, now + 59_999), 3)
  t.equal(counters.get(key, now + 60_000), 0, 'gone once the TTL (from the first increment) has passed')
  t.equal(counters.incr(key, 1, 60, now + 60_000), 1, 'a new counter starts')
})

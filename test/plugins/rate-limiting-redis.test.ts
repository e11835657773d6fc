// rate-limiting with policy redis against a real redis-server: two gateways
// share one limit, a Redis outage fails open or closed, and counting resumes
// when Redis is back. The password is used but never logged.
import t from 'tap'
import { Redis } from 'ioredis'
import { awayFromMinuteEnd } from '../helpers/clock.js'
import { gateway, fetchRaw } from '../helpers/gateway.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { startRedis } from '../helpers/redis.js'
import { startUpstream } from '../helpers/upstream.js'

const ZERO = '00000000-0000-0000-0000-000000000000'

const config = (port: number, extra = '', name = 'shared') => `_format_version: "3.0"
services:
  - name: app-${name}
    url: $UPSTREAM
    routes: [{ name: ${name}, paths: [/] }]
plugins:
  - name: rate-limiting
    config:
      minute: 3
      policy: redis
      redis: { host: 127.0.0.1, port: ${port}, timeout: 500 }
${extra}`

interface LogEntry {
  msg: string
  fields: Record<string, unknown> | undefined
}
const collect = (into: LogEntry[]) => () => {
  const rec = (msg: string, fields?: Record<string, unknown>) => into.push({ msg, fields })
  return { error: rec, warn: rec, info: rec, debug: rec }
}

t.beforeEach(() => awayFromMinuteEnd(5000))

t.test('two gateways share one limit through Redis; rejected requests count too', async (t) => {
  const redis = await startRedis(t)
  const up = await startUpstream()
  const yaml = config(redis.port).replaceAll('$UPSTREAM', up.url)
  const a = await gateway(yaml)
  const b = await gateway(yaml)
  t.teardown(async () => {
    await a.close()
    await b.close()
    await up.close()
  })
  const seen: { status: number; remaining: unknown }[] = []
  for (const gw of [a, b, a, b, a]) {
    const r = await fetchRaw(`${gw.url}/x`)
    seen.push({ status: r.status, remaining: r.headers['x-ratelimit-remaining-minute'] })
  }
  t.same(seen, [
    { status: 200, remaining: '2' },
    { status: 200, remaining: '1' },
    { status: 200, remaining: '0' },
    { status: 429, remaining: '0' },
    { status: 429, remaining: '0' },
  ])
  t.equal(up.requests.length, 3, 'only three reached the upstream')

  const client = new Redis({ port: redis.port, lazyConnect: true })
  t.teardown(() => void client.disconnect())
  await client.connect()
  const start = Date.now() - (Date.now() % 60_000)
  const key = `ratelimit:${ZERO}:${ZERO}:127.0.0.1:${start}:minute`
  t.equal(await client.get(key), '5', "Kong's key; INCR during the check counts the rejected requests")
  const ttl = await client.ttl(key)
  t.ok(ttl > 0 && ttl <= 60, `the counter expires (ttl ${ttl})`)
})

// Kong's usage script (kong/plugins/rate-limiting/policies/init.lua:407-415), for all periods at once.
t.test('sync_rate -1: one Redis command per request for all periods (a script), no MULTI', async (t) => {
  const redis = await startRedis(t)
  const { send } = await pluginGateway(t, config(redis.port, '      hour: 100\n', 'one-command'))
  t.equal((await send('/x')).status, 200, 'connected')
  const client = new Redis({ port: redis.port, lazyConnect: true })
  t.teardown(() => void client.disconnect())
  await client.connect()
  await client.config('RESETSTAT')
  for (let i = 0; i < 2; i++) {
    const r = await send('/x')
    t.equal(r.headers['x-ratelimit-remaining-hour'], String(98 - i))
  }
  const stats = Object.fromEntries(
    (await client.info('commandstats'))
      .split('\r\n')
      .map((l) => /^cmdstat_(\w+):calls=(\d+)/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, Number(m[2])]),
  )
  const scripts = (stats.evalsha ?? 0) + (stats.eval ?? 0)
  // Our own INFO is counted only after it ran, so the gateway's commands are the scripts and the RESETSTAT.
  t.equal(scripts, 2, 'one script call per request')
  t.equal(stats.multi, undefined, 'no transaction')
  t.equal(stats.incr, 4, 'inside it, INCR of the minute and the hour key')
  t.equal(stats.expire, undefined, 'EXPIRE only when a key is created')
})

t.test('sync_rate -1, concurrent requests: batched together, each gets its own count', async (t) => {
  const redis = await startRedis(t)
  const { send } = await pluginGateway(t, config(redis.port, '', 'concurrent').replace('minute: 3', 'minute: 10'))
  const replies = await Promise.all(Array.from({ length: 12 }, () => send('/x')))
  const ok = replies.filter((r) => r.status === 200)
  t.equal(ok.length, 10, 'exactly the limit passes')
  t.same(
    ok.map((r) => Number(r.headers['x-ratelimit-remaining-minute'])).sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    'no two requests got the same count',
  )
  t.equal(replies.filter((r) => r.status === 429).length, 2)
  const client = new Redis({ port: redis.port, lazyConnect: true })
  t.teardown(() => void client.disconnect())
  await client.connect()
  const start = Date.now() - (Date.now() % 60_000)
  t.equal(await client.get(`ratelimit:${ZERO}:${ZERO}:127.0.0.1:${start}:minute`), '12')
  const calls = /cmdstat_evalsha:calls=(\d+)/.exec(await client.info('commandstats'))?.[1]
  t.comment(`12 concurrent requests, ${Number(calls ?? 0) + 1} script calls`)
})

t.test('Redis down: fault_tolerant lets requests through without headers, false answers 500; counting resumes after a restart', async (t) => {
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:1189 (fault_tolerant false), :1220 (true)
  const redis = await startRedis(t)
  const logs: LogEntry[] = []
  const tolerant = await pluginGateway(t, config(redis.port, '', 'tolerant'), undefined, { pluginLog: collect(logs) })
  const strict = await pluginGateway(t, config(redis.port, '      fault_tolerant: false\n', 'strict'), undefined, { pluginLog: collect(logs) })
  t.equal((await tolerant.send('/x')).headers['x-ratelimit-remaining-minute'], '2')
  t.equal((await strict.send('/x')).headers['x-ratelimit-remaining-minute'], '1', 'both global instances share the key')

  await redis.stop()
  const started = Date.now()
  const open = await tolerant.send('/x')
  t.equal(open.status, 200)
  t.ok(open.reached, 'proxied')
  t.equal(open.headers['x-ratelimit-remaining-minute'], undefined, 'no headers without usage')
  t.equal(open.headers['ratelimit-limit'], undefined)
  t.ok(
    logs.some((l) => l.msg === 'failed to get usage'),
    'the error is logged',
  )

  const closed = await strict.send('/x')
  t.equal(closed.status, 500)
  t.equal(closed.json().message, 'An unexpected error occurred')
  t.equal(closed.reached, undefined)
  t.ok(Date.now() - started < 2000, 'an outage fails fast')

  await redis.start()
  await new Promise((r) => setTimeout(r, 300)) // past the pause after a failed connect
  const back = await strict.send('/x')
  t.equal(back.status, 200)
  t.equal(back.headers['x-ratelimit-remaining-minute'], '2', 'counting resumes on the new (empty) Redis')
  t.equal((await tolerant.send('/x')).headers['x-ratelimit-remaining-minute'], '1')
})

t.test('password auth: works, and the password never reaches the logs', async (t) => {
  const redis = await startRedis(t, ['--requirepass', 'pw-7f3a'])
  const logs: LogEntry[] = []
  const good = await pluginGateway(t, config(redis.port, '', 'auth-good').replace('timeout: 500 }', 'timeout: 500, password: pw-7f3a }'), undefined, {
    pluginLog: collect(logs),
  })
  const r = await good.send('/x')
  t.equal(r.status, 200)
  t.equal(r.headers['x-ratelimit-remaining-minute'], '2')

  const bad = await pluginGateway(
    t,
    config(redis.port, '      fault_tolerant: false\n', 'auth-bad').replace('timeout: 500 }', 'timeout: 500, password: wrong-9c1e }'),
    undefined,
    { pluginLog: collect(logs) },
  )
  t.equal((await bad.send('/x')).status, 500)
  t.ok(logs.length > 0)
  const text = JSON.stringify(logs)
  t.notMatch(text, /pw-7f3a|wrong-9c1e/, 'no password in any log entry')
})

// rate-limiting with policy redis and sync_rate > 0 against a real redis-server:
// counts are local between flushes and reach Redis after one (read here with
// ioredis, value and TTL), two gateways converge, an outage is survived with
// fault_tolerant true and false, and nothing runs or lingers after close.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { awayFromMinuteEnd } from '../helpers/clock.js'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { startRedis, type TestRedis } from '../helpers/redis.js'
import { startUpstream } from '../helpers/upstream.js'

const ZERO = '00000000-0000-0000-0000-000000000000'
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

const config = (port: number, opts: { minute: number; syncRate: number; extra?: string; name?: string }) => `_format_version: "3.0"
services:
  - name: app-${opts.name ?? 'sync'}
    url: $UPSTREAM
    routes: [{ name: ${opts.name ?? 'sync'}, paths: [/] }]
plugins:
  - name: rate-limiting
    config:
      minute: ${opts.minute}
      policy: redis
      sync_rate: ${opts.syncRate}
      redis: { host: 127.0.0.1, port: ${port}, timeout: 500 }
${opts.extra ?? ''}`

/** Kong's key of a global instance's minute counter, for `identifier`, in the current window. */
const minuteKey = (identifier = '127.0.0.1') => `ratelimit:${ZERO}:${ZERO}:${identifier}:${Date.now() - (Date.now() % 60_000)}:minute`

async function redisReader(t: { teardown(fn: () => void): void }, redis: TestRedis): Promise<Redis> {
  const client = new Redis({ port: redis.port, lazyConnect: true, retryStrategy: () => 100, maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  await client.connect()
  return client
}

/** Polls `read` until it gives `want` (or the time is up); returns the last value read (undefined: it failed). */
async function until<T>(read: () => Promise<T>, want: T, ms = 3000): Promise<T | undefined> {
  const deadline = Date.now() + ms
  const attempt = () => read().catch(() => undefined)
  let v = await attempt()
  while (v !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25))
    v = await attempt()
  }
  return v
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface LogEntry {
  msg: string
  fields: Record<string, unknown> | undefined
}
const collect = (into: LogEntry[]) => () => {
  const rec = (msg: string, fields?: Record<string, unknown>) => into.push({ msg, fields })
  return { error: rec, warn: rec, info: rec, debug: rec }
}

t.beforeEach(() => awayFromMinuteEnd(10_000))

t.test('sync_rate 0.5: counted locally between flushes, in Redis after a flush; the limit holds locally', async (t) => {
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:1298
  const redis = await startRedis(t)
  const reader = await redisReader(t, redis)
  const { send } = await pluginGateway(t, config(redis.port, { minute: 5, syncRate: 0.5 }))
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:1334-1336: nothing in Redis before the first request.
  t.equal(await reader.dbsize(), 0)

  const remaining: unknown[] = []
  for (let i = 0; i < 3; i++) remaining.push((await send('/x')).headers['x-ratelimit-remaining-minute'])
  t.same(remaining, ['4', '3', '2'], 'exact counts on this node')
  const key = minuteKey()
  t.equal(await reader.get(key), '1', "only the first request's read is in Redis (Kong's INCR script); the others wait for the flush")

  // spec/03-plugins/23-rate-limiting/02-policies_spec.lua:215-244: after a flush Redis holds the exact count, the first one not twice.
  t.equal(await until(() => reader.get(key), '3'), '3', 'the flush added the local counts')
  const ttl = await reader.ttl(key)
  t.ok(ttl > 0 && ttl <= 60, `the counter expires (ttl ${ttl})`)

  t.equal((await send('/x')).status, 200)
  const last = await send('/x')
  t.equal(last.status, 200)
  t.equal(last.headers['x-ratelimit-remaining-minute'], '0')
  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:1340-1345: "exceed the limit locally".
  const refused = await send('/x')
  t.equal(refused.status, 429)
  t.equal(refused.json().message, 'API rate limit exceeded')
  t.equal(refused.reached, undefined)
  t.equal(await until(() => reader.get(key), '5'), '5', 'a refused request is not counted (Kong counts accepted requests when syncing)')
  await sleep(700)
  t.equal(await reader.get(key), '5', 'nothing is sent twice')
})

t.test('two gateways sharing Redis converge after flushes', async (t) => {
  const redis = await startRedis(t)
  const reader = await redisReader(t, redis)
  const up = await startUpstream()
  const yaml = config(redis.port, { minute: 10, syncRate: 0.2 }).replaceAll('$UPSTREAM', up.url)
  const a = await gateway(yaml)
  const b = await gateway(yaml)
  t.teardown(async () => {
    await a.close()
    await b.close()
    await up.close()
  })
  const remaining = async (gw: TestGateway) => (await fetchRaw(`${gw.url}/x`)).headers['x-ratelimit-remaining-minute']
  t.same([await remaining(a), await remaining(a), await remaining(a)], ['9', '8', '7'])
  // B's first request reads Redis, which holds A's first request at least: B does not start from zero.
  const fromB = Number(await remaining(b))
  t.ok(fromB <= 8, `B's first request sees A's (remaining ${fromB})`)
  await remaining(b)

  const key = minuteKey()
  t.equal(await until(() => reader.get(key), '5'), '5', 'every request of both gateways is in Redis after their flushes')
  // Keys unused for a sync period are dropped: the next request of each gateway reads the total.
  await sleep(600)
  t.equal(await remaining(a), '4', 'A sees B: 5 counted, this is the 6th')
  t.equal(await remaining(b), '3', 'B sees A: 6 counted, this is the 7th')
  t.equal(await until(() => reader.get(key), '7'), '7')
})

t.test('Redis down: known keys keep counting locally; new ones follow fault_tolerant; deltas reach Redis when it is back', async (t) => {
  const redis = await startRedis(t)
  const reader = await redisReader(t, redis)
  const logs: LogEntry[] = []
  const byHeader = '      limit_by: header\n      header_name: x-client\n'
  const strict = await pluginGateway(
    t,
    config(redis.port, { minute: 3, syncRate: 0.2, name: 'strict', extra: `${byHeader}      fault_tolerant: false\n` }),
    undefined,
    {
      pluginLog: collect(logs),
    },
  )
  const tolerant = await pluginGateway(t, config(redis.port, { minute: 3, syncRate: 0.2, name: 'tolerant', extra: byHeader }), undefined, {
    pluginLog: collect(logs),
  })
  const as = (client: string) => ({ headers: { 'x-client': client } })
  t.equal((await strict.send('/x', as('known'))).headers['x-ratelimit-remaining-minute'], '2')
  t.equal(await until(() => reader.get(minuteKey('known')), '1'), '1')

  await redis.stop()
  const local = await strict.send('/x', as('known'))
  t.equal(local.status, 200, 'a key this node knows is limited without Redis')
  t.equal(local.headers['x-ratelimit-remaining-minute'], '1')
  t.ok(local.reached)

  const fresh = await strict.send('/x', as('new'))
  t.equal(fresh.status, 500, 'fault_tolerant false: a key that needs Redis is refused')
  t.equal(fresh.json().message, 'An unexpected error occurred')
  t.equal(fresh.reached, undefined)

  const open = await tolerant.send('/x', as('other'))
  t.equal(open.status, 200, 'fault_tolerant true: let through')
  t.equal(open.headers['x-ratelimit-remaining-minute'], undefined, 'without rate-limit headers')
  t.ok(open.reached)

  await sleep(500)
  t.ok(
    logs.some((l) => l.msg === 'failed to sync counters to Redis'),
    'the failed flush is logged',
  )

  // The restarted Redis is empty: the flush creates the key with the count made during the outage.
  await redis.start()
  t.equal(await until(() => reader.get(minuteKey('known')), '1'), '1', 'the delta kept through the outage is sent')
  const ttl = await reader.ttl(minuteKey('known'))
  t.ok(ttl > 0 && ttl <= 60, `a key created by the flush expires with its window (ttl ${ttl})`)
  const back = await strict.send('/x', as('new'))
  t.equal(back.status, 200, 'new keys work again')
  t.equal(back.headers['x-ratelimit-remaining-minute'], '2')
})

t.test('closing the gateway stops the sync: no flush afterwards', async (t) => {
  const redis = await startRedis(t)
  const reader = await redisReader(t, redis)
  const up = await startUpstream()
  const gw = await gateway(config(redis.port, { minute: 10, syncRate: 1 }).replaceAll('$UPSTREAM', up.url))
  t.teardown(() => up.close())
  for (let i = 0; i < 3; i++) t.equal((await fetchRaw(`${gw.url}/x`)).status, 200)
  await gw.close()
  const key = minuteKey()
  await sleep(1500)
  t.equal(await reader.get(key), '1', "only the first request's read reached Redis: the pending flush never ran")
})

t.test('a gateway process with pending counters exits once stopped (the timer holds nothing open)', async (t) => {
  const redis = await startRedis(t)
  const up = await startUpstream()
  t.teardown(() => up.close())
  const dir = mkdtempSync(join(tmpdir(), 'gw-sync-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, config(redis.port, { minute: 100, syncRate: 5 }).replaceAll('$UPSTREAM', up.url))
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  let out = ''
  const proxy = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.includes('"gateway started"'))
      if (line) resolve((JSON.parse(line) as { proxy: string[] }).proxy[0]!)
    })
    child.once('exit', () => reject(new Error(`the gateway exited early: ${out}`)))
  })
  for (let i = 0; i < 3; i++) t.equal((await fetchRaw(`http://${proxy}/x`)).headers['x-ratelimit-remaining-minute'], String(99 - i))
  // A flush is 5 s away and a Redis connection is open: neither may hold the process.
  const stopped = Date.now()
  child.kill('SIGTERM')
  t.equal(await exited, 0)
  t.ok(Date.now() - stopped < 4000, `exited in ${Date.now() - stopped} ms`)
})

// response-ratelimiting against a real upstream that spends limits through
// `x-kong-limit` (taken from the request's ?limit= query), with policy local
// and policy redis.
import t from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { loadConfig } from '../../src/config/load.js'
import { awayFromMinuteEnd } from '../helpers/clock.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { startRedis } from '../helpers/redis.js'

// Echoes the request; `?limit=videos=1, images=2` becomes the x-kong-limit response header.
const spender = (req: IncomingMessage, res: ServerResponse) => {
  const limit = new URL(req.url ?? '/', 'http://x').searchParams.get('limit')
  const body = JSON.stringify({ headers: req.headers })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(limit ? { 'x-kong-limit': limit } : {}) })
  res.end(body)
}

const config = (route: string, pluginConfig: string) => `_format_version: "3.0"
services:
  - name: app-${route}
    url: $UPSTREAM
    routes:
      - name: ${route}
        paths: [/]
        plugins:
          - name: response-ratelimiting
            config:
${pluginConfig.replace(/^/gm, '              ')}
`
const LIMITS = 'limits:\n  videos: { minute: 3 }\n  images: { minute: 5, hour: 10 }'

// The log phase counts after the response is sent: give it a moment.
const settle = () => new Promise((r) => setTimeout(r, 30))

t.beforeEach(() => awayFromMinuteEnd(5000))

for (const policy of ['local', 'redis'] as const) {
  t.test(`${policy}: upstream sees what is left; the header spends; headers per limit and period; 429 without a body`, async (t) => {
    let policyConf = ''
    if (policy === 'redis') {
      const redis = await startRedis(t)
      policyConf = `\npolicy: redis\nredis: { host: 127.0.0.1, port: ${redis.port} }`
    }
    const { send } = await pluginGateway(t, config(`spend-${policy}`, LIMITS + policyConf), spender)
    const first = await send('/x?limit=videos=2,%20images=1')
    t.equal(first.status, 200)
    t.equal(first.reached!.headers['x-ratelimit-remaining-videos'], '3')
    t.equal(first.reached!.headers['x-ratelimit-remaining-images'], '5', 'the least remaining of the periods')
    t.equal(first.headers['x-kong-limit'], undefined, 'the spending header is removed')
    t.equal(first.headers['x-ratelimit-limit-videos-minute'], '3')
    t.equal(first.headers['x-ratelimit-remaining-videos-minute'], '1', 'remaining after this response')
    t.equal(first.headers['x-ratelimit-limit-images-minute'], '5')
    t.equal(first.headers['x-ratelimit-remaining-images-minute'], '4')
    t.equal(first.headers['x-ratelimit-limit-images-hour'], '10')
    t.equal(first.headers['x-ratelimit-remaining-images-hour'], '9')
    await settle()

    const second = await send('/x?limit=videos=1')
    t.equal(second.reached!.headers['x-ratelimit-remaining-videos'], '1', 'counted in the log phase')
    t.equal(second.headers['x-ratelimit-remaining-videos-minute'], '0')
    await settle()

    const free = await send('/x')
    t.equal(free.status, 200, 'a response that spends nothing passes even when a limit is used up')
    t.equal(free.headers['x-ratelimit-remaining-videos-minute'], '0')

    const blocked = await send('/x?limit=videos=1')
    t.ok(blocked.reached, 'the upstream did answer')
    t.equal(blocked.status, 429)
    t.equal(blocked.body, '', 'no body')
    t.equal(blocked.headers['x-kong-limit'], undefined)
    await settle()
    const after = await send('/x?limit=images=1')
    t.equal(after.status, 200)
    t.equal(after.headers['x-ratelimit-remaining-images-minute'], '3', 'a blocked response spends nothing')
    t.equal(after.reached!.headers['x-ratelimit-remaining-videos'], '0')
  })
}

// Kong answers with kong.response.error (kong/plugins/response-ratelimiting/access.lua:91-92): the error template.
t.test('block_on_first_violation: 429 "API rate limit exceeded for \'<name>\'" before the upstream, in the error template', async (t) => {
  const { send } = await pluginGateway(t, config('block', `${LIMITS}\nblock_on_first_violation: true`), spender)
  await send('/x?limit=videos=3')
  await settle()
  const r = await send('/x')
  // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:621-635
  t.equal(r.status, 429)
  t.equal(r.json().message, "API rate limit exceeded for 'videos'")
  t.match(r.json().request_id, /^[0-9a-f]{32}$/, 'the template carries the request id')
  t.equal(r.json().request_id, r.headers['x-kong-request-id'])
  t.match(r.headers['content-type'], /^application\/json/)
  t.equal(r.reached, undefined)

  const text = await send('/x', { headers: { accept: 'text/plain' } })
  t.equal(text.status, 429)
  t.match(text.headers['content-type'], /^text\/plain/)
  t.equal(text.body, `API rate limit exceeded for 'videos'\nrequest_id: ${String(text.headers['x-kong-request-id'])}\n`, 'negotiated on Accept')
  t.equal(text.reached, undefined)
})

t.test('hide_client_headers; unknown names and malformed parts are ignored; custom header_name', async (t) => {
  const upstream = (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'x-spend': 'videos=1, nope=4, images, =2, videos2=1' })
    res.end('ok')
  }
  const { send } = await pluginGateway(t, config('hidden', `${LIMITS}\nheader_name: X-Spend\nhide_client_headers: true`), upstream)
  const r = await send('/x')
  t.equal(r.status, 200)
  t.equal(r.body, 'ok')
  t.equal(r.headers['x-spend'], undefined)
  t.equal(r.headers['x-ratelimit-remaining-videos-minute'], undefined)
  t.equal(r.headers['x-ratelimit-limit-images-minute'], undefined)
  await settle()
  const next = await send('/x')
  t.equal(next.reached!.headers['x-ratelimit-remaining-videos'], '2', 'videos=1 counted')
  t.equal(next.reached!.headers['x-ratelimit-remaining-images'], '5', 'a part without "=" counts nothing')
})

t.test('redis down: fault_tolerant passes without headers (x-kong-limit left as is); false answers 500', async (t) => {
  // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:994 (fault_tolerant false), :1003 (true)
  const redis = await startRedis(t)
  const base = `${LIMITS}\npolicy: redis\nredis: { host: 127.0.0.1, port: ${redis.port}, timeout: 300 }`
  const tolerant = await pluginGateway(t, config('rr-tolerant', base), spender)
  const strict = await pluginGateway(t, config('rr-strict', `${base}\nfault_tolerant: false`), spender)
  await redis.stop()
  const open = await tolerant.send('/x?limit=videos=1')
  t.equal(open.status, 200)
  t.equal(open.headers['x-ratelimit-remaining-videos-minute'], undefined)
  t.equal(open.reached!.headers['x-ratelimit-remaining-videos'], undefined)
  // spec/03-plugins/24-response-rate-limiting/04-access_spec.lua:994-1002: Kong's error() in access (access.lua:79) is answered with the error template.
  const closed = await strict.send('/x?limit=videos=1')
  t.equal(closed.status, 500)
  t.equal(closed.json().message, 'An unexpected error occurred')
  t.match(closed.json().request_id, /^[0-9a-f]{32}$/)
  t.equal(closed.reached, undefined)
  const text = await strict.send('/x?limit=videos=1', { headers: { accept: 'text/plain' } })
  t.equal(text.status, 500)
  t.equal(text.body, `An unexpected error occurred\nrequest_id: ${String(text.headers['x-kong-request-id'])}\n`)
})

const load = (conf: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: response-ratelimiting\n${conf}`, { file: 'k.yml' })
const issues = (r: Awaited<ReturnType<typeof loadConfig>>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`))

t.test('schema: defaults; Kong messages', async (t) => {
  const r = await load('    config: { limits: { videos: { minute: 2 } }, redis_host: cache }\n')
  t.ok(r.ok)
  if (r.ok) {
    t.same(r.config.plugins[0]!.config, {
      header_name: 'x-kong-limit',
      limit_by: 'consumer',
      policy: 'local',
      fault_tolerant: true,
      redis: { host: 'cache', port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false },
      block_on_first_violation: false,
      hide_client_headers: false,
      limits: { videos: { minute: 2 } },
    })
  }
  t.same(issues(await load('    config:\n      limits:\n        v: { minute: 20, hour: 10 }\n')), [
    '6:12 plugins[0].config.limits.v the limit for hour(10.0) cannot be lower than the limit for minute(20.0)',
  ])
  t.same(issues(await load('    config:\n      limits:\n        v: {}\n')), [
    "6:12 plugins[0].config.limits.v at least one of these fields must be non-empty: 'second', 'minute', 'hour', 'day', 'month', 'year'",
  ])
  t.same(issues(await load('    config:\n      limits: {}\n')), ['5:15 plugins[0].config.limits length must be at least 1'])
  t.same(issues(await load('    config:\n      limits: { v: { minute: 1 } }\n      policy: cluster\n')), [
    '6:15 plugins[0].config.policy expected one of: local, redis',
  ])
  t.same(issues(await load('    config:\n      limits: { v: { minute: 1 } }\n      policy: redis\n')), [
    '5:7 plugins[0].config.redis.host required field missing',
  ])
  t.same(issues(await load('    config:\n      limits: { v: { minute: 1 } }\n      limit_by: path\n')), [
    '6:17 plugins[0].config.limit_by expected one of: consumer, credential, ip',
  ])
  t.match(issues(await load('    config: {}\n')), [/plugins\[0\]\.config\.limits required field missing/])
})

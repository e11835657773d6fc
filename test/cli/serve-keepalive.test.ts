// `gateway serve --upstream-keepalive-pool-size / -max-requests / -idle-timeout` (Kong's kong.conf
// upstream_keepalive_*): Kong's defaults, the flag over its environment variable, Kong's refusal of
// a negative value (kong/conf_loader/parse.lua), and the setting reaching the pools of a real
// process. What each value does to connections: test/runtime/keepalive-kong.test.ts.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { upstreamKeepalive } from '../../src/cli/upstream-keepalive.js'
import { serveProcess } from '../helpers/serve-process.js'

t.test("Kong's defaults, the environment, and the flag over it", async (t) => {
  // kong.conf.default: upstream_keepalive_pool_size = 512, _max_requests = 10000, _idle_timeout = 60
  t.same(upstreamKeepalive({}, {}), { poolSize: 512, maxRequests: 10000, idleTimeout: 60 })
  const env = {
    GATEWAY_UPSTREAM_KEEPALIVE_POOL_SIZE: '0',
    GATEWAY_UPSTREAM_KEEPALIVE_MAX_REQUESTS: '5',
    GATEWAY_UPSTREAM_KEEPALIVE_IDLE_TIMEOUT: '1.5',
  }
  t.same(upstreamKeepalive({}, env), { poolSize: 0, maxRequests: 5, idleTimeout: 1.5 })
  t.same(upstreamKeepalive({ 'upstream-keepalive-pool-size': '16', 'upstream-keepalive-idle-timeout': '0' }, env), {
    poolSize: 16,
    maxRequests: 5,
    idleTimeout: 0,
  })
})

t.test('a negative, fractional count or non-number is refused', async (t) => {
  // kong/conf_loader/parse.lua: "upstream_keepalive_pool_size must be 0 or greater" (and the other two)
  t.throws(() => upstreamKeepalive({ 'upstream-keepalive-pool-size': '-1' }, {}), {
    message: '--upstream-keepalive-pool-size must be a whole number, 0 or greater',
  })
  t.throws(() => upstreamKeepalive({}, { GATEWAY_UPSTREAM_KEEPALIVE_MAX_REQUESTS: '2.5' }), {
    message: '--upstream-keepalive-max-requests must be a whole number, 0 or greater',
  })
  t.throws(() => upstreamKeepalive({ 'upstream-keepalive-idle-timeout': 'soon' }, {}), {
    message: '--upstream-keepalive-idle-timeout must be a number of seconds, 0 or greater',
  })
  t.throws(() => upstreamKeepalive({ 'upstream-keepalive-idle-timeout': '' }, {}))
})

t.test('the flag reaches the pools of a real gateway; a bad value is a usage error (2)', async (t) => {
  // spec/02-integration/05-proxy/25-upstream_keepalive_spec.lua:257 (upstream_keepalive_pool_size = 0)
  let connections = 0
  const up = createServer((_req, res) => res.end('ok'))
  up.keepAliveTimeout = 0
  up.on('connection', () => connections++)
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => {
    up.closeAllConnections()
    return new Promise<void>((r) => up.close(() => r()))
  })
  const file = join(mkdtempSync(join(tmpdir(), 'gw-keepalive-')), 'kong.yml')
  const port = (up.address() as AddressInfo).port
  writeFileSync(file, `_format_version: "3.0"\nservices:\n  - name: s\n    url: http://127.0.0.1:${port}\n    routes: [{ name: r, paths: [/] }]\n`)
  const base = ['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off']
  const p = serveProcess(t, [...base, '--upstream-keepalive-pool-size', '0'])
  const proxy = ((await p.waitFor((l) => l.msg === 'gateway started')).proxy as string[])[0]!
  for (let i = 0; i < 2; i++) t.equal(await (await request(`http://${proxy}/`)).body.text(), 'ok')
  t.equal(connections, 2, 'each request opened its own connection')
  const bad = serveProcess(t, [...base, '--upstream-keepalive-max-requests', '-1'])
  t.equal(await bad.exited, 2)
})

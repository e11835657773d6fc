// The read-only admin API: Kong's DB-less shapes and 405 wording, no secret in
// any answer, Prometheus metrics of the running config and its reloads.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { refusal } from '../../src/server/admin.js'
import { redactForDisplay } from '../../src/config/secrets/index.js'
import { registry } from '../../src/plugins/registry.js'
import { VERSION } from '../../src/version.js'

const tls = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tls')
const cert = readFileSync(join(tls, 'server.crt'), 'utf8')
const key = readFileSync(join(tls, 'server.key'), 'utf8')
const indent = (pem: string) =>
  pem
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n')

const SECRETS = ['SECRET-KEYAUTH-111', 'SECRET-BASIC-222', 'SECRET-JWT-333', 'SECRET-HMAC-444']
// A line from the middle of the private key: no part of it may leave the gateway.
const keyLine = key.trim().split('\n')[3]!

const yaml = (message = 'nope') => `_format_version: "3.0"
certificates:
  - cert: |
${indent(cert)}
    key: |
${indent(key)}
    snis: [localhost]
services:
  - name: svc
    url: http://127.0.0.1:9/base
    routes:
      - name: r1
        paths: [/a]
consumers:
  - username: alice
    custom_id: a-1
    keyauth_credentials:
      - key: SECRET-KEYAUTH-111
    basicauth_credentials:
      - username: alice
        password: SECRET-BASIC-222
    jwt_secrets:
      - key: alice-iss
        secret: SECRET-JWT-333
    hmacauth_credentials:
      - username: alice-h
        secret: SECRET-HMAC-444
plugins:
  - name: request-termination
    instance_name: stop
    route: r1
    config: { status_code: 403, message: "${message}" }
upstreams:
  - name: up
    targets:
      - target: 127.0.0.1:9
        weight: 50
  - name: checked
    healthchecks:
      passive:
        unhealthy: { tcp_failures: 2 }
    targets:
      - target: 127.0.0.1:10
`

const start = async (t: Test) => {
  const g = await gateway(yaml(), { adminListen: '127.0.0.1:0' })
  t.teardown(() => g.close())
  const get = (path: string, method = 'GET', body?: string) =>
    fetchRaw(`${g.adminUrl}${path}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} })
  return { g, get }
}

type List = { data: Record<string, unknown>[]; next: unknown }

t.test('GET / describes the node and its plugins', async (t) => {
  const { get } = await start(t)
  const r = await get('/')
  t.equal(r.status, 200)
  const b = r.json<{
    tagline: string
    version: string
    edition: string
    plugins: { available_on_server: Record<string, { version: string; priority: number }>; enabled_in_cluster: string[] }
  }>()
  t.match(b.tagline, /^Welcome to/)
  t.equal(b.version, VERSION)
  t.equal(b.edition, 'community-compatible')
  t.match(b.plugins.available_on_server['request-termination'], { version: String, priority: Number })
  t.same(b.plugins.enabled_in_cluster, ['request-termination'])
})

t.test('healthz, readyz and status keep their shapes', async (t) => {
  const { get } = await start(t)
  t.same((await get('/healthz')).json(), { message: 'ok' })
  t.same((await get('/readyz')).json(), { message: 'ready' })
  const s = (await get('/status')).json<{ configuration_hash: string; entities: Record<string, number> }>()
  t.match(s.configuration_hash, /^[0-9a-f]{32}$/)
  t.same(s.entities, { services: 1, routes: 1, consumers: 1, plugins: 1, upstreams: 2 })
})

t.test('collections and entities in Kong shape', async (t) => {
  const { get } = await start(t)

  const services = (await get('/services')).json<List>()
  t.equal(services.next, null)
  t.equal(services.data.length, 1)
  const svc = services.data[0]!
  t.match(svc, { name: 'svc', host: '127.0.0.1', port: 9, path: '/base', protocol: 'http' })
  t.same((await get(`/services/${svc.id}`)).json(), svc)
  t.same((await get('/services/svc')).json(), svc)

  const routes = (await get('/routes')).json<List>()
  t.equal(routes.data.length, 1)
  t.match(routes.data[0], { name: 'r1', paths: ['/a'], service: { id: svc.id } })
  t.same((await get('/routes/r1')).json(), routes.data[0])

  const consumers = (await get('/consumers')).json<List>()
  t.equal(consumers.data.length, 1)
  const alice = consumers.data[0]!
  t.match(alice, { username: 'alice', custom_id: 'a-1' })
  for (const k of ['keyauth_credentials', 'basicauth_credentials', 'jwt_secrets', 'hmacauth_credentials', 'acls']) t.notOk(k in alice, `no ${k}`)
  t.same((await get('/consumers/alice')).json(), alice)
  t.same((await get(`/consumers/${alice.id}`)).json(), alice)

  const plugins = (await get('/plugins')).json<List>()
  t.equal(plugins.data.length, 1)
  const p = plugins.data[0]!
  t.match(p, {
    name: 'request-termination',
    instance_name: 'stop',
    enabled: true,
    route: { id: routes.data[0]!.id },
    service: null,
    consumer: null,
    config: { status_code: 403, message: 'nope' },
  })
  t.same((await get('/plugins/stop')).json(), p)

  const upstreams = (await get('/upstreams')).json<List>()
  t.same(upstreams.data.map((u) => u.name).sort(), ['checked', 'up'])
  t.match((await get('/upstreams/up')).json(), { name: 'up', algorithm: 'round-robin' })
})

t.test('upstream health', async (t) => {
  // spec/02-integration/05-proxy/10-balancer/01-healthchecks_spec.lua:350 (HEALTHCHECKS_OFF)
  const { get } = await start(t)
  const off = (await get('/upstreams/up/health')).json<List>()
  t.equal(off.next, null)
  t.equal(off.data.length, 1)
  t.match(off.data[0], {
    target: '127.0.0.1:9',
    weight: 50,
    health: 'HEALTHCHECKS_OFF',
    upstream: { id: String },
    data: { addresses: [{ ip: '127.0.0.1', port: 9, health: 'HEALTHCHECKS_OFF', weight: 50 }] },
  })
  const upId = off.data[0]!.upstream as { id: string }
  t.same((await get(`/upstreams/${upId.id}/health`)).json(), off, 'by id too')
  const on = (await get('/upstreams/checked/health')).json<List>()
  t.match(on.data, [{ target: '127.0.0.1:10', health: 'HEALTHY' }])
  t.equal((await get('/upstreams/nope/health')).status, 404)
})

t.test('unknown entities and paths are 404 Not found', async (t) => {
  const { get } = await start(t)
  for (const path of ['/services/nope', '/routes/nope', '/consumers/nope', '/plugins/nope', '/upstreams/nope', '/nothing-here']) {
    const r = await get(path)
    t.equal(r.status, 404, path)
    t.same(r.json(), { message: 'Not found' }, path)
  }
})

t.test('no secret in any answer', async (t) => {
  const { get } = await start(t)
  for (const path of ['/', '/config', '/consumers', '/consumers/alice', '/plugins', '/services', '/routes', '/upstreams', '/status', '/metrics']) {
    const r = await get(path)
    t.equal(r.status, 200, path)
    for (const s of SECRETS) t.notOk(r.body.includes(s), `${path} does not contain ${s}`)
    t.notOk(r.body.includes(keyLine), `${path} does not contain the private key`)
    t.notOk(r.body.includes('PRIVATE KEY'), `${path} has no PEM private key`)
  }
  const c = (await get('/config')).json<{ config: Record<string, Record<string, unknown>[]> }>().config
  t.equal(c.keyauth_credentials![0]!.key, '<redacted>')
  t.equal(c.basicauth_credentials![0]!.password, '<redacted>')
  t.equal(c.basicauth_credentials![0]!.username, 'alice')
  t.equal(c.jwt_secrets![0]!.secret, '<redacted>')
  t.equal(c.jwt_secrets![0]!.key, 'alice-iss', 'the jwt key (issuer) is not a secret')
  t.equal(c.hmacauth_credentials![0]!.secret, '<redacted>')
  t.equal(c.certificates![0]!.key, '<redacted>')
  t.match(c.certificates![0]!.cert, /BEGIN CERTIFICATE/)
  t.equal(c.services![0]!.name, 'svc')
  t.equal(c.plugins!.length, 1)
})

t.test('a plugin this gateway does not know: its config fields named like secrets are redacted, at any depth', async (t) => {
  const config = {
    client_secret: 'x',
    password: 'y',
    redis: { password: 'z', host: 'h' },
    access_token: 't',
    api_key: 'k',
    key_names: ['apikey'],
    secrets: ['a'],
    nothing: null,
    ssl_key: null,
    secret_is_base64: true,
    list: [{ secret: 's' }],
  }
  const shown = redactForDisplay({ plugins: [{ name: 'custom-thing', config }] }, registry, []).plugins[0]!.config
  t.same(shown, {
    client_secret: '<redacted>',
    password: '<redacted>',
    redis: { password: '<redacted>', host: 'h' },
    access_token: '<redacted>',
    api_key: '<redacted>',
    key_names: ['apikey'],
    secrets: ['<redacted>'],
    nothing: null,
    ssl_key: null,
    secret_is_base64: true,
    list: [{ secret: '<redacted>' }],
  })
})

t.test('writes answer 405 with Kong DB-less wording', async (t) => {
  const { get } = await start(t)
  const cases: [string, string, unknown][] = [
    ['POST', '/services', { code: 12, name: 'operation unsupported', message: "cannot create 'services' entities when not using a database" }],
    ['POST', '/consumers', { code: 12, name: 'operation unsupported', message: "cannot create 'consumers' entities when not using a database" }],
    ['POST', '/key-auths', { code: 12, name: 'operation unsupported', message: "cannot create 'keyauth_credentials' entities when not using a database" }],
    [
      'POST',
      '/consumers/alice/key-auth',
      { code: 12, name: 'operation unsupported', message: "cannot create 'keyauth_credentials' entities when not using a database" },
    ],
    ['PUT', '/routes/r1', { code: 12, name: 'operation unsupported', message: "cannot create or update 'routes' entities when not using a database" }],
    ['PATCH', '/plugins/stop', { code: 12, name: 'operation unsupported', message: "cannot update 'plugins' entities when not using a database" }],
    ['DELETE', '/upstreams/up', { code: 12, name: 'operation unsupported', message: "cannot remove 'upstreams' entities when not using a database" }],
    ['DELETE', '/services', { message: 'Method not allowed' }],
    ['POST', '/services/svc', { message: 'Method not allowed' }],
    ['POST', '/config', { message: 'Method not allowed' }],
    ['POST', '/status', { message: 'Method not allowed' }],
    ['PUT', '/', { message: 'Method not allowed' }],
    ['OPTIONS', '/services', { message: 'Method not allowed' }],
  ]
  for (const [method, path, body] of cases) {
    const r = await get(path, method, method === 'POST' || method === 'PUT' || method === 'PATCH' ? '{"name":"x"}' : undefined)
    t.equal(r.status, 405, `${method} ${path}`)
    t.same(r.json(), body, `${method} ${path}`)
  }
  // A body the server cannot parse changes nothing.
  const bad = await get('/services', 'POST', '{not json')
  t.equal(bad.status, 405)
  t.equal(refusal('POST', '/services?x=1').message, "cannot create 'services' entities when not using a database")
  t.equal((await get('/services')).status, 200, 'still serving')
})

t.test('metrics', async (t) => {
  const { g, get } = await start(t)
  const before = await get('/metrics')
  t.equal(before.status, 200)
  t.match(before.headers['content-type'], /^text\/plain/)
  t.match(before.body, /# TYPE gateway_config_reloads_total counter/)
  t.match(before.body, /gateway_config_reloads_total\{result="applied"\} 0/)
  t.match(before.body, /gateway_config_last_reload_success_timestamp_seconds \d/)
  t.match(before.body, new RegExp(`gateway_config_info\\{hash="${g.holder.current().hash}"\\} 1`))
  t.match(before.body, /process_cpu_user_seconds_total/)
  t.match(before.body, /nodejs_heap_size_total_bytes/)

  writeFileSync(g.file, yaml('changed'))
  const r = await g.reload(true)
  t.equal(r.result, 'applied')
  const after = (await get('/metrics')).body
  t.match(after, /gateway_config_reloads_total\{result="applied"\} 1/)
  t.match(after, new RegExp(`gateway_config_info\\{hash="${r.hash}"\\} 1`))
  t.equal(after.match(/^gateway_config_info\{/gm)?.length, 1, 'one info series: the running config')

  writeFileSync(g.file, 'not: [valid')
  t.equal((await g.reload(true)).result, 'invalid')
  t.match((await get('/metrics')).body, /gateway_config_reloads_total\{result="invalid"\} 1/)
})

t.test('two gateways in one process have their own metrics', async (t) => {
  const a = await start(t)
  const b = await start(t)
  t.equal((await a.get('/metrics')).status, 200)
  t.equal((await b.get('/metrics')).status, 200)
})

t.test('health-check probe header values are never shown', async (t) => {
  const { gateway, fetchRaw } = await import('../helpers/gateway.js')
  const gw = await gateway(
    `_format_version: "3.0"\nupstreams:\n  - name: u.internal\n    healthchecks:\n      active:\n        headers:\n          authorization: ["Bearer probe-s3cret"]\n`,
    { adminListen: '127.0.0.1:0' },
  )
  t.teardown(() => gw.close())
  for (const path of ['/config', '/upstreams', '/upstreams/u.internal']) {
    const r = await fetchRaw(`${gw.adminUrl}${path}`)
    t.equal(r.status, 200, path)
    t.notMatch(r.body, 'probe-s3cret', `${path} hides the probe header value`)
  }
})

t.test('/status counts the proxy connections', async (t) => {
  const { gateway, fetchRaw } = await import('../helpers/gateway.js')
  const gw = await gateway('_format_version: "3.0"\nroutes: [{ name: r, paths: [/] }]\n', { adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  await fetchRaw(`${gw.url}/`)
  const status = (await fetchRaw(`${gw.adminUrl}/status`)).json<{ server: { connections_accepted: number; connections_active: number } }>()
  t.ok(status.server.connections_accepted >= 1)
  t.ok(status.server.connections_active >= 0)
})

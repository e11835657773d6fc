// basic-auth against a real upstream: every status, message and header of Kong's plugin.
import t from 'tap'
import { createHash } from 'node:crypto'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const BOB_ID = '9d5a9bd4-5a3c-4c2d-9b58-9a3f2f0b1a11'
const basic = (userpass: string) => `Basic ${Buffer.from(userpass).toString('base64')}`

const CONFIG = (pluginConfig = '', top = '') => `_format_version: "3.0"
${top}
consumers:
  - username: alice
    custom_id: a-1
    basicauth_credentials: [{ username: alice, password: "p@ss:word" }]
  - username: bob
    id: ${BOB_ID}
    basicauth_credentials: [{ username: bob-user, password: hunter2 }]
  - username: guest
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: basic-auth
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
`

t.test('no credentials: 401 Unauthorized, WWW-Authenticate: Basic realm="service", upstream not reached', async (t) => {
  // spec/03-plugins/10-basic-auth/03-access_spec.lua:156
  const { send } = await pluginGateway(t, CONFIG())
  const r = await send('/x')
  t.equal(r.status, 401)
  t.equal(r.json().message, 'Unauthorized')
  t.match(r.json().request_id, /^[0-9a-f]{32}$/, 'error template with request_id')
  t.equal(r.headers['www-authenticate'], 'Basic realm="service"')
  t.equal(r.reached, undefined)
})

t.test('realm is configurable', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('realm: shop'))
  const r = await send('/x', { headers: { authorization: basic('alice:nope') } })
  t.equal(r.status, 401)
  t.equal(r.headers['www-authenticate'], 'Basic realm="shop"')
})

t.test('valid credentials: consumer headers upstream, credential identified by username', async (t) => {
  // spec/03-plugins/10-basic-auth/03-access_spec.lua:331 and :351
  const { send, gw } = await pluginGateway(t, CONFIG())
  const r = await send('/x', { headers: { authorization: basic('alice:p@ss:word'), 'x-credential-identifier': 'spoof', 'x-anonymous-consumer': 'true' } })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  const alice = gw.holder.current().config.consumers.find((c) => c.username === 'alice')!
  t.equal(h['x-consumer-id'], alice.id)
  t.equal(h['x-consumer-username'], 'alice')
  t.equal(h['x-consumer-custom-id'], 'a-1')
  t.equal(h['x-credential-identifier'], 'alice', 'the password is split at the first colon')
  t.equal(h['x-anonymous-consumer'], undefined)
  t.equal(h.authorization, basic('alice:p@ss:word'), 'forwarded unless hide_credentials')

  const lower = await send('/x', { headers: { authorization: `basic${Buffer.from('bob-user:hunter2').toString('base64')}` } })
  t.equal(lower.status, 200, 'lower-case scheme, no space needed (Kong: \\s*[Bb]asic\\s*(.+))')
  t.equal(lower.reached!.headers['x-consumer-id'], BOB_ID)
  t.equal(lower.reached!.headers['x-consumer-custom-id'], undefined)
})

t.test('every kind of failure is 401 Unauthorized and never reaches the upstream', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  const cases: Record<string, string> = {
    'wrong password': basic('alice:p@ss'),
    'empty password': basic('alice:'),
    'unknown user': basic('carol:p@ss:word'),
    'no colon': basic('alice'),
    'empty username': basic(':p@ss:word'),
    'not base64': 'Basic !!!notbase64!!!',
    'other scheme': 'Bearer abc',
    'empty value': 'Basic ',
  }
  for (const [name, value] of Object.entries(cases)) {
    const r = await send('/x', { headers: { authorization: value } })
    t.equal(r.status, 401, name)
    t.equal(r.json().message, 'Unauthorized', name)
    t.equal(r.headers['www-authenticate'], 'Basic realm="service"', name)
    t.equal(r.reached, undefined, name)
  }
})

t.test('Proxy-Authorization is tried first; Authorization when its user is unknown', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  const proxy = await send('/x', { headers: { 'proxy-authorization': basic('bob-user:hunter2'), authorization: basic('alice:p@ss:word') } })
  t.equal(proxy.status, 200)
  t.equal(proxy.reached!.headers['x-consumer-username'], 'bob')

  const fallback = await send('/x', { headers: { 'proxy-authorization': basic('nobody:x'), authorization: basic('alice:p@ss:word') } })
  t.equal(fallback.status, 200)
  t.equal(fallback.reached!.headers['x-consumer-username'], 'alice')

  const wrong = await send('/x', { headers: { 'proxy-authorization': basic('bob-user:wrong'), authorization: basic('alice:p@ss:word') } })
  t.equal(wrong.status, 401, 'a known proxy user with a wrong password is not retried with Authorization')
  t.equal(wrong.reached, undefined)
})

t.test('hide_credentials strips the headers that were read', async (t) => {
  // spec/03-plugins/10-basic-auth/03-access_spec.lua:365
  const { send } = await pluginGateway(t, CONFIG('hide_credentials: true'))
  const a = await send('/x', { headers: { authorization: basic('alice:p@ss:word') } })
  t.equal(a.status, 200)
  t.equal(a.reached!.headers.authorization, undefined)

  const p = await send('/x', { headers: { 'proxy-authorization': basic('bob-user:hunter2'), authorization: 'Bearer other' } })
  t.equal(p.status, 200)
  t.equal(p.reached!.headers['proxy-authorization'], undefined)
  t.equal(p.reached!.headers.authorization, 'Bearer other', 'Authorization was not read, so it is kept (as in Kong)')

  const plain = await pluginGateway(t, CONFIG())
  const kept = await plain.send('/x', { headers: { 'proxy-authorization': basic('bob-user:hunter2') } })
  t.equal(kept.reached!.headers['proxy-authorization'], basic('bob-user:hunter2'), 'forwarded without hide_credentials')
})

t.test('_transform: false compares the stored value as the hash', async (t) => {
  // spec/03-plugins/10-basic-auth/05-declarative_spec.lua:210
  const hashed = createHash('sha1').update(`hunter2${BOB_ID}`).digest('hex')
  const yaml = CONFIG('', '_transform: false').replace('password: hunter2', `password: "${hashed}"`)
  const { send } = await pluginGateway(t, yaml)
  const ok = await send('/x', { headers: { authorization: basic('bob-user:hunter2') } })
  t.equal(ok.status, 200)
  t.equal(ok.reached!.headers['x-consumer-username'], 'bob')
  const literal = await send('/x', { headers: { authorization: basic('alice:p@ss:word') } })
  t.equal(literal.status, 401, 'an unhashed stored password never matches')
})

t.test('anonymous: failures attach the anonymous consumer', async (t) => {
  // spec/03-plugins/10-basic-auth/03-access_spec.lua:384, :399 and :426 (by username: :413)
  const { send } = await pluginGateway(t, CONFIG('anonymous: guest'))
  const r = await send('/x', { headers: { authorization: basic('alice:wrong') } })
  t.equal(r.status, 200)
  t.equal(r.reached!.headers['x-consumer-username'], 'guest')
  t.equal(r.reached!.headers['x-anonymous-consumer'], 'true')
  t.equal(r.reached!.headers['x-credential-identifier'], undefined)
  const ok = await send('/x', { headers: { authorization: basic('alice:p@ss:word') } })
  t.equal(ok.reached!.headers['x-consumer-username'], 'alice')
  t.equal(ok.reached!.headers['x-anonymous-consumer'], undefined)

  const missing = await pluginGateway(t, CONFIG('anonymous: nobody'))
  const m = await missing.send('/x')
  t.equal(m.status, 500)
  t.equal(m.json().message, "anonymous consumer nobody is configured but doesn't exist")
  t.equal(m.reached, undefined)
})

t.test('schema: defaults, consumer scope refused, bad values', async (t) => {
  const ok = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: basic-auth\n', { file: 'b.yml' })
  t.ok(ok.ok)
  if (ok.ok) t.same(ok.config.plugins[0]!.config, { hide_credentials: false, realm: 'service' })
  const scoped = await loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: basic-auth\n', { file: 'b.yml' })
  t.notOk(scoped.ok)
  if (!scoped.ok) t.match(scoped.issues[0]!.message, /value must be null/)
  const bad = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: basic-auth\n    config: { hide_credentials: "yes", realm: 3, nope: 1 }\n', {
    file: 'b.yml',
  })
  t.notOk(bad.ok)
  if (!bad.ok) {
    const messages = bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')
    t.match(messages, /^4:\d+ .*config\.hide_credentials.*expected a boolean/m)
    t.match(messages, /config\.realm.*expected a string/)
    t.match(messages, /config\.nope.*unknown field/)
  }
})

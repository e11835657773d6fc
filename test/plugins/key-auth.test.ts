// key-auth against a real upstream: every status, message and header of Kong's plugin.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig = '') => `_format_version: "3.0"
consumers:
  - username: alice
    custom_id: a-1
    keyauth_credentials: [{ key: alice-key }]
  - username: bob
    keyauth_credentials: [{ key: bob-key }]
  - username: guest
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: key-auth
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
`

t.test('no key: 401 "No API key found in request", WWW-Authenticate: Key, upstream not reached', async (t) => {
  // spec/03-plugins/09-key-auth/02-access_spec.lua:220 and :296
  const { send } = await pluginGateway(t, CONFIG())
  const r = await send('/x')
  t.equal(r.status, 401)
  t.equal(r.json().message, 'No API key found in request')
  t.match(r.json().request_id, /^[0-9a-f]{32}$/, 'error template with request_id')
  t.equal(r.headers['www-authenticate'], 'Key')
  t.equal(r.reached, undefined)
})

t.test('unknown key: 401 Unauthorized; realm in the challenge', async (t) => {
  // spec/03-plugins/09-key-auth/02-access_spec.lua:496
  const { send } = await pluginGateway(t, CONFIG('realm: shop'))
  const r = await send('/x', { headers: { apikey: 'nope' } })
  t.equal(r.status, 401)
  t.equal(r.json().message, 'Unauthorized')
  t.equal(r.headers['www-authenticate'], 'Key realm="shop"')
  t.equal(r.reached, undefined)
})

t.test('valid key in header: consumer headers upstream, spoofed ones replaced', async (t) => {
  // spec/03-plugins/09-key-auth/02-access_spec.lua:485 and :588
  const { send, gw } = await pluginGateway(t, CONFIG())
  const r = await send('/x', { headers: { apikey: 'alice-key', 'x-consumer-username': 'root', 'x-anonymous-consumer': 'true', 'x-consumer-groups': 'admin' } })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  const alice = gw.holder.current().config.consumers.find((c) => c.username === 'alice')!
  const cred = gw.holder.current().config.keyauth_credentials.find((c) => c.consumer === alice.id)!
  t.equal(h['x-consumer-id'], alice.id)
  t.equal(h['x-consumer-username'], 'alice')
  t.equal(h['x-consumer-custom-id'], 'a-1')
  t.equal(h['x-credential-identifier'], cred.id, 'key-auth identifies the credential by id')
  t.equal(h['x-anonymous-consumer'], undefined)
  t.equal(h['x-consumer-groups'], undefined, 'a client cannot inject groups')
  t.equal(h.apikey, 'alice-key', 'the key is forwarded unless hide_credentials')

  const b = await send('/x', { headers: { apikey: 'bob-key', 'x-consumer-custom-id': 'spoof' } })
  t.equal(b.reached!.headers['x-consumer-custom-id'], undefined, 'cleared when the consumer has none')
})

t.test('key in query; key names are tried in order; duplicates refused', async (t) => {
  // spec/03-plugins/09-key-auth/02-access_spec.lua:310
  const { send } = await pluginGateway(t, CONFIG('key_names: [x-key, token]'))
  const q = await send('/x?token=bob-key&a=1')
  t.equal(q.status, 200)
  t.equal(q.reached!.headers['x-consumer-username'], 'bob')
  t.equal(q.reached!.url, '/x?token=bob-key&a=1')

  const h = await send('/x', { headers: { 'X-Key': 'alice-key' } })
  t.equal(h.reached!.headers['x-consumer-username'], 'alice', 'header names are case-insensitive')

  const first = await send('/x?token=bob-key', { headers: { 'x-key': 'alice-key' } })
  t.equal(first.reached!.headers['x-consumer-username'], 'alice', 'the first name wins')

  const dup = await send('/x?token=a&token=b')
  t.equal(dup.status, 401)
  t.equal(dup.json().message, 'Duplicate API key found')
  t.equal(dup.reached, undefined)

  const empty = await send('/x?token=')
  t.equal(empty.status, 401)
  t.equal(empty.json().message, 'No API key found in request')
})

t.test('duplicate key header: 401 Duplicate API key found', async (t) => {
  const { gw, up } = await pluginGateway(t, CONFIG())
  const { request } = await import('undici')
  const r = await request(`${gw.url}/x`, { headers: ['apikey', 'alice-key', 'apikey', 'bob-key'] })
  const body = (await r.body.json()) as { message: string }
  t.equal(r.statusCode, 401)
  t.equal(body.message, 'Duplicate API key found')
  t.equal(up.requests.length, 0)
})

t.test('key_in_header/key_in_query false ignore those places', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('key_in_header: false'))
  t.equal((await send('/x', { headers: { apikey: 'alice-key' } })).status, 401)
  t.equal((await send('/x?apikey=alice-key')).status, 200)
  const q = await pluginGateway(t, CONFIG('key_in_query: false'))
  t.equal((await q.send('/x?apikey=alice-key')).status, 401)
})

// Kong clears only the configured name (`api_key`); a key found under `api-key` is cleared too.
t.test('hide_credentials removes the header spelling the key came in', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('key_names: [api_key]\nhide_credentials: true'))
  for (const name of ['api-key', 'api_key']) {
    const r = await send('/x', { headers: { [name]: 'alice-key' } })
    t.equal(r.status, 200, name)
    t.equal(r.reached!.headers['api-key'], undefined)
    t.equal(r.reached!.headers['api_key'], undefined)
  }
})

t.test('hide_credentials strips the key from header, query and body', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('hide_credentials: true\nkey_in_body: true'))
  const h = await send('/x?keep=1', { headers: { apikey: 'alice-key' } })
  t.equal(h.status, 200)
  t.equal(h.reached!.headers.apikey, undefined)
  t.equal(h.reached!.url, '/x?keep=1', 'query untouched when the key was elsewhere')
  const q = await send('/x?apikey=alice-key&keep=1')
  t.equal(q.reached!.url, '/x?keep=1')
  const f = await send('/x', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'apikey=bob-key&a=1' })
  t.equal(f.status, 200)
  t.equal(f.reached!.headers['x-consumer-username'], 'bob')
  t.equal(f.reached!.body, 'a=1')
  t.equal(f.reached!.headers['content-length'], '3')
  const j = await send('/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"apikey":"alice-key","n":2}' })
  t.equal(j.status, 200)
  t.same(JSON.parse(j.reached!.body), { n: 2 })
})

// The form goes back out as kong.service.request.set_body writes it (kong/pdk/service/request.lua:47-66):
// ngx.encode_args per field, sorted; a bare field (get_post_args' true) stays bare.
t.test('hide_credentials re-encodes a form body without the key: fields sorted, bare names kept, spaces as %20', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('hide_credentials: true\nkey_in_body: true'))
  const f = await send('/x', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'z=x+y&apikey=bob-key&flag&a=1&a=2' })
  t.equal(f.status, 200)
  t.equal(f.reached!.headers['x-consumer-username'], 'bob')
  t.equal(f.reached!.body, 'a=1&a=2&flag&z=x%20y')
  // spec/03-plugins/09-key-auth/02-access_spec.lua:684-697: the other fields and the MIME type are preserved.
  t.equal(f.reached!.headers['content-type'], 'application/x-www-form-urlencoded')
})

t.test('key_in_body: a bare form field is no key (get_post_args reads it as true)', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('key_in_body: true'))
  const r = await send('/x', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'apikey' })
  t.equal(r.status, 401)
  t.equal(r.json().message, 'No API key found in request')
})

t.test('key_in_body reads form, JSON and multipart bodies; the body still reaches the upstream', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('key_in_body: true'))
  const j = await send('/x', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"apikey":"alice-key"}' })
  t.equal(j.status, 200)
  t.equal(j.reached!.body, '{"apikey":"alice-key"}')
  const m = await send('/x', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
    body: '--XyZ\r\nContent-Disposition: form-data; name="apikey"\r\n\r\nbob-key\r\n--XyZ--\r\n',
  })
  t.equal(m.status, 200)
  t.equal(m.reached!.headers['x-consumer-username'], 'bob')
  const none = await send('/x', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'apikey=alice-key' })
  t.equal(none.status, 401, 'a text body is not searched')
})

t.test('run_on_preflight: false lets OPTIONS through unauthenticated', async (t) => {
  // spec/03-plugins/09-key-auth/02-access_spec.lua:196 and :206
  const { send } = await pluginGateway(t, CONFIG('run_on_preflight: false'))
  t.equal((await send('/x', { method: 'OPTIONS' })).status, 200)
  t.equal((await send('/x', { method: 'GET' })).status, 401)
  const on = await pluginGateway(t, CONFIG())
  t.equal((await on.send('/x', { method: 'OPTIONS' })).status, 401)
})

t.test('anonymous: failures attach the anonymous consumer (by username or id)', async (t) => {
  // spec/03-plugins/09-key-auth/02-access_spec.lua:761, :774 and :787
  const { send } = await pluginGateway(t, CONFIG('anonymous: guest'))
  const r = await send('/x', { headers: { 'x-credential-identifier': 'spoof' } })
  t.equal(r.status, 200)
  t.equal(r.reached!.headers['x-consumer-username'], 'guest')
  t.equal(r.reached!.headers['x-anonymous-consumer'], 'true')
  t.equal(r.reached!.headers['x-credential-identifier'], undefined)
  const ok = await send('/x', { headers: { apikey: 'alice-key' } })
  t.equal(ok.reached!.headers['x-consumer-username'], 'alice')
  t.equal(ok.reached!.headers['x-anonymous-consumer'], undefined)
})

t.test('anonymous consumer that does not exist: 500 with Kong message', async (t) => {
  // spec/03-plugins/09-key-auth/02-access_spec.lua:799
  const { send } = await pluginGateway(t, CONFIG('anonymous: nobody'))
  const r = await send('/x')
  t.equal(r.status, 500)
  t.equal(r.json().message, "anonymous consumer nobody is configured but doesn't exist")
  t.equal(r.reached, undefined)
})

t.test('schema: defaults, consumer scope refused, bad key names', async (t) => {
  const ok = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: key-auth\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, {
      key_names: ['apikey'],
      hide_credentials: false,
      key_in_header: true,
      key_in_query: true,
      key_in_body: false,
      run_on_preflight: true,
    })
  }
  const scoped = await loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: key-auth\n', { file: 'k.yml' })
  t.notOk(scoped.ok)
  if (!scoped.ok) t.match(scoped.issues[0]!.message, /value must be null/)
  const bad = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: key-auth\n    config: { key_names: [], hide_credentials: "yes" }\n', {
    file: 'k.yml',
  })
  t.notOk(bad.ok)
  if (!bad.ok) {
    const messages = bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`)
    t.match(messages.join('\n'), /config\.key_names.*length must be at least 1/)
    t.match(messages.join('\n'), /config\.hide_credentials.*expected a boolean/)
  }
})

// Kong's key-auth access spec (spec/03-plugins/09-key-auth/02-access_spec.lua) through a real
// gateway and a real echo upstream: where the key is looked for, what is refused and how, what
// hide_credentials leaves upstream, key-auth beside basic-auth, and every header/query/body
// combination of Kong's table. Cases key-auth.test.ts already covers carry their citation there.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

type Plugin = { name: string; config?: Record<string, unknown> }

const PLACES = {
  ttt: [true, true, true],
  ttf: [true, true, false],
  tff: [true, false, false],
  fff: [false, false, false],
  fft: [false, false, true],
  tft: [true, false, true],
  ftf: [false, true, false],
} as const

/** kong.yml: one route per entry, on `/<name>`, with its plugins (Kong's spec routes by host; we route by path). */
function kongYml(routes: Record<string, Plugin[]>): string {
  return stringify(
    {
      _format_version: '3.0',
      consumers: [
        { username: 'bob', keyauth_credentials: [{ key: 'kong' }, { key: 'right' }] },
        { username: 'no-body' },
        { username: 'Anonymous' },
        { username: 'Mickey', keyauth_credentials: [{ key: 'Mouse' }] },
        { username: 'Aladdin', basicauth_credentials: [{ username: 'Aladdin', password: 'OpenSesame' }] },
      ],
      services: [
        { name: 'app', url: '$UPSTREAM', routes: Object.entries(routes).map(([name, plugins]) => ({ name, paths: [`/${name}`], strip_path: false, plugins })) },
      ],
    },
    { lineWidth: 0 },
  )
}

const keyAuth = (config: Record<string, unknown> = {}): Plugin => ({ name: 'key-auth', config })

const ROUTES: Record<string, Plugin[]> = {
  r1: [keyAuth()],
  r2: [keyAuth({ hide_credentials: true, realm: 'test-realm' })],
  r5: [keyAuth({ key_in_body: true })],
  r6: [keyAuth({ key_in_body: true, hide_credentials: true })],
  r8: [keyAuth({ key_names: ['api_key'] })],
  and: [{ name: 'basic-auth' }, keyAuth()],
  or: [{ name: 'basic-auth', config: { anonymous: 'Anonymous' } }, keyAuth({ anonymous: 'Anonymous' })],
  ...Object.fromEntries(Object.entries(PLACES).map(([name, [h, q, b]]) => [name, [keyAuth({ key_in_header: h, key_in_query: q, key_in_body: b })]])),
}

const BOUNDARY = 'kong-spec-boundary'
/** A body of `fields` in one of the three types key_in_body reads, as Kong's test client encodes them. */
function encode(type: string, fields: Record<string, string | string[]>): { headers: Record<string, string>; body: string } {
  if (type === 'application/json') return { headers: { 'content-type': type }, body: JSON.stringify(fields) }
  if (type === 'application/x-www-form-urlencoded') {
    const pairs = Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${encodeURIComponent(x)}`))
    return { headers: { 'content-type': type }, body: pairs.join('&') }
  }
  const parts = Object.entries(fields).map(([k, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`)
  return { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body: `${parts.join('')}--${BOUNDARY}--\r\n` }
}

/** The fields of a body the upstream received, whatever its type. */
function fieldsOf(type: string, body: string): Record<string, string> {
  if (type === 'application/json') return JSON.parse(body) as Record<string, string>
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(body))
  const out: Record<string, string> = {}
  for (const m of body.matchAll(/name="([^"]+)"\r\n\r\n([^\r]*)\r\n/g)) out[m[1]!] = m[2]!
  return out
}

const TYPES = ['application/x-www-form-urlencoded', 'application/json', 'multipart/form-data']

t.test("Kong's key-auth access spec", async (t) => {
  const g = await pluginGateway(t, kongYml(ROUTES))

  t.test('an empty key is no key: header (with and without realm) and bare query argument', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:233 and :248
    const h = await g.send('/r1/status/200', { headers: { apikey: '' } })
    t.equal(h.status, 401)
    t.equal(h.json().message, 'No API key found in request')
    t.equal(h.headers['www-authenticate'], 'Key')
    t.equal(h.reached, undefined)
    // spec/03-plugins/09-key-auth/02-access_spec.lua:265
    const realm = await g.send('/r2/status/200', { headers: { apikey: '' } })
    t.equal(realm.status, 401)
    t.equal(realm.json().message, 'No API key found in request')
    t.equal(realm.headers['www-authenticate'], 'Key realm="test-realm"')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:282
    const q = await g.send('/r1/status/200?apikey')
    t.equal(q.status, 401)
    t.equal(q.json().message, 'No API key found in request')
    t.equal(q.headers['www-authenticate'], 'Key')
  })

  t.test('a key sent twice in the query: 401 Duplicate API key found with the challenge', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:334
    const r = await g.send('/r1/status/200?apikey=kong&apikey=kong')
    t.equal(r.status, 401)
    t.equal(r.json().message, 'Duplicate API key found')
    t.equal(r.headers['www-authenticate'], 'Key')
  })

  for (const type of TYPES) {
    t.test(`key in the body (${type})`, async (t) => {
      // spec/03-plugins/09-key-auth/02-access_spec.lua:353
      const body = await g.send('/r5/request', { method: 'POST', ...encode(type, { apikey: 'kong' }) })
      t.equal(body.status, 200)
      t.equal(body.reached!.headers['x-consumer-username'], 'bob')
      // spec/03-plugins/09-key-auth/02-access_spec.lua:366
      const query = await g.send('/r5/request?apikey=kong', { method: 'POST', ...encode(type, { non_apikey: 'kong' }) })
      t.equal(query.status, 200)
      // spec/03-plugins/09-key-auth/02-access_spec.lua:379
      const { headers, body: text } = encode(type, { non_apikey: 'kong' })
      const header = await g.send('/r5/request?apikey=kong', { method: 'POST', headers: { ...headers, apikey: 'kong' }, body: text })
      t.equal(header.status, 200)
      // spec/03-plugins/09-key-auth/02-access_spec.lua:393
      const wrong = await g.send('/r5/status/200', { method: 'POST', ...encode(type, { apikey: '123' }) })
      t.equal(wrong.status, 401)
      t.equal(wrong.json().message, 'Unauthorized')
      t.equal(wrong.headers['www-authenticate'], 'Key')
      t.equal(wrong.reached, undefined)
    })
  }

  t.test('a key twice in a JSON or form body is a duplicate; apikey[] and apikey[1] are no key', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:414
    const json = await g.send('/r5/status/200', { method: 'POST', ...encode('application/json', { apikey: ['kong', 'kong'] }) })
    t.equal(json.status, 401)
    t.equal(json.json().message, 'Duplicate API key found')
    t.equal(json.headers['www-authenticate'], 'Key')
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    // spec/03-plugins/09-key-auth/02-access_spec.lua:435
    const dup = await g.send('/r5/status/200', { method: 'POST', headers: form, body: 'apikey=kong&apikey=kong' })
    t.equal(dup.status, 401)
    t.equal(dup.json().message, 'Duplicate API key found')
    t.equal(dup.headers['www-authenticate'], 'Key')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:450 and :465
    for (const body of ['apikey[]=kong&apikey[]=kong', 'apikey[1]=kong&apikey[1]=kong']) {
      const r = await g.send('/r5/status/200', { method: 'POST', headers: form, body })
      t.equal(r.status, 401, body)
      t.equal(r.json().message, 'No API key found in request')
      t.equal(r.headers['www-authenticate'], 'Key')
    }
  })

  t.test('key_names [api_key]: an api_key or an api-key header carries the key', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:534
    for (const name of ['api_key', 'api-key']) {
      const r = await g.send('/r8/request', { headers: { [name]: 'kong' } })
      t.equal(r.status, 200, name)
      t.equal(r.reached?.headers['x-consumer-username'], 'bob')
    }
    // spec/03-plugins/09-key-auth/02-access_spec.lua:556
    for (const name of ['api_key', 'api-key']) {
      const r = await g.send('/r8/status/200', { headers: { [name]: '123' } })
      t.equal(r.status, 401, name)
      t.equal(r.json().message, 'Unauthorized')
      t.equal(r.headers['www-authenticate'], 'Key')
    }
  })

  for (const type of TYPES) {
    t.test(`hide_credentials with a body key (${type})`, async (t) => {
      // spec/03-plugins/09-key-auth/02-access_spec.lua:660 (post_data.params)
      const kept = await g.send('/r5/request', { method: 'POST', ...encode(type, { apikey: 'kong' }) })
      t.equal(kept.status, 200)
      t.equal(fieldsOf(type, kept.reached!.body).apikey, 'kong')
      // spec/03-plugins/09-key-auth/02-access_spec.lua:671
      const hidden = await g.send('/r6/request', { method: 'POST', ...encode(type, { apikey: 'kong' }) })
      t.equal(hidden.status, 200)
      t.equal(fieldsOf(type, hidden.reached!.body).apikey, undefined)
      // spec/03-plugins/09-key-auth/02-access_spec.lua:684
      const mime = await g.send('/r6/request', { method: 'POST', ...encode(type, { apikey: 'kong', foo: 'bar' }) })
      t.equal(mime.status, 200)
      t.equal(fieldsOf(type, mime.reached!.body).foo, 'bar')
      t.equal(fieldsOf(type, mime.reached!.body).apikey, undefined)
    })
  }

  t.test('hide_credentials with a header or query key', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:660 (uri_args, headers)
    t.equal((await g.send('/r1/request', { headers: { apikey: 'kong' } })).reached!.headers.apikey, 'kong')
    t.equal((await g.send('/r1/request?apikey=kong')).reached!.url, '/r1/request?apikey=kong')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:671 (uri_args, headers)
    t.equal((await g.send('/r2/request', { headers: { apikey: 'kong' } })).reached!.headers.apikey, undefined)
    t.equal((await g.send('/r2/request?apikey=kong')).reached!.url, '/r2/request')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:700
    const text = await g.send('/r6/status/200', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'foobar' })
    t.equal(text.status, 401)
    t.equal(text.json().message, 'No API key found in request')
    t.equal(text.headers['www-authenticate'], 'Key')
  })

  t.test('the query keeps its order, with or without the key', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:717
    const kept = await g.send('/r1/request?c=value1&b=value2&apikey=kong&a=value3')
    t.equal(kept.reached!.url, '/r1/request?c=value1&b=value2&apikey=kong&a=value3')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:731
    const removed = await g.send('/r2/request?c=value1&b=value2&apikey=kong&a=value3')
    t.equal(removed.reached!.url, '/r2/request?c=value1&b=value2&a=value3')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:745: an encoded name is the key too; the rest is re-encoded
    const encoded = await g.send('/r2/request?c=valu%651&b=value2&api%6B%65%79=kong&a=valu%653')
    t.equal(encoded.status, 200)
    t.equal(encoded.reached!.url, '/r2/request?c=value1&b=value2&a=value3')
  })

  const BASIC = 'Basic QWxhZGRpbjpPcGVuU2VzYW1l'
  const ids = new Map(g.gw.holder.current().config.consumers.map((c) => [c.username, c.id]))

  t.test('key-auth and basic-auth without anonymous: both are needed (logical AND)', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:910
    const both = await g.send('/and/request', { headers: { apikey: 'Mouse', authorization: BASIC } })
    t.equal(both.status, 200)
    t.equal(both.reached!.headers['x-anonymous-consumer'], undefined)
    t.ok([ids.get('Mickey'), ids.get('Aladdin')].includes(both.reached!.headers['x-consumer-id'] as string))
    // spec/03-plugins/09-key-auth/02-access_spec.lua:927
    const key = await g.send('/and/request', { headers: { apikey: 'Mouse' } })
    t.equal(key.status, 401)
    t.equal(key.headers['www-authenticate'], 'Basic realm="service"')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:940
    const basic = await g.send('/and/request', { headers: { authorization: BASIC } })
    t.equal(basic.status, 401)
    t.equal(basic.headers['www-authenticate'], 'Key')
    // spec/03-plugins/09-key-auth/02-access_spec.lua:953
    t.equal((await g.send('/and/request')).status, 401)
  })

  t.test('key-auth and basic-auth with anonymous: either one is enough (logical OR)', async (t) => {
    // spec/03-plugins/09-key-auth/02-access_spec.lua:967
    const both = await g.send('/or/request', { headers: { apikey: 'Mouse', authorization: BASIC } })
    t.equal(both.status, 200)
    t.equal(both.reached!.headers['x-anonymous-consumer'], undefined)
    t.ok([ids.get('Mickey'), ids.get('Aladdin')].includes(both.reached!.headers['x-consumer-id'] as string))
    // spec/03-plugins/09-key-auth/02-access_spec.lua:984
    const key = await g.send('/or/request', { headers: { apikey: 'Mouse' } })
    t.equal(key.status, 200)
    t.equal(key.reached!.headers['x-anonymous-consumer'], undefined)
    t.equal(key.reached!.headers['x-consumer-id'], ids.get('Mickey'))
    // spec/03-plugins/09-key-auth/02-access_spec.lua:1000
    const basic = await g.send('/or/request', { headers: { authorization: BASIC } })
    t.equal(basic.status, 200)
    t.equal(basic.reached!.headers['x-anonymous-consumer'], undefined)
    t.equal(basic.reached!.headers['x-consumer-id'], ids.get('Aladdin'))
    // spec/03-plugins/09-key-auth/02-access_spec.lua:1016
    const none = await g.send('/or/request')
    t.equal(none.status, 200)
    t.equal(none.reached!.headers['x-anonymous-consumer'], 'true')
    t.equal(none.reached!.headers['x-consumer-id'], ids.get('Anonymous'))
  })

  // spec/03-plugins/09-key-auth/02-access_spec.lua:1175 (the table) and :1365: a key (right, wrong or none) in the
  // header, the query and a form body, against routes that look in some of those places
  // (ttt = header, query and body; fft = body only ...). Per input, Kong's statuses in PLACES order.
  const TABLE: Record<string, number[]> = {
    rrr: [200, 200, 200, 401, 200, 200, 200],
    rrw: [200, 200, 200, 401, 401, 200, 200],
    rww: [200, 200, 200, 401, 401, 200, 401],
    www: [401, 401, 401, 401, 401, 401, 401],
    wwr: [401, 401, 401, 401, 200, 401, 401],
    rwr: [200, 200, 200, 401, 200, 200, 401],
    wrw: [401, 401, 401, 401, 401, 401, 200],
    nnn: [401, 401, 401, 401, 401, 401, 401],
    nnw: [401, 401, 401, 401, 401, 401, 401],
    nww: [401, 401, 401, 401, 401, 401, 401],
    wwn: [401, 401, 401, 401, 401, 401, 401],
    nwn: [401, 401, 401, 401, 401, 401, 401],
    wnw: [401, 401, 401, 401, 401, 401, 401],
    rrn: [200, 200, 200, 401, 401, 200, 200],
    rnn: [200, 200, 200, 401, 401, 200, 401],
    nnr: [200, 401, 401, 401, 200, 200, 401],
    rnr: [200, 200, 200, 401, 200, 200, 401],
    nrn: [200, 200, 401, 401, 401, 401, 200],
    nrw: [200, 200, 401, 401, 401, 401, 200],
    rwn: [200, 200, 200, 401, 401, 200, 401],
    rnw: [200, 200, 200, 401, 401, 200, 401],
    nwr: [401, 401, 401, 401, 200, 200, 401],
    wrn: [401, 401, 401, 401, 401, 401, 200],
    wnr: [401, 401, 401, 401, 200, 401, 401],
  }
  t.test("every header/query/body combination of Kong's table", async (t) => {
    const key = (c: string) => (c === 'r' ? 'right' : c === 'w' ? 'wrong' : undefined)
    for (const [input, statuses] of Object.entries(TABLE)) {
      const [header, query, body] = [...input].map(key)
      for (const [i, path] of Object.keys(PLACES).entries()) {
        const r = await g.send(`/${path}${query ? `?apikey=${query}` : ''}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...(header ? { apikey: header } : {}) },
          ...(body ? { body: `apikey=${body}` } : {}),
        })
        t.equal(r.status, statuses[i], `${input} => ${path}`)
        if (r.status === 401) t.equal(r.headers['www-authenticate'], 'Key', `${input} => ${path}: challenge`)
      }
    }
  })
})

t.test('key_names must be header names', async (t) => {
  const load = (name: string) =>
    loadConfig(`_format_version: "3.0"\nplugins:\n  - name: key-auth\n    config: { key_names: [${JSON.stringify(name)}] }\n`, { file: 'k.yml' })
  // spec/03-plugins/09-key-auth/01-api_spec.lua:363
  const bad = await load('hello\\world')
  t.same(bad.ok ? [] : bad.issues.map((i) => `${i.path} ${i.message}`), [
    "plugins[0].config.key_names[0] bad header name 'hello\\world', allowed characters are A-Z, a-z, 0-9, '_', and '-'",
  ])
  // spec/03-plugins/09-key-auth/01-api_spec.lua:384
  const ok = await load('hello-world')
  t.ok(ok.ok)
  if (ok.ok) t.same(ok.config.plugins[0]!.config.key_names, ['hello-world'])
})

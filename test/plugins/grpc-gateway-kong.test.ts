// Kong's grpc-gateway spec (spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua) through a real
// gateway: REST calls transcoded to the Bouncer service of Kong's Go target, served by grpc-js
// as a `protocol: grpc` service over HTTP/2 (test/helpers/grpc-target.ts), and Kong's mock
// upstream for what the upstream request carries. Then what the spec leaves out: named body fields,
// nested path variables, the other verbs, enums and 64-bit integers.
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { FIXTURES, startGrpcJsTarget, startHttp1GrpcTarget, startMockTarget } from '../helpers/grpc-target.js'

const TARGET_PROTO = join(FIXTURES, 'targetservice.proto')

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })

t.test("Kong's grpc-gateway proxy spec", async (t) => {
  const target = await startGrpcJsTarget(['targetservice.proto'])
  const mock = await startMockTarget()
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'grpc',
          url: target.url,
          routes: [{ name: 'root', protocols: ['http', 'https'], paths: ['/'], plugins: [{ name: 'grpc-gateway', config: { proto: TARGET_PROTO } }] }],
        },
        {
          name: 'mock_grpc_service',
          url: mock.url,
          routes: [
            {
              name: 'mock',
              protocols: ['http'],
              hosts: ['grpc_mock.example'],
              preserve_host: true,
              plugins: [{ name: 'grpc-gateway', config: { proto: TARGET_PROTO } }],
            },
          ],
        },
      ],
    }),
  )
  t.teardown(async () => {
    await gw.close()
    await target.close()
    await mock.close()
  })
  const get = (path: string) => fetchRaw(`${gw.url}${path}`)
  const post = (path: string, body: unknown) => fetchRaw(`${gw.url}${path}`, { method: 'POST', ...json(body) })

  t.test("Sets 'TE: trailers'", async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:106
    const r = await fetchRaw(`${gw.url}/v1/echo`, { method: 'POST', headers: { host: 'grpc_mock.example', 'content-type': 'application/json' } })
    t.equal(r.headers['received-te'], 'trailers')
    const call = mock.calls.at(-1)!
    t.equal(call.path, '/targetservice.Bouncer/Echo', 'the gRPC path, no query')
    t.equal(call.headers['content-type'], 'application/grpc')
  })

  t.test('Ignores user-agent TE', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:118
    const r = await fetchRaw(`${gw.url}/v1/echo`, { method: 'POST', headers: { host: 'grpc_mock.example', 'content-type': 'application/json', te: 'chunked' } })
    t.equal(r.headers['received-te'], 'trailers')
  })

  t.test('main entrypoint', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:134
    const r = await get('/v1/messages/john_doe')
    t.equal(r.status, 200)
    t.same(r.json(), { reply: 'hello john_doe', boolean_test: false })
    t.equal(r.headers['content-type'], 'application/json')
    t.equal(r.headers['access-control-allow-origin'], '*')
    t.equal(target.calls.at(-1)?.path, '/targetservice.Bouncer/SayHello')
  })

  t.test('additional binding', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:146
    const r = await get('/v1/messages/legacy/john_doe')
    t.equal(r.status, 200)
    t.same(r.json(), { reply: 'hello john_doe', boolean_test: false })
  })

  t.test('removes unbound query args', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:157
    const r = await get('/v1/messages/john_doe?arg1=1&arg2.test=2')
    t.equal(r.status, 200)
    t.same(r.json(), { reply: 'hello john_doe', boolean_test: false })
    t.equal(target.calls.at(-1)?.path, '/targetservice.Bouncer/SayHello', 'the query does not go upstream')
  })

  t.test('boolean behavior', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:169-214
    for (const [arg, want] of [
      ['true', true],
      ['false', false],
      ['0', false],
      ['1', true],
    ] as const) {
      const r = await get(`/v1/messages/legacy/john_doe?boolean_test=${arg}`)
      t.equal(r.status, 200)
      t.same(r.json(), { reply: 'hello john_doe', boolean_test: want }, `boolean_test=${arg}`)
    }
  })

  t.test('unknown path', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:216
    const before = target.calls.length
    const { request } = await import('undici')
    const r = await request(`${gw.url}/v1/messages/john_doe/bai`)
    t.equal(r.statusCode, 400)
    t.equal(await r.body.text(), 'failed to transcode .proto file Unknown path "/v1/messages/john_doe/bai"')
    t.equal(target.calls.length, before, 'never proxied')
  })

  t.test('transforms grpc-status to HTTP status code', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:222
    const r = await get('/v1/unknown/john_doe')
    t.equal(r.status, 500, 'UNIMPLEMENTED is 500')
    t.equal(r.headers['grpc-status'], '12')
  })

  t.test('known types transformations: Timestamp', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:232
    const now = Math.floor(Date.now() / 1000)
    const now8601 = new Date(now * 1000).toISOString().slice(0, 19)
    const ago8601 = new Date((now - 315) * 1000).toISOString().slice(0, 19) + 'Z'
    const r = await post('/bounce', { message: 'hi', when: ago8601, now: now8601 })
    t.equal(r.status, 200)
    t.same(r.json(), { now: now8601, reply: 'hello hi', time_message: `${ago8601} was 5m15s ago` })
  })

  t.test('structured URI args', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:252
    const q = 'name=lizard&hands.count=0&hands.endings=fingers&legs.count=4&legs.endings=toes&tail.count=0&tail.endings=tip'
    const r = await get(`/v1/grow/tail?${q}`)
    t.equal(r.status, 200)
    t.same(r.json(), {
      name: 'lizard',
      hands: { count: 0, endings: 'fingers' },
      legs: { count: 4, endings: 'toes' },
      tail: { count: 1, endings: 'tip' },
    })
  })

  t.test('null in json', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:271
    const r = await post('/bounce', { message: null })
    t.equal(r.status, 400)
  })

  t.test('invalid json', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:279
    const r = await post('/bounce', '{"message":"invalid}')
    t.equal(r.status, 400)
    t.equal(r.body, 'decode json err: Expected value but found unexpected end of string at character 21')
  })

  t.test('field type mismatch', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:288
    const r = await post('/bounce', '{"message":1}')
    t.equal(r.status, 400)
    t.equal(r.body, 'failed to encode payload')
  })

  t.test('regression: empty array in json #10801', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:298
    const body = { array: [], nullable: 'ahaha' }
    const r = await post('/v1/echo', body)
    t.equal(r.status, 200)
    t.same(r.json(), body)
    t.match(r.body, '[]', 'an empty array, not null or {}')
  })

  t.test('regression: empty message #10802', async (t) => {
    // spec/03-plugins/28-grpc-gateway/01-proxy_spec.lua:313
    const body = { array: [], nullable: '' }
    const r = await post('/v1/echo', body)
    t.equal(r.status, 200)
    t.same(r.json(), body)
    t.match(r.body, '[]')
  })
})

t.test('grpc-gateway: what the spec does not cover', async (t) => {
  const target = await startHttp1GrpcTarget(['shapes.proto'])
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'app',
          url: target.url,
          routes: [
            { name: 'shapes', paths: ['/'], plugins: [{ name: 'grpc-gateway', config: { proto: join(FIXTURES, 'shapes.proto') } }] },
            { name: 'bare', paths: ['/bare'], plugins: [{ name: 'grpc-gateway' }] },
          ],
        },
      ],
    }),
  )
  t.teardown(async () => {
    await gw.close()
    await target.close()
  })
  const sent = () => target.calls.at(-1)!.message

  t.test("a preflight gets Kong's answer, not proxied", async (t) => {
    const before = target.calls.length
    const r = await fetchRaw(`${gw.url}/v1/shapes/x`, { method: 'OPTIONS' })
    t.equal(r.status, 200)
    t.equal(r.body, 'OK')
    t.equal(r.headers['content-type'], 'application/json')
    t.equal(r.headers['access-control-allow-origin'], '*')
    t.equal(r.headers['access-control-allow-methods'], 'GET,POST,PATCH,DELETE')
    t.equal(r.headers['access-control-allow-headers'], 'content-type')
    t.equal(target.calls.length, before)
  })

  t.test('no .proto: 400', async (t) => {
    const r = await fetchRaw(`${gw.url}/bare/x`)
    t.equal(r.status, 400)
    t.equal(r.body, 'transcoding requests require a .proto file defining the service')
  })

  t.test('a method no binding has: 400', async (t) => {
    const r = await fetchRaw(`${gw.url}/v1/shapes/x`, { method: 'POST' })
    t.equal(r.status, 400)
    t.equal(r.body, 'failed to transcode .proto file Unknown method "post"')
    t.equal(r.headers['content-type'], undefined)
  })

  t.test('nested path variables, a multi-segment variable, query arguments; the answer in JSON', async (t) => {
    const q = 'color=BLUE&id=9007199254740993&huge=18446744073709551615&flag=false&data=hi&ratio=0.5&counts.a=1&nope=1'
    const r = await fetchRaw(`${gw.url}/v1/shapes/lbl/items/parts/p1?${q}`)
    t.equal(r.status, 200)
    const m = sent()!
    t.equal(m.name, 'parts/p1', '{name=parts/*} takes both segments')
    t.same(m.inner, { label: 'lbl', big: '0' }, '{inner.label} fills the nested field')
    t.equal(m.color, 2, 'an enum by name')
    t.equal(m.id, '9007199254740993', 'int64 beyond 2^53, exact')
    t.equal(m.huge, '18446744073709551615')
    // Enums by name, 64-bit integers as exact JSON numbers, bytes as text, proto3 defaults present,
    // unset optional and oneof fields absent, an empty map absent, an empty repeated field [].
    t.equal(
      r.body,
      '{"name":"parts/p1","color":"BLUE","id":9007199254740993,"huge":18446744073709551615,"data":"hi","inner":{"label":"lbl","big":0},"items":[],"ratio":0.5,"flag":false}',
    )
  })

  t.test('PUT with a named body field', async (t) => {
    const r = await fetchRaw(`${gw.url}/v1/shapes/abc`, { method: 'PUT', ...json({ label: 'in', big: '12' }) })
    t.equal(r.status, 200)
    t.same(sent(), { ...sent(), name: 'abc', inner: { label: 'in', big: '12' } })
    t.match(r.body, '"inner":{"label":"in","big":12}')
  })

  t.test("PATCH with a verb (`:rename`) and body '*'", async (t) => {
    const r = await fetchRaw(`${gw.url}/v1/shapes/abc:rename`, {
      method: 'PATCH',
      ...json({ color: 1, items: [{ label: 'a' }], maybe: 0, text: 't', counts: { x: 2 } }),
    })
    t.equal(r.status, 200)
    t.same(r.json(), {
      name: 'abc',
      color: 'GREEN',
      id: 0,
      huge: 0,
      data: '',
      counts: { x: 2 },
      items: [{ label: 'a', big: 0 }],
      ratio: 0,
      maybe: 0,
      text: 't',
      flag: false,
    })
  })

  t.test('DELETE', async (t) => {
    const r = await fetchRaw(`${gw.url}/v1/shapes/gone`, { method: 'DELETE' })
    t.equal(r.status, 200)
    t.equal(sent()?.name, 'gone')
    t.equal(target.calls.at(-1)?.path, '/shapes.Shapes/Get')
  })

  t.test('a body that is not an object with body "*"', async (t) => {
    const r = await fetchRaw(`${gw.url}/v1/shapes/abc:rename`, { method: 'PATCH', ...json('"text"') })
    t.equal(r.status, 400)
    t.equal(r.body, 'body must be a table')
  })

  t.test('an enum name the type does not have', async (t) => {
    const r = await fetchRaw(`${gw.url}/v1/shapes/abc:rename`, { method: 'PATCH', ...json({ color: 'PURPLE' }) })
    t.equal(r.status, 400)
    t.equal(r.body, 'failed to encode payload')
  })
})

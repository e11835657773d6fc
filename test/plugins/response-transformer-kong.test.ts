// response-transformer against Kong's own specs (spec/03-plugins/15-response-transformer/*),
// through a real gateway and a real upstream. Kong's header and body specs are unit tests of
// header_transformer / body_transformer: here the same configs and inputs go through the proxy,
// the upstream answering with the headers and body of each case.
import t from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway, type PluginGateway } from '../helpers/plugin-gateway.js'

type Conf = Record<string, Record<string, string[]>>

/** kong.yml: route `/<name>` per entry, each with response-transformer and `config`. */
function kongYml(routes: Record<string, Conf>, extra: Record<string, { name: string; config?: unknown }[]> = {}): string {
  return stringify(
    {
      _format_version: '3.0',
      consumers: [{ username: 'bob', basicauth_credentials: [{ username: 'bob', password: 'kong' }] }],
      services: [
        {
          name: 'app',
          url: '$UPSTREAM',
          routes: Object.entries(routes).map(([name, config]) => ({
            name,
            paths: [`/${name}`],
            plugins: [{ name: 'response-transformer', config }, ...(extra[name] ?? [])],
          })),
        },
      ],
    },
    { lineWidth: 0 },
  )
}

/**
 * Kong's mock upstream, as far as these specs use it: every query argument is a
 * response header (repeated arguments, repeated headers); `body` is the body,
 * else a JSON echo of the request (url, uri_args, headers, post_data).
 */
function upstream(req: IncomingMessage, res: ServerResponse, body: string) {
  const u = new URL(req.url ?? '/', 'http://upstream')
  const headers: Record<string, string | string[]> = {}
  let out: string | undefined
  for (const [k, v] of u.searchParams) {
    const name = k.toLowerCase()
    if (name === 'body') out = v
    else headers[name] = name in headers ? [headers[name]!].flat().concat(v) : v
  }
  out ??= JSON.stringify({
    url: `http://upstream${req.url}`,
    uri_args: Object.fromEntries(u.searchParams),
    headers: req.headers,
    params: body ? JSON.parse(body) : null,
  })
  res.writeHead(200, { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(out) })
  res.end(out)
}

const q = (pairs: [string, string][]) => '?' + new URLSearchParams(pairs).toString()
const json = (doc: unknown) => JSON.stringify(doc)

t.test("Kong's header_transformer spec through the proxy", async (t) => {
  const g: PluginGateway = await pluginGateway(
    t,
    kongYml({
      // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:79-95
      remove: { remove: { headers: ['h1', 'h2', 'h3'] }, add: { json: ['p1:v1'] } },
      // :109-129
      rename: { rename: { headers: ['h1:h2', 'h3:h4'] } },
      // :158-174
      replace: { replace: { headers: ['h1:v1', 'h2:value:2'] }, add: { json: ['p1:v1'] } },
      // :193-209
      add: { add: { json: ['p1:v1'], headers: ['h2:v2'] } },
      // :228-244
      append: { append: { headers: ['h1:v2'] }, add: { json: ['p1:v1'] } },
      // :263-279
      together: {
        remove: { headers: ['h1:v1'] },
        replace: { headers: ['h2:v3'] },
        add: { json: ['p1:v1'], headers: ['h3:v3'] },
        append: { headers: ['h3:v4'] },
      },
      jsonCheck: { add: { json: ['p1:v1'] } },
    }),
    upstream,
  )

  t.test('is_json_body: application/json, with a charset, +json suffixes, among several types; not a form', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:63, :69, :72
    const cases: [string, boolean][] = [
      ['application/json', true],
      ['application/json; charset=utf-8', true],
      ['application/problem+json', true],
      ['application/problem+json; charset=utf-8', true],
      ['application/x-www-form-urlencoded, application/json', true],
      ['application/x-www-form-urlencoded', false],
    ]
    for (const [ct, isJson] of cases) {
      const r = await g.send(
        `/jsonCheck${q([
          ['Content-Type', ct],
          ['body', '{"a":1}'],
        ])}`,
      )
      t.equal(r.status, 200)
      t.same(JSON.parse(r.body), isJson ? { a: 1, p1: 'v1' } : { a: 1 }, `${ct}: ${isJson ? 'transformed' : 'left alone'}`)
    }
  })

  t.test('remove: all the headers, repeated ones too; Content-Length follows the JSON edit', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:97 and :102
    const r = await g.send(
      `/remove${q([
        ['h1', 'value1'],
        ['h2', 'value2a'],
        ['h2', 'value2b'],
        ['body', '{}'],
      ])}`,
    )
    t.equal(r.headers.h1, undefined)
    t.equal(r.headers.h2, undefined)
    t.equal(r.body, '{"p1":"v1"}')
    t.equal(r.headers['content-length'], String(r.body.length), "the length of the new body, not the upstream's")
  })

  t.test('rename: present headers, repeated values kept; absent ones not created', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:131, :146, :151
    const r = await g.send(
      `/rename${q([
        ['h1', 'v1'],
        ['h3', 'v3'],
      ])}`,
    )
    t.equal(r.headers.h1, undefined)
    t.equal(r.headers.h2, 'v1')
    t.equal(r.headers.h3, undefined)
    t.equal(r.headers.h4, 'v3')
    const none = await g.send('/rename')
    t.equal(none.headers.h2, undefined)
    t.equal(none.headers.h4, undefined)
    const twice = await g.send(
      `/rename${q([
        ['h1', 'v1'],
        ['h1', 'v2'],
      ])}`,
    )
    t.same(twice.headers.h2, ['v1', 'v2'])
    t.equal(twice.headers.h1, undefined)
  })

  t.test('replace: only present headers, a value with a colon, one value for a repeated header', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:176, :181
    const r = await g.send(
      `/replace${q([
        ['h1', 'value1'],
        ['h2', 'value2a'],
        ['h2', 'value2b'],
      ])}`,
    )
    t.equal(r.headers.h1, 'v1')
    t.equal(r.headers.h2, 'value:2')
    const only2 = await g.send(
      `/replace${q([
        ['h2', 'value2a'],
        ['h2', 'value2b'],
      ])}`,
    )
    t.equal(only2.headers.h1, undefined)
    t.equal(only2.headers.h2, 'value:2')
  })

  t.test('add: only when absent', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:211, :216
    const r = await g.send(`/add${q([['h1', 'v1']])}`)
    t.equal(r.headers.h1, 'v1')
    t.equal(r.headers.h2, 'v2')
    const kept = await g.send(
      `/add${q([
        ['h1', 'v1'],
        ['h2', 'v3'],
      ])}`,
    )
    t.equal(kept.headers.h2, 'v3')
  })

  t.test('append: a new header, or one more value', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:246, :251
    t.equal((await g.send('/append')).headers.h1, 'v2')
    t.same((await g.send(`/append${q([['h1', 'v1']])}`)).headers.h1, ['v1', 'v2'])
  })

  t.test('remove, replace, add and append together; `remove: ["h1:v1"]` removes h1', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:281 (Kong reads every entry as name:value)
    const r = await g.send(
      `/together${q([
        ['h1', 'v1'],
        ['h2', 'v2'],
      ])}`,
    )
    t.equal(r.headers.h1, undefined)
    t.equal(r.headers.h2, 'v3')
    t.same(r.headers.h3, ['v3', 'v4'])
  })

  t.test('JSON edits on a non-JSON body leave it, and its Content-Length, alone', async (t) => {
    // spec/03-plugins/15-response-transformer/01-header_transformer_spec.lua:326 (and :371, :416, :461)
    const form = 'a=1&b=2'
    const r = await g.send(
      `/jsonCheck${q([
        ['Content-Type', 'application/x-www-form-urlencoded; charset=utf-8'],
        ['body', form],
      ])}`,
    )
    t.equal(r.body, form)
    t.equal(r.headers['content-length'], String(form.length))
  })
})

t.test("Kong's body_transformer spec through the proxy", async (t) => {
  const g = await pluginGateway(
    t,
    kongYml({
      // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:7-24
      add: {
        add: {
          json: ['p1:v1', 'p3:value:3', 'p4:"v1"', 'p5:-1', 'p6:false', 'p7:true'],
          json_types: ['string', 'string', 'string', 'number', 'boolean', 'boolean'],
        },
      },
      // :59-76
      append: { append: { json: ['p1:v1', 'p3:"v1"', 'p4:-1', 'p5:false', 'p6:true'], json_types: ['string', 'string', 'number', 'boolean', 'boolean'] } },
      // :117-133
      remove: { remove: { json: ['p1', 'p2'] } },
      // :149-165
      rename: { rename: { json: ['p1:k1', 'p2:k2', 'p3:k3', 'p4:k4', 'p5:k5'] } },
      // :194-211
      replace: { replace: { json: ['p1:v2', 'p2:"v2"', 'p3:-1', 'p4:false', 'p5:true'], json_types: ['string', 'string', 'number', 'boolean', 'boolean'] } },
      // :252-268
      combination: {
        remove: { json: ['p1'] },
        rename: { json: ['p4:p2'] },
        replace: { json: ['p2:v2'] },
        add: { json: ['p3:v1'] },
        append: { json: ['p3:v2'] },
      },
      // :286-313
      alone: {},
      // :377-408
      invalid: { remove: { json: ['foo'] } },
    }),
    upstream,
  )
  const doc = async (route: string, body: string) => {
    const r = await g.send(`/${route}${q([['body', body]])}`)
    t.equal(r.status, 200)
    return r.body
  }
  const ADDED = { p1: 'v1', p3: 'value:3', p4: '"v1"', p5: -1, p6: false, p7: true }

  t.test('add: typed values, only for absent keys; empty arrays stay arrays', async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:26, :32, :38, :44, :50
    t.same(JSON.parse(await doc('add', '{"p2":"v1"}')), { ...ADDED, p2: 'v1' })
    t.same(JSON.parse(await doc('add', '{"p2":-1}')), { ...ADDED, p2: -1 })
    t.same(JSON.parse(await doc('add', '{"p2":false}')), { ...ADDED, p2: false })
    const arrays = await doc('add', '{"p2":"v1", "a":[]}')
    t.same(JSON.parse(arrays), { ...ADDED, p2: 'v1', a: [] })
    t.match(arrays, /"a":\[\]/)
  })

  t.test('append: a list for a new key, one more value for an existing one, typed', async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:78, :84, :90, :96, :102, :108
    const rest = { p1: ['v1'], p3: ['"v1"'], p4: [-1], p5: [false], p6: [true] }
    t.same(JSON.parse(await doc('append', '{"p2":"v1"}')), { p2: 'v1', ...rest })
    t.same(JSON.parse(await doc('append', '{"p1":"v2"}')), { ...rest, p1: ['v2', 'v1'] })
    t.same(JSON.parse(await doc('append', '{"p3":"v2"}')), { ...rest, p3: ['v2', '"v1"'] })
    t.same(JSON.parse(await doc('append', '{"p4":"v2"}')), { ...rest, p4: ['v2', -1] })
    t.same(JSON.parse(await doc('append', '{"p5":"v5", "p6":"v6"}')), { ...rest, p5: ['v5', false], p6: ['v6', true] })
    t.same(JSON.parse(await doc('append', '{"p2":"v1", "a":[]}')), { p2: 'v1', a: [], ...rest })
  })

  t.test('remove: the keys go, empty arrays stay', async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:135, :140
    t.equal(await doc('remove', '{"p1" : "v1", "p2" : "v1"}'), '{}')
    t.equal(await doc('remove', '{"p1" : "v1", "p2" : "v1", "a": []}'), '{"a":[]}')
  })

  t.test('rename: strings, arrays, numbers and booleans keep their value', async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:167, :173, :180, :186
    t.same(JSON.parse(await doc('rename', '{"p1" : "v1", "p2" : "v2"}')), { k1: 'v1', k2: 'v2' })
    t.same(JSON.parse(await doc('rename', '{"p1" : "v1", "p2" : "v2", "p3": []}')), { k1: 'v1', k2: 'v2', k3: [] })
    t.same(JSON.parse(await doc('rename', '{"p3" : -1}')), { k3: -1 })
    t.same(JSON.parse(await doc('rename', '{"p4" : false, "p5" : true}')), { k4: false, k5: true })
  })

  t.test('replace: only present keys, typed', async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:213, :219, :225, :231, :238, :244
    t.same(JSON.parse(await doc('replace', '{"p1" : "v1", "p2" : "v1"}')), { p1: 'v2', p2: '"v2"' })
    t.same(JSON.parse(await doc('replace', '{"p1" : "v1"}')), { p1: 'v2' })
    t.same(JSON.parse(await doc('replace', '{"p2" : "v1"}')), { p2: '"v2"' })
    t.same(JSON.parse(await doc('replace', '{"p1" : "v1", "p2" : "v1", "a": []}')), { p1: 'v2', p2: '"v2"', a: [] })
    t.same(JSON.parse(await doc('replace', '{"p3" : "v1"}')), { p3: -1 })
    t.same(JSON.parse(await doc('replace', '{"p4" : "v4", "p5" : "v5"}')), { p4: false, p5: true })
  })

  t.test('remove, rename, replace, add, append in that order', async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:270, :276
    t.same(JSON.parse(await doc('combination', '{"p1" : "v1", "p4" : "v1"}')), { p2: 'v2', p3: ['v1', 'v2'] })
    t.same(JSON.parse(await doc('combination', '{"p1" : "v1", "p4" : "v1", "a" : []}')), { p2: 'v2', p3: ['v1', 'v2'], a: [] })
  })

  t.test("no transform configured: the body is byte for byte the upstream's", async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:315
    const body = '{\n  "id": 1,\n  "list": [ 1, 2 ],   "nested": {"a": null}\n}\n'
    t.equal(await doc('alone', body), body)
  })

  t.test('an invalid JSON body is sent unchanged', async (t) => {
    // spec/03-plugins/15-response-transformer/02-body_transformer_spec.lua:410
    t.equal(await doc('invalid', 'not json {'), 'not json {')
  })
})

t.test("Kong's filter spec: a real upstream, and a request short-circuited in access", async (t) => {
  const g = await pluginGateway(
    t,
    kongYml(
      {
        // spec/03-plugins/15-response-transformer/04-filter_spec.lua:24-50
        response: { remove: { headers: ['Access-Control-Allow-Origin'], json: ['url'] } },
        response2: { replace: { json: ['headers:/hello/world', 'uri_args:this is a / test', 'url:"wot"'] } },
        response3: { remove: { json: ['ip'] } },
      },
      { response3: [{ name: 'basic-auth' }] },
    ),
    upstream,
  )

  t.test('remove a parameter', async (t) => {
    // spec/03-plugins/15-response-transformer/04-filter_spec.lua:84
    const r = await g.send('/response/get')
    t.equal(r.status, 200)
    t.equal(r.json().url, undefined)
    t.ok(r.json().headers, 'the rest of the document is kept')
  })

  t.test('remove a header', async (t) => {
    // spec/03-plugins/15-response-transformer/04-filter_spec.lua:96
    const r = await g.send(`/response/response-headers${q([['Access-Control-Allow-Origin', '*']])}`)
    t.equal(r.status, 200)
    t.equal(r.headers['access-control-allow-origin'], undefined)
  })

  t.test('replace body parameters: slashes and quotes are not escaped', async (t) => {
    // spec/03-plugins/15-response-transformer/04-filter_spec.lua:108
    const r = await g.send('/response2/get?x=1')
    t.equal(r.status, 200)
    const doc = r.json()
    t.equal(doc.headers, '/hello/world')
    t.equal(doc.url, '"wot"')
    t.equal(doc.uri_args, 'this is a / test')
  })

  t.test('a request short-circuited in access (basic-auth) gets its 401, not an error', async (t) => {
    // spec/03-plugins/15-response-transformer/04-filter_spec.lua:125
    const r = await g.send('/response3/get')
    t.equal(r.status, 401)
    t.equal(r.json().message, 'Unauthorized')
    t.equal(r.reached, undefined)
    const ok = await g.send('/response3/get', { headers: { authorization: `Basic ${Buffer.from('bob:kong').toString('base64')}` } })
    t.equal(ok.status, 200)
  })
})

t.test("Kong's big response body spec: JSON edits on a 1 MiB body", async (t) => {
  // spec/03-plugins/15-response-transformer/05-big_response_body_spec.lua:20-40
  const g = await pluginGateway(t, kongYml({ response: { add: { json: ['p1:v1'] }, remove: { json: ['params'] } } }), upstream)
  // The spec's create_big_data: one JSON document of about `size` bytes, echoed back by the upstream.
  const big = json({ mock_json: { big_field: 'x'.repeat(1024 * 1024) } })
  const r = await g.send('/response/post', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })
  t.equal(r.status, 200)
  const doc = r.json<Record<string, unknown>>()
  // spec/03-plugins/15-response-transformer/05-big_response_body_spec.lua:60
  t.equal(doc.p1, 'v1')
  // spec/03-plugins/15-response-transformer/05-big_response_body_spec.lua:75
  t.equal(doc.params, undefined)
  t.equal(r.headers['content-length'], String(Buffer.byteLength(r.body)))
})

t.test("Kong's Admin API validation spec", async (t) => {
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: response-transformer\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.message}`)
  }
  // spec/03-plugins/15-response-transformer/03-api_spec.lua:30, :57
  t.same(issues('{ remove: { headers: [just_a_key], json: [just_a_key] } }'), [])
  t.same(issues('{ rename: { headers: ["old-header:new-header"], json: ["old_key:new_key"] } }'), [])
  // spec/03-plugins/15-response-transformer/03-api_spec.lua:86
  t.same(issues('{ rename: { headers: [oldheadernewheader] } }'), ['plugins[0].config.rename.headers[0] invalid value: oldheadernewheader'])
  // spec/03-plugins/15-response-transformer/03-api_spec.lua:108
  t.same(issues('{ rename: { headers: ["old-header:new header"] } }'), ["plugins[0].config.rename.headers[0] 'new header' is not a valid header"])
  // spec/03-plugins/15-response-transformer/03-api_spec.lua:131, :152, :173
  for (const op of ['add', 'replace', 'append']) {
    t.same(issues(`{ ${op}: { headers: [just_a_key] } }`), [`plugins[0].config.${op}.headers[0] invalid value: just_a_key`])
  }
})

// request-transformer against Kong's access spec (spec/03-plugins/36-request-transformer/02-access_spec.lua),
// through a real gateway and a real echo upstream that also reports header names as they came on
// the wire. Templates are in request-transformer-lua.test.ts, and cases request-transformer.test.ts
// already covers carry their citation there. Not here: the thread-safety case (:2345, nginx
// workers) and the untrusted_lua = off / on variants (:2455, :2550; templates always run sandboxed).
import t from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway, type PluginGateway } from '../helpers/plugin-gateway.js'

type Route = { hosts: string[]; paths?: string[]; preserve_host?: boolean; strip_path?: boolean; config: Record<string, unknown> }

// The spec's routes and plugins (02-access_spec.lua:33-141, :143-525), by Host.
const ROUTES: Record<string, Route> = {
  test1: { hosts: ['test1.test'], config: { add: { headers: ['h1:v1', 'h2:value:2'], querystring: ['q1:v1'], body: ['p1:v1'] } } },
  test2: { hosts: ['test2.test'], preserve_host: true, config: { add: { headers: ['host:mark'] } } },
  test4: { hosts: ['test4.test'], config: { remove: { headers: ['x-to-remove'], querystring: ['q1'], body: ['toremoveform'] } } },
  test5: { hosts: ['test5.test'], config: { replace: { headers: ['h1:v1'], querystring: ['q1:v1'], body: ['p1:v1'] } } },
  test6: {
    hosts: ['test6.test'],
    config: { append: { headers: ['h1:v1', 'h1:v2', 'h2:v1'], querystring: ['q1:v1', 'q1:v2', 'q2:v1'], body: ['p1:v1', 'p1:v2', 'p2:value:1'] } },
  },
  test7: { hosts: ['test7.test'], config: { http_method: 'POST' } },
  test9: {
    hosts: ['test9.test'],
    config: { rename: { headers: ['x-to-rename:x-is-renamed'], querystring: ['originalparam:renamedparam'], body: ['originalparam:renamedparam'] } },
  },
  test20: { hosts: ['test20.test'], config: { http_method: 'POST', add: { headers: ['Content-Type:application/json'], body: ['body:somecontent'] } } },
  test22: { hosts: ['test22.test'], config: { http_method: 'POST', remove: { headers: ['Authorization'] }, add: { headers: ['Authorization:Basic test'] } } },
  test23: { hosts: ['test23.test'], paths: ['/request'], config: {} },
  test26: {
    hosts: ['test26.test'],
    config: {
      add: { headers: ['X-aDDed:a1', 'x-aDDed2:b1', 'x-Added3:c2'] },
      remove: { headers: ['X-To-Remove'] },
      append: { headers: ['X-aDDed:a2', 'X-aDDed:a3'] },
      replace: { headers: ['x-to-Replace:false'] },
    },
  },
  // :1495
  append_hash: { hosts: ['test_append_hash.test'], config: { append: { headers: ['h1:v1', 'h1:v2', 'h1:#value_with_hash', 'h2:v1'] } } },
  // :497-522
  rename_mock: { hosts: ['rename.mock'], config: { rename: { headers: ['rename:Rename', 'identical:identical'], querystring: ['inexist:exist'] } } },
}

const kongYml = stringify(
  {
    _format_version: '3.0',
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: Object.entries(ROUTES).map(([name, { config, ...r }]) => ({ name, ...r, plugins: [{ name: 'request-transformer', config }] })),
      },
    ],
  },
  { lineWidth: 0 },
)

interface Seen {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  /** Header names as they came on the wire, with their values. */
  raw: [string, string][]
  body: string
}

/** The echo upstream, with the raw header lines (Kong's spec reads them from a mock server for the case tests). */
function echo(req: IncomingMessage, res: ServerResponse, body: string) {
  const raw: [string, string][] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) raw.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!])
  const out = JSON.stringify({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body } satisfies Seen)
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
  res.end(out)
}

const FORM = 'application/x-www-form-urlencoded'

t.test("Kong's access spec", async (t) => {
  const g: PluginGateway = await pluginGateway(t, kongYml, echo)
  const send = async (host: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const r = await g.send(path, { ...opts, headers: { host, ...opts.headers } })
    t.equal(r.status, 200, `${host} ${path}: proxied`)
    const seen = JSON.parse(r.body) as Seen
    return Object.assign(seen, { query: new URL(seen.url, 'http://x').searchParams, form: new URLSearchParams(seen.body) })
  }
  const rawNames = (s: Seen) => s.raw.map(([n]) => n)

  t.test('http method', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:539
    const post = await send('test7.test', '/request?hello=world&name=marco')
    t.equal(post.method, 'POST')
    t.equal(post.query.get('hello'), 'world')
    t.equal(post.query.get('name'), 'marco')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:571: the header edit makes it JSON, so the body is added
    const json = await send('test20.test', '/request')
    t.equal(json.method, 'POST')
    t.equal(json.headers['content-type'], 'application/json')
    t.same(JSON.parse(json.body), { body: 'somecontent' })
    t.equal(json.headers['content-length'], String(json.body.length))
  })

  t.test('remove', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:657
    const emptyJson = await send('test4.test', '/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    t.equal(emptyJson.body, '{}')
    t.equal(emptyJson.headers['content-length'], '2')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:672
    const empty = await send('test4.test', '/request', { method: 'POST', body: '' })
    t.equal(empty.body, '')
    t.equal(empty.headers['content-length'], '0')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:707
    const args = await send('test4.test', '/request?q1=v1&q2=v2', { headers: { 'content-type': FORM }, body: 'hello=world' })
    t.equal(args.query.get('q1'), null)
    t.equal(args.query.get('q2'), 'v2')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:729
    const arrays = await send('test4.test', '/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"emptyarray":[]}' })
    t.equal(arrays.body, '{"emptyarray":[]}')
  })

  t.test('rename', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:763
    const absent = await send('test9.test', '/request', { headers: { 'x-a-header': 'true' } })
    t.equal(absent.headers['x-is-renamed'], undefined)
    t.equal(absent.headers['x-a-header'], 'true')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:779 and :796 (the target in another case)
    for (const target of ['x-is-renamed', 'X-Is-Renamed']) {
      const r = await send('test9.test', '/request', { headers: { 'x-to-rename': 'new-result', [target]: 'old-result' } })
      t.equal(r.headers['x-to-rename'], undefined)
      t.equal(r.headers['x-is-renamed'], 'new-result', `${target} is overridden`)
    }

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:813, :831
    const form = await send('test9.test', '/request', { method: 'POST', headers: { 'content-type': FORM }, body: 'originalparam=yes' })
    t.equal(form.form.get('originalparam'), null)
    t.equal(form.form.get('renamedparam'), 'yes')
    const formAbsent = await send('test9.test', '/request', { method: 'POST', headers: { 'content-type': FORM }, body: 'x-a-header=true' })
    t.equal(formAbsent.form.get('renamedparam'), null)
    t.equal(formAbsent.form.get('x-a-header'), 'true')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:848
    const json = await send('test9.test', '/request', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"originalparam":"yes","nottorename":"yes"}',
    })
    t.same(JSON.parse(json.body), { renamedparam: 'yes', nottorename: 'yes' })

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:905
    const args = await send('test9.test', '/request?originalparam=true&nottorename=true', { headers: { 'content-type': FORM } })
    t.equal(args.query.get('originalparam'), null)
    t.equal(args.query.get('renamedparam'), 'true')
    t.equal(args.query.get('nottorename'), 'true')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:941: only the case changes, and the upstream sees the new spelling
    const caps = await send('rename.mock', '/request', { headers: { rename: 'true' } })
    t.ok(
      caps.raw.some(([n, v]) => n === 'Rename' && v === 'true'),
      'Rename: true on the wire',
    )
    t.notOk(rawNames(caps).includes('rename'), 'no lower-case rename left')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:957
    t.equal((await send('rename.mock', '/request?exist=true')).url, '/request?exist=true')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:970
    t.equal((await send('rename.mock', '/request', { headers: { identical: 'true' } })).headers.identical, 'true')
  })

  t.test('replace', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:987, :1005
    const r = await send('test5.test', '/request', { headers: { h1: 'V', h2: 'v2' } })
    t.equal(r.headers.h1, 'v1')
    t.equal(r.headers.h2, 'v2')
    const absent = await send('test5.test', '/request', { headers: { h2: 'v2' } })
    t.equal(absent.headers.h1, undefined)

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1021, :1040
    const form = await send('test5.test', '/request', { method: 'POST', headers: { 'content-type': FORM }, body: 'p1=v&p2=v1' })
    t.equal(form.form.get('p1'), 'v1')
    t.equal(form.form.get('p2'), 'v1')
    const formAbsent = await send('test5.test', '/request', { method: 'POST', headers: { 'content-type': FORM }, body: 'p2=v1' })
    t.equal(formAbsent.form.get('p1'), null)

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1057, :1090
    const json = await send('test5.test', '/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"p1":"v","p2":"v1"}' })
    t.same(JSON.parse(json.body), { p1: 'v1', p2: 'v1' })
    const jsonAbsent = await send('test5.test', '/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"p2":"v1"}' })
    t.same(JSON.parse(jsonAbsent.body), { p2: 'v1' })

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1147, :1169
    const args = await send('test5.test', '/request?q1=v&q2=v2', { method: 'POST', headers: { 'content-type': FORM }, body: 'hello=world' })
    t.equal(args.query.get('q1'), 'v1')
    t.equal(args.query.get('q2'), 'v2')
    const argsAbsent = await send('test5.test', '/request?q2=v2', { method: 'POST', headers: { 'content-type': FORM }, body: 'hello=world' })
    t.equal(argsAbsent.query.get('q1'), null)

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1189
    const arrays = await send('test5.test', '/request', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"emptyarray":[], "p1":"v"}',
    })
    t.ok(arrays.body.includes('"emptyarray":[]'))
  })

  t.test('add', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1247, :1262: a value holding a colon
    const r = await send('test1.test', '/request')
    t.equal(r.headers.h1, 'v1')
    t.equal(r.headers.h2, 'value:2')
    t.equal((await send('test1.test', '/request', { headers: { h1: 'v3' } })).headers.h1, 'v3')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1278, :1296
    const form = await send('test1.test', '/request', { method: 'POST', headers: { 'content-type': FORM }, body: 'hello=world' })
    t.equal(form.form.get('hello'), 'world')
    t.equal(form.form.get('p1'), 'v1')
    const formKept = await send('test1.test', '/request', { method: 'POST', headers: { 'content-type': FORM }, body: 'p1=should%20not%20change&hello=world' })
    t.equal(formKept.form.get('p1'), 'should not change')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1315, :1332
    const json = await send('test1.test', '/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"world"}' })
    t.same(JSON.parse(json.body), { hello: 'world', p1: 'v1' })
    const jsonKept = await send('test1.test', '/request', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"p1":"this should not change","hello":"world"}',
    })
    t.same(JSON.parse(jsonKept.body), { p1: 'this should not change', hello: 'world' })

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1401, :1419
    const q = await send('test1.test', '/request?q2=v2', { headers: { 'content-type': FORM } })
    t.equal(q.query.get('q1'), 'v1')
    t.equal(q.query.get('q2'), 'v2')
    t.equal((await send('test1.test', '/request?q1=v2', { headers: { 'content-type': FORM } })).query.get('q1'), 'v2')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1435: add never touches Host
    t.equal((await send('test2.test', '/get', { headers: { 'content-type': 'application/json' } })).headers.host, 'test2.test')
  })

  t.test('append', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1467, :1480: two header lines
    const r = await send('test6.test', '/request')
    t.equal(r.headers.h2, 'v1')
    t.same(
      r.raw.filter(([n]) => n.toLowerCase() === 'h1').map(([, v]) => v),
      ['v1', 'v2'],
    )

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1494
    const hash = await send('test_append_hash.test', '/request')
    t.same(
      hash.raw.filter(([n]) => n.toLowerCase() === 'h1').map(([, v]) => v),
      ['v1', 'v2', '#value_with_hash'],
    )

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1527, :1543
    const q = await send('test6.test', '/request', { method: 'POST' })
    t.same(q.query.getAll('q1'), ['v1', 'v2'])
    t.same(q.query.getAll('q2'), ['v1'])
    const qExisting = await send('test6.test', '/request?q1=v0', { method: 'POST' })
    t.same(qExisting.query.getAll('q1'), ['v0', 'v1', 'v2'])

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1556, :1573
    const form = await send('test6.test', '/request', { method: 'POST', headers: { 'content-type': FORM } })
    t.same(form.form.getAll('p1'), ['v1', 'v2'])
    t.same(form.form.getAll('p2'), ['value:1'])
    const formExisting = await send('test6.test', '/request', { method: 'POST', headers: { 'content-type': FORM }, body: 'p1=v0' })
    t.same(formExisting.form.getAll('p1'), ['v0', 'v1', 'v2'])

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1593
    const bad = await send('test6.test', '/request', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'malformed json body' })
    t.equal(bad.body, 'malformed json body')
  })

  t.test("header case: removes ignore it, add and append send the configured spelling, replace keeps the request's", async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1843
    t.equal((await send('test26.test', '/request', { headers: { 'x-to-remove': 'true' } })).headers['x-to-remove'], undefined)

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1856
    const replaced = await send('test26.test', '/request', { headers: { 'x-to-replace': 'true' } })
    t.equal(replaced.headers['x-to-replace'], 'false')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1870
    const added = await send('test26.test', '/request')
    t.ok(
      added.raw.some(([n, v]) => n === 'x-aDDed2' && v === 'b1'),
      'x-aDDed2: b1 as configured',
    )

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1883
    t.equal((await send('test26.test', '/request', { headers: { 'x-added3': 'c1' } })).headers['x-added3'], 'c1')

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1897
    const appended = await send('test26.test', '/request', { headers: { 'X-addeD': 'a0' } })
    t.same(
      appended.raw.filter(([n]) => n.toLowerCase() === 'x-added').map(([n, v]) => `${n}: ${v}`),
      ['X-aDDed: a0', 'X-aDDed: a2', 'X-aDDed: a3'],
    )

    // spec/03-plugins/36-request-transformer/02-access_spec.lua:1911
    t.same(
      added.raw.filter(([n]) => n.toLowerCase() === 'x-added').map(([n, v]) => `${n}: ${v}`),
      ['X-aDDed: a1', 'X-aDDed: a2', 'X-aDDed: a3'],
    )
  })

  t.test('remove then add header (regression test)', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2299
    const present = await send('test22.test', '/', { headers: { Authorization: 'Basic dGVzdDp0ZXN0', 'content-type': 'application/json' } })
    t.equal(present.headers.authorization, 'Basic test')
    t.equal(present.method, 'POST')
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2313
    t.equal((await send('test22.test', '/', { headers: { 'content-type': 'application/json' } })).headers.authorization, 'Basic test')
  })

  t.test('query parameters are not urlencoded to upstream URL', async (t) => {
    // spec/03-plugins/36-request-transformer/02-access_spec.lua:2329
    const expected = '$&+,/:;?@'
    t.equal((await send('test23.test', `/request?expected=${expected}`)).url, `/?expected=${expected}`)
  })
})

t.test("Kong's schema and Admin API validation specs", async (t) => {
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: request-transformer\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.message}`)
  }
  // spec/03-plugins/36-request-transformer/01-schema_spec.lua:5
  t.same(issues('{ http_method: GET }'), [])
  // spec/03-plugins/36-request-transformer/01-schema_spec.lua:10
  t.same(issues('{ http_method: "HELLO!" }'), ['plugins[0].config.http_method invalid value: HELLO!'])
  // spec/03-plugins/36-request-transformer/01-schema_spec.lua:15 and :25
  t.same(issues('{ add: { querystring: ["uri_param1:$(uri_captures.user1)", "uri_param2:$(uri_captures.user2)"] } }'), [])
  t.same(issues('{ add: { querystring: ["uri_param1:$(uri_captures.user1)", "uri_param2:value"] } }'), [])
  // spec/03-plugins/36-request-transformer/01-schema_spec.lua:35
  t.equal(issues('{ add: { querystring: ["uri_param2:"] } }').length, 1)
  // spec/03-plugins/36-request-transformer/01-schema_spec.lua:45
  t.equal(issues('{ add: { querystring: ["uri_param2:$(uri_captures user2)"] } }').length, 1)
  // spec/03-plugins/36-request-transformer/03-api_spec.lua:31
  t.same(issues('{ remove: { headers: [just_a_key], body: [just_a_key], querystring: [just_a_key] } }'), [])
  // spec/03-plugins/36-request-transformer/03-api_spec.lua:55, :77, :99
  for (const op of ['add', 'replace', 'append']) {
    t.same(issues(`{ ${op}: { headers: [just_a_key] } }`), [`plugins[0].config.${op}.headers[0] invalid value: just_a_key`])
  }
})

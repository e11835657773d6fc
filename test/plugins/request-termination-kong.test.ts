// request-termination against Kong's own specs (spec/03-plugins/14-request-termination/*), through
// a real gateway and a real echo upstream. Cases the older request-termination.test.ts already
// covers (default 503, per-status messages, 403 custom message, raw bodies) are not repeated.
// Not here: the gRPC case (02-access_spec.lua:278; no HTTP/2 listener yet) and the Admin API of
// 03-integration_spec.lua (the consumer-scoped instance is declared in the file instead).
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { DEFAULT_SERVER_TOKEN } from '../../src/version.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { rawRequest } from '../helpers/raw.js'

const rtPlugin = (config: Record<string, unknown>) => [{ name: 'request-termination', config }]

// The spec's routes (02-access_spec.lua:20-157), by Host as in Kong.
const SPEC = stringify(
  {
    _format_version: '3.0',
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: [
          { name: 'api1', hosts: ['api1.request-termination.test'], plugins: rtPlugin({}) },
          { name: 'api3', hosts: ['api3.request-termination.test'], plugins: rtPlugin({ status_code: 406, message: 'Invalid' }) },
          {
            name: 'api4',
            hosts: ['api4.request-termination.test'],
            plugins: rtPlugin({ body: '<html><body><h1>Service is down for maintenance</h1></body></html>' }),
          },
          {
            name: 'api5',
            hosts: ['api5.request-termination.test'],
            plugins: rtPlugin({
              status_code: 451,
              content_type: 'text/html',
              body: '<html><body><h1>Service is down due to content infringement</h1></body></html>',
            }),
          },
          {
            name: 'api6',
            hosts: ['api6.request-termination.test'],
            plugins: rtPlugin({ status_code: 503, body: '{"code": 1, "message": "Service unavailable"}' }),
          },
          { name: 'api8', hosts: ['api8.request-termination.test'], plugins: rtPlugin({ status_code: 204 }) },
          {
            name: 'api9',
            hosts: ['api9.request-termination.test'],
            strip_path: false,
            paths: ['~/(?<parameter>[^#?/]+)/200'],
            plugins: rtPlugin({ echo: true, status_code: 404 }),
          },
          { name: 'api10', hosts: ['api10.request-termination.test'], plugins: rtPlugin({ echo: true, trigger: 'gimme-an-echo', status_code: 404 }) },
        ],
      },
    ],
    // A route without a service (02-access_spec.lua:46).
    routes: [{ name: 'api7', hosts: ['api7.request-termination.test'], plugins: rtPlugin({}) }],
  },
  { lineWidth: 0 },
)

t.test("Kong's access spec", async (t) => {
  const g = await pluginGateway(t, SPEC)
  const port = Number(new URL(g.gw.url).port)
  const get = (host: string, path = '/status/200', headers: Record<string, string> = {}, body?: string) =>
    rawRequest(`${g.gw.url}${path}`, { headers: { host, ...headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) }, body })

  t.test('default status code and message with serviceless route', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:207
    const r = await get('api7.request-termination.test')
    t.equal(r.status, 503)
    t.same(JSON.parse(r.body), { message: 'Service unavailable' })
  })

  t.test('status code with custom message', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:231
    const r = await get('api3.request-termination.test')
    t.equal(r.status, 406)
    t.same(JSON.parse(r.body), { message: 'Invalid' })
  })

  t.test('returns 204 without content length header', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:241
    const r = await get('api8.request-termination.test', '/status/204')
    t.equal(r.status, 204)
    t.equal(r.headers['content-length'], undefined)
    t.equal(r.headers['content-type'], undefined, 'nor a type: nginx sends a 204 without either')
    t.equal(r.body, '')
  })

  t.test('default status code and body', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:256
    const r = await get('api4.request-termination.test')
    t.equal(r.status, 503)
    t.equal(r.body, '<html><body><h1>Service is down for maintenance</h1></body></html>')
  })

  t.test('status code with a body and content_type', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:267
    const r = await get('api5.request-termination.test')
    t.equal(r.status, 451)
    t.equal(r.body, '<html><body><h1>Service is down due to content infringement</h1></body></html>')
    t.equal(r.headers['content-type'], 'text/html')
  })

  t.test('a JSON body is sent as configured', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:289
    const r = await get('api6.request-termination.test')
    t.equal(r.status, 503)
    t.same(JSON.parse(r.body), { code: 1, message: 'Service unavailable' })
  })

  t.test('returns server tokens with Server header', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:302 (the gateway's own token: see the README)
    const r = await get('api1.request-termination.test')
    t.equal(r.headers.server, DEFAULT_SERVER_TOKEN)
  })

  // The echo document's `request`, without what the client library adds (Kong's spec drops user-agent too).
  const echoed = (body: string) => {
    const doc = JSON.parse(body) as { matched_route: { hosts: string[] }; request: Record<string, unknown> & { headers: Record<string, string> } }
    delete doc.request.headers.connection
    return doc
  }

  t.test('echos a request if no trigger is set', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:314
    const r = await get('api9.request-termination.test', '/status/200?hello=there', {}, 'cool body')
    t.equal(r.status, 404)
    const doc = echoed(r.body)
    t.equal(doc.matched_route.hosts[0], 'api9.request-termination.test')
    t.same(doc.request, {
      headers: { 'content-length': '9', host: 'api9.request-termination.test' },
      host: 'api9.request-termination.test',
      method: 'GET',
      path: '/status/200',
      port,
      query: { hello: 'there' },
      raw_body: 'cool body',
      scheme: 'http',
      uri_captures: { named: { parameter: 'status' }, unnamed: ['status'] },
    })
  })

  t.test("doesn't echo a request if the trigger is set but not specified", async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:368
    const r = await get('api10.request-termination.test')
    t.equal(r.status, 200)
    t.equal(JSON.parse(r.body).url, '/status/200', 'proxied')
  })

  t.test('echos a request if the trigger is specified as a header', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:377
    const r = await get('api10.request-termination.test', '/status/200?hello=there', { 'Gimme-An-Echo': 'anything will do' }, 'cool body')
    t.equal(r.status, 404)
    const doc = echoed(r.body)
    t.equal(doc.matched_route.hosts[0], 'api10.request-termination.test')
    t.same(doc.request, {
      headers: { 'content-length': '9', 'gimme-an-echo': 'anything will do', host: 'api10.request-termination.test' },
      host: 'api10.request-termination.test',
      method: 'GET',
      path: '/status/200',
      port,
      query: { hello: 'there' },
      raw_body: 'cool body',
      scheme: 'http',
      uri_captures: { named: {}, unnamed: [] },
    })
  })

  t.test('echos a request if the trigger is specified as a query parameter', async (t) => {
    // spec/03-plugins/14-request-termination/02-access_spec.lua:414
    const r = await get('api10.request-termination.test', '/status/200?hello=there&gimme-an-echo=anything%20will%20do', {}, 'cool body')
    t.equal(r.status, 404)
    const doc = echoed(r.body)
    t.same(doc.request.query, { hello: 'there', 'gimme-an-echo': 'anything will do' })
    t.same(doc.request.headers, { 'content-length': '9', host: 'api10.request-termination.test' })
  })
})

t.test('can be applied on a consumer', async (t) => {
  // spec/03-plugins/14-request-termination/03-integration_spec.lua:43 (declared in the file, not through the Admin API)
  const { send } = await pluginGateway(
    t,
    stringify({
      _format_version: '3.0',
      services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'api1', paths: ['/'] }] }],
      consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'kong' }], plugins: [{ name: 'request-termination' }] }],
      plugins: [{ name: 'key-auth' }],
    }),
  )
  const r = await send('/request', { headers: { apikey: 'kong' } })
  t.equal(r.status, 503)
  t.same(r.json(), { message: 'Service unavailable' })
  t.equal(r.reached, undefined)
  t.equal((await send('/request')).status, 401, 'without the key, key-auth answers first')
})

t.test("Kong's schema spec", async (t) => {
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: request-termination\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.message}`)
  }
  // spec/03-plugins/14-request-termination/01-schema_spec.lua:6, :9, :12, :15, :18
  t.same(issues('{ status_code: 404 }'), [])
  t.same(issues('{ message: Not found }'), [])
  t.same(issues('{ content_type: text/html, body: "<body><h1>Not found</h1>" }'), [])
  t.same(issues('{ body: "<body><h1>Not found</h1>" }'), [])
  t.same(issues('{ echo: true, trigger: header_name }'), [])
  // spec/03-plugins/14-request-termination/01-schema_spec.lua:23
  t.same(issues('{ status_code: abcd }'), ['plugins[0].config.status_code expected an integer'])
  // spec/03-plugins/14-request-termination/01-schema_spec.lua:33
  t.same(issues('{ status_code: 99 }'), ['plugins[0].config.status_code value should be between 100 and 599'])
  // spec/03-plugins/14-request-termination/01-schema_spec.lua:53: only the first of Kong's rules that fails is reported
  t.same(issues('{ message: error, content_type: text/html }'), ['plugins[0].config message cannot be used with content_type or body'])
  // spec/03-plugins/14-request-termination/01-schema_spec.lua:63
  t.same(issues('{ echo: true, content_type: text/html, body: "<body><h1>Not found</h1>" }'), [
    'plugins[0].config echo cannot be used with content_type and body',
  ])
})

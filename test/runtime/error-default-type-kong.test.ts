// Kong's error Content-Type spec (spec/02-integration/05-proxy/12-error_default_type_spec.lua)
// through a real gateway in front of an upstream that never answers in time (the spec's 504): the
// `errorDefaultType` setting (Kong's error_default_type, `--error-default-type`), Accept
// negotiation, and custom templates (Kong's error_template_*, `--error-template-*`). Also the
// negotiation rules of Kong's get_response_type (kong/tools/http.lua) the spec relies on.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { startGateway, type GatewayOptions } from '../../src/server/gateway.js'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'
import { exchange, responses } from '../helpers/wire.js'

const MESSAGE = 'The upstream server is timing out'
const PLAIN = (id: unknown) => `${MESSAGE}\nrequest_id: ${String(id)}\n`
const HTML = (id: unknown) =>
  `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${MESSAGE}.</p>\n    <p>request_id: ${String(id)}</p>\n  </body>\n</html>\n`
const XML = (id: unknown) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${MESSAGE}</message>\n  <requestid>${String(id)}</requestid>\n</error>\n`

/** The spec's service (a 504 on every request: here an upstream that answers after read_timeout) and route for GET and HEAD. */
async function setup(t: Test, opts: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const up = await startUpstream('blackhole', (_req, res) => {
    const timer = setTimeout(() => res.end('late'), 5000)
    res.on('close', () => clearTimeout(timer))
  })
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [{ name: 'api-1', url: up.url, read_timeout: 50, retries: 0, routes: [{ name: 'r', methods: ['GET', 'HEAD', 'POST'] }] }],
    }),
    opts,
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return gw
}

const get = (gw: TestGateway, headers: Record<string, string> = {}, method = 'GET') => fetchRaw(`${gw.url}/`, { method, headers })

t.test('set via error_default_type', async (t) => {
  const gw = await setup(t, { errorDefaultType: 'text/html' })

  t.test('no Accept header uses error_default_type', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:84
    const r = await get(gw)
    t.equal(r.status, 504)
    t.equal(r.headers['content-type'], 'text/html; charset=utf-8')
    t.equal(r.body, HTML(r.headers['x-kong-request-id']))
  })

  t.test('HEAD request does not return a body', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:99
    const r = await get(gw, {}, 'HEAD')
    t.equal(r.status, 504)
    t.equal(r.body, '')
  })

  t.test("Accept still wins over error_default_type, then the request's Content-Type", async (t) => {
    // kong/error_handlers.lua: Accept, else Content-Type, else error_default_type
    const asked = await get(gw, { accept: 'application/json' })
    t.equal(asked.headers['content-type'], 'application/json; charset=utf-8')
    const byType = await fetchRaw(`${gw.url}/`, { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } })
    t.equal(byType.body, XML(byType.headers['x-kong-request-id']))
  })
})

t.test('set via error_default_type: requests nginx refuses before Kong runs (a malformed request line) follow it too', async (t) => {
  // spec/02-integration/05-proxy/12-error_default_type_spec.lua:84 (error_default_type governs every nginx-level error)
  const gw = await setup(t, { errorDefaultType: 'application/json' })
  const [r] = responses(await exchange(gw.url, 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n'))
  t.equal(r?.status, 400)
  t.same(r?.headers['content-type'], ['application/json; charset=utf-8'])
  t.equal(JSON.parse(r?.body ?? '{}').message, 'Bad request')
})

t.test('not set explicitly', async (t) => {
  const gw = await setup(t)

  t.test('default error_default_type = text/plain', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:152
    const r = await get(gw)
    t.equal(r.status, 504)
    t.equal(r.headers['content-type'], 'text/plain; charset=utf-8')
    t.equal(r.body, PLAIN(r.headers['x-kong-request-id']))
  })

  t.test('Accept header modified Content-Type: text/html', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:172
    const r = await get(gw, { accept: 'text/html' })
    t.equal(r.body, HTML(r.headers['x-kong-request-id']))
  })

  t.test('Accept header modified Content-Type: application/json', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:187
    const r = await get(gw, { accept: 'application/json' })
    t.equal(r.status, 504)
    t.equal(r.json().message, MESSAGE)
  })

  t.test('Accept header modified Content-Type: application/xml', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:201
    const r = await get(gw, { accept: 'application/xml' })
    t.equal(r.body, XML(r.headers['x-kong-request-id']))
  })

  t.test("Kong's get_response_type: only Kong's four types by exact name; anything else acceptable is JSON", async (t) => {
    // kong/tools/http.lua get_response_type / get_mime_type (what 12-error_default_type_spec.lua negotiates with)
    const cases: [Record<string, string>, string][] = [
      [{ accept: 'text/xml' }, 'application/json; charset=utf-8'],
      [{ accept: 'text/csv' }, 'application/json; charset=utf-8'],
      [{ accept: 'image/png, text/html;q=0.5' }, 'application/json; charset=utf-8'],
      [{ accept: 'Text/HTML' }, 'application/json; charset=utf-8'],
      [{ accept: 'text/*' }, 'text/plain; charset=utf-8'],
      [{ accept: '' }, 'application/json; charset=utf-8'],
      [{ accept: 'text/html;level=1;q=0.4, text/plain;q=0.3' }, 'text/html; charset=utf-8'],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, 'application/json; charset=utf-8'],
      [{ 'content-type': 'text/html' }, 'text/html; charset=utf-8'],
    ]
    for (const [headers, type] of cases) {
      const r = await get(gw, headers)
      t.equal(r.status, 504)
      t.equal(r.headers['content-type'], type, JSON.stringify(headers))
    }
  })
})

t.test('Custom error templates', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-templates-'))
  const paths = { html: join(dir, 't.html'), plain: join(dir, 't.plain'), json: join(dir, 't.json'), xml: join(dir, 't.xml') }
  writeFileSync(paths.html, '<html><body><p>%s</p><p>id %s</p><p>100%%</p></body></html>\n')
  writeFileSync(paths.plain, 'custom: %s\\n\nrequest_id: %s\n')
  writeFileSync(paths.json, '{\n  "custom_template_message":"%s",\n  "request_id":"%s"\n}')
  writeFileSync(paths.xml, '<?xml version="1.0"?>\n<oops><m>%s</m><id>%s</id></oops>\n')
  const gw = await setup(t, { errorTemplates: paths })

  t.test('text/html', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:274
    const r = await get(gw, { accept: 'text/html' })
    t.equal(r.headers['content-type'], 'text/html; charset=utf-8')
    t.equal(r.body, `<html><body><p>${MESSAGE}</p><p>id ${String(r.headers['x-kong-request-id'])}</p><p>100%</p></body></html>\n`)
  })

  t.test('text/plain', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:290
    const r = await get(gw, { accept: 'text/plain' })
    t.equal(r.body, `custom: ${MESSAGE}\\n\nrequest_id: ${String(r.headers['x-kong-request-id'])}\n`)
  })

  t.test('application/json', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:306
    const r = await get(gw, { accept: 'application/json' })
    t.equal(r.json().custom_template_message, MESSAGE)
    t.equal(r.json().request_id, r.headers['x-kong-request-id'])
  })

  t.test('application/xml', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:320
    const r = await get(gw, { accept: 'application/xml' })
    t.equal(r.body, `<?xml version="1.0"?>\n<oops><m>${MESSAGE}</m><id>${String(r.headers['x-kong-request-id'])}</id></oops>\n`)
  })

  t.test('with q-values: defaults to 1 when q-value is not specified', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:337
    const r = await get(gw, { accept: 'application/json;q=0.9,text/html,text/plain;q=0.9' })
    t.match(r.body, /^<html><body><p>The upstream server is timing out<\/p>/)
  })

  t.test('with q-values: picks highest q-value (json)', async (t) => {
    // spec/02-integration/05-proxy/12-error_default_type_spec.lua:353
    const r = await get(gw, { accept: 'text/plain;q=0.7,application/json;q=0.8,text/html;q=0.5' })
    t.equal(r.json().custom_template_message, MESSAGE)
  })

  t.test("the gateway's other answers use the templates too (kong.response.error: 404)", async (t) => {
    // kong/tools/http.lua get_error_template serves kong.response.error as well
    const r = await fetchRaw(`${gw.url}/`, { method: 'PUT', headers: { accept: 'text/plain' } })
    t.equal(r.status, 404)
    t.equal(r.body, `custom: no Route matched with those values\\n\nrequest_id: ${String(r.headers['x-kong-request-id'])}\n`)
  })
})

t.test('a wrong error_default_type or an unusable template stops the start, naming the setting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-templates-'))
  const config = join(dir, 'kong.yml')
  writeFileSync(config, '_format_version: "3.0"\n')
  const bad = join(dir, 'bad.html')
  writeFileSync(bad, 'status %d: %s')
  const base = { config, listen: ['127.0.0.1:0'], adminListen: 'off', env: {}, watch: false }
  await t.rejects(
    startGateway({ ...base, errorDefaultType: 'text/csv' }),
    /error_default_type must be one of application\/json, application\/xml, text\/html, text\/plain, not 'text\/csv'/,
  )
  await t.rejects(startGateway({ ...base, errorTemplates: { html: join(dir, 'missing.html') } }), /error_template_html: cannot read .*missing\.html: ENOENT/)
  await t.rejects(startGateway({ ...base, errorTemplates: { html: bad } }), /error_template_html: .*'%d' is not a directive/)
})

// Error responses (reference §2.8): Kong's templates negotiated on Accept, the
// nginx-level 502/504 defaults, upstream errors passed through untouched.
import t from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { rawRequest } from '../helpers/raw.js'
import { startUpstream } from '../helpers/upstream.js'

const NO_ROUTE = 'no Route matched with those values'
const BAD_GATEWAY = 'An invalid response was received from the upstream server'
const TIMING_OUT = 'The upstream server is timing out'

const json = (message: string, id: unknown) => `{\n  "message":"${message}",\n  "request_id":"${String(id)}"\n}`
const text = (message: string, id: unknown) => `${message}\nrequest_id: ${String(id)}\n`
const xml = (message: string, id: unknown) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${message}</message>\n  <requestid>${String(id)}</requestid>\n</error>\n`
const html = (message: string, id: unknown) =>
  `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${message}.</p>\n    <p>request_id: ${String(id)}</p>\n  </body>\n</html>\n`

const JSON_TYPE = 'application/json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'
const XML_TYPE = 'application/xml; charset=utf-8'
const HTML_TYPE = 'text/html; charset=utf-8'

t.test('404: the body shape follows Accept (exact templates, request_id = X-Kong-Request-Id)', async (t) => {
  const gw = await gateway(`_format_version: "3.0"
routes:
  - name: only
    paths: [/only]
`)
  t.teardown(() => gw.close())
  const cases: [string | undefined, string, (m: string, id: unknown) => string][] = [
    [undefined, JSON_TYPE, json],
    ['application/json', JSON_TYPE, json],
    ['*/*', JSON_TYPE, json],
    ['application/*', JSON_TYPE, json],
    ['text/plain', TEXT_TYPE, text],
    ['text/*', TEXT_TYPE, text],
    ['text/html', HTML_TYPE, html],
    ['application/xml', XML_TYPE, xml],
  ]
  for (const [accept, type, render] of cases) {
    const r = await fetchRaw(`${gw.url}/elsewhere`, accept === undefined ? {} : { headers: { accept } })
    t.equal(r.status, 404, `Accept: ${accept}`)
    t.equal(r.headers['content-type'], type, `Accept: ${accept}`)
    t.match(r.headers['x-kong-request-id'], /^[0-9a-f]{32}$/)
    t.equal(r.body, render(NO_ROUTE, r.headers['x-kong-request-id']), `Accept: ${accept}`)
    t.equal(r.headers.server, 'kong/3.10.0')
    t.ok(r.headers['x-kong-response-latency'] !== undefined)
  }
})

t.test('404: the highest q wins; the first listed wins a tie; q=0 is never chosen', async (t) => {
  const gw = await gateway(`_format_version: "3.0"
routes:
  - name: only
    paths: [/only]
`)
  t.teardown(() => gw.close())
  const cases: [string, string][] = [
    ['text/html;q=0.2, application/xml;q=0.8', XML_TYPE],
    ['application/json;q=0.1, text/plain', TEXT_TYPE],
    ['text/html, application/json', HTML_TYPE],
    ['text/plain; charset=utf-8; q=0.5, text/html; q=0.9', HTML_TYPE],
    ['text/html;q=0', JSON_TYPE],
  ]
  for (const [accept, type] of cases) {
    const r = await fetchRaw(`${gw.url}/elsewhere`, { headers: { accept } })
    t.equal(r.headers['content-type'], type, `Accept: ${accept}`)
  }
})

t.test('502 for a refused connection: text/plain by default, JSON when Accept or the request Content-Type asks', async (t) => {
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: dead
    url: http://127.0.0.1:1
    retries: 0
    routes: [{ name: dead, paths: [/dead] }]
`)
  t.teardown(() => gw.close())
  const plain = await fetchRaw(`${gw.url}/dead`)
  t.equal(plain.status, 502)
  t.equal(plain.headers['content-type'], TEXT_TYPE)
  t.equal(plain.body, text(BAD_GATEWAY, plain.headers['x-kong-request-id']))
  t.equal(plain.headers.server, 'kong/3.10.0')
  const asked = await fetchRaw(`${gw.url}/dead`, { headers: { accept: 'application/json' } })
  t.equal(asked.status, 502)
  t.equal(asked.headers['content-type'], JSON_TYPE)
  t.equal(asked.body, json(BAD_GATEWAY, asked.headers['x-kong-request-id']))
  const byContentType = await fetchRaw(`${gw.url}/dead`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  t.equal(byContentType.status, 502)
  t.equal(byContentType.headers['content-type'], JSON_TYPE, 'no Accept: the request Content-Type decides')
  const html502 = await fetchRaw(`${gw.url}/dead`, { headers: { accept: 'text/html' } })
  t.equal(html502.body, html(BAD_GATEWAY, html502.headers['x-kong-request-id']))
})

t.test('504 when the upstream does not answer within read_timeout', async (t) => {
  const slow = await startUpstream('slow', (_req, res) => {
    const timer = setTimeout(() => res.end('late'), 3000)
    res.on('close', () => clearTimeout(timer))
  })
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: slow
    url: ${slow.url}
    read_timeout: 150
    retries: 0
    routes: [{ name: slow, paths: [/slow] }]
`)
  t.teardown(async () => {
    await gw.close()
    await slow.close()
  })
  const started = Date.now()
  const r = await fetchRaw(`${gw.url}/slow`)
  t.equal(r.status, 504)
  t.equal(r.headers['content-type'], TEXT_TYPE)
  t.equal(r.body, text(TIMING_OUT, r.headers['x-kong-request-id']))
  const elapsed = Date.now() - started
  t.ok(elapsed < 600, `answered at read_timeout (150 ms), not rounded up to a second nor when the upstream answers: took ${elapsed} ms`)
  const asJson = await fetchRaw(`${gw.url}/slow`, { headers: { accept: 'application/json' } })
  t.equal(asJson.status, 504)
  t.equal(asJson.body, json(TIMING_OUT, asJson.headers['x-kong-request-id']))
})

t.test("an upstream's own 502 and 503 pass through untouched", async (t) => {
  const up = await startUpstream('failing', (req, res) => {
    if (req.url === '/bad') {
      res.writeHead(502, { 'content-type': 'text/plain', 'x-upstream-error': 'db down' })
      res.end('upstream says: bad gateway')
    } else {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' })
      res.end('{"down":true}')
    }
  })
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: failing
    url: ${up.url}
    routes: [{ name: failing, paths: [/], strip_path: false }]
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const bad = await fetchRaw(`${gw.url}/bad`, { headers: { accept: 'application/json' } })
  t.equal(bad.status, 502)
  t.equal(bad.headers['content-type'], 'text/plain')
  t.equal(bad.headers['x-upstream-error'], 'db down')
  t.equal(bad.body, 'upstream says: bad gateway')
  t.ok(bad.headers['x-kong-upstream-latency'] !== undefined, 'a proxied response')
  const down = await fetchRaw(`${gw.url}/unavailable`)
  t.equal(down.status, 503)
  t.equal(down.headers['content-type'], 'application/json')
  t.equal(down.headers['retry-after'], '30')
  t.equal(down.body, '{"down":true}')
  t.equal(up.requests.length, 2, 'an upstream status is not retried')
})

t.test('HEAD: gateway errors carry status and headers but no body', async (t) => {
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: dead
    url: http://127.0.0.1:1
    retries: 0
    routes: [{ name: dead, paths: [/dead] }]
`)
  t.teardown(() => gw.close())
  const notFound = await fetchRaw(`${gw.url}/elsewhere`, { method: 'HEAD' })
  t.equal(notFound.status, 404)
  t.equal(notFound.headers['content-type'], JSON_TYPE)
  t.equal(notFound.body, '')
  const dead = await fetchRaw(`${gw.url}/dead`, { method: 'HEAD' })
  t.equal(dead.status, 502)
  t.equal(dead.body, '')
})

t.test('invalid percent-encoding in the path: 400 Bad request (nginx-level, text/plain by default)', async (t) => {
  const up = await startUpstream()
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: echo
    url: ${up.url}
    routes: [{ name: all, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  for (const path of ['/api/%zz', '/api/%4', '/%']) {
    const r = await rawRequest(`${gw.url}${path}`)
    t.equal(r.status, 400, path)
    t.equal(r.headers['content-type'], TEXT_TYPE, path)
    t.equal(r.body, text('Bad request', r.headers['x-kong-request-id']), path)
  }
  t.equal(up.requests.length, 0, 'nothing reached the upstream')
})

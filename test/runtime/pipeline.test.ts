// Proxying through the real gateway to a real upstream on loopback.
import t from 'tap'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

t.test('forwards method, path, query and body; answers with the upstream response and gateway headers', async (t) => {
  const up = await startUpstream()
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: echo
    url: ${up.url}/base
    routes:
      - name: echo
        paths: [/api]
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const r = await fetchRaw(`${gw.url}/api/items?x=1&y=%20z`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } })
  t.equal(r.status, 200)
  const echo = r.json<{ method: string; url: string; body: string; headers: Record<string, string> }>()
  t.equal(echo.method, 'POST')
  t.equal(echo.url, '/base/items?x=1&y=%20z', 'strip_path joins the service path, query verbatim')
  t.equal(echo.body, 'hello')
  t.equal(echo.headers.host, `127.0.0.1:${up.port}`)
  t.equal(echo.headers['x-forwarded-for'], '127.0.0.1')
  t.equal(echo.headers['x-forwarded-proto'], 'http')
  t.equal(echo.headers['x-forwarded-prefix'], '/api')
  t.equal(echo.headers['x-forwarded-path'], '/api/items')
  t.equal(echo.headers['x-real-ip'], '127.0.0.1')
  t.match(echo.headers.via, /^1\.1 kong\/3\.10\.0$/)
  t.match(echo.headers['x-kong-request-id'], /^[0-9a-f]{32}$/)
  t.equal(r.headers['x-kong-request-id'], echo.headers['x-kong-request-id'])
  t.match(String(r.headers.via), /kong\/3\.10\.0/)
  t.ok(r.headers['x-kong-upstream-latency'] !== undefined)
  t.ok(r.headers['x-kong-proxy-latency'] !== undefined)
})

t.test('no route: 404 with Kong message, JSON by default and text on Accept', async (t) => {
  const gw = await gateway(`_format_version: "3.0"
routes:
  - name: only
    paths: [/only]
`)
  t.teardown(() => gw.close())
  const r = await fetchRaw(`${gw.url}/elsewhere`)
  t.equal(r.status, 404)
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  const body = r.json<{ message: string; request_id: string }>()
  t.equal(body.message, 'no Route matched with those values')
  t.equal(body.request_id, r.headers['x-kong-request-id'])
  const text = await fetchRaw(`${gw.url}/elsewhere`, { headers: { accept: 'text/plain' } })
  t.equal(text.body, `no Route matched with those values\nrequest_id: ${text.headers['x-kong-request-id']}\n`)
  const noService = await fetchRaw(`${gw.url}/only`)
  t.equal(noService.status, 503)
  t.equal(noService.json().message, 'no Service found with those values')
})

t.test('connection refused: 502 in text/plain; timeouts: 504', async (t) => {
  const slow = await startUpstream('slow', (_req, res) => setTimeout(() => res.end('late'), 2000))
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: dead
    url: http://127.0.0.1:1
    retries: 0
    routes: [{ name: dead, paths: [/dead] }]
  - name: slow
    url: ${slow.url}
    read_timeout: 200
    retries: 0
    routes: [{ name: slow, paths: [/slow] }]
`)
  t.teardown(async () => {
    await gw.close()
    await slow.close()
  })
  const dead = await fetchRaw(`${gw.url}/dead`)
  t.equal(dead.status, 502)
  t.equal(dead.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(dead.body, `An invalid response was received from the upstream server\nrequest_id: ${dead.headers['x-kong-request-id']}\n`)
  const timeout = await fetchRaw(`${gw.url}/slow`, { headers: { accept: 'application/json' } })
  t.equal(timeout.status, 504)
  t.equal(timeout.json().message, 'The upstream server is timing out')
})

t.test('request-termination answers without proxying', async (t) => {
  const gw = await gateway(`_format_version: "3.0"
routes:
  - name: hello
    paths: [/]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: hi }
`)
  t.teardown(() => gw.close())
  const r = await fetchRaw(`${gw.url}/anything`)
  t.equal(r.status, 200)
  t.equal(r.body, '{"message":"hi"}')
  t.ok(r.headers['x-kong-response-latency'] !== undefined)
})

t.test('Expect: 100-continue: the gateway sends 100 Continue itself and proxies the body (Expect is not forwarded)', async (t) => {
  const up = await startUpstream()
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: echo
    url: ${up.url}
    routes: [{ name: echo, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const { request } = await import('node:http')
  const u = new URL(gw.url)
  const result = await new Promise<{ status: number; continued: boolean; body: string }>((resolve, reject) => {
    let continued = false
    const req = request({ host: u.hostname, port: u.port, path: '/x', method: 'POST', headers: { expect: '100-continue', 'content-length': '5' } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, continued, body }))
    })
    // The body goes only once the gateway said to continue.
    req.on('continue', () => {
      continued = true
      req.end('hello')
    })
    req.on('error', reject)
  })
  t.equal(result.status, 200)
  t.ok(result.continued)
  const echo = JSON.parse(result.body) as { body: string; headers: Record<string, string> }
  t.equal(echo.body, 'hello')
  t.equal(echo.headers.expect, undefined)
})

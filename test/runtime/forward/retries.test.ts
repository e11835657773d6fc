// Service `retries` (reference §2.9): nginx proxy_next_upstream default semantics,
// "error timeout" — a try that fails to connect or to get a response header is
// retried on a freshly picked peer; a non-idempotent request (POST, PATCH) is not
// retried once it has been sent to an upstream; HTTP statuses are never retried.
import t from 'tap'
import { balancedGateway, fetchRaw, gateway } from '../../helpers/gateway.js'
import { startUpstream } from '../../helpers/upstream.js'

// A target that refuses every connection (nothing listens on port 1).
const REFUSING = { port: 1, close: async () => {} }

t.test('GET whose target refuses the connection is retried on the next target', async (t) => {
  const alive = await startUpstream('alive')
  const gw = await balancedGateway(t, [REFUSING, alive], '', 'retries: 1')
  for (let i = 0; i < 10; i++) t.equal((await fetchRaw(`${gw.url}/get/${i}`)).status, 200, `request ${i}`)
  t.equal(alive.requests.length, 10, 'every request ended on the live target')
})

t.test('retries: 0 — a refused connection is answered 502, no second try', async (t) => {
  const alive = await startUpstream('alive')
  const gw = await balancedGateway(t, [REFUSING, alive], '', 'retries: 0')
  const statuses: number[] = []
  for (let i = 0; i < 10; i++) statuses.push((await fetchRaw(`${gw.url}/`)).status)
  t.equal(statuses.filter((s) => s === 502).length, 5, 'the dead target’s half of the rotation fails')
  t.equal(statuses.filter((s) => s === 200).length, 5)
  t.equal(alive.requests.length, 5)
})

t.test('a request already sent: GET is retried, POST with a body is not (no double submit)', async (t) => {
  // Reads the whole request, then drops the connection without answering.
  const dropper = await startUpstream('dropper', (req) => req.socket.destroy())
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: dropper
    url: ${dropper.url}
    retries: 2
    routes: [{ name: dropper, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await dropper.close()
  })
  const get = await fetchRaw(`${gw.url}/orders`)
  t.equal(get.status, 502)
  t.equal(dropper.requests.length, 3, 'GET: the first try plus 2 retries')
  dropper.requests.length = 0
  const post = await fetchRaw(`${gw.url}/orders`, { method: 'POST', body: '{"amount":100}', headers: { 'content-type': 'application/json' } })
  t.equal(post.status, 502)
  t.equal(dropper.requests.length, 1, 'POST: sent once, never resent')
  t.equal(dropper.requests[0]?.body, '{"amount":100}')
})

t.test('POST with a body whose connection was refused is retried (nothing was sent yet)', async (t) => {
  const alive = await startUpstream('alive')
  const gw = await balancedGateway(t, [REFUSING, alive], '', 'retries: 1')
  for (let i = 0; i < 4; i++) {
    const r = await fetchRaw(`${gw.url}/orders`, { method: 'POST', body: `{"n":${i}}`, headers: { 'content-type': 'application/json' } })
    t.equal(r.status, 200, `POST ${i}`)
  }
  t.same(
    alive.requests.map((r) => r.body),
    ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}'],
    'each body arrived once, intact',
  )
})

t.test('an upstream 5xx status is not retried', async (t) => {
  const failing = await startUpstream('failing', (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' })
    res.end('boom')
  })
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: failing
    url: ${failing.url}
    retries: 3
    routes: [{ name: failing, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await failing.close()
  })
  const r = await fetchRaw(`${gw.url}/`)
  t.equal(r.status, 500)
  t.equal(r.body, 'boom')
  t.equal(failing.requests.length, 1)
})

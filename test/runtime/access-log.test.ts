// startGateway's accessLog option with proxied requests that carry a body
// (issue 12, item 1): one entry per request, written once the exchange is over
// (when Node may already have let go of the request's socket), and the
// gateway keeps serving.
import t from 'tap'
import { rawRequest } from '../helpers/raw.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

t.test('POSTs with a body, kept alive or closed, each get an access log entry', async (t) => {
  const entries: Record<string, unknown>[] = []
  const { gw, up } = await pluginGateway(
    t,
    `_format_version: "3.0"\nservices:\n  - name: echo\n    url: $UPSTREAM\n    routes: [{ name: echo, paths: [/echo] }]\n`,
    undefined,
    { accessLog: (e) => entries.push(e) },
  )
  const sent = [
    await rawRequest(`${gw.url}/echo`, { method: 'POST', body: 'x' }),
    await rawRequest(`${gw.url}/echo`, { method: 'POST', body: 'y', headers: { connection: 'close' } }),
    await rawRequest(`${gw.url}/echo`, { method: 'PUT', body: 'z'.repeat(100_000) }),
  ]
  t.same(
    sent.map((r) => r.status),
    [200, 200, 200],
  )
  t.same(
    up.requests.map((r) => r.body.length),
    [1, 1, 100_000],
  )
  for (let i = 0; i < 100 && entries.length < 3; i++) await new Promise((r) => setTimeout(r, 10))
  t.same(
    entries.map((e) => [e.method, e.path, e.status, e.client_ip, e.route, e.service, e.request_id]),
    sent.map((r, i) => [i === 2 ? 'PUT' : 'POST', '/echo', 200, '127.0.0.1', 'echo', 'echo', r.headers['x-kong-request-id']]),
  )
  const after = await rawRequest(`${gw.url}/echo`)
  t.equal(after.status, 200, 'still serving')
})

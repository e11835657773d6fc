// What nginx refuses before Kong runs (issue 12, item 11): a duplicate Host,
// HTTP/1.1 without Host (400 in Kong's error template, with the Server header,
// connection closed) and TRACE (405 "Method not allowed"). No plugin runs and
// the upstream never sees them.
import t from 'tap'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { exchange, responses } from '../helpers/wire.js'

// A global rewrite plugin would add X-Rewrite to any answer it saw.
const YAML = `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes: [{ name: app, paths: [/] }]
plugins:
  - name: pre-function
    config:
      rewrite:
        - kong.response.set_header("X-Rewrite", "ran")
`
const SERVER = /^kong\/3\.10\.0$/

t.test('a duplicate Host is 400 Bad request, whatever the case of the names; the connection closes', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  for (const hosts of ['Host: a\r\nHost: b', 'Host: a\r\nhost: a', 'HOST: a\r\nX-Other: 1\r\nhost: evil.example']) {
    // A second request on the same connection must not be read: nginx closes after a 400.
    const raw = await exchange(gw.url, `GET / HTTP/1.1\r\n${hosts}\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n`)
    const rs = responses(raw)
    t.equal(rs.length, 1, hosts)
    const [r] = rs as [(typeof rs)[0]]
    t.equal(r.status, 400)
    t.match(r.body, /^Bad request\nrequest_id: [0-9a-f]{32}\n$/)
    t.match(r.headers.server?.[0], SERVER)
    t.same(r.headers.connection, ['close'])
    t.equal(r.headers['x-rewrite'], undefined, 'no plugin ran')
  }
  t.equal(up.requests.length, 0, 'the upstream saw none of them')
})

// spec/02-integration/05-proxy/02-router_spec.lua:353 (HTTP/1.0 without Host), :379 (HTTP/1.1 without Host)
t.test("HTTP/1.1 without Host is 400 with Kong's body and Server; HTTP/1.0 without Host is served", async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  const [r] = responses(await exchange(gw.url, 'GET / HTTP/1.1\r\nAccept: application/json\r\n\r\n'))
  t.equal(r!.status, 400)
  t.same(JSON.parse(r!.body), { message: 'Bad request', request_id: r!.headers['x-kong-request-id']![0] })
  t.match(r!.headers.server?.[0], SERVER)
  t.same(r!.headers.connection, ['close'])
  t.equal(up.requests.length, 0)
  const [old] = responses(await exchange(gw.url, 'GET / HTTP/1.0\r\n\r\n'))
  t.equal(old!.status, 200, 'HTTP/1.0 needs no Host')
  t.equal(up.requests.length, 1)
})

// spec/02-integration/05-proxy/13-error_handlers_spec.lua:42
t.test('TRACE is 405 Method not allowed, before any plugin; the connection stays open', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  const rs = responses(await exchange(gw.url, 'TRACE / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'))
  t.equal(rs.length, 2)
  const [trace, next] = rs as [(typeof rs)[0], (typeof rs)[0]]
  t.equal(trace.status, 405)
  t.match(trace.body, /^Method not allowed\nrequest_id: [0-9a-f]{32}\n$/)
  t.match(trace.headers.server?.[0], SERVER)
  t.equal(trace.headers['x-rewrite'], undefined, 'no plugin ran')
  t.equal(next.status, 200, 'the next request on the connection is served')
  t.same(
    up.requests.map((r) => r.method),
    ['GET'],
  )
})

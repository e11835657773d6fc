// Bytes Node's parser refuses on a proxy connection (issue 12, item 12): after
// a request that said `Connection: close` they are ignored and that request's
// answer arrives whole; anywhere else they get nginx's 400 in Kong's error
// template (not Fastify's JSON), after any answer still under way.
import t from 'tap'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { exchange, responses } from '../helpers/wire.js'

const YAML = `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes: [{ name: app, paths: [/] }]
`
const SERVER = /^kong\/3\.10\.0$/

t.test('bytes after a Connection: close request are ignored; its answer arrives whole', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  for (const after of ['GARBAGE\r\n\r\n', 'GET /second HTTP/1.1\r\nHost: a\r\n\r\n', '\x00\x01\x02 not http at all']) {
    const before = up.requests.length
    const rs = responses(await exchange(gw.url, `GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n${after}`))
    t.equal(rs.length, 1, JSON.stringify(after))
    t.equal(rs[0]!.status, 200)
    t.equal((JSON.parse(rs[0]!.body) as { url: string }).url, '/first')
    t.same(
      up.requests.slice(before).map((r) => r.url),
      ['/first'],
      'only the first request reached the upstream',
    )
  }
})

t.test("garbage after a kept-alive request: its answer first, then nginx's 400 in Kong's template", async (t) => {
  const { gw } = await pluginGateway(t, YAML)
  const rs = responses(await exchange(gw.url, 'GET /first HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\n'))
  t.same(
    rs.map((r) => r.status),
    [200, 400],
  )
  t.equal((JSON.parse(rs[0]!.body) as { url: string }).url, '/first')
  const bad = rs[1]!
  t.match(bad.body, /^Bad request\nrequest_id: [0-9a-f]{32}\n$/)
  t.match(bad.headers.server?.[0], SERVER)
  t.same(bad.headers.connection, ['close'])
  t.same(bad.headers['content-type'], ['text/plain; charset=utf-8'])
})

t.test("garbage alone: nginx's 400 in Kong's template, not Fastify's JSON", async (t) => {
  const { gw } = await pluginGateway(t, YAML)
  const rs = responses(await exchange(gw.url, 'NOT HTTP\r\n\r\n'))
  t.equal(rs.length, 1)
  t.equal(rs[0]!.status, 400)
  t.match(rs[0]!.body, /^Bad request\nrequest_id: [0-9a-f]{32}\n$/)
  t.match(rs[0]!.headers.server?.[0], SERVER)
})

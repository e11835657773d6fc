// Security: a route protected by key-auth cannot be reached without a key through
// path tricks, and the consumer headers an upstream sees always come from the gateway.
import t from 'tap'
import { request } from 'undici'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { rawRequest } from '../helpers/raw.js'

const CONFIG = `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
services:
  - name: public
    url: $UPSTREAM/public
    routes: [{ name: public, paths: [/public] }]
  - name: admin
    url: $UPSTREAM/admin
    routes:
      - name: admin
        paths: [/admin]
        plugins: [{ name: key-auth }]
`

// Each of these either matches /admin (and must be refused) or /public (and must
// not reach the upstream's /admin), or is refused as a bad request.
const TRICKS = [
  '/admin',
  '/admin/',
  '/admin/users',
  '//admin/users',
  '/./admin/users',
  '/public/../admin/users',
  '/public/%2e%2e/admin/users',
  '/public/%2E%2E/admin/users',
  '/public/.%2e/admin/users',
  '/%61dmin/users',
  '/%2561dmin/users',
  '/public/..%2Fadmin/users',
  '/public%2F..%2Fadmin/users',
  '/public/..;/admin/users',
  '/admin%00/users',
  '/admin%2Fusers',
  '/public/./../admin',
  '/x/../../admin',
]

t.test('no path trick reaches the protected upstream path without a key', async (t) => {
  const { gw, up } = await pluginGateway(t, CONFIG)
  for (const path of TRICKS) {
    const before = up.requests.length
    // Sent verbatim: nothing on the client side normalizes the path.
    const { status } = await rawRequest(`${gw.url}${path}`)
    const reached = up.requests.slice(before)
    for (const r of reached) {
      // What the upstream got, resolved as a server would resolve it.
      const resolved = new URL(decodeURIComponent(r.url.split('?')[0]!.replaceAll('%2F', '%252F')), 'http://x').pathname
      t.notOk(resolved.startsWith('/admin'), `${path} -> upstream ${r.url} (status ${status})`)
    }
    if (reached.length === 0) t.ok([400, 401, 404].includes(status), `${path} refused with ${status}`)
  }
})

t.test('the protected route works with a key, including through a normalized path', async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  const r = await send('/public/../admin/users', { headers: { apikey: 'alice-key' } })
  t.equal(r.status, 200)
  t.equal(r.reached!.url, '/admin/users')
})

t.test('spoofed consumer headers never reach the upstream, with or without auth on the route', async (t) => {
  const { gw, up } = await pluginGateway(t, CONFIG)
  const spoof = {
    'x-consumer-id': 'f00',
    'x-consumer-username': 'root',
    'x-consumer-custom-id': 'root',
    'x-credential-identifier': 'root',
    'x-anonymous-consumer': 'false',
    'x-consumer-groups': 'admins',
    'x-authenticated-groups': 'admins',
  }
  for (const [path, headers] of [
    ['/public/x', spoof],
    ['/admin/x', { ...spoof, apikey: 'alice-key' }],
  ] as const) {
    const r = await request(`${gw.url}${path}`, { headers })
    await r.body.text()
    t.equal(r.statusCode, 200)
    const seen = up.requests.at(-1)!.headers
    for (const [h, v] of Object.entries(spoof)) t.not(seen[h], v, `${path}: the client's ${h} is not forwarded`)
    for (const h of ['x-consumer-custom-id', 'x-consumer-groups', 'x-authenticated-groups', 'x-anonymous-consumer']) {
      t.equal(seen[h], undefined, `${path}: ${h} absent (alice has no custom_id or groups)`)
    }
    if (path === '/public/x') t.equal(seen['x-consumer-id'], undefined, 'no auth on /public: no consumer headers at all')
  }
  t.equal(up.requests.at(-1)!.headers['x-consumer-username'], 'alice')
})

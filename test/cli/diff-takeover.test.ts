// `gateway diff` names the routes whose requests another route takes after the change: a new
// route that shadows an old one, a removed route whose traffic falls to a broader one or to a
// 404. The old file's routes are probed with requests built from their own rules, matched by
// each file's compiled router (the proxy's). Priorities as Kong ranks them:
// spec/01-unit/08-router_spec.lua (attribute count, regex above prefix, longer prefix first).
import t from 'tap'
import { gatewayCli, tempFiles } from '../helpers/gateway-cli.js'

const { file, cleanup } = tempFiles('gw-diff-takeover-')
t.teardown(cleanup)

interface Impact {
  route: string
  change: string
  reasons: string[]
}

async function impacts(a: string, b: string): Promise<Impact[]> {
  const r = await gatewayCli(['diff', '--format', 'json', file('old.yml', a), file('new.yml', b)])
  return (JSON.parse(r.out) as { routes: Impact[] }).routes
}

const head = `_format_version: "3.0"
services:
- name: api
  url: http://127.0.0.1:9/
  routes:
`

t.test('a new route with more attributes takes an existing route’s requests', async (t) => {
  const old = `${head}  - name: users
    paths: [/users]
`
  const pr = `${old}  - name: users-get
    methods: [GET]
    paths: [/users]
`
  t.same(await impacts(old, pr), [
    { route: 'users', change: 'changed', reasons: ['its requests like GET /users now go to route users-get'] },
    { route: 'users-get', change: 'added', reasons: ['new route', 'takes requests like GET /users from route users'] },
  ])
  // What the new file's router does with that request, as `gateway explain` (and so the proxy) sees it.
  const explained = await gatewayCli(['explain', '--format', 'json', file('new.yml', pr), 'GET', 'http://localhost/users'])
  t.match(JSON.parse(explained.out), { route: { name: 'users-get' } })
})

t.test('a regex path ranks above a prefix: a new regex route shadows a prefix route', async (t) => {
  // spec/01-unit/08-router_spec.lua: "[paths] regex has priority over prefix"
  const old = `${head}  - name: items
    paths: [/items]
`
  const pr = `${old}  - name: items-by-id
    paths: ['~/items']
`
  t.same(await impacts(old, pr), [
    { route: 'items', change: 'changed', reasons: ['its requests like GET /items now go to route items-by-id'] },
    { route: 'items-by-id', change: 'added', reasons: ['new route', 'takes requests like GET /items from route items'] },
  ])
})

t.test('a removed route’s requests fall to a broader prefix, or to 404', async (t) => {
  const old = `${head}  - name: v2
    paths: [/api/v2]
  - name: api
    paths: [/api]
  - name: legacy
    hosts: [legacy.example.test]
`
  const pr = `${head}  - name: api
    paths: [/api]
`
  t.same(await impacts(old, pr), [
    { route: 'api', change: 'changed', reasons: ['takes requests like GET /api/v2 from route v2'] },
    { route: 'v2', change: 'removed', reasons: ['route removed', 'GET /api/v2 now goes to route api'] },
    { route: 'legacy', change: 'removed', reasons: ['route removed', 'GET legacy.example.test/ now matches no route (404)'] },
  ])
})

t.test('an edited path leaves the old one to another route', async (t) => {
  const old = `${head}  - name: orders
    paths: [/orders]
  - name: root
    paths: [/]
`
  const pr = old.replace('paths: [/orders]', 'paths: [/v2/orders]')
  t.same(await impacts(old, pr), [
    { route: 'orders', change: 'changed', reasons: ['route paths changed', 'its requests like GET /orders now go to route root'] },
    { route: 'root', change: 'changed', reasons: ['takes requests like GET /orders from route orders'] },
  ])
})

t.test('no takeover is claimed where the new route does not match the old one’s requests', async (t) => {
  // A route for one header value or one host ranks higher but only takes requests that carry it.
  const old = `${head}  - name: users
    paths: [/users]
`
  const pr = `${old}  - name: users-v2
    paths: [/users]
    headers:
      x-version: ["2"]
  - name: users-admin
    hosts: [admin.example.test]
    paths: [/users]
`
  t.same(await impacts(old, pr), [
    { route: 'users-v2', change: 'added', reasons: ['new route'] },
    { route: 'users-admin', change: 'added', reasons: ['new route'] },
  ])
})

t.test('a route’s probes carry its hosts (wildcard filled in), headers and method', async (t) => {
  const old = `${head}  - name: tenant
    id: 00000000-0000-4000-8000-000000000001
    hosts: ['*.tenants.example.test']
    methods: [POST]
    headers:
      x-tenant: [acme]
    paths: [/orders]
`
  // The same attributes and prefix length: an exact tie, which goes to the higher id.
  const pr = `${old}  - name: tenant-all
    id: ffffffff-0000-4000-8000-000000000001
    hosts: ['*.tenants.example.test']
    methods: [POST, PUT]
    headers:
      x-tenant: [acme, other]
    paths: [/orders]
`
  t.same(await impacts(old, pr), [
    {
      route: 'tenant',
      change: 'changed',
      reasons: ['its requests like POST probe.tenants.example.test/orders (with x-tenant: acme) now go to route tenant-all'],
    },
    {
      route: 'tenant-all',
      change: 'added',
      reasons: ['new route', 'takes requests like POST probe.tenants.example.test/orders (with x-tenant: acme) from route tenant'],
    },
  ])
})

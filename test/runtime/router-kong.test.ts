// Kong's router spec (spec/02-integration/05-proxy/02-router_spec.lua, traditional_compatible
// flavour) through a real gateway, a real echo upstream and real clients: which route answers
// (told apart by the path each route's service sends upstream), the upstream path and Host, and
// the gateway's own answers. Left out: the spec's gRPC cases (no HTTP/2 listener), tls_passthrough
// (a stream listener), the expressions-flavour cases (:2675-), the traditional-only ones
// (it_trad_only: created_at ordering, Host:80 kept), and the Kong-Debug route headers
// (allow_debug_header, which the gateway does not have; :2603 checks they stay off by default).
import { request as httpsRequest } from 'node:https'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw } from '../helpers/gateway.js'
import { pluginGateway, type PluginGateway } from '../helpers/plugin-gateway.js'
import { rawRequest } from '../helpers/raw.js'

interface RouteSpec {
  /** The service's path, which tells routes apart upstream; null: a service-less route. */
  service: string | null
  route: Record<string, unknown>
  enabled?: boolean
}

/** One service per route (named after it), all at the echo upstream. */
function config(routes: Record<string, RouteSpec>): string {
  const services = Object.entries(routes)
    .filter(([, r]) => r.service !== null)
    .map(([name, r]) => ({
      name,
      url: `$UPSTREAM${r.service}`,
      ...(r.enabled === false ? { enabled: false } : {}),
      routes: [{ name, protocols: ['http'], ...r.route }],
    }))
  const serviceless = Object.entries(routes)
    .filter(([, r]) => r.service === null)
    .map(([name, r]) => ({ name, ...r.route }))
  return stringify({ _format_version: '3.0', services, ...(serviceless.length ? { routes: serviceless } : {}) }, { lineWidth: 0 })
}

async function start(t: Test, routes: Record<string, RouteSpec>, opts: { tls?: boolean } = {}): Promise<PluginGateway> {
  return pluginGateway(t, config(routes), undefined, opts.tls ? { tlsListen: ['127.0.0.1:0'] } : {})
}

/** The path (and query) the upstream last received. */
const upstreamUrl = (g: PluginGateway) => g.up.requests.at(-1)?.url

/** A request with its path sent exactly as written (no dot-segment resolution by the client). */
async function send(g: PluginGateway, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const before = g.up.requests.length
  const r = await rawRequest(`${g.gw.url}${path}`, { method, headers })
  return { ...r, url: g.up.requests.length > before ? upstreamUrl(g) : undefined, echo: g.up.requests.length > before ? g.up.requests.at(-1) : undefined }
}

/** GET over TLS with this SNI (and Host), the certificate unchecked. */
function getTls(address: string, servername: string, path: string): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host, port: Number(port), servername, path, headers: { host: servername }, rejectUnauthorized: false, agent: false }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

// spec/02-integration/05-proxy/02-router_spec.lua:186
t.test('404 when no route matches, in Kong’s words and with its Server header', async (t) => {
  const g = await start(t, { only: { service: '/', route: { hosts: ['example.test'] } } })
  const r = await send(g, '/', { host: 'inexistent.com' })
  t.equal(r.status, 404)
  t.match(r.headers.server, /^kong\//)
  t.equal(JSON.parse(r.body).message, 'no Route matched with those values')
})

t.test('use-cases (02-router_spec.lua:201)', async (t) => {
  const g = await start(
    t,
    {
      'get-only': { service: '/get-only', route: { methods: ['GET'], strip_path: false } },
      'post-put': { service: '/post-put', route: { methods: ['POST', 'PUT'], paths: ['/post', '/put'], strip_path: false } },
      'mock-upstream': { service: '/status', route: { paths: ['/mock_upstream'], strip_path: true } },
      private: { service: '/basic-auth/', route: { paths: ['/private'], strip_path: false } },
      'users-regex': { service: '/anything', route: { paths: [String.raw`~/users/\d+/profile`], strip_path: true } },
      serviceless: { service: null, route: { protocols: ['http', 'https'], hosts: ['serviceless-route-http.test'] } },
      'disabled-1': { service: '/disabled-service-path/', enabled: false, route: { paths: ['/disabled-service1'], strip_path: false } },
      'enabled-service': { service: '/anything/', route: { paths: [String.raw`~/enabled-service/\w+`], strip_path: true } },
      'disabled-2': { service: '/some-path/', enabled: false, route: { paths: ['/enabled-service/disabled'], strip_path: true } },
    },
    { tls: true },
  )

  // :283 a route without a service: 503, over http and https
  const plain = await send(g, '/', { host: 'serviceless-route-http.test' })
  t.equal(plain.status, 503)
  t.equal(JSON.parse(plain.body).message, 'no Service found with those values')
  const secure = await getTls(g.gw.tls[0]!, 'serviceless-route-http.test', '/')
  t.equal(secure.status, 503)
  t.equal(JSON.parse(secure.body).message, 'no Service found with those values')

  // :310 a route restricted to its methods
  t.equal((await send(g, '/post', {}, 'POST')).url, '/post-put/post')
  const del = await send(g, '/post', {}, 'DELETE')
  t.equal(del.status, 404)
  t.equal(del.url, undefined)

  // :338 a methods-only route when nothing else matches
  t.equal((await send(g, '/get')).url, '/get-only/get')

  // :406 strip_path with a service path
  t.equal((await send(g, '/mock_upstream/201')).url, '/status/201')

  // :421 a service path ending in / with strip_path off
  t.equal((await send(g, '/private/passwd')).url, '/basic-auth/private/passwd')

  // :435 a regex path (what it does not match falls to the methods-only route, whose upstream
  // answers the spec's 404)
  t.equal((await send(g, '/users/foo/profile')).url, '/get-only/users/foo/profile')
  t.equal((await send(g, '/users/123/profile')).url, '/anything')

  // :458 a disabled service's route is not routed to (the methods-only route is)
  t.equal((await send(g, '/disabled-service1')).url, '/get-only/disabled-service1')

  // :468 a longer prefix of a disabled service leaves the regex route of an enabled one
  t.equal((await send(g, '/enabled-service/disabled')).url, '/anything')
})

// spec/02-integration/05-proxy/02-router_spec.lua:800, :856
t.test('URI regexes: regex_priority decides between regexes', async (t) => {
  const g = await start(t, {
    regex_1: { service: '/regex_1', route: { paths: ['~/status/(?P<foo>re)'], regex_priority: 0 } },
    regex_2: { service: '/regex_2', route: { paths: ['~/status/(re)'], regex_priority: 4 } },
  })
  t.equal((await send(g, '/status/re')).url, '/regex_2')
})

t.test('URI normalization (02-router_spec.lua:940)', async (t) => {
  const g = await start(t, {
    'foo-bar': { service: '/foo-bar', route: { paths: ['/foo/bar'], strip_path: true } },
    hello: { service: '/', route: { paths: ['/hello'], strip_path: true } },
    world: { service: '/', route: { paths: ['/anything/world'], strip_path: false } },
  })
  // :964, :980, :996 routed on the normalized path; X-Forwarded-Path keeps the path as sent
  for (const path of ['/foo/a/../bar', '/foo//bar', '/foo/./bar']) {
    const r = await send(g, path)
    t.equal(r.url, '/foo-bar', `${path} reaches the route of /foo/bar`)
    t.equal(r.echo?.headers['x-forwarded-path'], path)
  }
  // :1012 an escaped unreserved character
  const escaped = await send(g, '/h%65llo')
  t.equal(escaped.url, '/')
  t.equal(escaped.echo?.headers['x-forwarded-path'], '/h%65llo')
  // :1028 the normalized path goes upstream, strip_path on
  t.equal((await send(g, '/h%65llo/anything/a/../b')).url, '/anything/b')
  // :1044 strip_path off
  t.equal((await send(g, '/anything/./a/../wor%6cd/a/../b')).url, '/anything/world/b')
  // :1060 what must be escaped is escaped again
  t.equal((await send(g, '/anything/world/cat%20and%20dog')).url, '/anything/world/cat%20and%20dog')
})

// spec/02-integration/05-proxy/02-router_spec.lua:1094
t.test('strip_path strips whichever of the route’s paths matched', async (t) => {
  const g = await start(t, { xyz: { service: '/', route: { paths: ['/x/y/z', '/z/y/x'], strip_path: true } } })
  for (const path of ['/x/y/z/get', '/z/y/x/get', '/x/y/z/get', '/x/y/z/get']) t.equal((await send(g, path)).url, '/get', path)
})

t.test('preserve_host (02-router_spec.lua:1138)', async (t) => {
  const g = await start(t, {
    preserved: { service: '/request', route: { preserve_host: true, hosts: ['preserved.com', 'preserved.com:123'] } },
    discarded: { service: '/request', route: { preserve_host: false, hosts: ['discarded.com'] } },
    'path-preserved': { service: '/', route: { strip_path: false, preserve_host: true, paths: ['/request'] } },
  })
  const upstreamHost = `127.0.0.1:${g.up.port}`
  // :1171, :1184 off: the service's host and (non-default) port
  t.equal((await send(g, '/get', { host: 'discarded.com' })).echo?.headers.host, upstreamHost)
  // :1199 on: the client's Host
  t.equal((await send(g, '/', { host: 'preserved.com' })).echo?.headers.host, 'preserved.com')
  // :1223 with its port
  t.equal((await send(g, '/get', { host: 'preserved.com:123' })).echo?.headers.host, 'preserved.com:123')
  // :1235
  t.equal((await send(g, '/get', { host: 'preserved.com' })).echo?.headers.host, 'preserved.com')
})

// spec/02-integration/05-proxy/02-router_spec.lua:1269
t.test('a root / route is the catch-all, a longer prefix wins over it', async (t) => {
  const g = await start(t, {
    root: { service: '/root', route: { strip_path: true, paths: ['/'] } },
    foobar: { service: '/foobar-svc', route: { strip_path: true, paths: ['/foobar'] } },
  })
  t.equal((await send(g, '/get')).url, '/root/get')
  t.equal((await send(g, '/foobar/get')).url, '/foobar-svc/get')
})

t.test('[snis] for HTTPS connections (02-router_spec.lua:1296)', async (t) => {
  const https = (name: string, sni: string) => ({ service: `/${name}`, route: { protocols: ['https'], snis: [sni] } })
  const g = await start(
    t,
    {
      www: https('www', 'www.example.org'),
      apex: https('apex', 'example.org'),
      'wild-left': https('wild-left', '*.foo.test'),
      'wild-right': https('wild-right', 'bar.*'),
    },
    { tls: true },
  )
  const tls = g.gw.tls[0]!
  const via = async (sni: string) => {
    const r = await getTls(tls, sni, '/status/200')
    t.equal(r.status, 200, `${sni} answered`)
    return upstreamUrl(g)
  }
  // :1354
  t.equal(await via('www.example.org'), '/www/status/200')
  t.equal(await via('example.org'), '/apex/status/200')
  // :1399 a leftmost wildcard, any depth
  t.equal(await via('a.foo.test'), '/wild-left/status/200')
  t.equal(await via('a.b.foo.test'), '/wild-left/status/200')
  // :1416 a rightmost wildcard, any depth
  t.equal(await via('bar.x'), '/wild-right/status/200')
  t.equal(await via('bar.y.z'), '/wild-right/status/200')
})

t.test('[headers] (02-router_spec.lua:1610)', async (t) => {
  // :1617 values, :1664 names and values in any case
  const byValue = await start(t, {
    v12: { service: '/v12', route: { headers: { Version: ['v1', 'v2'] } } },
    v3: { service: '/v3', route: { headers: { version: ['V3'] } } },
  })
  t.equal((await send(byValue, '/', { host: 'domain.test', version: 'v1' })).url, '/v12')
  t.equal((await send(byValue, '/', { host: 'domain.test', Version: 'v3' })).url, '/v3')

  // :1715 more headers first
  const byCount = await start(t, {
    v12: { service: '/v12', route: { headers: { version: ['v1', 'v2'] } } },
    'v3-east': { service: '/v3-east', route: { headers: { version: ['v3'], location: ['us-east'] } } },
    v3: { service: '/v3', route: { headers: { version: ['v3'] } } },
  })
  t.equal((await send(byCount, '/', { host: 'domain.test', version: 'v3', location: 'us-east' })).url, '/v3-east')
  t.equal((await send(byCount, '/', { host: 'domain.test', version: 'v3' })).url, '/v3')

  // :1773 a cached match never answers for a request without the header
  const cached = await start(t, {
    first: { service: '/first', route: { hosts: ['example.test'], paths: ['/test'], headers: { headertest: ['itsatest'] } } },
    second: { service: '/second', route: { hosts: ['example.test'], paths: ['/test'] } },
  })
  t.equal((await send(cached, '/test', { host: 'example.test', headertest: 'itsatest' })).url, '/first')
  t.equal((await send(cached, '/test', { host: 'example.test' })).url, '/second')
  t.equal((await send(cached, '/test', { host: 'example.test', headertest: 'itsatest' })).url, '/first')
})

t.test('[paths] + [headers] (02-router_spec.lua:1844)', async (t) => {
  const g = await start(t, {
    root: { service: '/root-svc', route: { strip_path: true, headers: { version: ['v1', 'v2'] }, paths: ['/root'] } },
    fixture: { service: '/fixture-svc', route: { strip_path: true, headers: { version: ['v1', 'v2'] }, paths: ['/root/fixture'] } },
    'root-east': { service: '/root-east', route: { strip_path: true, headers: { version: ['v1', 'v2'], location: ['us-east'] }, paths: ['/root'] } },
  })
  // :1878 more headers beat a longer path
  t.equal((await send(g, '/root/fixture/get', { version: 'v2', location: 'us-east' })).url, '/root-east/fixture/get')
  // :1896 same number of headers: the longer path
  t.equal((await send(g, '/root/fixture/get', { version: 'v2' })).url, '/fixture-svc/get')
})

t.test('[paths] + [methods] + [hosts] (02-router_spec.lua:2048)', async (t) => {
  const route = (path: string, host: string) => ({ strip_path: true, methods: ['GET'], paths: [path], hosts: [host] })
  const g = await start(t, {
    r1: { service: '/status/201', route: { ...route('/root/fixture', 'ahost.test'), paths: ['/unrelated/longer/uri/that/should/not/match', '/root/fixture'] } },
    r2: { service: '/status/202', route: route('/root/fixture/get', 'ahost.test') },
    r3: { service: '/status/203', route: route('/root/fixture/get', 'anotherhost.test') },
    r4: { service: '/status/204', route: route('/root/fixture/get', 'onemorehost.test') },
  })
  // :2234 the host decides over a longer path
  t.equal((await send(g, '/root/fixture/get', { host: 'anotherhost.test' })).url, '/status/203')
  // :2251 no route for a path none of them starts
  t.equal((await send(g, '/', { host: 'ahost.test' })).status, 404)
})

// spec/02-integration/05-proxy/02-router_spec.lua:2438 (an explicit null regex_priority, as decK dumps write it)
t.test('routes with regex_priority: null load and route', async (t) => {
  const g = await start(t, {
    get: { service: '/get-svc', route: { methods: ['GET'], regex_priority: 1 } },
    post: { service: '/post-svc', route: { methods: ['POST', 'PUT'], regex_priority: null } },
  })
  t.equal((await fetchRaw(`${g.gw.url}/`)).status, 200)
  t.equal(upstreamUrl(g), '/get-svc')
})

// Kong's path-handling table (spec/fixtures/router_path_handling_tests.lua, its v0 rows: the
// traditional_compatible router always joins paths as v0), run by 02-router_spec.lua:2305 (plain
// paths) and :2371 (the same paths as regexes, `~/[0]?...`). Each row: fixture line, service
// path, route path (null: the route matches on its host only), strip_path (both: each of
// false and true), request path, upstream path.
type Strip = boolean | 'both'
const V0_ROWS: [line: number, service: string, route: string | null, strip: Strip, request: string, upstream: string][] = [
  [22, '/', '/', 'both', '/', '/'],
  [23, '/', '/', 'both', '/route', '/route'],
  [24, '/', '/', 'both', '/route/', '/route/'],
  [25, '/', '/', 'both', '/routereq', '/routereq'],
  [26, '/', '/', 'both', '/route/req', '/route/req'],
  [28, '/', '/route', false, '/route', '/route'],
  [29, '/', '/route', false, '/route/', '/route/'],
  [30, '/', '/route', false, '/routereq', '/routereq'],
  [31, '/', '/route', true, '/route', '/'],
  [32, '/', '/route', true, '/route/', '/'],
  [33, '/', '/route', true, '/routereq', '/req'],
  [35, '/', '/route/', false, '/route/', '/route/'],
  [36, '/', '/route/', false, '/route/req', '/route/req'],
  [37, '/', '/route/', true, '/route/', '/'],
  [38, '/', '/route/', true, '/route/req', '/req'],
  [40, '/srv', '/rou', false, '/roureq', '/srv/roureq'],
  [42, '/srv', '/rou', true, '/roureq', '/srv/req'],
  [45, '/srv/', '/rou', false, '/rou', '/srv/rou'],
  [46, '/srv/', '/rou', true, '/rou', '/srv'],
  [49, '/service', '/', 'both', '/', '/service'],
  [50, '/service', '/', 'both', '/route', '/service/route'],
  [52, '/service', '/', 'both', '/route/', '/service/route/'],
  [55, '/service', '/', 'both', '/routereq', '/service/routereq'],
  [57, '/service', '/', 'both', '/route/req', '/service/route/req'],
  [60, '/service', '/route', false, '/route', '/service/route'],
  [62, '/service', '/route', false, '/route/', '/service/route/'],
  [64, '/service', '/route', false, '/routereq', '/service/routereq'],
  [66, '/service', '/route', true, '/route', '/service'],
  [67, '/service', '/route', true, '/route/', '/service/'],
  [68, '/service', '/route', true, '/routereq', '/service/req'],
  [71, '/service', '/route/', false, '/route/', '/service/route/'],
  [73, '/service', '/route/', false, '/route/req', '/service/route/req'],
  [75, '/service', '/route/', true, '/route/', '/service/'],
  [77, '/service', '/route/', true, '/route/req', '/service/req'],
  [80, '/service/', '/', 'both', '/route/', '/service/route/'],
  [82, '/service/', '/', 'both', '/', '/service/'],
  [83, '/service/', '/', 'both', '/route', '/service/route'],
  [84, '/service/', '/', 'both', '/routereq', '/service/routereq'],
  [85, '/service/', '/', 'both', '/route/req', '/service/route/req'],
  [87, '/service/', '/route', false, '/route', '/service/route'],
  [88, '/service/', '/route', false, '/route/', '/service/route/'],
  [89, '/service/', '/route', false, '/routereq', '/service/routereq'],
  [90, '/service/', '/route', true, '/route', '/service'],
  [92, '/service/', '/route', true, '/route/', '/service/'],
  [93, '/service/', '/route', true, '/routereq', '/service/req'],
  [95, '/service/', '/route/', false, '/route/', '/service/route/'],
  [96, '/service/', '/route/', false, '/route/req', '/service/route/req'],
  [97, '/service/', '/route/', true, '/route/', '/service/'],
  [98, '/service/', '/route/', true, '/route/req', '/service/req'],
  [101, '/', null, 'both', '/', '/'],
  [102, '/', null, 'both', '/route', '/route'],
  [103, '/', null, 'both', '/route/', '/route/'],
  [105, '/service', null, 'both', '/', '/service'],
  [106, '/service', null, 'both', '/route', '/service/route'],
  [108, '/service', null, 'both', '/route/', '/service/route/'],
  [111, '/service/', null, 'both', '/', '/service/'],
  [112, '/service/', null, 'both', '/route', '/service/route'],
  [113, '/service/', null, 'both', '/route/', '/service/route/'],
  [115, '/service', '/route', true, '/route./req', '/service/req'],
  [117, '/service/', '/route', true, '/route./req', '/service/req'],
  [119, '/service', '/route', true, '/route%2E/req', '/service/req'],
  [121, '/service/', '/route', true, '/route%2E/req', '/service/req'],
  [122, '/service', '/route', true, '/route%2e/req', '/service/req'],
  [124, '/service/', '/route', true, '/route%2e/req', '/service/req'],
  [126, '/service', '/route', true, '/route../req', '/service/req'],
  [128, '/service/', '/route', true, '/route../req', '/service/req'],
  [130, '/service', '/route', true, '/route%2E%2E/req', '/service/req'],
  [132, '/service/', '/route', true, '/route%2E%2E/req', '/service/req'],
  [133, '/service', '/route', true, '/route%2e%2E/req', '/service/req'],
  [135, '/service/', '/route', true, '/route%2e%2E/req', '/service/req'],
  [137, '/service', '/route', false, '/route./req', '/service/route./req'],
  [139, '/service/', '/route', false, '/route./req', '/service/route./req'],
  [141, '/service', '/route', false, '/route%2E/req', '/service/route./req'],
  [143, '/service/', '/route', false, '/route%2E/req', '/service/route./req'],
  [144, '/service', '/route', false, '/route%2e/req', '/service/route./req'],
  [146, '/service/', '/route', false, '/route%2e/req', '/service/route./req'],
  [148, '/service', '/route', false, '/route../req', '/service/route../req'],
  [150, '/service/', '/route', false, '/route../req', '/service/route../req'],
  [152, '/service', '/route', false, '/route%2E%2E/req', '/service/route../req'],
  [154, '/service/', '/route', false, '/route%2E%2E/req', '/service/route../req'],
  [155, '/service', '/route', false, '/route%2e%2E/req', '/service/route../req'],
  [157, '/service/', '/route', false, '/route%2e%2E/req', '/service/route../req'],
]

for (const regex of [false, true]) {
  // spec/02-integration/05-proxy/02-router_spec.lua:2305 (plain), :2371 (regex: host-only rows skipped)
  t.test(`slash handling, ${regex ? 'regex' : 'plain'} paths: the v0 table`, async (t) => {
    const cases = V0_ROWS.flatMap(([line, service, route, strip, request, upstream]) =>
      (strip === 'both' ? [false, true] : [strip]).map((s) => ({ line, service, route, strip: s, request, upstream, host: `localbin-${line}-${s}.com` })),
    ).filter((c) => !regex || c.route !== null)
    const routes = Object.fromEntries(
      cases.map((c) => [
        c.host,
        {
          service: c.service,
          route: { strip_path: c.strip, hosts: [c.host], ...(c.route === null ? {} : { paths: [regex ? `~/[0]?${c.route.slice(1)}` : c.route] }) },
        },
      ]),
    )
    const g = await start(t, routes)
    for (const c of cases) {
      const r = await send(g, c.request, { host: c.host })
      t.equal(r.url, c.upstream, `fixture line ${c.line}: service ${c.service}, route ${c.route ?? '(host)'}, strip ${c.strip}, ${c.request} → ${c.upstream}`)
    }
  })
}

// Captures as a plugin reads them (kong.request.get_uri_captures), from the router unit spec
// (spec/01-unit/08-router_spec.lua), each regex on a host of its own.
t.test('uri_captures of a regex route, as Lua reads them', async (t) => {
  const lua = `local c = kong.request.get_uri_captures()
local function show(v) if v == nil then return "nil" end return "'" .. v .. "'" end
return kong.response.exit(200, { zero = show(c.unnamed[0]), one = show(c.unnamed[1]), two = show(c.unnamed[2]),
  n = #c.unnamed, user_id = show(c.named.user_id), scope = show(c.named.scope), subpath = show(c.named.subpath),
  fullname = show(c.named.fullname) })`
  const route = (host: string, path: string) => ({ name: host, hosts: [host], paths: [path], plugins: [{ name: 'pre-function', config: { access: [lua] } }] })
  const g = await pluginGateway(
    t,
    stringify({
      _format_version: '3.0',
      routes: [
        route('optional.test', '~/(users/)?1984/(?<subpath>profile)$'),
        route('users.test', String.raw`~/users/(?P<user_id>\d+)/profile/?(?P<scope>[a-z]*)`),
        route('fullname.test', String.raw`~/users/(?P<fullname>[a-zA-Z\s\d%]+)/profile/?(?P<scope>[a-z]*)`),
      ],
    }),
  )
  const caps = async (host: string, path: string) => JSON.parse((await send(g, path, { host })).body) as Record<string, unknown>
  // :3487 a group that took no part in the match is nil (fix #13014)
  t.match(await caps('optional.test', '/1984/profile'), { zero: "'/1984/profile'", one: 'nil', subpath: "'profile'" })
  // :3507 [0] is the whole match, [1] and [2] the groups (one matching nothing: ''), named too
  t.same(await caps('users.test', '/users/1984/profile'), {
    zero: "'/users/1984/profile'",
    one: "'1984'",
    two: "''",
    n: 2,
    user_id: "'1984'",
    scope: "''",
    subpath: 'nil',
    fullname: 'nil',
  })
  t.match(await caps('users.test', '/users/1984/profile/email'), { zero: "'/users/1984/profile/email'", one: "'1984'", two: "'email'", scope: "'email'" })
  // :3561 captures of the normalized path (fix #7913)
  t.match(await caps('fullname.test', '/users/%6aohn%20doe/profile'), { zero: "'/users/john doe/profile'", one: "'john doe'", fullname: "'john doe'" })
})

// spec/01-unit/08-router_spec.lua:3707, :3863 (an escaped reserved character in a route path)
t.test('a route path with an escaped / matches it, and strips it', async (t) => {
  const g = await start(t, {
    kept: { service: '/', route: { hosts: ['kept.test'], paths: ['/endel%2Fst'], strip_path: false } },
    stripped: { service: '/', route: { hosts: ['stripped.test'], paths: ['/endel%2Fst'], strip_path: true } },
  })
  t.equal((await send(g, '/endel%2Fst', { host: 'kept.test' })).url, '/endel%2Fst')
  t.equal((await send(g, '/endel%2Fst', { host: 'stripped.test' })).url, '/')
})

// spec/01-unit/08-router_spec.lua:3884, :3905
t.test('strip_path removes the whole regex match, with or without groups', async (t) => {
  const g = await start(t, {
    plain: { service: '/', route: { hosts: ['plain.test'], paths: [String.raw`~/users/\d+/profile`], strip_path: true } },
    group: { service: '/', route: { hosts: ['group.test'], paths: [String.raw`~/users/(\d+)/profile`], strip_path: true } },
  })
  t.equal((await send(g, '/users/123/profile/hello/world', { host: 'plain.test' })).url, '/hello/world')
  t.equal((await send(g, '/users/123/profile/hello/world', { host: 'group.test' })).url, '/hello/world')
})

// kong/router/transform.lua (a route header `x-y` is the field http.headers.x_y) and
// kong/router/fields.lua (read from ngx.req.get_headers(), whose lookups try `x_y`, then `x-y`):
// with underscores in headers kept (Kong's default), `_` and `-` name the same header.
t.test('route headers: `_` and `-` in a header name are the same, `_` as sent first', async (t) => {
  const g = await start(t, {
    version: { service: '/version', route: { headers: { 'X-Version': ['v1'] } } },
    tenant: { service: '/tenant', route: { headers: { x_tenant: ['a'] } } },
  })
  t.equal((await send(g, '/', { 'x-version': 'v1' })).url, '/version')
  t.equal((await send(g, '/', { x_version: 'v1' })).url, '/version', 'X_Version matches X-Version')
  t.equal((await send(g, '/', { x_version: 'v2', 'x-version': 'v1' })).status, 404, 'the `_` spelling is read first')
  t.equal((await send(g, '/', { 'x-tenant': 'a' })).url, '/tenant', 'x-tenant matches x_tenant')
})

// Which route Kong's traditional_compatible router picks (kong-reference.md §2.2, §2.3, §2.6, §2.7):
// each scenario is a kong.yml, each case a request and the route name a user would see matched
// (null = Kong's 404 "no Route matched with those values").
import t from 'tap'
import { describeReq, load, matchOf, oneService, raw, routeName, routerFor, type Req } from '../helpers/router.js'
import { compileRouter } from '../../src/compile/router.js'

interface Scenario {
  title: string
  config: string
  cases: [Req | string, string | null][]
}

const api = 'api.example.com'

// §2.3 tie-breaks, in order of significance.
const priority: Scenario[] = [
  {
    title: '§2.3.1 more attribute kinds beat a longer path (hosts+paths over paths)',
    config: oneService(`{name: host-short, hosts: [${api}], paths: [/a]}`, `{name: path-long, paths: [/a/b/c/d/e]}`),
    cases: [
      [{ host: api, path: '/a/b/c/d/e' }, 'host-short'],
      [{ host: 'other.example.com', path: '/a/b/c/d/e' }, 'path-long'],
    ],
  },
  {
    title: '§2.3.1 more attribute kinds beat a longer path (methods+paths over paths)',
    config: oneService(`{name: get-short, methods: [GET], paths: [/a]}`, `{name: path-long, paths: [/a/b/c/d/e]}`),
    cases: [
      [{ method: 'GET', path: '/a/b/c/d/e' }, 'get-short'],
      [{ method: 'POST', path: '/a/b/c/d/e' }, 'path-long'],
    ],
  },
  {
    title: '§2.3.1 more attribute kinds beat regex and regex_priority',
    config: oneService(raw`{name: regex-rp9, paths: ['~/api'], regex_priority: 9}`, `{name: get-prefix, methods: [GET], paths: [/api]}`),
    cases: [
      [{ method: 'GET', path: '/api/x' }, 'get-prefix'],
      [{ method: 'DELETE', path: '/api/x' }, 'regex-rp9'],
    ],
  },
  {
    title: '§2.3.2 plain hosts beat wildcard hosts of the same weight, whatever the path length',
    config: oneService(`{name: wild-long, hosts: ['*.example.com'], paths: [/api/v1/long]}`, `{name: plain-root, hosts: [${api}], paths: [/]}`),
    cases: [
      [{ host: api, path: '/api/v1/long' }, 'plain-root'],
      [{ host: 'www.example.com', path: '/api/v1/long' }, 'wild-long'],
    ],
  },
  {
    title: '§2.3.2 plain hosts beat a rightmost wildcard (example.*) too',
    config: oneService(`{name: wild-right, hosts: ['api.*'], paths: [/a/b/c]}`, `{name: plain-root, hosts: [${api}], paths: [/]}`),
    cases: [
      [{ host: api, path: '/a/b/c' }, 'plain-root'],
      [{ host: 'api.example.org', path: '/a/b/c' }, 'wild-right'],
    ],
  },
  {
    title: '§2.3.2 plain hosts beat host-less routes of the same weight',
    config: oneService(`{name: get-long, methods: [GET], paths: [/api/v1/long]}`, `{name: plain-root, hosts: [${api}], paths: [/]}`),
    cases: [
      [{ host: api, path: '/api/v1/long' }, 'plain-root'],
      [{ host: 'example.com', path: '/api/v1/long' }, 'get-long'],
    ],
  },
  {
    title: '§2.3.2 a hosts-only route beats a paths-only route (same weight, plain-host bit)',
    config: oneService(`{name: path-only, paths: [/very/long/path]}`, `{name: host-only, hosts: [${api}]}`),
    cases: [
      [{ host: api, path: '/very/long/path' }, 'host-only'],
      [{ host: 'example.com', path: '/very/long/path' }, 'path-only'],
    ],
  },
  {
    title: '§2.3.2 one wildcard in the hosts list makes the route not plain: prefix length decides',
    config: oneService(`{name: mixed-root, hosts: [${api}, '*.other.com'], paths: [/]}`, `{name: wild-api, hosts: ['*.example.com'], paths: [/api]}`),
    cases: [
      [{ host: api, path: '/api/x' }, 'wild-api'],
      [{ host: api, path: '/x' }, 'mixed-root'],
    ],
  },
  {
    title: '§2.3.3 more header names beat a longer path',
    config: oneService(`{name: two-headers, headers: {x-a: ['1'], x-b: ['1']}, paths: [/]}`, `{name: one-header, headers: {x-a: ['1']}, paths: [/long/path]}`),
    cases: [
      [{ path: '/long/path', headers: { 'x-a': '1', 'x-b': '1' } }, 'two-headers'],
      [{ path: '/long/path', headers: { 'x-a': '1' } }, 'one-header'],
    ],
  },
  {
    title: '§2.3.3 header count ranks below the plain-host bit',
    config: oneService(
      `{name: wild-two-headers, hosts: ['*.example.com'], headers: {x-a: ['1'], x-b: ['1']}, paths: [/]}`,
      `{name: plain-one-header, hosts: [${api}], headers: {x-a: ['1']}, paths: [/]}`,
    ),
    cases: [[{ host: api, path: '/', headers: { 'x-a': '1', 'x-b': '1' } }, 'plain-one-header']],
  },
  {
    title: '§2.3.3 header count ranks above regex paths',
    config: oneService(
      raw`{name: get-regex, methods: [GET], paths: ['~/api'], regex_priority: 50}`,
      `{name: header-prefix, headers: {x-a: ['1']}, paths: [/]}`,
    ),
    cases: [
      [{ path: '/api', headers: { 'x-a': '1' } }, 'header-prefix'],
      [{ path: '/api' }, 'get-regex'],
    ],
  },
  {
    title: '§2.3.4 regex paths beat (longer) prefix paths',
    config: oneService(`{name: prefix-long, paths: [/api/v1/users/list]}`, raw`{name: regex-short, paths: ['~/api']}`),
    cases: [
      [{ path: '/api/v1/users/list' }, 'regex-short'],
      [{ path: '/apix' }, 'regex-short'],
    ],
  },
  {
    title: '§2.3.4 among regex paths, higher regex_priority first',
    config: oneService(raw`{name: rx-low, paths: ['~/api/'], regex_priority: 1}`, raw`{name: rx-high, paths: ['~/api/v\d'], regex_priority: 5}`),
    cases: [
      [{ path: '/api/v1' }, 'rx-high'],
      [{ path: '/api/x' }, 'rx-low'],
    ],
  },
  {
    title: '§2.3.4 regex_priority is ignored for prefix paths (regex still wins)',
    config: oneService(`{name: prefix-rp100, paths: [/api], regex_priority: 100}`, raw`{name: regex-rp0, paths: ['~/api']}`),
    cases: [[{ path: '/api/x' }, 'regex-rp0']],
  },
  {
    title: '§2.3.5 regex_priority does not beat a longer prefix among prefix routes',
    config: oneService(`{name: short-rp100, paths: [/a], regex_priority: 100}`, `{name: long-rp0, paths: [/a/b]}`),
    cases: [
      [{ path: '/a/b' }, 'long-rp0'],
      [{ path: '/a/c' }, 'short-rp100'],
    ],
  },
  {
    title: '§2.3.5 longer prefix first, whatever the order in the file',
    config: oneService(`{name: v1, paths: [/api/v1]}`, `{name: users, paths: [/api/v1/users]}`, `{name: api, paths: [/api]}`),
    cases: [
      [{ path: '/api/v1/users/7' }, 'users'],
      [{ path: '/api/v1/x' }, 'v1'],
      [{ path: '/api/x' }, 'api'],
      [{ path: '/api/v1usersx' }, 'v1'],
    ],
  },
  {
    title: '§2.3 multi-path routes are split by prefix length ([/a, /abcd] = routes of length 2 and 5)',
    config: oneService(`{name: multi, paths: [/a, /abcd]}`, `{name: mid, paths: [/abc]}`),
    cases: [
      [{ path: '/abcd/x' }, 'multi'],
      [{ path: '/abce' }, 'mid'],
      [{ path: '/abc' }, 'mid'],
      [{ path: '/ab' }, 'multi'],
    ],
  },
  {
    title: '§2.3 a split route’s regex group ranks as regex even when a prefix path is listed first',
    config: oneService(raw`{name: mixed, paths: [/p, '~/r/\d+']}`, `{name: long-prefix, paths: [/r/1/long/prefix]}`),
    cases: [
      [{ path: '/r/1/long/prefix' }, 'mixed'],
      [{ path: '/p/x' }, 'mixed'],
      [{ path: '/r/x/long/prefix' }, null],
    ],
  },
  {
    title: '§2.3.6 exact ties: the higher route id wins (listed low id first)',
    config: oneService(
      `{name: tie-9f, id: 9fffffff-ffff-4fff-bfff-ffffffffffff, paths: [/same]}`,
      `{name: tie-a0, id: a0000000-0000-4000-8000-000000000000, paths: [/same]}`,
    ),
    cases: [[{ path: '/same/x' }, 'tie-a0']],
  },
  {
    title: '§2.3.6 exact ties: the higher route id wins (listed high id first)',
    config: oneService(
      `{name: tie-a0, id: a0000000-0000-4000-8000-000000000000, paths: [/same]}`,
      `{name: tie-9f, id: 9fffffff-ffff-4fff-bfff-ffffffffffff, paths: [/same]}`,
    ),
    cases: [[{ path: '/same/x' }, 'tie-a0']],
  },
  {
    title: '§2.3.6 exact regex ties (same regex_priority): the higher route id wins',
    config: oneService(
      raw`{name: rx-0002, id: 00000000-0000-4000-8000-000000000002, paths: ['~/same/\d+']}`,
      raw`{name: rx-0001, id: 00000000-0000-4000-8000-000000000001, paths: ['~/same/']}`,
    ),
    cases: [
      [{ path: '/same/1' }, 'rx-0002'],
      [{ path: '/same/x' }, 'rx-0001'],
    ],
  },
  {
    // Routes, in the docs' order: ~/status/\d+ (rp 0), ~/version/\d+/status/\d+ (rp 6), /version, ~/version/any/.
    title: '§2.3 worked example (docs)',
    config: oneService(
      raw`{name: status, paths: ['~/status/\d+'], regex_priority: 0}`,
      raw`{name: version-status, paths: ['~/version/\d+/status/\d+'], regex_priority: 6}`,
      `{name: version, paths: [/version]}`,
      raw`{name: version-any, paths: ['~/version/any/']}`,
    ),
    cases: [
      [{ path: '/version/1/status/2' }, 'version-status'],
      [{ path: '/status/5' }, 'status'],
      [{ path: '/version/any/thing' }, 'version-any'],
      [{ path: '/version/2' }, 'version'],
      [{ path: '/version/any' }, 'version'],
      [{ path: '/versions' }, 'version'],
      [{ path: '/status/x' }, null],
    ],
  },
]

// §2.2 per-attribute rules.
const attributes: Scenario[] = [
  {
    title: '§2.2 plain path is a string prefix, not segment-aware, case-sensitive',
    config: oneService(`{name: foo, paths: [/foo]}`),
    cases: [
      ['/foo', 'foo'],
      ['/foo/', 'foo'],
      ['/foobar', 'foo'],
      ['/foo/bar', 'foo'],
      ['/fo', null],
      ['/FOO', null],
      ['/bar/foo', null],
    ],
  },
  {
    title: '§2.2 a path ending in / does not match the path without it',
    config: oneService(`{name: foo-slash, paths: [/foo/]}`),
    cases: [
      ['/foo/', 'foo-slash'],
      ['/foo/x', 'foo-slash'],
      ['/foo', null],
    ],
  },
  {
    title: '§2.2 regex path: anchored at the start, not at the end',
    config: oneService(raw`{name: users, paths: ['~/users/\d+']}`),
    cases: [
      ['/users/42', 'users'],
      ['/users/42/posts', 'users'],
      ['/users/42x', 'users'],
      ['/api/users/42', null],
      ['/users/abc', null],
    ],
  },
  {
    title: '§2.2 regex path with an explicit $ is anchored at the end',
    config: oneService(raw`{name: exact, paths: ['~/exact$']}`),
    cases: [
      ['/exact', 'exact'],
      ['/exact/x', null],
    ],
  },
  {
    title: '§2.2 hosts: exact',
    config: oneService(`{name: exact-host, hosts: [example.com]}`),
    cases: [
      [{ host: 'example.com', path: '/' }, 'exact-host'],
      [{ host: 'example.com:1234', path: '/' }, 'exact-host'],
      [{ host: 'www.example.com', path: '/' }, null],
      [{ host: 'example.com.evil.net', path: '/' }, null],
      [{ host: '', path: '/' }, null],
    ],
  },
  {
    title: '§2.2 hosts: leftmost wildcard *.example.com is a suffix match on .example.com',
    config: oneService(`{name: wild-left, hosts: ['*.example.com']}`),
    cases: [
      [{ host: 'a.example.com', path: '/' }, 'wild-left'],
      [{ host: 'a.b.example.com', path: '/' }, 'wild-left'],
      [{ host: 'a.example.com:8443', path: '/' }, 'wild-left'],
      [{ host: 'example.com', path: '/' }, null],
      [{ host: 'badexample.com', path: '/' }, null],
    ],
  },
  {
    title: '§2.2 hosts: rightmost wildcard example.* is a prefix match on example.',
    config: oneService(`{name: wild-right, hosts: ['example.*']}`),
    cases: [
      [{ host: 'example.org', path: '/' }, 'wild-right'],
      [{ host: 'example.co.uk', path: '/' }, 'wild-right'],
      [{ host: 'www.example.org', path: '/' }, null],
      [{ host: 'examples.org', path: '/' }, null],
    ],
  },
  {
    title: '§2.2 hosts with :port also require that port (Host port, else the listener port)',
    config: oneService(`{name: with-port, hosts: ['example.com:8000']}`),
    cases: [
      [{ host: 'example.com:8000', path: '/' }, 'with-port'],
      [{ host: 'example.com', path: '/', port: 8000 }, 'with-port'],
      [{ host: 'example.com:9000', path: '/', port: 8000 }, null],
      [{ host: 'example.com', path: '/', port: 8443 }, null],
      [{ host: 'other.com:8000', path: '/' }, null],
      [{ host: 'example.com:8000', path: '/', port: 9000 }, 'with-port'],
    ],
  },
  {
    title: '§2.2 hosts: a wildcard host with :port requires both',
    config: oneService(`{name: wild-port, hosts: ['*.example.com:8443']}`),
    cases: [
      [{ host: 'a.example.com:8443', path: '/' }, 'wild-port'],
      [{ host: 'a.example.com', path: '/', port: 8443 }, 'wild-port'],
      [{ host: 'a.example.com:8000', path: '/' }, null],
      [{ host: 'example.com:8443', path: '/' }, null],
    ],
  },
  {
    title: '§2.2 hosts: any listed host may match (OR)',
    config: oneService(`{name: two-hosts, hosts: [a.example.com, b.example.com], paths: [/x]}`),
    cases: [
      [{ host: 'a.example.com', path: '/x' }, 'two-hosts'],
      [{ host: 'b.example.com', path: '/x' }, 'two-hosts'],
      [{ host: 'c.example.com', path: '/x' }, null],
      [{ host: 'a.example.com', path: '/y' }, null],
    ],
  },
  {
    title: '§2.2 methods: exact equality, any listed method',
    config: oneService(`{name: get-post, methods: [GET, POST], paths: [/m]}`),
    cases: [
      [{ method: 'GET', path: '/m' }, 'get-post'],
      [{ method: 'POST', path: '/m' }, 'get-post'],
      [{ method: 'PUT', path: '/m' }, null],
      [{ method: 'get', path: '/m' }, null],
    ],
  },
  {
    title: '§2.2 headers: values compared case-insensitively, any configured value, header names case-insensitive',
    config: oneService(`{name: versioned, headers: {X-Version: [V1, v2]}, paths: [/h]}`),
    cases: [
      [{ path: '/h', headers: { 'x-version': 'v1' } }, 'versioned'],
      [{ path: '/h', headers: { 'x-version': 'V1' } }, 'versioned'],
      [{ path: '/h', headers: { 'x-version': 'V2' } }, 'versioned'],
      [{ path: '/h', headers: { 'x-version': 'v3' } }, null],
      [{ path: '/h' }, null],
    ],
  },
  {
    title: '§2.2 headers: several header lines with the same name, any may match',
    config: oneService(`{name: versioned, headers: {x-version: [v1]}, paths: [/h]}`),
    cases: [
      [{ path: '/h', headers: { 'x-version': ['v3', 'V1'] } }, 'versioned'],
      [{ path: '/h', headers: { 'x-version': ['v3', 'v4'] } }, null],
    ],
  },
  {
    title: '§2.2 headers: every configured header name must match (AND)',
    config: oneService(`{name: both, headers: {x-a: ['1'], x-b: ['2']}}`),
    cases: [
      [{ path: '/', headers: { 'x-a': '1', 'x-b': '2' } }, 'both'],
      [{ path: '/', headers: { 'x-a': '1' } }, null],
      [{ path: '/', headers: { 'x-a': '1', 'x-b': '1' } }, null],
    ],
  },
  {
    title: '§2.2 headers: ~* values are case-insensitive regexes',
    config: oneService(raw`{name: beta, headers: {x-channel: ['~*^beta-\d+$']}}`),
    cases: [
      [{ path: '/', headers: { 'x-channel': 'beta-7' } }, 'beta'],
      [{ path: '/', headers: { 'x-channel': 'BETA-7' } }, 'beta'],
      [{ path: '/', headers: { 'x-channel': 'beta-x' } }, null],
      [{ path: '/', headers: { 'x-channel': 'beta-7-x' } }, null],
    ],
  },
  {
    title: '§2.2 headers: the ~* regex text itself is lower-cased (upper-case literals still match)',
    config: oneService(`{name: abc, headers: {x-code: ['~*^ABC$', exact]}}`),
    cases: [
      [{ path: '/', headers: { 'x-code': 'abc' } }, 'abc'],
      [{ path: '/', headers: { 'x-code': 'AbC' } }, 'abc'],
      [{ path: '/', headers: { 'x-code': 'EXACT' } }, 'abc'],
      [{ path: '/', headers: { 'x-code': 'abcd' } }, null],
    ],
  },
  {
    // Kong lower-cases the whole regex text, escapes included: ~*^\D+$ is run as ^\d+$.
    title: '§2.2 headers: the ~* regex text is lower-cased, escapes included',
    config: oneService(raw`{name: lowered, headers: {x-id: ['~*^\D+$']}}`),
    cases: [
      [{ path: '/', headers: { 'x-id': '123' } }, 'lowered'],
      [{ path: '/', headers: { 'x-id': 'abc' } }, null],
    ],
  },
  {
    title: '§2.2 snis: checked on https, wildcards like hosts',
    config: oneService(`{name: secure, snis: [secure.example.com], paths: [/s]}`, `{name: wild-sni, snis: ['*.example.org'], paths: [/w]}`),
    cases: [
      [{ path: '/s', sni: 'secure.example.com' }, 'secure'],
      [{ path: '/s', sni: 'other.example.com' }, null],
      [{ path: '/w', sni: 'a.example.org' }, 'wild-sni'],
      [{ path: '/w', sni: 'example.org' }, null],
    ],
  },
  {
    title: '§2.2 snis: ignored for plain-http requests',
    config: oneService(`{name: secure, snis: [secure.example.com], paths: [/s]}`),
    cases: [
      [{ path: '/s' }, 'secure'],
      [{ host: 'other.example.com', path: '/s' }, 'secure'],
    ],
  },
  {
    title: '§2.2+§2.3 snis still count in the weight on plain http (snis+/ beats a longer path alone)',
    config: oneService(`{name: sni-root, snis: [secure.example.com], paths: [/]}`, `{name: long, paths: [/long/path]}`),
    cases: [
      [{ path: '/long/path' }, 'sni-root'],
      [{ path: '/long/path', sni: 'other.example.com' }, 'long'],
    ],
  },
  {
    title: '§2.2+§2.6 protocols are not part of the match (https-only, http-only routes)',
    config: oneService(`{name: https-only, protocols: [https], paths: [/secure]}`, `{name: http-only, protocols: [http], paths: [/plain]}`),
    cases: [
      [{ path: '/secure' }, 'https-only'],
      [{ path: '/plain', sni: 'example.com' }, 'http-only'],
    ],
  },
  {
    title: '§2.7.5 routes of a disabled service are not in the router',
    config: raw`services:
- name: off
  url: http://off.internal
  enabled: false
  routes:
  - {name: off-route, paths: [/off]}
- name: on
  url: http://on.internal
  routes:
  - {name: fallback, paths: [/]}
`,
    cases: [
      ['/off/x', 'fallback'],
      ['/x', 'fallback'],
    ],
  },
  {
    title: '§2.7.5 a disabled service alone gives no match',
    config: raw`services:
- name: off
  url: http://off.internal
  enabled: false
  routes:
  - {name: off-route, paths: [/off]}
`,
    cases: [['/off', null]],
  },
]

for (const group of [priority, attributes]) {
  for (const s of group) {
    t.test(s.title, async (t) => {
      const router = routerFor(s.config)
      for (const [req, want] of s.cases) t.equal(routeName(router, req), want, `${describeReq(req)} → ${want ?? 'no match'}`)
    })
  }
}

t.test('§2.3 worked example: evaluation order', async (t) => {
  const config = load(
    oneService(
      raw`{name: status, paths: ['~/status/\d+'], regex_priority: 0}`,
      raw`{name: version-status, paths: ['~/version/\d+/status/\d+'], regex_priority: 6}`,
      `{name: version, paths: [/version]}`,
      raw`{name: version-any, paths: ['~/version/any/']}`,
    ),
  )
  const order = compileRouter(config)
    .describe()
    .map((d) => d.route)
  const id = (name: string) => config.routes.find((r) => r.name === name)!.id
  // The two rp-0 regexes tie; the higher id goes first.
  const tied = id('status') > id('version-any') ? ['status', 'version-any'] : ['version-any', 'status']
  t.same(order, ['version-status', ...tied, 'version'])
})

t.test('§2.3.6 exact ties between routes with name-derived ids: the higher id wins', async (t) => {
  const config = load(oneService(`{name: alpha, paths: [/same]}`, `{name: beta, paths: [/same]}`, `{name: gamma, paths: [/same]}`))
  const winner = [...config.routes].sort((a, b) => (a.id < b.id ? 1 : -1))[0]!.name
  t.equal(routeName(compileRouter(config), '/same'), winner)
})

t.test('§2.2 regex path captures: named and numbered, only when the regex has groups', async (t) => {
  const router = routerFor(oneService(raw`{name: user, paths: ['~/users/(?<id>\d+)/(\w+)']}`, raw`{name: plain-rx, paths: ['~/plain/\d+']}`))
  const m = matchOf(router, '/users/42/posts/9')
  t.equal(m?.route.name, 'user')
  t.equal(m?.captures?.named.id, '42')
  t.equal(m?.captures?.unnamed[0], '/users/42/posts', '[0] is the whole match')
  t.equal(m?.captures?.unnamed[1], '42')
  t.equal(m?.captures?.unnamed[2], 'posts')
  const p = matchOf(router, '/plain/7')
  t.equal(p?.route.name, 'plain-rx')
  t.equal(p?.captures, undefined)
})

t.test('§2.7.4 a service-less route matches (the 503 comes later)', async (t) => {
  const router = routerFor(`routes:\n- {name: no-service, paths: [/nosvc]}\n`)
  const m = matchOf(router, '/nosvc/x')
  t.equal(m?.route.name, 'no-service')
  t.equal(m?.service, undefined)
  t.equal(m?.upstreamPath, '/x')
})

t.test('§2.6 a grpc route matches a plain http request (the 415 comes later)', async (t) => {
  const router = routerFor(`services:\n- name: g\n  url: grpc://grpc.internal:9000\n  routes:\n  - {name: grpc-route, protocols: [grpc], paths: [/pkg.Svc]}\n`)
  const m = matchOf(router, { method: 'POST', path: '/pkg.Svc/Method' })
  t.equal(m?.route.name, 'grpc-route')
  t.same(m?.route.protocols, ['grpc'])
})

t.test('§2.2 stream routes (tcp) are not in the http router', async (t) => {
  const router = routerFor(`services:
- name: tcp-svc
  url: tcp://tcp.internal:5000
  routes:
  - {name: tcp-route, protocols: [tcp], destinations: [{port: 8000}]}
`)
  t.equal(routeName(router, { path: '/', port: 8000 }), null)
})

t.test('§3.2 strippedPrefix (X-Forwarded-Prefix) is what strip_path removed, when not /', async (t) => {
  const router = routerFor(
    oneService(
      `{name: foo, paths: [/foo]}`,
      `{name: keep, strip_path: false, paths: [/keep]}`,
      raw`{name: rx, paths: ['~/v\d+/']}`,
      `{name: root, paths: [/]}`,
    ),
  )
  const cases: [string, string, string | undefined][] = [
    ['/foo/bar', 'foo', '/foo'],
    ['/keep/bar', 'keep', undefined],
    ['/v12/bar', 'rx', '/v12/'],
    ['/other', 'root', undefined],
  ]
  for (const [path, route, prefix] of cases) {
    const m = matchOf(router, path)
    t.equal(m?.route.name, route, `${path} → ${route}`)
    t.equal(m?.strippedPrefix, prefix, `${path} → stripped ${prefix ?? 'nothing'}`)
  }
})

t.test('the matched service is the route’s own', async (t) => {
  const config = load(`services:
- name: s1
  url: http://one.internal
  routes:
  - {name: r1, paths: [/one]}
- name: s2
  url: http://two.internal
  routes:
  - {name: r2, paths: [/two]}
`)
  const router = compileRouter(config)
  t.equal(matchOf(router, '/one')?.service?.name, 's1')
  t.equal(matchOf(router, '/two')?.service?.name, 's2')
})

// §2.1: results are cached; a cached answer must never be given to a request that differs in a
// field some route looks at.
t.test('§2.1 the route cache never answers for a different request', async (t) => {
  const config = load(
    oneService(`{name: ab, headers: {x-a: ['1'], x-b: ['2 x-b=3']}}`, `{name: h-host, hosts: [h.example.com]}`, `{name: fallback, paths: [/]}`),
  )
  // Pairs whose fields, written one after the other with spaces, read the same.
  const pairs: [Req, string][][] = [
    [
      [{ path: '/', headers: { 'x-a': '1', 'x-b': '2 x-b=3' } }, 'ab'],
      [{ path: '/', headers: { 'x-a': '1 x-b=2', 'x-b': '3' } }, 'fallback'],
    ],
    [
      [{ host: 'h.example.com', path: '/a /b' }, 'h-host'],
      [{ host: 'h.example.com /a', path: '/b' }, 'fallback'],
    ],
  ]
  for (const pair of pairs) {
    const warm = compileRouter(config)
    for (const [req, want] of pair) {
      t.equal(routeName(compileRouter(config), req), want, `fresh router: ${describeReq(req)}`)
      const m = matchOf(warm, req)
      t.equal(m?.route.name ?? null, want, `router that answered the other request first: ${describeReq(req)}`)
      if (m) t.equal(m.upstreamPath, req.path, `upstream path of ${describeReq(req)}`)
    }
  }
})

t.test('Kong prepends ^ to a route regex as written: only the first alternative is anchored', async (t) => {
  const h = await import('../helpers/router.js')
  const r = h.routerFor(`routes:\n  - name: alt\n    paths: ["~/a|/b"]\n  - name: fallback\n    paths: [/]\n`)
  t.equal(h.routeName(r, '/a/x'), 'alt')
  t.equal(h.routeName(r, '/x/b'), 'alt', '/b may match anywhere, as in Kong')
  t.equal(h.routeName(r, '/x/a'), 'fallback')
})

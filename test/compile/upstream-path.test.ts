// The path sent upstream (kong-reference.md §2.4, path_handling v0): every row of the reference's
// examples table, through joinUpstreamPath and end-to-end through the router.
import t from 'tap'
import { joinUpstreamPath } from '../../src/compile/upstream-path.js'
import { matchOf, raw, routerFor } from '../helpers/router.js'

interface Row {
  /** service.path; null = not set */
  service: string | null
  route: string
  request: string
  strip: boolean
  upstream: string
  /** What the route's path matcher matched (the regex match for regex routes); defaults to `route`. */
  matched?: string
}

// §2.4 "Examples (computed from the algorithm)", one entry per row; `/s | / | / | false or true` is two.
const referenceTable: Row[] = [
  { service: null, route: '/foo', request: '/foo', strip: true, upstream: '/' },
  { service: null, route: '/foo', request: '/foo/bar', strip: true, upstream: '/bar' },
  { service: null, route: '/foo', request: '/foobar', strip: true, upstream: '/bar' },
  { service: null, route: '/foo', request: '/foo/bar', strip: false, upstream: '/foo/bar' },
  { service: '/s', route: '/foo', request: '/foo', strip: true, upstream: '/s' },
  { service: '/s', route: '/foo', request: '/foo/', strip: true, upstream: '/s/' },
  { service: '/s', route: '/foo', request: '/foo/bar', strip: true, upstream: '/s/bar' },
  { service: '/s', route: '/foo', request: '/foobar', strip: true, upstream: '/s/bar' },
  { service: '/s', route: '/foo', request: '/foo/bar', strip: false, upstream: '/s/foo/bar' },
  { service: '/s', route: '/', request: '/', strip: false, upstream: '/s' },
  { service: '/s', route: '/', request: '/', strip: true, upstream: '/s' },
  { service: '/s/', route: '/foo', request: '/foo', strip: true, upstream: '/s' },
  { service: '/s/', route: '/foo', request: '/foo/', strip: true, upstream: '/s/' },
  { service: '/s/', route: '/foo', request: '/foo/bar', strip: false, upstream: '/s/foo/bar' },
  { service: '/s', route: '/foo/', request: '/foo/', strip: true, upstream: '/s/' },
  {
    service: '/',
    route: raw`~/version/\d+/service`,
    request: '/version/1/service/path/to/resource',
    strip: true,
    upstream: '/path/to/resource',
    matched: '/version/1/service',
  },
]

// More cases of the §2.4 algorithm (each branch of the v0 table, the postfix sanitizing, and the
// regex strip taking the whole match).
const algorithm: Row[] = [
  // base ends with '/', strip, postfix empty: base '/' gives '/' even for a request ending in '/'
  { service: '/', route: '/foo', request: '/foo', strip: true, upstream: '/' },
  { service: '/', route: '/foo/', request: '/foo/', strip: true, upstream: '/' },
  // base ends with '/', strip, postfix without leading '/'
  { service: '/s/', route: '/foo', request: '/foobar', strip: true, upstream: '/s/bar' },
  // base ends with '/', strip, postfix with leading '/'
  { service: '/s/', route: '/foo', request: '/foo/bar', strip: true, upstream: '/s/bar' },
  // base ends with '/', no strip, request '/'
  { service: '/s/', route: '/', request: '/', strip: false, upstream: '/s/' },
  // base without '/', no strip
  { service: '/s', route: '/foo', request: '/foo/', strip: false, upstream: '/s/foo/' },
  // longer service path
  { service: '/api/v2', route: '/v2', request: '/v2/users/7', strip: true, upstream: '/api/v2/users/7' },
  // postfix sanitizing: '.' and '..' become empty, leading './' and '../' are removed
  { service: null, route: '/foo', request: '/foo.', strip: true, upstream: '/' },
  { service: '/s', route: '/foo', request: '/foo..', strip: true, upstream: '/s' },
  { service: '/s', route: '/foo', request: '/foo./bar', strip: true, upstream: '/s/bar' },
  { service: null, route: '/foo', request: '/foo../bar', strip: true, upstream: '/bar' },
  { service: '/s/', route: '/foo', request: '/foo../bar', strip: true, upstream: '/s/bar' },
  // regex strip removes the whole match, which can be longer than a "prefix"
  { service: null, route: raw`~/api/v\d+`, request: '/api/v12/users', strip: true, upstream: '/users', matched: '/api/v12' },
  { service: '/s', route: raw`~/api/v\d+`, request: '/api/v12users', strip: true, upstream: '/s/users', matched: '/api/v12' },
  { service: '/s', route: raw`~/api/v\d+`, request: '/api/v12/users', strip: false, upstream: '/s/api/v12/users', matched: '/api/v12' },
  { service: null, route: raw`~/u/(?<id>\d+)/`, request: '/u/42/x', strip: true, upstream: '/x', matched: '/u/42/' },
]

const label = (r: Row) => `service.path ${r.service ?? '(null)'}, route ${r.route}, ${r.request}, strip_path ${r.strip} → ${r.upstream}`

const yamlFor = (r: Row) =>
  `services:
- name: svc
  url: http://upstream.internal${r.service ?? ''}
  routes:
  - {name: r, strip_path: ${r.strip}, paths: ['${r.route}']}
`

for (const [title, rows] of [
  ['§2.4 reference table', referenceTable],
  ['§2.4 algorithm branches', algorithm],
] as const) {
  t.test(`${title}: joinUpstreamPath`, async (t) => {
    for (const r of rows) t.equal(joinUpstreamPath(r.service ?? undefined, r.request, r.strip ? (r.matched ?? r.route) : '/'), r.upstream, label(r))
  })

  t.test(`${title}: end-to-end through compileRouter().match()`, async (t) => {
    for (const r of rows) {
      const m = matchOf(routerFor(yamlFor(r)), r.request)
      t.equal(m?.route.name, 'r', `${label(r)}: route matched`)
      t.equal(m?.upstreamPath, r.upstream, label(r))
    }
  })
}

t.test('§2.4 route path_handling v1 is ignored: traditional_compatible always uses v0', async (t) => {
  const router = routerFor(`services:
- name: svc
  url: http://upstream.internal/s
  routes:
  - {name: nostrip-v1, strip_path: false, path_handling: v1, paths: [/fv1]}
  - {name: strip-v1, strip_path: true, path_handling: v1, paths: [/sv1]}
`)
  // v1 would give /sfv1/req and /sreq.
  t.equal(matchOf(router, '/fv1/req')?.upstreamPath, '/s/fv1/req')
  t.equal(matchOf(router, '/sv1req')?.upstreamPath, '/s/req')
})

t.test('§2.3+§2.4 a split route strips the path of the group that matched', async (t) => {
  const router = routerFor(`services:
- name: svc
  url: http://upstream.internal/s
  routes:
  - {name: multi, paths: [/a, /abcd, '~/r/\\d+']}
`)
  t.equal(matchOf(router, '/abcd/x')?.upstreamPath, '/s/x')
  t.equal(matchOf(router, '/ab/x')?.upstreamPath, '/s/b/x')
  t.equal(matchOf(router, '/r/12/x')?.upstreamPath, '/s/x')
})

t.test('§2.4 a service-less route uses / as base', async (t) => {
  const router = routerFor(`routes:\n- {name: r, paths: [/nosvc]}\n- {name: keep, strip_path: false, paths: [/keep]}\n`)
  t.equal(matchOf(router, '/nosvc/a/b')?.upstreamPath, '/a/b')
  t.equal(matchOf(router, '/nosvc')?.upstreamPath, '/')
  t.equal(matchOf(router, '/keep/a')?.upstreamPath, '/keep/a')
})

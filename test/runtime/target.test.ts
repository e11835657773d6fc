// The request path as the router sees it (kong-reference.md §2.1) and as it is sent upstream (§2.4):
// normalization, escaping, and path tricks that must not reach the wrong route.
import t from 'tap'
import { escapeUpstreamPath, hostWithoutPort, normalizeRequestPath, splitRequestTarget } from '../../src/runtime/target.js'
import { matchOf, routerFor } from '../helpers/router.js'

// raw request path (no query) → normalized path; undefined = invalid (the gateway answers 400)
const normalization: [string, string | undefined][] = [
  ['/', '/'],
  ['/x', '/x'],
  // `//` merged
  ['//x', '/x'],
  ['/a//b///c', '/a/b/c'],
  // dot segments removed; `..` above the root is dropped
  ['/./x', '/x'],
  ['/x/../y', '/y'],
  ['/a/./b/../c', '/a/c'],
  ['/../x', '/x'],
  ['/a.b/c..d/.e', '/a.b/c..d/.e'],
  // escapes of non-reserved characters decoded (either hex case)
  ['/%78', '/x'],
  ['/fo%6F', '/foo'],
  ['/fo%6f', '/foo'],
  ['/%7Euser', '/~user'],
  // decoding happens before dot-segment removal
  ['/%2e%2e/y', '/y'],
  ['/x/%2E%2E/y', '/y'],
  ['/x/%2e/y', '/x/y'],
  // escapes of reserved characters kept, upper-cased
  ['/foo%3a', '/foo%3A'],
  ['/foo%3A', '/foo%3A'],
  ['/a%2fb', '/a%2Fb'],
  ['/a%2F..%2Fb', '/a%2F..%2Fb'],
  ['/%25', '/%25'],
  ['/%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D', '/%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D'],
  // the reserved characters themselves are left alone
  ['/a:b@c', '/a:b@c'],
  // invalid escapes
  ['/%zz', undefined],
  ['/a%2', undefined],
  ['/a%', undefined],
  ['/%g0', undefined],
]

t.test('§2.1 normalizeRequestPath', async (t) => {
  for (const [input, want] of normalization) t.equal(normalizeRequestPath(input), want, `${input} → ${want ?? 'invalid'}`)
})

// normalized path → the path on the upstream request line
const escaping: [string, string][] = [
  ['/plain/path', '/plain/path'],
  ['/a b', '/a%20b'],
  ['/café', '/caf%C3%A9'],
  ['/日本', '/%E6%97%A5%E6%9C%AC'],
  ['/a"b<c>d', '/a%22b%3Cc%3Ed'],
  ['/{x}|^`\\', '/%7Bx%7D%7C%5E%60%5C'],
  // the allowed set stays as is, including '%' of escapes that were kept
  ["/!#$&'()*+,/:;=?@[]-_.~AZaz09", "/!#$&'()*+,/:;=?@[]-_.~AZaz09"],
  ['/foo%3A', '/foo%3A'],
]

t.test('§2.4 escapeUpstreamPath re-escapes characters outside the allowed set', async (t) => {
  for (const [input, want] of escaping) t.equal(escapeUpstreamPath(input), want, `${input} → ${want}`)
})

t.test('§2.1+§2.4 decoded then re-escaped: what the upstream receives', async (t) => {
  const cases: [string, string][] = [
    ['/a%20b', '/a%20b'],
    ['/caf%C3%A9', '/caf%C3%A9'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    ['/fo%6F', '/foo'],
    ['/foo%3a', '/foo%3A'],
  ]
  for (const [input, want] of cases) t.equal(escapeUpstreamPath(normalizeRequestPath(input)!), want, `${input} → ${want}`)
})

// The gateway's order: normalize, route, build the upstream path, escape it.
const config = `services:
- name: svc
  url: http://upstream.internal/up
  routes:
  - {name: x, paths: [/x]}
  - {name: y, paths: [/y]}
  - {name: public, paths: [/public]}
  - {name: admin, paths: [/admin]}
  - {name: ab, paths: [/a/b]}
  - {name: a, paths: [/a]}
  - {name: colon, paths: ['/foo%3A']}
  - {name: items, strip_path: false, paths: ['~/items/\\d+$']}
`

// raw request path → [route name, upstream path as sent] (null = no route)
const tricks: [string, [string, string] | null][] = [
  ['/x', ['x', '/up']],
  ['//x', ['x', '/up']],
  ['/./x', ['x', '/up']],
  ['/%78', ['x', '/up']],
  ['/x/../y', ['y', '/up']],
  ['/%2e%2e/y', ['y', '/up']],
  ['/x/%2e%2e/y/z', ['y', '/up/z']],
  ['/public/../admin/users', ['admin', '/up/users']],
  ['/public/%2e%2e/admin', ['admin', '/up']],
  ['/%70ublic/x', ['public', '/up/x']],
  // an escaped '/' is not a separator: /a%2Fb is not /a/b
  ['/a%2Fb', ['a', '/up/%2Fb']],
  ['/a%2fb', ['a', '/up/%2Fb']],
  ['/a/b', ['ab', '/up']],
  // reserved escapes kept: the route /foo%3A is reached by either case of the escape, not by ':'
  ['/foo%3a', ['colon', '/up']],
  ['/foo%3A/bar', ['colon', '/up/bar']],
  ['/foo:', null],
  // a regex route sees the decoded path
  ['/items/%31%32', ['items', '/up/items/12']],
  ['/items/12/../13', ['items', '/up/items/13']],
  ['/items/12/', null],
  // upper case is another path
  ['/%58', null],
]

t.test('§2.1 path tricks reach the route of the normalized path, and only it', async (t) => {
  const router = routerFor(config)
  for (const [input, want] of tricks) {
    const path = normalizeRequestPath(input)
    t.not(path, undefined, `${input} is a valid path`)
    const m = matchOf(router, path!)
    const got = m ? [m.route.name, escapeUpstreamPath(m.upstreamPath)] : null
    t.same(got, want, `${input} → ${want ? `route ${want[0]}, upstream ${want[1]}` : 'no match'}`)
  }
})

t.test('§2.1 invalid escapes never reach the router', async (t) => {
  for (const input of ['/x%zz', '/x/%', '/%7', '/x%2']) t.equal(normalizeRequestPath(input), undefined, input)
})

t.test("nginx's $host: the Host header without its port, lower-cased", async (t) => {
  t.equal(hostWithoutPort('Example.COM:8080'), 'example.com')
  t.equal(hostWithoutPort('example.com'), 'example.com')
  t.equal(hostWithoutPort('[::1]:8000'), '[::1]')
  t.equal(hostWithoutPort('[2001:DB8::1]'), '[2001:db8::1]')
  t.equal(hostWithoutPort('host:'), 'host:', 'a colon without digits is not a port')
  t.equal(hostWithoutPort('host:80a'), 'host:80a')
  t.equal(hostWithoutPort(''), '')
})

t.test('the request target: origin-form and absolute-form', async (t) => {
  t.same(splitRequestTarget('/a/b?x=1&y'), { rawPath: '/a/b', query: '?x=1&y' })
  t.same(splitRequestTarget('http://example.com:8000/p?q'), { rawPath: '/p', query: '?q' })
  t.same(splitRequestTarget('https://example.com'), { rawPath: '/', query: '' })
  t.equal(splitRequestTarget('*'), undefined, 'asterisk-form is not a path')
  t.equal(splitRequestTarget('example.com:443'), undefined, 'authority-form is not a path')
})

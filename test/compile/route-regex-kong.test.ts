// Route regexes in Kong's dialect: Kong's router compiles `~` paths and `~*` header values with Rust's
// `regex` crate (kong/router/transform.lua rewrites `?<` to `?P<`, routes.lua validates through the
// router), so what Rust refuses is refused here at validation, and Rust-only syntax is translated.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { matchOf, oneService, raw, routeName, routerFor } from '../helpers/router.js'

function messages(yaml: string): string[] {
  const r = loadConfig(`_format_version: "3.0"\n${yaml}`, { file: 'kong.yml', env: {} })
  return r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)
}

const pathRoute = (re: string) => `routes:\n- name: r\n  paths: ['${re}']\n`

// spec/02-integration/05-proxy/02-router_spec.lua:810 (Rust's named group spelling)
t.test('(?P<name>...) is a named capture', async (t) => {
  const router = routerFor(oneService(raw`{name: p, paths: ['~/status/(?P<foo>re)']}`))
  const m = matchOf(router, '/status/re')
  t.equal(m?.route.name, 'p')
  t.equal(m?.captures?.named.foo, 're')
  t.equal(m?.captures?.unnamed[1], 're')
})

// spec/02-integration/05-proxy/02-router_spec.lua:2568 ((?<name>) is rewritten to (?P<name>) by Kong)
t.test('(?<name>...) is accepted too', async (t) => {
  const router = routerFor(oneService(raw`{name: d, paths: ['~/delay/(?<delay>[^\/]+)$']}`))
  t.equal(matchOf(router, '/delay/5')?.captures?.named.delay, '5')
})

// kong/db/schema/entities/routes.lua validate_route (router.validate): Rust refuses look-around and back-references
t.test('what JavaScript accepts but Rust refuses is an error with its position', async (t) => {
  t.same(messages(pathRoute('~/a(?=b)')), [
    "4:11 routes[0].paths[0]: invalid regex: '/a(?=b)' (look-around, including look-ahead and look-behind, is not supported)",
  ])
  t.same(messages(pathRoute('~/a(?!b)')).length, 1)
  t.same(messages(pathRoute('~/(?<=a)b')).length, 1)
  t.same(messages(pathRoute('~/(?<!a)b')).length, 1)
  t.same(messages(pathRoute(raw`~/x/(\d)\1`)), [raw`4:11 routes[0].paths[0]: invalid regex: '/x/(\d)\1' (backreferences are not supported)`])
  t.same(messages(pathRoute(raw`~/(?<n>x)\k<n>`)), [raw`4:11 routes[0].paths[0]: invalid regex: '/(?<n>x)\k<n>' (unrecognized escape sequence)`])
  t.same(messages(pathRoute(raw`~/\e`)), [raw`4:11 routes[0].paths[0]: invalid regex: '/\e' (unrecognized escape sequence)`])
  t.same(messages(pathRoute('~/a{')), ["4:11 routes[0].paths[0]: invalid regex: '/a{' (unclosed counted repetition)"])
  t.same(messages(pathRoute('~/[[]')), [
    "4:11 routes[0].paths[0]: invalid regex: '/[[]' (a nested character class is valid in Kong but not supported by this gateway)",
  ])
  t.same(messages(pathRoute('~/(?P<a>x)(?P<a>y)')), ["4:11 routes[0].paths[0]: invalid regex: '/(?P<a>x)(?P<a>y)' (duplicate capture group name)"])
})

// kong/router/transform.lua get_expression: `~*` header values go through the same regex engine, lower-cased
t.test('header regexes are validated and matched as Kong does', async (t) => {
  t.same(messages("routes:\n- name: r\n  headers:\n    x-v: ['~*v(?=1)']\n"), [
    "5:11 routes[0].headers.x-v[0]: invalid regex: 'v(?=1)' (look-around, including look-ahead and look-behind, is not supported)",
  ])
  const router = routerFor(oneService(raw`{name: h, headers: {x-v: ['~*^V\d$']}}`))
  t.equal(routeName(router, { path: '/', headers: { 'x-v': 'v2' } }), 'h')
  t.equal(routeName(router, { path: '/', headers: { 'x-v': 'v22' } }), null)
})

// Rust's syntax that JavaScript spells differently: translated, same matches
t.test('Rust-only syntax is translated', async (t) => {
  const router = routerFor(
    oneService(
      raw`{name: posix, paths: ['~/posix/[[:digit:]]+$']}`,
      raw`{name: anchors, paths: ['~/anchors/x\z']}`,
      raw`{name: bracket, paths: ['~/bracket/[]a]$']}`,
      raw`{name: unicode, paths: ['~/unicode/\pL+$']}`,
      raw`{name: digits, paths: ['~/digits/\d+$']}`,
      raw`{name: hex, paths: ['~/hex/\x{41}$']}`,
      raw`{name: dot, paths: ['~/dot/.$']}`,
    ),
  )
  t.equal(routeName(router, '/posix/123'), 'posix')
  t.equal(routeName(router, '/posix/12a'), null)
  t.equal(routeName(router, '/anchors/x'), 'anchors')
  t.equal(routeName(router, '/anchors/xy'), null)
  t.equal(routeName(router, '/bracket/]'), 'bracket')
  t.equal(routeName(router, '/unicode/été'), 'unicode')
  // Rust's \d is Unicode (Nd): Arabic-Indic digits match, as in Kong.
  t.equal(routeName(router, '/digits/\u0661\u0662'), 'digits')
  t.equal(routeName(router, '/hex/A'), 'hex')
  // Rust's `.` stops only at \n; JavaScript's also at \r.
  t.equal(routeName(router, '/dot/\r'), 'dot')
})

// Rust applies (?i) from where it stands; before any letter that is the whole regex (common in Kong files)
t.test('(?i) after the leading slash is case-insensitive', async (t) => {
  const router = routerFor(oneService(raw`{name: ci, paths: ['~/(?i)api/v\d']}`))
  t.equal(routeName(router, '/API/V2'), 'ci')
})

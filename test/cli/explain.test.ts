// `gateway explain FILE METHOD URL`: the route, runner-ups, upstream path and plugins,
// answered by the command itself (main.ts's run, the code bin/gateway runs).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { run } from '../../src/cli/main.js'

// Each run compiles a file as serve does; on a shared 2-core machine a few take a while.
t.setTimeout(300_000)

const dir = mkdtempSync(join(tmpdir(), 'gw-explain-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
function file(text: string): string {
  const p = join(dir, `kong-${++n}.yml`)
  writeFileSync(p, text)
  return p
}

async function explain(...args: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await run(['explain', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function json(...args: string[]) {
  const r = await explain(...args, '--format', 'json')
  return { code: r.code, err: r.err, j: JSON.parse(r.out) as any }
}

const lost = (j: any, name: string) => j.runner_ups.find((c: any) => c.name === name)?.lost.map((l: any) => l.reason)

const competing = file(`_format_version: "3.0"
services:
  - name: svc
    url: http://svc.internal:8080/base
    routes:
      - { name: winner, hosts: [api.test], paths: [/v1/users] }
      - { name: post-only, hosts: [api.test], methods: [POST], paths: [/v1/users] }
      - { name: other-host, hosts: [other.test], paths: [/v1/users] }
      - { name: with-header, hosts: [api.test], paths: [/v1/users], headers: { x-version: ["2"] } }
      - { name: shorter, hosts: [api.test], paths: [/v1] }
      - { name: no-host, paths: [/v1/users/profile] }
      - { name: low-regex, paths: ["~/v1/users/\\\\d+$"], regex_priority: 1 }
      - { name: high-regex, paths: ["~/v1/users/\\\\d+"], regex_priority: 9 }
      - { name: elsewhere, paths: [/v2] }
  - name: off
    url: http://off.internal
    enabled: false
    routes:
      - { name: disabled, hosts: [api.test], paths: [/v1/users/profile] }
`)

t.test('the winning route and each runner-up with the reason it lost, in evaluation order', async (t) => {
  const { code, j } = await json(competing, 'GET', 'http://api.test/v1/users/profile')
  t.equal(code, 0)
  t.equal(j.matched, true)
  t.equal(j.route.name, 'winner')
  t.same(j.route.matched, ['host', 'path'])
  t.same(lost(j, 'post-only'), ['method'])
  t.same(lost(j, 'other-host'), ['host'])
  t.same(lost(j, 'with-header'), ['header'])
  // Same attribute kinds as the winner, shorter prefix: spec/01-unit/08-router_spec.lua's "longest prefix" rule.
  t.same(lost(j, 'shorter'), ['priority'])
  t.match(j.runner_ups.find((c: any) => c.name === 'shorter').lost[0].detail, /shorter path prefix \(3 < 9/)
  // Fewer attribute kinds (paths only) lose to hosts+paths whatever the path length (kong/router/transform.lua priority bits).
  t.same(lost(j, 'no-host'), ['priority'])
  t.match(j.runner_ups.find((c: any) => c.name === 'no-host').lost[0].detail, /fewer attribute kinds \(1 < 2\)/)
  t.notOk(
    j.runner_ups.some((c: any) => c.name === 'elsewhere'),
    'a route that matches nothing is not a runner-up',
  )
  // A disabled service's routes are not in the router (Kong: 404), listed last as excluded.
  const off = j.runner_ups.at(-1)
  t.equal(off.name, 'disabled')
  t.equal(off.rank, null)
  t.same(
    off.lost.map((l: any) => l.reason),
    ['excluded'],
  )
  t.match(off.lost[0].detail, 'its service off is disabled')
  // Evaluation order: those ranked above the winner first, then below.
  const ranks = j.runner_ups.filter((c: any) => c.rank !== null).map((c: any) => c.rank)
  t.same(
    ranks,
    [...ranks].sort((a: number, b: number) => a - b),
  )
  t.ok(j.runner_ups.filter((c: any) => c.rank !== null && c.rank < j.route.rank).every((c: any) => c.lost[0].reason !== 'priority'))
})

t.test('a header route wins when its header is sent; regex_priority orders regex routes', async (t) => {
  const h = await json(competing, 'GET', 'http://api.test/v1/users', '-H', 'X-Version: 2')
  t.equal(h.j.route.name, 'with-header')
  t.same(lost(h.j, 'winner'), ['priority'])
  t.match(h.j.runner_ups.find((c: any) => c.name === 'winner').lost[0].detail, /fewer attribute kinds \(2 < 3\)/)
  const r = await json(competing, 'GET', 'http://x.test/v1/users/42')
  t.equal(r.j.route.name, 'high-regex')
  t.match(r.j.runner_ups.find((c: any) => c.name === 'low-regex').lost[0].detail, /lower regex_priority \(1 < 9\)/)
  t.same(lost(r.j, 'winner'), ['host'])
})

t.test('no route: exit 1 and Kong 404; invalid file: exit 2 with file:line:column; usage: exit 2', async (t) => {
  const none = await json(competing, 'GET', 'http://api.test/nothing')
  t.equal(none.code, 1)
  t.same(none.j.answer, { status: 404, message: 'no Route matched with those values', by: 'router' })
  const bad = file('_format_version: "3.0"\nservices:\n  - name: a\n    port: 99999\n')
  const invalid = await explain(bad, 'GET', '/x')
  t.equal(invalid.code, 2)
  t.match(invalid.err, `${bad}:3:5: services[0].host: required field missing`)
  t.equal((await explain(competing, 'GET')).code, 2)
  t.equal((await explain(join(dir, 'missing.yml'), 'GET', '/')).code, 2)
  t.equal((await explain(competing, 'GET', 'http://api.test/', '--consumer', 'nobody')).code, 2)
})

t.test('upstream paths after strip_path (path_handling v0), as the router spec fixture has them', async (t) => {
  // spec/fixtures/router_path_handling_tests.lua rows (traditional_compatible uses v0 always)
  const rows: [string, string, boolean, string, string, number][] = [
    ['/', '/route', true, '/routereq', '/req', 33],
    ['/srv', '/rou', false, '/roureq', '/srv/roureq', 40],
    ['/srv', '/rou', true, '/roureq', '/srv/req', 42],
    ['/srv/', '/rou', true, '/rou', '/srv', 46],
    ['/service', '/route/', true, '/route/', '/service/', 75],
  ]
  for (const [servicePath, routePath, strip, request, expected, line] of rows) {
    const f = file(`_format_version: "3.0"
services:
  - name: s
    url: http://s.internal${servicePath}
    routes: [{ name: r, paths: ["${routePath}"], strip_path: ${strip}, path_handling: v1 }]
`)
    const { j } = await json(f, 'GET', `http://h.test${request}?a=1`)
    t.equal(j.upstream.path, `${expected}?a=1`, `spec/fixtures/router_path_handling_tests.lua:${line}`)
    t.equal(j.upstream.url, `http://s.internal:80${expected}?a=1`)
    t.equal(j.upstream.path_handling, 'v0')
  }
})

const plugins = file(`_format_version: "3.0"
upstreams:
  - name: app.up
    algorithm: consistent-hashing
    hash_on: header
    hash_on_header: x-user
    targets: [{ target: 10.0.0.1:8080 }, { target: 10.0.0.2:8080, weight: 50 }]
services:
  - name: app
    host: app.up
    plugins:
      - { name: rate-limiting, config: { minute: 50 } }
    routes:
      - name: app
        paths: [/app]
        plugins:
          - { name: key-auth }
          - { name: acl, config: { allow: [staff] } }
          - { name: rate-limiting, config: { minute: 20 } }
          - name: request-transformer
            ordering: { before: { access: [key-auth] } }
      - name: closed
        paths: [/closed]
        plugins: [{ name: request-termination, config: { status_code: 503, message: down for maintenance } }]
      - name: office
        paths: [/office]
        plugins: [{ name: ip-restriction, config: { allow: [10.1.0.0/16] } }]
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-very-secret-key }]
    acls: [{ group: staff }]
    plugins: [{ name: rate-limiting, config: { minute: 5 } }]
  - username: bob
    keyauth_credentials: [{ key: bob-very-secret-key }]
    acls: [{ group: guests }]
plugins:
  - { name: correlation-id }
  - { name: rate-limiting, config: { minute: 1000 } }
`)

const access = (j: any) => j.plugins.phases.access.map((s: any) => [s.name, s.scope, s.outcome])

t.test('key-auth without a key answers 401 before acl and rate-limiting run', async (t) => {
  const { code, j } = await json(plugins, 'GET', 'http://h.test/app/x')
  t.equal(code, 0)
  // spec/03-plugins/09-key-auth/02-access_spec.lua: no key → 401 "No API key found in request"
  t.same(j.answer, { status: 401, message: 'No API key found in request', by: 'key-auth' })
  t.same(access(j), [
    ['correlation-id', 'global', 'unknown'],
    ['request-transformer', 'route', 'unknown'],
    ['key-auth', 'route', 'answers'],
    ['acl', 'route', 'not-reached'],
    ['rate-limiting', 'route', 'not-reached'],
  ])
})

t.test('a declared key names its consumer, whose scoped plugin then wins; the key is never printed', async (t) => {
  const { j } = await json(plugins, 'GET', 'http://h.test/app/x?apikey=alice-very-secret-key', '-H', 'x-user: u1')
  t.equal(j.answer, null)
  t.same(j.plugins.consumer, { id: j.plugins.consumer.id, username: 'alice', anonymous: false })
  t.same(access(j).slice(2), [
    ['key-auth', 'route', 'identifies'],
    ['acl', 'route', 'runs'],
    ['rate-limiting', 'consumer', 'unknown'],
  ])
  const rl = j.plugins.phases.access.find((s: any) => s.name === 'rate-limiting')
  t.match(rl.why, /more specific than the route, service, global instances/)
  const text = (await explain(plugins, 'GET', 'http://h.test/app/x?apikey=alice-very-secret-key')).out
  t.notMatch(text, 'alice-very-secret-key')
  t.notMatch(JSON.stringify(j), 'alice-very-secret-key')
  t.match(text, /identifies consumer alice/)
  t.match(j.upstream.path, '?apikey=<redacted>')
  // Consistent hashing on x-user: the target the balancer's own pick gives.
  t.equal(j.upstream.balancer.algorithm, 'consistent-hashing')
  t.equal(j.upstream.balancer.hash_on, 'header x-user')
  t.ok(['10.0.0.1:8080', '10.0.0.2:8080'].includes(j.upstream.balancer.pick))
  t.equal(j.upstream.host_header, j.upstream.balancer.pick)
})

t.test('acl refuses a consumer outside its groups; --consumer assumes one without a credential', async (t) => {
  const bob = await json(plugins, 'GET', 'http://h.test/app', '-H', 'apikey: bob-very-secret-key')
  // spec/03-plugins/18-acl/02-access_spec.lua: a consumer not in allow → 403 "You cannot consume this service"
  t.same(bob.j.answer, { status: 403, message: 'You cannot consume this service', by: 'acl' })
  t.match(bob.j.plugins.phases.access.find((s: any) => s.name === 'acl').note, /bob is in guests/)
  const assumed = await json(plugins, 'GET', 'http://h.test/app', '--consumer', 'alice')
  t.equal(assumed.j.answer, null)
  t.equal(assumed.j.plugins.consumer.username, 'alice')
})

t.test('ordering moves request-transformer ahead of key-auth in access only', async (t) => {
  const { j } = await json(plugins, 'GET', 'http://h.test/app')
  t.same(j.plugins.ordering.rules, ['request-transformer before key-auth'])
  t.ok(j.plugins.ordering.static.indexOf('key-auth') < j.plugins.ordering.static.indexOf('request-transformer'))
  t.ok(j.plugins.ordering.dynamic.indexOf('request-transformer') < j.plugins.ordering.dynamic.indexOf('key-auth'))
})

t.test('request-termination and ip-restriction answers', async (t) => {
  const closed = await json(plugins, 'GET', 'http://h.test/closed')
  // spec/03-plugins/14-request-termination/02-access_spec.lua: status_code and message as configured
  t.same(closed.j.answer, { status: 503, message: 'down for maintenance', by: 'request-termination' })
  const out = await json(plugins, 'GET', 'http://h.test/office', '--client-ip', '10.2.0.1')
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua: "IP address not allowed: <ip>"
  t.same(out.j.answer, { status: 403, message: 'IP address not allowed: 10.2.0.1', by: 'ip-restriction' })
  const inside = await json(plugins, 'GET', 'http://h.test/office', '--client-ip', '10.1.2.3')
  t.equal(inside.j.answer, null)
  const unknown = await json(plugins, 'GET', 'http://h.test/office')
  t.match(unknown.j.plugins.phases.access.find((s: any) => s.name === 'ip-restriction').note, /--client-ip/)
})

const tls = file(`_format_version: "3.0"
services:
  - name: svc
    url: http://svc.internal:8080
    routes:
      - { name: sni-a, protocols: [https], snis: [a.test], paths: [/s] }
      - { name: sni-wild, protocols: [https], snis: ["*.sni.test"], paths: [/s] }
      - { name: sni-right, protocols: [https], snis: ["sni.*"], paths: [/s] }
      - { name: plain, paths: [/s] }
  - name: db
    url: tcp://10.0.0.9:5432
    routes:
      - { name: pg, protocols: [tcp], destinations: [{ port: 5432 }] }
      - { name: tls-db, protocols: [tls], snis: [db.test] }
`)

t.test('snis: the server name decides among https routes; each loser says which name it wanted', async (t) => {
  // The URL's host is the server name unless --sni names another.
  const a = await json(tls, 'GET', 'https://a.test/s')
  t.equal(a.j.request.sni, 'a.test')
  t.equal(a.j.route.name, 'sni-a')
  t.same(a.j.route.matched, ['sni', 'path'])
  t.same(lost(a.j, 'sni-wild'), ['sni'])
  t.match(a.j.runner_ups.find((c: any) => c.name === 'sni-wild').lost[0].detail, 'a.test is not one of *.sni.test')
  // snis count as an attribute kind: the route without them ranks below.
  t.match(a.j.runner_ups.find((c: any) => c.name === 'plain').lost[0].detail, /fewer attribute kinds \(1 < 2\)/)
  // spec/01-unit/08-router_spec.lua:1768 leftmost wildcards, :1780 rightmost, :1789 no match
  for (const sni of ['foo.sni.test', 'foo.bar.sni.test']) t.equal((await json(tls, 'GET', 'https://any.test/s', '--sni', sni)).j.route.name, 'sni-wild', sni)
  for (const sni of ['sni.foo', 'sni.foo.bar']) t.equal((await json(tls, 'GET', 'https://any.test/s', '--sni', sni)).j.route.name, 'sni-right', sni)
  const none = await json(tls, 'GET', 'https://any.test/s', '--sni', 'bar.sni.foo')
  t.equal(none.j.route.name, 'plain')
  t.same(
    ['sni-a', 'sni-wild', 'sni-right'].map((n) => lost(none.j, n)),
    [['sni'], ['sni'], ['sni']],
  )
})

t.test('snis are not checked on plain http; the https-only route then answers 426', async (t) => {
  // spec/01-unit/08-router_spec.lua:4716 "[sni] is ignored for http request"
  const { code, j } = await json(tls, 'GET', 'http://a.test/s')
  t.equal(code, 0)
  t.match(j.route.matched, ['sni (not checked: plain http)', 'path'])
  t.equal(j.request.sni, null)
  // spec/02-integration/05-proxy/06-ssl_spec.lua:370 an https-only route answers plain http with 426
  t.same(j.answer, { status: 426, message: 'Please use HTTPS protocol', by: 'protocol' })
})

t.test('stream routes are not in the HTTP router: listed as excluded, with why', async (t) => {
  const { code, j } = await json(tls, 'GET', 'https://db.test/')
  t.equal(code, 1)
  t.same(j.answer, { status: 404, message: 'no Route matched with those values', by: 'router' })
  const db = j.runner_ups.find((c: any) => c.name === 'tls-db')
  t.equal(db.rank, null)
  t.same(db.lost, [{ reason: 'excluded', detail: 'not in the HTTP router: its protocols (tls) belong to the stream router' }])
  t.notOk(
    j.runner_ups.some((c: any) => c.name === 'pg'),
    'a tcp route with nothing in common with the request is not listed',
  )
})

t.test('the built command: aligned text output and its exit code from bin/gateway', async (t) => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'gateway')
  const r = spawnSync(process.execPath, [bin, 'explain', plugins, 'GET', 'http://h.test/app'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^Request {3}GET http:\/\/h\.test\/app$/m)
  t.match(r.stdout, /^Route {5}app /m)
  t.match(r.stdout, /^Answer {4}401 "No API key found in request" \(by key-auth\)$/m)
})

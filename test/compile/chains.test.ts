// Kong's precedence (§4.3): with one plugin configured at several scopes, only the
// most specific instance runs. One test per level, each with every less specific
// level configured too; consumers come from key-auth.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { pluginSet } from '../../src/plugins/set.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { probe } from '../helpers/probe.js'

const plugins = pluginSet([probe('probe-hi', 2222), probe('probe-mid', 1001), probe('probe-limit', 911)])

// The 8 scopes, most specific first (Kong's lookup order).
const LEVELS = [
  { tag: 'consumer+route+service', scope: 'consumer: alice\n  route: r1\n  service: s1' },
  { tag: 'consumer+route', scope: 'consumer: alice\n  route: r1' },
  { tag: 'consumer+service', scope: 'consumer: alice\n  service: s1' },
  { tag: 'route+service', scope: 'route: r1\n  service: s1' },
  { tag: 'consumer', scope: 'consumer: alice' },
  { tag: 'route', scope: 'route: r1' },
  { tag: 'service', scope: 'service: s1' },
  { tag: 'global', scope: '' },
]

const file = (instances: string) => `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
  - username: bob
    keyauth_credentials: [{ key: bob-key }]
services:
  - name: s1
    url: $UPSTREAM
    routes: [{ name: r1, paths: [/] }]
plugins:
  - name: key-auth
${instances}
`

const instance = (name: string, tag: string, scope: string) =>
  `  - name: ${name}\n${scope ? `  ${scope.replace(/\n/g, '\n  ')}\n` : ''}    config: { tag: "${tag}" }`.replace(
    /\n {2}(consumer|route|service):/g,
    '\n    $1:',
  )

LEVELS.forEach((level, i) => {
  t.test(`${level.tag} wins over every less specific scope`, async (t) => {
    const configured = LEVELS.slice(i).map((l) => instance('probe-mid', l.tag, l.scope))
    const { send } = await pluginGateway(t, file(configured.join('\n')), undefined, { plugins })
    const alice = await send('/x', { headers: { apikey: 'alice-key' } })
    t.equal(alice.status, 200)
    t.equal(alice.reached!.headers['x-trace'], level.tag, 'exactly one instance ran: the most specific')
    // bob matches none of the consumer-scoped instances.
    const bobExpected = LEVELS.slice(i).find((l) => !l.scope.includes('consumer'))?.tag
    const bob = await send('/x', { headers: { apikey: 'bob-key' } })
    t.equal(bob.reached!.headers['x-trace'], bobExpected, 'another consumer gets the best non-consumer instance (or none)')
  })
})

t.test('a consumer-scoped instance of a plugin that runs before authentication never applies', async (t) => {
  const { send } = await pluginGateway(
    t,
    file([instance('probe-hi', 'for-alice', 'consumer: alice'), instance('probe-hi', 'global', '')].join('\n')),
    undefined,
    { plugins },
  )
  const r = await send('/x', { headers: { apikey: 'alice-key' } })
  t.equal(r.reached!.headers['x-trace'], 'global', 'probe-hi (2222) runs before key-auth (1250): no consumer yet')
})

t.test('disabled instances do not run and do not shadow less specific ones', async (t) => {
  const { send } = await pluginGateway(
    t,
    file(`${instance('probe-mid', 'route', 'route: r1')}\n    enabled: false\n${instance('probe-mid', 'global', '')}`),
    undefined,
    { plugins },
  )
  const r = await send('/x', { headers: { apikey: 'alice-key' } })
  t.equal(r.reached!.headers['x-trace'], 'global')
})

// Dynamic ordering: a limiter just above rate-limiting's priority (911) and key-auth (1250).
const ordered = (ordering: string) => `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-key }]
services:
  - name: s1
    url: $UPSTREAM
    routes: [{ name: r1, paths: [/] }]
plugins:
  - name: key-auth
  - name: probe-limit
    config: { tag: limit, limit: 3 }
${ordering}
`

t.test('ordering: by default an unauthenticated request gets 401 without limiter headers', async (t) => {
  const { send } = await pluginGateway(t, ordered(''), undefined, { plugins })
  for (let i = 0; i < 5; i++) {
    const r = await send('/x')
    t.equal(r.status, 401)
    t.equal(r.headers['x-probe-remaining'], undefined)
  }
  const ok = await send('/x', { headers: { apikey: 'alice-key' } })
  t.equal(ok.headers['x-probe-remaining'], '2', 'only authenticated requests were counted')
})

t.test('ordering: limiter before key-auth counts every request; the 4th in the window gets 429', async (t) => {
  const { send } = await pluginGateway(t, ordered('    ordering:\n      before:\n        access: [key-auth]'), undefined, { plugins })
  const statuses: number[] = []
  const remaining: unknown[] = []
  for (let i = 0; i < 4; i++) {
    const r = await send('/x')
    statuses.push(r.status)
    remaining.push(r.headers['x-probe-remaining'])
  }
  t.same(statuses, [401, 401, 401, 429])
  t.same(remaining, ['2', '1', '0', '0'])
})

t.test('ordering: the same with `after` on key-auth', async (t) => {
  const yaml = ordered('').replace('  - name: key-auth\n', '  - name: key-auth\n    ordering:\n      after:\n        access: [probe-limit]\n')
  const { send } = await pluginGateway(t, yaml, undefined, { plugins })
  const r = await send('/x')
  t.equal(r.status, 401)
  t.equal(r.headers['x-probe-remaining'], '2')
})

t.test('ordering: a cycle is a validation error at the ordering, with Kong message', async (t) => {
  const yaml = `_format_version: "3.0"
plugins:
  - name: key-auth
    ordering:
      after:
        access: [probe-limit]
  - name: probe-limit
    ordering:
      after:
        access: [key-auth]
`
  const r = await loadConfig(yaml, { file: 'kong.yml', registry: plugins.registry })
  t.notOk(r.ok)
  if (r.ok) return
  t.equal(r.issues.length, 1)
  const issue = r.issues[0]!
  t.match(issue.message, /^There is a circular dependency in the graph\. It is not possible to derive a topological sort\. \(/)
  t.equal(issue.line, 5, 'the ordering value, under the plugin that declares it')
  t.match(issue.path, /plugins\[0\]\.ordering/)
})

t.test('ordering: a cycle across route and global scopes is found; separate routes do not combine', async (t) => {
  const base = (a: string, b: string) => `_format_version: "3.0"
services:
  - name: s1
    url: http://127.0.0.1:1
    routes: [{ name: r1, paths: [/a] }, { name: r2, paths: [/b] }]
plugins:
  - name: key-auth
    ${a}
    ordering: { after: { access: [probe-limit] } }
  - name: probe-limit
    ${b}
    ordering: { after: { access: [key-auth] } }
`
  const combined = await loadConfig(base('route: r1', 'enabled: true'), { file: 'k.yml', registry: plugins.registry })
  t.notOk(combined.ok, 'route r1 sees both')
  const apart = await loadConfig(base('route: r1', 'route: r2'), { file: 'k.yml', registry: plugins.registry })
  t.ok(apart.ok, 'no route sees both')
})

t.test('ordering: an unknown plugin name is an error at its position', async (t) => {
  const r = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: key-auth\n    ordering:\n      before:\n        access: [nope]\n', { file: 'k.yml' })
  t.notOk(r.ok)
  if (r.ok) return
  t.equal(r.issues[0]!.message, "plugin 'nope' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)")
  t.equal(r.issues[0]!.line, 6)
})

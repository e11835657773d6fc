// Kong's acl access spec (spec/03-plugins/18-acl/02-access_spec.lua) through a real gateway and a
// real echo upstream: allow and deny lists against a consumer's groups (behind key-auth), against
// groups another plugin authenticated (kong.ctx.shared.authenticated_groups, set here by a
// pre-function where Kong's spec uses its ctx-checker fixture plugin), and anonymous consumers.
// Not covered: a credential without a consumer (acl1b: Kong's fixture sets ngx.ctx directly, which
// no plugin here can), the cache warm-up and the Admin API cases (Kong's database).
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const BOB = '11111111-1111-4111-8111-111111111111'

/** The problems of a file with one consumer holding `entity` (YAML flow text), as `path: message`. */
async function consumerIssues(entity: string): Promise<string[]> {
  const r = await loadConfig(`_format_version: "3.0"\nconsumers:\n  - username: bob\n    id: ${BOB}\n    ${entity}\n`, { file: 'k.yml' })
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)
}

type Plugin = { name: string; config?: Record<string, unknown> }

const acl = (config: Record<string, unknown>): Plugin => ({ name: 'acl', config })
const keyAuth = (anonymous?: string): Plugin => ({ name: 'key-auth', config: anonymous ? { anonymous } : {} })
/** What Kong's ctx-checker does in the spec: leave groups in kong.ctx.shared.authenticated_groups. */
const groups = (...names: string[]): Plugin => ({
  name: 'pre-function',
  config: { access: [`kong.ctx.shared.authenticated_groups = { ${names.map((n) => JSON.stringify(n)).join(', ')} }`] },
})

// The spec's routes (by host there, by path here), spec/03-plugins/18-acl/02-access_spec.lua:106-851 and :1543-1753.
const ROUTES: Record<string, Plugin[]> = {
  acl1: [acl({ allow: ['admin'] })],
  acl2: [acl({ allow: ['admin'] }), keyAuth()],
  acl2b: [acl({ allow: ['admin'] }), groups('admin')],
  acl2c: [acl({ allow: ['admin'] }), groups()],
  acl3: [acl({ deny: ['admin'] }), keyAuth()],
  acl3b: [acl({ deny: ['admin'] }), groups()],
  acl3c: [acl({ deny: ['admin'] }), groups('admin')],
  acl3d: [acl({ deny: ['none'] })],
  acl4: [acl({ allow: ['admin', 'pro'] }), keyAuth()],
  acl4b: [acl({ allow: ['admin', 'pro'] }), groups('pro', 'hello')],
  acl4c: [acl({ allow: ['admin', 'pro'] }), groups('free', 'hello')],
  acl5: [acl({ deny: ['admin', 'pro'] }), keyAuth()],
  acl5b: [acl({ deny: ['admin', 'pro'] }), groups('pro', 'hello')],
  acl5c: [acl({ deny: ['admin', 'pro'] }), groups('free', 'hello')],
  acl6: [acl({ deny: ['admin', 'pro', 'hello'] }), keyAuth()],
  acl6b: [acl({ deny: ['admin', 'pro', 'hello'] }), groups('free', 'hello')],
  acl6c: [acl({ deny: ['admin', 'pro', 'hello'] }), groups('pro', 'hello')],
  acl7: [acl({ allow: ['admin', 'pro', 'hello'] }), keyAuth()],
  acl7b: [acl({ allow: ['admin', 'pro', 'hello'] }), groups('free', 'hello')],
  acl8: [acl({ allow: ['anonymous'] }), keyAuth('anonymous')],
  acl8b: [acl({ allow: ['anonymous'] }), keyAuth('anonymous'), groups('anonymous')],
  acl9: [acl({ allow: ['admin'], hide_groups_header: true }), keyAuth()],
  acl9b: [acl({ allow: ['admin'], hide_groups_header: true }), groups('admin')],
  acl10: [acl({ allow: ['admin'], hide_groups_header: false }), keyAuth()],
  acl10b: [acl({ allow: ['admin'], hide_groups_header: false }), groups('admin')],
  acl11: [acl({ allow: ['admin', 'anonymous'] }), keyAuth('anonymous'), groups('admin')],
  acl12: [acl({ allow: ['anonymous'] }), keyAuth('anonymous'), groups('anonymous')],
  acl13: [acl({ allow: ['anonymous'] }), keyAuth('anonymous'), groups('admin')],
  acl15: [acl({ allow: ['auth_group1'], always_use_authenticated_groups: true }), keyAuth(), groups('auth_group1')],
  acl16: [acl({ allow: ['auth_group1'], always_use_authenticated_groups: true }), keyAuth(), groups('auth_group2')],
  acl17: [acl({ allow: ['acl_group1'], always_use_authenticated_groups: true }), keyAuth()],
  // The "anonymous" describe (:1516): `nobody` is Kong's groupless `anonymous` consumer there.
  'allow-everyone': [acl({ allow: ['everyone'] })],
  'allow-none': [acl({ allow: ['none'] })],
  'deny-everyone': [acl({ allow: ['everyone'] })],
  'deny-none': [acl({ allow: ['none'] })],
  'allow-everyone-anonymous': [acl({ allow: ['everyone'] }), keyAuth('nobody')],
  'allow-everyone-anonymous-with-group': [acl({ allow: ['everyone'] }), keyAuth('anonymous_with_group')],
  'allow-none-anonymous': [acl({ allow: ['none'] }), keyAuth('nobody')],
  'allow-none-anonymous-with-group': [acl({ allow: ['none'] }), keyAuth('anonymous_with_group')],
  'deny-everyone-anonymous': [acl({ deny: ['everyone'] }), keyAuth('nobody')],
  'deny-everyone-anonymous-with-group': [acl({ deny: ['everyone'] }), keyAuth('anonymous_with_group')],
  'deny-none-anonymous': [acl({ deny: ['none'] }), keyAuth('nobody')],
  'deny-none-anonymous-with-group': [acl({ deny: ['none'] }), keyAuth('anonymous_with_group')],
}

const consumer = (username: string, key: string | undefined, ...acls: string[]) => ({
  username,
  ...(key ? { keyauth_credentials: [{ key }] } : {}),
  ...(acls.length ? { acls: acls.map((group) => ({ group })) } : {}),
})

const YML = stringify(
  {
    _format_version: '3.0',
    consumers: [
      consumer('consumer1', 'apikey123'),
      consumer('consumer2', 'apikey124', 'admin'),
      consumer('consumer3', 'apikey125', 'pro', 'hello'),
      consumer('consumer4', 'apikey126', 'free', 'hello'),
      consumer('consumer5', 'apikey127', 'acl_group1'),
      consumer('anonymous', undefined, 'anonymous'),
      consumer('nobody', undefined),
      consumer('anonymous_with_group', undefined, 'everyone'),
    ],
    services: [{ name: 'app', url: '$UPSTREAM', routes: Object.entries(ROUTES).map(([name, plugins]) => ({ name, paths: [`/${name}/`], plugins })) }],
  },
  { lineWidth: 0 },
)

/** One row of the spec: the request, then what Kong answers and what the upstream sees. */
interface Case {
  spec: number
  route: string
  key?: string
  status: 200 | 401 | 403
  /** X-Consumer-Groups / X-Authenticated-Groups upstream; null = absent; omitted = not checked. */
  consumerGroups?: string | null
  authenticatedGroups?: string | null
}

const FORBIDDEN = 'You cannot consume this service'

const CASES: Case[] = [
  // Mapping to Consumer or Authenticated Groups
  { spec: 856, route: 'acl2', key: 'apikey124', status: 200, consumerGroups: 'admin', authenticatedGroups: null },
  { spec: 868, route: 'acl2b', status: 200, consumerGroups: null, authenticatedGroups: 'admin' },
  { spec: 880, route: 'acl8', status: 200, consumerGroups: 'anonymous', authenticatedGroups: null },
  { spec: 892, route: 'acl8b', status: 200, consumerGroups: null, authenticatedGroups: 'anonymous' },
  // Simple lists
  { spec: 907, route: 'acl1', status: 401 },
  { spec: 931, route: 'acl2', key: 'apikey123', status: 403 },
  { spec: 943, route: 'acl2c', status: 403 },
  { spec: 955, route: 'acl2', key: 'apikey124', status: 200, consumerGroups: 'admin', authenticatedGroups: null },
  { spec: 966, route: 'acl2b', status: 200, consumerGroups: null, authenticatedGroups: 'admin' },
  { spec: 977, route: 'acl9', key: 'apikey124', status: 200, consumerGroups: null, authenticatedGroups: null },
  { spec: 988, route: 'acl9b', status: 200, consumerGroups: null, authenticatedGroups: null },
  { spec: 999, route: 'acl10', key: 'apikey124', status: 200, consumerGroups: 'admin', authenticatedGroups: null },
  { spec: 1010, route: 'acl10b', status: 200, consumerGroups: null, authenticatedGroups: 'admin' },
  { spec: 1021, route: 'acl3', key: 'apikey123', status: 200 },
  { spec: 1030, route: 'acl3b', status: 200 },
  { spec: 1039, route: 'acl3', key: 'apikey124', status: 403 },
  { spec: 1051, route: 'acl3c', status: 403 },
  { spec: 1063, route: 'acl3d', status: 401 },
  // Multi lists
  { spec: 1077, route: 'acl4', key: 'apikey125', status: 200, consumerGroups: 'pro, hello', authenticatedGroups: null },
  { spec: 1088, route: 'acl4b', status: 200, consumerGroups: null, authenticatedGroups: 'pro, hello' },
  { spec: 1099, route: 'acl4', key: 'apikey126', status: 403 },
  { spec: 1111, route: 'acl4c', status: 403 },
  { spec: 1123, route: 'acl5', key: 'apikey125', status: 403 },
  { spec: 1135, route: 'acl5b', status: 403 },
  { spec: 1148, route: 'acl5', key: 'apikey126', status: 200 },
  { spec: 1157, route: 'acl5c', status: 200 },
  { spec: 1166, route: 'acl6', key: 'apikey126', status: 403 },
  { spec: 1178, route: 'acl6b', status: 403 },
  { spec: 1190, route: 'acl7', key: 'apikey126', status: 200 },
  { spec: 1199, route: 'acl7b', status: 200 },
  { spec: 1208, route: 'acl6', key: 'apikey125', status: 403 },
  { spec: 1220, route: 'acl6c', status: 403 },
  // Permits with / Forbids with
  { spec: 1406, route: 'acl11', key: 'apikey124', status: 200, consumerGroups: 'admin', authenticatedGroups: null },
  { spec: 1417, route: 'acl11', status: 200, consumerGroups: null, authenticatedGroups: 'admin' },
  { spec: 1430, route: 'acl12', key: 'apikey124', status: 403 },
  { spec: 1442, route: 'acl13', status: 403 },
  // always_use_authenticated_groups
  { spec: 1475, route: 'acl15', key: 'apikey127', status: 200, consumerGroups: null, authenticatedGroups: 'auth_group1' },
  { spec: 1475, route: 'acl16', key: 'apikey127', status: 403 },
  { spec: 1494, route: 'acl17', key: 'apikey127', status: 200, consumerGroups: 'acl_group1', authenticatedGroups: null },
  { spec: 1494, route: 'acl17', key: 'apikey126', status: 403 },
  // anonymous: without authentication
  { spec: 1777, route: 'allow-everyone', status: 401 },
  { spec: 1777, route: 'allow-none', status: 401 },
  { spec: 1777, route: 'deny-everyone', status: 401 },
  { spec: 1777, route: 'deny-none', status: 401 },
  // anonymous: an anonymous consumer without groups
  { spec: 1817, route: 'allow-everyone-anonymous', status: 401 },
  { spec: 1817, route: 'allow-none-anonymous', status: 401 },
  { spec: 1844, route: 'deny-everyone-anonymous', status: 200, consumerGroups: '' },
  { spec: 1852, route: 'deny-none-anonymous', status: 200, consumerGroups: '' },
  // anonymous: an anonymous consumer with a group
  { spec: 1857, route: 'allow-everyone-anonymous-with-group', status: 200, consumerGroups: 'everyone', authenticatedGroups: null },
  { spec: 1857, route: 'deny-none-anonymous-with-group', status: 200, consumerGroups: 'everyone', authenticatedGroups: null },
  { spec: 1877, route: 'allow-none-anonymous-with-group', status: 403 },
  { spec: 1877, route: 'deny-everyone-anonymous-with-group', status: 403 },
]

t.test("Kong's acl access spec", async (t) => {
  const g = await pluginGateway(t, YML)
  for (const c of CASES) {
    // spec/03-plugins/18-acl/02-access_spec.lua:<c.spec>, one test per row
    t.test(`spec/03-plugins/18-acl/02-access_spec.lua:${c.spec} ${c.route}${c.key ? ` with ${c.key}` : ''}: ${c.status}`, async (t) => {
      const r = await g.send(`/${c.route}/request${c.key ? `?apikey=${c.key}` : ''}`)
      t.equal(r.status, c.status)
      if (c.status !== 200) {
        t.equal(r.json().message, c.status === 401 ? 'Unauthorized' : FORBIDDEN)
        t.equal(r.reached, undefined, 'the upstream is not reached')
        return
      }
      const seen = r.reached?.headers ?? {}
      if (c.consumerGroups !== undefined) t.equal(seen['x-consumer-groups'], c.consumerGroups ?? undefined, 'X-Consumer-Groups')
      if (c.authenticatedGroups !== undefined) t.equal(seen['x-authenticated-groups'], c.authenticatedGroups ?? undefined, 'X-Authenticated-Groups')
    })
  }
})

t.test('acls entries as Kong validates them', async (t) => {
  // spec/03-plugins/18-acl/01-api_spec.lua:81
  t.same(await consumerIssues('acls: [{ tags: [a] }]'), ['consumers[0].acls[0].group: required field missing'])
  // spec/03-plugins/18-acl/01-api_spec.lua:275 and :323
  t.same(await consumerIssues('acls: [{ group: 123 }]'), ['consumers[0].acls[0].group: expected a string'])
  // spec/03-plugins/18-acl/01-api_spec.lua:62
  t.same(await consumerIssues('acls: [{ group: admin, tags: [tag1, tag2] }]'), [])
})

// `gateway diff OLD NEW` as a user runs it: a real process on a pair of files with one change
// of each entity kind (diff-fixtures/base.yml, pr.yml), in each format.
import { join } from 'node:path'
import t from 'tap'
import { gatewayCli } from '../helpers/gateway-cli.js'

const FIXTURES = join(import.meta.dirname, 'diff-fixtures')
const BASE = join(FIXTURES, 'base.yml')
const PR = join(FIXTURES, 'pr.yml')
// What the vault entity of each file resolves `{vault://secrets/api-key}` to.
const VAULT_ENV = { GW_API_KEY: 'vault-value-old-1234', GATEWAY_API_KEY: 'vault-value-new-5678' }

// The three runs, started together (each is a whole process).
const [text, json, github] = await Promise.all(['text', 'json', 'github'].map((f) => gatewayCli(['diff', '--format', f, BASE, PR], VAULT_ENV)))

t.test('text: decK-like lines for every entity kind, with the fields that changed', async (t) => {
  const r = text!
  t.equal(r.code, 1, r.err)
  t.equal(r.err, '')
  const lines = r.out.split('\n')
  const expected = [
    'updating vault secrets',
    '  config.prefix: "GW_" → "GATEWAY_"',
    'creating certificate other.test (sha256 c74b1c7777ae)',
    'creating sni www.example.test (certificate localhost (sha256 4c94274b752c))',
    'creating ca_certificate Gateway Test Client CA (sha256 fb4c7baf142d)',
    'creating service search',
    'deleting service legacy',
    'creating route search-api',
    'updating route orders-api',
    '  paths: ["/orders"] → ["/orders","/v2/orders"]',
    'deleting route legacy-api',
    'deleting consumer bob',
    'updating upstream billing-pool',
    '  algorithm: "round-robin" → "least-connections"',
    'creating target 10.0.0.3:8080 (upstream billing-pool)',
    'updating target 10.0.0.1:8080 (upstream billing-pool)',
    '  weight: 100 → 50',
    'deleting target 10.0.0.2:8080 (upstream billing-pool)',
    'creating plugin cors (global)',
    'creating plugin rate-limiting (route orders-api, consumer alice)',
    'updating plugin http-log (service orders)',
    '  config.headers.Authorization: changed (secret, not shown)',
    '  config.headers.X-Api-Key: changed (secret, not shown)',
    'updating plugin rate-limiting (route orders-api)',
    '  config.minute: 5 → 10',
    '  ordering: (unset) → {"before":{"access":["key-auth"]}}',
    // The key is the credential's identity: a new key is a new credential.
    'creating key-auth credential #1 of consumer alice',
    'deleting key-auth credential #1 of consumer alice',
    'updating basic-auth credential alice-basic (consumer alice)',
    '  password: changed (secret, not shown)',
    'updating jwt credential alice-iss (consumer alice)',
    '  secret: changed (secret, not shown)',
    'updating hmac-auth credential alice-hmac (consumer alice)',
    '  secret: changed (secret, not shown)',
    'creating acl platinum (consumer alice)',
    'deleting acl gold (consumer alice)',
    'updating oauth2 credential alice-app-id (consumer alice)',
    '  client_secret: changed (secret, not shown)',
    'creating key set encryption',
  ]
  t.same(lines.slice(0, expected.length), expected)
  t.same(lines.slice(-6), ['Summary:', '  Created: 11', '  Updated: 10', '  Deleted: 6', '  Routes changing behaviour: 4', ''])
})

t.test('the routes whose behaviour changes, with the reason for each', async (t) => {
  const r = json!
  t.equal(r.code, 1, r.err)
  const routes = (JSON.parse(r.out) as { routes: { route: string; change: string; reasons: string[] }[] }).routes
  t.same(routes, [
    {
      route: 'orders-api',
      change: 'changed',
      reasons: [
        'route paths changed',
        'plugin cors (global) now applies',
        'plugin rate-limiting (route orders-api): config.minute, ordering changed',
        'plugin rate-limiting (route orders-api, consumer alice) now applies for consumer alice',
        'plugin http-log (service orders): config.headers.Authorization, config.headers.X-Api-Key changed',
        // rate-limiting's `ordering.before.access: [key-auth]` moves it ahead of key-auth (priority 1250 > 910).
        'access-phase order key-auth > rate-limiting > http-log → rate-limiting > key-auth > http-log',
      ],
    },
    {
      route: 'billing-api',
      change: 'changed',
      reasons: [
        'upstream billing-pool: algorithm changed',
        'upstream billing-pool targets: -10.0.0.2:8080, ~10.0.0.1:8080 (weight), +10.0.0.3:8080',
        'plugin cors (global) now applies',
      ],
    },
    { route: 'search-api', change: 'added', reasons: ['new route'] },
    // Nothing else serves /legacy in the new file: its requests get the router's 404.
    { route: 'legacy-api', change: 'removed', reasons: ['route removed', 'GET /legacy now matches no route (404)'] },
  ])
})

t.test('json: the documented shape', async (t) => {
  const r = json!
  const doc = JSON.parse(r.out) as Record<string, unknown> & { changes: Record<string, unknown>[] }
  t.same(Object.keys(doc), ['old', 'new', 'equal', 'summary', 'changes', 'routes'])
  t.equal(doc.old, BASE)
  t.equal(doc.equal, false)
  t.same(doc.summary, { created: 11, updated: 10, deleted: 6, routes: 4 })
  t.same(
    doc.changes.find((c) => c.collection === 'plugins' && c.action === 'update' && c.name === 'rate-limiting (route orders-api)'),
    {
      action: 'update',
      collection: 'plugins',
      kind: 'plugin',
      name: 'rate-limiting (route orders-api)',
      fields: [
        { path: 'config.minute', old: 5, new: 10 },
        { path: 'ordering', new: { before: { access: ['key-auth'] } } },
      ],
    },
  )
  t.same(
    doc.changes.find((c) => c.collection === 'basicauth_credentials'),
    {
      action: 'update',
      collection: 'basicauth_credentials',
      kind: 'basic-auth credential',
      name: 'alice-basic (consumer alice)',
      fields: [{ path: 'password', secret: true }],
    },
  )
  // A created entity comes whole, redacted, its references by name, no made-up id.
  const cert = doc.changes.find((c) => c.collection === 'certificates')!
  t.equal((cert.entity as Record<string, unknown>).key, '<redacted>')
  t.match((cert.entity as Record<string, unknown>).cert, /BEGIN CERTIFICATE/)
  t.notOk('id' in (cert.entity as object))
  const sni = doc.changes.find((c) => c.collection === 'snis')!
  t.same(sni.entity, { name: 'www.example.test', certificate: 'localhost (sha256 4c94274b752c)' })
})

t.test('github: Markdown for a pull-request comment', async (t) => {
  const r = github!
  t.equal(r.code, 1, r.err)
  t.equal(r.err, '')
  t.match(r.out, `### \`gateway diff\`: \`${BASE}\` → \`${PR}\``)
  t.match(r.out, '| Entity | Created | Updated | Deleted |')
  t.match(r.out, '| plugin | 2 | 2 | 0 |')
  t.match(r.out, '**4 routes change behaviour**')
  t.match(r.out, '| `billing-api` | changed | upstream billing-pool: algorithm changed<br>')
  // No raw HTML from the config reaches the comment.
  t.match(r.out, 'access-phase order key-auth &#62; rate-limiting')
  t.match(r.out, '<details><summary>27 entity changes</summary>')
  t.match(r.out, '```diff\n~ updating vault secrets\n    config.prefix: "GW_" → "GATEWAY_"\n')
  t.match(r.out, '\n- deleting consumer bob\n')
  t.match(r.out, '\n+ creating service search\n')
})

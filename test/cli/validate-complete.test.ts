// Issue 12, item 18: one `gateway validate` run reports every problem of a file. A type
// error no longer hides the range error beside it, the plugins nested in the entity,
// the references to it, the names it shares, or a duplicate key elsewhere.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')
const dir = mkdtempSync(join(tmpdir(), 'gw-validate-all-'))

function validate(name: string, text: string, ...flags: string[]) {
  const file = join(dir, name)
  writeFileSync(file, text)
  const r = spawnSync(process.execPath, [BIN, 'validate', ...flags, file], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  return { code: r.status, lines: r.stdout.trim().split('\n'), file }
}

const EVERYTHING = `_format_version: "3.0"
services:
  - name: orders
    host: orders.internal
    retries: three
    port: 70000
    tls_verify: true
    routes:
      - name: list
        paths: [/orders]
        plugins:
          - name: no-such-plugin
          - name: request-termination
            config: { status_code: 9999 }
routes:
  - name: by-name
    service: orders
    paths: [/by-name]
  - name: dangling
    service: nowhere
    paths: [/dangling]
  - name: list
    paths: [/again]
consumers:
  - username: alice
    username: bob
    tags: nope
    keyauth_credentials:
      - key: k1
        ttl: -1
  - username: bob
`

t.test('every kind of problem, in one run', async (t) => {
  const r = validate('everything.yml', EVERYTHING)
  t.equal(r.code, 1)
  const at = (l: string) => `${r.file}:${l}`
  t.same(r.lines, [
    // The service's own problems: a type error, a range error, and its entity check (Kong
    // runs a check whose fields are valid whatever else is wrong: kong/db/schema/init.lua).
    at(`3:5: services[0]: failed conditional validation given value of field 'protocol' (in service 'orders')`),
    at(`5:14: services[0].retries: expected an integer (in service 'orders')`),
    at(`6:11: services[0].port: value should be between 0 and 65535 (in service 'orders')`),
    at(`7:17: services[0].tls_verify: value must be null (in service 'orders')`),
    // What is nested in it: checked as if the service were valid.
    at(
      `12:19: services[0].routes[0].plugins[0].name: plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it) (in plugin 'no-such-plugin')`,
    ),
    at(`14:36: services[0].routes[0].plugins[1].config.status_code: value should be between 100 and 599 (in plugin 'request-termination')`),
    // References and names: 'orders' exists (refused, not missing); 'nowhere' does not.
    at(`20:14: routes[1].service: invalid reference 'service: nowhere' (no such entry in 'services') (in route 'dangling')`),
    at(`22:11: routes[2].name: uniqueness violation: 'routes' entity with name set to 'list' already declared (in route 'list')`),
    // A duplicate key does not stop the checks; the later value is the one checked.
    at('26:5: YAML: Map keys must be unique'),
    at(`27:11: consumers[0].tags: expected an array (in consumer 'bob')`),
    at(`30:14: consumers[0].keyauth_credentials[0].ttl: value should be between 0 and 100000000 (in consumer 'bob')`),
    at(`31:15: consumers[1].username: uniqueness violation: 'consumers' entity with username set to 'bob' already declared (in consumer 'bob')`),
    '12 errors in 1 file',
  ])
})

t.test('the same problems in the JSON format', async (t) => {
  const r = validate('everything.json.yml', EVERYTHING, '--format', 'json')
  t.equal(r.code, 1)
  t.equal((JSON.parse(r.lines.join('\n')) as unknown[]).length, 12)
})

t.test('a refused name is not called missing: references to it are not judged', async (t) => {
  const r = validate(
    'refused-name.yml',
    `_format_version: "3.0"
services:
  - name: "not a name!"
    host: a.internal
routes:
  - service: "not a name!"
    paths: [/a]
`,
  )
  t.equal(r.code, 1)
  t.equal(r.lines.length, 2, 'the name, and the summary line')
  t.match(r.lines[0], /services\[0\]\.name: /)
})

t.test('a syntax error still stops at the syntax error', async (t) => {
  const r = validate('syntax.yml', '_format_version: "3.0"\nservices:\n  - name: a\n    port: [1, 2\n')
  t.equal(r.code, 1)
  t.match(r.lines[0], /YAML: /)
  t.notMatch(r.lines.join('\n'), /services\[0\]/, 'no checks on a document that did not parse')
})

t.test("a plugin config's own checks run beside a type error in another field", async (t) => {
  const r = validate(
    'plugin-checks.yml',
    `_format_version: "3.0"
plugins:
  - name: rate-limiting
    config: { policy: 5 }
  - name: request-termination
    config: { status_code: "x", message: m, body: b }
  - name: acl
    config: { hide_groups_header: "x" }
`,
  )
  t.equal(r.code, 1)
  const messages = r.lines.slice(0, -1).map((l) => l.slice(r.file.length + 1).replace(/^\d+:\d+: /, ''))
  t.same(messages, [
    "plugins[0].config: at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year' (in plugin 'rate-limiting')",
    "plugins[0].config.policy: expected one of: local, redis (in plugin 'rate-limiting')",
    "plugins[1].config: message cannot be used with content_type or body (in plugin 'request-termination')",
    "plugins[1].config.status_code: expected an integer (in plugin 'request-termination')",
    "plugins[2].config: exactly one of these fields must be non-empty: 'config.allow', 'config.deny' (in plugin 'acl')",
    "plugins[2].config: at least one of these fields must be non-empty: 'config.allow', 'config.deny' (in plugin 'acl')",
    "plugins[2].config.hide_groups_header: expected a boolean (in plugin 'acl')",
  ])
})

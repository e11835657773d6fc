// Every config problem has a severity, and the whole-file findings a kind: the loader
// decides what to show by those, never by the wording of a message.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { Normalizer } from '../../src/config/normalize/index.js'
import { registry } from '../../src/plugins/registry.js'

const lines = (...l: string[]) => `${l.join('\n')}\n`

// A route naming a missing service, a duplicate route name, and a plugin the gateway lacks.
const WHOLE_FILE_PROBLEMS = ['routes:', '  - name: r', '    service: zzz', '    paths: [/a]', '  - name: r', '    paths: [/b]', 'plugins:', '  - name: nope']

t.test('the whole-file checks mark references and uniqueness with their kind', async (t) => {
  const n = new Normalizer(registry, true)
  n.add('routes', { name: 'r', service: 'zzz', paths: ['/a'], protocols: ['http'] }, ['routes', 0])
  n.add('routes', { name: 'r', paths: ['/b'], protocols: ['http'] }, ['routes', 1])
  n.add('plugins', { name: 'nope' }, ['plugins', 0])
  const { issues } = n.finish()
  t.same(
    issues.map((i) => [i.path.join('.'), i.kind]),
    [
      ['routes.0.service', 'reference'],
      ['routes.1.name', 'uniqueness'],
      ['plugins.0.name', undefined],
    ],
  )
})

t.test('with every entity valid, reference and uniqueness problems are reported', async (t) => {
  const r = loadConfig(lines('_format_version: "3.0"', ...WHOLE_FILE_PROBLEMS), { file: 'kong.yml', env: {} })
  t.notOk(r.ok)
  if (r.ok) return
  t.same(
    r.issues.map((i) => i.message),
    [
      "invalid reference 'service: zzz' (no such entry in 'services')",
      "uniqueness violation: 'routes' entity with name set to 'r' already declared",
      "plugin 'nope' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
    ],
  )
})

t.test('behind a schema error, reference and uniqueness problems are still reported (issue 12, item 18)', async (t) => {
  const text = lines('_format_version: "3.0"', 'services:', '  - name: s', '    host: s.internal', '    port: 99999', ...WHOLE_FILE_PROBLEMS)
  const r = loadConfig(text, { file: 'kong.yml', env: {} })
  t.notOk(r.ok)
  if (r.ok) return
  t.same(
    r.issues.map((i) => `${i.path}: ${i.message}`),
    [
      'services[0].port: value should be between 0 and 65535',
      "routes[0].service: invalid reference 'service: zzz' (no such entry in 'services')",
      "routes[1].name: uniqueness violation: 'routes' entity with name set to 'r' already declared",
      "plugins[0].name: plugin 'nope' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
    ],
  )
})

t.test('after a failed substitution, reference and uniqueness problems are left out: the missing value may be a name', async (t) => {
  const text = lines(
    '_format_version: "3.0"',
    'services:',
    '  - name: ${{ env "DECK_SVC" }}',
    '    host: s.internal',
    'routes:',
    '  - service: real',
    '    paths: [/a]',
  )
  const r = loadConfig(text, { file: 'kong.yml', env: {} })
  t.notOk(r.ok)
  if (r.ok) return
  t.equal(r.issues.length, 1, 'only the substitution: no dangling reference to the name it would have given')
  t.match(r.issues[0]!.message, /DECK_SVC/)
})

t.test('errors carry severity error; warnings carry severity warning', async (t) => {
  const bad = loadConfig(
    lines('_format_version: "3.0"', 'services:', '  - host: s.internal', '    port: 99999', 'routes:', '  - paths: [/a]', '    path_handling: v1'),
    {
      file: 'kong.yml',
      env: {},
    },
  )
  t.notOk(bad.ok)
  if (bad.ok) return
  t.ok(bad.issues.length > 0)
  t.same(new Set(bad.issues.map((i) => i.severity)), new Set(['error']))
  t.match(bad.warnings, [{ path: 'routes[0].path_handling', severity: 'warning' }])

  const ok = loadConfig(lines('_format_version: "3.0"', 'routes:', '  - paths: [/a]', '    path_handling: v1'), { file: 'kong.yml', env: {} })
  t.ok(ok.ok)
  t.same(ok.warnings, [
    {
      file: 'kong.yml',
      line: 4,
      column: 20,
      path: 'routes[0].path_handling',
      message: "path_handling 'v1' is ignored by the traditional_compatible router (as in Kong); v0 applies",
      severity: 'warning',
    },
  ])
})

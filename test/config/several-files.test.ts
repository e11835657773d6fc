// Several declarative files (or a directory) loaded as one config: collections
// concatenated, credentials of one file bound to consumers of another, every
// problem placed in its own file, a duplicate named at both places.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { configHash, loadPaths, loadSources, sourcesHash, type ConfigSource } from '../../src/config/load.js'
import { ConfigPathError } from '../../src/config/files.js'

const ROUTES = `_format_version: "3.0"
services:
  - name: orders
    url: http://127.0.0.1:9/
    routes:
      - name: orders
        paths: [/orders]
        plugins:
          - name: key-auth
consumers:
  - username: alice
`

const SECRET = `keyauth_credentials:
  - consumer: alice
    key: alice-key-0123456789
`

const both = (...sources: [string, string][]): ConfigSource[] => sources.map(([file, text]) => ({ file, text }))

for (const fastPath of [true, false]) {
  t.test(`a credentials-only file binds its keys to a consumer of another file (fast path ${fastPath})`, async (t) => {
    const r = loadSources(both(['routes.yml', ROUTES], ['secret.yml', SECRET]), { env: {}, fastPath })
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    t.equal(r.config.services.length, 1)
    t.equal(r.config.consumers.length, 1)
    t.equal(r.config.keyauth_credentials.length, 1)
    t.equal(r.config.keyauth_credentials[0]!.consumer, r.config.consumers[0]!.id, 'the key belongs to alice of the other file')
  })
}

t.test('the merged config is the config of the same entities in one file', async (t) => {
  const merged = loadSources(both(['routes.yml', ROUTES], ['secret.yml', SECRET]), { env: {} })
  const single = loadSources(both(['one.yml', ROUTES + SECRET]), { env: {} })
  if (!merged.ok || !single.ok) throw new Error('both load')
  // A credential without an id gets a random one on every load (as in Kong): compared without it.
  const withoutCredentialIds = (c: typeof merged.config) => ({ ...c, keyauth_credentials: c.keyauth_credentials.map(({ id: _id, ...rest }) => rest) })
  t.same(withoutCredentialIds(merged.config), withoutCredentialIds(single.config))
})

t.test('the same entity in two files names both places', async (t) => {
  const other = `_format_version: "3.0"
services:
  - name: billing
    url: http://127.0.0.1:9/
  - name: orders
    url: http://127.0.0.1:9/
`
  const r = loadSources(both(['a.yml', ROUTES], ['b.yml', other]), { env: {} })
  t.equal(r.ok, false)
  if (r.ok) return
  t.equal(r.issues.length, 1)
  const [i] = r.issues
  t.match(i, { file: 'b.yml', line: 5, column: 11, path: 'services[1].name', entity: "service 'orders'" })
  t.same(i!.related, { file: 'a.yml', line: 3, column: 11, path: 'services[0].name' })
  t.equal(i!.message, "uniqueness violation: 'services' entity with name set to 'orders' already declared (first declared at a.yml:3:11)")
})

t.test('a consumer declared in two files is a conflict, whatever the second adds', async (t) => {
  const secret = `consumers:
  - username: alice
    keyauth_credentials:
      - key: alice-key-0123456789
`
  const r = loadSources(both(['a.yml', ROUTES], ['b.yml', secret]), { env: {} })
  t.equal(r.ok, false)
  if (r.ok) return
  t.match(r.issues, [{ file: 'b.yml', line: 2, column: 15, path: 'consumers[0].username', related: { file: 'a.yml', line: 11, column: 15 } }])
})

t.test('a duplicate key across files is reported at both places without showing the key', async (t) => {
  const again = `keyauth_credentials:
  - consumer: alice
    key: alice-key-0123456789
`
  const r = loadSources(both(['a.yml', ROUTES], ['s1.yml', SECRET], ['s2.yml', again]), { env: {} })
  t.equal(r.ok, false)
  if (r.ok) return
  t.equal(r.issues.length, 1)
  t.match(r.issues[0], { file: 's2.yml', line: 3, column: 10, related: { file: 's1.yml', line: 3, column: 10 } })
  t.match(r.issues[0]!.message, /'<redacted>' already declared \(the same key belongs to another credential, first declared at s1\.yml:3:10\)/)
  t.notMatch(JSON.stringify(r.issues), /alice-key-0123456789/)
})

t.test('_format_version: one file may leave it out; two that set it must agree', async (t) => {
  const r = loadSources(both(['a.yml', ROUTES], ['b.yml', '_format_version: "2.1"\n']), { env: {} })
  t.equal(r.ok, false)
  if (!r.ok)
    t.same(r.issues, [
      {
        file: 'b.yml',
        line: 1,
        column: 18,
        path: '_format_version',
        message: 'expected "3.0": every file that sets _format_version must set the same value (first declared at a.yml:1:18)',
        severity: 'error',
        related: { file: 'a.yml', line: 1, column: 18, path: '_format_version' },
      },
    ])
  const none = loadSources(both(['a.yml', 'services: []\n'], ['b.yml', SECRET]), { env: {} })
  t.equal(none.ok, false)
  if (!none.ok) t.match(none.issues, [{ file: 'a.yml', line: 1, column: 1, path: '_format_version', message: 'required field missing' }])
})

t.test('every problem is placed in its own file', async (t) => {
  const broken = `routes:
  - name: health
    paths: [health]
`
  const dangling = `keyauth_credentials:
  - consumer: bob
    key: bob-key-0123456789
`
  const r = loadSources(both(['a.yml', ROUTES], ['b.yml', broken], ['c.yml', dangling]), { env: {} })
  t.equal(r.ok, false)
  if (r.ok) return
  t.match(r.issues, [
    { file: 'b.yml', line: 3, column: 13, path: 'routes[0].paths[0]', message: /should start with/ },
    {
      file: 'c.yml',
      line: 2,
      column: 15,
      path: 'keyauth_credentials[0].consumer',
      message: "invalid reference 'consumer: bob' (no such entry in 'consumers')",
    },
  ])
  t.equal(r.issues.length, 2)
  const syntax = loadSources(both(['a.yml', ROUTES], ['b.yml', 'routes:\n  - name: [unclosed\n']), { env: {} })
  t.equal(syntax.ok, false)
  if (!syntax.ok) t.match(syntax.issues, [{ file: 'b.yml', line: 3 }])
})

t.test('an unknown root key of a later file is reported in that file', async (t) => {
  const r = loadSources(both(['a.yml', ROUTES], ['b.yml', 'servces: []\n']), { env: {} })
  t.equal(r.ok, false)
  if (!r.ok) t.match(r.issues, [{ file: 'b.yml', line: 1, column: 1, path: 'servces', message: "unknown field (did you mean 'services'?)" }])
})

t.test('a directory: its yml, yaml and json files in name order; dotfiles, ..data and other files skipped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-several-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, '10-routes.yml'), ROUTES)
  writeFileSync(join(dir, '20-more.yaml'), 'services:\n  - name: billing\n    url: http://127.0.0.1:9/\n')
  writeFileSync(join(dir, '30-upstreams.json'), JSON.stringify({ upstreams: [{ name: 'up' }] }))
  writeFileSync(join(dir, 'README.md'), 'not config')
  writeFileSync(join(dir, '.10-routes.yml.swp'), 'not: [yaml')
  // A ConfigMap volume: the timestamped directory and ..data hold copies that must not load twice.
  mkdirSync(join(dir, '..2026_12_07_00_00_00.000000001'))
  writeFileSync(join(dir, '..2026_12_07_00_00_00.000000001', 'secret.yml'), SECRET)
  symlinkSync('..2026_12_07_00_00_00.000000001', join(dir, '..data'))
  symlinkSync('..data/secret.yml', join(dir, '40-secret.yml'))
  mkdirSync(join(dir, 'sub.yml'))
  const r = await loadPaths([dir], { env: {} })
  if (!r.ok) throw new Error(JSON.stringify(r.issues))
  t.same(
    r.config.services.map((s) => s.name),
    ['orders', 'billing'],
  )
  t.equal(r.config.upstreams.length, 1)
  t.equal(r.config.keyauth_credentials.length, 1, 'the linked key, once')
  const bad = await loadPaths([dir, join(dir, '10-routes.yml')], { env: {} })
  t.equal(bad.ok, true, 'a file named twice (in a directory and on its own) loads once')
})

t.test('a directory with nothing to load, and a missing path, are path errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-several-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await t.rejects(loadPaths([dir]), ConfigPathError)
  await t.rejects(loadPaths([join(dir, 'nope.yml')]), { name: 'ConfigPathError', code: 'ENOENT' })
  symlinkSync('..data/kong.yml', join(dir, 'kong.yml'))
  await t.rejects(loadPaths([dir]), { name: 'ConfigPathError', message: /kong\.yml: a link to nothing/ }, 'a dangling key is not silently left out')
})

t.test("the hash: Kong's for one file; for several, every file's name and bytes, not where they are mounted", async (t) => {
  t.equal(sourcesHash(both(['/etc/kong.yml', ROUTES])), configHash(ROUTES))
  const h = sourcesHash(both(['/a/routes.yml', ROUTES], ['/a/secret.yml', SECRET]))
  t.equal(sourcesHash(both(['/b/routes.yml', ROUTES], ['/c/secret.yml', SECRET])), h, 'another mount path')
  t.not(sourcesHash(both(['/a/routes.yml', ROUTES], ['/a/secret.yml', SECRET + '\n'])), h, 'a byte of the second file')
  t.not(sourcesHash(both(['/a/routes.yml', ROUTES + SECRET], ['/a/secret.yml', ''])), h, 'bytes moved between files')
  const r = loadSources(both(['/a/routes.yml', ROUTES], ['/a/secret.yml', SECRET]), { env: {} })
  t.equal(r.hash, h)
})

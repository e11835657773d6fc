// `gateway validate` as CI runs it: a real process, exit codes, the three output formats.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')
const dir = mkdtempSync(join(tmpdir(), 'gw-validate-'))

function file(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

function gateway(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const good = file('good.yml', '_format_version: "3.0"\nservices:\n  - name: a\n    url: http://a.internal\n    routes:\n      - paths: [/a]\n')
const bad = file('bad.yml', '_format_version: "3.0"\nservices:\n  - name: a\n    port: 99999\n')

t.test('valid files exit 0 with a summary', async (t) => {
  const r = gateway('validate', good, 'kong.yml')
  t.equal(r.code, 0, r.err)
  t.match(r.out, `${good}: OK (1 service, 1 route)`)
  t.match(r.out, 'kong.yml: OK (')
})

t.test('invalid files exit 1 with one line per error and a summary', async (t) => {
  const r = gateway('validate', good, bad)
  t.equal(r.code, 1)
  t.same(r.out.trim().split('\n').slice(1), [
    `${bad}:3:5: services[0].host: required field missing (in service 'a')`,
    `${bad}:4:11: services[0].port: value should be between 0 and 65535 (in service 'a')`,
    '2 errors in 1 file',
  ])
})

t.test('--format json prints an array of {file, line, column, path, message}', async (t) => {
  const r = gateway('validate', '--format', 'json', bad)
  t.equal(r.code, 1)
  const parsed = JSON.parse(r.out) as unknown[]
  t.same(parsed, [
    { file: bad, line: 3, column: 5, path: 'services[0].host', message: 'required field missing', entity: "service 'a'" },
    { file: bad, line: 4, column: 11, path: 'services[0].port', message: 'value should be between 0 and 65535', entity: "service 'a'" },
  ])
  const ok = gateway('validate', '--format', 'json', good)
  t.equal(ok.code, 0)
  t.same(JSON.parse(ok.out), [])
})

t.test('--format github prints workflow annotations', async (t) => {
  const r = gateway('validate', '--format', 'github', bad)
  t.equal(r.code, 1)
  const lines = r.out.trim().split('\n')
  t.equal(lines.length, 2)
  t.equal(lines[1], `::error file=${bad},line=4,col=11,title=kong.yml services[0].port::value should be between 0 and 65535 (in service 'a')`)
})

t.test('usage and I/O errors exit 2', async (t) => {
  t.equal(gateway('validate').code, 2)
  t.equal(gateway('validate', '--format', 'xml', good).code, 2)
  t.equal(gateway('validate', '--bogus', good).code, 2)
  const missing = gateway('validate', join(dir, 'nope.yml'))
  t.equal(missing.code, 2)
  t.match(missing.err, 'nope.yml: cannot read: ENOENT')
  t.equal(gateway('frobnicate').code, 2)
})

t.test('warnings do not fail validation', async (t) => {
  const warn = file('warn.yml', '_format_version: "3.0"\nroutes:\n  - paths: [/a]\n    path_handling: v1\n')
  const r = gateway('validate', warn)
  t.equal(r.code, 0)
  t.match(r.err, `${warn}:4:20: warning: routes[0].path_handling: path_handling 'v1' is ignored`)
})

t.test('examples and the default kong.yml are valid', async (t) => {
  const { readdirSync } = await import('node:fs')
  const examples = readdirSync('examples')
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join('examples', f))
  t.ok(examples.length >= 5)
  const r = gateway('validate', 'kong.yml', ...examples)
  t.equal(r.code, 0, r.out + r.err)
})

t.test('gateway schemas --check detects a stale schema file', async (t) => {
  t.equal(gateway('schemas', '--check', '--out', 'schemas/kong.schema.json').code, 0)
  const stale = file('stale.json', '{}\n')
  t.equal(gateway('schemas', '--check', '--out', stale).code, 1)
})

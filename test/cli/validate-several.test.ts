// `gateway validate` of a config in several files: a directory is one config,
// `--merge` makes the arguments one config (as `serve --config A --config B`),
// and each output format places every problem in its own file.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')
const dir = mkdtempSync(join(tmpdir(), 'gw-validate-several-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

function gateway(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const routes = file(
  'routes.yml',
  `_format_version: "3.0"
services:
  - name: orders
    url: http://orders.internal
    routes:
      - name: orders
        paths: [/orders]
        plugins:
          - name: key-auth
consumers:
  - username: alice
`,
)
const secret = file('secret.yml', 'keyauth_credentials:\n  - consumer: alice\n    key: alice-key-0123456789\n')
const clash = file('clash.yml', 'services:\n  - name: orders\n    url: http://elsewhere.internal\n')

t.test('--merge: a credentials file and a consumers file are one valid config', async (t) => {
  const r = gateway('validate', '--merge', routes, secret)
  t.equal(r.code, 0, r.err)
  t.equal(r.out, `${routes} + ${secret}: OK (1 service, 1 route, 1 consumer, 1 plugin)\n`)
})

t.test('without --merge each file is a config of its own, as before', async (t) => {
  const r = gateway('validate', routes, secret)
  t.equal(r.code, 1)
  t.match(r.out, `${routes}: OK`)
  t.match(r.out, `${secret}:1:1: _format_version: required field missing`)
  t.match(r.out, `${secret}:2:15: keyauth_credentials[0].consumer: invalid reference 'consumer: alice' (no such entry in 'consumers')`)
})

t.test('a conflict names both places, in every format', async (t) => {
  const text = gateway('validate', '--merge', routes, clash)
  t.equal(text.code, 1)
  t.equal(
    text.out,
    `${clash}:2:11: services[0].name: uniqueness violation: 'services' entity with name set to 'orders' already declared (first declared at ${routes}:3:11) (in service 'orders')\n1 error in 1 file\n`,
  )
  const json = gateway('validate', '--merge', '--format', 'json', routes, clash)
  t.equal(json.code, 1)
  t.same(JSON.parse(json.out), [
    {
      file: clash,
      line: 2,
      column: 11,
      path: 'services[0].name',
      message: `uniqueness violation: 'services' entity with name set to 'orders' already declared (first declared at ${routes}:3:11)`,
      entity: "service 'orders'",
      related: { file: routes, line: 3, column: 11, path: 'services[0].name' },
    },
  ])
  const github = gateway('validate', '--merge', '--format', 'github', routes, clash)
  t.equal(github.code, 1)
  t.match(github.out, new RegExp(`^::error file=${clash.replaceAll('/', '\\/')},line=2,col=11,title=kong\\.yml services\\[0\\]\\.name::uniqueness violation`))
})

t.test('a directory is one config; dotfiles and other files are left out', async (t) => {
  const volume = join(dir, 'volume')
  mkdirSync(volume)
  writeFileSync(join(volume, 'a-routes.yml'), `_format_version: "3.0"\nservices:\n  - name: a\n    url: http://a.internal\n`)
  writeFileSync(join(volume, 'b-more.json'), JSON.stringify({ services: [{ name: 'b', url: 'http://b.internal' }] }))
  writeFileSync(join(volume, '.a-routes.yml.swp'), 'services: [broken')
  writeFileSync(join(volume, 'notes.txt'), 'not a config')
  const r = gateway('validate', volume)
  t.equal(r.code, 0, r.err)
  t.equal(r.out, `${join(volume, 'a-routes.yml')} + ${join(volume, 'b-more.json')}: OK (2 services)\n`)
  const empty = join(dir, 'empty')
  mkdirSync(empty)
  const none = gateway('validate', empty)
  t.equal(none.code, 2)
  t.equal(none.err, `${empty}: cannot read: no *.yml, *.yaml or *.json files in this directory\n`)
})

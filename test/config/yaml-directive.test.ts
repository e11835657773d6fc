// Issue 12, item 20: a `%YAML 1.1` directive does not bring YAML 1.1 scalars back
// (README: every file is YAML 1.2, core schema). The directive loads with a warning;
// a value means what it means without the directive, on both load paths.
import t from 'tap'
import { validate } from '../../src/cli/validate.js'
import { loadConfig } from '../../src/config/load.js'
import { YAML_11_IGNORED } from '../../src/config/yaml.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const DIRECTIVE = '%YAML 1.1\n---\n'

// An anchor, as real files have: the file takes the positioned path, where the directive used to switch schemas.
const terminating = (message: string, enabled = 'true') => `_format_version: "3.0"
routes:
  - name: r
    paths: &paths [/]
    plugins:
      - name: request-termination
        enabled: ${enabled}
        config: { status_code: 200, message: ${message} }
`

t.test('under %YAML 1.1, `on` is still the string "on": the gateway starts and answers it', async (t) => {
  const gw = await gateway(DIRECTIVE + terminating('on'))
  t.teardown(() => gw.close())
  const r = await fetchRaw(`${gw.url}/`)
  t.equal(r.status, 200)
  t.equal(r.body, '{"message":"on"}', 'YAML 1.1 would have made it true, refused as "expected a string"')
})

t.test('under %YAML 1.1, `no` is not a boolean: a boolean field says so, next to the warning', async (t) => {
  const r = loadConfig(DIRECTIVE + terminating('"x"', 'no'), { file: 'kong.yml', env: {} })
  t.notOk(r.ok, 'YAML 1.1 would have loaded it with the plugin disabled')
  if (r.ok) return
  t.same(
    r.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`),
    ['9:18 routes[0].plugins[0].enabled: expected a boolean'],
  )
  t.same(
    r.warnings.map((w) => `${w.line}:${w.column} ${w.message}`),
    [`1:1 YAML: ${YAML_11_IGNORED}`],
  )
})

t.test('with or without the directive, both load paths give the same config', async (t) => {
  const body = `_format_version: "3.0"
services:
  - name: a
    host: a.internal
    port: 0777
    tags: [yes, no, on, off, y, "1:30", 1_000]
`
  for (const fastPath of [true, false]) {
    const plain = loadConfig(body, { file: 'k.yml', env: {}, fastPath })
    const directed = loadConfig(DIRECTIVE + body, { file: 'k.yml', env: {}, fastPath })
    t.ok(plain.ok && directed.ok, `fast path ${fastPath}: both load`)
    if (!plain.ok || !directed.ok) continue
    t.same(directed.config, { ...plain.config, services: directed.config.services }, 'same entities besides the service')
    t.same(directed.config.services[0]!.tags, ['yes', 'no', 'on', 'off', 'y', '1:30', '1_000'], 'YAML 1.1 booleans and numbers stay strings')
    t.equal(directed.config.services[0]!.port, 777, '0777 is decimal, as in YAML 1.2')
    t.equal(directed.warnings.length, 1, 'the directive is warned about')
    t.equal(plain.warnings.length, 0)
  }
})

t.test('`gateway validate` prints the warning with its position and still exits 0', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'gw-directive-')), 'kong.yml')
  writeFileSync(file, DIRECTIVE + terminating('on'))
  const out: string[] = []
  const err: string[] = []
  const code = await validate([file], 'text', { out: (l) => out.push(l), err: (l) => err.push(l), env: {} })
  t.equal(code, 0)
  t.same(err, [`${file}:1:1: warning: YAML: ${YAML_11_IGNORED}`])
  t.same(out, [`${file}: OK (1 route, 1 plugin)`])
})

t.test('%YAML 1.2 is the rule itself: no warning', async (t) => {
  const r = loadConfig(`%YAML 1.2\n---\n${terminating('on')}`, { file: 'k.yml', env: {} })
  t.ok(r.ok)
  t.same(r.warnings, [])
})

// The fast path (js-yaml, no positions) and the positioned path must load every valid
// file to the same config, and the fast path must never accept what the other refuses.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/model.js'
import { corpusAbsent, corpusFiles, corpusPresent } from '../helpers/outside.js'

// Ids Kong makes random differ between any two loads.
function comparable(c: Config) {
  const noId = <T extends { id: string }>(l: readonly T[]) => l.map(({ id: _id, ...rest }) => rest)
  const keyauth = c.keyauth_credentials.map(({ id: _id, ...rest }) => rest)
  const jwt = c.jwt_secrets.map(({ id: _id, key: _key, secret: _secret, ...rest }) => rest)
  return { ...c, keyauth_credentials: keyauth, jwt_secrets: jwt, certificates: noId(c.certificates), ca_certificates: noId(c.ca_certificates) }
}

function both(text: string, env: NodeJS.ProcessEnv = {}) {
  return { fast: loadConfig(text, { file: 'k.yml', env }), slow: loadConfig(text, { file: 'k.yml', env, fastPath: false }) }
}

const files = [
  'kong.yml',
  ...readdirSync('examples')
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join('examples', f)),
  ...corpusFiles(),
]

t.test('same result on the examples and the corpus', async (t) => {
  if (!corpusPresent()) corpusAbsent(t, 'both load paths on the real-world corpus (the examples and kong.yml are checked)')
  for (const file of files) {
    const { fast, slow } = both(readFileSync(file, 'utf8'))
    t.equal(fast.ok, slow.ok, `${file}: same verdict`)
    if (fast.ok && slow.ok) t.same(comparable(fast.config), comparable(slow.config), `${file}: same config`)
    if (!fast.ok && !slow.ok) t.same(fast.issues, slow.issues, `${file}: same issues`)
  }
})

t.test('scalars resolve the same way (YAML 1.2 core, as the yaml package does)', async (t) => {
  const doc = (v: string) => `_format_version: "3.0"\nservices:\n- name: a\n  host: a.internal\n  tags: [${v}]\n`
  // Each of these must be a string tag in both paths or a type error in both.
  for (const v of [
    'yes',
    'no',
    'on',
    'off',
    'y',
    '1_000',
    '0777',
    '0o17',
    '0x1F',
    '1e3',
    '.5',
    '+1',
    '12:30',
    '2026-01-01',
    'null',
    '~',
    'True',
    '"1"',
    '.inf',
    '-.INF',
    '.NaN',
  ]) {
    const { fast, slow } = both(doc(v))
    t.equal(fast.ok, slow.ok, `tag ${v}: same verdict`)
    if (fast.ok && slow.ok) t.same(fast.config.services[0]!.tags, slow.config.services[0]!.tags, `tag ${v}: same value`)
  }
  for (const v of ['8000', '0x1F40', '0o17500', '+8000', '8_000', '8000.0', '"8000"']) {
    const d = `_format_version: "3.0"\nservices:\n- name: a\n  host: a.internal\n  port: ${v}\n`
    const { fast, slow } = both(d)
    t.equal(fast.ok, slow.ok, `port ${v}: same verdict`)
    if (fast.ok && slow.ok) t.equal(fast.config.services[0]!.port, slow.config.services[0]!.port, `port ${v}: same value`)
  }
})

t.test('env substitution gives the same config on both paths', async (t) => {
  const d =
    '_format_version: "3.0"\nservices:\n- name: a\n  host: ${{ env "DECK_HOST" }}\n  port: ${{ env "DECK_PORT" | toInt }}\n  path: /v1/${{ env "DECK_VERSION" }}\n'
  const env = { DECK_HOST: 'api.internal', DECK_PORT: '9000', DECK_VERSION: 'x' }
  const { fast, slow } = both(d, env)
  t.ok(fast.ok && slow.ok)
  if (fast.ok && slow.ok) t.same(fast.config, slow.config)
  const missing = both(d, {})
  t.notOk(missing.fast.ok)
  t.same(missing.fast, missing.slow, 'a failing template is reported with positions')
})

t.test('anchors take the positioned path and its alias limits', async (t) => {
  const d = '_format_version: "3.0"\nservices:\n- &svc\n  name: a\n  host: a.internal\n'
  const { fast, slow } = both(d)
  t.equal(fast.ok, slow.ok)
  if (fast.ok && slow.ok) t.same(fast.config, slow.config)
})

t.test('duplicate keys and multiple documents are refused on both paths', async (t) => {
  for (const d of ['_format_version: "3.0"\n_format_version: "3.0"\n', '_format_version: "3.0"\n---\n_format_version: "3.0"\n']) {
    const { fast, slow } = both(d)
    t.notOk(fast.ok)
    t.same(fast, slow)
  }
})

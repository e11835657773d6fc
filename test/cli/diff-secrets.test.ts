// `gateway diff` never prints a secret: credentials, private keys, plugin secrets, values from a
// vault, in any format, in either direction, nor from an invalid file.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { gatewayCli, tempFiles } from '../helpers/gateway-cli.js'

const FIXTURES = join(import.meta.dirname, 'diff-fixtures')
const BASE = join(FIXTURES, 'base.yml')
const PR = join(FIXTURES, 'pr.yml')
const TLS = join(import.meta.dirname, '..', 'fixtures', 'tls')
const VAULT_ENV = { GW_API_KEY: 'vault-value-old-1234', GATEWAY_API_KEY: 'vault-value-new-5678' }
const { file, cleanup } = tempFiles('gw-diff-secrets-')
t.teardown(cleanup)

/** A private key's body lines (never printed, whole or in part). */
const keyLines = (name: string) =>
  readFileSync(join(TLS, name), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('-----'))

const SECRETS = [
  'alice-old-secret-key',
  'alice-new-secret-key',
  'old-password-1',
  'new-password-2',
  'old-jwt-secret-value',
  'new-jwt-secret-value',
  'old-hmac-secret-value',
  'new-hmac-secret-value',
  'old-client-secret-value',
  'new-client-secret-value',
  'old-log-token-value',
  'new-log-token-value',
  'vault-value-old-1234',
  'vault-value-new-5678',
  ...keyLines('server.key'),
  ...keyLines('other.key'),
]

t.test('no secret is printed, in any format, in either direction', async (t) => {
  const runs = ['text', 'json', 'github'].flatMap((format) =>
    [
      [BASE, PR],
      [PR, BASE],
    ].map(async ([a, b]) => ({ format, r: await gatewayCli(['diff', '--format', format, a!, b!], VAULT_ENV) })),
  )
  for (const { format, r } of await Promise.all(runs)) {
    t.equal(r.code, 1, r.err)
    const all = r.out + r.err
    const leaked = SECRETS.filter((s) => all.includes(s))
    t.same(leaked, [], `${format}: no secret printed`)
  }
})

t.test('a secret in an invalid file is not echoed either', async (t) => {
  const good = file('good.yml', '_format_version: "3.0"\n')
  const leaky = file(
    'leaky.yml',
    '_format_version: "3.0"\nconsumers:\n  - username: a\n    keyauth_credentials:\n      - key: leaky-secret-123\n        bogus: 1\n',
  )
  for (const r of await Promise.all(['text', 'json', 'github'].map((format) => gatewayCli(['diff', '--format', format, good, leaky])))) {
    t.equal(r.code, 2)
    t.match(r.out + r.err, 'keyauth_credentials[0].bogus')
    t.notOk((r.out + r.err).includes('leaky-secret-123'))
  }
})

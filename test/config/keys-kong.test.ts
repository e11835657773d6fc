// Kong's `keys` and `key_sets` entities in a declarative file, as Kong's specs
// and schemas check them (spec/02-integration/03-db/18-keys_spec.lua,
// 19-key-sets_spec.lua, 04-admin_api/21-admin-api-keys_spec.lua;
// kong/db/schema/entities/keys.lua, typedefs.lua `jwk` and `pem`;
// kong/db/schema/others/declarative_config.lua for nesting, references and
// uniqueness), and decK's own dumps of them (test/fixtures/deck, see its NOTICE).
// Keys are generated here, as Kong's specs generate theirs (helpers.generate_keys).
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { validate } from '../../src/cli/validate.js'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/model.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

const pemPub = (k: { publicKey: KeyObject }) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const pemPriv = (k: { privateKey: KeyObject }) => k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
/** Kong's spec merges the public and the private JWK and gives it a kid. */
const jwkOf = (k: { privateKey: KeyObject }, kid: string) => JSON.stringify({ ...k.privateKey.export({ format: 'jwk' }), kid })
const publicJwkOf = (k: { publicKey: KeyObject }, kid: string) => JSON.stringify({ ...k.publicKey.export({ format: 'jwk' }), kid })

/** A YAML block scalar of `text`, indented by `n`. */
const block = (text: string, n: number) =>
  `|\n${text
    .trim()
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n')}`
/** A YAML single-quoted scalar. */
const sq = (s: string) => `'${s.replaceAll("'", "''")}'`
const lines = (...l: string[]) => `_format_version: "3.0"\n${l.join('\n')}\n`

function load(yaml: string, env: NodeJS.ProcessEnv = {}): Config {
  const r = loadConfig(yaml, { file: 'kong.yml', env })
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'))
  return r.config
}

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = loadConfig(yaml, { file: 'kong.yml', env })
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)
}

const pemKey = (indent: string, pair: { private?: string; public?: string }) =>
  [
    `${indent}pem:`,
    ...(pair.private !== undefined ? [`${indent}  private_key: ${block(pair.private, indent.length + 4)}`] : []),
    ...(pair.public !== undefined ? [`${indent}  public_key: ${block(pair.public, indent.length + 4)}`] : []),
  ].join('\n')

// spec/02-integration/03-db/18-keys_spec.lua:39 (:select returns an item [jwk]) and :53 ([pem])
t.test('a JWK key and a PEM key in a set load, with their set resolved', async (t) => {
  const c = load(
    lines(
      'key_sets:',
      '- name: testset',
      'keys:',
      '- name: testjwk',
      '  set: testset',
      '  kid: rsa-1',
      `  jwk: ${sq(jwkOf(rsa, 'rsa-1'))}`,
      '- name: testpem',
      '  set: testset',
      '  kid: "456"',
      pemKey('  ', { private: pemPriv(rsa), public: pemPub(rsa) }),
    ),
  )
  t.equal(c.key_sets.length, 1)
  const [jwk, pem] = c.keys
  t.equal(typeof jwk!.jwk, 'string', 'the jwk stays a string')
  t.equal(JSON.parse(jwk!.jwk!).kid, 'rsa-1')
  t.equal(pem!.kid, '456')
  t.equal(pem!.pem!.private_key, pemPriv(rsa))
  t.equal(pem!.pem!.public_key, pemPub(rsa))
  t.equal(jwk!.set, c.key_sets[0]!.id, 'set by name resolves to the set')
  t.equal(pem!.set, c.key_sets[0]!.id)
})

// spec/02-integration/04-admin_api/21-admin-api-keys_spec.lua:85 and :101 (keys without a set)
t.test('a key needs no set', async (t) => {
  const c = load(
    lines(
      'keys:',
      '- name: pemkey no set',
      '  kid: test_pem_no_set',
      pemKey('  ', { private: pemPriv(ec), public: pemPub(ec) }),
      '- name: jwk no set',
      '  kid: ec-1',
      `  jwk: ${sq(jwkOf(ec, 'ec-1'))}`,
    ),
  )
  t.same(
    c.keys.map((k) => [k.name, k.set]),
    [
      ['pemkey no set', undefined],
      ['jwk no set', undefined],
    ],
  )
})

// spec/02-integration/03-db/19-key-sets_spec.lua:89 (keys of both formats in one set), nested as
// declarative_config.lua nests an entity in the one its foreign key names
t.test('keys nested in their set, of both formats; a public key alone is a key', async (t) => {
  const c = load(
    lines(
      'key_sets:',
      '- name: multikeys',
      '  keys:',
      '  - name: pem_k',
      '    kid: "2"',
      pemKey('    ', { private: pemPriv(rsa), public: pemPub(rsa) }),
      '  - name: jwk_k',
      '    kid: rsa-1',
      `    jwk: ${sq(jwkOf(rsa, 'rsa-1'))}`,
      '  - name: public only',
      '    kid: "3"',
      pemKey('    ', { public: pemPub(ec) }),
      '  - name: public jwk',
      '    kid: ec-pub',
      `    jwk: ${sq(publicJwkOf(ec, 'ec-pub'))}`,
    ),
  )
  t.equal(c.keys.length, 4)
  t.ok(
    c.keys.every((k) => k.set === c.key_sets[0]!.id),
    'each key points at its set',
  )
  t.same(problems(lines('key_sets:', '- name: a', '  keys:', '  - kid: x', `    jwk: ${sq(jwkOf(ec, 'x'))}`, '    set: b', '- name: b')), [
    'key_sets[0].keys[0].set: value must be null (this key is nested in a key set)',
  ])
})

// spec/02-integration/03-db/18-keys_spec.lua:133 (kid is unique across sets): the id Kong derives
// from the cache key (kid, set) is the same for one kid twice in a set (declarative_config.lua:428)
t.test('a kid is unique within its set, not across sets', async (t) => {
  const key = (name: string, set: string) => [`- name: ${name}`, `  set: ${set}`, '  kid: "999"', pemKey('  ', { private: pemPriv(ec), public: pemPub(ec) })]
  t.same(problems(lines('key_sets:', '- name: testset', '- name: test2', 'keys:', ...key('each_test', 'testset'), ...key('each_test_1', 'test2'))), [])
  const twice = problems(lines('key_sets:', '- name: testset', 'keys:', ...key('each_test', 'testset'), ...key('each_test_1', 'testset')))
  t.equal(twice.length, 1)
  t.match(twice[0], /^keys\[1\]: uniqueness violation: 'keys' entity with primary key set to '[0-9a-f-]{36}' already declared$/)
})

// spec/02-integration/04-admin_api/21-admin-api-keys_spec.lua:114 (create invalid JWK)
t.test('a JWK that is no key', async (t) => {
  t.same(problems(lines('keys:', '- name: jwk invalid', '  kid: "36"', `  jwk: '{"kid": "36"}'`)), ['keys[0].jwk: could not load JWK, likely not a valid key'])
})

// kong/db/schema/entities/keys.lua:86-112 (the custom entity check on a JWK, in its order)
t.test('a JWK must decode, carry the same kid and hold only JWK members', async (t) => {
  t.same(problems(lines('keys:', '- kid: a', `  jwk: '{"kid": "a", "kty": '`)), ['keys[0].jwk: could not json decode jwk string'])
  t.same(problems(lines('keys:', '- kid: a', `  jwk: ${sq(jwkOf(ec, 'b'))}`)), ['keys[0].jwk: kid in jwk.kid must be equal to keys.kid'])
  t.same(problems(lines('keys:', '- kid: a', `  jwk: ${sq(JSON.stringify(ec.publicKey.export({ format: 'jwk' })))}`)), [
    'keys[0].jwk: kid in jwk.kid must be equal to keys.kid',
  ])
  // typedefs.jwk: its members are strings (key_ops and x5c arrays of strings), no other member.
  const extra = JSON.stringify({ ...ec.publicKey.export({ format: 'jwk' }), kid: 'a', ext: true, use: 1 })
  t.same(problems(lines('keys:', '- kid: a', `  jwk: ${sq(extra)}`)), ['keys[0].jwk: Validation error: ext: unknown field; use: expected a string'])
  const listed = JSON.stringify({ ...ec.publicKey.export({ format: 'jwk' }), kid: 'a', use: 'sig', alg: 'ES256', key_ops: ['verify'] })
  t.same(problems(lines('keys:', '- kid: a', `  jwk: ${sq(listed)}`)), [])
})

// kong/db/schema/entities/keys.lua:71-76 (mutually_exclusive and at_least_one_of jwk, pem)
t.test('exactly one of jwk and pem', async (t) => {
  t.same(problems(lines('keys:', '- kid: a', `  jwk: ${sq(jwkOf(ec, 'a'))}`, pemKey('  ', { public: pemPub(ec) }))), [
    "keys[0]: only one or none of these fields must be set: 'jwk', 'pem'",
  ])
  t.same(problems(lines('keys:', '- kid: a', '  name: nothing')), ["keys[0]: at least one of these fields must be non-empty: 'jwk', 'pem'"])
  t.same(problems(lines('keys:', '- name: no kid', `  jwk: ${sq(jwkOf(ec, 'a'))}`)), ['keys[0].kid: required field missing'])
})

// kong/db/schema/typedefs.lua:660-722 (typedefs.pem: at least one key; each loads; a pair matches)
t.test('a PEM pair: at least one key, each loads, and they match', async (t) => {
  t.same(problems(lines('keys:', '- kid: a', '  pem: {}')), ["keys[0].pem: at least one of these fields must be non-empty: 'private_key', 'public_key'"])
  t.same(problems(lines('keys:', '- kid: a', pemKey('  ', { public: 'not a key' }))), ['keys[0].pem: could not load public key'])
  t.same(
    problems(lines('keys:', '- kid: a', pemKey('  ', { public: pemPriv(ec) }))),
    ['keys[0].pem: could not load public key'],
    'a private key is no public key',
  )
  t.same(problems(lines('keys:', '- kid: a', pemKey('  ', { private: pemPub(ec) }))), ['keys[0].pem: could not load private key'])
  t.same(problems(lines('keys:', '- kid: a', pemKey('  ', { private: pemPriv(ec), public: pemPub(rsa) }))), [
    'keys[0].pem: public key does not match private key',
  ])
  t.same(problems(lines('keys:', '- kid: a', '  pem: { private: x }')), [
    "keys[0].pem: at least one of these fields must be non-empty: 'private_key', 'public_key'",
    'keys[0].pem.private: unknown field',
  ])
})

// spec/02-integration/03-db/18-keys_spec.lua:94, :107, :120 (vault references in jwk, private_key, public_key):
// Kong resolves them and does not judge what they hold
t.test('vault references are resolved, their values not judged', async (t) => {
  const env = { JWK_SECRET: 'wowsuchsecret' }
  const c = load(
    lines(
      'key_sets:',
      '- name: testset',
      'keys:',
      '- name: vault references',
      '  set: testset',
      '  kid: "1"',
      '  jwk: "{vault://env/jwk_secret}"',
      '- name: private ref',
      '  set: testset',
      '  kid: "2"',
      '  pem:',
      '    private_key: "{vault://env/jwk_secret}"',
      `    public_key: ${block(pemPub(rsa), 6)}`,
      '- name: public ref',
      '  set: testset',
      '  kid: "3"',
      '  pem:',
      `    private_key: ${block(pemPriv(rsa), 6)}`,
      '    public_key: "{vault://env/jwk_secret}"',
    ),
    env,
  )
  t.equal(c.keys[0]!.jwk, 'wowsuchsecret')
  t.equal(c.keys[1]!.pem!.private_key, 'wowsuchsecret')
  t.equal(c.keys[2]!.pem!.public_key, 'wowsuchsecret')
  t.same(problems(lines('keys:', '- kid: "1"', '  jwk: "{vault://env/jwk_secret}"')), [
    'keys[0].jwk: could not get value from external vault (no value found (environment variable JWK_SECRET is not set)) [{vault://env/jwk_secret}]',
  ])
})

// kong/db/schema/others/declarative_config.lua:492 (invalid reference) and :360 (uniqueness of the names)
t.test('a key names a set that exists; names are unique', async (t) => {
  const key = (name: string, kid: string, set?: string) => [
    `- name: ${name}`,
    `  kid: ${kid}`,
    ...(set ? [`  set: ${set}`] : []),
    `  jwk: ${sq(jwkOf(ec, kid))}`,
  ]
  t.same(problems(lines('keys:', ...key('k', 'a', 'nope'))), ["keys[0].set: invalid reference 'set: nope' (no such entry in 'key_sets')"])
  t.same(problems(lines('key_sets:', '- name: s', 'keys:', ...key('k', 'a', '{ id: 9f3a4a62-36b8-4a1e-9d51-0d2b8c6f0e11 }'))), [
    `keys[0].set: invalid reference 'set: {"id":"9f3a4a62-36b8-4a1e-9d51-0d2b8c6f0e11"}' (no such entry in 'key_sets')`,
  ])
  t.same(problems(lines('keys:', ...key('same', 'a'), ...key('same', 'b'))), [
    "keys[1].name: uniqueness violation: 'keys' entity with name set to 'same' already declared",
  ])
  t.same(problems(lines('key_sets:', '- name: same', '- name: same')), [
    "key_sets[1].name: uniqueness violation: 'key_sets' entity with name set to 'same' already declared",
  ])
  t.same(problems(lines('key_sets:', '- name: ""', '  tags: [a b]', '  x5t: y')), [
    'key_sets[0].name: length must be at least 1',
    'key_sets[0].x5t: unknown field',
  ])
})

// decK's dumps of keys and key sets (tests/integration/testdata/dump/007-keys-and-key_sets,
// sync/043-keys-and-key_sets): `set` written as decK's { id, name } object or by id alone
t.test("decK's files with keys and key sets load", async (t) => {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'deck')
  const files = [
    'dump/007-keys-and-key_sets/kong-jwk.yaml',
    'dump/007-keys-and-key_sets/kong-pem.yaml',
    'sync/043-keys-and-key_sets/kong.yaml',
    'sync/043-keys-and-key_sets/kong-no-name.yaml',
  ]
  for (const file of files) {
    const r = loadConfig(readFileSync(join(dir, file), 'utf8'), { file, env: {} })
    t.same(r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`), [], file)
    if (r.ok) t.ok(r.config.keys.length > 0 && r.config.keys.every((k) => k.set === 'd46b0e15-ffbc-4b15-ad92-09ef67935453'), `${file}: keys in the set`)
  }
})

// ---------------------------------------------------------------- secrets

const keysFile = () =>
  lines(
    'key_sets:',
    '- name: testset',
    'keys:',
    '- name: the-jwk',
    '  set: testset',
    '  kid: rsa-1',
    `  jwk: ${sq(jwkOf(rsa, 'rsa-1'))}`,
    '- name: the-pem',
    '  set: testset',
    '  kid: ec-1',
    pemKey('  ', { private: pemPriv(ec), public: pemPub(ec) }),
    '- name: from-vault',
    '  kid: "3"',
    '  jwk: "{vault://env/jwk_secret}"',
  )
/** Pieces of the private keys that must never leave the gateway. */
const privateParts = () => [JSON.parse(jwkOf(rsa, 'x')).d as string, pemPriv(ec).trim().split('\n')[2]!, 'wowsuchsecret', 'PRIVATE KEY']

// spec/02-integration/04-admin_api/21-admin-api-keys_spec.lua:131 (GET /keys and /key-sets list them);
// what this admin API shows is redacted, unlike Kong's
t.test('the admin API lists keys and key sets without a private key', async (t) => {
  const g = await gateway(keysFile(), { adminListen: '127.0.0.1:0', env: { JWK_SECRET: 'wowsuchsecret' } })
  t.teardown(() => g.close())
  const get = (path: string, method = 'GET') => fetchRaw(`${g.adminUrl}${path}`, { method })
  for (const path of ['/config', '/keys', '/keys/the-pem', '/key-sets', '/key-sets/testset']) {
    const r = await get(path)
    t.equal(r.status, 200, path)
    for (const s of privateParts()) t.notOk(r.body.includes(s), `${path}: no ${s.slice(0, 12)}…`)
  }
  const config = (await get('/config')).json<{ config: Config }>().config
  t.equal(config.keys[0]!.jwk, '<redacted>')
  t.equal(config.keys[1]!.pem!.private_key, '<redacted>')
  t.equal(config.keys[1]!.pem!.public_key, pemPub(ec), 'a public key is shown')
  t.equal(config.keys[2]!.jwk, '{vault://env/jwk_secret}', 'a reference is shown as written')
  const keys = (await get('/keys')).json<{ data: Record<string, unknown>[] }>().data
  t.equal(keys.length, 3)
  const sets = (await get('/key-sets')).json<{ data: { id: string }[] }>().data
  t.equal(sets.length, 1)
  t.same(keys[0]!.set, { id: sets[0]!.id }, 'a key names its set as Kong shows a foreign key')
  t.equal(keys[2]!.set, null)
  t.equal((await get('/keys/nope')).status, 404)
  const post = await get('/keys', 'POST')
  t.equal(post.status, 405)
  t.same(post.json(), { code: 12, name: 'operation unsupported', message: "cannot create 'keys' entities when not using a database" })
  t.same((await get('/key-sets/testset', 'DELETE')).json(), {
    code: 12,
    name: 'operation unsupported',
    message: "cannot remove 'key_sets' entities when not using a database",
  })
})

t.test('no private key in a validation problem, in any output format', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-keys-'))
  const file = join(dir, 'kong.yml')
  // Problems elsewhere that quote a private key whole: the JWK and the PEM pasted as tags.
  const text = keysFile().replace('- name: testset', `- name: testset\n  tags: [${sq(jwkOf(rsa, 'rsa-1'))}, ${JSON.stringify(pemPriv(ec))}]`)
  writeFileSync(file, text)
  for (const format of ['text', 'json', 'github'] as const) {
    const out: string[] = []
    await validate([file], format, { out: (l) => out.push(l), err: (l) => out.push(l), env: { JWK_SECRET: 'wowsuchsecret' } })
    const printed = out.join('\n')
    t.equal(printed.match(/invalid tag/g)?.length, 2, `${format}: both problems are reported`)
    for (const s of privateParts()) t.notOk(printed.includes(s), `${format}: no ${s.slice(0, 12)}…`)
  }
})

// decK's masking fixture (sync/057-env-var-masking-tests/jwk-key.yaml): a JWK from the environment
t.test('a JWK from ${{ env }}: checked, and never printed', async (t) => {
  const file = join(import.meta.dirname, '..', 'fixtures', 'deck', 'sync', '057-env-var-masking-tests', 'jwk-key.yaml')
  const text = readFileSync(file, 'utf8')
  const kid = 'vsR8NCNV_1_LB06LqudGa2r-T0y4Z6VQVYue9IQz6A4'
  // decK renders the text before YAML reads it, so its test sets the variable to a YAML
  // single-quoted string (tests/integration/sync_test.go:13015 in Kong/deck): do the same.
  const quoted = (jwk: string) => `'${jwk}'`
  const ok = loadConfig(text, { file: 'jwk-key.yaml', env: { DECK_JWK_KEY: quoted(jwkOf(rsa, kid)) } })
  t.ok(ok.ok, 'valid with a JWK of the same kid')
  const bad = loadConfig(text, { file: 'jwk-key.yaml', env: { DECK_JWK_KEY: quoted(jwkOf(rsa, 'other')) } })
  t.same(bad.ok ? [] : bad.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`), ['7:8 keys[0].jwk: kid in jwk.kid must be equal to keys.kid'])
})

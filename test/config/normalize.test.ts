// Nested and flat forms load to the same config; ids are Kong's.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { entityId, uuidv5 } from '../../src/config/ids.js'
import type { Config } from '../../src/config/model.js'

const load = (file: string): Config => {
  const r = loadConfig(readFileSync(file, 'utf8'), { file, env: {} })
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n'))
  return r.config
}

t.test('uuidv5 matches RFC 4122 test vectors', async (t) => {
  // The DNS namespace example from RFC 4122 / Python's uuid module.
  t.equal(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d')
})

t.test("a service named my-service gets Kong's id", async (t) => {
  // This id appears in Kong's own test suite for the same input.
  t.equal(entityId('services', 'my-service'), '0855b320-0dd2-547d-891d-601e9b38647f')
  const r = loadConfig('_format_version: "3.0"\nservices:\n- name: my-service\n  host: example.com\n', { file: 'kong.yml', env: {} })
  t.ok(r.ok)
  if (r.ok) t.equal(r.config.services[0]!.id, '0855b320-0dd2-547d-891d-601e9b38647f')
})

t.test('nested and flat forms normalize to the same entities', async (t) => {
  const nested = load('examples/nested.yml')
  const flat = load('examples/flat.yml')
  // Ids that differ by form, exactly as in Kong: key-auth credential ids are random
  // (the key is an auto field), and cache-key ids (plugins, acls) use the parent's
  // id when nested but the literal name when the reference is written by name.
  const noId = <T extends { id: string }>(list: readonly T[]) => list.map(({ id: _id, ...rest }) => rest)
  const strip = (c: Config) => ({ ...c, keyauth_credentials: noId(c.keyauth_credentials), plugins: noId(c.plugins), acls: noId(c.acls) })
  t.same(strip(nested), strip(flat))
  t.equal(nested.routes[0]!.service, nested.services[0]!.id, 'route points at its service by id')
  t.equal(nested.plugins[0]!.route, nested.routes[0]!.id, 'nested plugin is scoped to its route')
  t.equal(nested.keyauth_credentials[0]!.consumer, nested.consumers[0]!.id)
})

t.test('ids are stable across loads, except where Kong makes them random', async (t) => {
  const a = load('examples/nested.yml')
  const b = load('examples/nested.yml')
  t.equal(a.services[0]!.id, b.services[0]!.id)
  t.equal(a.routes[0]!.id, b.routes[0]!.id)
  t.equal(a.plugins[0]!.id, b.plugins[0]!.id)
  t.equal(a.acls[0]!.id, b.acls[0]!.id)
  t.not(a.keyauth_credentials[0]!.id, b.keyauth_credentials[0]!.id)
})

t.test('plugin ids come from the cache key: name and scope', async (t) => {
  const c = load('examples/flat.yml')
  // Top-level plugin naming its route by name: Kong keys on the literal string.
  t.equal(c.plugins[0]!.id, entityId('plugins', 'plugins:*:request-termination:orders-route::'))
  const global = loadConfig('_format_version: "3.0"\nplugins:\n- name: request-termination\n', { file: 'k', env: {} })
  t.ok(global.ok)
  if (global.ok) t.equal(global.config.plugins[0]!.id, entityId('plugins', 'plugins:*:request-termination:::'))
  // acls: consumer and group.
  t.equal(c.acls[0]!.id, entityId('acls', 'acls:*:alice:gold'))
})

t.test('targets default their port and weight; upstream defaults fill healthchecks', async (t) => {
  const c = load('examples/upstream-targets.yml')
  t.equal(c.targets.length, 3)
  t.equal(c.targets[0]!.weight, 100)
  t.equal(c.targets[0]!.upstream, c.upstreams[0]!.id)
  const hc = c.upstreams[0]!.healthchecks
  t.equal(hc.active.http_path, '/health')
  t.equal(hc.active.timeout, 1)
  t.same(hc.active.unhealthy.http_statuses, [429, 404, 500, 501, 502, 503, 504, 505])
  t.same(hc.passive.healthy.http_statuses.length, 19)
  t.equal(c.upstreams[0]!.slots, 10000)
})

t.test('service url shorthand and defaults', async (t) => {
  const c = load('examples/minimal-proxy.yml')
  const s = c.services[0]!
  t.same(
    { protocol: s.protocol, host: s.host, port: s.port, path: s.path, retries: s.retries, connect_timeout: s.connect_timeout, enabled: s.enabled },
    { protocol: 'http', host: 'httpbin.internal', port: 8080, path: '/anything', retries: 5, connect_timeout: 60000, enabled: true },
  )
  const r = c.routes[0]!
  t.same(
    { strip_path: r.strip_path, preserve_host: r.preserve_host, protocols: r.protocols, https_redirect_status_code: r.https_redirect_status_code },
    { strip_path: true, preserve_host: false, protocols: ['http', 'https'], https_redirect_status_code: 426 },
  )
})

t.test('basic-auth passwords are hashed as Kong does, unless _transform is false', async (t) => {
  const doc = (transform: boolean) =>
    `_format_version: "3.0"\n_transform: ${transform}\nconsumers:\n- username: bob\n  basicauth_credentials:\n  - username: bob\n    password: pw\n`
  const on = loadConfig(doc(true), { file: 'k', env: {} })
  const off = loadConfig(doc(false), { file: 'k', env: {} })
  t.ok(on.ok && off.ok)
  if (on.ok && off.ok) {
    const { createHash } = await import('node:crypto')
    t.equal(on.config.basicauth_credentials[0]!.password, createHash('sha1').update(`pw${on.config.consumers[0]!.id}`).digest('hex'))
    t.equal(off.config.basicauth_credentials[0]!.password, 'pw')
  }
})

t.test('the loaded config is frozen', async (t) => {
  const c = load('examples/nested.yml')
  t.ok(Object.isFrozen(c))
  t.ok(Object.isFrozen(c.services[0]))
  t.throws(() => {
    ;(c.services[0] as { host: string }).host = 'evil'
  })
})

t.test('vault entities get ids from their prefix', async (t) => {
  const doc = '_format_version: "3.0"\nvaults:\n- prefix: my-env\n  name: env\n  config:\n    prefix: SECRETS_\nplugins:\n- name: request-termination\n'
  const r = loadConfig(doc, { file: 'k', env: {} })
  t.ok(r.ok)
  if (r.ok) t.equal(r.config.vaults[0]!.id, entityId('vaults', 'vaults:*:my-env'))
})

t.test('vault references resolve certificates from the environment; the values stay out of errors', async (t) => {
  const cert = readFileSync('test/fixtures/tls/server.crt', 'utf8')
  const key = readFileSync('test/fixtures/tls/server.key', 'utf8')
  const doc = [
    '_format_version: "3.0"',
    'vaults:',
    '- prefix: tls-secrets',
    '  name: env',
    '  config:',
    '    prefix: GW_',
    'certificates:',
    '- cert: "{vault://env/server-cert}"',
    '  key: "{vault://tls-secrets/server-key}"',
    '  snis: [localhost]',
    '',
  ].join('\n')
  const r = loadConfig(doc, { file: 'k', env: { SERVER_CERT: cert, GW_SERVER_KEY: key } })
  t.ok(r.ok, r.ok ? '' : JSON.stringify(r.issues))
  if (r.ok) {
    t.equal(r.config.certificates[0]!.cert, cert)
    t.equal(r.config.certificates[0]!.key, key)
    t.equal(r.config.snis[0]!.name, 'localhost')
    t.equal(r.config.snis[0]!.certificate, r.config.certificates[0]!.id)
  }
  // A key that does not match the certificate: the error must not print the key.
  const ca = readFileSync('test/fixtures/tls/ca.crt', 'utf8')
  const bad = loadConfig(doc, { file: 'k', env: { SERVER_CERT: ca, GW_SERVER_KEY: key } })
  t.notOk(bad.ok)
  if (!bad.ok) {
    t.same(
      bad.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`),
      ['9:8 certificates[0].key: certificate does not match key'],
    )
    t.notOk(bad.issues.some((i) => i.message.includes('PRIVATE KEY')))
  }
})

t.test('ca_certificates: digest computed, non-CA refused', async (t) => {
  const ca = readFileSync('test/fixtures/tls/ca.crt', 'utf8')
  const leaf = readFileSync('test/fixtures/tls/server.crt', 'utf8')
  const { stringify } = await import('yaml')
  const ok = loadConfig(stringify({ _format_version: '3.0', ca_certificates: [{ cert: ca }] }), { file: 'k', env: {} })
  t.ok(ok.ok)
  if (ok.ok) t.match(ok.config.ca_certificates[0]!.cert_digest, /^[0-9a-f]{64}$/)
  const notCa = loadConfig(stringify({ _format_version: '3.0', ca_certificates: [{ cert: leaf }] }), { file: 'k', env: {} })
  t.notOk(notCa.ok)
  if (!notCa.ok) t.equal(notCa.issues[0]!.message, 'certificate does not appear to be a CA because it is missing the "CA" basic constraint')
})

t.test('upstream algorithm and hash_on are coupled as in Kong', async (t) => {
  const algo = (extra: string) => {
    const r = loadConfig(`_format_version: "3.0"\nupstreams:\n- name: u\n${extra}`, { file: 'k', env: {} })
    if (!r.ok) throw new Error(JSON.stringify(r.issues))
    return [r.config.upstreams[0]!.algorithm, r.config.upstreams[0]!.hash_on]
  }
  t.same(algo('  hash_on: ip\n'), ['consistent-hashing', 'ip'])
  t.same(algo('  algorithm: least-connections\n'), ['least-connections', 'none'])
  t.same(algo('  algorithm: consistent-hashing\n'), ['round-robin', 'none'])
  t.same(algo(''), ['round-robin', 'none'])
})

// Kong's acme schema specs (spec/03-plugins/29-acme/04-schema_spec.lua, 07-shorthand_fields_spec.lua
// and the namespace checks of 05-redis_storage_spec.lua) through the config loader, as
// `gateway validate` reads a file: Kong's defaults, messages and entity checks.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'

type Issues = string[]
const load = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'acme', config, ...extra }] }), { file: 'k.yml' })
const problems = (config: Record<string, unknown>, extra: Record<string, unknown> = {}): Issues => {
  const r = load(config, extra)
  return r.ok ? [] : r.issues.map((i) => `${i.path.replace(/^plugins\[0\]\.?/, '')} ${i.message}`)
}
const conf = (config: Record<string, unknown>) => {
  const r = load(config)
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '))
  return r.config.plugins[0]!.config as Record<string, any>
}

t.test('04-schema_spec', async (t) => {
  // spec/03-plugins/29-acme/04-schema_spec.lua:8
  t.same(problems({ account_email: 'example@example.com', api_uri: 'https://api.acme.org' }), [], 'accepts valid config')
  // :17 — Kong says `invalid value: notaemail`; the address is a secret here, so it is not repeated.
  t.same(problems({ account_email: 'notaemail', api_uri: 'https://api.acme.org' }), ['config.account_email invalid value: <redacted>'], 'rejects invalid email')
  // :30, :46
  for (const api_uri of ['https://acme-staging-v02.api.letsencrypt.org', 'https://acme-v02.api.letsencrypt.org'])
    t.same(
      problems({ account_email: 'example@example.com', api_uri }),
      ['config terms of service must be accepted, see https://letsencrypt.org/repository/', 'config.tos_accepted value must be true'],
      `must accept ToS for Let's Encrypt (${api_uri})`,
    )
  // :61
  t.same(problems({ account_email: 'example@example.com', api_uri: 'https://acme-v02.api.letsencrypt.org', tos_accepted: true }), [], 'ToS accepted')
  // :70, :82
  t.same(
    problems({ account_email: 'example@example.com', api_uri: 'https://api.acme.org', account_key: { key_id: '123', key_set: 'my-key-set' } }),
    [],
    'account_key with key_set',
  )
  t.same(problems({ account_email: 'example@example.com', api_uri: 'https://api.acme.org', account_key: { key_id: '123' } }), [], 'account_key without key_set')
  // :93
  t.same(
    problems({ account_email: 'example@example.com', storage: 'redis', storage_config: { redis: { host: 'localhost' } } }),
    [],
    'accepts valid redis config',
  )
  // :106
  t.same(
    problems({ account_email: 'example@example.com', storage: 'redis', storage_config: { redis: {} } }),
    ["config failed conditional validation given value of field 'config.storage'", 'config.storage_config.redis.host required field missing'],
    'rejects invalid redis config',
  )
})

t.test("Kong's schema.lua: defaults and the remaining checks", async (t) => {
  const c = conf({ account_email: 'a@b.c' })
  t.match(
    c,
    {
      api_uri: 'https://acme-v02.api.letsencrypt.org/directory',
      tos_accepted: false,
      cert_type: 'rsa',
      rsa_key_size: 4096,
      renew_threshold_days: 14,
      allow_any_domain: false,
      fail_backoff_minutes: 5,
      storage: 'shm',
      enable_ipv4_common_name: true,
      storage_config: {
        shm: { shm_name: 'kong' },
        redis: { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false, extra_options: { namespace: '', scan_count: 10 } },
        vault: { https: false, tls_verify: true, auth_method: 'token' },
        consul: { https: false },
      },
    },
    "Kong's defaults",
  )
  t.same(problems({ account_email: 'a@b.c' }), [], "the default api_uri (…/directory) is not one the ToS check names, as in Kong's entity check")
  t.same(problems({}), ['config.account_email required field missing'], 'account_email is required')
  t.same(problems({ account_email: 'a@b.c', storage: 'kong' }), ['config "kong" storage can\'t be used with dbless mode'], 'kong storage needs a database')
  t.same(problems({ account_email: 'a@b.c', cert_type: 'dsa' }), ['config.cert_type expected one of: rsa, ecc'])
  t.same(problems({ account_email: 'a@b.c', rsa_key_size: 1024 }), ['config.rsa_key_size expected one of: 2048, 3072, 4096'])
  t.same(problems({ account_email: 'a@b.c', storage: 'etcd' }), ['config.storage expected one of: kong, shm, redis, consul, vault'])
  t.same(
    problems({ account_email: 'a@b.c', storage_config: { shm: { shm_name: 'nope' } } }),
    ['config.storage_config.shm.shm_name failed validating: nope'],
    'an shm zone Kong does not have',
  )
  t.same(problems({ account_email: 'a@b.c', api_uri: 'acme.example' }), ['config.api_uri missing host in url'])
  t.same(problems({ account_email: 'a@b.c', domains: ['a.*.b'] }), ['config.domains[0] invalid wildcard: must be placed at leftmost or rightmost label'])
  t.same(problems({ account_email: 'a@b.c', domains: ['*.example.com', 'example.com'] }), [], 'a wildcard domain')
  // typedefs.no_consumer, no_service, no_route: a global plugin only.
  t.same(problems({ account_email: 'a@b.c' }, { service: 'x' }), ["service value must be null (plugin 'acme' cannot be scoped to a service)"])
  const nested = loadConfig(
    stringify({
      _format_version: '3.0',
      services: [{ name: 's', url: 'http://x', routes: [{ name: 'r', paths: ['/'], plugins: [{ name: 'acme', config: { account_email: 'a@b.c' } }] }] }],
    }),
    { file: 'k.yml' },
  )
  t.notOk(nested.ok, 'not on a route')
  t.same(problems({ account_email: 'a@b.c' }, { protocols: ['tcp'] }).length, 1, 'http protocols only')
})

t.test('07-shorthand_fields_spec: the deprecated redis fields land in the new structure', async (t) => {
  // spec/03-plugins/29-acme/07-shorthand_fields_spec.lua:56
  const legacy = {
    host: 'localhost',
    port: 6380,
    auth: 'test',
    database: 1,
    timeout: 3500,
    ssl: true,
    ssl_verify: true,
    ssl_server_name: 'example.test',
    scan_count: 13,
    namespace: 'namespace2:',
  }
  const redis = conf({ account_email: 'test@test.com', storage: 'redis', storage_config: { redis: legacy } }).storage_config.redis
  // :37-46
  t.match(redis, {
    host: 'localhost',
    port: 6380,
    password: 'test',
    database: 1,
    timeout: 3500,
    ssl: true,
    ssl_verify: true,
    server_name: 'example.test',
    extra_options: { scan_count: 13, namespace: 'namespace2:' },
  })
  t.notOk('auth' in redis || 'namespace' in redis || 'scan_count' in redis || 'ssl_server_name' in redis, 'kept once, in the new fields')

  // spec/03-plugins/29-acme/05-redis_storage_spec.lua:278: the new structure as written
  const modern = conf({
    account_email: 'test@test.com',
    storage: 'redis',
    preferred_chain: 'test',
    storage_config: {
      redis: {
        host: 'localhost',
        port: 6379,
        password: 'test',
        database: 1,
        timeout: 3500,
        ssl: true,
        ssl_verify: true,
        server_name: 'example.test',
        extra_options: { scan_count: 13, namespace: 'namespace2:' },
      },
    },
  })
  t.match(
    modern.storage_config.redis,
    { password: 'test', server_name: 'example.test', extra_options: { scan_count: 13, namespace: 'namespace2:' } },
    'legacy defaults do not overwrite the new structure',
  )
})

t.test('05-redis_storage_spec: a namespace may not start with a reserved word', async (t) => {
  // spec/03-plugins/29-acme/05-redis_storage_spec.lua:401
  for (const word of ['kong_acme:renew_config:', 'kong_acme:renew_last_run', 'kong_acme:cert_key:']) {
    const issues = problems({
      account_email: 'test@test.com',
      storage: 'redis',
      storage_config: { redis: { host: 'localhost', extra_options: { namespace: word } } },
    })
    t.same(issues, [`config.storage_config.redis.extra_options.namespace namespace can't be prefixed with reserved word: ${word}`], word)
  }
  t.same(
    problems({ account_email: 'test@test.com', storage: 'redis', storage_config: { redis: { host: 'localhost', namespace: 'kong_acme:cert_key:x' } } }).length,
    1,
    'the deprecated namespace field is checked too',
  )
})

// oauth2's config schema (spec/03-plugins/25-oauth2/01-schema_spec.lua) and its entities in a
// declarative file (spec/01-unit/01-db/01-schema/11-declarative_config/*: 01-validate_spec,
// 02-process_auto_fields_spec, 03-flatten_spec), checked through the loader as `gateway validate`
// runs it, with the redaction and the hashing a loaded file gets.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { redactConfig } from '../../src/server/admin.js'

const load = (yaml: string) => loadConfig(yaml, { file: 'k.yml', env: {} })
const issues = (yaml: string) => {
  const r = load(yaml)
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)
}
/** The oauth2 plugin with `config` (YAML flow syntax), alone in a file. */
const plugin = (config: string) => `_format_version: "3.0"\nplugins:\n  - name: oauth2\n    config: ${config}\n`
const pluginConfig = (config: string) => {
  const r = load(plugin(config))
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '))
  return r.config.plugins[0]!.config
}

t.test("Kong's schema spec", async (t) => {
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:32
  t.same(issues(plugin('{ enable_authorization_code: true, mandatory_scope: false }')), [])
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:37
  t.same(issues(plugin('{ enable_authorization_code: true, mandatory_scope: true, scopes: [email, info] }')), [])
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:42
  const generated = pluginConfig('{ enable_authorization_code: true, mandatory_scope: true, scopes: [email, info] }')
  t.equal(typeof generated.provision_key, 'string')
  t.equal((generated.provision_key as string).length, 32, 'a 32-character provision_key is generated')
  t.not(
    pluginConfig('{ enable_authorization_code: true }').provision_key,
    generated.provision_key,
    'random each time the plugin is written (nothing to guess it from)',
  )
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:49
  t.equal(pluginConfig('{ enable_authorization_code: true, provision_key: hello }').provision_key, 'hello')
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:57
  t.equal(generated.auth_header_name, 'authorization')
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:66
  t.equal(pluginConfig('{ enable_authorization_code: true, auth_header_name: custom_header_name }').auth_header_name, 'custom_header_name')
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:77
  t.equal(generated.refresh_token_ttl, 1209600)
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:84
  t.same(issues(plugin('{ enable_authorization_code: true, refresh_token_ttl: 252979200 }')), [
    'plugins[0].config.refresh_token_ttl: value should be between 0 and 100000000',
  ])
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:93
  t.equal(generated.reuse_refresh_token, false)
  // Kong's defaults (kong/plugins/oauth2/schema.lua)
  t.match(generated, {
    mandatory_scope: true,
    token_expiration: 7200,
    enable_implicit_grant: false,
    enable_client_credentials: false,
    enable_password_grant: false,
    hide_credentials: false,
    accept_http_if_already_terminated: false,
    global_credentials: false,
    pkce: 'lax',
  })
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:102
  t.same(issues(plugin('{}')), [
    'plugins[0].config: at least one of these fields must be true: enable_authorization_code, enable_implicit_grant, enable_client_credentials, enable_password_grant',
  ])
  // spec/03-plugins/25-oauth2/01-schema_spec.lua:109
  t.same(issues(plugin('{ enable_authorization_code: true, mandatory_scope: true }')), ['plugins[0].config.scopes: required field missing'])
  t.same(issues(plugin('{ enable_client_credentials: true, pkce: maybe }')), ['plugins[0].config.pkce: expected one of: none, lax, strict'])
  // consumer = typedefs.no_consumer
  t.same(
    issues(
      `_format_version: "3.0"\nconsumers:\n  - username: bob\nplugins:\n  - name: oauth2\n    consumer: bob\n    config: { enable_client_credentials: true }\n`,
    ),
    ["plugins[0].consumer: value must be null (plugin 'oauth2' cannot be scoped to a consumer)"],
  )
})

t.test('the provision key is a secret: the config view does not show it', async (t) => {
  const r = load(plugin('{ enable_authorization_code: true, provision_key: provision123 }'))
  if (!r.ok) return t.fail('loads')
  t.notMatch(JSON.stringify(redactConfig(r.config)), /provision123/)
})

t.test("Kong's declarative spec: oauth2_credentials", async (t) => {
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:636
  t.same(issues('_format_version: "1.1"\noauth2_credentials:\n'), [])
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:643 (with the consumer they name, as 03-flatten_spec requires)
  t.same(
    issues(`_format_version: "1.1"
consumers:
- username: foo
oauth2_credentials:
- name: my-credential
  consumer: foo
  redirect_uris:
  - https://example.com
- name: another-credential
  consumer: foo
  redirect_uris:
  - https://example.test
`),
    [],
  )
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:660
  t.same(issues('_format_version: "1.1"\nconsumers:\n- username: foo\noauth2_credentials:\n- consumer: foo\n'), [
    'oauth2_credentials[0].name: required field missing',
  ])
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:676
  t.match(
    issues(`_format_version: "1.1"
oauth2_credentials:
- name: my-credential
  redirect_uris:
  - https://example.com
  - foobar
- name: my-credential
  consumer: 1234
  redirect_uris:
  - foobar
  - https://example.com
`),
    [
      'oauth2_credentials[0].consumer: ',
      "oauth2_credentials[0].redirect_uris[1]: cannot parse 'foobar'",
      'oauth2_credentials[1].consumer: expected a string',
      "oauth2_credentials[1].redirect_uris[0]: cannot parse 'foobar'",
    ],
  )
  // kong/plugins/oauth2/daos.lua: validate_uri refuses a fragment, even an empty one
  t.same(issues('_format_version: "3.0"\nconsumers:\n- username: bob\n  oauth2_credentials:\n  - name: a\n    redirect_uris: ["http://x.test/cb#"]\n'), [
    "consumers[0].oauth2_credentials[0].redirect_uris[0]: fragment not allowed in 'http://x.test/cb#'",
  ])
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1680
  t.same(issues('_format_version: "1.1"\noauth2_credentials:\n- name: my-credential\n  consumer: foo\n  redirect_uris:\n  - https://example.com\n'), [
    "oauth2_credentials[0].consumer: invalid reference 'consumer: foo' (no such entry in 'consumers')",
  ])
})

t.test("Kong's declarative spec: oauth2_credentials in consumers", async (t) => {
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:712
  t.same(issues('_format_version: "1.1"\nconsumers:\n- username: bob\n  oauth2_credentials:\n'), [])
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1990
  const r = load(`_format_version: "1.1"
consumers:
- username: bob
  oauth2_credentials:
  - name: my-credential
    redirect_uris:
    - https://example.com
  - name: another-credential
    redirect_uris:
    - https://example.test
`)
  if (!r.ok) return t.fail('loads')
  const bob = r.config.consumers[0]!
  t.equal(r.config.oauth2_credentials.length, 2)
  for (const c of r.config.oauth2_credentials) {
    t.equal(c.consumer, bob.id, 'points at its consumer')
    t.equal(c.client_type, 'confidential')
    t.equal(c.hash_secret, false)
    t.match(c.client_id, /^[A-Za-z0-9]{32}$/, 'client_id generated')
    t.match(c.client_secret, /^[A-Za-z0-9]{32}$/, 'client_secret generated')
  }
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:768
  t.same(
    issues(
      '_format_version: "1.1"\nconsumers:\n- username: bob\n  oauth2_credentials:\n  - name: hello\n    redirect_uris:\n    - https://example.com\n    consumer: foo\n',
    ),
    ['consumers[0].oauth2_credentials[0].consumer: value must be null (this oauth2 credential is nested in a consumer)'],
  )
})

t.test("Kong's declarative spec: oauth2_tokens in oauth2_credentials", async (t) => {
  const head =
    '_format_version: "1.1"\nconsumers:\n- username: bob\noauth2_credentials:\n- name: my-credential\n  consumer: bob\n  redirect_uris:\n  - https://example.com\n'
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:802
  t.same(issues(`${head}  oauth2_tokens:\n`), [])
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:2081
  const r = load(`${head}  oauth2_tokens:\n  - expires_in: 1\n    scope: bar\n  - expires_in: 10\n    scope: foo\n`)
  if (!r.ok) return t.fail('loads')
  const cred = r.config.oauth2_credentials[0]!
  t.match(r.config.oauth2_tokens, [
    { expires_in: 1, scope: 'bar', token_type: 'bearer', credential: cred.id, service: undefined, refresh_token: undefined },
    { expires_in: 10, scope: 'foo', token_type: 'bearer', credential: cred.id },
  ])
  for (const tok of r.config.oauth2_tokens) {
    t.match(tok.access_token, /^[A-Za-z0-9]{32}$/, 'access_token generated')
    t.type(tok.created_at, 'number', 'created when the file loads')
  }
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:832
  t.same(issues(`${head}  oauth2_tokens:\n  - scope: foo\n`), ['oauth2_credentials[0].oauth2_tokens[0].expires_in: required field missing'])
  // spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:856
  t.same(issues(`${head}  oauth2_tokens:\n  - expires_in: 1\n    service: svc1\n`), ['oauth2_credentials[0].oauth2_tokens[0].service: value must be null'])
})

t.test('top-level tokens and codes name their client and service', async (t) => {
  const yaml = `_format_version: "3.0"
services:
- name: svc1
  url: http://127.0.0.1:9
consumers:
- username: bob
  oauth2_credentials:
  - name: app
    client_id: clientid123
oauth2_tokens:
- credential: clientid123
  service: svc1
  expires_in: 7200
  access_token: the-token
  refresh_token: the-refresh
oauth2_authorization_codes:
- credential: clientid123
  service: svc1
  code: the-code
  challenge_method: S256
`
  const r = load(yaml)
  if (!r.ok) return t.fail(r.issues.map((i) => i.message).join('; '))
  t.equal(r.config.oauth2_tokens[0]!.credential, r.config.oauth2_credentials[0]!.id)
  t.equal(r.config.oauth2_tokens[0]!.service, r.config.services[0]!.id)
  t.equal(r.config.oauth2_authorization_codes[0]!.credential, r.config.oauth2_credentials[0]!.id)
  const shown = JSON.stringify(redactConfig(r.config))
  t.notMatch(shown, /the-token|the-refresh|the-code/, 'tokens, refresh tokens and codes are secrets')
  // kong/plugins/oauth2/daos.lua: unique access_token; a clash does not echo the token
  const twice = issues(
    yaml.replace('oauth2_authorization_codes:', '- credential: clientid123\n  expires_in: 1\n  access_token: the-token\noauth2_authorization_codes:'),
  )
  t.same(twice, ["oauth2_tokens[1].access_token: uniqueness violation: 'oauth2_tokens' entity with access_token set to '<redacted>' already declared"])
  t.same(issues(yaml.replace('challenge_method: S256', 'challenge_method: plain')), ['oauth2_authorization_codes[0].challenge_method: expected one of: S256'])
  t.same(issues(yaml.replace('credential: clientid123\n  service: svc1\n  expires_in', 'credential: nope\n  service: svc1\n  expires_in')), [
    "oauth2_tokens[0].credential: invalid reference 'credential: nope' (no such entry in 'oauth2_credentials')",
  ])
})

t.test('hash_secret: the secret as written is stored as a PBKDF2 hash (Kong: daos.lua transformations)', async (t) => {
  const yaml = (transform: boolean) => `_format_version: "3.0"
_transform: ${transform}
consumers:
- username: bob
  oauth2_credentials:
  - name: app
    client_secret: secret123
    hash_secret: true
`
  const r = load(yaml(true))
  if (!r.ok) return t.fail('loads')
  t.match(r.config.oauth2_credentials[0]!.client_secret, /^\$pbkdf2-sha512\$i=10000,l=32\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
  const raw = load(yaml(false))
  if (!raw.ok) return t.fail('loads')
  t.equal(raw.config.oauth2_credentials[0]!.client_secret, 'secret123', 'without _transform the value is taken as already hashed')
  t.notMatch(JSON.stringify(redactConfig(r.config)), /secret123|pbkdf2/, 'the secret is redacted in the config view')
})

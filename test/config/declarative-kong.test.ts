// Kong's declarative-config and entity schema specs, as a user of `gateway validate` sees them:
// each case cites the Kong spec it comes from (spec/01-unit/01-db/..., spec/02-integration/...).
import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'

type Seen = { line: number; column: number; path: string; message: string }

function issues(yaml: string): Seen[] {
  const r = loadConfig(yaml, { file: 'kong.yml', env: {} })
  if (r.ok) return []
  return r.issues.map(({ line, column, path, message }) => ({ line, column, path, message }))
}

const lines = (...l: string[]) => `${l.join('\n')}\n`

// spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:98
t.test('_ignore at the root must be an array', async (t) => {
  t.same(issues(lines('_format_version: "1.1"', '_ignore: 1234')), [{ line: 2, column: 10, path: '_ignore', message: 'expected an array' }])
  t.same(issues(lines('_format_version: "1.1"', '_ignore:', '  foo: bar', '  bla: 123')), [
    { line: 3, column: 3, path: '_ignore', message: 'expected an array' },
  ])
  t.same(issues(lines('_format_version: "1.1"', '_ignore:', '- foo: bar', '  bla: 123', '- "Hello, world"', '- 1234')), [])
})

// spec/01-unit/01-db/10-declarative_spec.lua:31 (a Kong export carries created_at on credentials)
t.test('created_at and updated_at are accepted where Kong has them', async (t) => {
  t.same(
    issues(
      lines(
        '_format_version: "2.1"',
        'consumers:',
        '- id: e150d090-4d53-4e55-bff8-efaaccd34ec4',
        '  username: bar@example.com',
        '  created_at: 1593624542',
        '  updated_at: 1593624542',
        'keyauth_credentials:',
        '- created_at: 1593624542',
        '  id: 3f9066ef-b91b-4d1d-a05a-28619401c1ad',
        '  tags: ~',
        '  ttl: ~',
        '  key: test',
        '  consumer: e150d090-4d53-4e55-bff8-efaaccd34ec4',
        'services:',
        '- name: s',
        '  host: example.com',
        '  created_at: 1593624542',
        '  updated_at: 1593624542',
        '  routes:',
        '  - name: r',
        '    paths: [/]',
        '    created_at: 1593624542',
        '    updated_at: 1593624542',
        'upstreams:',
        '- name: u',
        '  created_at: 1593624542',
        '  targets:',
        '  - target: 10.0.0.1:80',
        '    created_at: 1593624542.123',
        'plugins:',
        '- name: cors',
        '  created_at: 1593624542',
        '  updated_at: 1593624542',
      ),
    ),
    [],
  )
  // Kong's credential daos have no updated_at, and a timestamp in seconds is an integer.
  t.same(issues(lines('_format_version: "3.0"', 'consumers:', '- username: a', '  created_at: 1.5', '  acls:', '  - group: g', '    updated_at: 1')), [
    { line: 4, column: 15, path: 'consumers[0].created_at', message: 'expected an integer' },
    { line: 7, column: 5, path: 'consumers[0].acls[0].updated_at', message: "unknown field (did you mean 'created_at'?)" },
  ])
})

// spec/02-integration/04-admin_api/25-max_safe_integer_spec.lua:84
t.test('regex_priority has no 32-bit bound', async (t) => {
  const file = (p: string) =>
    lines(
      '_format_version: "1.1"',
      'services:',
      '- name: my-service',
      '  url: https://localhost',
      '  routes:',
      '  - name: my-route',
      '    paths: [/]',
      `    regex_priority: ${p}`,
    )
  t.same(issues(file('9007199254740992')), [])
  t.same(issues(file('-4294967296')), [])
  const ok = loadConfig(file('9007199254740992'), { file: 'kong.yml', env: {} })
  t.equal(ok.ok && ok.config.routes[0]!.regex_priority, 9007199254740992)
  t.same(issues(file('1.5')), [{ line: 8, column: 21, path: 'services[0].routes[0].regex_priority', message: 'expected an integer' }])
})

// kong/db/schema/typedefs.lua validate_tag: the pattern starts at the space (03-typedefs_spec.lua tags)
t.test('tags may contain spaces, never , or /', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '- host: example.com', '  tags: ["team a", " lead"]')), [])
  t.same(issues(lines('_format_version: "3.0"', 'services:', '- host: example.com', '  tags: ["a,b", "a/b"]')), [
    { line: 4, column: 10, path: 'services[0].tags[0]', message: "invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences" },
    { line: 4, column: 17, path: 'services[0].tags[1]', message: "invalid tag 'a/b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences" },
  ])
})

// spec/01-unit/01-db/01-schema/06-routes_spec.lua:418
t.test('route hosts Kong refuses, with its message', async (t) => {
  for (const h of [
    '/example',
    '.example',
    'example:',
    'mock;bin',
    'example.com/org',
    'example-.org',
    'example.org-',
    'hello..example.com',
    'hello-.example.com',
  ]) {
    t.same(
      issues(lines('_format_version: "3.0"', 'routes:', `- hosts: ["${h}"]`)).map((i) => i.message),
      [`invalid hostname: ${h}`],
      h,
    )
  }
  // spec/01-unit/01-db/01-schema/06-routes_spec.lua:443
  t.same(
    issues(lines('_format_version: "3.0"', 'routes:', '- hosts: ["example.com:1000000"]')).map((i) => i.message),
    ['invalid port number'],
  )
  // spec/01-unit/01-db/01-schema/06-routes_spec.lua:407
  t.same(
    issues(lines('_format_version: "3.0"', 'routes:', '- hosts: [""]')).map((i) => i.message),
    ['length must be at least 1'],
  )
  // spec/01-unit/01-db/01-schema/06-routes_spec.lua:454
  for (const h of ['*example.com', 'www.example*', 'mock*bin.com']) {
    t.same(
      issues(lines('_format_version: "3.0"', 'routes:', `- hosts: ["${h}"]`)).map((i) => i.message),
      ['invalid wildcard: must be placed at leftmost or rightmost label'],
      h,
    )
  }
  // spec/01-unit/01-db/01-schema/06-routes_spec.lua:474
  for (const h of ['*.example.*', '**.example.com', '*.example*.*']) {
    t.same(
      issues(lines('_format_version: "3.0"', 'routes:', `- hosts: ["${h}"]`)).map((i) => i.message),
      ['invalid wildcard: must have at most one wildcard'],
      h,
    )
  }
})

// spec/01-unit/01-db/01-schema/06-routes_spec.lua:495 and :540; kong/tools/ip.lua check_hostname has no length limits
t.test('route hosts Kong accepts', async (t) => {
  const valid = [
    'hello.com',
    '1991.io',
    'HELLO.com',
    'example.123',
    'example_api.com',
    'localhost',
    'example.com:8080',
    '-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n',
    'Hello-Another-Way--fc4qua05auwb3674vfr0b',
    'example.*',
    '*.example.org',
    '*.example.org:321',
    `${'a'.repeat(70)}.example.com`,
    `${'abcdefghi.'.repeat(30)}com`,
  ]
  for (const h of valid) t.same(issues(lines('_format_version: "3.0"', 'routes:', `- hosts: ["${h}"]`)), [], h)
})

// kong/tools/ip.lua check_hostname, through typedefs.host (spec/01-unit/01-db/01-schema/05-services_spec.lua host cases)
t.test('service hosts and upstream names follow check_hostname', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', `- host: ${'a'.repeat(70)}.internal`)), [])
  t.same(issues(lines('_format_version: "3.0"', 'upstreams:', `- name: ${'a'.repeat(300)}`)), [])
  t.same(
    issues(lines('_format_version: "3.0"', 'services:', '- host: 1.2.3.999')).map((i) => i.message),
    ['invalid value: 1.2.3.999'],
  )
})

// spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:340 and 05-error-flattening_spec.lua:458
t.test("an unknown plugin in Kong's words, with our hint", async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '- name: foo')), [
    {
      line: 3,
      column: 9,
      path: 'plugins[0].name',
      message: "plugin 'foo' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
    },
  ])
  t.same(
    issues(lines('_format_version: "3.0"', 'services:', '- host: example.com', '  plugins:', '  - name: key-auht')).map((i) => i.message),
    ["plugin 'key-auht' not enabled; add it to the 'plugins' configuration property (did you mean 'key-auth'?)"],
  )
})

// spec/01-unit/01-db/01-schema/11-declarative_config/05-error-flattening_spec.lua:514
t.test('a vault type that is not installed', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'vaults:', '- name: vault-not-installed', '  prefix: nope')), [
    { line: 3, column: 9, path: 'vaults[0].name', message: "vault 'vault-not-installed' is not installed" },
  ])
  // Nothing else of it is checked (its subschema is unknown): `env` as a prefix is not reported.
  t.same(issues(lines('_format_version: "3.0"', 'vaults:', '- name: vault-not-installed', '  prefix: env', '  config:', '    prefix: SSL_')), [
    { line: 3, column: 9, path: 'vaults[0].name', message: "vault 'vault-not-installed' is not installed" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'vaults:', '- name: env', '  prefix: env')), [
    { line: 4, column: 11, path: 'vaults[0].prefix', message: 'must not be one of: env' },
  ])
})

// A basic-auth credential whose consumer names nothing: Kong's transformation check (the password
// is hashed with consumer.id) fails, and the name resolves to no primary key.
t.test('basic-auth credential with a consumer that names nothing', async (t) => {
  const consumer = (ref: string) =>
    lines(
      '_format_version: "1.1"',
      'consumers:',
      '- id: 0fe87b4a-ce29-515a-88ec-8547e66550b9',
      '  username: consumer',
      'basicauth_credentials:',
      `- consumer: ${ref}`,
      '  username: username',
      '  password: s3cret-pw',
    )
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1579
  t.same(issues(consumer('00000000-0000-0000-0000-000000000000')), [
    { line: 6, column: 3, path: 'basicauth_credentials[0]', message: "all or none of these fields must be set: 'password', 'consumer.id'" },
    {
      line: 6,
      column: 13,
      path: 'basicauth_credentials[0].consumer.id',
      message: "missing primary key (no such entry in 'consumers': 00000000-0000-0000-0000-000000000000)",
    },
  ])
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1645
  t.same(issues(consumer('incorrect')), [
    { line: 6, column: 3, path: 'basicauth_credentials[0]', message: "all or none of these fields must be set: 'password', 'consumer.id'" },
    { line: 6, column: 13, path: 'basicauth_credentials[0].consumer.id', message: "missing primary key (no such entry in 'consumers': incorrect)" },
  ])
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1540 and :1607
  t.same(issues(consumer('0fe87b4a-ce29-515a-88ec-8547e66550b9')), [])
  t.same(issues(consumer('consumer')), [])
  // Another credential keeps Kong's plain reference message: only basic-auth needs the consumer's id.
  t.same(issues(lines('_format_version: "3.0"', 'keyauth_credentials:', '- consumer: incorrect', '  key: k')), [
    { line: 3, column: 13, path: 'keyauth_credentials[0].consumer', message: "invalid reference 'consumer: incorrect' (no such entry in 'consumers')" },
  ])
})

t.test('basic-auth credential nested in a consumer that names another one', async (t) => {
  const nested = (ref: string) =>
    lines(
      '_format_version: "1.1"',
      'consumers:',
      '- id: 0fe87b4a-ce29-515a-88ec-8547e66550b9',
      '  username: consumer',
      '  basicauth_credentials:',
      '  - username: username',
      '    password: s3cret-pw',
      `    consumer: ${ref}`,
    )
  const expected = [
    { line: 6, column: 5, path: 'consumers[0].basicauth_credentials[0]', message: "all or none of these fields must be set: 'password', 'consumer.id'" },
    {
      line: 8,
      column: 15,
      path: 'consumers[0].basicauth_credentials[0].consumer',
      message: 'value must be null (this basic-auth credential is nested in a consumer)',
    },
  ]
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1445
  t.same(issues(nested('00000000-0000-0000-0000-000000000000')), expected)
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1512
  t.same(issues(nested('incorrect')), expected)
  // spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:1407 and :1475
  t.same(issues(nested('0fe87b4a-ce29-515a-88ec-8547e66550b9')), [])
  t.same(issues(nested('consumer')), [])
})

// spec/01-unit/01-db/01-schema/11-declarative_config/03-flatten_spec.lua:2244 (#7696)
t.test('a nested route naming a service id that does not exist is an invalid reference', async (t) => {
  const file = (id: string) =>
    lines(
      '_format_version: "2.1"',
      'services:',
      '- name: my-service-1',
      '  url: http://localhost:8001/status',
      '  routes:',
      '  - name: my-route-1',
      '    service:',
      `      id: "${id}"`,
      '    paths:',
      '    - /status',
      '- name: other',
      '  id: 11111111-2222-4333-8444-555555555555',
      '  host: example.com',
    )
  t.same(issues(file('769bdf51-16df-5476-9830-ef26800b5448')), [
    {
      line: 8,
      column: 7,
      path: 'services[0].routes[0].service',
      message: 'invalid reference \'service: {"id":"769bdf51-16df-5476-9830-ef26800b5448"}\' (no such entry in \'services\')',
    },
  ])
  // Naming another service that exists: Kong keeps the enclosing one silently; we refuse the contradiction.
  t.same(issues(file('11111111-2222-4333-8444-555555555555')), [
    { line: 8, column: 7, path: 'services[0].routes[0].service', message: 'value must be null (this route is nested in a service)' },
  ])
})

// spec/01-unit/01-db/01-schema/11-declarative_config/01-validate_spec.lua:348
t.test('a nested plugin scoped where it may not be: value must be null, alone', async (t) => {
  t.same(
    issues(lines('_format_version: "1.1"', 'services:', '- name: foo', '  url: https://example.com', '  plugins:', '  - name: key-auth', '    consumer: foo')),
    [{ line: 7, column: 15, path: 'services[0].plugins[0].consumer', message: "value must be null (plugin 'key-auth' cannot be scoped to a consumer)" }],
  )
})

// kong/db/schema/init.lua: a string is at least one character unless its schema says otherwise
// (05-error-flattening_spec.lua:469 shows it for a certificate's cert and key)
t.test('an empty certificate or key is too short, not unparsable', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'certificates:', '- cert: ""', '  key: ""')), [
    { line: 3, column: 9, path: 'certificates[0].cert', message: 'length must be at least 1' },
    { line: 4, column: 8, path: 'certificates[0].key', message: 'length must be at least 1' },
  ])
})

// A `client_certificate` written as an object is checked as a certificate, as Kong checks a
// foreign field given a table (kong/db/schema/init.lua, validate_field "foreign").
t.test('a client_certificate object is validated as a certificate', async (t) => {
  // spec/01-unit/01-db/01-schema/11-declarative_config/05-error-flattening_spec.lua:469
  t.same(
    issues(
      lines(
        '_format_version: "3.0"',
        'services:',
        '- name: bad-client-cert',
        '  url: https://localhost:1234',
        '  client_certificate:',
        '    cert: ""',
        '    key: ""',
        '    tags: [service_client_certificate-01]',
      ),
    ),
    [
      { line: 6, column: 11, path: 'services[0].client_certificate.cert', message: 'length must be at least 1' },
      { line: 7, column: 10, path: 'services[0].client_certificate.key', message: 'length must be at least 1' },
    ],
  )
  t.same(issues(lines('_format_version: "3.0"', 'upstreams:', '- name: u', '  client_certificate:', '    tags: [a]')), [
    { line: 5, column: 5, path: 'upstreams[0].client_certificate.cert', message: 'required field missing' },
    { line: 5, column: 5, path: 'upstreams[0].client_certificate.key', message: 'required field missing' },
  ])
  // A valid certificate still is no reference: Kong wants its primary key.
  const cert = JSON.stringify(readFileSync('test/fixtures/tls/client.crt', 'utf8'))
  const key = JSON.stringify(readFileSync('test/fixtures/tls/client.key', 'utf8'))
  t.same(
    issues(
      lines(
        '_format_version: "3.0"',
        'services:',
        '- name: s',
        '  url: https://localhost:1234',
        '  client_certificate:',
        `    cert: ${cert}`,
        `    key: ${key}`,
      ),
    ),
    [
      {
        line: 6,
        column: 5,
        path: 'services[0].client_certificate.id',
        message: 'missing primary key (declare the certificate under certificates and name its id here)',
      },
    ],
  )
  // The reference forms load: the id, or decK's { id }.
  const byId = (ref: string[]) =>
    lines(
      '_format_version: "3.0"',
      'certificates:',
      '- id: 0fe87b4a-ce29-515a-88ec-8547e66550b9',
      `  cert: ${cert}`,
      `  key: ${key}`,
      'services:',
      '- name: s',
      '  url: https://localhost:1234',
      ...ref,
    )
  t.same(issues(byId(['  client_certificate: 0fe87b4a-ce29-515a-88ec-8547e66550b9'])), [])
  t.same(issues(byId(['  client_certificate:', '    id: 0fe87b4a-ce29-515a-88ec-8547e66550b9'])), [])
})

// spec/01-unit/01-db/01-schema/11-declarative_config/05-error-flattening_spec.lua:486
t.test('an empty name is only too short', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '- name: ""', '  url: https://localhost:1234')), [
    { line: 3, column: 9, path: 'services[0].name', message: 'length must be at least 1' },
  ])
})

// spec/01-unit/01-db/01-schema/11-declarative_config/05-error-flattening_spec.lua:1221
t.test('a route whose protocols Kong has no subschema for: unknown type, alone', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '- hosts: [invalid]', '  paths: [/]', '  protocols: [nope]', '  methods: [1]')), [
    { line: 5, column: 14, path: 'routes[0].protocols', message: 'unknown type: nope' },
  ])
  // One known protocol picks the subschema; the others are checked one by one.
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '- paths: [/]', '  protocols: [http, nope]')), [
    { line: 4, column: 21, path: 'routes[0].protocols[1]', message: 'expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp' },
  ])
})

// Every problem in one run, nested plugins included, as Kong's validation gathers them:
// spec/01-unit/01-db/01-schema/11-declarative_config/05-error-flattening_spec.lua:1197
t.test("nested plugin errors come in the same run as their parents' errors", async (t) => {
  t.same(
    issues(
      lines(
        '_format_version: "3.0"',
        'services:',
        '- name: bad-client-cert',
        '  url: https://localhost:1234',
        '  client_certificate:',
        '    cert: ""',
        '    key: ""',
        '  plugins:',
        '  - name: i-do-not-exist',
        '    config: {}',
        '  routes:',
        '  - hosts: [test]',
        '    paths: [/]',
        '    protocols: [http]',
        '    plugins:',
        '    - name: http-log',
        '      config:',
        '        a:',
        '          b:',
        '            c: def',
        '  - hosts: [invalid]',
        '    paths: [/]',
        '    protocols: [nope]',
      ),
    ),
    [
      { line: 6, column: 11, path: 'services[0].client_certificate.cert', message: 'length must be at least 1' },
      { line: 7, column: 10, path: 'services[0].client_certificate.key', message: 'length must be at least 1' },
      {
        line: 9,
        column: 11,
        path: 'services[0].plugins[0].name',
        message: "plugin 'i-do-not-exist' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
      },
      { line: 18, column: 9, path: 'services[0].routes[0].plugins[0].config.a', message: 'unknown field' },
      { line: 18, column: 9, path: 'services[0].routes[0].plugins[0].config.http_endpoint', message: 'required field missing' },
      { line: 23, column: 16, path: 'services[0].routes[1].protocols', message: 'unknown type: nope' },
    ],
  )
})

// An explicit null is "not set" to Kong: on a required field, `required field missing`
// (kong/db/schema/init.lua; 01-validate_spec.lua:162 for the message).
t.test('an explicit null on a required field is required field missing', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '- name: a', '  host: null')), [
    { line: 4, column: 9, path: 'services[0].host', message: 'required field missing' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '- name: ~')), [{ line: 3, column: 9, path: 'plugins[0].name', message: 'required field missing' }])
  t.same(
    issues(
      lines(
        '_format_version: "3.0"',
        'services:',
        '- name: a',
        '  host: example.com',
        '  plugins:',
        '  - name: http-log',
        '    config:',
        '      http_endpoint: ~',
      ),
    ),
    [{ line: 8, column: 22, path: 'services[0].plugins[0].config.http_endpoint', message: 'required field missing' }],
  )
})

// spec/01-unit/01-db/01-schema/11-declarative_config/05-error-flattening_spec.lua:419 (typedefs.url,
// read as luasocket reads it: the fragment goes first, so no host is left)
t.test('a url field without a host is missing host in url', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '- name: http-log', '  config:', '    http_endpoint: "invalid::#//url"')), [
    { line: 5, column: 20, path: 'plugins[0].config.http_endpoint', message: 'missing host in url' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '- name: http-log', '  config:', '    http_endpoint: example.com/log')), [
    { line: 5, column: 20, path: 'plugins[0].config.http_endpoint', message: 'missing host in url' },
  ])
})

// kong/db/schema/entities/services.lua: the url shorthand sets host to null when the url has none,
// and a null required field is `required field missing` (01-validate_spec.lua:162)
t.test('a service url without a host: the host is required', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '- name: a', '  url: http://', '- name: b', '  url: http:///path')), [
    { line: 4, column: 8, path: 'services[0].host', message: 'required field missing' },
    { line: 6, column: 8, path: 'services[1].host', message: 'required field missing' },
  ])
})

// spec/01-unit/01-db/01-schema/11-declarative_config/04-on-the-fly-migration_spec.lua:158: a 2.1 file's
// regex-looking path is migrated to `~` first, then validated as a regex. (Kong's reason is PCRE's
// wording; ours is the Rust regex crate's, as the README says.)
t.test('a legacy regex path is validated after its migration', async (t) => {
  const got = issues(
    lines(
      '_format_version: "2.1"',
      'services:',
      '- name: bar',
      '  host: example.test',
      '  routes:',
      '  - name: foo',
      '    protocols: ["https"]',
      '    paths: ["/regex.+(", "/prefix"]',
      '    snis: [example.com]',
    ),
  )
  t.equal(got.length, 1)
  t.match(got[0], { line: 8, column: 13, path: 'services[0].routes[0].paths[0]', message: /^invalid regex: '\/regex\.\+\('/ })
})

// kong/db/schema/entities/services.lua (url shorthand, luasocket's url.parse): without `//` there
// is no host, and what follows an optional `scheme:` is the path.
t.test('a service url without scheme:// is a path, as Kong reads it', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '- name: a', '  url: example.com')), [
    { line: 4, column: 8, path: 'services[0].host', message: 'required field missing' },
    { line: 4, column: 8, path: 'services[0].path', message: 'should start with: /' },
  ])
})

// kong/db/schema/entities/services.lua: the scheme is taken as written, so `HTTPS` is not a protocol.
t.test('a service url scheme is not lower-cased', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '- name: a', '  url: HTTPS://h.test')), [
    {
      line: 4,
      column: 8,
      path: 'services[0].protocol',
      message: 'expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp',
    },
  ])
})

// kong/db/schema/entities/services.lua: a url without a port gets 443 for https only, 80 otherwise.
t.test('a service url without a port: 443 for https, 80 for every other scheme', async (t) => {
  const r = loadConfig(
    lines(
      '_format_version: "3.0"',
      'services:',
      '- { name: a, url: "https://h.test" }',
      '- { name: b, url: "grpcs://h.test" }',
      '- { name: c, url: "tls://h.test" }',
      '- { name: d, url: "grpc://h.test" }',
    ),
    { file: 'kong.yml', env: {} },
  )
  if (!r.ok) return t.fail(JSON.stringify(r.issues))
  t.same(
    r.config.services.map((s) => [s.name, s.protocol, s.port]),
    [
      ['a', 'https', 443],
      ['b', 'grpcs', 80],
      ['c', 'tls', 80],
      ['d', 'grpc', 80],
    ],
  )
})

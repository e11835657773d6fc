// Each kind of config error, with the exact line, column, path and message a user sees.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import type { ConfigIssue } from '../../src/config/issues.js'

function issues(yaml: string, env: NodeJS.ProcessEnv = {}): Pick<ConfigIssue, 'line' | 'column' | 'path' | 'message'>[] {
  const r = loadConfig(yaml, { file: 'kong.yml', env })
  if (r.ok) return []
  for (const i of r.issues) if (i.file !== 'kong.yml') throw new Error(`issue names file ${i.file}`)
  return r.issues.map(({ line, column, path, message }) => ({ line, column, path, message }))
}

const lines = (...l: string[]) => `${l.join('\n')}\n`

t.test('a valid file has no issues', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    url: http://a.internal')), [])
})

t.test('YAML syntax error points at the broken line', async (t) => {
  const got = issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    url: [http://a', '  routes: x'))
  t.ok(got.length >= 1)
  t.equal(got[0]!.path, '')
  t.match(got[0]!.message, /^YAML: /)
  t.ok(got[0]!.line >= 4, `line ${got[0]!.line}`)
})

t.test('duplicate YAML keys are errors, not silently merged', async (t) => {
  const got = issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    name: b', '    host: a.internal'))
  t.equal(got.length, 1)
  t.equal(got[0]!.line, 4)
  t.match(got[0]!.message, /Map keys must be unique/)
})

t.test('a document that is not a mapping', async (t) => {
  t.same(issues('- a\n- b\n'), [{ line: 1, column: 1, path: '', message: 'failed parsing declarative configuration: expected an object' }])
  t.same(issues(''), [{ line: 1, column: 1, path: '', message: 'failed parsing declarative configuration: expected an object' }])
})

t.test('_format_version missing or unknown', async (t) => {
  t.same(issues(lines('services: []')), [{ line: 1, column: 1, path: '_format_version', message: 'required field missing' }])
  t.same(issues(lines('_format_version: "4.0"')), [{ line: 1, column: 18, path: '_format_version', message: 'expected one of: 1.1, 2.1, 3.0' }])
  t.same(issues(lines('_format_version: 3.0')), [{ line: 1, column: 18, path: '_format_version', message: 'expected a string' }])
})

t.test('unknown keys point at the key and suggest the likely one', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'service:', '  - name: a')), [
    { line: 2, column: 1, path: 'service', message: "unknown field (did you mean 'services'?)" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    retires: 3')), [
    { line: 5, column: 5, path: 'services[0].retires', message: "unknown field (did you mean 'retries'?)" },
  ])
  t.same(issues(lines('_format_version: "3.0"', '_workspace: default')), [
    { line: 2, column: 1, path: '_workspace', message: 'unknown field (a decK/Kong Enterprise key; Kong OSS rejects it too: remove it)' },
  ])
})

t.test('a missing required field points at its parent entity', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    port: 8080')), [
    { line: 3, column: 5, path: 'services[0].host', message: 'required field missing' },
  ])
})

t.test('type and range errors use Kong wording', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    port: 70000', '    retries: many')), [
    { line: 5, column: 11, path: 'services[0].port', message: 'value should be between 0 and 65535' },
    { line: 6, column: 14, path: 'services[0].retries', message: 'expected an integer' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    protocol: ftp')), [
    { line: 5, column: 15, path: 'services[0].protocol', message: 'expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp' },
  ])
})

t.test('errors from the url shorthand point at the url', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    url: http://$HOST:$PORT/x')), [
    { line: 4, column: 10, path: 'services[0].host', message: 'invalid value: $HOST' },
    { line: 4, column: 10, path: 'services[0].port', message: 'expected an integer' },
  ])
})

t.test('service path rules', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    path: api')), [
    { line: 5, column: 11, path: 'services[0].path', message: 'should start with: /' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    protocol: tcp', '    path: /x')), [
    { line: 3, column: 5, path: 'services[0]', message: "failed conditional validation given value of field 'protocol'" },
    { line: 6, column: 11, path: 'services[0].path', message: 'value must be null' },
  ])
})

t.test('entity names follow utf8_name rules', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: my service', '    host: a.internal')), [
    {
      line: 3,
      column: 11,
      path: 'services[0].name',
      message: "invalid value 'my service': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
    },
  ])
})

t.test('route paths: prefix, normalization, regex', async (t) => {
  const doc = (p: string) => lines('_format_version: "3.0"', 'routes:', '  - name: r', `    paths: ["${p}"]`)
  t.same(issues(doc('api')), [{ line: 4, column: 13, path: 'routes[0].paths[0]', message: 'should start with: / (fixed path) or ~/ (regex path)' }])
  t.same(issues(doc('/a//b')), [{ line: 4, column: 13, path: 'routes[0].paths[0]', message: 'must not have empty segments' }])
  t.same(issues(doc('/a/./b')), [{ line: 4, column: 13, path: 'routes[0].paths[0]', message: "non-normalized path, consider use '/a/b' instead" }])
  t.same(issues(doc('/%7Euser')), [{ line: 4, column: 13, path: 'routes[0].paths[0]', message: "non-normalized path, consider use '/~user' instead" }])
  // Requests are normalized the same way, so a path like this could never match.
  t.same(issues(doc('/caf%C3%A9')), [{ line: 4, column: 13, path: 'routes[0].paths[0]', message: "non-normalized path, consider use '/café' instead" }])
  t.same(issues(doc('/a%2Fb')), [], 'reserved escapes stay as written')
  t.same(issues(doc('~/users/(?<id>\\\\d+$')), [
    { line: 4, column: 13, path: 'routes[0].paths[0]', message: "invalid regex: '/users/(?<id>\\d+$' (unclosed group)" },
  ])
  t.same(issues(doc('~/users/(?<id>\\\\d+)$')), [])
})

t.test('route hosts, methods and headers', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - hosts: ["*.a.*"]')), [
    { line: 3, column: 13, path: 'routes[0].hosts[0]', message: 'invalid wildcard: must have at most one wildcard' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - hosts: ["a.*.com"]')), [
    { line: 3, column: 13, path: 'routes[0].hosts[0]', message: 'invalid wildcard: must be placed at leftmost or rightmost label' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - methods: [get]')), [
    { line: 3, column: 15, path: 'routes[0].methods[0]', message: 'invalid value: get' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - headers:', '      Host: [a.com]')), [
    { line: 4, column: 13, path: 'routes[0].headers.Host', message: "cannot contain 'host' header, which must be specified in the 'hosts' attribute" },
  ])
})

t.test('a route must match on something', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - name: nothing', '    strip_path: false')), [
    { line: 3, column: 5, path: 'routes[0]', message: "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - name: plain', '    protocols: [http]')), [
    { line: 3, column: 5, path: 'routes[0]', message: "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - paths: [/a]', '    protocols: [http, tcp]')), [
    { line: 4, column: 16, path: 'routes[0].protocols', message: "these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp')" },
  ])
})

t.test('dangling references name the missing entity', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - name: r', '    service: nope', '    paths: [/a]')), [
    { line: 4, column: 14, path: 'routes[0].service', message: "invalid reference 'service: nope' (no such entry in 'services')" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'keyauth_credentials:', '  - consumer: ghost', '    key: k')), [
    { line: 3, column: 15, path: 'keyauth_credentials[0].consumer', message: "invalid reference 'consumer: ghost' (no such entry in 'consumers')" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'targets:', '  - upstream: missing.upstream', '    target: 10.0.0.1:80')), [
    { line: 3, column: 15, path: 'targets[0].upstream', message: "invalid reference 'upstream: missing.upstream' (no such entry in 'upstreams')" },
  ])
})

t.test('uniqueness: names, and keys shared by two consumers (never printed)', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '  - name: a', '    host: b.internal')), [
    { line: 5, column: 11, path: 'services[1].name', message: "uniqueness violation: 'services' entity with name set to 'a' already declared" },
  ])
  const got = issues(
    lines(
      '_format_version: "3.0"',
      'consumers:',
      '  - username: alice',
      '    keyauth_credentials:',
      '      - key: s3cr3t-shared',
      '  - username: bob',
      '    keyauth_credentials:',
      '      - key: s3cr3t-shared',
    ),
  )
  t.equal(got.length, 1)
  t.equal(got[0]!.line, 8)
  t.equal(got[0]!.column, 14)
  t.equal(got[0]!.path, 'consumers[1].keyauth_credentials[0].key')
  t.match(got[0]!.message, /^uniqueness violation: 'keyauth_credentials' entity with key set to '<redacted>' already declared/)
  t.notMatch(got[0]!.message, /s3cr3t/)
})

t.test('the same plugin twice on one scope collides on its derived id, as in Kong', async (t) => {
  const got = issues(lines('_format_version: "3.0"', 'plugins:', '  - name: request-termination', '  - name: request-termination'))
  t.equal(got.length, 1)
  t.equal(got[0]!.line, 4)
  t.equal(got[0]!.column, 5)
  t.match(
    got[0]!.message,
    /^uniqueness violation: 'plugins' entity with primary key set to '[0-9a-f-]{36}' already declared \(plugin 'request-termination' is configured twice/,
  )
})

t.test('plugins: unknown name, config validated by the plugin', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '  - name: foo')), [
    {
      line: 3,
      column: 11,
      path: 'plugins[0].name',
      message: "plugin 'foo' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
    },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '  - name: request-termination', '    config:', '      status_cod: 200', '      message: 1')), [
    { line: 5, column: 7, path: 'plugins[0].config.status_cod', message: "unknown field (did you mean 'status_code'?)" },
    { line: 6, column: 16, path: 'plugins[0].config.message', message: 'expected a string' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '  - name: request-termination', '    config:', '      status_code: 99')), [
    { line: 5, column: 20, path: 'plugins[0].config.status_code', message: 'value should be between 100 and 599' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '  - name: request-termination', '    config:', '      message: hi', '      body: hi')), [
    { line: 5, column: 7, path: 'plugins[0].config', message: 'message cannot be used with content_type or body' },
  ])
})

t.test('plugin ordering names must be available plugins', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'plugins:', '  - name: request-termination', '    ordering:', '      before:', '        access: [nope]')), [
    {
      line: 6,
      column: 18,
      path: 'plugins[0].ordering.before.access[0]',
      message: "plugin 'nope' not enabled; add it to the 'plugins' configuration property (this gateway does not provide it)",
    },
  ])
})

t.test('consumers need a username or custom_id', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'consumers:', '  - tags: [a]')), [
    { line: 3, column: 5, path: 'consumers[0]', message: "at least one of these fields must be non-empty: 'custom_id', 'username'" },
  ])
})

t.test('a nested child may not point at another parent', async (t) => {
  t.same(
    issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: a.internal', '    routes:', '      - paths: [/x]', '        service: b')),
    [{ line: 7, column: 18, path: 'services[0].routes[0].service', message: 'value must be null (this route is nested in a service)' }],
  )
})

t.test('upstreams and targets', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'upstreams:', '  - name: 10.0.0.1')), [
    { line: 3, column: 11, path: 'upstreams[0].name', message: "Invalid name ('10.0.0.1'); no ip addresses allowed" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'upstreams:', '  - name: u', '    targets:', '      - target: "bad host:1"')), [
    { line: 5, column: 17, path: 'upstreams[0].targets[0].target', message: "Invalid target ('bad host:1'); not a valid hostname or ip address" },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'upstreams:', '  - name: u', '    hash_on: header')), [
    { line: 3, column: 5, path: 'upstreams[0].hash_on_header', message: 'required field missing' },
  ])
})

t.test('decK env substitution: missing variables are errors at their value; values are never printed', async (t) => {
  const doc = lines('_format_version: "3.0"', 'services:', '  - name: a', '    host: ${{ env "DECK_HOST" }}', '    port: ${{ env "DECK_PORT" | toInt }}')
  t.same(issues(doc, {}), [
    { line: 4, column: 11, path: '', message: "environment variable 'DECK_HOST' present in state file but not set" },
    { line: 5, column: 11, path: '', message: "environment variable 'DECK_PORT' present in state file but not set" },
  ])
  const ok = loadConfig(doc, { file: 'kong.yml', env: { DECK_HOST: 'api.internal', DECK_PORT: '9000' } })
  t.ok(ok.ok)
  if (ok.ok) {
    t.equal(ok.config.services[0]!.host, 'api.internal')
    t.equal(ok.config.services[0]!.port, 9000)
  }
  t.same(issues(doc, { DECK_HOST: 'bad host value', DECK_PORT: '1' }), [
    { line: 4, column: 11, path: 'services[0].host', message: 'invalid value: <redacted>' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - host: ${{ env "HOME" }}')), [
    { line: 3, column: 11, path: '', message: "environment variables in the state file must be prefixed with 'DECK_', found: 'HOME'" },
  ])
})

t.test('vault references resolve in referenceable fields only, and fail at their value', async (t) => {
  const doc = lines('_format_version: "3.0"', 'certificates:', '  - cert: "{vault://env/tls-cert}"', '    key: "{vault://env/tls-key}"')
  const got = issues(doc, {})
  t.same(got, [
    {
      line: 3,
      column: 11,
      path: 'certificates[0].cert',
      message: 'could not get value from external vault (no value found (environment variable TLS_CERT is not set)) [{vault://env/tls-cert}]',
    },
    {
      line: 4,
      column: 10,
      path: 'certificates[0].key',
      message: 'could not get value from external vault (no value found (environment variable TLS_KEY is not set)) [{vault://env/tls-key}]',
    },
  ])
})

t.test('every problem is reported in one run, sorted by position', async (t) => {
  const got = issues(
    lines(
      '_format_version: "3.0"',
      'services:',
      '  - name: a',
      '    port: -1',
      '  - name: b',
      '    host: b.internal',
      '    retries: x',
      'routes:',
      '  - paths: [nope]',
      'plugins:',
      '  - name: foo',
    ),
  )
  t.same(
    got.map((i) => `${i.line}:${i.column} ${i.path}`),
    ['3:5 services[0].host', '4:11 services[0].port', '7:14 services[1].retries', '9:13 routes[0].paths[0]', '11:11 plugins[0].name'],
  )
})

t.test('legacy formats: regex-looking paths become ~ paths; 3.0 needs the ~', async (t) => {
  const legacy = loadConfig(lines('_format_version: "1.1"', 'routes:', '  - paths: ["/users/\\\\d+$", /plain]'), { file: 'kong.yml', env: {} })
  t.ok(legacy.ok)
  if (legacy.ok) t.same(legacy.config.routes[0]!.paths, ['~/users/\\d+$', '/plain'])
  t.same(issues(lines('_format_version: "3.0"', 'routes:', '  - paths: ["/users/\\\\d+$"]')), [
    { line: 3, column: 13, path: 'routes[0].paths[0]', message: "invalid path: '/users/\\d+$' (characters outside of the reserved list of RFC 3986 found)" },
  ])
})

t.test('__proto__ and other built-in names are ordinary unknown keys', async (t) => {
  t.same(issues(lines('_format_version: "3.0"', 'services:', '  - name: a', '    __proto__:', '      host: b.internal')), [
    { line: 3, column: 5, path: 'services[0].host', message: 'required field missing' },
    { line: 4, column: 5, path: 'services[0].__proto__', message: 'unknown field' },
  ])
  t.same(issues(lines('_format_version: "3.0"', 'constructor: 1')), [{ line: 2, column: 1, path: 'constructor', message: 'unknown field' }])
})

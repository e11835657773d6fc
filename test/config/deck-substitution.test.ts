// decK renders `${{ env "DECK_X" }}` in the text before YAML reads it, so an
// unquoted template's value is typed as YAML types that text: decK's own
// integration test syncs `retries: ${{ env "DECK_RETRIES" }}` with DECK_RETRIES=5
// (Kong/deck tests/integration/sync_test.go, the env-vars case) and Kong gets 5.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'

const ENV = { DECK_RETRIES: '5', DECK_ON: 'false', DECK_RATIO: '0.5', DECK_VERSION: '2', DECK_EMPTY: '' }

function load(...lines: string[]) {
  return loadConfig(['_format_version: "3.0"', ...lines, ''].join('\n'), { file: 'kong.yml', env: ENV })
}

t.test('an unquoted template is a number, a boolean or null as its text says', async (t) => {
  const r = load(
    'services:',
    '  - name: a',
    '    host: a.internal',
    '    retries: ${{ env "DECK_RETRIES" }}',
    '    enabled: ${{ env "DECK_ON" }}',
    '    path: ${{ env "DECK_EMPTY" }}',
  )
  t.ok(r.ok, r.ok ? 'valid' : JSON.stringify(r.issues))
  if (r.ok) {
    t.equal(r.config.services[0]!.retries, 5)
    t.equal(r.config.services[0]!.enabled, false)
    t.equal(r.config.services[0]!.path, undefined, 'an empty value is null: unset')
  }
  const ratio = load('plugins:', '  - name: proxy-cache', '    config:', '      strategy: memory', '      cache_ttl: ${{ env "DECK_RETRIES" }}')
  t.ok(ratio.ok, ratio.ok ? 'a number in a plugin config' : JSON.stringify(ratio.issues))
})

t.test('a quoted template, or one inside other text, stays a string', async (t) => {
  const quoted = load('services:', '  - name: a', '    host: a.internal', `    retries: '\${{ env "DECK_RETRIES" }}'`)
  t.notOk(quoted.ok)
  if (!quoted.ok)
    t.same(
      quoted.issues.map((i) => [i.line, i.column, i.path, i.message]),
      [[5, 14, 'services[0].retries', 'expected an integer']],
    )
  const inside = load(
    'services:',
    '  - name: a',
    '    host: a.internal',
    '    path: /v${{ env "DECK_VERSION" }}',
    '    tags:',
    '      - ${{ env "DECK_VERSION" }}x',
  )
  t.ok(inside.ok)
  if (inside.ok) t.same([inside.config.services[0]!.path, inside.config.services[0]!.tags], ['/v2', ['2x']])
})

// decK renders the whole text with Go's text/template before YAML reads it
// (Kong/go-database-reconciler pkg/file/template.go:96, renderTemplate), so what
// follows holds for a template anywhere in the file: a value, a key, inside a
// quoted string or a flow list.
const TLS = join(import.meta.dirname, '..', 'fixtures', 'tls')
const pem = (name: string) => readFileSync(join(TLS, name), 'utf8')

function loadWith(env: NodeJS.ProcessEnv, ...lines: string[]) {
  return loadConfig(['_format_version: "3.0"', ...lines, ''].join('\n'), { file: 'kong.yml', env })
}

function problems(r: ReturnType<typeof loadConfig>) {
  return r.ok ? [] : r.issues.map((i) => [i.line, i.column, i.path, i.message])
}

t.test('a variable may carry YAML structure: a flow list, a double-quoted PEM', async (t) => {
  const hosts = loadWith(
    { DECK_HOSTS: '["a.test", "b.test"]' },
    'services:',
    '  - name: a',
    '    host: a.internal',
    '    routes:',
    '      - name: r',
    '        hosts: ${{ env "DECK_HOSTS" }}',
  )
  t.ok(hosts.ok, JSON.stringify(problems(hosts)))
  if (hosts.ok) {
    t.same(hosts.config.routes[0]!.hosts, ['a.test', 'b.test'], 'a list, not the string')
    t.same(
      hosts.config.sources.filter((s) => s.value.endsWith('.test')),
      [
        { value: 'a.test', written: '${{ env "DECK_HOSTS" }}' },
        { value: 'b.test', written: '${{ env "DECK_HOSTS" }}' },
      ],
      'the admin API shows each as the template',
    )
  }
  // decK's own masking test sets a certificate as a double-quoted YAML string with
  // `\n` escapes (Kong/deck tests/integration/sync_test.go:13026, certAMask, with
  // testdata/sync/057-env-var-masking-tests/pem-key.yaml).
  const cert = loadWith(
    { DECK_CLIENT_CERT: JSON.stringify(pem('server.crt')), DECK_CLIENT_KEY: JSON.stringify(pem('server.key')) },
    'certificates:',
    '  - cert: ${{ env "DECK_CLIENT_CERT" }}',
    '    key: ${{ env "DECK_CLIENT_KEY" }}',
  )
  t.ok(cert.ok, JSON.stringify(problems(cert)))
  if (cert.ok) t.equal(cert.config.certificates[0]!.cert, pem('server.crt'), 'the PEM with its line breaks')
})

t.test('| indent N lays a multi-line value into a block scalar; later lines keep their numbers', async (t) => {
  const lines = [
    'plugins:',
    '  - name: request-termination',
    '    config:',
    '      content_type: text/plain',
    '      body: |',
    '        ${{ env "DECK_BODY" | indent 8 }}',
    '      status_code: 99999',
  ]
  const r = loadWith({ DECK_BODY: 'line one\nline two\nline three' }, ...lines)
  t.same(problems(r), [[8, 20, 'plugins[0].config.status_code', 'value should be between 100 and 599']], 'line 8 of the file, not of the rendering')
  const ok = loadWith({ DECK_BODY: 'line one\nline two\nline three' }, ...lines.slice(0, -1))
  t.ok(ok.ok)
  if (ok.ok) t.equal(ok.config.plugins[0]!.config.body, 'line one\nline two\nline three\n')
  // Without `| indent`, the value's second line starts at column 1 and leaves the
  // block scalar, in decK's rendering as here: YAML's error, at the template.
  const flat = loadWith({ DECK_BODY: 'line one\nline two\nline three' }, ...lines.slice(0, 5), '        ${{ env "DECK_BODY" }}')
  t.match(problems(flat), [[7, 9, '', /^YAML: /]])
})

t.test('a template as a key', async (t) => {
  const lines = ['services:', '  - name: a', '    host: a.internal', '    ${{ env "DECK_FIELD" }}: 7']
  const r = loadWith({ DECK_FIELD: 'retries' }, ...lines)
  t.ok(r.ok)
  if (r.ok) t.equal(r.config.services[0]!.retries, 7)
  const bad = loadWith({ DECK_FIELD: 'retriez' }, ...lines)
  t.same(problems(bad), [[5, 5, 'services[0]["<redacted>"]', "unknown field (did you mean 'retries'?)"]], 'at the template; the key is not printed')
})

t.test('a problem inside a substituted value points at its template, and never prints it', async (t) => {
  const route = [
    'services:',
    '  - name: a',
    '    host: a.internal',
    '    routes:',
    '      - name: r',
    '        hosts: ${{ env "DECK_HOSTS" }}',
    '    port: 99999',
  ]
  const bad = loadWith({ DECK_HOSTS: '["a.test", "bad host SECRET"]' }, ...route)
  t.match(problems(bad), [
    [7, 16, 'services[0].routes[0].hosts[1]', String],
    [8, 11, 'services[0].port', 'value should be between 0 and 65535'],
  ])
  t.notMatch(JSON.stringify(problems(bad)), /SECRET/)
  // A value that breaks the YAML: YAML's error, as decK gets it, at the template.
  const broken = loadWith({ DECK_HOST: 'a: SECRET: x' }, 'services:', '  - name: a', '    host: ${{ env "DECK_HOST" }}')
  t.match(problems(broken), [[4, 11, '', /^YAML: /]])
  t.notMatch(JSON.stringify(problems(broken)), /SECRET/)
  // One that adds a root key (decK renders it so): the key is a value from outside, not printed.
  const injected = loadWith({ DECK_HOST: 'SECRET-host\nSECRET-key: x' }, 'services:', '  - name: a', '    host: ${{ env "DECK_HOST" }}')
  t.same(problems(injected), [[4, 11, '["<redacted>"]', 'unknown field']])
})

t.test('an unset variable: decK’s message at its template; the rest of the file is still checked', async (t) => {
  const r = loadWith({}, 'services:', '  - name: a', '    host: a.internal', '    port: ${{ env "DECK_UNSET_PORT" | toInt }}', '    retries: -1')
  t.same(problems(r), [
    [5, 11, '', "environment variable 'DECK_UNSET_PORT' present in state file but not set"],
    [6, 14, 'services[0].retries', 'value should be between 0 and 32767'],
  ])
})

// Kong/go-database-reconciler pkg/file/template_test.go:76 (Test_renderTemplateIgnoresComments): a
// line starting with `#` keeps its templates; template.go:131 checks the line's start only,
// so a comment after a value is rendered (and an unset variable there is an error).
t.test('comment lines keep their templates; a trailing comment is rendered', async (t) => {
  const r = loadWith(
    {},
    '  # host: ${{ env "DECK_NOT_SET_DOESNT_ERROR" }}',
    'services:',
    '  - name: a',
    '    host: a.internal # ${{ env "DECK_IN_TRAILING_COMMENT" }}',
  )
  t.same(problems(r), [[5, 24, '', "environment variable 'DECK_IN_TRAILING_COMMENT' present in state file but not set"]])
})

t.test('a template inside a quoted string; a quoted conversion stays a string', async (t) => {
  // As in decK's testdata/sync/057-env-var-masking-tests/comprehensive.yaml.
  const r = loadWith(
    { DECK_API_KEY: 'apiKeySecret' },
    'plugins:',
    '  - name: request-transformer',
    '    config:',
    '      add:',
    '        headers:',
    '          - "X-API-Key:${{ env "DECK_API_KEY" }}"',
  )
  t.ok(r.ok, JSON.stringify(problems(r)))
  if (r.ok) {
    t.same((r.config.plugins[0]!.config.add as { headers: string[] }).headers, ['X-API-Key:apiKeySecret'])
    t.same(
      r.config.sources.find((s) => s.value === 'X-API-Key:apiKeySecret'),
      { value: 'X-API-Key:apiKeySecret', written: 'X-API-Key:${{ env "DECK_API_KEY" }}' },
    )
  }
  // decK renders `port: "8080"`: YAML's string, which Kong refuses for an integer.
  const quoted = loadWith({ DECK_PORT: '8080' }, 'services:', '  - name: a', '    host: a.internal', `    port: "\${{ env "DECK_PORT" | toInt }}"`)
  t.same(problems(quoted), [[5, 11, 'services[0].port', 'expected an integer']])
})

// Go's strconv as decK's toInt, toFloat and toBool call it, and Go's printing of the result.
t.test('conversions, trim markers and comments as Go’s text/template has them', async (t) => {
  const r = loadWith(
    { DECK_ON: 't', DECK_MS: '1000000', DECK_N: '+0042', DECK_HOST: 'a.internal' },
    'services:',
    '  - name: a',
    '    host: ${{ env "DECK_HOST" -}}   ${{/* the upstream */}}',
    '    enabled: ${{ env "DECK_ON" | toBool }}',
    '    read_timeout: ${{ env "DECK_MS" | toFloat }}',
    '    retries:${{- " " }}${{ toInt (env "DECK_N") }}',
  )
  t.ok(r.ok, JSON.stringify(problems(r)))
  if (r.ok) t.match(r.config.services[0], { host: 'a.internal', enabled: true, read_timeout: 1000000, retries: 42 })
  const bad = loadWith(
    { DECK_N: 'forty-two-SECRET' },
    'services:',
    '  - name: a',
    '    host: a.internal',
    '    retries: ${{ env "DECK_N" | toInt }}',
    '    path: ${{ printf "/%s" "x" }}',
    '    tags: [${{ env "DECK_N" | upper }}]',
  )
  t.same(problems(bad), [
    [5, 14, '', 'error calling toInt: strconv.Atoi: parsing "<redacted>": invalid syntax'],
    [6, 11, '', 'function "printf" is not supported: decK files here may use env, toInt, toFloat, toBool and indent'],
    [7, 12, '', 'function "upper" not defined'],
  ])
  const unclosed = loadWith({}, 'services:', '  - name: a', '    host: ${{ env "DECK_HOST"')
  t.same(problems(unclosed), [[4, 11, '', 'unclosed action']])
  const deep = loadWith({}, 'services:', '  - name: a', `    host: \${{ ${'('.repeat(100_000)}env "DECK_HOST"${')'.repeat(100_000)} }}`)
  t.same(problems(deep), [[4, 11, '', 'max expression depth exceeded']], 'refused, not a stack overflow')
})

// strconv as decK calls it: Kong/go-database-reconciler pkg/file/readfile_test.go:571
// (toBool of "RIP" is an error), :577 (toInt of "1337" is 1337), :597 (toInt of "RIP" is an error).
t.test('Go’s parsing and printing of converted values; Go’s type errors', async (t) => {
  const value = (expr: string, env: NodeJS.ProcessEnv) => {
    const r = loadWith(env, 'services:', '  - name: a', '    host: a.internal', `    tags: [${expr}]`)
    return r.ok ? { ok: r.config.services[0]!.tags?.[0] } : { error: problems(r).map((p) => p[3]) }
  }
  const retries = (expr: string, env: NodeJS.ProcessEnv) => {
    const r = loadWith(env, 'services:', '  - name: a', '    host: a.internal', `    retries: ${expr}`)
    return r.ok ? r.config.services[0]!.retries : problems(r).map((p) => p[3])
  }
  const enabled = (v: string) => {
    const r = loadWith({ DECK_B: v }, 'services:', '  - name: a', '    host: a.internal', '    enabled: ${{ env "DECK_B" | toBool }}')
    return r.ok ? r.config.services[0]!.enabled : problems(r).map((p) => p[3])
  }
  t.same(['1', 'T', 'FALSE', 'f'].map(enabled), [true, true, false, false], 'strconv.ParseBool forms')
  t.same(enabled('RIP'), ['error calling toBool: strconv.ParseBool: parsing "<redacted>": invalid syntax'])
  t.same(enabled('yes'), ['error calling toBool: strconv.ParseBool: parsing "<redacted>": invalid syntax'], 'not a Go boolean')
  t.equal(retries('${{ env "DECK_N" | toInt }}', { DECK_N: '1337' }), 1337)
  t.same(retries('${{ env "DECK_N" | toInt }}', { DECK_N: '9223372036854775808' }), [
    'error calling toInt: strconv.Atoi: parsing "<redacted>": value out of range',
  ])
  t.same(retries('${{ env "DECK_N" | toInt | toInt }}', { DECK_N: '5' }), ['wrong type for value; expected string; got int'])
  t.same(retries('${{ env "DECK_N" | indent "4" }}', { DECK_N: '5' }), ['expected integer; found "4"'])
  t.equal(retries('${{ env "DECK_N" | indent 1000000000 }}', { DECK_N: '5' }), 5, 'one line: nothing to indent')
  t.same(retries('${{ env "DECK_N" | indent 1000000000 }}', { DECK_N: '5\n6' }), ['error calling indent: the indented value would be over 16777216 bytes'])
  t.same(retries('${{ env "DECK_N" }}', { DECK_N: '${{ env "DECK_OTHER" }}' }), ['expected an integer'], 'a value is not rendered again')
  // Go prints a float64 with %v: shortest digits, an exponent from 1e6 or below 1e-4.
  t.same(value('"${{ env "DECK_F" | toFloat }}"', { DECK_F: '1000000' }), { ok: '1e+06' })
  t.same(value('"${{ env "DECK_F" | toFloat }}"', { DECK_F: '0.00001' }), { ok: '1e-05' })
  t.same(value('"${{ env "DECK_F" | toFloat }}"', { DECK_F: '123456.5' }), { ok: '123456.5' })
  t.same(value('"${{ env "DECK_F" | toFloat }}"', { DECK_F: '1_000.25' }), { ok: '1000.25' })
  t.same(value('"${{ env "DECK_F" | toFloat }}"', { DECK_F: '-inf' }), { ok: '-Inf' })
  t.same(value('"${{ env "DECK_F" | toFloat }}"', { DECK_F: '1e400' }), {
    error: ['error calling toFloat: strconv.ParseFloat: parsing "<redacted>": value out of range'],
  })
})

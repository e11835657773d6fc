// decK renders `${{ env "DECK_X" }}` in the text before YAML reads it, so an
// unquoted template's value is typed as YAML types that text: decK's own
// integration test syncs `retries: ${{ env "DECK_RETRIES" }}` with DECK_RETRIES=5
// (Kong/deck tests/integration/sync_test.go, the env-vars case) and Kong gets 5.
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

// file-log against a real upstream: one JSON line per request, appended;
// reopen picks up a rotated file; the schema's messages.
import { mkdtempSync, readFileSync, renameSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { waitFor } from '../helpers/collector.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (config: string) => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
plugins:
  - name: file-log
    config: ${config}
`

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [])

t.test('one JSON line per request, appended, Authorization redacted', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'file-log-')), 'access.log')
  const { send } = await pluginGateway(t, CONFIG(`{ path: "${file}" }`))
  t.equal((await send('/one?x=1', { headers: { authorization: 'Basic c2VjcmV0OnB3' } })).status, 200)
  t.equal((await send('/two', { method: 'POST', body: 'hello' })).status, 200)
  t.equal((await send('/two', { method: 'POST', body: 'hellohello' })).status, 200)
  t.ok(await waitFor(() => lines(file).length === 3))
  const [a, b, c] = lines(file).map((l) => JSON.parse(l))
  t.equal(a.request.uri, '/one?x=1')
  t.same(a.request.querystring, { x: '1' })
  t.equal(a.request.headers.authorization, 'REDACTED')
  t.notOk(readFileSync(file, 'utf8').includes('c2VjcmV0OnB3'))
  t.equal(a.source, 'upstream')
  t.equal(b.request.method, 'POST')
  t.equal(c.request.size - b.request.size, 6, 'five more body bytes and one more Content-Length digit')
  t.equal(b.response.status, 200)
})

t.test('two instances on one path share the file; lines are whole', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'file-log-')), 'shared.log')
  const { send } = await pluginGateway(
    t,
    `_format_version: "3.0"
services:
  - name: a
    url: $UPSTREAM
    routes: [{ name: a, paths: [/a] }]
    plugins: [{ name: file-log, config: { path: "${file}" } }]
  - name: b
    url: $UPSTREAM
    routes: [{ name: b, paths: [/b] }]
    plugins: [{ name: file-log, config: { path: "${file}" } }]
`,
  )
  await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 ? '/a' : '/b')))
  t.ok(await waitFor(() => lines(file).length === 20))
  const services = lines(file).map((l) => JSON.parse(l).service.name)
  t.equal(services.filter((s) => s === 'a').length, 10)
  t.equal(services.filter((s) => s === 'b').length, 10)
})

t.test('reopen: a rotated file is replaced by a new one on the next write', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'file-log-'))
  const file = join(dir, 'rotating.log')
  const { send } = await pluginGateway(t, CONFIG(`{ path: "${file}", reopen: true }`))
  await send('/before')
  t.ok(await waitFor(() => lines(file).length === 1))
  renameSync(file, join(dir, 'rotating.log.1'))
  await send('/after')
  t.ok(await waitFor(() => lines(file).length === 1))
  t.equal(JSON.parse(lines(file)[0]!).request.uri, '/after')
  t.equal(JSON.parse(lines(join(dir, 'rotating.log.1'))[0]!).request.uri, '/before')
})

// spec/03-plugins/04-file-log/01-log_spec.lua:496 (Kong's message, strerror's text)
t.test('a file that cannot be opened: requests still succeed and the error is logged', async (t) => {
  const logs: string[] = []
  const pluginLog = () => ({ error: (m: string) => void logs.push(m), warn() {}, info() {}, debug() {} })
  const { send } = await pluginGateway(t, CONFIG(`{ path: "/nonexistent-dir-${process.pid}/x.log" }`), undefined, { pluginLog })
  t.equal((await send('/x')).status, 200)
  t.ok(await waitFor(() => logs.some((m) => m === 'failed to open the file: No such file or directory')))
})

t.test('schema: defaults, filename pattern, Lua fields checked', async (t) => {
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n  - name: file-log\n    config: { path: /tmp/x.log }\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) t.same(ok.config.plugins[0]!.config, { path: '/tmp/x.log', reopen: false })
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: file-log\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? '' : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')
  }
  for (const bad of ['/tmp/a*b', '/tmp/a&b', '/tmp/a%b', '/tmp/a\\\\b', '/tmp/a`b']) {
    t.match(issues(`{ path: "${bad}" }`), /^4:21 plugins\[0\]\.config\.path not a valid filename$/, bad)
  }
  t.match(issues('{ path: "" }'), /config\.path length must be at least 1/)
  t.match(issues('{}'), /config\.path/)
  t.match(issues('{ path: /tmp/x, reopen: "yes" }'), /config\.reopen expected a boolean/)
  t.equal(issues('{ path: /tmp/x, custom_fields_by_lua: { a: "return 1" } }'), '')
  t.equal(
    issues('{ path: /tmp/x, custom_fields_by_lua: { a: "return (" } }'),
    `4:56 plugins[0].config.custom_fields_by_lua.a Error parsing function: [string "return ("]:1: unexpected symbol near '<eof>'`,
  )
})

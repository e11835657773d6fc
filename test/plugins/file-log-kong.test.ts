// Kong's file-log spec (spec/03-plugins/04-file-log/01-log_spec.lua) through a real gateway and a
// real upstream: what lands in the file, what a removed file does with and without `reopen`, and
// Kong's messages when the path cannot be opened, and the schema's path pattern. Covered elsewhere: custom_fields_by_lua
// (test/plugins/log-custom-fields.test.ts), a missing directory (test/plugins/file-log.test.ts).
// Not here: gRPC routes (no HTTP/2 listener), "Permission denied" (the tests may run as root,
// which may open any file), and upstream_status as a number under Lua's enable_buffering (:379;
// see the README's log record).
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { waitFor } from '../helpers/collector.js'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [])

/** Kong's fixture: one route per Host, each with its own file-log. */
const KONG_YML = (routes: Record<string, string>) => `_format_version: "3.0"
services:
  - name: mock
    url: $UPSTREAM
    routes:
${Object.entries(routes)
  .map(([host, config]) => `      - name: ${host.replaceAll('.', '-')}\n        hosts: [${host}]\n        plugins: [{ name: file-log, config: ${config} }]`)
  .join('\n')}
`

t.test('logs to file: client_ip, the request headers, sizes as numbers', async (t) => {
  // spec/03-plugins/04-file-log/01-log_spec.lua:311
  const file = join(mkdtempSync(join(tmpdir(), 'file-log-kong-')), 'log')
  const { send } = await pluginGateway(t, KONG_YML({ 'file_logging.test': `{ path: "${file}", reopen: true }` }))
  const uuid = 'f6a2e3c1b5d4'
  t.equal((await send('/status/200', { headers: { host: 'file_logging.test', 'file-log-uuid': uuid } })).status, 200)
  t.ok(await waitFor(() => lines(file).length === 1))
  const rec = JSON.parse(lines(file)[0]!)
  t.equal(rec.client_ip, '127.0.0.1')
  t.equal(rec.request.headers['file-log-uuid'], uuid)
  t.equal(typeof rec.request.size, 'number')
  t.equal(typeof rec.response.size, 'number')
})

t.test('reopen: a removed file is created again, with the later requests only', async (t) => {
  // spec/03-plugins/04-file-log/01-log_spec.lua:447
  const file = join(mkdtempSync(join(tmpdir(), 'file-log-kong-')), 'log')
  const { send } = await pluginGateway(t, KONG_YML({ 'file_logging.test': `{ path: "${file}", reopen: true }` }))
  const req = (id: string) => send('/status/200', { headers: { host: 'file_logging.test', 'file-log-uuid': id } })
  t.equal((await req('first-request')).status, 200)
  t.ok(await waitFor(() => lines(file).some((l) => l.includes('first-request'))))
  rmSync(file)
  t.equal((await req('second-request')).status, 200)
  t.equal((await req('third-request')).status, 200)
  t.ok(await waitFor(() => lines(file).length === 2))
  const text = readFileSync(file, 'utf8')
  t.ok(text.includes('second-request') && text.includes('third-request'))
  t.notOk(text.includes('first-request'))
})

t.test('without reopen, lines written after the file was removed are lost', async (t) => {
  // spec/03-plugins/04-file-log/01-log_spec.lua:536 (the open file keeps taking lines; no new file appears)
  const file = join(mkdtempSync(join(tmpdir(), 'file-log-kong-')), 'log')
  const { send } = await pluginGateway(t, KONG_YML({ 'file_logging4.test': `{ path: "${file}", reopen: false }` }))
  const req = () => send('/status/200', { headers: { host: 'file_logging4.test' } })
  t.equal((await req()).status, 200)
  t.ok(await waitFor(() => lines(file).length === 1))
  // Kept open here, the removed file's content can still be read: the lines go on arriving there.
  const fd = openSync(file, 'r')
  t.teardown(() => closeSync(fd))
  rmSync(file)
  t.equal((await req()).status, 200)
  t.equal((await req()).status, 200)
  const removedLines = () => {
    const buf = Buffer.alloc(fstatSync(fd).size)
    readSync(fd, buf, 0, buf.length, 0)
    return buf.toString('utf8').split('\n').filter(Boolean).length
  }
  t.ok(await waitFor(() => removedLines() === 3), 'both lines went to the removed file')
  t.notOk(existsSync(file), 'no new file')
})

t.test("a directory as the path: Kong's message, and the request is served", async (t) => {
  // spec/03-plugins/04-file-log/01-log_spec.lua:516
  const dir = mkdtempSync(join(tmpdir(), 'file-log-kong-'))
  for (const reopen of [true, false]) {
    const { lines: logged, pluginLog } = pluginLines()
    const { send } = await pluginGateway(t, KONG_YML({ 'file_logging3.test': `{ path: "${dir}/", reopen: ${reopen} }` }), undefined, { pluginLog })
    t.equal((await send('/status/200', { headers: { host: 'file_logging3.test' } })).status, 200)
    t.ok(await waitFor(() => logged.some((l) => l.plugin === 'file-log' && l.msg === 'failed to open the file: Is a directory')), `reopen ${reopen}`)
  }
})

t.test("schema: Kong's path pattern and messages", async (t) => {
  // spec/03-plugins/04-file-log/02-schema_spec.lua:7-146
  const problems = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: file-log\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? '' : r.issues.map((i) => `${i.path} ${i.message}`).join('\n')
  }
  t.equal(problems('{}'), 'plugins[0].config.path required field missing')
  for (const bad of ['/ovo*', '/ovo`', 'test&thing', 'test%thing', 'test\\thing', ' /ovo', '/ovo  ']) {
    t.equal(problems(`{ path: ${JSON.stringify(bad)} }`), 'plugins[0].config.path not a valid filename', JSON.stringify(bad))
  }
  for (const good of ['/o vo.loga', '/tmp/log.txt']) t.equal(problems(`{ path: ${JSON.stringify(good)} }`), '', good)
  t.equal(problems('{ path: /tmp/log.txt, reopen: true }'), '')
})

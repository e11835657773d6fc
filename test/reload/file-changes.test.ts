// Hot reload: every way a file gets replaced (in place, rename-over, chunked
// writes, the kubelet's ConfigMap symlink swap) is picked up within 2 s.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, openSync, writeSync, closeSync, ftruncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startGateway } from '../../src/server/gateway.js'
import { fetchRaw } from '../helpers/gateway.js'

const config = (message: string) => `_format_version: "3.0"
routes:
  - name: hello
    paths: [/]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: "${message}" }
`

async function until(check: () => Promise<boolean>, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return false
}

async function start(file: string) {
  const g = await startGateway({ config: file, listen: ['127.0.0.1:0'], adminListen: 'off', env: {}, debounceMs: 100, pollMs: 0 })
  const url = `http://${g.proxy[0]}/`
  const says = async (m: string) => (await fetchRaw(url)).body === JSON.stringify({ message: m })
  return { g, says }
}

t.test('rewritten in place', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-reload-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, config('one'))
  const { g, says } = await start(file)
  t.teardown(() => g.close())
  t.ok(await says('one'))
  writeFileSync(file, config('two'))
  t.ok(await until(() => says('two')), 'new config within 2 s')
})

t.test('an editor rename-over save', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-reload-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, config('one'))
  const { g, says } = await start(file)
  t.teardown(() => g.close())
  writeFileSync(join(dir, '.kong.yml.swp'), config('two'))
  renameSync(join(dir, '.kong.yml.swp'), file)
  t.ok(await until(() => says('two')))
})

t.test('truncate, then the content in chunks 30 ms apart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-reload-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, config('one'))
  const { g, says } = await start(file)
  t.teardown(() => g.close())
  const text = config('two')
  const fd = openSync(file, 'r+')
  ftruncateSync(fd, 0)
  writeSync(fd, text.slice(0, 40), 0)
  await new Promise((r) => setTimeout(r, 30))
  writeSync(fd, text.slice(40), 40)
  closeSync(fd)
  t.ok(await until(() => says('two')), 'the completed file is applied, not the half-written one')
})

t.test("the kubelet's ConfigMap update: ..data symlink swapped, old directory removed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-configmap-'))
  const publish = (ts: string, message: string) => {
    mkdirSync(join(dir, ts))
    writeFileSync(join(dir, ts, 'kong.yml'), config(message))
  }
  publish('..2026_11_22_00_00_00.000000001', 'one')
  symlinkSync('..2026_11_22_00_00_00.000000001', join(dir, '..data'))
  symlinkSync('..data/kong.yml', join(dir, 'kong.yml'))
  const { g, says } = await start(join(dir, 'kong.yml'))
  t.teardown(() => g.close())
  t.ok(await says('one'))
  let previous = '..2026_11_22_00_00_00.000000001'
  for (const [i, message] of ['two', 'three', 'four'].entries()) {
    const ts = `..2026_11_22_00_0${i + 1}_00.00000000${i + 2}`
    publish(ts, message)
    symlinkSync(ts, join(dir, '..data_tmp'))
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
    rmSync(join(dir, previous), { recursive: true })
    previous = ts
    t.ok(await until(() => says(message)), `update ${i + 1} applied`)
  }
})

t.test('an invalid file changes nothing and is reported until a valid one loads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-reload-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, config('good'))
  const g = await startGateway({ config: file, listen: ['127.0.0.1:0'], adminListen: '127.0.0.1:0', env: {}, debounceMs: 100, pollMs: 0 })
  t.teardown(() => g.close())
  const url = `http://${g.proxy[0]}/`
  writeFileSync(file, '_format_version: "3.0"\nroutes:\n  - name: broken\n    paths: [nope]\n')
  t.ok(await until(async () => g.reloader.lastError !== undefined))
  t.equal((await fetchRaw(url)).body, '{"message":"good"}', 'the old config keeps serving')
  const status = (await fetchRaw(`http://${g.admin}/status`)).json<{
    last_error: { result: string; errors: { line: number; column: number; path: string; message: string }[] }
  }>()
  t.equal(status.last_error.result, 'invalid')
  t.same(status.last_error.errors, [{ file, line: 4, column: 13, path: 'routes[0].paths[0]', message: 'should start with: / (fixed path) or ~/ (regex path)' }])
  writeFileSync(file, config('fixed'))
  t.ok(await until(async () => (await fetchRaw(url)).body === '{"message":"fixed"}'))
  const after = (await fetchRaw(`http://${g.admin}/status`)).json<{ last_error: unknown; reloads: Record<string, number> }>()
  t.equal(after.last_error, null)
  t.ok((after.reloads.applied ?? 0) >= 1 && (after.reloads.invalid ?? 0) >= 1)
})

t.test('an unchanged file is not reloaded; reload(true) forces it (SIGHUP)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-reload-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, config('same'))
  const g = await startGateway({ config: file, listen: ['127.0.0.1:0'], adminListen: 'off', env: {}, watch: false })
  t.teardown(() => g.close())
  const before = g.holder.current()
  t.equal((await g.reload()).result, 'unchanged')
  t.equal(g.holder.current(), before)
  t.equal((await g.reload(true)).result, 'applied')
  t.not(g.holder.current(), before)
})

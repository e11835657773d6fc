// --workers N: workers share the listener, converge on the same config hash after
// a change, and stop with the primary.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')
const cfg = (m: string) =>
  `_format_version: "3.0"\nroutes:\n  - paths: [/]\n    plugins:\n      - name: request-termination\n        config: { status_code: 200, message: ${m} }\n`

t.test('two workers serve, converge after a change, and exit with the primary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-workers-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, cfg('one'))
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  let started: { proxy: string[]; admin: string; workers: number } | undefined
  // A bound, not a timing: two workers on a loaded machine can take tens of seconds to start.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !started;) {
    const line = out.split('\n').find((l) => l.includes('"gateway started"'))
    if (line) started = JSON.parse(line)
    else await new Promise((r) => setTimeout(r, 50))
  }
  if (!started) throw new Error(`not started: ${out}`)
  t.equal(started.workers, 2)
  const get = async (path: string) => {
    const r = await request(`http://${path}`)
    return r.body.text()
  }
  t.equal(await get(`${started.proxy[0]}/`), '{"message":"one"}')
  const status = async () =>
    JSON.parse(await get(`${started!.admin}/status`)) as {
      configuration_hash: string
      converged: boolean
      workers: { pid: number; configuration_hash: string }[]
    }
  const first = await status()
  t.equal(first.workers.length, 2)
  t.equal(new Set(first.workers.map((w) => w.pid)).size, 2)
  t.ok(first.converged)
  writeFileSync(file, cfg('two'))
  let after = first
  for (let i = 0; i < 60 && (after.configuration_hash === first.configuration_hash || !after.converged); i++) {
    await new Promise((r) => setTimeout(r, 50))
    after = await status()
  }
  t.not(after.configuration_hash, first.configuration_hash, 'the primary loaded the new file')
  t.ok(after.converged, 'every worker reports the same hash')
  t.ok(after.workers.every((w) => w.configuration_hash === after.configuration_hash))
  t.equal(await get(`${started.proxy[0]}/`), '{"message":"two"}')
  child.kill('SIGTERM')
  t.equal(await exited, 0)
})

t.test('prometheus with two workers: the primary /metrics sums what each worker counted', async (t) => {
  const { startUpstream } = await import('../helpers/upstream.js')
  const up = await startUpstream()
  t.teardown(() => up.close())
  const dir = mkdtempSync(join(tmpdir(), 'gw-workers-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(
    file,
    `_format_version: "3.0"\nservices:\n  - name: app\n    url: ${up.url}\n    routes: [{ name: app, paths: [/] }]\nplugins:\n  - name: prometheus\n    config: { status_code_metrics: true }\n`,
  )
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  let started: { proxy: string[]; admin: string } | undefined
  // A bound, not a timing: two workers on a loaded machine can take tens of seconds to start.
  for (const deadline = Date.now() + 60_000; Date.now() < deadline && !started;) {
    const line = out.split('\n').find((l) => l.includes('"gateway started"'))
    if (line) started = JSON.parse(line)
    else await new Promise((r) => setTimeout(r, 50))
  }
  if (!started) throw new Error(`not started: ${out}`)
  // Fresh connections, so both workers get some of them.
  for (let i = 0; i < 20; i++) {
    const r = await request(`http://${started.proxy[0]}/x`, { reset: true })
    await r.body.dump()
  }
  const count = async () => {
    const text = await (await request(`http://${started!.admin}/metrics`)).body.text()
    const m = /^kong_http_requests_total\{[^}]*code="200"[^}]*\} (\d+)$/m.exec(text)
    return m ? Number(m[1]) : 0
  }
  let n = 0
  for (let i = 0; i < 40 && n < 20; i++) {
    n = await count()
    if (n < 20) await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(n, 20, 'every request counted once, whichever worker served it')
  const text = await (await request(`http://${started.admin}/metrics`)).body.text()
  // spec/03-plugins/26-prometheus/02-access_spec.lua:280: one Lua VM line per worker (its pid), here each worker's heap.
  const pids = [...text.matchAll(/^kong_memory_workers_lua_vms_bytes\{node_id="[^"]+",pid="(\d+)",kong_subsystem="http"\} [1-9]\d*$/gm)].map((m) => m[1])
  t.equal(new Set(pids).size, 2, `a heap line per worker: ${pids.join(', ')}`)
  // One node: its info is 1, not one per worker; its request count is the workers' sum (as /status).
  t.match(text, /^kong_node_info\{node_id="[^"]+",version="[^"]+"\} 1$/m)
  t.match(text, /^kong_nginx_requests_total\{node_id="[^"]+",subsystem="http"\} 20$/m)
  // spec/03-plugins/26-prometheus/02-access_spec.lua:292: the rate-limit counters' dict lives in the primary and shows once.
  const dict = [
    ...text.matchAll(/^kong_memory_lua_shared_dict_total_bytes\{node_id="[^"]+",shared_dict="kong_rate_limiting_counters",kong_subsystem="http"\} [1-9]\d*$/gm),
  ]
  t.equal(dict.length, 1, 'the counters dict, once')
  t.equal(text.match(/^# HELP kong_memory_lua_shared_dict_total_bytes /gm)?.length, 1, 'one HELP for the family')
  child.kill('SIGTERM')
  t.equal(await exited, 0)
})

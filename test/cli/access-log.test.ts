// `gateway serve --access-log` with proxied requests that carry a body (issue 12,
// item 1): the access log line is written after the exchange is over, when Node
// may already have let go of the request's socket. The process (or, with
// --workers, each worker) must log the line and keep serving.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

async function serve(t: { teardown(fn: () => Promise<void>): void }, extra: string[]) {
  const up = await startUpstream()
  const dir = mkdtempSync(join(tmpdir(), 'gw-access-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, `_format_version: "3.0"\nservices:\n  - name: echo\n    url: ${up.url}\n    routes: [{ name: echo, paths: [/echo] }]\n`)
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--access-log', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
    await up.close()
  })
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean, count = 1) => {
    // A bound, not a timing: two workers on a loaded machine can take tens of seconds to start.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      const hits = lines().filter(pred)
      if (hits.length >= count) return hits
      if (child.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 30))
    }
    throw new Error(`no such log line in:\n${out}\n${err}`)
  }
  const [started] = await waitFor((l) => l.msg === 'gateway started')
  return { child, started: started!, lines, waitFor, output: () => out + err }
}

const post = async (proxy: string, body: string, headers: Record<string, string> = {}) => {
  // A bound, not a timing: a worker that died leaves the request hanging for minutes.
  const r = await request(`http://${proxy}/echo`, { method: 'POST', body, headers, headersTimeout: 10_000, bodyTimeout: 10_000 })
  return { status: r.statusCode, id: r.headers['x-kong-request-id'], echo: (await r.body.json()) as { body: string } }
}

t.test('one process: POSTs with a body are logged and the process keeps serving', async (t) => {
  const g = await serve(t, ['--admin-listen', 'off'])
  const proxy = (g.started.proxy as string[])[0]!
  const ids: unknown[] = []
  const variants: Record<string, string>[] = [{}, { connection: 'close' }, {}]
  for (const [i, headers] of variants.entries()) {
    const r = await post(proxy, `x${i}`, headers)
    t.equal(r.status, 200)
    t.equal(r.echo.body, `x${i}`, 'the body reached the upstream')
    ids.push(r.id)
  }
  const access = await g.waitFor((l) => l.msg === 'access', 3)
  t.same(
    access.map((l) => [l.method, l.status, l.client_ip, l.request_id]),
    ids.map((id) => ['POST', 200, '127.0.0.1', id]),
  )
  t.equal(g.child.exitCode, null, 'still running')
  t.notMatch(g.output(), /TypeError|uncaught/i)
})

t.test('--workers 2: POSTs with a body never kill a worker', async (t) => {
  const g = await serve(t, ['--admin-listen', '127.0.0.1:0', '--workers', '2'])
  const proxy = (g.started.proxy as string[])[0]!
  const admin = g.started.admin as string
  const pids = async () => {
    const r = await request(`http://${admin}/status`)
    const s = (await r.body.json()) as { workers: { pid: number }[] }
    return s.workers.map((w) => w.pid).sort()
  }
  const before = await pids()
  t.equal(before.length, 2)
  // Enough requests, on fresh connections, that both workers take some.
  const replies = []
  for (let i = 0; i < 8; i++) replies.push(await post(proxy, `body ${i}`, { connection: 'close' }))
  t.same(
    replies.map((r) => [r.status, r.echo.body]),
    replies.map((_, i) => [200, `body ${i}`]),
  )
  await g.waitFor((l) => l.msg === 'access', 8)
  t.same(await pids(), before, 'the same two workers')
  t.notOk(
    g.lines().some((l) => l.msg === 'worker exited; starting another'),
    'no worker died',
  )
})

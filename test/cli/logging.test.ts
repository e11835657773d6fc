// Logs: JSON lines on stdout; the access log (opt-in) has one line per request;
// credentials never appear; reload failures log each problem with its position.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

t.test('access log lines, redaction, reload errors with positions', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-log-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(
    file,
    '_format_version: "3.0"\nroutes:\n  - name: hello\n    paths: [/]\n    plugins:\n      - name: request-termination\n        config: { status_code: 200, message: hi }\n',
  )
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off', '--access-log', '--log-level', 'info'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } },
  )
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean) => {
    // Up to 60 s: a CI machine under load can take many seconds to start a process.
    for (let i = 0; i < 2000; i++) {
      const hit = lines().find(pred)
      if (hit) return hit
      await new Promise((r) => setTimeout(r, 30))
    }
    throw new Error(`no such log line in:\n${out}`)
  }
  const started = await waitFor((l) => l.msg === 'gateway started')
  t.equal(started.level, 30)
  const proxy = (started.proxy as string[])[0]
  const r = await request(`http://${proxy}/some/path?apikey=s3cret`, { headers: { authorization: 'Bearer s3cret' } })
  await r.body.dump()
  const access = await waitFor((l) => l.msg === 'access')
  t.equal(access.method, 'GET')
  t.equal(access.path, '/some/path')
  t.equal(access.status, 200)
  t.equal(access.route, 'hello')
  t.equal(access.request_id, r.headers['x-kong-request-id'])
  t.notMatch(out, 's3cret', 'neither the query key nor the Authorization value is logged')
  writeFileSync(file, '_format_version: "3.0"\nroutes:\n  - name: broken\n    paths: [nope]\n')
  const failed = await waitFor((l) => l.msg === 'config reload invalid')
  t.equal(failed.level, 50)
  const problem = await waitFor((l) => l.line === 4)
  t.same({ column: problem.column, path: problem.path }, { column: 13, path: 'routes[0].paths[0]' })
  t.match(problem.msg, `${file}:4:13: routes[0].paths[0]: should start with`)
})

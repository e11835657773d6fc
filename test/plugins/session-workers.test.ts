// session without a secret under --workers 2: the default secret is the node's, handed by the
// primary to every worker, so a cookie one worker issued opens on the other. (Kong's default is
// random per start and shared by its workers: kong/plugins/session/schema.lua's random_string.)
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

t.test('a cookie opens on every worker', async (t) => {
  const up = await startUpstream()
  t.teardown(() => up.close())
  const dir = mkdtempSync(join(tmpdir(), 'gw-session-workers-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(
    file,
    `_format_version: "3.0"
consumers:
  - username: coop
    keyauth_credentials: [{ key: kong }]
  - username: anon
services:
  - name: app
    url: ${up.url}
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: session
          - name: key-auth
            config: { anonymous: anon }
plugins:
  - name: request-termination
    consumer: anon
    config: { status_code: 403, message: So it goes. }
`,
  )
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off', '--workers', '2'], {
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
  let started: { proxy: string[] } | undefined
  // A bound, not a timing: two workers on a loaded machine can take tens of seconds to start.
  for (const deadline = Date.now() + 120_000; Date.now() < deadline && !started;) {
    const line = out.split('\n').find((l) => l.includes('"gateway started"'))
    if (line) started = JSON.parse(line)
    else await new Promise((r) => setTimeout(r, 50))
  }
  if (!started) throw new Error(`not started: ${out}`)
  const url = `http://${started.proxy[0]}/`
  const login = await request(url, { headers: { apikey: 'kong' }, reset: true })
  await login.body.dump()
  const setCookie = login.headers['set-cookie']
  const cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!
  t.match(cookie, /^session=/)
  // Fresh connections: the primary hands them to both workers in turn.
  const statuses: number[] = []
  for (let i = 0; i < 20; i++) {
    const r = await request(url, { headers: { cookie }, reset: true })
    await r.body.dump()
    statuses.push(r.statusCode)
  }
  t.same(statuses, Array(20).fill(200), 'every request passes as the session, whichever worker took it')
  const consumers = new Set(up.requests.slice(1).map((r) => r.headers['x-consumer-username']))
  t.same([...consumers], ['coop'], 'the same consumer each time')
  child.kill('SIGTERM')
  t.equal(await exited, 0)
})

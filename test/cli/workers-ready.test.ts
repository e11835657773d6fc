// /readyz with --workers (issue 12, item 14): ready means every worker listens
// on the configuration the primary holds as current; until then 503 with the
// reason, as Kong's /status/ready answers 503 `{message}` until every worker
// has built its router (kong/status/ready.lua).
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { workersNotReady } from '../../src/cli/workers.js'
import { gateway } from '../helpers/gateway.js'
import { serveProcess } from '../helpers/serve-process.js'

const CONFIG =
  '_format_version: "3.0"\nroutes:\n  - paths: [/]\n    plugins:\n      - name: request-termination\n        config: { status_code: 200, message: up }\n'

const get = async (url: string) => {
  const r = await request(url, { reset: true })
  return { status: r.statusCode, body: await r.body.text() }
}

t.test('the reason, from the workers the primary knows of', async (t) => {
  t.equal(workersNotReady(2, [], 'h1'), 'workers not yet listening, ready in 0 of 2 workers')
  t.equal(workersNotReady(2, ['h1', undefined], 'h1'), 'workers not yet listening, ready in 1 of 2 workers', 'a worker forked but not listening')
  t.equal(workersNotReady(2, ['h1'], 'h1'), 'workers not yet listening, ready in 1 of 2 workers', 'a worker died and is being replaced')
  t.equal(workersNotReady(2, ['h0', 'h1'], 'h1'), 'configuration not yet applied, current configuration in 1 of 2 workers')
  t.equal(workersNotReady(2, ['h1', 'h1'], 'h1'), undefined)
})

t.test('the admin listener answers /readyz with the reason the primary gives', async (t) => {
  let why: string | undefined = 'configuration not yet applied, current configuration in 1 of 2 workers'
  const seen: string[] = []
  const g = await gateway(CONFIG, {
    adminListen: '127.0.0.1:0',
    notReady: (hash) => {
      seen.push(hash)
      return why
    },
  })
  t.teardown(() => g.close())
  t.same(await get(`${g.adminUrl}/readyz`), { status: 503, body: JSON.stringify({ message: why }) })
  t.same(seen, [g.holder.current().hash], 'asked about the configuration the admin listener serves')
  why = undefined
  t.same(await get(`${g.adminUrl}/readyz`), { status: 200, body: '{"message":"ready"}' })
})

t.test('--workers 2: 503 while the workers cannot listen, 200 once both do, and then the proxy answers', async (t) => {
  // The proxy port is taken: no worker can listen on it until it is freed.
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as AddressInfo).port
  const dir = mkdtempSync(join(tmpdir(), 'gw-ready-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, CONFIG)
  const gw = serveProcess(t, ['--config', file, '--listen', `127.0.0.1:${port}`, '--admin-listen', '127.0.0.1:0', '--workers', '2'])
  const admin = (await gw.waitFor((l) => l.msg === 'admin listening; starting workers')).admin as string
  await gw.waitFor((l) => l.msg === 'worker exited; starting another')
  const refused = await get(`http://${admin}/readyz`)
  t.equal(refused.status, 503, 'not ready: no worker listens')
  t.match(JSON.parse(refused.body), { message: /^workers not yet listening, ready in 0 of 2 workers$/ })

  await new Promise<void>((resolve) => blocker.close(() => resolve()))
  let ready = refused
  for (let i = 0; i < 400 && ready.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 25))
    ready = await get(`http://${admin}/readyz`)
  }
  t.same(ready, { status: 200, body: '{"message":"ready"}' })
  // Ready means it: the very next request is served.
  t.same(await get(`http://127.0.0.1:${port}/`), { status: 200, body: '{"message":"up"}' })
  const status = JSON.parse((await get(`http://${admin}/status`)).body) as { workers: unknown[]; converged: boolean }
  t.equal(status.workers.length, 2)
  t.ok(status.converged)
  gw.child.kill('SIGTERM')
  t.equal(await gw.exited, 0)
})

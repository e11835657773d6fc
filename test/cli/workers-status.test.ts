// Issue 12, item 16, with --workers: the primary's /status `server` block is the sum
// of what each worker counted on its listeners, and a worker that dies and is replaced
// does not take its totals with it (nginx's counters outlive a worker).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { rawRequest } from '../helpers/raw.js'
import { serveProcess } from '../helpers/serve-process.js'

const CONFIG = `_format_version: "3.0"
routes:
  - paths: [/]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: hi }
`

interface Status {
  workers: { pid: number }[]
  server: Record<string, number>
}

t.test('the primary sums its workers, and keeps a dead worker’s totals', { timeout: 180_000 }, async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'gw-workers-status-')), 'kong.yml')
  writeFileSync(file, CONFIG)
  const gw = serveProcess(t, ['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--workers', '2'])
  // No bound of our own: a loaded CI machine can take many seconds to start two
  // workers; the test's timeout is the bound.
  const started = (await gw.waitFor((l) => l.msg === 'gateway started')) as unknown as { proxy: string[]; admin: string }
  const status = async () => JSON.parse((await rawRequest(`http://${started.admin}/status`)).body) as Status
  const until = async (ok: (s: Status) => boolean) => {
    let s = await status()
    // Up to 30 s: the workers report within 20 ms of a change, unless the machine is loaded.
    for (let i = 0; i < 1200 && !ok(s); i++) {
      await new Promise((r) => setTimeout(r, 25))
      s = await status()
    }
    return s
  }

  // A fresh connection per request: every one is accepted, handled, then closed.
  const N = 12
  for (let i = 0; i < N; i++) t.equal((await rawRequest(`http://${started.proxy[0]}/`)).status, 200)
  const s = await until((x) => x.server.total_requests === N && x.server.connections_active === 0)
  t.same(s.server, {
    total_requests: N,
    connections_active: 0,
    connections_accepted: N,
    connections_handled: N,
    connections_reading: 0,
    connections_writing: 0,
    connections_waiting: 0,
  })

  // A worker dies; the primary starts another. The totals never go backwards.
  const victim = s.workers[0]!.pid
  process.kill(victim, 'SIGKILL')
  const after = await until((x) => x.workers.length === 2 && !x.workers.some((w) => w.pid === victim))
  t.equal(after.workers.length, 2, 'replaced')
  t.equal(after.server.total_requests, N, "the dead worker's requests still count")
  t.equal(after.server.connections_accepted, N)
  for (let i = 0; i < N; i++) await rawRequest(`http://${started.proxy[0]}/`)
  const counting = await until((x) => x.server.total_requests === 2 * N)
  t.equal(counting.server.total_requests, 2 * N, 'and counting goes on')

  // A worker killed before /status is read again: what it served since the last read
  // still counts (each worker reports its totals as they grow, not only when asked).
  for (let i = 0; i < N; i++) t.equal((await rawRequest(`http://${started.proxy[0]}/`)).status, 200)
  // Not an assertion on time: the workers report within 20 ms of a change; this leaves them ample room.
  await new Promise((r) => setTimeout(r, 1000))
  // The survivor of the first kill: it has listened throughout, so it served some of these
  // (the replacement may not listen yet on a busy machine, and then it served them all).
  const second = after.workers.find((w) => s.workers.some((o) => o.pid === w.pid))!.pid
  process.kill(second, 'SIGKILL')
  const final = await until((x) => x.workers.length === 2 && !x.workers.some((w) => w.pid === second) && (x.server.total_requests ?? 0) >= 3 * N)
  t.notOk(
    final.workers.some((w) => w.pid === second),
    'replaced',
  )
  t.equal(final.server.total_requests, 3 * N, 'requests served since the last read are kept')
  t.equal(final.server.connections_accepted, 3 * N)
  t.equal(final.server.connections_handled, 3 * N)
})

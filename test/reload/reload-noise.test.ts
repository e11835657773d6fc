// Issue 12, item 17: a refused file left on disk is judged and reported once, not on
// every periodic re-check (which calls the same `reload()` as here, unforced); the
// served file back on disk clears `last_error`; SIGHUP (forced) still re-judges.
import { rmSync, writeFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import type { ReloadResult } from '../../src/reload/reloader.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'

const GOOD = `_format_version: "3.0"
routes:
  - name: hello
    paths: [/]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: good }
`
const BROKEN = '_format_version: "3.0"\nroutes:\n  - name: broken\n    paths: [nope]\n'

interface Status {
  last_error: { result: string; at: string; errors: { message: string }[] } | null
  reloads: Record<string, number>
}

async function start(t: Test) {
  const reported: ReloadResult[] = []
  // onReload is what `gateway serve` logs: one call, one set of log lines.
  const gw = await gateway(GOOD, { adminListen: '127.0.0.1:0', onReload: (r) => reported.push(r) })
  t.teardown(() => gw.close())
  const status = async () => (await fetchRaw(`${gw.adminUrl}/status`)).json<Status>()
  const metric = async (result: string) => {
    const m = new RegExp(`gateway_config_reloads_total\\{result="${result}"\\} (\\d+)`).exec((await fetchRaw(`${gw.adminUrl}/metrics`)).body)
    return Number(m?.[1])
  }
  const refused = () => reported.filter((r) => r.result === 'invalid' || r.result === 'unreadable')
  return { gw, status, metric, refused }
}

t.test('the same refused bytes: reported and counted once however often the file is looked at', async (t) => {
  const { gw, status, metric, refused } = await start(t)
  writeFileSync(gw.file, BROKEN)
  const first = await gw.reload()
  t.equal(first.result, 'invalid')
  for (let i = 0; i < 5; i++) t.equal(await gw.reload(), first, `re-check ${i + 1}: the earlier verdict, not a new load`)
  t.equal(refused().length, 1, 'logged once')
  const s = await status()
  t.equal(s.reloads.invalid, 1, '/status: the invalid counter did not climb')
  t.equal(await metric('invalid'), 1, '/metrics: nor did the reload counter')
  t.equal(s.last_error?.at, first.at.toISOString(), 'last_error is still the first verdict')
  t.equal((await fetchRaw(`${gw.url}/`)).body, '{"message":"good"}', 'the served config keeps serving')

  // SIGHUP asks for a fresh look: judged and reported again.
  t.equal((await gw.reload(true)).result, 'invalid')
  t.equal(refused().length, 2, 'a forced reload reports again')
  t.equal((await status()).reloads.invalid, 2)
})

t.test('the served file back on disk clears last_error', async (t) => {
  const { gw, status } = await start(t)
  writeFileSync(gw.file, BROKEN)
  t.equal((await gw.reload()).result, 'invalid')
  t.equal((await status()).last_error?.result, 'invalid')
  writeFileSync(gw.file, GOOD)
  t.equal((await gw.reload()).result, 'unchanged', 'the same bytes as served: nothing to apply')
  t.equal((await status()).last_error, null, 'and nothing wrong on disk any more')
  // The broken file written again is a new event: judged and reported again.
  writeFileSync(gw.file, BROKEN)
  t.equal((await gw.reload()).result, 'invalid')
  t.equal((await status()).reloads.invalid, 2)
})

t.test('a file left missing: reported once', async (t) => {
  const { gw, status, refused } = await start(t)
  rmSync(gw.file)
  const first = await gw.reload()
  t.equal(first.result, 'unreadable')
  t.equal(await gw.reload(), first, 'the same read failure: the earlier verdict')
  t.equal(refused().length, 1, 'logged once')
  t.equal((await status()).reloads.unreadable, 1)
  writeFileSync(gw.file, GOOD)
  t.equal((await gw.reload()).result, 'unchanged')
  t.equal((await status()).last_error, null)
})

// Issue 18, item 3: the reload history the status page shows (/status/reloads): each
// reload that changed or refused something, oldest first, its problems with
// file:line:column; the periodic re-checks that find nothing new are only counted;
// and the history stays bounded however many reloads a node sees.
import { writeFileSync } from 'node:fs'
import t from 'tap'
import { HISTORY_ISSUES, HISTORY_SIZE } from '../../src/reload/reloader.js'
import { fetchRaw, gateway } from '../helpers/gateway.js'

const good = (message: string) => `_format_version: "3.0"
routes:
  - name: hello
    paths: [/]
    plugins:
      - name: request-termination
        config: { status_code: 200, message: ${message} }
`
// Line 4, column 13: the path that does not start with a slash.
const broken = (n: number) => `_format_version: "3.0"\nroutes:\n  - name: broken-${n}\n    paths: [nope]\n`

interface Reloads {
  data: {
    result: string
    configuration_hash: string | null
    errors_omitted: number
    errors: { file?: string; line?: number; column?: number; path?: string; message: string }[]
  }[]
  counts: Record<string, number>
}

t.test('each reload that changed or refused something, with where the file is wrong', async (t) => {
  const gw = await gateway(good('one'), { adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  const reloads = async () => (await fetchRaw(`${gw.adminUrl}/status/reloads`)).json<Reloads>()
  t.same((await reloads()).data, [], 'nothing yet: the first load is /status loaded_at')

  writeFileSync(gw.file, broken(1))
  t.equal((await gw.reload()).result, 'invalid')
  t.equal((await gw.reload()).result, 'invalid', 'the same refused bytes, looked at again')
  writeFileSync(gw.file, good('two'))
  const applied = await gw.reload()
  t.equal(applied.result, 'applied')
  t.equal((await gw.reload()).result, 'unchanged')

  const r = await reloads()
  t.same(
    r.data.map((x) => x.result),
    ['invalid', 'applied'],
    'oldest first; the re-check of the same bytes and the unchanged look are not entries',
  )
  t.match(r.data[0]!.errors, [{ file: gw.file, line: 4, column: 13, path: 'routes[0].paths[0]', message: /should start with/ }])
  t.equal(r.data[1]!.configuration_hash, applied.hash)
  t.same(r.data[1]!.errors, [])
  t.equal(r.counts.unchanged, 1, 'counted all the same')
})

t.test(`bounded: the last ${HISTORY_SIZE} entries`, async (t) => {
  const gw = await gateway(good('one'), { adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  const total = HISTORY_SIZE + 7
  for (let i = 1; i <= total; i++) {
    writeFileSync(gw.file, broken(i))
    t.equal((await gw.reload()).result, 'invalid', `reload ${i}`)
  }
  const r = (await fetchRaw(`${gw.adminUrl}/status/reloads`)).json<Reloads>()
  t.equal(r.data.length, HISTORY_SIZE)
  t.match(r.data[0]!.errors[0]!.message, /./)
  t.equal(r.counts.invalid, total, 'the counts still count every one')
  // The newest entry is the last file written: broken-<total>, whose hash the reload reported.
  t.equal(r.data.at(-1)!.configuration_hash, (await gw.reload(true)).hash)
})

t.test(`each entry keeps its first ${HISTORY_ISSUES} problems and counts the rest`, async (t) => {
  const gw = await gateway(good('one'), { adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  const n = HISTORY_ISSUES + 5
  writeFileSync(gw.file, `_format_version: "3.0"\nroutes:\n${Array.from({ length: n }, (_, i) => `  - name: r${i}\n    paths: [nope]\n`).join('')}`)
  t.equal((await gw.reload()).issues?.length, n)
  const r = (await fetchRaw(`${gw.adminUrl}/status/reloads`)).json<Reloads>()
  t.equal(r.data[0]!.errors.length, HISTORY_ISSUES)
  t.equal(r.data[0]!.errors_omitted, 5)
  t.equal(r.data[0]!.errors[0]!.line, 4, 'the first ones, in file order')
  const status = (await fetchRaw(`${gw.adminUrl}/status`)).json<{ last_error: { errors: unknown[] } }>()
  t.equal(status.last_error.errors.length, n, '/status keeps them all')
})

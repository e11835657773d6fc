// A large file is loaded in a worker thread: same result as inline, still frozen,
// and the event loop keeps turning while it loads.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { loadOffThread, OFF_THREAD_BYTES } from '../../src/reload/off-thread.js'

function bigConfig(n: number): string {
  let y = '_format_version: "3.0"\nservices:\n'
  for (let i = 0; i < n; i++)
    y += `  - name: svc-${i}\n    url: http://svc-${i}.internal:8080/api\n    routes:\n      - name: r-${i}\n        paths: [/svc-${i}]\n`
  return y
}

t.test('a large config loads off the event loop to the same, frozen config', async (t) => {
  const text = bigConfig(4000)
  t.ok(text.length > OFF_THREAD_BYTES, 'large enough for the worker')
  let ticks = 0
  const ticker = setInterval(() => ticks++, 5)
  const off = await loadOffThread([{ file: 'big.yml', text }], {})
  clearInterval(ticker)
  const inline = loadConfig(text, { file: 'big.yml', env: {} })
  t.ok(off.ok && inline.ok)
  if (off.ok && inline.ok) {
    t.same(off.config, inline.config)
    t.ok(Object.isFrozen(off.config.services[0]), 'frozen again after the transfer')
  }
  t.ok(ticks > 3, `the event loop ran while the worker loaded (${ticks} ticks)`)
})

t.test('an invalid large file reports its issues with positions from the worker', async (t) => {
  const text = `${bigConfig(4000)}  - name: broken\n    port: 99999\n`
  const r = await loadOffThread([{ file: 'big.yml', text }], {})
  t.notOk(r.ok)
  if (!r.ok)
    t.same(
      r.issues.map((i) => `${i.line}:${i.column} ${i.path}`),
      [`${4000 * 5 + 3}:5 services[4000].host`, `${4000 * 5 + 4}:11 services[4000].port`],
    )
})

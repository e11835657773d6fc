// The load worker is started once and kept: loads that overlap get their own answers, a valid
// config comes back in chunks and is reassembled in order, whole and frozen, as inline.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { CHUNK_ENTITIES, loadOffThread, OFF_THREAD_BYTES, prewarmLoadWorker } from '../../src/reload/off-thread.js'

function bigConfig(n: number, tag: string): string {
  let y = '_format_version: "3.0"\nservices:\n'
  for (let i = 0; i < n; i++)
    y += `  - name: ${tag}-${i}\n    url: http://svc-${i}.internal:8080/api\n    routes:\n      - name: r-${i}\n        paths: [/${tag}-${i}]\n`
  y += 'consumers:\n'
  // Credentials get a random id when they have none: give them one, to compare loads.
  for (let i = 0; i < 700; i++)
    y += `  - username: u-${i}\n    keyauth_credentials: [{key: k-${tag}-${i}, id: 00000000-0000-4000-8000-${String(i).padStart(12, '0')}}]\n`
  return y
}

t.test('overlapping loads through the one worker each get their own, whole config', async (t) => {
  prewarmLoadWorker()
  const texts = [bigConfig(2600, 'a'), bigConfig(2700, 'b'), `${bigConfig(2600, 'c')}  - username: u-1\n`]
  for (const text of texts) t.ok(text.length > OFF_THREAD_BYTES, 'large enough for the worker')
  const [a, b, bad] = await Promise.all(texts.map((text) => loadOffThread([{ file: 'big.yml', text }], {})))
  for (const [i, off] of [a!, b!].entries()) {
    const inline = loadConfig(texts[i]!, { file: 'big.yml', env: {} })
    t.ok(off.ok && inline.ok)
    if (!off.ok || !inline.ok) continue
    t.ok(off.config.services.length > CHUNK_ENTITIES * 5, 'several chunks per collection')
    t.same(off.config, inline.config)
    t.same(Object.keys(off.config), Object.keys(inline.config), 'fields in the same order')
    t.equal(off.hash, inline.hash)
    t.same(off.warnings, inline.warnings)
    t.ok(Object.isFrozen(off.config), 'config frozen')
    t.ok(Object.isFrozen(off.config.routes), 'collections frozen')
    t.ok(Object.isFrozen(off.config.routes.at(-1)) && Object.isFrozen(off.config.routes.at(-1)!.paths), 'entities frozen, deeply')
    t.ok(Object.isFrozen(off.config.keyauth_credentials[CHUNK_ENTITIES + 1]), 'entities of later chunks frozen')
  }
  t.notOk(bad!.ok, 'the invalid one is refused')
  if (!bad!.ok) t.match(bad!.issues.map((i) => i.message).join('\n'), /uniqueness|u-1/)
})

// A replaced config is retired after its grace period: pools of targets no
// longer configured are closed, and requests pinned to it are never cut.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { RuntimeHolder } from '../../src/reload/holder.js'
import { createReloader } from '../../src/reload/reloader.js'
import { compileRuntime } from '../../src/compile/runtime.js'
import { loadConfig } from '../../src/config/load.js'
import { createNodeState } from '../../src/node/state.js'
import { BUNDLED_PLUGINS } from '../../src/plugins/set.js'

t.test('after the grace period, pools of removed origins are closed; current ones stay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-retire-'))
  const file = join(dir, 'kong.yml')
  const cfg = (host: string) => `_format_version: "3.0"\nservices:\n  - name: s\n    url: http://${host}:8080\n`
  writeFileSync(file, cfg('old.internal'))
  const first = loadConfig(cfg('old.internal'), { file, env: {} })
  if (!first.ok) throw new Error('config')
  const node = createNodeState()
  const holder = new RuntimeHolder(compileRuntime(first.config, first.hash, { node, plugins: BUNDLED_PLUGINS }))
  const reloader = createReloader({ file, holder, env: {}, retireAfterMs: 50 })
  t.teardown(async () => {
    reloader.close()
    await node.close()
  })
  const settings = (origin: string) => ({ origin, connectTimeout: 1000 })
  const oldPool = node.pools.get(settings('http://old.internal:8080'))
  writeFileSync(file, cfg('new.internal'))
  t.equal((await reloader.request()).result, 'applied')
  const newPool = node.pools.get(settings('http://new.internal:8080'))
  t.notOk(oldPool.closed, 'still open while the old config may have requests in flight')
  await new Promise((r) => setTimeout(r, 150))
  t.ok(oldPool.closed, 'closed once retired')
  t.notOk(newPool.closed)
  t.equal(node.pools.get(settings('http://new.internal:8080')), newPool, 'the current pool is reused')
})

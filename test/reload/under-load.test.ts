// 20 reloads alternating two configs while keep-alive clients send requests: none fails.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { Pool } from 'undici'
import { startGateway } from '../../src/server/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

t.test('no request fails or is reset across 20 reloads', async (t) => {
  const slow = await startUpstream('a', (_req, res) => setTimeout(() => res.end('a'), 5))
  const other = await startUpstream('b', (_req, res) => setTimeout(() => res.end('b'), 5))
  const dir = mkdtempSync(join(tmpdir(), 'gw-load-'))
  const file = join(dir, 'kong.yml')
  const config = (port: number) =>
    `_format_version: "3.0"\nservices:\n  - name: app\n    url: http://127.0.0.1:${port}\n    routes: [{ name: app, paths: [/] }]\n`
  writeFileSync(file, config(slow.port))
  const g = await startGateway({ config: file, listen: ['127.0.0.1:0'], adminListen: 'off', env: {}, watch: false })
  const pool = new Pool(`http://${g.proxy[0]}`, { connections: 8 })
  t.teardown(async () => {
    await pool.close()
    await g.close()
    await slow.close()
    await other.close()
  })
  let stop = false
  const results = { ok: 0, failed: [] as string[], bodies: new Set<string>() }
  const client = async () => {
    while (!stop) {
      try {
        const r = await pool.request({ path: '/', method: 'GET' })
        const body = await r.body.text()
        if (r.statusCode === 200) {
          results.ok++
          results.bodies.add(body)
        } else results.failed.push(`${r.statusCode} ${body}`)
      } catch (err) {
        results.failed.push((err as Error).message)
      }
    }
  }
  const clients = Array.from({ length: 8 }, client)
  for (let i = 0; i < 20; i++) {
    writeFileSync(file, config(i % 2 === 0 ? other.port : slow.port))
    const r = await g.reload()
    t.equal(r.result, 'applied', `reload ${i + 1}`)
    await new Promise((r) => setTimeout(r, 30))
  }
  stop = true
  await Promise.all(clients)
  t.same(results.failed, [], 'no failed or reset request')
  t.ok(results.ok > 100, `${results.ok} requests completed`)
  t.same([...results.bodies].sort(), ['a', 'b'], 'both configs served')
})

// SIGTERM: readiness fails, in-flight requests finish, the process exits 0.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { startUpstream } from '../helpers/upstream.js'
import { singleFileMount } from '../../src/reload/mount-check.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

t.test('a slow in-flight request completes after SIGTERM, then the process exits 0', async (t) => {
  const slow = await startUpstream('slow', (_req, res) => setTimeout(() => res.end('finished'), 800))
  t.teardown(() => slow.close())
  const dir = mkdtempSync(join(tmpdir(), 'gw-term-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, `_format_version: "3.0"\nservices:\n  - name: slow\n    url: ${slow.url}\n    routes: [{ name: slow, paths: [/] }]\n`)
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '' },
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  let out = ''
  const info = await new Promise<{ proxy: string[]; admin: string }>((resolve) => {
    child.stdout.on('data', (d) => {
      out += d
      const line = out.split('\n').find((l) => l.includes('"gateway started"'))
      if (line) resolve(JSON.parse(line) as { proxy: string[]; admin: string })
    })
  })
  const inflight = request(`http://${info.proxy[0]}/`).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }))
  await new Promise((r) => setTimeout(r, 200))
  child.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 100))
  const ready = await request(`http://${info.admin}/readyz`).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }))
  t.same(ready, { status: 503, body: '{"message":"draining"}' }, 'readiness fails while draining')
  t.same(await inflight, { status: 200, body: 'finished' })
  t.equal(await exited, 0)
})

t.test('a config path that is not a mount point is not flagged; one that is, is', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-mount-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, '')
  t.equal(singleFileMount(file), undefined)
  const fake = join(dir, 'mountinfo')
  writeFileSync(fake, `36 35 98:0 /config/kong.yml ${file} rw,noatime master:1 - ext4 /dev/root rw\n`)
  t.match(singleFileMount(file, fake), /single-file mount/)
})

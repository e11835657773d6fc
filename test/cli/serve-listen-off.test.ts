// `gateway serve --listen off` as a process: no proxy listener, the admin listener serves (Kong's
// `proxy_listen = off`, spec/02-integration/05-proxy/01-proxy_spec.lua:44).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { serveProcess } from '../helpers/serve-process.js'

t.test('--listen off starts with no proxy listener', async (t) => {
  // spec/02-integration/05-proxy/01-proxy_spec.lua:44
  const file = join(mkdtempSync(join(tmpdir(), 'gw-listen-off-')), 'kong.yml')
  writeFileSync(file, '_format_version: "3.0"\n')
  const p = serveProcess(t, ['--config', file, '--listen', 'off', '--admin-listen', '127.0.0.1:0'])
  const started = await p.waitFor((l) => l.msg === 'gateway started')
  t.same(started.proxy, [], 'no proxy listener')
  t.equal((started.admin as string | undefined)?.startsWith('127.0.0.1:'), true, 'the admin listener is up')
})

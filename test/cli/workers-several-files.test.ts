// --workers with a config in two directories: every worker loads the same
// merge (a key from the Secret-like directory opens a route of the other one)
// and converges on the new hash after the Secret changes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { serveProcess } from '../helpers/serve-process.js'

const ROUTES = `_format_version: "3.0"
routes:
  - name: hello
    paths: [/]
    plugins:
      - name: key-auth
      - name: request-termination
        config: { status_code: 200, message: hello }
consumers:
  - username: alice
`
const key = (k: string) => `keyauth_credentials:\n  - consumer: alice\n    key: ${k}\n`

t.test('two workers serve the merge of two directories and converge after a change', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'gw-workers-several-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  mkdirSync(join(root, 'config'))
  mkdirSync(join(root, 'secret'))
  writeFileSync(join(root, 'config', 'kong.yml'), ROUTES)
  writeFileSync(join(root, 'secret', 'credentials.yml'), key('key-one'))
  const p = serveProcess(t, [
    '--config',
    join(root, 'config'),
    '--config',
    join(root, 'secret'),
    '--listen',
    '127.0.0.1:0',
    '--admin-listen',
    '127.0.0.1:0',
    '--workers',
    '2',
  ])
  const started = (await p.waitFor((l) => l.msg === 'gateway started')) as unknown as { proxy: string[]; admin: string }
  const status = async () =>
    (await (await request(`http://${started.admin}/status`)).body.json()) as { configuration_hash: string; converged: boolean; workers: unknown[] }
  const call = async (k: string) => (await request(`http://${started.proxy[0]}/`, { headers: { apikey: k } })).statusCode
  const first = await status()
  t.equal(first.workers.length, 2)
  t.equal(await call('key-one'), 200)
  writeFileSync(join(root, 'secret', 'credentials.yml'), key('key-two'))
  let after = first
  // A bound, not a timing: workers on a loaded machine are slow to reload.
  for (let i = 0; i < 600 && (after.configuration_hash === first.configuration_hash || !after.converged); i++) {
    await new Promise((r) => setTimeout(r, 100))
    after = await status()
  }
  t.not(after.configuration_hash, first.configuration_hash, 'the Secret change is a new config')
  t.ok(after.converged, 'both workers serve it')
  const answers = await Promise.all([1, 2, 3, 4].map(() => call('key-two')))
  t.same(answers, [200, 200, 200, 200])
  t.equal(await call('key-one'), 401)
})

// Hot reload of a config read from several places: a ConfigMap-like directory
// (keys linked through `..data`, swapped atomically by the kubelet) and a
// Secret-like directory holding the credentials, merged as one config. Requests
// keep flowing through every swap; a merge that fails leaves the running config.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startGateway } from '../../src/server/gateway.js'
import { fetchRaw } from '../helpers/gateway.js'
import { startUpstream, type Echo } from '../helpers/upstream.js'

const routes = (upstream: string, version: string) => `_format_version: "3.0"
services:
  - name: orders
    url: ${upstream}/${version}
    routes:
      - name: orders
        paths: [/orders]
        plugins:
          - name: key-auth
consumers:
  - username: alice
  - username: bob
`

const credentials = (keys: Record<string, string>) =>
  `keyauth_credentials:\n${Object.entries(keys)
    .map(([consumer, key]) => `  - consumer: ${consumer}\n    key: ${key}\n`)
    .join('')}`

/** A directory as the kubelet writes a ConfigMap or Secret volume; `publish` is its atomic update. */
function volume(root: string, name: string, files: Record<string, string>) {
  const dir = join(root, name)
  mkdirSync(dir)
  let n = 0
  let current: string | undefined
  let keys: string[] = []
  const publish = (next: Record<string, string>) => {
    const ts = `..2026_12_07_00_00_${String(n).padStart(2, '0')}.00000000${n++}`
    mkdirSync(join(dir, ts))
    for (const [k, v] of Object.entries(next)) writeFileSync(join(dir, ts, k), v)
    symlinkSync(ts, join(dir, '..data_tmp'))
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
    // New keys are linked after the swap, removed keys unlinked; the old directory goes last.
    for (const k of Object.keys(next)) if (!keys.includes(k)) symlinkSync(`..data/${k}`, join(dir, k))
    for (const k of keys) if (!(k in next)) unlinkSync(join(dir, k))
    keys = Object.keys(next)
    if (current) rmSync(join(dir, current), { recursive: true })
    current = ts
  }
  publish(files)
  return { dir, publish }
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return false
}

async function setUp(t: { teardown(fn: () => Promise<void>): void }) {
  const root = mkdtempSync(join(tmpdir(), 'gw-volumes-'))
  const up = await startUpstream()
  const config = volume(root, 'config', { 'kong.yml': routes(up.url, 'v1') })
  const secret = volume(root, 'secret', { 'credentials.yml': credentials({ alice: 'alice-key-1' }) })
  const g = await startGateway({ config: [config.dir, secret.dir], listen: ['127.0.0.1:0'], adminListen: '127.0.0.1:0', env: {}, debounceMs: 100, pollMs: 0 })
  t.teardown(async () => {
    await g.close()
    await up.close()
    rmSync(root, { recursive: true, force: true })
  })
  const call = async (key: string) => {
    const r = await fetchRaw(`http://${g.proxy[0]}/orders`, { headers: { apikey: key } })
    return { status: r.status, echo: r.status === 200 ? r.json<Echo>() : undefined }
  }
  return { g, up, config, secret, call }
}

t.test('a key from the Secret directory opens a route of the ConfigMap directory', async (t) => {
  const { call } = await setUp(t)
  const ok = await call('alice-key-1')
  t.equal(ok.status, 200)
  t.equal(ok.echo?.url, '/v1')
  t.equal(ok.echo?.headers['x-consumer-username'], 'alice')
  t.equal((await call('wrong')).status, 401)
})

t.test('both volumes swapped under traffic: no request fails, the new merge applies', async (t) => {
  const { g, up, config, secret, call } = await setUp(t)
  let running = true
  const seen: { status: number; url: string | undefined }[] = []
  // Requests in a loop, one after another, for as long as the swaps go on.
  const traffic = (async () => {
    while (running) {
      const r = await call('alice-key-1')
      seen.push({ status: r.status, url: r.echo?.url })
    }
  })()
  for (const version of ['v2', 'v3', 'v4']) {
    config.publish({ 'kong.yml': routes(up.url, version) })
    t.ok(await until(async () => (await call('alice-key-1')).echo?.url === `/${version}`), `the ConfigMap's ${version} applied`)
  }
  // The Secret adds bob's key (alice's is kept), then a new ConfigMap key adds a second route.
  secret.publish({ 'credentials.yml': credentials({ alice: 'alice-key-1', bob: 'bob-key-1' }) })
  t.ok(await until(async () => (await call('bob-key-1')).status === 200), "bob's new key applied")
  config.publish({
    'kong.yml': routes(up.url, 'v4'),
    'extra.yml': 'routes:\n  - name: extra\n    service: orders\n    paths: [/extra]\n',
  })
  t.ok(await until(async () => (await fetchRaw(`http://${g.proxy[0]}/extra`)).status === 200), 'the route of the new ConfigMap key applied')
  running = false
  await traffic
  t.ok(seen.length > 0)
  t.same(
    seen.filter((s) => s.status !== 200),
    [],
    'every request during the swaps was answered 200',
  )
  t.ok(
    seen.every((s) => ['/v1', '/v2', '/v3', '/v4'].includes(s.url ?? '')),
    'each answer came from one published version',
  )
})

t.test('a Secret that conflicts with the ConfigMap changes nothing and is reported at both places', async (t) => {
  const { g, secret, call } = await setUp(t)
  const before = g.holder.current().hash
  // alice is declared by the ConfigMap already: declaring her again is a conflict, not a merge.
  secret.publish({ 'credentials.yml': 'consumers:\n  - username: alice\n    keyauth_credentials:\n      - key: alice-key-2\n' })
  t.ok(await until(async () => g.reloader.lastError !== undefined), 'the refused merge is reported')
  t.equal(g.holder.current().hash, before, 'the running config is kept')
  t.equal((await call('alice-key-1')).status, 200, 'the old key still opens the route')
  t.equal((await call('alice-key-2')).status, 401, 'the refused key does not')
  const status = (await fetchRaw(`http://${g.admin}/status`)).json<{
    last_error: { result: string; errors: { file: string; line: number; column: number; message: string }[] }
  }>()
  t.equal(status.last_error.result, 'invalid')
  t.match(status.last_error.errors, [
    {
      file: join(secret.dir, 'credentials.yml'),
      line: 2,
      column: 15,
      message: /already declared \(first declared at .*\/config\/kong\.yml:11:15\)/,
    },
  ])
  // Fixed: a valid Secret applies and the report is cleared.
  secret.publish({ 'credentials.yml': credentials({ alice: 'alice-key-2' }) })
  t.ok(await until(async () => (await call('alice-key-2')).status === 200))
  t.equal(g.reloader.lastError, undefined)
  t.equal((await call('alice-key-1')).status, 401, 'the rotated key no longer opens the route')
})

t.test('the configuration hash covers every file: a change to the Secret alone changes it', async (t) => {
  const { g, secret } = await setUp(t)
  const before = (await fetchRaw(`http://${g.admin}/status`)).json<{ configuration_hash: string }>().configuration_hash
  secret.publish({ 'credentials.yml': credentials({ alice: 'alice-key-1', bob: 'bob-key-1' }) })
  t.ok(await until(async () => (await fetchRaw(`http://${g.admin}/status`)).json<{ configuration_hash: string }>().configuration_hash !== before))
})

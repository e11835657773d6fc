// `gateway serve --headers / --headers-upstream / --allow-debug-header` (Kong's `headers`,
// `headers_upstream` and `allow_debug_header`) as a process: the flag and its environment variable reach the request
// path, and a bad value is a usage error. What each value does: test/runtime/server-tokens-kong.test.ts, debug-header-kong.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { serveRun } from '../helpers/gateway-cli.js'

const file = join(mkdtempSync(join(tmpdir(), 'gw-headers-')), 'kong.yml')
writeFileSync(file, '_format_version: "3.0"\n')

function run(args: string[], env: Record<string, string> = {}) {
  const p = serveRun(['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off', ...args], env)
  const started = p.started.then((s) => s.proxy[0]!)
  started.catch(() => {}) // tests that expect an exit do not await it
  return { child: p.child, exited: p.exited, started, err: () => p.output().err }
}

async function headersOf(args: string[], env: Record<string, string> = {}) {
  const p = run(args, env)
  t.teardown(() => {
    if (p.child.exitCode === null) p.child.kill('SIGTERM')
    return p.exited.then(() => {})
  })
  const r = await request(`http://${await p.started}/`)
  await r.body.dump()
  return r.headers
}

t.test('the flag and the environment variable reach the answers', async (t) => {
  const byFlag = await headersOf(['--headers', 'Server'])
  t.equal(byFlag.server, 'kong/3.10.0')
  t.equal(byFlag['x-kong-response-latency'], undefined)
  t.equal(byFlag['x-kong-request-id'], undefined)
  const byEnv = await headersOf([], { GATEWAY_HEADERS: 'off' })
  t.equal(byEnv.server, undefined)
  t.equal(byEnv['x-kong-response-latency'], undefined)
  const byDefault = await headersOf([])
  t.match(byDefault, { server: 'kong/3.10.0', 'x-kong-response-latency': /^\d+$/, 'x-kong-request-id': /^[0-9a-f]+$/ })
})

t.test("an unknown entry exits 2 with Kong's message", async (t) => {
  for (const [args, message] of [
    [['--headers', 'server_tokens,X-Foo'], "headers: invalid entry 'X-Foo'"],
    [['--headers-upstream', 'Via'], "headers_upstream: invalid entry 'Via'"],
  ] as const) {
    const bad = run([...args])
    t.equal(await bad.exited, 2)
    t.match(bad.err(), message)
  }
})

t.test('--allow-debug-header and GATEWAY_ALLOW_DEBUG_HEADER reach the answers; a bad value exits 2', async (t) => {
  // A named route answered by request-termination: what a Kong-Debug request gets back names it.
  const routed = join(mkdtempSync(join(tmpdir(), 'gw-debug-')), 'kong.yml')
  writeFileSync(
    routed,
    '_format_version: "3.0"\nroutes:\n- name: dbg\n  paths: [/]\n  plugins:\n  - name: request-termination\n    config: {status_code: 200}\n',
  )
  async function debugged(args: string[], env: Record<string, string> = {}) {
    const p = run(['--config', routed, ...args], env)
    t.teardown(() => {
      if (p.child.exitCode === null) p.child.kill('SIGTERM')
      return p.exited.then(() => {})
    })
    const r = await request(`http://${await p.started}/`, { headers: { 'kong-debug': '1' } })
    await r.body.dump()
    return r.headers
  }
  t.equal((await debugged(['--allow-debug-header', 'on']))['kong-route-name'], 'dbg')
  t.equal((await debugged([], { GATEWAY_ALLOW_DEBUG_HEADER: 'on' }))['kong-route-name'], 'dbg')
  t.equal((await debugged([]))['kong-route-name'], undefined)
  const bad = run(['--allow-debug-header', 'yes'])
  t.equal(await bad.exited, 2)
  t.match(bad.err(), "--allow-debug-header must be 'on' or 'off'")
})

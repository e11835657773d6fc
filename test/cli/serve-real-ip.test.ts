// `gateway serve --real-ip-header / --real-ip-recursive` (Kong's real_ip_header and
// real_ip_recursive) as a process: the flag and its environment variable reach the request path,
// and bad values are usage errors. What the settings do: test/plugins/ip-restriction-kong.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { serveRun } from '../helpers/gateway-cli.js'

const file = join(mkdtempSync(join(tmpdir(), 'gw-realip-')), 'kong.yml')
writeFileSync(
  file,
  '_format_version: "3.0"\nroutes:\n  - paths: [/]\n    plugins:\n      - name: ip-restriction\n        config: { deny: [10.0.0.1] }\n      - name: request-termination\n        config: { status_code: 200, message: passed }\n',
)

function run(args: string[], env: Record<string, string> = {}) {
  const p = serveRun(['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off', ...args], env)
  const started = p.started.then((s) => s.proxy[0]!)
  started.catch(() => {}) // tests that expect an exit do not await it
  return { child: p.child, exited: p.exited, started, err: () => p.output().err }
}

t.test('the environment names the header, the flag turns recursion on', async (t) => {
  const p = run(['--trusted-ips', '127.0.0.1', '--real-ip-recursive', 'on'], { GATEWAY_REAL_IP_HEADER: 'X-Forwarded-For' })
  t.teardown(() => {
    if (p.child.exitCode === null) p.child.kill('SIGTERM')
    return p.exited.then(() => {})
  })
  const proxy = await p.started
  const status = async (headers: Record<string, string>) => {
    const r = await request(`http://${proxy}/`, { headers })
    await r.body.dump()
    return r.statusCode
  }
  t.equal(await status({ 'x-forwarded-for': '10.0.0.1, 127.0.0.1' }), 403, 'past the trusted 127.0.0.1 to 10.0.0.1')
  t.equal(await status({ 'x-forwarded-for': '10.0.0.1, 192.0.2.1' }), 200, 'stops at the untrusted 192.0.2.1')
  t.equal(await status({ 'x-real-ip': '10.0.0.1' }), 200, 'X-Real-IP is no longer the header read')
})

t.test('bad values exit 2 with the reason', async (t) => {
  for (const [args, message] of [
    [['--real-ip-recursive', 'yes'], "--real-ip-recursive must be 'on' or 'off'"],
    [['--real-ip-header', 'proxy_protocol'], '--real-ip-header proxy_protocol is not supported'],
  ] as const) {
    const bad = run([...args])
    t.equal(await bad.exited, 2)
    t.match(bad.err(), message)
  }
})

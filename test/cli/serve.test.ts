// `gateway serve` as a process: flags and environment, refusing a bad file, stopping on SIGTERM.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { serveRun, stopServe } from '../helpers/gateway-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'gw-serve-'))

t.test('serves a file given by environment variables, and exits 0 on SIGTERM', async (t) => {
  const file = join(dir, 'ok.yml')
  writeFileSync(
    file,
    '_format_version: "3.0"\nroutes:\n  - paths: [/]\n    plugins:\n      - name: request-termination\n        config: { status_code: 200, message: from env }\n',
  )
  const p = serveRun([], { GATEWAY_CONFIG: file, GATEWAY_LISTEN: '127.0.0.1:0', GATEWAY_ADMIN_LISTEN: '127.0.0.1:0' })
  t.teardown(() => stopServe(p))
  const info = await p.started
  const proxy = (info.proxy as string[])[0]!
  const r = await request(`http://${proxy}/`)
  t.equal(await r.body.text(), '{"message":"from env"}')
  const ready = await request(`http://${info.admin as string}/readyz`)
  t.equal(ready.statusCode, 200)
  await ready.body.dump()
  t.equal(await stopServe(p), 0)
})

t.test('flags win over the environment', async (t) => {
  const file = join(dir, 'flags.yml')
  writeFileSync(file, '_format_version: "3.0"\n')
  const p = serveRun(['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off'], {
    GATEWAY_CONFIG: join(dir, 'missing.yml'),
    GATEWAY_LISTEN: 'bad',
  })
  t.teardown(() => stopServe(p))
  const info = await p.started
  t.equal(info.admin, 'off')
  t.match((info.proxy as string[])[0], /^127\.0\.0\.1:\d+$/)
})

t.test('an invalid file prints the validate errors and exits 1', async (t) => {
  const file = join(dir, 'bad.yml')
  writeFileSync(file, '_format_version: "3.0"\nservices:\n  - name: a\n    port: 99999\n')
  const p = serveRun(['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off'])
  t.equal(await p.exited, 1)
  const { err } = p.output()
  t.match(err, `${file}:3:5: services[0].host: required field missing (in service 'a')`)
  t.match(err, `${file}:4:11: services[0].port: value should be between 0 and 65535 (in service 'a')`)
})

t.test('a missing file or a bad listen address is a usage error (2)', async (t) => {
  const missing = serveRun(['--config', join(dir, 'nope.yml'), '--admin-listen', 'off'])
  t.equal(await missing.exited, 2)
  const file = join(dir, 'ok2.yml')
  writeFileSync(file, '_format_version: "3.0"\n')
  const bad = serveRun(['--config', file, '--listen', 'nonsense', '--admin-listen', 'off'])
  t.equal(await bad.exited, 2)
  t.match(bad.output().err, "invalid listen address 'nonsense'")
})

t.test('a changed file is reloaded and logged; SIGHUP reloads on demand', async (t) => {
  const file = join(dir, 'reload.yml')
  const cfg = (m: string) =>
    `_format_version: "3.0"\nroutes:\n  - paths: [/]\n    plugins:\n      - name: request-termination\n        config: { status_code: 200, message: ${m} }\n`
  writeFileSync(file, cfg('before'))
  const p = serveRun(['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off'])
  t.teardown(() => stopServe(p))
  const info = await p.started
  const url = `http://${(info.proxy as string[])[0]}/`
  writeFileSync(file, cfg('after'))
  let body = ''
  for (let i = 0; i < 80 && body !== '{"message":"after"}'; i++) {
    await new Promise((r) => setTimeout(r, 50))
    const r = await request(url)
    body = await r.body.text()
  }
  t.equal(body, '{"message":"after"}')
  // The log line is written once the swap is done and may reach us after the first answer that shows it.
  const applied = () => p.output().out.split('config reload applied').length - 1
  for (const deadline = Date.now() + 20_000; applied() === 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50))
  t.match(p.output().out, /"msg":"config reload applied"/)
  const before = p.output().out.split('config reload applied').length
  p.child.kill('SIGHUP')
  // A bound, not a timing: a loaded machine may take seconds to reload.
  for (const deadline = Date.now() + 20_000; p.output().out.split('config reload applied').length === before && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 50))
  t.equal(p.output().out.split('config reload applied').length, before + 1, 'SIGHUP forced one more reload')
})

// What is dropped, and what never is: test/runtime/header-spoofing.test.ts.
t.test('headers with underscores are kept by default (Kong); --underscores-in-headers off drops them', async (t) => {
  const file = join(dir, 'underscores.yml')
  writeFileSync(
    file,
    '_format_version: "3.0"\nroutes:\n  - paths: [/]\n    headers: { x_tenant: [blue] }\n    plugins:\n      - name: request-termination\n        config: { status_code: 200, message: routed }\n',
  )
  const statusWith = async (args: string[], env: Record<string, string> = {}) => {
    const p = serveRun(['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off', ...args], env)
    t.teardown(() => stopServe(p))
    const proxy = ((await p.started).proxy as string[])[0]!
    const r = await request(`http://${proxy}/`, { headers: { x_tenant: 'blue' } })
    await r.body.dump()
    await stopServe(p)
    return r.statusCode
  }
  t.equal(await statusWith([]), 200, 'kept by default: the route matches on x_tenant')
  t.equal(await statusWith(['--underscores-in-headers', 'off']), 404, 'off: ignored, so no route matches')
  t.equal(await statusWith([], { GATEWAY_UNDERSCORES_IN_HEADERS: 'off' }), 404)
  t.equal(await statusWith(['--underscores-in-headers', 'on'], { GATEWAY_UNDERSCORES_IN_HEADERS: 'off' }), 200, 'the flag wins over the environment')
  const bad = serveRun(['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off', '--underscores-in-headers', 'maybe'])
  t.equal(await bad.exited, 2)
})

t.test('body and send limits: bad values are usage errors (2); --client-body-timeout is applied', async (t) => {
  const file = join(dir, 'limits.yml')
  writeFileSync(file, '_format_version: "3.0"\nservices:\n  - name: s\n    url: http://127.0.0.1:9\n    routes: [{ name: r, paths: [/] }]\n')
  const base = ['--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off']
  const badSize = serveRun([...base, '--client-body-buffer-size', '8x'])
  t.equal(await badSize.exited, 2)
  t.match(badSize.output().err, '--client-body-buffer-size must be a size in bytes like 8192, 8k or 1m')
  const badTimeout = serveRun(base, { GATEWAY_SEND_TIMEOUT: '0' })
  t.equal(await badTimeout.exited, 2)
  t.match(badTimeout.output().err, '--send-timeout must be a whole number of milliseconds of at least 1')
  const p = serveRun([...base, '--client-body-timeout', '150'], { GATEWAY_CLIENT_BODY_BUFFER_SIZE: '1k', GATEWAY_PROXY_BUFFER_SIZE: '16k' })
  t.teardown(() => stopServe(p))
  const [host, port] = ((await p.started).proxy as string[])[0]!.split(':')
  // A body that stops after 2 of 10 bytes: the gateway closes the connection, with no answer.
  // (With the 60 s default instead, it would still be open when the test gives up after 5 s.)
  const received = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), host)
    let got = ''
    const giveUp = setTimeout(() => {
      resolve('still open')
      socket.destroy()
    }, 5000)
    socket.on('data', (d) => (got += d))
    socket.on('error', reject)
    socket.on('close', () => {
      clearTimeout(giveUp)
      resolve(got)
    })
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab')
  })
  t.equal(received, '', 'closed by the gateway, without an answer, once the body stalled past 150 ms')
})

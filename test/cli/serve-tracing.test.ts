// `gateway serve --tracing-instrumentations / --tracing-sampling-rate` (Kong's
// tracing_instrumentations and tracing_sampling_rate) as a process: the flags and their
// environment variables reach the request path (a real OTLP receiver gets the spans),
// and a bad value is a usage error with Kong's message. What each instrumentation
// records: test/plugins/opentelemetry-kong.test.ts.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { waitFor } from '../helpers/collector.js'
import { startOtlpReceiver } from '../helpers/otlp.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gateway')

function run(file: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--admin-listen', 'off', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const started = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"gateway started"'))
      if (line) resolve((JSON.parse(line) as { proxy: string[] }).proxy[0]!)
    })
    void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)))
  })
  started.catch(() => {})
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGTERM')
    return exited.then(() => {})
  })
  return { started, exited, err: () => err }
}

t.test('the flags and the environment variables reach the request path', async (t) => {
  const otlp = await startOtlpReceiver(t)
  const file = join(mkdtempSync(join(tmpdir(), 'gw-tracing-')), 'kong.yml')
  writeFileSync(
    file,
    `_format_version: "3.0"\nroutes:\n- name: r\n  paths: [/]\n  plugins:\n  - name: request-termination\n    config: {status_code: 200}\nplugins:\n- name: opentelemetry\n  config: {traces_endpoint: "${otlp.url}", queue: {max_coalescing_delay: 0.1}}\n`,
  )
  const traced = async (args: string[], env: Record<string, string> = {}) => {
    const p = run(file, args, env)
    const r = await request(`http://${await p.started}/`)
    await r.body.dump()
    const id = String(r.headers['x-kong-request-id'])
    await waitFor(() => otlp.spans().some((s) => s.attributes['kong.request.id'] === id))
    return otlp.spans().filter((s) => s.attributes['kong.request.id'] === id)
  }
  t.equal((await traced(['--tracing-instrumentations', 'request', '--tracing-sampling-rate', '1'])).length, 1, 'by flag')
  t.equal((await traced([], { GATEWAY_TRACING_INSTRUMENTATIONS: 'request', GATEWAY_TRACING_SAMPLING_RATE: '1' })).length, 1, 'by environment')
})

t.test("a bad value exits 2 with Kong's message", async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'gw-tracing-')), 'kong.yml')
  writeFileSync(file, '_format_version: "3.0"\n')
  for (const [args, message] of [
    [['--tracing-instrumentations', 'routerx'], 'invalid tracing type: routerx'],
    [['--tracing-instrumentations', 'off,router'], 'invalid tracing types: off, other types are mutually exclusive'],
    [['--tracing-sampling-rate', '1.5'], 'tracing_sampling_rate must be between 0 and 1'],
  ] as const) {
    const bad = run(file, [...args])
    t.equal(await bad.exited, 2)
    t.match(bad.err(), message)
  }
})

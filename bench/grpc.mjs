#!/usr/bin/env node
// Benchmark (not a test): unary gRPC calls per second through the gateway against the same
// calls made directly to the gRPC server, in one run.
//
//   npm run build && node bench/grpc.mjs                  (2 rounds of 10 s per target)
//   node bench/grpc.mjs --duration 5 --rounds 3 --concurrency 50
//
// The upstream is an @grpc/grpc-js server of hello.HelloService (test/fixtures/grpc/hello.proto)
// in this process, as is the load: one grpc-js client keeping `concurrency` SayHello calls in
// flight. The gateway runs as `gateway serve` in its own process with a cleartext HTTP/2 (h2c)
// listener and one grpc route to the server. Rounds alternate the order; the summary is the
// mean. On a shared machine, compare the ratio, not the absolute figures.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import * as loader from '@grpc/proto-loader'
import { GATEWAY, NODE, ROOT, distBuilt, fmtInt, gatewayStarted, makeTempDir, runBench, startServer } from './lib.mjs'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '50' },
  },
})
const secs = Number(values.duration)
const rounds = Number(values.rounds)
const concurrency = Number(values.concurrency)

const hello = grpc.loadPackageDefinition(loader.loadSync(join(ROOT, 'test/fixtures/grpc/hello.proto'), { keepCase: true })).hello

/** Calls completed per second over `secs` with `concurrency` calls in flight (after a 2 s warm-up). */
async function measure(address) {
  const client = new hello.HelloService(address, grpc.credentials.createInsecure())
  let done = 0
  let failed = 0
  let stopAt = 0
  const loop = () =>
    new Promise((resolve) => {
      const next = () => {
        if (Date.now() >= stopAt) return resolve()
        client.SayHello({ greeting: 'bench' }, (err) => {
          if (err) failed++
          else done++
          next()
        })
      }
      next()
    })
  for (const [phase, length] of [
    ['warm-up', 2],
    ['measure', secs],
  ]) {
    done = failed = 0
    stopAt = Date.now() + length * 1000
    const started = performance.now()
    await Promise.all(Array.from({ length: concurrency }, loop))
    if (phase === 'measure') {
      client.close()
      return { rate: done / ((performance.now() - started) / 1000), failed }
    }
  }
}

await runBench({ name: 'bench/grpc' }, async () => {
  if (!distBuilt()) throw new Error('dist/ is missing: run `npm run build` first')
  const server = new grpc.Server()
  server.addService(hello.HelloService.service, { SayHello: (call, cb) => cb(null, { reply: `hello ${call.request.greeting}` }) })
  const port = await new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  )
  const dir = await makeTempDir('bench-grpc-')
  const config = join(dir, 'kong.yml')
  await writeFile(
    config,
    `_format_version: "3.0"\nservices:\n  - name: grpc\n    url: grpc://127.0.0.1:${port}\n    routes: [{ name: grpc, protocols: [grpc], paths: [/hello.HelloService/] }]\n`,
  )
  const gw = await startServer(
    'gateway',
    NODE,
    [GATEWAY, 'serve', '--config', config, '--listen', '127.0.0.1:0 http2', '--admin-listen', 'off'],
    gatewayStarted,
  )
  const targets = { direct: `127.0.0.1:${port}`, gateway: gw.address }
  const results = { direct: [], gateway: [] }
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct']) {
      const { rate, failed } = await measure(targets[name])
      results[name].push(rate)
      console.log(`round ${r + 1} ${name.padEnd(8)} ${fmtInt(rate)} calls/s${failed ? ` (${failed} failed)` : ''}`)
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
  const direct = mean(results.direct)
  const through = mean(results.gateway)
  console.log(`\nunary calls/s, ${concurrency} in flight, mean of ${rounds} x ${secs} s:`)
  console.log(`direct  ${fmtInt(direct)}\ngateway ${fmtInt(through)}\nratio   ${(through / direct).toFixed(2)}`)
  server.forceShutdown()
})

#!/usr/bin/env node
// Benchmark load generator (not a test): unary gRPC calls with @grpc/grpc-js clients,
// closed loop. `--concurrency` calls are in flight at all times, spread over
// `--channels` channels (each its own HTTP/2 connection: a local subchannel pool, so
// grpc-js does not fold them into one); each finished call starts the next, for
// `--duration` seconds after every channel is connected. Prints one JSON line:
// { calls, rps, p50, p99, mean (ms), errors, firstError }. Used by bench/protocols.mjs,
// which pins it to the load core like wrk and h2load.
//
// `--deadline MS` gives every call a deadline (the probe's guard against a hang; the
// measured runs send none, so the gateway has no grpc-timeout to honour).
//
//   node bench/grpc-load.mjs --target 127.0.0.1:PORT [--channels 5] [--concurrency 50] [--duration 10] [--deadline MS]
import { parseArgs } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import { GRPC_METHOD, GRPC_REPLY, GRPC_REQUEST } from './grpc-common.mjs'

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    channels: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    deadline: { type: 'string' },
  },
})
const channels = Number(values.channels)
const concurrency = Number(values.concurrency)
const duration = Number(values.duration)
const deadlineMs = values.deadline === undefined ? undefined : Number(values.deadline)
if (!values.target || !(channels >= 1) || !(concurrency >= channels) || !(duration > 0)) {
  console.error('grpc-load: --target HOST:PORT is required; --channels >= 1, --concurrency >= channels, --duration > 0 seconds')
  process.exit(2)
}

const same = (b) => b
const clients = Array.from(
  { length: channels },
  () => new grpc.Client(values.target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
)
await Promise.all(
  clients.map(
    (c) =>
      new Promise((resolve, reject) =>
        c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(new Error(`grpc-load: ${values.target}: ${err.message}`)) : resolve())),
      ),
  ),
)

const latencies = []
let errors = 0
let firstError
let calls = 0
const start = process.hrtime.bigint()
const end = start + BigInt(Math.round(duration * 1e9))

function loop(client) {
  return new Promise((resolve) => {
    const next = () => {
      if (process.hrtime.bigint() >= end) return resolve()
      const t0 = process.hrtime.bigint()
      const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs }
      client.makeUnaryRequest(GRPC_METHOD, same, same, GRPC_REQUEST, new grpc.Metadata(), options, (err, reply) => {
        calls++
        if (err || !GRPC_REPLY.equals(reply)) {
          errors++
          firstError ??= err ? `${grpc.status[err.code] ?? err.code}: ${err.details}` : `unexpected reply (${reply?.length} bytes)`
        } else latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
        next()
      })
    }
    next()
  })
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(clients[i % channels])))
const secs = Number(process.hrtime.bigint() - start) / 1e9
for (const c of clients) c.close()

latencies.sort((a, b) => a - b)
const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN)
const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN
process.stdout.write(`${JSON.stringify({ calls, rps: calls / secs, p50: pct(50), p99: pct(99), mean, errors, firstError })}\n`)

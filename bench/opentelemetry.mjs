#!/usr/bin/env node
// Benchmark (not a test): what tracing costs. The same route with no plugins and with
// the opentelemetry plugin exporting every request's spans, in one run, each target its
// own `gateway serve` process under the same load:
//
//   none        one service, one route (/bench), no plugins, tracing off (the default)
//   otel        the same route with opentelemetry (sampling_rate 1.0) exporting to a
//               local OTLP/HTTP sink (this script: reads each export, answers 200), the
//               gateway run with --tracing-instrumentations all --tracing-sampling-rate 1:
//               every request records the root, router, plugin-phase and balancer spans,
//               and all of them are encoded (protobuf) and sent, batched by the queue
//   spans-only  --tracing-instrumentations all, no plugin: spans are recorded, nobody
//               exports them (the instrumentation's own share of the cost)
//
//   npm run bench:otel                      (builds, then this script)
//   node bench/opentelemetry.mjs --duration 3s --warmup 1s    (smoke run)
//
// Load: wrk -t1 -c50 (after a warm-up per target), as bench/plugins.mjs; with taskset
// and two cores the gateway runs alone on core 1, wrk, the upstream (bench/upstream.mjs,
// 100-byte body) and the sink on core 0. The table gives req/s, latency, the gateway's
// CPU per request (from /proc) and each target against `none`; the sink's count of
// spans shows the plugin exported what it traced. Exits 1 when something cannot run.
//
// Options: --duration D (default 10s), --warmup D (3s), --connections N (50),
// --targets LIST (none,otel,spans-only), --no-pin.
import { createServer } from 'node:http'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  NODE,
  TARGET_CORE,
  cpuSeconds,
  distBuilt,
  fmtInt,
  fmtMs,
  gatewayServeArgs,
  gatewayStarted,
  httpGet,
  loadAverage,
  makeTempDir,
  oneRoute,
  pinning,
  printTable,
  runBench,
  startServer,
  startUpstream,
  startWrk,
  stopChild,
  which,
  wrkVersion,
} from './lib.mjs'

const PATH = '/bench/otel'
const TRACED = ['--tracing-instrumentations', 'all', '--tracing-sampling-rate', '1']

const TARGETS = {
  none: { label: 'no plugins, tracing off', config: (ctx) => oneRoute(ctx), args: [] },
  otel: {
    label: 'opentelemetry, sampling 1.0',
    config: (ctx) =>
      oneRoute(
        ctx,
        `    - name: opentelemetry
      config:
        traces_endpoint: "http://${ctx.sink}/v1/traces"
        sampling_rate: 1.0
`,
      ),
    args: TRACED,
    exports: true,
  },
  'spans-only': { label: 'instrumentations all, no plugin', config: (ctx) => oneRoute(ctx), args: TRACED },
}

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '3s' },
    connections: { type: 'string', default: '50' },
    targets: { type: 'string', default: Object.keys(TARGETS).join(',') },
    'no-pin': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log('usage: node bench/opentelemetry.mjs [--duration 10s] [--warmup 3s] [--connections 50] [--targets none,otel,spans-only] [--no-pin]')
  process.exit(0)
}
const secs = (name, v) => {
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(v)
  if (!m) {
    console.error(`bench/opentelemetry: --${name}: expected seconds (3s, 1m)`)
    process.exit(2)
  }
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1)
}
const duration = secs('duration', opts.duration)
const warmup = secs('warmup', opts.warmup)
const connections = Number(opts.connections)
const targets = opts.targets.split(',').filter(Boolean)
for (const t of targets) {
  if (!Object.hasOwn(TARGETS, t)) {
    console.error(`bench/opentelemetry: unknown target '${t}'`)
    process.exit(2)
  }
}
const WRK = which('wrk')
if (!WRK) {
  console.error('bench/opentelemetry: wrk not found. Install it: apt-get update && apt-get install -y wrk')
  process.exit(1)
}
if (!distBuilt()) {
  console.error('bench/opentelemetry: dist/ is missing: build first (npm run bench:otel builds)')
  process.exit(1)
}
const { taskset, cores, pin, pinned } = pinning(opts['no-pin'])

/** The OTLP sink: counts exports and their bytes, answers 200. */
async function startSink() {
  const seen = { exports: 0, bytes: 0 }
  const server = createServer((req, res) => {
    req.on('data', (c) => (seen.bytes += c.length))
    req.on('end', () => {
      seen.exports++
      res.writeHead(200).end()
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { seen, address: `127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }
}

async function measure(address, pid, seconds) {
  const cpu0 = cpuSeconds(pid)
  const r = await startWrk({ bin: WRK, pinned, threads: 1, connections, secs: seconds, url: `http://${address}${PATH}` }).done
  const cpu1 = cpuSeconds(pid)
  const cpuUs = cpu0 !== undefined && cpu1 !== undefined && r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : undefined
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpuUs, errors: r.socketErrors + r.non2xx }
}

await runBench({ name: 'bench/opentelemetry' }, async () => {
  console.log(`bench/opentelemetry: node ${process.version}, ${cores} cores, load: ${wrkVersion(WRK)}`)
  console.log(
    `  wrk -t1 -c${connections} -d${duration}s (warm-up ${warmup}s), ${pin ? `gateway pinned to core ${TARGET_CORE}` : `not pinned${taskset ? '' : ' (no taskset)'}`}`,
  )
  console.log(`  load average before: ${loadAverage()}`)
  const tmp = await makeTempDir('bench-otel-')
  const upstream = await startUpstream(pinned)
  const sink = await startSink()
  const ctx = { upstream: upstream.address, sink: sink.address }
  const results = {}
  try {
    for (const name of targets) {
      const def = TARGETS[name]
      const file = join(tmp, `${name}.yml`)
      await writeFile(file, def.config(ctx))
      const [cmd, args] = pinned(TARGET_CORE, NODE, [...gatewayServeArgs(file), ...def.args])
      const gw = await startServer(name, cmd, args, gatewayStarted)
      try {
        const probe = await httpGet(`http://${gw.address}${PATH}`)
        if (probe.status !== 200) throw new Error(`${name}: GET ${PATH}: ${probe.status}`)
        if (warmup > 0) await measure(gw.address, gw.child.pid, warmup)
        const before = { ...sink.seen }
        results[name] = await measure(gw.address, gw.child.pid, duration)
        if (def.exports) {
          // The queue sends within its coalescing delay (1 s): wait for the tail.
          await new Promise((r) => setTimeout(r, 1500))
          results[name].sink = { exports: sink.seen.exports - before.exports, bytes: sink.seen.bytes - before.bytes }
          if (results[name].sink.exports === 0) throw new Error(`${name}: the sink received nothing`)
        }
      } finally {
        await stopChild(gw.child)
      }
    }
  } finally {
    await sink.close()
  }
  const base = results.none
  const rows = [['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'req/s vs none', 'CPU vs none', 'exports (KiB)', 'errors']]
  for (const name of targets) {
    const r = results[name]
    rows.push([
      TARGETS[name].label,
      fmtInt(r.rps),
      fmtMs(r.p50),
      fmtMs(r.p99),
      r.cpuUs === undefined ? '-' : r.cpuUs.toFixed(1),
      base ? `${((r.rps / base.rps) * 100).toFixed(1)}%` : '-',
      base && r.cpuUs !== undefined && base.cpuUs !== undefined ? `${(r.cpuUs / base.cpuUs).toFixed(2)}x` : '-',
      r.sink ? `${r.sink.exports} (${fmtInt(r.sink.bytes / 1024)})` : '-',
      String(Math.round(r.errors)),
    ])
  }
  console.log('')
  printTable(rows)
})

#!/usr/bin/env node
// Benchmark (not a test): what slow-body clients cost the other clients of the
// same upstream (issue 12, item 4). One gateway, one upstream, two routes to
// it: /buffered (request_buffering, Kong's default) and /unbuffered
// (request_buffering: false). In one run, wrk measures a normal client (GET,
// keep-alive) three times:
//
//   alone                 no other client
//   + N slow, buffered    N clients each sending a 1 MB POST body one byte per
//                         interval on /buffered (the body is read by the
//                         gateway first: no upstream connection is held)
//   + N slow, unbuffered  the same slow clients on /unbuffered: each holds an
//                         upstream connection while it trickles; past the pool
//                         size (512) every other request to the upstream waits
//                         (the defect the buffering fixes; --no-unbuffered skips it)
//
//   npm run bench:slow-clients                      (builds, then this script)
//   node bench/slow-clients.mjs --slow 1000 --duration 10s
//
// Options:
//   --slow N          slow-body clients (default 1000)
//   --body BYTES      each slow client's Content-Length (default 1048576)
//   --interval MS     one byte per slow client every MS (default 1000)
//   --duration D      measured wrk run per scenario (default 10s)
//   --warmup D        warm-up run (default 3s; 0 to skip)
//   --connections N   wrk connections (default 50)
//   --threads N       wrk threads (default 1)
//   --no-unbuffered   skip the unbuffered scenario
//   --no-pin          do not use taskset
//   --keep            keep the generated gateway config
//
// wrk's timeout is 2 s: a starved normal client shows as timeouts (errors).
// The slow clients run in this process; with taskset, the gateway runs alone
// on core 1, wrk and the upstream on core 0. Exits 0 unless something cannot
// run (then 1; usage errors 2).
import { writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { clearInterval, setInterval } from 'node:timers'
import { parseArgs } from 'node:util'
import {
  LOAD_CORE,
  NODE,
  TARGET_CORE,
  distBuilt,
  fmtInt,
  fmtMs,
  gatewayServeArgs,
  gatewayStarted,
  httpGet,
  loadAverage,
  makeTempDir,
  optionReaders,
  pinning,
  printTable,
  runBench,
  startServer,
  startUpstream,
  startWrk,
  stopChild,
  wasInterrupted,
  which,
  wrkVersion,
} from './lib.mjs'

const { values: opts } = parseArgs({
  options: {
    slow: { type: 'string', default: '1000' },
    body: { type: 'string', default: String(1024 * 1024) },
    interval: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '3s' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '1' },
    'no-unbuffered': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log(
    'usage: node bench/slow-clients.mjs [--slow 1000] [--body 1048576] [--interval 1000] [--duration 10s] [--warmup 3s]\n' +
      '                                   [--connections 50] [--threads 1] [--no-unbuffered] [--no-pin] [--keep]',
  )
  process.exit(0)
}
const { usage, seconds, integer } = optionReaders('bench/slow-clients')
const slowCount = integer('slow', opts.slow, 1)
const bodyBytes = integer('body', opts.body, 2)
const intervalMs = integer('interval', opts.interval, 1)
const duration = seconds('duration', opts.duration, 1)
const warmup = seconds('warmup', opts.warmup, 0)
const connections = integer('connections', opts.connections, 1)
const threads = integer('threads', opts.threads, 1)
if (threads > connections) usage('--threads must not exceed --connections')

const WRK = which('wrk')
if (!WRK) {
  console.error('bench/slow-clients: wrk not found. Install it: apt-get update && apt-get install -y wrk')
  process.exit(1)
}
if (!distBuilt()) {
  console.error('bench/slow-clients: dist/ is missing: build first with `npx tsc -p tsconfig.json` (or use `npm run bench:slow-clients`)')
  process.exit(1)
}
const { cores: CORES, pin, pinned } = pinning(opts['no-pin'])

// ---------------------------------------------------------------------------
// Slow clients: raw sockets in this process, one timer for all of them.

/**
 * Opens `n` connections to `address`, each starting a POST to `path` with a
 * `bodyBytes` Content-Length, then writing one byte every `intervalMs`.
 * Resolves once every one is connected and has sent its first body byte.
 */
async function slowClients(address, path, n) {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
  const sockets = new Set()
  let closedEarly = 0
  let stopping = false
  const head = `POST ${path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyBytes}\r\n\r\n`
  // In batches: a burst of a thousand SYNs would overflow the listen backlog.
  for (let i = 0; i < n; i += 100) {
    const batch = []
    for (let j = i; j < Math.min(n, i + 100); j++) {
      batch.push(
        new Promise((resolve, reject) => {
          const s = connect(port, host, () => {
            s.write(head)
            s.write('x')
            resolve()
          })
          s.on('error', (err) => (sockets.has(s) ? undefined : reject(err)))
          s.on('close', () => {
            if (sockets.delete(s) && !stopping) closedEarly++
          })
          s.on('data', () => {}) // an answer would mean the gateway gave up on it
          s.sent = 1
          sockets.add(s)
        }),
      )
    }
    await Promise.all(batch)
  }
  const timer = setInterval(() => {
    for (const s of sockets) {
      if (s.sent < bodyBytes - 1) {
        s.write('x')
        s.sent++
      }
    }
  }, intervalMs)
  return {
    open: () => sockets.size,
    closedEarly: () => closedEarly,
    close() {
      stopping = true
      clearInterval(timer)
      for (const s of sockets) s.destroy()
      sockets.clear()
    },
  }
}

// ---------------------------------------------------------------------------
// Main

/** wrk's figures, or a starved run's (no request completed: wrk prints no latencies). */
async function measure(address, path, secs) {
  try {
    return await startWrk({ bin: WRK, pinned, threads, connections, secs, url: `http://${address}${path}` }).done
  } catch (err) {
    if (!/cannot parse wrk/.test(err.message)) throw err
    return { rps: 0, p50: NaN, p99: NaN, max: NaN, requests: 0, socketErrors: NaN, non2xx: 0 }
  }
}

const pause = (ms) => new Promise((r) => setTimeout(r, ms))

async function main() {
  console.log(`bench/slow-clients: node ${process.version}, ${CORES} cores, load: ${wrkVersion(WRK)}`)
  console.log(
    `  normal client: wrk -t${threads} -c${connections} -d${duration}s GET; slow clients: ${fmtInt(slowCount)} x POST ${fmtInt(bodyBytes)} bytes, 1 byte / ${intervalMs} ms\n` +
      `  ${pin ? `pinned: gateway on core ${TARGET_CORE}, wrk and upstream on core ${LOAD_CORE}` : 'not pinned: figures are noisier'}`,
  )
  console.log(`  load average before: ${loadAverage()} (the machine should be otherwise idle)`)
  const tmp = await makeTempDir('bench-slow-clients-')
  const upstream = await startUpstream(pinned)
  const config = join(tmp, 'gateway.yml')
  await writeFile(
    config,
    `_format_version: "3.0"\nservices:\n  - name: app\n    url: http://${upstream.address}\n    routes:\n` +
      `      - { name: buffered, paths: [/buffered] }\n` +
      `      - { name: unbuffered, paths: [/unbuffered], request_buffering: false }\n`,
  )
  if (opts.keep) console.log(`  config: ${config}`)
  const [cmd, args] = pinned(TARGET_CORE, NODE, gatewayServeArgs(config))
  const gw = await startServer('gateway', cmd, args, gatewayStarted)
  const address = gw.address
  const probe = await httpGet(`http://${address}/buffered/probe`)
  if (probe.status !== 200) throw new Error(`GET /buffered/probe: ${probe.status}`)
  if (warmup > 0) await measure(address, '/buffered/warmup', warmup)

  const results = []
  const run = async (label, slowPath) => {
    if (wasInterrupted()) return
    const slow = slowPath ? await slowClients(address, slowPath, slowCount) : undefined
    if (slow) await pause(intervalMs + 200) // every slow client is mid-body
    const r = await measure(address, '/buffered/normal', duration)
    results.push({ label, r, open: slow?.open(), closedEarly: slow?.closedEarly() })
    slow?.close()
    await pause(500)
  }
  await run('alone', undefined)
  await run(`+ ${fmtInt(slowCount)} slow, buffered`, '/buffered/slow')
  if (!opts['no-unbuffered']) await run(`+ ${fmtInt(slowCount)} slow, unbuffered`, '/unbuffered/slow')

  const rows = [['normal client', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'slow clients still sending']]
  const f = (n) => (Number.isNaN(n) ? 'n/a' : fmtMs(n))
  for (const { label, r, open, closedEarly } of results) {
    // No request completed: wrk has no latency to report (it prints zeros).
    const starved = r.requests === 0
    rows.push([
      label,
      fmtInt(r.rps),
      starved ? 'n/a' : f(r.p50),
      starved ? 'n/a' : f(r.p99),
      starved ? 'n/a' : f(r.max),
      starved ? 'all (starved)' : String(r.socketErrors + r.non2xx),
      open === undefined ? '-' : `${fmtInt(open)}${closedEarly ? ` (${closedEarly} cut)` : ''}`,
    ])
  }
  console.log('')
  printTable(rows)
  const [alone, buffered] = results
  if (alone && buffered)
    console.log(
      `\nnormal client p99: ${f(alone.r.p99)} ms alone, ${f(buffered.r.p99)} ms beside ${fmtInt(slowCount)} slow-body clients (request_buffering, the default)`,
    )
  await stopChild(gw.child, 15_000)
}

await runBench({ name: 'bench/slow-clients', keep: opts.keep }, main)

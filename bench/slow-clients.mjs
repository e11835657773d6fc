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
  fmtInt,
  fmtMs,
  httpGet,
  makeTempDir,
  optionReaders,
  pause,
  printBanner,
  printTable,
  runBench,
  splitAddress,
  startGatewayServe,
  startUpstream,
  startWrk,
  stopChild,
  wasInterrupted,
  wrkRunOptions,
  wrkRunSetup,
} from './lib.mjs'

const NAME = 'bench/slow-clients'
const { values: opts } = parseArgs({
  options: {
    slow: { type: 'string', default: '1000' },
    body: { type: 'string', default: String(1024 * 1024) },
    interval: { type: 'string', default: '1000' },
    'no-unbuffered': { type: 'boolean', default: false },
    ...wrkRunOptions(),
  },
})
if (opts.help) {
  console.log(
    'usage: node bench/slow-clients.mjs [--slow 1000] [--body 1048576] [--interval 1000] [--duration 10s] [--warmup 3s]\n' +
      '                                   [--connections 50] [--threads 1] [--no-unbuffered] [--no-pin] [--keep]',
  )
  process.exit(0)
}
const { integer } = optionReaders(NAME)
const slowCount = integer('slow', opts.slow, 1)
const bodyBytes = integer('body', opts.body, 2)
const intervalMs = integer('interval', opts.interval, 1)
const setup = wrkRunSetup(NAME, opts, 'bench:slow-clients')
const { duration, warmup, connections, threads, pinned } = setup

// ---------------------------------------------------------------------------
// Slow clients: raw sockets in this process, one timer for all of them.

/**
 * Opens `n` connections to `address`, each starting a POST to `path` with a
 * `bodyBytes` Content-Length, then writing one byte every `intervalMs`.
 * Resolves once every one is connected and has sent its first body byte.
 */
async function slowClients(address, path, n) {
  const { host, port } = splitAddress(address)
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

/** wrk's figures; a starved run (no request completed) gives lib's STARVED figures. */
function measure(address, path, secs) {
  return startWrk({ bin: setup.wrk, pinned, threads, connections, secs, url: `http://${address}${path}`, starved: true }).done
}

async function main() {
  printBanner(
    NAME,
    setup,
    `normal client: wrk -t${threads} -c${connections} -d${duration}s GET; slow clients: ${fmtInt(slowCount)} x POST ${fmtInt(bodyBytes)} bytes, 1 byte / ${intervalMs} ms`,
  )
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
  const gw = await startGatewayServe(pinned, config)
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

await runBench({ name: NAME, keep: opts.keep }, main)

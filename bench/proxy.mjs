#!/usr/bin/env node
// Benchmark (not a test): proxy throughput and latency of the gateway against
// a bare Node proxy and fastify + @fastify/http-proxy, in one run, one target
// after another under the same load.
//
//   npm run bench                                  (builds, then this script)
//   node bench/proxy.mjs --duration 5s             (quick run)
//   node bench/proxy.mjs --reverse                 (targets in reverse order)
//   node bench/proxy.mjs --rounds 2                (each round alternates the order)
//
// Targets, each started in its own process, measured, then stopped:
//   upstream     the upstream directly (node:http, 100-byte body, keep-alive)
//   bare         node:http + undici Pool dispatch (bench/bare-proxy.mjs): the floor
//   fastify      fastify + @fastify/http-proxy, default options (bench/fastify-http-proxy.mjs)
//   gateway      `gateway serve` with a one-route config
//   gateway-10k  `gateway serve` with 10,000 services, one route each (/svc-N);
//                the measured route is the one in the middle
// All proxied targets get the same request path, /svc-<middle>/bench.
//
// Load: wrk -t1 -c50 -d10s --latency (after a warm-up run per target). When wrk
// is missing, autocannon is used if it is installed (PATH or node_modules/.bin);
// otherwise the script stops and says to install wrk. With taskset and at least
// two cores, the measured process runs alone on core 1 and the load generator
// and the upstream on core 0 (the upstream moves to core 1 while it is itself
// the target).
//
// Options:
//   --duration D      measured run per target (default 10s; 5s, 30s, 1m, or seconds)
//   --warmup D        warm-up run per target (default 3s; 0 to skip)
//   --connections N   concurrent connections (default 50)
//   --threads N       wrk threads (default 1)
//   --routes N        routes in the large gateway config (default 10000)
//   --targets LIST    comma-separated subset/order of the targets above
//   --reverse         run the targets in reverse order
//   --rounds N        repeat; odd rounds use the reverse order; the summary is the mean
//   --loader NAME     auto (default), wrk or autocannon
//   --no-pin          do not use taskset
//   --cpu-prof DIR    run the Node targets (bare, fastify, gateway*) under
//                     `node --cpu-prof --cpu-prof-dir DIR` (profiles are written at stop)
//   --keep            keep the generated gateway configs (their paths are printed)
//
// Targets: gateway req/s >= 80% of bare, gateway p99 <= 1.5x bare, 10k routes
// req/s within 5% of 1 route. A miss is reported, not failed: the script exits
// 0 unless something cannot run (then 1; usage errors 2).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  BENCH,
  LOAD_CORE,
  NODE,
  ROOT,
  TARGET_CORE,
  distBuilt,
  fmtInt,
  fmtMs,
  gatewayServeArgs,
  gatewayStarted,
  httpGet,
  listening,
  loadAverage,
  makeTempDir,
  optionReaders,
  pinning,
  printTable,
  runBench,
  spawnCaptured,
  startServer,
  startUpstream,
  startWrk,
  stopChild,
  wasInterrupted,
  which,
  wrkVersion,
} from './lib.mjs'

const TARGET_RPS_RATIO = 0.8
const TARGET_P99_RATIO = 1.5
const TARGET_10K_DELTA = 0.05

const ALL_TARGETS = ['upstream', 'bare', 'fastify', 'gateway', 'gateway-10k']
const LABELS = {
  upstream: 'upstream (direct)',
  bare: 'bare node proxy (undici)',
  fastify: 'fastify + @fastify/http-proxy',
  gateway: 'gateway, 1 route',
  'gateway-10k': 'gateway, many routes', // set from --routes below
}

// ---------------------------------------------------------------------------
// Options

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '3s' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '1' },
    routes: { type: 'string', default: '10000' },
    targets: { type: 'string', default: ALL_TARGETS.join(',') },
    reverse: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    loader: { type: 'string', default: 'auto' },
    'no-pin': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log(
    'usage: node bench/proxy.mjs [--duration 10s] [--warmup 3s] [--connections 50] [--threads 1] [--routes 10000]\n' +
      '                            [--targets upstream,bare,fastify,gateway,gateway-10k] [--reverse] [--rounds N]\n' +
      '                            [--loader auto|wrk|autocannon] [--no-pin] [--cpu-prof DIR] [--keep]',
  )
  process.exit(0)
}

const { usage, seconds, integer } = optionReaders('bench/proxy')
const duration = seconds('duration', opts.duration, 1)
const warmup = seconds('warmup', opts.warmup, 0)
const connections = integer('connections', opts.connections, 1)
const threads = integer('threads', opts.threads, 1)
const routeCount = integer('routes', opts.routes, 1)
const rounds = integer('rounds', opts.rounds, 1)
LABELS['gateway-10k'] = `gateway, ${routeCount.toLocaleString('en-US')} routes`
if (threads > connections) usage('--threads must not exceed --connections')
const targets = opts.targets
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean)
for (const t of targets) if (!ALL_TARGETS.includes(t)) usage(`unknown target '${t}' (known: ${ALL_TARGETS.join(', ')})`)
if (new Set(targets).size !== targets.length) usage('--targets lists a target twice')
if (opts.reverse) targets.reverse()
if (!['auto', 'wrk', 'autocannon'].includes(opts.loader)) usage(`--loader must be auto, wrk or autocannon, got '${opts.loader}'`)

const MIDDLE = Math.floor(routeCount / 2)
const REQUEST_PATH = `/svc-${MIDDLE}/bench`

// ---------------------------------------------------------------------------
// Tools: load generator, taskset

const WRK = which('wrk')
const AUTOCANNON = which('autocannon', [join(ROOT, 'node_modules', '.bin')])
let loader
if (opts.loader === 'wrk' || opts.loader === 'auto') {
  if (WRK) loader = { name: 'wrk', bin: WRK }
  else if (opts.loader === 'wrk') {
    console.error('bench/proxy: wrk not found. Install it: apt-get update && apt-get install -y wrk')
    process.exit(1)
  }
}
if (!loader && (opts.loader === 'autocannon' || opts.loader === 'auto')) {
  if (AUTOCANNON) loader = { name: 'autocannon', bin: AUTOCANNON }
}
if (!loader) {
  console.error(
    'bench/proxy: no load generator found. Install wrk (the reference one for these figures):\n' +
      '  apt-get update && apt-get install -y wrk\n' +
      '(autocannon is used as a fallback only when it is already installed.)',
  )
  process.exit(1)
}

const { taskset: TASKSET, cores: CORES, pin, pinned, repin } = pinning(opts['no-pin'])

if (targets.some((t) => t.startsWith('gateway')) && !distBuilt()) {
  console.error('bench/proxy: dist/ is missing: build first with `npx tsc -p tsconfig.json` (or use `npm run bench`)')
  process.exit(1)
}

// ---------------------------------------------------------------------------
// Targets

function gatewayConfig(n, upstream) {
  const parts = ['_format_version: "3.0"\nservices:\n']
  const one = (i) => `- name: svc-${i}\n` + `  url: http://${upstream}\n` + `  routes:\n` + `  - name: route-${i}\n` + `    paths:\n` + `    - /svc-${i}\n`
  if (n === 1) parts.push(one(MIDDLE))
  else for (let i = 0; i < n; i++) parts.push(one(i))
  return parts.join('')
}

const cpuProf = (name) => (opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', opts['cpu-prof'], '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [])

async function startTarget(name, env) {
  const up = `http://${env.upstream.address}`
  switch (name) {
    case 'upstream':
      return { address: env.upstream.address, stop: async () => {} }
    case 'bare':
    case 'fastify': {
      const script = join(BENCH, name === 'bare' ? 'bare-proxy.mjs' : 'fastify-http-proxy.mjs')
      const [cmd, args] = pinned(TARGET_CORE, NODE, [...cpuProf(name), script, '--upstream', up, '--listen', '127.0.0.1:0'])
      const s = await startServer(name, cmd, args, listening)
      return { address: s.address, pid: s.child.pid, stop: () => stopChild(s.child) }
    }
    case 'gateway':
    case 'gateway-10k': {
      const file = name === 'gateway' ? env.config1 : env.configN
      const [cmd, args] = pinned(TARGET_CORE, NODE, [...cpuProf(name), ...gatewayServeArgs(file)])
      const s = await startServer(name, cmd, args, gatewayStarted)
      return { address: s.address, pid: s.child.pid, stop: () => stopChild(s.child, 15_000) }
    }
  }
  throw new Error(`unknown target ${name}`)
}

/** One plain request (no keep-alive) through the target: 200 and the upstream's 100-byte body. */
async function probe(address) {
  const r = await httpGet(`http://${address}${REQUEST_PATH}`)
  const bytes = Buffer.byteLength(r.body)
  if (r.status !== 200 || bytes !== 100)
    throw new Error(`GET ${REQUEST_PATH} via ${address}: ${r.status}, ${bytes}-byte body (want 200, 100 bytes): ${r.body.slice(0, 200)}`)
}

// ---------------------------------------------------------------------------
// Load generator

async function load(address, secs) {
  const url = `http://${address}${REQUEST_PATH}`
  if (loader.name === 'wrk') {
    const r = await startWrk({ bin: loader.bin, pinned, threads, connections, secs, url }).done
    return { rps: r.rps, p50: r.p50, p99: r.p99, requests: r.requests, errors: r.socketErrors + r.non2xx }
  }
  const [cmd, args] = pinned(LOAD_CORE, loader.bin, ['-c', String(connections), '-d', String(secs), '-j', url])
  const r = await spawnCaptured(cmd, args).done
  if (r.code !== 0) throw new Error(`autocannon failed (${r.code ?? r.signal}): ${r.stderr}`)
  const j = JSON.parse(r.stdout)
  return {
    rps: j.requests.average,
    p50: j.latency.p50,
    p99: j.latency.p99,
    requests: j.requests.total,
    errors: (j.errors ?? 0) + (j.timeouts ?? 0) + (j.non2xx ?? 0),
  }
}

// ---------------------------------------------------------------------------
// Report

const pct = (r) => `${(r * 100).toFixed(1)}%`
const times = (r) => `${r.toFixed(2)}x`

function table(results, title) {
  const bare = results.bare
  const rows = [['target', 'req/s', 'p50 ms', 'p99 ms', 'req/s vs bare', 'p99 vs bare', 'errors']]
  for (const t of ALL_TARGETS) {
    const r = results[t]
    if (!r) continue
    rows.push([
      LABELS[t],
      fmtInt(r.rps),
      fmtMs(r.p50),
      fmtMs(r.p99),
      bare ? pct(r.rps / bare.rps) : '-',
      bare ? times(r.p99 / bare.p99) : '-',
      String(Math.round(r.errors)),
    ])
  }
  console.log(`\n${title}\n`)
  printTable(rows)
}

function verdicts(results) {
  const lines = []
  const check = (label, value, ok) => lines.push([label, value, ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS'])
  const { bare, gateway: g1, 'gateway-10k': g10k } = results
  for (const [g, name] of [
    [g1, 'gateway, 1 route'],
    [g10k, LABELS['gateway-10k']],
  ]) {
    if (!g || !bare) continue
    check(`${name}: req/s >= ${TARGET_RPS_RATIO * 100}% of bare`, pct(g.rps / bare.rps), g.rps / bare.rps >= TARGET_RPS_RATIO)
    check(`${name}: p99 <= ${TARGET_P99_RATIO}x bare`, times(g.p99 / bare.p99), g.p99 / bare.p99 <= TARGET_P99_RATIO)
  }
  if (g1 && g10k) {
    const d = g10k.rps / g1.rps - 1
    check(
      `${routeCount.toLocaleString('en-US')} routes: req/s within ${TARGET_10K_DELTA * 100}% of 1 route`,
      `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)}% (p99 ${times(g10k.p99 / g1.p99)})`,
      Math.abs(d) <= TARGET_10K_DELTA,
    )
  }
  if (lines.length === 0) return
  const w0 = Math.max(...lines.map((l) => l[0].length))
  const w1 = Math.max(...lines.map((l) => l[1].length))
  console.log('\ntargets:')
  for (const [a, b, c] of lines) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`)
  const bad = Object.entries(results).filter(([, r]) => r.errors > 0)
  if (bad.length) console.log(`\nwarning: errors or non-2xx responses for ${bad.map(([t]) => t).join(', ')}: their figures are not comparable`)
}

/** The ratios the targets use, round by round: the drift a mean hides. */
function perRound(all) {
  const median = (xs) => {
    const v = [...xs].sort((a, b) => a - b)
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
  }
  const rows = []
  const add = (label, a, b) => {
    if (!all.every((r) => r[a] && r[b])) return
    const xs = all.map((r) => r[a].rps / r[b].rps)
    rows.push(`  ${label}: ${xs.map(pct).join(', ')} (median ${pct(median(xs))})`)
  }
  add('gateway, 1 route / bare', 'gateway', 'bare')
  add(`${LABELS['gateway-10k']} / bare`, 'gateway-10k', 'bare')
  add(`${LABELS['gateway-10k']} / 1 route`, 'gateway-10k', 'gateway')
  if (rows.length) console.log(`\nreq/s ratios per round:\n${rows.join('\n')}`)
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const loadName = loader.name === 'wrk' ? wrkVersion(loader.bin) : 'autocannon'
  console.log(`bench/proxy: node ${process.version}, ${CORES} cores, load: ${loadName}`)
  console.log(
    `  ${loader.name} -t${threads} -c${connections} -d${duration}s (warm-up ${warmup}s per target), path ${REQUEST_PATH}, ${rounds} round(s)\n` +
      `  ${pin ? `pinned: measured process on core ${TARGET_CORE}, load generator and upstream on core ${LOAD_CORE}` : `not pinned (${!TASKSET ? (opts['no-pin'] ? '--no-pin' : 'no taskset') : 'fewer than 2 cores'}): figures are noisier`}`,
  )
  console.log(`  load average before: ${loadAverage()} (the machine should be otherwise idle)`)
  if (loader.name !== 'wrk') console.log('  note: autocannon figures are not comparable with the wrk baseline in NOTES.md')

  const tmp = await makeTempDir('bench-proxy-')
  const upstream = await startUpstream(pinned)
  const env = { upstream: { address: upstream.address, pid: upstream.child.pid } }
  env.config1 = join(tmp, 'gateway-1.yml')
  env.configN = join(tmp, `gateway-${routeCount}.yml`)
  await writeFile(env.config1, gatewayConfig(1, upstream.address))
  await writeFile(env.configN, gatewayConfig(routeCount, upstream.address))
  if (opts.keep) console.log(`  configs: ${env.config1}, ${env.configN}`)

  const all = []
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    console.log(`\nround ${round + 1}/${rounds}: ${order.join(' -> ')}`)
    const results = {}
    for (const name of order) {
      if (wasInterrupted()) return
      const t0 = Date.now()
      const target = await startTarget(name, env)
      const started = Date.now() - t0
      // The upstream as target: alone on the measured core for this run.
      if (name === 'upstream') repin(env.upstream.pid, TARGET_CORE)
      try {
        await probe(target.address)
        if (warmup > 0) await load(target.address, warmup)
        const r = await load(target.address, duration)
        results[name] = r
        console.log(
          `  ${LABELS[name].padEnd(30)} ${fmtInt(r.rps).padStart(7)} req/s  p50 ${fmtMs(r.p50).padStart(5)} ms  p99 ${fmtMs(r.p99).padStart(5)} ms` +
            `${r.errors ? `  ${r.errors} errors` : ''}${name.startsWith('gateway') ? `  (started in ${(started / 1000).toFixed(1)} s)` : ''}`,
        )
      } finally {
        if (name === 'upstream') repin(env.upstream.pid, LOAD_CORE)
        await target.stop()
      }
    }
    all.push(results)
    if (rounds > 1) table(results, `round ${round + 1}: ${order.join(' -> ')}`)
  }

  let summary = all[0]
  if (rounds > 1) {
    summary = {}
    for (const t of targets) {
      const rs = all.map((r) => r[t])
      const mean = (k) => rs.reduce((a, r) => a + r[k], 0) / rs.length
      summary[t] = { rps: mean('rps'), p50: mean('p50'), p99: mean('p99'), errors: rs.reduce((a, r) => a + r.errors, 0) }
    }
  }
  console.log(`\nload average after: ${loadAverage()}`)
  table(summary, rounds > 1 ? `mean of ${rounds} rounds` : `results (${targets.join(' -> ')})`)
  verdicts(summary)
  if (rounds > 1) perRound(all)
  if (opts['cpu-prof']) console.log(`\ncpu profiles (warm-up and start-up included): ${opts['cpu-prof']}`)
}

await runBench({ name: 'bench/proxy', keep: opts.keep }, main)

#!/usr/bin/env node
// Benchmark (not a test): what the protocols of issue 15 cost through the gateway, in
// one run, each target a fresh process under the same load and pinning:
//
//   HTTP/2 against HTTP/1.1. h2load (nghttp2-client) drives both: `h2load` for h2 and
//   `h2load --h1` for HTTP/1.1, against the same gateway listener, so tool, TLS and
//   listener are the same and the ratio is the protocol's. On the TLS listener
//   (`--tls-listen`, h2 by ALPN) and on a cleartext listener with Kong's `http2`
//   option (h2c by prior knowledge, HTTP/1.1 on the same port). The upstream is
//   bench/upstream.mjs (100-byte body; the gateway reaches it over HTTP/1.1 in
//   every row, as Kong does); a direct HTTP/1.1 row gives the scale.
//   gRPC. Unary calls/s through the gateway (an h2c `http2` listener, a
//   `protocols: [grpc]` route, a `grpc://` service) against the same @grpc/grpc-js
//   server called directly (bench/grpc-upstream.mjs, 100-byte reply), both driven
//   by bench/grpc-load.mjs (grpc-js clients, closed loop). grpc-js costs a lot of
//   CPU per call on both sides, and in the gateway rows the client and the gRPC
//   server share the load core: on a small machine that core, not the gateway, can
//   set the figure. The same pair driven by h2load (POSTs of the same gRPC message,
//   `content-type: application/grpc`, `te: trailers`) takes the client's share
//   away; the gateway's CPU per call (from /proc) does not depend on either. h2load
//   counts an HTTP 200 as a success and does not read grpc-status: the grpc-js
//   probe before each gRPC target checks the answer.
//
//   npm run bench:protocols                         (builds, then this script)
//   node bench/protocols.mjs --duration 5s          (quick run)
//   node bench/protocols.mjs --targets tls-h1,tls-h2 --rounds 3
//
// Load. Every target gets --concurrency requests in flight (default 50, as wrk's
// 50 connections in bench/proxy.mjs, so the HTTP/1.1 rows compare with that
// bench). HTTP/1.1 carries one request per connection at a time (no pipelining,
// as browsers and Node clients do): 50 connections. h2 is measured two ways:
// multiplexed, 50 / --streams connections with --streams (default 10) streams
// each (5 x 10), which is how h2 clients and gRPC channels use it (few
// connections, many streams; 10 stays far below the 128 concurrent streams the
// gateway allows, so no stream waits for a slot); and one stream per connection on
// 50 connections (rows "x 1"), the same shape as HTTP/1.1, which isolates the
// framing (HPACK, streams, flow control) from the multiplexing. gRPC: 50 calls in
// flight over --streams-sized channels (5 channels x 10 calls). Each target runs a
// warm-up (--warmup) before the measured run (--duration; h2load runs are sized
// in requests from the warm-up's rate, so they last about that). h2load and grpc-load
// use one thread each; with taskset and two cores or more the measured process
// (gateway, or the upstream itself for the direct rows) runs alone on core 1,
// the load generator and the upstream on core 0, as in the other benches.
//
// Targets (--targets picks a subset and order):
//   upstream       bench/upstream.mjs directly, HTTP/1.1 (scale)
//   tls-h1         gateway TLS listener, HTTP/1.1 (ALPN http/1.1)
//   tls-h2         gateway TLS listener, h2, multiplexed
//   tls-h2-1       gateway TLS listener, h2, one stream per connection
//   plain-h1       gateway `http2` cleartext listener, HTTP/1.1
//   h2c            gateway `http2` cleartext listener, h2c, multiplexed
//   h2c-1          gateway `http2` cleartext listener, h2c, one stream per connection
//   grpc-direct    the gRPC server directly
//   grpc-gateway   the same gRPC server through the gateway
//   grpc-direct-h2load, grpc-gateway-h2load   the same two, h2load as the client
// Before measuring, one request (or gRPC call, with a 5 s deadline) goes through
// the target; a failure stops the run.
//
// Options:
//   --duration D      measured run per target (default 10s; 5s, 30s, 1m, or seconds)
//   --warmup D        warm-up run per target (default 3s; 0 to skip)
//   --concurrency N   requests (calls) in flight (default 50)
//   --streams N       h2 streams per connection and gRPC calls per channel in the
//                     multiplexed rows (default 10; must divide --concurrency)
//   --targets LIST    comma-separated subset/order of the targets above
//   --rounds N        repeat; odd rounds use the reverse order; the summary is the mean
//   --no-pin          do not use taskset
//   --cpu-prof DIR    run the gateways under `node --cpu-prof --cpu-prof-dir DIR`
//   --keep            keep the generated configs (their paths are printed)
//
// Besides req/s and latency (h2load's per-request log for p50/p99), the table gives
// the gateway's CPU time per request (user + system from /proc over the measured
// run), steadier than req/s on a machine that is not idle. Nothing is a pass/fail
// target: the script exits 0 unless something cannot run (then 1; usage errors 2).
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  BENCH,
  GATEWAY,
  LOAD_CORE,
  NODE,
  TARGET_CORE,
  cpuSeconds,
  distBuilt,
  fmtInt,
  fmtMs,
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
  stopChild,
  wasInterrupted,
  which,
} from './lib.mjs'
import { GRPC_METHOD, GRPC_REQUEST } from './grpc-common.mjs'

const REQUEST_PATH = '/bench/protocols'
const GRPC_HEADERS = ['-H', 'content-type: application/grpc', '-H', 'te: trailers']

// name -> { label(run), via: 'upstream' | 'tls' | 'plain' | 'grpc-direct' | 'grpc-gateway', h1, mux, grpcJs }
const TARGETS = {
  upstream: { label: () => 'upstream directly, HTTP/1.1', via: 'upstream', h1: true },
  'tls-h1': { label: () => 'gateway TLS, HTTP/1.1', via: 'tls', h1: true },
  'tls-h2': { label: (r) => `gateway TLS, h2 (${r.concurrency / r.streams} conns x ${r.streams})`, via: 'tls', mux: true },
  'tls-h2-1': { label: (r) => `gateway TLS, h2 (${r.concurrency} conns x 1)`, via: 'tls' },
  'plain-h1': { label: () => 'gateway http2 listener, HTTP/1.1', via: 'plain', h1: true },
  h2c: { label: (r) => `gateway http2 listener, h2c (${r.concurrency / r.streams} conns x ${r.streams})`, via: 'plain', mux: true },
  'h2c-1': { label: (r) => `gateway http2 listener, h2c (${r.concurrency} conns x 1)`, via: 'plain' },
  'grpc-direct': { label: (r) => `gRPC directly, grpc-js (${r.concurrency / r.streams} channels x ${r.streams})`, via: 'grpc-direct', grpcJs: true },
  'grpc-gateway': { label: (r) => `gRPC via gateway, grpc-js (${r.concurrency / r.streams} channels x ${r.streams})`, via: 'grpc-gateway', grpcJs: true },
  'grpc-direct-h2load': { label: (r) => `gRPC directly, h2load (${r.concurrency / r.streams} conns x ${r.streams})`, via: 'grpc-direct', mux: true },
  'grpc-gateway-h2load': { label: (r) => `gRPC via gateway, h2load (${r.concurrency / r.streams} conns x ${r.streams})`, via: 'grpc-gateway', mux: true },
}
const ALL_TARGETS = Object.keys(TARGETS)
const GRPC_TARGETS = ['grpc-direct', 'grpc-gateway', 'grpc-direct-h2load', 'grpc-gateway-h2load']

/** [row, baseline, what the ratio says]: the ratios printed under the table. */
const RATIOS = [
  ['tls-h2', 'tls-h1', 'TLS: h2 multiplexed / HTTP/1.1'],
  ['tls-h2-1', 'tls-h1', 'TLS: h2 one stream per connection / HTTP/1.1'],
  ['h2c', 'plain-h1', 'cleartext: h2c multiplexed / HTTP/1.1'],
  ['h2c-1', 'plain-h1', 'cleartext: h2c one stream per connection / HTTP/1.1'],
  ['grpc-gateway', 'grpc-direct', 'gRPC (grpc-js client): through the gateway / direct'],
  ['grpc-gateway-h2load', 'grpc-direct-h2load', 'gRPC (h2load): through the gateway / direct'],
]

// ---------------------------------------------------------------------------
// Options

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '3s' },
    concurrency: { type: 'string', default: '50' },
    streams: { type: 'string', default: '10' },
    targets: { type: 'string', default: ALL_TARGETS.join(',') },
    rounds: { type: 'string', default: '1' },
    'no-pin': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log(
    'usage: node bench/protocols.mjs [--duration 10s] [--warmup 3s] [--concurrency 50] [--streams 10]\n' +
      `                                [--targets ${ALL_TARGETS.join(',')}]\n` +
      '                                [--rounds N] [--no-pin] [--cpu-prof DIR] [--keep]',
  )
  process.exit(0)
}

const { usage, seconds, integer } = optionReaders('bench/protocols')
const run = {
  duration: seconds('duration', opts.duration, 1),
  warmup: seconds('warmup', opts.warmup, 0),
  concurrency: integer('concurrency', opts.concurrency, 1),
  streams: integer('streams', opts.streams, 1),
}
const rounds = integer('rounds', opts.rounds, 1)
if (run.concurrency % run.streams !== 0) usage(`--streams (${run.streams}) must divide --concurrency (${run.concurrency})`)
const targets = opts.targets
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean)
if (targets.length === 0) usage('--targets is empty')
for (const t of targets) if (!Object.hasOwn(TARGETS, t)) usage(`unknown target '${t}' (known: ${ALL_TARGETS.join(', ')})`)
if (new Set(targets).size !== targets.length) usage('--targets lists a target twice')

const H2LOAD = which('h2load')
if (!H2LOAD && targets.some((t) => !TARGETS[t].grpcJs)) {
  console.error(
    'bench/protocols: h2load not found (it drives the HTTP/1.1 and HTTP/2 rows). Install it:\n' +
      '  apt-get update && apt-get install -y nghttp2-client\n' +
      '(or run only the gRPC rows: --targets grpc-direct,grpc-gateway)',
  )
  process.exit(1)
}
if (!distBuilt()) {
  console.error('bench/protocols: dist/ is missing: build first with `npx tsc -p tsconfig.json` (or use `npm run bench:protocols`)')
  process.exit(1)
}
const { taskset: TASKSET, cores: CORES, pin, pinned, repin } = pinning(opts['no-pin'])

// ---------------------------------------------------------------------------
// Configs and processes

function httpConfig(upstream) {
  return (
    '_format_version: "3.0"\n' +
    'services:\n' +
    '- name: bench\n' +
    `  url: http://${upstream}\n` +
    '  routes:\n' +
    '  - name: bench\n' +
    '    paths:\n' +
    '    - /bench\n'
  )
}

// Kong refuses strip_path on gRPC routes: the path is the method's.
function grpcConfig(upstream) {
  return (
    '_format_version: "3.0"\n' +
    'services:\n' +
    '- name: grpc\n' +
    `  url: grpc://${upstream}\n` +
    '  routes:\n' +
    '  - name: grpc\n' +
    '    protocols: [grpc]\n' +
    '    strip_path: false\n' +
    '    paths:\n' +
    '    - /hello.HelloService/\n'
  )
}

const cpuProf = (name) => (opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', opts['cpu-prof'], '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [])

/** `gateway serve` on `config` with a cleartext `http2` listener and a TLS listener, on the target core. */
async function startGateway(name, config) {
  const args = [GATEWAY, 'serve', '--config', config, '--listen', '127.0.0.1:0 http2', '--tls-listen', '127.0.0.1:0', '--admin-listen', 'off']
  const [cmd, argv] = pinned(TARGET_CORE, NODE, [...cpuProf(name), ...args])
  const s = await startServer(`gateway (${name})`, cmd, argv, (m) => (m.msg === 'gateway started' ? m : undefined))
  return { plain: s.msg.proxy[0], tls: s.msg.tls[0], pid: s.child.pid, stop: () => stopChild(s.child, 15_000) }
}

/** bench/grpc-upstream.mjs on the load core. */
function startGrpcUpstream() {
  const [cmd, args] = pinned(LOAD_CORE, NODE, [join(BENCH, 'grpc-upstream.mjs'), '--listen', '127.0.0.1:0'])
  return startServer('grpc-upstream', cmd, args, listening)
}

// ---------------------------------------------------------------------------
// Load generators

const H2LOAD_VERSION = H2LOAD ? spawnSync(H2LOAD, ['--version'], { encoding: 'utf8' }).stdout.trim() || 'h2load' : 'h2load (absent)'

/** The h2load arguments of a target: HTTP/1.1 on `concurrency` connections, h2 as the target's shape. */
function h2loadShape(target, grpcBody) {
  if (grpcBody) return ['-c', String(run.concurrency / run.streams), '-m', String(run.streams), '-d', grpcBody, ...GRPC_HEADERS]
  if (target.h1) return ['--h1', '-c', String(run.concurrency), '-m', '1']
  if (target.mux) return ['-c', String(run.concurrency / run.streams), '-m', String(run.streams)]
  return ['-c', String(run.concurrency), '-m', '1']
}

/**
 * One h2load run of `n` requests; with `log`, p50/p99 come from its per-request log
 * (microseconds). Request counts, not h2load's `-D` duration: h2load 1.52's timed mode
 * hangs at its end against a TLS HTTP/1.1 listener when the warm-up is short or
 * absent (it stops its clients and never exits), so the run is sized from the rate
 * its warm-up measured (see `h2loadTarget`). A run still going after `limitSecs` is
 * killed and fails the benchmark.
 */
async function h2load(target, url, n, log, limitSecs, grpcBody) {
  const args = ['-t', '1', ...h2loadShape(target, grpcBody), '-n', String(n), ...(log ? ['--log-file', log] : []), url]
  const [cmd, argv] = pinned(LOAD_CORE, H2LOAD, args)
  const { child, done } = spawnCaptured(cmd, argv)
  const guard = setTimeout(() => child.kill('SIGKILL'), limitSecs * 1000)
  const r = await done.finally(() => clearTimeout(guard))
  const o = r.stdout
  const finished = /finished in ([\d.]+(?:us|ms|s)), ([\d.]+) req\/s/.exec(o)
  const reqs = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(o)
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(o)
  const mean = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(o)
  if (r.code !== 0 || !finished || !reqs || !codes)
    throw new Error(
      `h2load ${args.join(' ')} failed (${r.code ?? r.signal}${r.signal === 'SIGKILL' ? `: still running after ${limitSecs} s` : ''}):\n${r.stderr || o}`,
    )
  const completed = Number(reqs[2])
  if (completed === 0) throw new Error(`h2load ${args.join(' ')}: no request completed:\n${o}`)
  const errors = Number(reqs[4]) + Number(reqs[5]) + Number(reqs[6]) + Number(codes[2]) + Number(codes[3]) + Number(codes[4])
  let p50 = NaN
  let p99 = NaN
  if (log) {
    // Lines: start time (µs), status, duration (µs).
    const us = (await readFile(log, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => Number(l.split('\t')[2]))
      .sort((a, b) => a - b)
    const at = (p) => us[Math.min(us.length - 1, Math.floor((p / 100) * us.length))] / 1000
    p50 = at(50)
    p99 = at(99)
  }
  return { secs: latencyMs(finished[1]) / 1000, rps: Number(finished[2]), requests: completed, p50, p99, mean: mean ? latencyMs(mean[1]) : NaN, errors }
}

/**
 * The h2load load of a target: warm-up runs until --warmup seconds are spent (at
 * least one run, which also gives the rate), then `measured()`, one run sized to
 * last about --duration at that rate.
 */
function h2loadTarget(target, url, grpcBody) {
  const floor = Math.max(500, run.concurrency * 10)
  let rate
  return {
    async warmup() {
      let spent = 0
      let n = floor
      do {
        const r = await h2load(target, url, n, undefined, 120, grpcBody)
        spent += r.secs
        rate = r.rps
        n = Math.max(floor, Math.round(rate * Math.min(2, run.warmup - spent)))
      } while (spent < run.warmup)
    },
    measured(log) {
      return h2load(target, url, Math.max(floor, Math.round(rate * run.duration)), log, run.duration * 5 + 60, grpcBody)
    },
  }
}

const UNIT = { us: 1e-3, ms: 1, s: 1e3 }
/** Milliseconds from an h2load figure like 812us, 1.20ms or 2.00s. */
function latencyMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text)
  return m ? Number(m[1]) * UNIT[m[2]] : NaN
}

/** One bench/grpc-load.mjs run of `secs` against `address`. */
async function grpcLoad(address, secs) {
  const args = [
    join(BENCH, 'grpc-load.mjs'),
    '--target',
    address,
    '--channels',
    String(run.concurrency / run.streams),
    '--concurrency',
    String(run.concurrency),
    '--duration',
    String(secs),
  ]
  const [cmd, argv] = pinned(LOAD_CORE, NODE, args)
  const r = await spawnCaptured(cmd, argv).done
  const line = r.stdout.trim().split('\n').at(-1)
  if (r.code !== 0 || !line) throw new Error(`grpc-load against ${address} failed (${r.code ?? r.signal}):\n${r.stderr || r.stdout}`)
  const j = JSON.parse(line)
  if (j.calls === 0) throw new Error(`grpc-load against ${address}: no call completed`)
  return { rps: j.rps, requests: j.calls, p50: j.p50, p99: j.p99, mean: j.mean, errors: j.errors, firstError: j.firstError }
}

/** One call, its result or the reason it failed: the probe before a gRPC target is measured. */
async function grpcProbe(address) {
  const args = [join(BENCH, 'grpc-load.mjs'), '--target', address, '--channels', '1', '--concurrency', '1', '--duration', '0.2', '--deadline', '5000']
  const r = await spawnCaptured(NODE, args).done
  const line = r.stdout.trim().split('\n').at(-1)
  if (r.code !== 0 || !line) return (r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.code ?? r.signal}`
  const j = JSON.parse(line)
  return j.errors > 0 ? j.firstError : undefined
}

/** One plain HTTP/1.1 GET through `address`: 200 and the upstream's 100-byte body, or the run stops. */
async function httpProbe(address) {
  const r = await httpGet(`http://${address}${REQUEST_PATH}`)
  if (r.status !== 200 || Buffer.byteLength(r.body) !== 100)
    throw new Error(`GET ${REQUEST_PATH} via ${address}: ${r.status} ${r.body.slice(0, 200)} (want 200 and 100 bytes)`)
}

// ---------------------------------------------------------------------------
// One target

async function measure(name, env) {
  const target = TARGETS[name]
  const grpc = GRPC_TARGETS.includes(name)
  let address // host:port for grpc-js, a URL for h2load
  let gateway
  let moved
  if (target.via === 'upstream') {
    address = `http://${env.upstream.address}${REQUEST_PATH}`
    moved = env.upstream.pid
  } else if (target.via === 'grpc-direct') {
    address = env.grpc.address
    moved = env.grpc.pid
  } else {
    gateway = await startGateway(name, grpc ? env.grpcConfig : env.httpConfig)
    if (grpc) address = gateway.plain
    else address = `${target.via === 'tls' ? 'https' : 'http'}://${target.via === 'tls' ? gateway.tls : gateway.plain}${REQUEST_PATH}`
  }
  // The upstream as target: alone on the measured core for this run.
  if (moved) repin(moved, TARGET_CORE)
  try {
    if (grpc) {
      const failed = await grpcProbe(address)
      if (failed) throw new Error(`${name}: a gRPC call to ${address} failed: ${failed}`)
    } else if (gateway) await httpProbe(gateway.plain)
    const load = target.grpcJs
      ? { warmup: () => run.warmup > 0 && grpcLoad(address, run.warmup), measured: () => grpcLoad(address, run.duration) }
      : h2loadTarget(target, grpc ? `http://${address}${GRPC_METHOD}` : address, grpc ? env.grpcBody : undefined)
    await load.warmup()
    const cpu0 = gateway ? cpuSeconds(gateway.pid) : undefined
    const r = await load.measured(join(env.logs, `${name}.log`))
    const cpu1 = gateway ? cpuSeconds(gateway.pid) : undefined
    r.cpuUs = cpu0 !== undefined && cpu1 !== undefined ? ((cpu1 - cpu0) / r.requests) * 1e6 : NaN
    return r
  } finally {
    if (moved) repin(moved, LOAD_CORE)
    if (gateway) await gateway.stop()
  }
}

// ---------------------------------------------------------------------------
// Report

const pct = (r) => `${(r * 100).toFixed(1)}%`
const times = (r) => `${r.toFixed(2)}x`
const ms = (n) => (Number.isFinite(n) ? fmtMs(n) : '-')

function table(results, title) {
  const rows = [['target', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'gateway CPU µs/req', 'errors']]
  for (const t of ALL_TARGETS) {
    const r = results[t]
    if (!r) continue
    rows.push([
      TARGETS[t].label(run),
      fmtInt(r.rps),
      ms(r.p50),
      ms(r.p99),
      ms(r.mean),
      Number.isFinite(r.cpuUs) ? r.cpuUs.toFixed(1) : '-',
      String(Math.round(r.errors)),
    ])
  }
  console.log(`\n${title}\n`)
  printTable(rows)
  const lines = []
  for (const [a, b, what] of RATIOS) {
    const x = results[a]
    const y = results[b]
    if (!x || !y) continue
    const cpu = Number.isFinite(x.cpuUs) && Number.isFinite(y.cpuUs) ? `, gateway CPU per request ${times(x.cpuUs / y.cpuUs)}` : ''
    lines.push(`  ${what}: req/s ${pct(x.rps / y.rps)}, p99 ${times(x.p99 / y.p99)}${cpu}`)
  }
  if (lines.length) console.log(`\nratios:\n${lines.join('\n')}`)
  const bad = Object.entries(results).filter(([, r]) => r.errors > 0)
  if (bad.length) console.log(`\nwarning: errors or non-2xx answers for ${bad.map(([t]) => t).join(', ')}: their figures are not comparable`)
}

function mean(all, t) {
  const rs = all.map((r) => r[t]).filter(Boolean)
  if (rs.length === 0) return undefined
  const avg = (k) => rs.reduce((a, r) => a + r[k], 0) / rs.length
  return { rps: avg('rps'), p50: avg('p50'), p99: avg('p99'), mean: avg('mean'), cpuUs: avg('cpuUs'), errors: rs.reduce((a, r) => a + r.errors, 0) }
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const { version: grpcVersion } = JSON.parse(await readFile(join(BENCH, '..', 'node_modules', '@grpc', 'grpc-js', 'package.json'), 'utf8'))
  console.log(`bench/protocols: node ${process.version}, ${CORES} cores, load: ${H2LOAD_VERSION}, @grpc/grpc-js ${grpcVersion}`)
  console.log(
    `  ${run.concurrency} requests in flight: HTTP/1.1 on ${run.concurrency} connections; h2 on ${run.concurrency / run.streams} connections x ${run.streams} streams` +
      ` and on ${run.concurrency} x 1; gRPC ${run.concurrency / run.streams} channels x ${run.streams} calls\n` +
      `  ${run.duration}s measured after a ${run.warmup}s warm-up per target, ${rounds} round(s), path ${REQUEST_PATH}`,
  )
  console.log(
    `  ${pin ? `pinned: measured process on core ${TARGET_CORE}, load generator and upstreams on core ${LOAD_CORE}` : `not pinned (${!TASKSET ? (opts['no-pin'] ? '--no-pin' : 'no taskset') : 'fewer than 2 cores'}): figures are noisier`}`,
  )
  console.log(`  load average before: ${loadAverage()} (the machine should be otherwise idle)`)

  const tmp = await makeTempDir('bench-protocols-')
  // h2load's request logs go elsewhere: the gateway watches its config's directory, and
  // a log written beside it would have it re-read the directory all through the run.
  const env = { tmp, logs: await makeTempDir('bench-protocols-logs-') }
  const wantsHttp = targets.some((t) => !GRPC_TARGETS.includes(t))
  const wantsGrpc = targets.some((t) => GRPC_TARGETS.includes(t))
  if (wantsHttp) {
    const up = await startUpstream(pinned)
    env.upstream = { address: up.address, pid: up.child.pid }
    env.httpConfig = join(tmp, 'http.yml')
    await writeFile(env.httpConfig, httpConfig(up.address))
  }
  if (wantsGrpc) {
    const up = await startGrpcUpstream()
    env.grpc = { address: up.address, pid: up.child.pid }
    env.grpcConfig = join(tmp, 'grpc.yml')
    await writeFile(env.grpcConfig, grpcConfig(up.address))
    // h2load's request body: the message in gRPC's length-prefixed framing (uncompressed).
    const frame = Buffer.alloc(5)
    frame.writeUInt32BE(GRPC_REQUEST.length, 1)
    env.grpcBody = join(env.logs, 'grpc-request.bin')
    await writeFile(env.grpcBody, Buffer.concat([frame, GRPC_REQUEST]))
  }
  if (opts.keep) console.log(`  configs: ${[env.httpConfig, env.grpcConfig].filter(Boolean).join(', ')}`)

  const all = []
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    console.log(`\nround ${round + 1}/${rounds}: ${order.join(' -> ')}`)
    const results = {}
    for (const name of order) {
      if (wasInterrupted()) return
      const r = await measure(name, env)
      results[name] = r
      console.log(
        `  ${TARGETS[name].label(run).padEnd(48)} ${fmtInt(r.rps).padStart(7)} req/s  p50 ${ms(r.p50).padStart(5)} ms  p99 ${ms(r.p99).padStart(5)} ms` +
          `${Number.isFinite(r.cpuUs) ? `  CPU ${r.cpuUs.toFixed(1)} µs/req` : ''}${r.errors ? `  ${r.errors} errors${r.firstError ? ` (${r.firstError})` : ''}` : ''}`,
      )
    }
    all.push(results)
    if (rounds > 1) table(results, `round ${round + 1}: ${order.join(' -> ')}`)
  }

  const summary = {}
  for (const t of targets) {
    const m = rounds > 1 ? mean(all, t) : all[0][t]
    if (m) summary[t] = m
  }
  console.log(`\nload average after: ${loadAverage()}`)
  table(summary, rounds > 1 ? `mean of ${rounds} rounds` : `results (${targets.join(' -> ')})`)
  if (opts['cpu-prof']) console.log(`\ncpu profiles (warm-up and start-up included): ${opts['cpu-prof']}`)
}

await runBench({ name: 'bench/protocols', keep: opts.keep }, main)

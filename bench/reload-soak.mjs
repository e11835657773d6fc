#!/usr/bin/env node
// Benchmark (not a test): hot reloads under load. Does the gateway keep serving
// while its config is replaced over and over, does it leak, and how long does a
// large reload block it?
//
//   npm run bench:reload                       (builds, then this script)
//   node bench/reload-soak.mjs --reloads 300   (shorter soak)
//   node bench/reload-soak.mjs --settle 0      (skip the wait for retired runtimes)
//
// Steps (one gateway process for all of them, `gateway serve` with an admin listener):
//   1. config A (a few services/routes to bench/upstream.mjs) and config B (the same
//      routes, other service settings: every write changes the file's sha256)
//   2. baseline: wrk -t1 -c20 -d10s --latency, no reloads
//   3. soak: wrk runs while the file alternates A/B --reloads times; each write is an
//      atomic rename followed by SIGHUP, and the script waits for the gateway's
//      `config reload applied` line with the new hash before the next write; wrk is
//      stopped with SIGINT (it then prints its figures) when the last reload is applied
//   4. RSS (/proc/<pid>/status VmRSS) and nodejs_active_handles_total (/metrics) before
//      the soak, 2 s after it, and after --settle seconds (default 65: the gateway
//      disposes a replaced runtime 60 s after the swap)
//   5. a file with --routes services/routes (default 10,000) is written and SIGHUP'd
//      --big-runs times (alternating two variants); its `duration_ms` is read from the
//      log line, while a few keep-alive clients send requests back to back and record
//      the slowest one overlapping the reload
//   6. a table of figures and targets, PASS/MISS
//
// With taskset and at least two cores, the gateway runs alone on core 1 and wrk and
// the upstream on core 0 (as bench/proxy.mjs does).
//
// Options:
//   --duration D      baseline wrk run (default 10s)
//   --warmup D        warm-up wrk run before the baseline (default 3s; 0 to skip)
//   --connections N   wrk connections (default 20)
//   --threads N       wrk threads (default 1)
//   --reloads N       reloads during the soak (default 1000)
//   --settle S        seconds to wait after the soak before the last RSS/handles reading
//                     (default 65; 0 skips that reading)
//   --routes N        services/routes in the large config (default 10000)
//   --big-runs N      reloads of the large config (default 3)
//   --probe-clients N concurrent clients during the large reload (default 4)
//   --no-pin          do not use taskset
//   --keep            keep the generated files (their directory is printed)
//
// Targets: RSS after the soak (after --settle) < +10% of before; active handles flat
// (within ±2); p99 during reloads <= 1.5x the baseline p99; 0 non-2xx/socket errors;
// large reload < 1 s; no request slower than 100 ms during it. A miss is reported,
// not failed: exit 0 unless something cannot run (then 1; usage errors 2).
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { Agent, get } from 'node:http'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BENCH = join(ROOT, 'bench')
const GATEWAY = join(ROOT, 'bin', 'gateway')
const NODE = process.execPath

const TARGET_RSS_GROWTH = 0.1
const TARGET_HANDLES_DELTA = 2
const TARGET_P99_RATIO = 1.5
const TARGET_BIG_RELOAD_MS = 1000
const TARGET_MAX_LATENCY_MS = 100

// ---------------------------------------------------------------------------
// Options

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '3s' },
    connections: { type: 'string', default: '20' },
    threads: { type: 'string', default: '1' },
    reloads: { type: 'string', default: '1000' },
    settle: { type: 'string', default: '65' },
    routes: { type: 'string', default: '10000' },
    'big-runs': { type: 'string', default: '3' },
    'probe-clients': { type: 'string', default: '4' },
    'no-pin': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log(
    'usage: node bench/reload-soak.mjs [--duration 10s] [--warmup 3s] [--connections 20] [--threads 1] [--reloads 1000]\n' +
      '                                  [--settle 65] [--routes 10000] [--big-runs 3] [--probe-clients 4] [--no-pin] [--keep]',
  )
  process.exit(0)
}
function usage(msg) {
  console.error(`bench/reload-soak: ${msg}`)
  process.exit(2)
}
function seconds(name, value, min) {
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(value)
  if (!m) usage(`--${name} must be a duration like 10s, 1m or 10, got '${value}'`)
  const s = Number(m[1]) * (m[2] === 'm' ? 60 : 1)
  if (s < min || (s !== 0 && !Number.isInteger(s))) usage(`--${name} must be a whole number of seconds >= ${min}, got '${value}'`)
  return s
}
function integer(name, value, min) {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}, got '${value}'`)
  return n
}
const duration = seconds('duration', opts.duration, 1)
const warmup = seconds('warmup', opts.warmup, 0)
const connections = integer('connections', opts.connections, 1)
const threads = integer('threads', opts.threads, 1)
const reloads = integer('reloads', opts.reloads, 1)
const settle = seconds('settle', opts.settle, 0)
const routeCount = integer('routes', opts.routes, 1)
const bigRuns = integer('big-runs', opts['big-runs'], 1)
const probeClients = integer('probe-clients', opts['probe-clients'], 1)
if (threads > connections) usage('--threads must not exceed --connections')

const SMALL_SERVICES = 5
const REQUEST_PATH = '/svc-2/bench' // in A, B and the large configs

// ---------------------------------------------------------------------------
// Tools (as in bench/proxy.mjs)

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const p = join(dir, cmd)
    if (existsSync(p)) return p
  }
  return undefined
}
const WRK = which('wrk')
if (!WRK) {
  console.error('bench/reload-soak: wrk not found. Install it: apt-get update && apt-get install -y wrk')
  process.exit(1)
}
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench/reload-soak: dist/ is missing: build first with `npx tsc -p tsconfig.json` (or use `npm run bench:reload`)')
  process.exit(1)
}
const TASKSET = opts['no-pin'] ? undefined : which('taskset')
const CORES = availableParallelism()
const pin = TASKSET !== undefined && CORES >= 2
const LOAD_CORE = '0'
const TARGET_CORE = '1'
function pinned(core, cmd, args) {
  return pin ? [TASKSET, ['-c', core, cmd, ...args]] : [cmd, args]
}

// ---------------------------------------------------------------------------
// Processes: every one is tracked and stopped by PID, also on error and Ctrl-C.

const children = new Set()

/** Spawns a server and waits for its JSON "ready" line; resolves { child, msg, lines }. */
function startServer(role, cmd, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    const stderr = []
    let settled = false
    const fail = (msg) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      const tail = Buffer.concat(stderr).toString().trim().split('\n').slice(-20).join('\n  ')
      reject(new Error(`${role}: ${msg}${tail ? `\n  ${tail}` : ''}`))
    }
    const timer = setTimeout(() => fail('not ready after 60 s'), 60_000)
    child.stderr.on('data', (b) => {
      stderr.push(b)
      if (stderr.length > 200) stderr.splice(0, 100)
    })
    child.on('error', (err) => fail(err.message))
    child.on('exit', (code, signal) => {
      children.delete(child)
      fail(`exited before it was ready (${code ?? signal})`)
    })
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      if (settled) return
      let msg
      try {
        msg = JSON.parse(line)
      } catch {
        return
      }
      if (ready(msg)) {
        settled = true
        clearTimeout(timer)
        resolve({ role, child, msg, lines, stderr })
      }
    })
  })
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child)
    return Promise.resolve()
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(kill)
      children.delete(child)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c, 15_000)))
}

let tmp
let interrupted = false
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    interrupted = true
    console.error(`\nbench/reload-soak: ${sig}: stopping ${children.size} process(es)`)
    void stopAll().finally(async () => {
      if (tmp && !opts.keep) await rm(tmp, { recursive: true, force: true })
      process.exit(130)
    })
  })
}
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

// ---------------------------------------------------------------------------
// Configs

function config(n, upstream, variant) {
  // Variant A and B differ only in service settings: same routes, another hash.
  const retries = variant === 'A' ? 5 : 3
  const readTimeout = variant === 'A' ? 60000 : 59000
  const parts = ['_format_version: "3.0"\nservices:\n']
  for (let i = 0; i < n; i++) {
    parts.push(
      `- name: svc-${i}\n  url: http://${upstream}\n  retries: ${retries}\n  read_timeout: ${readTimeout}\n` +
        `  routes:\n  - name: route-${i}\n    paths:\n    - /svc-${i}\n`,
    )
  }
  return parts.join('')
}
const sha256 = (text) => createHash('sha256').update(text).digest('hex')

let confDir
let stageDir
let confFile
let writes = 0
/** Writes beside the watched directory, then renames into it (atomic replace). */
async function writeAtomic(text) {
  const staged = join(stageDir, `kong-${writes++}.yml`)
  await writeFile(staged, text)
  await rename(staged, confFile)
}

// ---------------------------------------------------------------------------
// Gateway: reload lines from stdout, admin reads, /proc

let gw // { pid, proxy, admin, child }
const reloadWaiters = new Set()
const reloadLog = []

function onGatewayLine(line) {
  let msg
  try {
    msg = JSON.parse(line)
  } catch {
    return
  }
  if (typeof msg.msg !== 'string' || !msg.msg.startsWith('config reload ')) return
  const r = { result: msg.msg.slice('config reload '.length), hash: msg.hash, durationMs: msg.duration_ms, at: performance.now(), error: msg.error }
  reloadLog.push(r)
  for (const w of reloadWaiters) w(r)
}

/** Resolves with the first `config reload applied` line carrying `hash` (after now). */
function waitApplied(hash, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reloadWaiters.delete(w)
      reject(new Error(`no 'config reload applied' for ${hash.slice(0, 12)} within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    const w = (r) => {
      if (r.result === 'invalid' || r.result === 'unreadable') {
        clearTimeout(timer)
        reloadWaiters.delete(w)
        reject(new Error(`reload ${r.result}: ${r.error ?? ''}`))
      } else if (r.result === 'applied' && r.hash === hash) {
        clearTimeout(timer)
        reloadWaiters.delete(w)
        resolve(r)
      }
    }
    reloadWaiters.add(w)
  })
}

/** Writes `text`, sends SIGHUP, waits for it to be applied. */
async function reloadWith(text, hash) {
  const applied = waitApplied(hash)
  await writeAtomic(text)
  const t0 = performance.now()
  process.kill(gw.pid, 'SIGHUP')
  const r = await applied
  return { ...r, wallMs: r.at - t0, sentAt: t0 }
}

function httpGet(url, agent = false, timeout = 10_000) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, timeout }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)))
    req.on('error', reject)
  })
}

async function status() {
  const r = await httpGet(`http://${gw.admin}/status`)
  if (r.status !== 200) throw new Error(`GET /status: ${r.status}`)
  return JSON.parse(r.body)
}

async function metrics() {
  const r = await httpGet(`http://${gw.admin}/metrics`)
  if (r.status !== 200) throw new Error(`GET /metrics: ${r.status}`)
  const m = {}
  for (const line of r.body.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    m[line.slice(0, i)] = Number(line.slice(i + 1))
  }
  return m
}

function vmRssBytes(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+) kB/m.exec(s)
  return m ? Number(m[1]) * 1024 : NaN
}

async function snapshot(label) {
  const m = await metrics()
  const s = await status()
  const handlesByType = Object.entries(m)
    .filter(([k]) => k.startsWith('nodejs_active_handles{'))
    .map(([k, v]) => `${/type="([^"]+)"/.exec(k)?.[1]}=${v}`)
    .join(' ')
  return {
    label,
    rss: vmRssBytes(gw.pid),
    rssMetric: m.process_resident_memory_bytes,
    heapUsed: m.nodejs_heap_size_used_bytes,
    handles: m.nodejs_active_handles_total,
    handlesByType,
    requests: m.nodejs_active_requests_total,
    reloads: s.reloads,
    hash: s.configuration_hash,
  }
}

// ---------------------------------------------------------------------------
// wrk

const UNIT = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 }
function latencyMs(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text)
  if (!m) throw new Error(`cannot parse wrk latency '${text}'`)
  return Number(m[1]) * UNIT[m[2]]
}
function parseWrk(o) {
  const num = (re) => {
    const m = re.exec(o)
    if (!m) throw new Error(`cannot parse wrk output (${re}):\n${o}`)
    return m
  }
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(o)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(o)
  return {
    rps: Number(num(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50: latencyMs(num(/^\s+50%\s+(\S+)/m)[1]),
    p99: latencyMs(num(/^\s+99%\s+(\S+)/m)[1]),
    max: latencyMs(num(/^\s+Latency\s+\S+\s+\S+\s+(\S+)/m)[1]),
    requests: Number(num(/(\d+) requests in/)[1]),
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    socketDetail: sock ? sock[0] : 'none',
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  }
}

/** Starts wrk; `stop()` sends SIGINT (wrk then prints its figures); `done` resolves with them. */
function startWrk(secs) {
  const url = `http://${gw.proxy}${REQUEST_PATH}`
  const [cmd, args] = pinned(LOAD_CORE, WRK, [`-t${threads}`, `-c${connections}`, `-d${secs}s`, '--latency', url])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const out = []
  const err = []
  child.stdout.on('data', (b) => out.push(b))
  child.stderr.on('data', (b) => err.push(b))
  const done = new Promise((resolve, reject) => {
    child.on('error', (e) => {
      children.delete(child)
      reject(e)
    })
    child.on('close', (code, signal) => {
      children.delete(child)
      const o = Buffer.concat(out).toString()
      if (code !== 0) return reject(new Error(`wrk failed (${code ?? signal}): ${Buffer.concat(err).toString() || o}`))
      try {
        resolve(parseWrk(o))
      } catch (e) {
        reject(e)
      }
    })
  })
  return { done, stop: () => child.exitCode === null && child.signalCode === null && child.kill('SIGINT') }
}

// ---------------------------------------------------------------------------
// Latency probe during the large reload: a few keep-alive clients, back to back.

function startProbe(url, clients) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients })
  const samples = [] // [start, end, ok]
  let running = true
  const loop = async () => {
    while (running) {
      const t0 = performance.now()
      let ok = false
      try {
        const r = await httpGet(url, agent, 30_000)
        ok = r.status === 200
      } catch {
        ok = false
      }
      samples.push([t0, performance.now(), ok])
    }
  }
  const loops = Array.from({ length: clients }, loop)
  return {
    samples,
    async stop() {
      running = false
      await Promise.all(loops)
      agent.destroy()
    },
  }
}

// ---------------------------------------------------------------------------
// Report helpers

const fmtInt = (n) => Math.round(n).toLocaleString('en-US')
const fmtMs = (n) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0))
const fmtMB = (b) => `${(b / 1048576).toFixed(1)} MB`
const pctOf = (a, b) => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%`
function quantile(xs, q) {
  if (xs.length === 0) return NaN
  const v = [...xs].sort((a, b) => a - b)
  return v[Math.min(v.length - 1, Math.floor(q * v.length))]
}
function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`
  console.log(line(rows[0]))
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`)
  for (const r of rows.slice(1)) console.log(line(r))
}
function printSnap(s) {
  console.log(
    `  ${s.label.padEnd(28)} VmRSS ${fmtMB(s.rss).padStart(9)}  heap used ${fmtMB(s.heapUsed).padStart(9)}  active handles ${s.handles} (${s.handlesByType})  reloads ${JSON.stringify(s.reloads)}`,
  )
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const wrkVersion = (spawnSync(WRK, ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] || 'wrk').trim()
  console.log(`bench/reload-soak: node ${process.version}, ${CORES} cores, load: ${wrkVersion}`)
  console.log(
    `  wrk -t${threads} -c${connections} --latency ${REQUEST_PATH}; baseline ${duration}s (warm-up ${warmup}s); soak ${reloads} reloads; settle ${settle}s; large config ${routeCount} routes x ${bigRuns}\n` +
      `  ${pin ? `pinned: gateway on core ${TARGET_CORE}, wrk and upstream on core ${LOAD_CORE}` : 'not pinned: figures are noisier'}`,
  )
  console.log(`  load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)

  tmp = await mkdtemp(join(tmpdir(), 'bench-reload-'))
  confDir = join(tmp, 'conf')
  stageDir = join(tmp, 'stage')
  await mkdir(confDir)
  await mkdir(stageDir)
  confFile = join(confDir, 'kong.yml')
  if (opts.keep) console.log(`  files: ${tmp}`)

  const [ucmd, uargs] = pinned(LOAD_CORE, NODE, [join(BENCH, 'upstream.mjs'), '--listen', '127.0.0.1:0'])
  const upstream = await startServer('upstream', ucmd, uargs, (m) => m.msg === 'listening')
  const upAddr = upstream.msg.address

  const A = config(SMALL_SERVICES, upAddr, 'A')
  const B = config(SMALL_SERVICES, upAddr, 'B')
  const hA = sha256(A)
  const hB = sha256(B)
  await writeFile(confFile, A)

  const [gcmd, gargs] = pinned(TARGET_CORE, NODE, [GATEWAY, 'serve', '--config', confFile, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'])
  const g = await startServer('gateway', gcmd, gargs, (m) => m.msg === 'gateway started')
  gw = { pid: g.child.pid, proxy: g.msg.proxy[0], admin: g.msg.admin, child: g.child }
  g.lines.on('line', onGatewayLine)
  console.log(`  gateway pid ${gw.pid}, proxy ${gw.proxy}, admin ${gw.admin}; upstream ${upAddr}`)
  const probe = await httpGet(`http://${gw.proxy}${REQUEST_PATH}`)
  if (probe.status !== 200) throw new Error(`GET ${REQUEST_PATH}: ${probe.status} ${probe.body.slice(0, 200)}`)
  if ((await status()).configuration_hash !== hA) throw new Error('gateway hash differs from config A sha256')
  await sleep(500) // let the watcher's own look at the initial file pass

  // 2. baseline
  if (warmup > 0) await startWrk(warmup).done
  const base = await startWrk(duration).done
  console.log(`\nbaseline: ${fmtInt(base.rps)} req/s  p50 ${fmtMs(base.p50)} ms  p99 ${fmtMs(base.p99)} ms  max ${fmtMs(base.max)} ms  non-2xx ${base.non2xx}  socket errors ${base.socketErrors}`)

  // 4a. before the soak
  await sleep(2000)
  const before = await snapshot('before soak')
  console.log('\nmemory / handles:')
  printSnap(before)

  // 3. soak
  const wrk = startWrk(3600)
  await sleep(1000) // wrk connected and at steady state
  const soakStart = performance.now()
  const durations = []
  const walls = []
  let progressAt = performance.now()
  try {
    for (let i = 0; i < reloads; i++) {
      if (interrupted) return
      const [text, hash] = i % 2 === 0 ? [B, hB] : [A, hA]
      const r = await reloadWith(text, hash)
      durations.push(r.durationMs)
      walls.push(r.wallMs)
      if (performance.now() - progressAt > 5000) {
        progressAt = performance.now()
        console.log(`  soak: ${i + 1}/${reloads} reloads applied`)
      }
    }
  } finally {
    wrk.stop()
  }
  const soakSecs = (performance.now() - soakStart) / 1000
  const soak = await wrk.done
  console.log(
    `\nsoak: ${reloads} reloads in ${soakSecs.toFixed(1)} s (${(reloads / soakSecs).toFixed(0)}/s); reload duration_ms p50 ${quantile(durations, 0.5)} p99 ${quantile(durations, 0.99)} max ${Math.max(...durations)}; ` +
      `SIGHUP->applied wall p50 ${fmtMs(quantile(walls, 0.5))} ms max ${fmtMs(Math.max(...walls))} ms`,
  )
  console.log(
    `  wrk during reloads: ${fmtInt(soak.rps)} req/s  p50 ${fmtMs(soak.p50)} ms  p99 ${fmtMs(soak.p99)} ms  max ${fmtMs(soak.max)} ms  ${fmtInt(soak.requests)} requests  non-2xx ${soak.non2xx}  socket errors ${soak.socketErrors} (${soak.socketDetail})`,
  )

  // 4b. after the soak
  await sleep(2000)
  const after = await snapshot('after soak (+2 s)')
  printSnap(before)
  printSnap(after)
  let settled
  if (settle > 0) {
    console.log(`  waiting ${settle} s (replaced runtimes are disposed 60 s after their swap)...`)
    await sleep(settle * 1000)
    if (interrupted) return
    settled = await snapshot(`after soak (+${settle + 2} s)`)
    printSnap(settled)
  }

  // 5. large config
  console.log(`\nlarge config: ${routeCount.toLocaleString('en-US')} services/routes, ${bigRuns} reload(s) under a ${probeClients}-client probe`)
  const bigA = config(routeCount, upAddr, 'A')
  const bigB = config(routeCount, upAddr, 'B')
  const big = [
    [bigA, sha256(bigA)],
    [bigB, sha256(bigB)],
  ]
  console.log(`  file: ${(Buffer.byteLength(bigA) / 1048576).toFixed(2)} MB`)
  const bigResults = []
  for (let i = 0; i < bigRuns; i++) {
    if (interrupted) return
    const [text, hash] = big[i % 2]
    const p = startProbe(`http://${gw.proxy}${REQUEST_PATH}`, probeClients)
    await sleep(500)
    const r = await reloadWith(text, hash)
    await sleep(500)
    await p.stop()
    // Requests that overlapped [SIGHUP, applied line]: started before it ended and ended after it began.
    const during = p.samples.filter(([s, e]) => s <= r.at && e >= r.sentAt)
    const lat = during.map(([s, e]) => e - s)
    const all = p.samples.map(([s, e]) => e - s)
    const failed = p.samples.filter(([, , ok]) => !ok).length
    const res = { durationMs: r.durationMs, wallMs: r.wallMs, during: during.length, maxDuring: Math.max(0, ...lat), maxAll: Math.max(0, ...all), p99All: quantile(all, 0.99), total: p.samples.length, failed }
    bigResults.push(res)
    console.log(
      `  run ${i + 1}: duration_ms ${res.durationMs}  SIGHUP->applied ${fmtMs(res.wallMs)} ms  requests overlapping ${res.during}, slowest ${fmtMs(res.maxDuring)} ms` +
        `  (whole probe window: ${res.total} requests, p99 ${fmtMs(res.p99All)} ms, max ${fmtMs(res.maxAll)} ms, failed ${res.failed})`,
    )
    await sleep(1000)
  }
  const finalStatus = await status()
  const last = await snapshot('after large reloads')
  printSnap(last)

  // 6. report
  console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  console.log('\nresults\n')
  const ref = settled ?? after
  const rssGrowth = (ref.rss - before.rss) / before.rss
  const rssGrowthNow = (after.rss - before.rss) / before.rss
  const hDelta = ref.handles - before.handles
  const p99Ratio = soak.p99 / base.p99
  const errors = soak.non2xx + soak.socketErrors + base.non2xx + base.socketErrors
  const bigMax = Math.max(...bigResults.map((r) => r.durationMs))
  const bigMaxLat = Math.max(...bigResults.map((r) => r.maxDuring))
  const bigFailed = bigResults.reduce((a, r) => a + r.failed, 0)
  const v = (ok) => (ok ? 'PASS' : 'MISS')
  printTable([
    ['measure', 'figure', 'target', 'result'],
    ['baseline req/s, p50, p99', `${fmtInt(base.rps)}, ${fmtMs(base.p50)} ms, ${fmtMs(base.p99)} ms`, '', ''],
    [`during ${reloads} reloads: req/s, p50, p99`, `${fmtInt(soak.rps)}, ${fmtMs(soak.p50)} ms, ${fmtMs(soak.p99)} ms`, '', ''],
    ['p99 during reloads vs without', `${p99Ratio.toFixed(2)}x`, `<= ${TARGET_P99_RATIO}x`, v(p99Ratio <= TARGET_P99_RATIO)],
    ['non-2xx + socket errors (baseline + soak)', String(errors), '0', v(errors === 0)],
    ['VmRSS before -> +2 s after soak', `${fmtMB(before.rss)} -> ${fmtMB(after.rss)} (${pctOf(after.rss, before.rss)})`, 'info', ''],
    [
      settled ? `VmRSS before -> +${settle + 2} s after soak` : 'VmRSS growth (no --settle)',
      `${fmtMB(before.rss)} -> ${fmtMB(ref.rss)} (${pctOf(ref.rss, before.rss)})`,
      `< +${TARGET_RSS_GROWTH * 100}%`,
      v(rssGrowth < TARGET_RSS_GROWTH),
    ],
    ['heap used before -> after (+settle)', `${fmtMB(before.heapUsed)} -> ${fmtMB(after.heapUsed)} -> ${fmtMB(ref.heapUsed)}`, 'info', ''],
    ['active handles before -> after (+settle)', `${before.handles} -> ${after.handles} -> ${ref.handles}`, `flat (±${TARGET_HANDLES_DELTA})`, v(Math.abs(hDelta) <= TARGET_HANDLES_DELTA)],
    [`${routeCount.toLocaleString('en-US')}-route reload duration_ms (max of ${bigRuns})`, `${bigMax} ms (${bigResults.map((r) => r.durationMs).join(', ')})`, `< ${TARGET_BIG_RELOAD_MS} ms`, v(bigMax < TARGET_BIG_RELOAD_MS)],
    ['slowest request during it', `${fmtMs(bigMaxLat)} ms (${bigFailed} failed)`, `< ${TARGET_MAX_LATENCY_MS} ms`, v(bigMaxLat < TARGET_MAX_LATENCY_MS && bigFailed === 0)],
  ])
  console.log(`\nreload counts (/status): ${JSON.stringify(finalStatus.reloads)}; last_reload ${JSON.stringify(finalStatus.last_reload)}`)
  if (rssGrowthNow >= TARGET_RSS_GROWTH && settled && rssGrowth < TARGET_RSS_GROWTH) console.log('note: RSS right after the soak is above target but comes back once replaced runtimes are disposed')
  console.log('(a MISS is a measurement, not a failure: exit 0)')
}

let code = 0
try {
  await main()
} catch (err) {
  if (!interrupted) {
    console.error(`\nbench/reload-soak: ${err.stack ?? err.message}`)
    code = 1
  }
} finally {
  await stopAll()
  if (tmp && !opts.keep) await rm(tmp, { recursive: true, force: true })
}
if (!interrupted) process.exit(code)

#!/usr/bin/env node
// Benchmark (not a test): what plugins cost. The gateway with no plugins and the
// same route with plugins, in one run, one target after another under the same
// load; each target is its own `gateway serve` process on a generated config.
//
//   npm run bench:plugins                                (builds, then this script)
//   node bench/plugins.mjs --duration 5s                 (quick run)
//   node bench/plugins.mjs --rounds 3 --duration 8s      (each round alternates the order)
//   node bench/plugins.mjs --targets none,key-auth
//
// Targets (TARGETS below; adding one is an entry there):
//   none       one service, one route (/bench), no plugins: the baseline
//   key-auth   the same route with key-auth; 1,000 consumers (--consumers), each
//              with a keyauth credential, so the lookup is a real index; wrk sends
//              `apikey: <one valid key>` on every request
//   key-auth+rl-local  key-auth and rate-limiting (policy local, a minute limit
//              never reached: every request is counted and gets the headers)
//   rl-redis   rate-limiting with policy redis (limit_by ip) against a redis-server
//              the script starts on a free port (apt-get install -y redis-server),
//              sync_rate -1: every request reads and increments Redis
//   rl-redis-sync  the same with sync_rate 0.5: counted in the gateway, synced with
//              Redis twice a second
//   callouts   request-callout: two callouts to the upstream, cached in memory, and
//              upstream.by_lua answering with a JSON document built from both
//   callouts-no-lua  the same callouts, their results sent upstream as headers (no Lua)
//   cache-hit  proxy-cache (memory): after the first request every one is a Hit
// Before measuring, each target's checks run (key-auth: the key gets 200, no key
// and a wrong key get 401); a failed check fails the run.
//
// Load: wrk -t1 -c50 -d10s --latency (after a warm-up run per target), as
// bench/proxy.mjs. wrk is required (install it: apt-get install -y wrk). With
// taskset and at least two cores, the gateway runs alone on core 1 and wrk and
// the upstream (bench/upstream.mjs, 100-byte body) on core 0.
//
// Options:
//   --duration D      measured run per target (default 10s; 5s, 30s, 1m, or seconds)
//   --warmup D        warm-up run per target (default 3s; 0 to skip)
//   --connections N   concurrent connections (default 50)
//   --threads N       wrk threads (default 1)
//   --consumers N     consumers (one key each) in the key-auth config (default 1000)
//   --targets LIST    comma-separated subset/order of the targets above
//   --reverse         run the targets in reverse order
//   --rounds N        repeat; odd rounds use the reverse order; the summary is the mean
//   --no-pin          do not use taskset
//   --workers N       run each gateway with `--workers N` (default 1: one process; N > 1: a
//                     primary and N workers, pinned to the same core, CPU summed over all)
//   --cpu-prof DIR    run the gateways under `node --cpu-prof --cpu-prof-dir DIR`
//   --keep            keep the generated gateway configs (their paths are printed)
//
// Besides wrk's req/s and latency, the table gives the gateway's CPU time per
// request (user + system from /proc/<pid>/stat over the measured run): on a
// machine that is not idle it is much steadier than req/s, and is printed as an
// informational line under the verdict.
//
// Targets: key-auth keeps >= 90% of `none` throughput ("key-auth costs under
// 10% of throughput"); key-auth + local rate-limiting keeps >= 75%, and so does
// rate-limiting with Redis (rl-redis, rl-redis-sync); a cache Hit is faster than
// `none`. A miss is reported, not failed: the script exits 0 unless
// something cannot run (then 1; usage errors 2).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  LOAD_CORE,
  NODE,
  TARGET_CORE,
  cpuSeconds,
  distBuilt,
  fmtInt,
  fmtMs,
  gatewayServeArgs,
  gatewayStarted,
  loadAverage,
  makeTempDir,
  median,
  optionReaders,
  pinning,
  printTable,
  runBench,
  startServer,
  startUpstream,
  startWrk,
  spawnCaptured,
  stopChild,
  wasInterrupted,
  which,
  wrkVersion,
  oneRoute,
} from './lib.mjs'

const REQUEST_PATH = '/bench/plugins'

// ---------------------------------------------------------------------------
// Targets
//
// name -> {
//   label                   the row's name in the table
//   config(ctx)             the kong.yml text; ctx: { upstream: 'host:port', consumers: N, setups: { [name]: what setup returned } }
//   headers                 header lines wrk sends on every request ('name: value'); the probe sends them too
//   checks                  extra requests before measuring: { what, headers, status }; a mismatch fails the run
//   minRatio                optional: the req/s this target must keep, as a fraction of `none` (verdict line)
//   goal                    optional: the verdict line's text
//   setup(ctx)              optional, once before the rounds (e.g. start a Redis server); its result is
//                           ctx.setups[name]; processes it starts should go through lib.mjs (startServer)
//                           so they are stopped at the end
// }
// The requests go to REQUEST_PATH; the upstream answers 200 with a 100-byte body.
//
// To add one, e.g. rate-limiting (limits high enough that nothing is refused):
//   'rate-limiting': {
//     label: 'rate-limiting, local',
//     config: (ctx) => oneRoute(ctx, plugin('rate-limiting', { second: 1e9, policy: 'local' })),
//     headers: [],
//     checks: [],
//     minRatio: 0.9,
//   },

/** The route's YAML for one plugin with `config` (a flat object of scalars). */
function plugin(name, config = {}) {
  const lines = [`    - name: ${name}\n`]
  const entries = Object.entries(config)
  if (entries.length) {
    lines.push('      config:\n')
    for (const [k, v] of entries) lines.push(`        ${k}: ${JSON.stringify(v)}\n`)
  }
  return lines.join('')
}

/** The API key of consumer i: 32 hex characters, deterministic. */
const apiKey = (i) => createHash('sha256').update(`bench-consumer-${i}`).digest('hex').slice(0, 32)

/** `n` consumers, one keyauth credential each. */
function consumersWithKeys(n) {
  const parts = ['consumers:\n']
  for (let i = 0; i < n; i++) parts.push(`- username: consumer-${i}\n  keyauth_credentials:\n  - key: ${apiKey(i)}\n`)
  return parts.join('')
}

// Computed once --consumers is known (the key of the consumer in the middle).
let benchKey

const TARGETS = {
  none: {
    label: 'no plugins',
    config: (ctx) => oneRoute(ctx),
    headers: [],
    checks: [],
  },
  'key-auth': {
    get label() {
      return `key-auth, ${consumerCount.toLocaleString('en-US')} consumers`
    },
    config: (ctx) => oneRoute(ctx, plugin('key-auth'), consumersWithKeys(ctx.consumers)),
    get headers() {
      return [`apikey: ${benchKey}`]
    },
    checks: [
      { what: 'no key', headers: [], status: 401 },
      { what: 'a wrong key', headers: ['apikey: not-a-valid-key'], status: 401 },
    ],
    minRatio: 0.9,
    goal: 'key-auth costs under 10% of throughput',
  },
  'key-auth+rl-local': {
    get label() {
      return `key-auth + rate-limiting (local), ${consumerCount.toLocaleString('en-US')} consumers`
    },
    // A limit no run reaches: every request is counted, none refused.
    config: (ctx) => oneRoute(ctx, plugin('key-auth') + plugin('rate-limiting', { minute: 1e9, policy: 'local' }), consumersWithKeys(ctx.consumers)),
    get headers() {
      return [`apikey: ${benchKey}`]
    },
    checks: [{ what: 'no key', headers: [], status: 401 }],
    expectHeader: 'x-ratelimit-remaining-minute',
    minRatio: 0.75,
    goal: "Kong's own key-auth + rate-limiting ratio is about 76 %",
  },
  'rl-redis': {
    label: 'rate-limiting (redis)',
    setup: startRedis,
    config: (ctx) =>
      oneRoute(
        ctx,
        plugin('rate-limiting', {
          minute: 1e9,
          policy: 'redis',
          limit_by: 'ip',
          redis_host: '127.0.0.1',
          redis_port: ctx.setups['rl-redis'].port,
          fault_tolerant: false,
        }),
      ),
    headers: [],
    checks: [],
    expectHeader: 'x-ratelimit-remaining-minute',
    minRatio: 0.75,
    goal: 'one Redis round trip per request, shared by concurrent requests',
  },
  'rl-redis-sync': {
    label: 'rate-limiting (redis, sync_rate 0.5)',
    setup: startRedis,
    config: (ctx) =>
      oneRoute(
        ctx,
        plugin('rate-limiting', {
          minute: 1e9,
          policy: 'redis',
          limit_by: 'ip',
          sync_rate: 0.5,
          redis_host: '127.0.0.1',
          redis_port: ctx.setups['rl-redis-sync'].port,
          fault_tolerant: false,
        }),
      ),
    headers: [],
    checks: [],
    expectHeader: 'x-ratelimit-remaining-minute',
    minRatio: 0.75,
    goal: 'counted in the gateway, synced with Redis every 0.5 s',
  },
  callouts: {
    label: 'request-callout: 2 cached callouts, response built in Lua',
    // Two callouts to the bench upstream (memory cache: after the first request none go out),
    // and upstream.by_lua answering with a JSON document built from both.
    config: (ctx) =>
      oneRoute(
        ctx,
        `    - name: request-callout
      config:
        callouts:
        - { name: a, request: { url: "http://${ctx.upstream}/a" } }
        - { name: b, request: { url: "http://${ctx.upstream}/b" } }
        upstream:
          by_lua: 'kong.response.exit(200, { a = #kong.ctx.shared.callouts.a.response.body, b = kong.ctx.shared.callouts.b.response.status })'
        cache: { strategy: memory, cache_ttl: 3600 }
`,
      ),
    headers: [],
    checks: [],
    json: { a: 100, b: 200 },
  },
  'callouts-no-lua': {
    label: 'request-callout: 2 cached callouts, templates, proxied',
    // The same callouts, without Lua: their results go upstream as headers, and the request is proxied.
    config: (ctx) =>
      oneRoute(
        ctx,
        `    - name: request-callout
      config:
        callouts:
        - { name: a, request: { url: "http://${ctx.upstream}/a" } }
        - { name: b, request: { url: "http://${ctx.upstream}/b" } }
        upstream:
          headers:
            custom: { X-A: "$(callouts.a.response.status)", X-B: "$(callouts.b.response.status)" }
        cache: { strategy: memory, cache_ttl: 3600 }
`,
      ),
    headers: [],
    checks: [],
  },
  'cache-hit': {
    label: 'proxy-cache, every request a Hit',
    config: (ctx) => oneRoute(ctx, plugin('proxy-cache', { strategy: 'memory', cache_ttl: 3600 })),
    headers: [],
    checks: [],
    expectHeader: 'x-cache-status',
    fasterThanNone: true,
    goal: 'a cache Hit is faster than the no-plugin proxy',
  },
}

/** A redis-server on a free port for the redis policy (stopped with the other processes), on the load core. */
async function startRedis() {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'])
  if (which.status !== 0) throw new Error('redis-server is not installed (apt-get install -y redis-server)')
  const { createServer, connect } = await import('node:net')
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
  // Beside wrk and the upstream, so that the gateway keeps its core to itself.
  spawnCaptured(...pinned(LOAD_CORE, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']))
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const c = connect(port, '127.0.0.1', () => c.write('PING\r\n'))
      c.once('data', (d) => {
        c.destroy()
        resolve(String(d).startsWith('+PONG'))
      })
      c.once('error', () => resolve(false))
    })
    if (ok) return { port }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`redis-server did not answer on port ${port}`)
}
const ALL_TARGETS = Object.keys(TARGETS)

// ---------------------------------------------------------------------------
// Options

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '10s' },
    warmup: { type: 'string', default: '3s' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '1' },
    consumers: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '1' },
    targets: { type: 'string', default: ALL_TARGETS.join(',') },
    reverse: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
    'no-pin': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log(
    'usage: node bench/plugins.mjs [--duration 10s] [--warmup 3s] [--connections 50] [--threads 1] [--consumers 1000]\n' +
      `                              [--targets ${ALL_TARGETS.join(',')}] [--reverse] [--rounds N]\n` +
      '                              [--workers N] [--no-pin] [--cpu-prof DIR] [--keep]',
  )
  process.exit(0)
}

const { usage, seconds, integer } = optionReaders('bench/plugins')
const duration = seconds('duration', opts.duration, 1)
const warmup = seconds('warmup', opts.warmup, 0)
const connections = integer('connections', opts.connections, 1)
const threads = integer('threads', opts.threads, 1)
const consumerCount = integer('consumers', opts.consumers, 1)
const workerCount = integer('workers', opts.workers, 1)
const rounds = integer('rounds', opts.rounds, 1)
if (threads > connections) usage('--threads must not exceed --connections')
const targets = opts.targets
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean)
if (targets.length === 0) usage('--targets is empty')
for (const t of targets) if (!Object.hasOwn(TARGETS, t)) usage(`unknown target '${t}' (known: ${ALL_TARGETS.join(', ')})`)
if (new Set(targets).size !== targets.length) usage('--targets lists a target twice')
if (opts.reverse) targets.reverse()
benchKey = apiKey(Math.floor(consumerCount / 2))

const WRK = which('wrk')
if (!WRK) {
  console.error('bench/plugins: wrk not found. Install it: apt-get update && apt-get install -y wrk')
  process.exit(1)
}
const { taskset: TASKSET, cores: CORES, pin, pinned } = pinning(opts['no-pin'])
if (!distBuilt()) {
  console.error('bench/plugins: dist/ is missing: build first with `npx tsc -p tsconfig.json` (or use `npm run bench:plugins`)')
  process.exit(1)
}

// ---------------------------------------------------------------------------
// Gateway, checks, load

const cpuProf = (name) => (opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', opts['cpu-prof'], '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [])

async function startGateway(name, file) {
  const workers = workerCount > 1 ? ['--workers', String(workerCount)] : []
  const [cmd, args] = pinned(TARGET_CORE, NODE, [...cpuProf(name), ...gatewayServeArgs(file), ...workers])
  const s = await startServer(`gateway (${name})`, cmd, args, gatewayStarted)
  return { address: s.address, pid: s.child.pid, stop: () => stopChild(s.child, 15_000) }
}

/** CPU seconds of the gateway (its workers included with --workers); undefined without /proc. */
const gatewayCpu = (pid) => cpuSeconds(pid, workerCount > 1)

/** 'name: value' lines as a header object. */
function headerObject(lines) {
  const h = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    h[line.slice(0, i).trim()] = line.slice(i + 1).trim()
  }
  return h
}

/** One GET (fresh connection) with `headers`; resolves { status, body }. */
function get(address, headers) {
  const url = `http://${address}${REQUEST_PATH}`
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 10_000, headers: headerObject(headers) }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** The measured request gets 200 and the upstream's 100 bytes; each check gets its status. */
async function checkTarget(name, address) {
  const def = TARGETS[name]
  const r = await get(address, def.headers)
  const bytes = Buffer.byteLength(r.body)
  if (def.json !== undefined) {
    let got
    try {
      got = JSON.parse(r.body)
    } catch {
      // not JSON: `same` stays false
    }
    const same = got && Object.keys(def.json).every((k) => got[k] === def.json[k]) && Object.keys(got).length === Object.keys(def.json).length
    if (r.status !== 200 || !same) throw new Error(`${name}: GET ${REQUEST_PATH}: ${r.status} ${r.body.slice(0, 200)} (want 200 ${JSON.stringify(def.json)})`)
  } else if (r.status !== 200 || bytes !== 100) {
    throw new Error(
      `${name}: GET ${REQUEST_PATH} with [${def.headers.join('; ')}]: ${r.status}, ${bytes}-byte body (want 200, 100 bytes): ${r.body.slice(0, 200)}`,
    )
  }
  if (def.expectHeader) {
    // The plugin really ran: its header is on the response (a cache gets a second look: the first was a Miss).
    const again = await get(address, def.headers)
    if (again.headers[def.expectHeader] === undefined) throw new Error(`${name}: no ${def.expectHeader} header: the plugin did not run`)
    if (def.fasterThanNone && again.headers[def.expectHeader] !== 'Hit')
      throw new Error(`${name}: X-Cache-Status ${again.headers[def.expectHeader]} (want Hit)`)
  }
  for (const c of def.checks) {
    const x = await get(address, c.headers)
    if (x.status !== c.status) throw new Error(`${name}: GET ${REQUEST_PATH} with ${c.what}: ${x.status} (want ${c.status}): ${x.body.slice(0, 200)}`)
  }
}

/** wrk's figures, and the gateway's CPU µs per request when /proc has them. */
async function load(target, secs, headers) {
  const cpu0 = gatewayCpu(target.pid)
  const r = await startWrk({ bin: WRK, pinned, threads, connections, secs, url: `http://${target.address}${REQUEST_PATH}`, headers }).done
  const cpu1 = gatewayCpu(target.pid)
  const cpuUs = cpu0 !== undefined && cpu1 !== undefined && r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : undefined
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpuUs, requests: r.requests, errors: r.socketErrors + r.non2xx }
}

// ---------------------------------------------------------------------------
// Report

const pct = (r) => `${(r * 100).toFixed(1)}%`

function table(results, title) {
  const base = results.none
  const rows = [['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'req/s vs none', 'p99 vs none', 'CPU vs none', 'errors']]
  for (const t of ALL_TARGETS) {
    const r = results[t]
    if (!r) continue
    rows.push([
      TARGETS[t].label,
      fmtInt(r.rps),
      fmtMs(r.p50),
      fmtMs(r.p99),
      r.cpuUs === undefined ? '-' : r.cpuUs.toFixed(1),
      base ? pct(r.rps / base.rps) : '-',
      base ? `${(r.p99 / base.p99).toFixed(2)}x` : '-',
      base && r.cpuUs !== undefined && base.cpuUs !== undefined ? `${(r.cpuUs / base.cpuUs).toFixed(2)}x` : '-',
      String(Math.round(r.errors)),
    ])
  }
  console.log(`\n${title}\n`)
  printTable(rows)
}

function verdicts(results) {
  const base = results.none
  const lines = []
  for (const t of ALL_TARGETS) {
    const def = TARGETS[t]
    const r = results[t]
    if (def.fasterThanNone && r) {
      const label = `${t}: req/s above none (${def.goal})`
      lines.push([label, base ? pct(r.rps / base.rps) : '-', !base ? 'n/a (none not measured)' : r.rps > base.rps ? 'PASS' : 'MISS'])
      continue
    }
    if (def.minRatio === undefined || !r) continue
    const label = `${t}: req/s >= ${def.minRatio * 100}% of none${def.goal ? ` (${def.goal})` : ''}`
    if (!base) lines.push([label, '-', 'n/a (none not measured)'])
    else lines.push([label, pct(r.rps / base.rps), r.rps / base.rps >= def.minRatio ? 'PASS' : 'MISS'])
    // The same target on CPU per request (req/s ~ 1 / CPU per request on one core): steadier on a busy machine.
    if (base && r.cpuUs !== undefined && base.cpuUs !== undefined) {
      const ratio = base.cpuUs / r.cpuUs
      lines.push([`${t}: by CPU per request, none's/${t}'s (info)`, pct(ratio), ratio >= def.minRatio ? 'pass' : 'miss'])
    }
  }
  if (lines.length) {
    const w0 = Math.max(...lines.map((l) => l[0].length))
    const w1 = Math.max(...lines.map((l) => l[1].length))
    console.log('\ntargets:')
    for (const [a, b, c] of lines) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`)
  }
  const bad = Object.entries(results).filter(([, r]) => r.errors > 0)
  if (bad.length) console.log(`\nwarning: errors or non-2xx responses for ${bad.map(([t]) => t).join(', ')}: their figures are not comparable`)
}

/** Each target's req/s as a fraction of `none`, round by round: the drift a mean hides. */
function perRound(all) {
  if (!all.every((r) => r.none)) return
  const rows = []
  for (const t of ALL_TARGETS) {
    if (t === 'none' || !all.every((r) => r[t])) continue
    const xs = all.map((r) => r[t].rps / r.none.rps)
    rows.push(`  ${t} / none, req/s: ${xs.map(pct).join(', ')} (median ${pct(median(xs))})`)
    if (all.every((r) => r[t].cpuUs !== undefined && r.none.cpuUs !== undefined)) {
      const cs = all.map((r) => r[t].cpuUs / r.none.cpuUs)
      rows.push(`  ${t} / none, CPU per request: ${cs.map((c) => `${c.toFixed(2)}x`).join(', ')} (median ${median(cs).toFixed(2)}x)`)
    }
  }
  if (rows.length) console.log(`\nreq/s ratios per round:\n${rows.join('\n')}`)
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  console.log(`bench/plugins: node ${process.version}, ${CORES} cores, load: ${wrkVersion(WRK)}`)
  console.log(
    `  wrk -t${threads} -c${connections} -d${duration}s (warm-up ${warmup}s per target), path ${REQUEST_PATH}, ${rounds} round(s)` +
      `${workerCount > 1 ? `, gateway --workers ${workerCount}` : ''}\n` +
      `  ${pin ? `pinned: gateway on core ${TARGET_CORE}, wrk and upstream on core 0` : `not pinned (${!TASKSET ? (opts['no-pin'] ? '--no-pin' : 'no taskset') : 'fewer than 2 cores'}): figures are noisier`}`,
  )
  console.log(`  load average before: ${loadAverage()} (the machine should be otherwise idle)`)

  const tmp = await makeTempDir('bench-plugins-')
  const upstream = await startUpstream(pinned)
  const ctx = { upstream: upstream.address, consumers: consumerCount, setups: {} }
  for (const t of targets) if (TARGETS[t].setup) ctx.setups[t] = await TARGETS[t].setup(ctx)
  const files = {}
  for (const t of targets) {
    files[t] = join(tmp, `${t}.yml`)
    await writeFile(files[t], TARGETS[t].config(ctx))
  }
  if (opts.keep) console.log(`  configs: ${targets.map((t) => files[t]).join(', ')}`)

  const all = []
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    console.log(`\nround ${round + 1}/${rounds}: ${order.join(' -> ')}`)
    const results = {}
    for (const name of order) {
      if (wasInterrupted()) return
      const def = TARGETS[name]
      const t0 = Date.now()
      const target = await startGateway(name, files[name])
      const started = Date.now() - t0
      try {
        await checkTarget(name, target.address)
        if (warmup > 0) await load(target, warmup, def.headers)
        const r = await load(target, duration, def.headers)
        results[name] = r
        console.log(
          `  ${def.label.padEnd(30)} ${fmtInt(r.rps).padStart(7)} req/s  p50 ${fmtMs(r.p50).padStart(5)} ms  p99 ${fmtMs(r.p99).padStart(5)} ms` +
            `${r.cpuUs === undefined ? '' : `  CPU ${r.cpuUs.toFixed(1).padStart(5)} µs/req`}` +
            `${r.errors ? `  ${r.errors} errors` : ''}  (started in ${(started / 1000).toFixed(1)} s)`,
        )
      } finally {
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
      const cpuUs = rs.every((r) => r.cpuUs !== undefined) ? mean('cpuUs') : undefined
      summary[t] = { rps: mean('rps'), p50: mean('p50'), p99: mean('p99'), cpuUs, errors: rs.reduce((a, r) => a + r.errors, 0) }
    }
  }
  console.log(`\nload average after: ${loadAverage()}`)
  table(summary, rounds > 1 ? `mean of ${rounds} rounds` : `results (${targets.join(' -> ')})`)
  verdicts(summary)
  if (rounds > 1) perRound(all)
  if (opts['cpu-prof']) console.log(`\ncpu profiles (warm-up and start-up included): ${opts['cpu-prof']}`)
}

await runBench({ name: 'bench/plugins', keep: opts.keep }, main)

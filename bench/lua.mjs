#!/usr/bin/env node
// Benchmark (not a test): what Kong users' Lua costs in the gateway (issue 13's
// speed targets), then the same Lua under our runtime and under the luajit
// binary side by side (bench/lua-micro.mjs). Each gateway target is its own
// `gateway serve` process on a generated config, started once and kept up; the
// targets are loaded one after another under the same load, in short rounds
// that alternate the order, and the summary is the median of the rounds, so a
// machine whose speed drifts slows every target alike.
//
//   npm run bench:lua                                   (builds, then this script)
//   node bench/lua.mjs --rounds 9 --duration 10s        (the figures to quote)
//   node bench/lua.mjs --targets none,aggregation --rounds 3 --cpu-prof /tmp/prof
//
// Targets (TARGETS below):
//   none        one service, one route (/bench), no plugins: the baseline
//   pre-function  a ~20-line pre-function (bench/lua-snippets.mjs) reading five
//               request headers and setting two upstream headers
//   request-transformer-supabase  Supabase's request-transformer of its REST
//               routes, read from ../shared/corpus/supabase-rendered/kong.rendered.yml:
//               the Authorization template (a Lua expression) maps the publishable
//               apikey wrk sends to the anon JWT
//   aggregation the request-callout seed's aggregation (../shared/seeds): two
//               callouts (httpbin-shaped JSON from bench/upstream.mjs, decoded,
//               memory-cached, so after the first request none goes out) and an
//               upstream.by_lua answering with a document built from both
// Every target gets the same request headers (x-tenant-id, apikey, accept), so the
// baseline parses the same request. Before measuring, each target is checked: the
// upstream's echo (/bench/_/echo) shows the headers the plugin set, the
// aggregation answers the document the seed's Lua builds; a failed check fails
// the run.
//
// Load: wrk -t1 -c50 --latency after a warm-up run per target, as
// bench/plugins.mjs; with taskset and two cores or more the gateway runs alone on
// core 1, wrk and the upstream (bench/upstream.mjs) on core 0.
//
// Options:
//   --duration D      measured run per target per round (default 5s)
//   --warmup D        warm-up run per target, once, after its checks (default 5s; 0 to skip)
//   --connections N   concurrent connections (default 50)
//   --threads N       wrk threads (default 1)
//   --targets LIST    comma-separated subset/order of the targets above
//   --rounds N        rounds (default 5); odd rounds run the targets in reverse order
//   --no-micro        skip the micro-benchmark (bench/lua-micro.mjs) at the end
//   --no-pin          do not use taskset
//   --cpu-prof DIR    run the gateways under `node --cpu-prof --cpu-prof-dir DIR`
//   --keep            keep the generated configs (their paths are printed)
//
// Reported per target: req/s, its ratio to `none` (median of the per-round
// ratios, each taken within one round), p99, the gateway's CPU time per request
// (from /proc; steadier than req/s on a busy machine) and how busy it kept its
// core (well under 100 % for `none`, the load side set the pace and the req/s
// ratios say little; the script warns). Targets (the
// issue's): pre-function and request-transformer-supabase keep >= 85 % of
// `none`, aggregation >= 60 %. A miss is reported, not failed: the script exits
// 0 unless something cannot run (then 1; usage errors 2).
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  BENCH,
  NODE,
  TARGET_CORE,
  cpuSeconds,
  fmtInt,
  fmtMs,
  gatewayServeArgs,
  gatewayStarted,
  httpGet,
  loadAverage,
  makeTempDir,
  median,
  oneRoute,
  printBanner,
  printTable,
  runBench,
  startServer,
  startUpstream,
  startWrk,
  optionReaders,
  stopChild,
  wasInterrupted,
  wrkRunOptions,
  wrkRunSetup,
} from './lib.mjs'
import { AGGREGATION_LUA, PRE_FUNCTION, UUID_BODY, clientHeaders, supabaseTransformer } from './lua-snippets.mjs'

const NAME = 'bench/lua'
const PATH = '/bench/lua'
const ECHO = '/bench/_/echo'

/** `want` (header -> value) is what the upstream received through target `name`. */
async function expectUpstreamHeaders(name, address, headers, want) {
  const r = await httpGet(`http://${address}${ECHO}`, false, 10_000, headers)
  if (r.status !== 200) throw new Error(`${name}: GET ${ECHO}: ${r.status} ${r.body.slice(0, 200)}`)
  const got = JSON.parse(r.body).headers
  for (const [h, v] of Object.entries(want))
    if (got[h] !== v) throw new Error(`${name}: the upstream got ${h}: ${JSON.stringify(got[h])} (want ${JSON.stringify(v)})`)
}

// name -> { label, minRatio?, config(ctx), check(address, headers) }; ctx: { upstream, supabase }
const TARGETS = {
  none: {
    label: 'no plugins',
    config: (ctx) => oneRoute(ctx),
    async check(address, headers) {
      const r = await httpGet(`http://${address}${PATH}`, false, 10_000, headers)
      if (r.status !== 200 || r.body.length !== 100) throw new Error(`none: GET ${PATH}: ${r.status}, ${r.body.length} bytes (want 200, 100 bytes)`)
    },
  },
  'pre-function': {
    label: 'pre-function, ~20 lines, 2 headers set',
    minRatio: 0.85,
    config: (ctx) => oneRoute(ctx, `    - name: pre-function\n      config:\n        access:\n        - ${JSON.stringify(PRE_FUNCTION)}\n`),
    async check(address, headers) {
      await expectUpstreamHeaders('pre-function', address, headers, { 'x-tenant-route': 't-42.eu-west', 'x-client': 'key:sb_publishab;json' })
      const without = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'x-tenant-id'))
      const r = await httpGet(`http://${address}${PATH}`, false, 10_000, without)
      if (r.status !== 400) throw new Error(`pre-function: without x-tenant-id: ${r.status} (want 400 from kong.response.exit)`)
    },
  },
  'request-transformer-supabase': {
    label: "request-transformer, Supabase's template",
    minRatio: 0.85,
    config: (ctx) => oneRoute(ctx, `    - name: request-transformer\n      config: ${JSON.stringify(ctx.supabase.config)}\n`),
    async check(address, headers, ctx) {
      const want = `Bearer ${ctx.supabase.keys.ANON_KEY_ASYMMETRIC}`
      await expectUpstreamHeaders('request-transformer-supabase', address, headers, { authorization: want })
    },
  },
  aggregation: {
    label: 'aggregation: 2 cached callouts + by_lua',
    minRatio: 0.6,
    config: (ctx) =>
      oneRoute(
        ctx,
        `    - name: request-callout
      config:
        callouts:
        - { name: c1, request: { method: GET, url: "http://${ctx.upstream}/_/uuid" }, response: { body: { decode: true } } }
        - { name: c2, request: { method: GET, url: "http://${ctx.upstream}/_/anything" }, response: { body: { decode: true } } }
        upstream:
          by_lua: ${JSON.stringify(AGGREGATION_LUA)}
        cache: { strategy: memory, cache_ttl: 3600 }
`,
      ),
    async check(address, headers, ctx) {
      for (let i = 0; i < 2; i++) {
        // The second request is answered from the callout cache.
        const r = await httpGet(`http://${address}${PATH}`, false, 10_000, headers)
        const want = { uuid: UUID_BODY.uuid, origin: `http://${ctx.upstream}/_/anything` }
        let got
        try {
          got = JSON.parse(r.body)
        } catch {
          // not JSON: reported below
        }
        if (r.status !== 200 || JSON.stringify(got) !== JSON.stringify(want))
          throw new Error(`aggregation: GET ${PATH}: ${r.status} ${r.body.slice(0, 200)} (want 200 ${JSON.stringify(want)})`)
      }
    },
  },
}
const ALL = Object.keys(TARGETS)

// ---------------------------------------------------------------------------
// Options

const { values: opts } = parseArgs({
  options: {
    ...wrkRunOptions({ duration: '5s', warmup: '5s' }),
    targets: { type: 'string', default: ALL.join(',') },
    rounds: { type: 'string', default: '5' },
    'no-micro': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
})
if (opts.help) {
  console.log(
    'usage: node bench/lua.mjs [--duration 5s] [--warmup 5s] [--connections 50] [--threads 1] [--rounds 5]\n' +
      `                          [--targets ${ALL.join(',')}]\n` +
      '                          [--no-micro] [--no-pin] [--cpu-prof DIR] [--keep]',
  )
  process.exit(0)
}
const { usage, integer } = optionReaders(NAME)
const rounds = integer('rounds', opts.rounds, 1)
const targets = opts.targets
  .split(',')
  .map((t) => t.trim())
  .filter(Boolean)
if (targets.length === 0) usage('--targets is empty')
for (const t of targets) if (!Object.hasOwn(TARGETS, t)) usage(`unknown target '${t}' (known: ${ALL.join(', ')})`)
if (new Set(targets).size !== targets.length) usage('--targets lists a target twice')
const setup = wrkRunSetup(NAME, opts, 'bench:lua')

// ---------------------------------------------------------------------------
// Running

const cpuProf = (name) => (opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', opts['cpu-prof'], '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : [])

async function startGateway(name, file) {
  const [cmd, args] = setup.pinned(TARGET_CORE, NODE, [...cpuProf(name), ...gatewayServeArgs(file)])
  const s = await startServer(`gateway (${name})`, cmd, args, gatewayStarted)
  return { address: s.address, pid: s.child.pid, stop: () => stopChild(s.child, 15_000) }
}

/** wrk's figures, and the gateway's CPU µs per request when /proc has them. */
async function load(gw, secs, headers) {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
  const cpu0 = cpuSeconds(gw.pid)
  const r = await startWrk({
    bin: setup.wrk,
    pinned: setup.pinned,
    threads: setup.threads,
    connections: setup.connections,
    secs,
    url: `http://${gw.address}${PATH}`,
    headers: lines,
  }).done
  const cpu1 = cpuSeconds(gw.pid)
  const cpuUs = cpu0 !== undefined && cpu1 !== undefined && r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : undefined
  // How much of its core the gateway used: well below 1, the load side (or the machine) set the pace, not the gateway.
  const busy = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / secs : undefined
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpuUs, busy, requests: r.requests, errors: r.socketErrors + r.non2xx }
}

/** bench/lua-micro.mjs on the gateway's core, its output passed through. */
function micro() {
  const only = ['pre-function', 'supabase-template', 'aggregation'].join(',')
  const [cmd, args] = setup.pinned(TARGET_CORE, NODE, [join(BENCH, 'lua-micro.mjs'), '--only', only])
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bench/lua-micro.mjs exited with ${code}`))))
  })
}

// ---------------------------------------------------------------------------
// Report

const pct = (r) => `${(r * 100).toFixed(1)}%`

function summary(all) {
  const rows = [['target', 'req/s', 'vs none', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU vs none', 'gateway busy', 'errors']]
  const verdicts = []
  for (const t of ALL) {
    const rs = all.map((r) => r[t]).filter(Boolean)
    if (rs.length === 0) continue
    const med = (k) => median(rs.map((r) => r[k]))
    const both = all.filter((r) => r[t] && r.none)
    const ratio = both.length ? median(both.map((r) => r[t].rps / r.none.rps)) : undefined
    const cpuBoth = both.filter((r) => r[t].cpuUs !== undefined && r.none.cpuUs !== undefined)
    const cpuRatio = cpuBoth.length ? median(cpuBoth.map((r) => r[t].cpuUs / r.none.cpuUs)) : undefined
    const cpu = rs.every((r) => r.cpuUs !== undefined) ? med('cpuUs') : undefined
    const busy = rs.every((r) => r.busy !== undefined) ? med('busy') : undefined
    rows.push([
      TARGETS[t].label,
      fmtInt(med('rps')),
      ratio === undefined ? '-' : pct(ratio),
      fmtMs(med('p50')),
      fmtMs(med('p99')),
      cpu === undefined ? '-' : cpu.toFixed(1),
      cpuRatio === undefined ? '-' : `${cpuRatio.toFixed(2)}x`,
      busy === undefined ? '-' : pct(busy),
      String(rs.reduce((a, r) => a + r.errors, 0)),
    ])
    if (t === 'none' || ratio === undefined) continue
    const perRound = both.map((r) => pct(r[t].rps / r.none.rps)).join(', ')
    const goal = TARGETS[t].minRatio
    verdicts.push(`  ${t}: ${pct(ratio)} of none's req/s (rounds: ${perRound})${goal ? ` target >= ${pct(goal)}: ${ratio >= goal ? 'MET' : 'MISSED'}` : ''}`)
    if (cpuRatio !== undefined)
      verdicts.push(
        `    by CPU per request, none's / ${t}'s: ${pct(1 / cpuRatio)}${goal ? ` (${1 / cpuRatio >= goal ? 'met' : 'missed'} on this measure)` : ''}`,
      )
  }
  console.log(`\nmedian of ${all.length} round(s)\n`)
  printTable(rows)
  if (verdicts.length) console.log(`\ntargets (req/s as a share of none, median of the per-round ratios):\n${verdicts.join('\n')}`)
  const noneBusy = all.every((r) => r.none?.busy !== undefined) ? median(all.map((r) => r.none.busy)) : undefined
  if (noneBusy !== undefined && noneBusy < 0.9)
    console.log(
      `\nwarning: the gateway without plugins kept its core only ${pct(noneBusy)} busy: wrk and the upstream (or other processes\n` +
        'on their core) set the pace, so the req/s ratios say little about the gateway; the CPU-per-request ratios still do.',
    )
  const bad = ALL.filter((t) => all.some((r) => r[t]?.errors > 0))
  if (bad.length) console.log(`\nwarning: errors or non-2xx responses for ${bad.join(', ')}: their figures are not comparable`)
}

// ---------------------------------------------------------------------------
// Main

async function main() {
  const load1 = `wrk -t${setup.threads} -c${setup.connections} -d${setup.duration}s per target and round (warm-up ${setup.warmup}s per target, once), ${rounds} round(s), path ${PATH}`
  printBanner(NAME, setup, load1)
  const tmp = await makeTempDir('bench-lua-')
  const upstream = await startUpstream(setup.pinned)
  const supabase = targets.includes('request-transformer-supabase') ? supabaseTransformer() : undefined
  const keys = supabase?.keys ?? { SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_0123456789abcdef01234567' }
  const headers = clientHeaders(keys)
  const ctx = { upstream: upstream.address, supabase }
  const files = {}
  for (const t of targets) {
    files[t] = join(tmp, `${t}.yml`)
    await writeFile(files[t], TARGETS[t].config(ctx))
  }
  if (opts.keep) console.log(`  configs: ${targets.map((t) => files[t]).join(', ')}`)

  // Every gateway starts once and stays up (the idle ones use no CPU): the rounds then
  // alternate between them quickly, so a machine whose speed drifts (other
  // processes, a shared host) slows every target alike.
  const gateways = {}
  try {
    for (const name of targets) {
      if (wasInterrupted()) return
      gateways[name] = await startGateway(name, files[name])
      await TARGETS[name].check(gateways[name].address, headers, ctx)
      if (setup.warmup > 0) await load(gateways[name], setup.warmup, headers)
    }
    const all = []
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      console.log(`\nround ${round + 1}/${rounds}: ${order.join(' -> ')}`)
      const results = {}
      for (const name of order) {
        if (wasInterrupted()) return
        const r = await load(gateways[name], setup.duration, headers)
        results[name] = r
        console.log(
          `  ${name.padEnd(29)} ${fmtInt(r.rps).padStart(7)} req/s  p50 ${fmtMs(r.p50).padStart(5)} ms  p99 ${fmtMs(r.p99).padStart(5)} ms` +
            `${r.cpuUs === undefined ? '' : `  CPU ${r.cpuUs.toFixed(1).padStart(6)} µs/req, ${pct(r.busy).padStart(6)} busy`}${r.errors ? `  ${r.errors} errors` : ''}`,
        )
      }
      all.push(results)
    }
    console.log(`\nload average after: ${loadAverage()} (above ~1 the figures are noisy: compare within one run)`)
    summary(all)
  } finally {
    await Promise.all(Object.values(gateways).map((g) => g.stop()))
  }
  if (opts['cpu-prof']) console.log(`\ncpu profiles (start-up and warm-up included): ${opts['cpu-prof']}`)
  if (!opts['no-micro'] && !wasInterrupted()) {
    console.log('\nthe same Lua in-process, our runtime beside the luajit binary (bench/lua-micro.mjs):\n')
    await micro()
  }
}

await runBench({ name: NAME, keep: opts.keep }, main)

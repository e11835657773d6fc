// Shared by the benchmark scripts (bench/proxy.mjs, bench/plugins.mjs, bench/lua.mjs, bench/protocols.mjs,
// bench/reload-soak.mjs, bench/slow-clients.mjs): option readers, the set-up of a wrk run
// against the gateway (its options, wrk and dist/ checks, pinning, the banner), taskset
// pinning, child processes tracked and stopped by PID (also on error and Ctrl-C), temp
// dirs, the gateway and upstream processes, CPU time from /proc, wrk runs and their
// parsing, plain GETs, formatting.
// Plain Node ESM, no dependencies.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { get } from 'node:http'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const BENCH = join(ROOT, 'bench')
export const GATEWAY = join(ROOT, 'bin', 'gateway')
export const NODE = process.execPath

// ---------------------------------------------------------------------------
// Options

/** `usage`, `seconds` and `integer` readers whose errors name the script and exit 2. */
export function optionReaders(name) {
  function usage(msg) {
    console.error(`${name}: ${msg}`)
    process.exit(2)
  }
  function seconds(option, value, min) {
    const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(value)
    if (!m) usage(`--${option} must be a duration like 10s, 1m or 10, got '${value}'`)
    const s = Number(m[1]) * (m[2] === 'm' ? 60 : 1)
    if (s < min || (s !== 0 && !Number.isInteger(s))) usage(`--${option} must be a whole number of seconds >= ${min}, got '${value}'`)
    return s
  }
  function integer(option, value, min) {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) usage(`--${option} must be an integer >= ${min}, got '${value}'`)
    return n
  }
  return { usage, seconds, integer }
}

/**
 * The parseArgs options of a wrk run against the gateway, spelled as every
 * script spells them; `defaults` overrides a default (e.g. { connections: '20' }).
 */
export function wrkRunOptions(defaults = {}) {
  const d = { duration: '10s', warmup: '3s', connections: '50', threads: '1', ...defaults }
  return {
    duration: { type: 'string', default: d.duration },
    warmup: { type: 'string', default: d.warmup },
    connections: { type: 'string', default: d.connections },
    threads: { type: 'string', default: d.threads },
    'no-pin': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }
}

/**
 * Everything a wrk run against the gateway checks before it starts: the
 * wrkRunOptions values (usage errors exit 2), wrk installed and dist/ built
 * (else exit 1, saying how to fix it; `npmScript` is the script that builds
 * first). Returns { duration, warmup, connections, threads, wrk, ...pinning() }.
 */
export function wrkRunSetup(name, opts, npmScript) {
  const { usage, seconds, integer } = optionReaders(name)
  const run = {
    duration: seconds('duration', opts.duration, 1),
    warmup: seconds('warmup', opts.warmup, 0),
    connections: integer('connections', opts.connections, 1),
    threads: integer('threads', opts.threads, 1),
  }
  if (run.threads > run.connections) usage('--threads must not exceed --connections')
  const wrk = which('wrk')
  if (!wrk) {
    console.error(`${name}: wrk not found. Install it: apt-get update && apt-get install -y wrk`)
    process.exit(1)
  }
  if (!distBuilt()) {
    console.error(`${name}: dist/ is missing: build first with \`npx tsc -p tsconfig.json\` (or use \`npm run ${npmScript}\`)`)
    process.exit(1)
  }
  return { ...run, wrk, ...pinning(opts['no-pin']) }
}

/** The opening lines of a run: versions, `detail` (the load, one or more lines), where things are pinned, the load average. */
export function printBanner(name, setup, detail) {
  console.log(`${name}: node ${process.version}, ${setup.cores} cores, load: ${wrkVersion(setup.wrk)}`)
  console.log(`  ${detail}`)
  console.log(`  ${setup.pin ? `pinned: gateway on core ${TARGET_CORE}, wrk and upstream on core ${LOAD_CORE}` : 'not pinned: figures are noisier'}`)
  console.log(`  load average before: ${loadAverage()} (the machine should be otherwise idle)`)
}

// ---------------------------------------------------------------------------
// Tools: executables, the build, taskset

/** Absolute path of `cmd` in `extra` dirs first, then PATH; undefined if absent. */
export function which(cmd, extra = []) {
  for (const dir of [...extra, ...(process.env.PATH ?? '').split(delimiter)]) {
    if (!dir) continue
    const p = join(dir, cmd)
    if (existsSync(p)) return p
  }
  return undefined
}

export function distBuilt() {
  return existsSync(join(ROOT, 'dist', 'cli', 'main.js'))
}

export const LOAD_CORE = '0'
export const TARGET_CORE = '1'

/** Pinning with taskset, on when it is installed, allowed and there are two cores or more. */
export function pinning(noPin) {
  const taskset = noPin ? undefined : which('taskset')
  const cores = availableParallelism()
  const pin = taskset !== undefined && cores >= 2
  /** [cmd, args] run on `core` when pinning, as is otherwise. */
  const pinned = (core, cmd, args) => (pin ? [taskset, ['-c', core, cmd, ...args]] : [cmd, args])
  function repin(pid, core) {
    if (!pin) return
    // -a: every thread of the process (V8 and libuv threads included).
    const r = spawnSync(taskset, ['-a', '-p', '-c', core, String(pid)], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`taskset -a -p -c ${core} ${pid} failed: ${r.stderr.trim()}`)
  }
  return { taskset, cores, pin, pinned, repin }
}

// ---------------------------------------------------------------------------
// Processes: every one is tracked and stopped by PID, also on error and Ctrl-C.

const children = new Set()
const tempDirs = []
let interrupted = false

/** True once SIGINT/SIGTERM/SIGHUP arrived: main loops return early. */
export const wasInterrupted = () => interrupted

function track(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  child.on('error', () => {
    if (child.pid === undefined) children.delete(child) // a failed spawn emits no 'exit'
  })
  return child
}

/**
 * Spawns a server and waits for the first JSON stdout line for which `ready(msg)`
 * is truthy; resolves { role, child, msg, address: ready(msg), lines, stderr }.
 * `lines` keeps reading stdout afterwards.
 */
export function startServer(role, cmd, args, ready) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }))
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
      if (stderr.length > 200) stderr.splice(0, 100) // a long-lived server: keep only a recent tail
    })
    child.on('error', (err) => fail(err.message))
    child.on('exit', (code, signal) => fail(`exited before it was ready (${code ?? signal})`))
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      if (settled) return
      const msg = parseJsonLine(line)
      const address = msg && ready(msg)
      if (address) {
        settled = true
        clearTimeout(timer)
        resolve({ role, child, msg, address, lines, stderr })
      }
    })
  })
}

/** The object on a JSON log line; undefined for anything else. */
export function parseJsonLine(line) {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}

/** `ready` for bench/upstream.mjs and the other bench servers: their listen address. */
export const listening = (msg) => (msg.msg === 'listening' ? msg.address : undefined)

/** `ready` for `gateway serve`: its first proxy address. */
export const gatewayStarted = (msg) => (msg.msg === 'gateway started' ? msg.proxy?.[0] : undefined)

/** Argv (after node) of `gateway serve` on an ephemeral proxy port. */
export function gatewayServeArgs(config, adminListen = 'off') {
  return [GATEWAY, 'serve', '--config', config, '--listen', '127.0.0.1:0', '--admin-listen', adminListen]
}

/** `gateway serve` on `config` (proxy on an ephemeral port, no admin) on the target core; resolves as startServer. */
export function startGatewayServe(pinned, config, role = 'gateway') {
  const [cmd, args] = pinned(TARGET_CORE, NODE, gatewayServeArgs(config))
  return startServer(role, cmd, args, gatewayStarted)
}

/** { host, port } of a `host:port` address as the servers print it. */
export function splitAddress(address) {
  const i = address.lastIndexOf(':')
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) }
}

/** bench/upstream.mjs (100-byte body, keep-alive) on the load core. */
export function startUpstream(pinned) {
  const [cmd, args] = pinned(LOAD_CORE, NODE, [join(BENCH, 'upstream.mjs'), '--listen', '127.0.0.1:0'])
  return startServer('upstream', cmd, args, listening)
}

/** Spawns a tracked command; `done` resolves with { code, signal, stdout, stderr } once it closes. */
export function spawnCaptured(cmd, args) {
  const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }))
  const out = []
  const err = []
  child.stdout.on('data', (b) => out.push(b))
  child.stderr.on('data', (b) => err.push(b))
  const done = new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }))
  })
  return { child, done }
}

const running = (child) => child.exitCode === null && child.signalCode === null

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export function stopChild(child, graceMs = 5000) {
  if (!running(child)) {
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

export async function stopAll(graceMs) {
  await Promise.all([...children].map((c) => stopChild(c, graceMs)))
}

/** A fresh directory under the OS temp dir, removed by runBench unless `keep`. */
export async function makeTempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  tempDirs.push(dir)
  return dir
}

async function removeTempDirs() {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })))
}

/**
 * Runs `main`, then stops every child and removes the temp dirs, also on
 * SIGINT/SIGTERM/SIGHUP (exit 130). Exits 0, or 1 when `main` throws.
 */
export async function runBench({ name, keep = false, graceMs = 5000, errorText = (err) => err.message }, main) {
  const cleanUp = async () => {
    await stopAll(graceMs)
    if (!keep) await removeTempDirs()
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      interrupted = true
      console.error(`\n${name}: ${sig}: stopping ${children.size} process(es)`)
      void cleanUp().finally(() => process.exit(130))
    })
  }
  // Last resort (an exception that skipped the cleanup): no process outlives the script.
  process.on('exit', () => {
    for (const c of children) if (running(c)) c.kill('SIGKILL')
  })
  let code = 0
  try {
    await main()
  } catch (err) {
    if (!interrupted) {
      console.error(`\n${name}: ${errorText(err)}`)
      code = 1
    }
  } finally {
    await cleanUp()
  }
  if (!interrupted) process.exit(code)
}

// ---------------------------------------------------------------------------
// CPU time from /proc
//
// The gateway's CPU time per request is much steadier than req/s on a machine
// that is not idle, since time spent waiting for a core is not counted. Linux only.

const CLK_TCK = (() => {
  const n = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout)
  return Number.isInteger(n) && n > 0 ? n : 100
})()

/** [ppid, CPU seconds used so far] of a process; undefined when it is gone or without /proc. */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // f[0] is field 3 (state)
    return [Number(f[1]), (Number(f[11]) + Number(f[12])) / CLK_TCK] // fields 4 (ppid), 14, 15 (utime, stime)
  } catch {
    return undefined
  }
}

/**
 * Seconds of CPU (user + system, all threads) the process used so far, with
 * its live descendants' when `descendants` (a gateway's --workers); undefined
 * without /proc.
 */
export function cpuSeconds(pid, descendants = false) {
  const own = procStat(pid)
  if (own === undefined) return undefined
  if (!descendants) return own[1]
  const children = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const s = procStat(name)
    if (s === undefined) continue
    const list = children.get(s[0])
    if (list) list.push([Number(name), s[1]])
    else children.set(s[0], [[Number(name), s[1]]])
  }
  let total = own[1]
  const queue = [pid]
  while (queue.length) {
    for (const [child, secs] of children.get(queue.pop()) ?? []) {
      total += secs
      queue.push(child)
    }
  }
  return total
}

// ---------------------------------------------------------------------------
// HTTP

/**
 * One GET; resolves { status, headers, body } (body as a string). `agent` false:
 * a fresh connection. `headers`: request headers as an object.
 */
export function httpGet(url, agent = false, timeout = 10_000, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent, timeout, headers }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)))
    req.on('error', reject)
  })
}

// ---------------------------------------------------------------------------
// wrk

export function wrkVersion(bin) {
  return (spawnSync(bin, ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0] || 'wrk').trim()
}

const UNIT = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 }
/** Milliseconds from a wrk figure like 812.00us, 1.20ms or 2.00s. */
export function latencyMs(text) {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text)
  if (!m) throw new Error(`cannot parse wrk latency '${text}'`)
  return Number(m[1]) * UNIT[m[2]]
}

/** The figures of `wrk --latency` output: req/s, p50/p99/max (ms), requests, socket errors, non-2xx. */
export function parseWrk(o) {
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

/** The figures of a run in which no request completed (wrk then prints no latencies to parse). */
export const STARVED = Object.freeze({ rps: 0, p50: NaN, p99: NaN, max: NaN, requests: 0, socketErrors: NaN, socketDetail: 'n/a', non2xx: 0 })

/**
 * Starts `wrk -tT -cC -dSs --latency [-H 'name: value'...] url` on the load core;
 * `done` resolves with parseWrk's figures; `stop()` sends SIGINT (wrk then still
 * prints its figures). `headers`: lines like 'apikey: secret', sent on every request.
 * `starved`: a run wrk cannot report on (no request completed) resolves with
 * STARVED instead of failing: for scripts that measure a client being starved.
 */
export function startWrk({ bin, pinned, threads, connections, secs, url, headers = [], starved = false }) {
  const hs = headers.flatMap((h) => ['-H', h])
  const [cmd, args] = pinned(LOAD_CORE, bin, [`-t${threads}`, `-c${connections}`, `-d${secs}s`, '--latency', ...hs, url])
  const { child, done } = spawnCaptured(cmd, args)
  return {
    done: done.then((r) => {
      if (r.code !== 0) throw new Error(`wrk failed (${r.code ?? r.signal}): ${r.stderr || r.stdout}`)
      try {
        return parseWrk(r.stdout)
      } catch (err) {
        if (starved && /cannot parse wrk/.test(err.message)) return STARVED
        throw err
      }
    }),
    stop: () => running(child) && child.kill('SIGINT'),
  }
}

// ---------------------------------------------------------------------------
// Formatting

/** The median of numbers (the mean of the middle two for an even count). */
export function median(xs) {
  const v = [...xs].sort((a, b) => a - b)
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
}

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US')
export const fmtMs = (n) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0))
export const pause = (ms) => new Promise((r) => setTimeout(r, ms))
export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')

/** A Markdown table: first column left-aligned, the others right-aligned. */
export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`
  console.log(line(rows[0]))
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`)
  for (const r of rows.slice(1)) console.log(line(r))
}

/**
 * kong.yml for the benches: one service at `ctx.upstream`, one route on /bench
 * (strip_path: the upstream sees the rest), `plugins` (YAML list items) on the
 * route, `rest` appended at top level.
 */
export function oneRoute(ctx, plugins = '', rest = '') {
  return (
    '_format_version: "3.0"\n' +
    'services:\n' +
    '- name: bench\n' +
    `  url: http://${ctx.upstream}\n` +
    '  routes:\n' +
    '  - name: bench\n' +
    '    paths:\n' +
    '    - /bench\n' +
    (plugins ? `    plugins:\n${plugins}` : '') +
    rest
  )
}

#!/usr/bin/env node
// Benchmark (not a test): how long `gateway validate` takes, and how much
// memory it needs, on a large declarative file.
//
//   npx tsc -p tsconfig.json && node bench/validate-scale.mjs
//   node bench/validate-scale.mjs --services 1000 --runs 1     (quick run)
//
// Options:
//   --services N   services, each with one nested route (default 10000)
//   --consumers N  consumers, each with one nested key-auth credential
//                  (default: the number of services)
//   --runs N       child-process runs of `gateway validate` (default 3)
//   --rss MODE     how peak RSS is measured: auto (default; /usr/bin/time -v
//                  when present), time, or preload (process.resourceUsage())
//   --keep         keep the generated file (its path is printed)
//
// Targets: under 2 s wall (median of the runs) and under 300 MB peak RSS (max
// of the runs). A miss is reported, not failed: the script exits 0 unless the
// file does not validate or something cannot run.
import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const GATEWAY = join(ROOT, 'bin', 'gateway')
const TIME = '/usr/bin/time'
const TARGET_WALL_MS = 2000
const TARGET_RSS_MB = 300

const { values: opts } = parseArgs({
  options: {
    services: { type: 'string', default: '10000' },
    consumers: { type: 'string' },
    runs: { type: 'string', default: '3' },
    rss: { type: 'string', default: 'auto' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (opts.help) {
  console.log('usage: node bench/validate-scale.mjs [--services N] [--consumers N] [--runs N] [--rss auto|time|preload] [--keep]')
  process.exit(0)
}

function count(name, value, min) {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}, got '${value}'`)
    process.exit(2)
  }
  return n
}
const services = count('services', opts.services, 0)
const consumers = count('consumers', opts.consumers ?? opts.services, 0)
const runs = count('runs', opts.runs, 1)
if (!['auto', 'time', 'preload'].includes(opts.rss)) {
  console.error(`--rss must be auto, time or preload, got '${opts.rss}'`)
  process.exit(2)
}
const useTime = opts.rss === 'time' || (opts.rss === 'auto' && existsSync(TIME))
if (opts.rss === 'time' && !existsSync(TIME)) {
  console.error(`--rss time: ${TIME} not found`)
  process.exit(2)
}

const distLoad = join(ROOT, 'dist', 'config', 'load.js')
const distYaml = join(ROOT, 'dist', 'config', 'yaml.js')
if (!existsSync(distLoad) || !existsSync(distYaml)) {
  console.error('dist/ is missing: build first with `npx tsc -p tsconfig.json`')
  process.exit(2)
}

// ---------------------------------------------------------------------------
// 1. The file: written as text (fast), realistic shapes.

/** Deterministic, random-looking API keys (xorshift32); the index keeps them unique. */
function keyMaker(seed = 0x9e3779b9) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let x = seed >>> 0
  return (i) => {
    let s = ''
    for (let j = 0; j < 24; j++) {
      x ^= x << 13
      x >>>= 0
      x ^= x >>> 17
      x ^= x << 5
      x >>>= 0
      s += alphabet[x % alphabet.length]
    }
    return `${s}${i.toString(36)}`
  }
}

function generate(nServices, nConsumers) {
  const key = keyMaker()
  const parts = ['_format_version: "3.0"\n_transform: true\n']
  if (nServices > 0) parts.push('services:\n')
  for (let i = 0; i < nServices; i++) {
    parts.push(
      `- name: svc-${i}\n` +
        `  url: http://svc-${i}.internal:8080/api\n` +
        `  tags: [bench, team-${i % 50}]\n` +
        `  routes:\n` +
        `  - name: route-${i}\n` +
        `    paths:\n` +
        `    - /svc-${i}\n` +
        `    strip_path: true\n`,
    )
  }
  if (nConsumers > 0) parts.push('consumers:\n')
  for (let i = 0; i < nConsumers; i++) {
    parts.push(`- username: user-${i}\n` + `  custom_id: cust-${i}\n` + `  keyauth_credentials:\n` + `  - key: ${key(i)}\n`)
  }
  return parts.join('')
}

// ---------------------------------------------------------------------------
// 2. The child process: wall time, exit code, peak RSS.

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []
    const err = []
    child.stdout.on('data', (b) => out.push(b))
    child.stderr.on('data', (b) => err.push(b))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6
      resolve({ code, signal, ms, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })
    })
  })
}

const RSS_MARK = '__bench_maxrss_kb='

async function validateOnce(file, preload) {
  const node = [process.execPath]
  if (preload) node.push('--import', pathToFileURL(preload).href)
  node.push(GATEWAY, 'validate', file)
  const r = useTime ? await run(TIME, ['-v', ...node]) : await run(node[0], node.slice(1))
  let rssKb
  let cpuMs
  let stderr = r.stderr
  if (useTime) {
    // /usr/bin/time -v appends its report to the child's stderr.
    const at = stderr.lastIndexOf('\tCommand being timed:')
    const report = at === -1 ? '' : stderr.slice(at)
    if (at !== -1) stderr = stderr.slice(0, at).replace(/Command exited with non-zero status \d+\n$/, '')
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(report)
    if (m) rssKb = Number(m[1])
    const user = /User time \(seconds\): ([\d.]+)/.exec(report)
    const sys = /System time \(seconds\): ([\d.]+)/.exec(report)
    if (user && sys) cpuMs = (Number(user[1]) + Number(sys[1])) * 1000
  } else {
    const m = new RegExp(`${RSS_MARK}(\\d+) (\\d+)\\n?`).exec(stderr)
    if (m) {
      rssKb = Number(m[1])
      cpuMs = Number(m[2]) / 1000
      stderr = stderr.replace(m[0], '')
    }
  }
  return { ...r, stderr, rssKb, cpuMs }
}

function printFailure(r) {
  const lines = (r.stdout + r.stderr).split('\n').filter((l) => l !== '')
  const shown = lines.slice(0, 50)
  console.error(`\ngateway validate failed (exit ${r.code ?? `signal ${r.signal}`}):`)
  for (const l of shown) console.error(`  ${l}`)
  if (lines.length > shown.length) console.error(`  ... ${lines.length - shown.length} more lines`)
}

// ---------------------------------------------------------------------------
// 3. In process: the fast path (a valid file) vs the positioned path (what an
//    invalid file pays to get line:column for every issue).

async function inProcess(file) {
  const { loadConfig } = await import(pathToFileURL(distLoad).href)
  const { parseYaml } = await import(pathToFileURL(distYaml).href)
  const text = await readFile(file, 'utf8')
  // Each timed call returns only what is checked, so no result stays alive
  // (and makes the garbage collector's work heavier) during the next one.
  const time = (fn) => {
    const start = process.hrtime.bigint()
    const value = fn()
    return { value, ms: Number(process.hrtime.bigint() - start) / 1e6 }
  }
  const loadIssuesWith = (fastPath) => () => {
    const r = loadConfig(text, { file, env: {}, fastPath })
    return r.ok ? [] : r.issues.slice(0, 5).map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`)
  }
  const loadIssues = loadIssuesWith(true)
  const positioned = loadIssuesWith(false)
  const parseErrors = () => parseYaml(text, file).errors.map((e) => e.message)
  // Warm-up: one of each, so both timings see compiled code and built schemas.
  const warm = loadIssues()
  if (warm.length > 0) throw new Error(`in-process loadConfig failed: ${warm.join('; ')}`)
  parseErrors()
  const parse = time(parseErrors)
  if (parse.value.length > 0) throw new Error(`in-process parseYaml failed: ${parse.value[0]}`)
  const load = time(loadIssues)
  if (load.value.length > 0) throw new Error(`in-process loadConfig failed: ${load.value.join('; ')}`)
  const slow = time(positioned)
  if (slow.value.length > 0) throw new Error(`in-process positioned loadConfig failed: ${slow.value.join('; ')}`)
  return { parseMs: parse.ms, loadMs: load.ms, positionedMs: slow.ms }
}

// ---------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
const fmtMs = (ms) => `${ms.toFixed(0)} ms`
const fmtMb = (kb) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(1)} MB`)

const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-'))
const file = join(dir, 'kong.yml')
process.once('SIGINT', () => {
  if (!opts.keep) rmSync(dir, { recursive: true, force: true })
  process.exit(130)
})
let exitCode = 0
try {
  const genStart = process.hrtime.bigint()
  const text = generate(services, consumers)
  await writeFile(file, text)
  const genMs = Number(process.hrtime.bigint() - genStart) / 1e6
  console.log(`generated ${file}: ${services} services, ${services} routes, ${consumers} consumers, ${consumers} key-auth credentials`)
  console.log(`  ${(text.length / 1024 / 1024).toFixed(2)} MB, ${text.split('\n').length - 1} lines, in ${fmtMs(genMs)}`)

  let preload
  if (!useTime) {
    preload = join(dir, 'maxrss.mjs')
    await writeFile(
      preload,
      `process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('${RSS_MARK}' + u.maxRSS + ' ' + (u.userCPUTime + u.systemCPUTime) + '\\n') })\n`,
    )
  }
  console.log(`peak RSS via ${useTime ? `${TIME} -v` : 'a preload printing process.resourceUsage().maxRSS'}`)
  console.log(`command: node bin/gateway validate ${file}  (x${runs})\n`)

  const results = []
  for (let i = 0; i < runs; i++) {
    const r = await validateOnce(file, preload)
    if (r.code !== 0) {
      printFailure(r)
      exitCode = 1
      break
    }
    results.push(r)
    console.log(
      `  run ${i + 1}: ${fmtMs(r.ms)} wall, ${r.cpuMs === undefined ? 'n/a' : fmtMs(r.cpuMs)} CPU, peak RSS ${fmtMb(r.rssKb)}  -- ${r.stdout.trim().split('\n').pop()}`,
    )
  }

  if (exitCode === 0) {
    const walls = results.map((r) => r.ms)
    const rss = results.map((r) => r.rssKb).filter((x) => x !== undefined)
    const cpus = results.map((r) => r.cpuMs).filter((x) => x !== undefined)
    const wallMin = Math.min(...walls)
    const wallMed = median(walls)
    const rssMax = rss.length > 0 ? Math.max(...rss) : undefined

    const { parseMs, loadMs, positionedMs } = await inProcess(file)

    const wallOk = wallMed < TARGET_WALL_MS
    const rssOk = rssMax !== undefined && rssMax / 1024 < TARGET_RSS_MB
    const rows = [
      ['validate wall (min)', fmtMs(wallMin), ''],
      ['validate wall (median)', fmtMs(wallMed), `< ${TARGET_WALL_MS / 1000} s  ${wallOk ? 'PASS' : 'MISS'}`],
      ['validate CPU user+sys (median)', cpus.length > 0 ? fmtMs(median(cpus)) : 'n/a', 'of the child process'],
      ['peak RSS (max)', fmtMb(rssMax), `< ${TARGET_RSS_MB} MB  ${rssMax === undefined ? 'UNKNOWN' : rssOk ? 'PASS' : 'MISS'}`],
      ['in-process loadConfig (fast path)', fmtMs(loadMs), 'a valid file: js-yaml, zod, normalize'],
      ['in-process loadConfig (positioned)', fmtMs(positionedMs), 'what a file with errors pays'],
      ['  of which parseYaml (positions)', fmtMs(parseMs), ''],
    ]
    const w0 = Math.max(...rows.map((r) => r[0].length))
    const w1 = Math.max(...rows.map((r) => r[1].length))
    console.log('')
    console.log(`${'measure'.padEnd(w0)}  ${'value'.padStart(w1)}  target / note`)
    console.log(`${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ${'-'.repeat(24)}`)
    for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`)
    console.log(`\n${wallOk && rssOk ? 'all targets met' : 'target missed (reported only; this is a measurement, not a gate)'}`)
  }
} catch (err) {
  console.error(`benchmark error: ${err instanceof Error ? err.message : String(err)}`)
  exitCode = 1
} finally {
  if (opts.keep) console.log(`kept ${file}`)
  else await rm(dir, { recursive: true, force: true })
}
process.exitCode = exitCode

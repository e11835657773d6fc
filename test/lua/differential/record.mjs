// Records what real LuaJIT prints for every corpus snippet, beside it as
// <name>.expected, so the differential test (differential.test.ts) can compare
// our runtime with LuaJIT byte for byte even where luajit is not installed.
//
//   node test/lua/differential/record.mjs            # re-record everything
//   node test/lua/differential/record.mjs strings    # only corpus/strings/ (any path prefix)
//   node test/lua/differential/record.mjs --check    # compare, write nothing; exit 1 on a difference
//   node test/lua/differential/record.mjs --time     # also list the snippets that take most CPU on luajit
//
// A snippet runs as `luajit corpus/<area>/<name>.lua` from this directory, so
// its chunkname is "@corpus/<area>/<name>.lua" (the harness passes the same
// one to our runtime and error positions match). TZ=UTC makes os.time{...} and
// os.date deterministic. The expected text is stdout, then, when the snippet
// dies, luajit's own first stderr line(s) ("luajit: <message>") without the
// stack traceback (tracebacks are not compared). The harness builds the same
// text from runLuaForTest's { output, error }: keep the two in step.
//
// Recording refuses what cannot be compared: output that differs between two
// runs, addresses ("table: 0x..."), snippets of 60 lines or more, and runs that
// take longer than a second of wall time. `--time` measures each snippet's CPU
// time inside luajit (os.clock around dofile), since wall time on a shared
// machine is mostly process start and other people's load; snippets should stay
// under 10 ms.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { join, dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const LUAJIT = process.env.LUAJIT ?? '/usr/bin/luajit'
const MAX_LINES = 60

/** Every corpus snippet, as a path relative to this directory ("corpus/strings/find.lua"), sorted. */
function listSnippets(dir = join(HERE, 'corpus')) {
  const out = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...listSnippets(p))
    else if (e.name.endsWith('.lua')) out.push(relative(HERE, p))
  }
  return out.sort()
}

const ENV = { PATH: process.env.PATH ?? '', TZ: 'UTC', LC_ALL: 'C' }

/** Runs one snippet on luajit: resolves to the expected text and the wall time. */
function runLuajit(rel) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    // argv0 'luajit': luajit prefixes its error report with argv[0], whatever the binary's path.
    const child = spawn(LUAJIT, [rel], { cwd: HERE, argv0: 'luajit', env: ENV })
    const out = []
    const err = []
    child.stdout.on('data', (b) => out.push(b))
    child.stderr.on('data', (b) => err.push(b))
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const ms = performance.now() - started
      if (signal) return reject(new Error(`${rel}: killed by ${signal}`))
      const stdout = Buffer.concat(out).toString('latin1')
      const stderr = Buffer.concat(err).toString('latin1')
      if (code === 0 && stderr !== '') return reject(new Error(`${rel}: wrote to stderr: ${stderr}`))
      if (code !== 0 && !stderr.startsWith('luajit: ')) return reject(new Error(`${rel}: exit ${code}: ${stderr}`))
      resolve({ text: stdout + uncaught(stderr), ms })
    })
  })
}

/** CPU milliseconds luajit spends in the snippet (its output is discarded, errors included). */
function cpuMs(rel) {
  const lua = `io.stdout:setvbuf("full") local c = os.clock() pcall(dofile, ${JSON.stringify(rel)}) io.stderr:write(string.format("%.3f", (os.clock() - c) * 1000))`
  return new Promise((resolve, reject) => {
    const child = spawn(LUAJIT, ['-e', lua], { cwd: HERE, env: ENV })
    let err = ''
    child.stdout.resume()
    child.stderr.on('data', (b) => (err += b))
    child.on('error', reject)
    child.on('close', () => resolve(Number(err.slice(err.search(/[\d.]+$/)))))
  })
}

/** luajit's report of an uncaught error, without the traceback (the harness prints `luajit: ${message}\n` the same way). */
function uncaught(stderr) {
  if (stderr === '') return ''
  const cut = stderr.indexOf('\nstack traceback:')
  return (cut >= 0 ? stderr.slice(0, cut) : stderr.replace(/\n$/, '')) + '\n'
}

const ADDRESS = /(table|function|thread|userdata|cdata<[^>]*>): (0x[0-9a-f]+|builtin#\d+)/

async function main() {
  const args = process.argv.slice(2)
  const check = args.includes('--check')
  const time = args.includes('--time')
  const prefixes = args.filter((a) => !a.startsWith('--')).map((a) => (a.startsWith('corpus/') ? a : `corpus/${a}`))
  if (!existsSync(LUAJIT)) {
    console.error(`${LUAJIT} not found: install luajit (Debian: apt-get install luajit) or set LUAJIT=...`)
    process.exit(2)
  }
  const snippets = listSnippets().filter((s) => prefixes.length === 0 || prefixes.some((p) => s.startsWith(p)))
  const problems = []
  const times = []
  let written = 0
  let same = 0
  // Two at a time: the machine is shared.
  let next = 0
  async function worker() {
    while (next < snippets.length) {
      const rel = snippets[next++]
      const source = readFileSync(join(HERE, rel), 'latin1')
      const lines = source.split('\n').length - (source.endsWith('\n') ? 1 : 0)
      if (lines >= MAX_LINES) problems.push(`${rel}: ${lines} lines (keep snippets under ${MAX_LINES})`)
      let a, b
      try {
        a = await runLuajit(rel)
        b = await runLuajit(rel)
      } catch (e) {
        problems.push(String(e.message ?? e))
        continue
      }
      times.push([time ? await cpuMs(rel) : Math.min(a.ms, b.ms), rel])
      if (a.text !== b.text) problems.push(`${rel}: output differs between two runs (not deterministic)`)
      const addr = ADDRESS.exec(a.text)
      if (addr) problems.push(`${rel}: prints an address (${addr[0]}): cannot match by design`)
      if (a.ms > 1000 && b.ms > 1000) problems.push(`${rel}: takes ${Math.round(a.ms)} ms`)
      const file = join(HERE, rel.replace(/\.lua$/, '.expected'))
      const old = existsSync(file) ? readFileSync(file, 'latin1') : undefined
      if (old === a.text) same++
      else if (check) problems.push(`${rel}: luajit now prints something else than ${relative(HERE, file)}`)
      else {
        writeFileSync(file, Buffer.from(a.text, 'latin1'))
        written++
      }
    }
  }
  await Promise.all([worker(), worker()])
  times.sort((x, y) => y[0] - x[0])
  const what = time ? 'CPU time in luajit' : 'wall time incl. process start; --time for CPU time'
  console.log(`${snippets.length} snippets: ${same} unchanged, ${written} written; slowest (${what}):`)
  for (const [ms, rel] of times.slice(0, 5)) console.log(`  ${ms.toFixed(1)} ms  ${rel}`)
  for (const p of problems) console.error(`PROBLEM ${p}`)
  if (problems.length > 0) process.exit(1)
}

await main()

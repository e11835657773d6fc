// The differential corpus: every snippet under corpus/ runs on our Lua runtime
// and must print exactly what LuaJIT 2.1 printed, byte for byte (stored beside
// it as <name>.expected by record.mjs). When /usr/bin/luajit is installed, each
// snippet also runs on it, so a stale .expected cannot hide.
//
// One subtest per snippet, named by its path (corpus/<area>/<name>.lua). A
// snippet runs with the chunkname "@corpus/<area>/<name>.lua", as `luajit
// corpus/<area>/<name>.lua` run from this directory names it, so error
// positions match. What is compared: what print() wrote, then, when the chunk
// dies, "luajit: <message>\n" (luajit's own report, without the traceback).
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

// os.time{...} and os.date read local time: the corpus is recorded with TZ=UTC.
process.env.TZ = 'UTC'
// The live luajit check starts ~560 processes, two at a time: a few seconds on an idle
// machine, but over .taprc's 120 s on a loaded shared one. The snippets themselves are fast.
t.setTimeout(300_000)

const HERE = dirname(fileURLToPath(import.meta.url))
const LUAJIT = process.env.LUAJIT ?? '/usr/bin/luajit'
// The compiler's entry point, from the build (npm run build): see README.md for its contract.
const ENTRY = new URL('../../../dist/lua/compiler/index.js', import.meta.url)

interface RunResult {
  /** What print() wrote: a Lua byte string (latin1), or bytes. */
  output: string | Uint8Array
  /** The same as bytes, when `output` is text decoded for reading (run.ts's TestRunResult): compared in its place. */
  bytes?: Uint8Array
  /** Set when the chunk raised an error nobody caught: the message luajit would print after "luajit: ". */
  error?: unknown
}
type RunLuaForTest = (source: string, opts: { chunkname: string }) => RunResult | Promise<RunResult>

function listSnippets(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...listSnippets(p))
    else if (e.name.endsWith('.lua')) out.push(relative(HERE, p).split('\\').join('/'))
  }
  return out.sort()
}

const latin1 = (b: string | Uint8Array) => (typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1'))

/** The message of an uncaught error as luajit reports it (record.mjs keeps the same form). */
function errorText(e: unknown): string {
  if (typeof e === 'string') return e
  if (typeof e === 'object' && e !== null) {
    const v = (e as { value?: unknown }).value
    if (typeof v === 'string') return v
    if ('value' in e) return '(error object is not a string)'
    if (e instanceof Error) return `${e.name}: ${e.message}`
  }
  return String(e)
}

/** What the runtime printed, in the form of a .expected file. */
function transcript(r: RunResult): string {
  const out = latin1(r.bytes ?? r.output)
  return r.error === undefined ? out : `${out}luajit: ${errorText(r.error)}\n`
}

/** Runs a snippet on luajit as record.mjs does; resolves to the same text. */
function runLuajit(rel: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(LUAJIT, [rel], { cwd: HERE, argv0: 'luajit', env: { PATH: process.env.PATH ?? '', TZ: 'UTC', LC_ALL: 'C' } })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      const stderr = Buffer.concat(err).toString('latin1')
      const cut = stderr.indexOf('\nstack traceback:')
      const report = stderr === '' ? '' : (cut >= 0 ? stderr.slice(0, cut) : stderr.replace(/\n$/, '')) + '\n'
      resolve(Buffer.concat(out).toString('latin1') + report)
    })
  })
}

/** Starts luajit runs two at a time (the machine is shared), in snippet order. */
function luajitPool(snippets: string[]): Map<string, Promise<string>> {
  const results = new Map<string, Promise<string>>()
  const queue: (() => void)[] = []
  let running = 0
  const next = () => {
    running--
    queue.shift()?.()
  }
  for (const rel of snippets) {
    const p = new Promise<string>((resolve, reject) => {
      const start = () => {
        running++
        runLuajit(rel).then(resolve, reject).finally(next)
      }
      if (running < 2) start()
      else queue.push(start)
    })
    // Awaited later by the snippet's subtest; until then a failure must not count as unhandled.
    p.catch(() => undefined)
    results.set(rel, p)
  }
  return results
}

const snippets = listSnippets(join(HERE, 'corpus'))
// LUA_CORPUS=string,kong runs only those areas (path prefixes under corpus/), for work on one library.
const only = (process.env.LUA_CORPUS ?? '').split(',').filter((a) => a !== '')
const selected = only.length === 0 ? snippets : snippets.filter((s) => only.some((a) => s.startsWith(`corpus/${a}`)))

t.test('the corpus has at least 500 snippets, 300 of them hand-written', async (t) => {
  const generated = snippets.filter((s) => s.startsWith('corpus/generated/')).length
  t.ok(snippets.length - generated >= 300, `${snippets.length - generated} hand-written`)
  t.ok(generated >= 200, `${generated} generated`)
})

t.test('every snippet prints what LuaJIT prints', async (t) => {
  let run: RunLuaForTest | undefined
  let missing = ''
  try {
    const mod = (await import(ENTRY.href)) as { runLuaForTest?: RunLuaForTest }
    if (typeof mod.runLuaForTest === 'function') run = mod.runLuaForTest
    else missing = `${ENTRY.pathname} does not export runLuaForTest`
  } catch (e) {
    missing = `cannot load ${ENTRY.pathname} (npm run build?): ${(e as Error).message}`
  }
  const live = existsSync(LUAJIT)
  if (!live) t.comment(`NOT CHECKED: luajit not installed; compared with stored output`)
  if (selected.length < snippets.length) t.comment(`LUA_CORPUS=${only.join(',')}: ${selected.length} of ${snippets.length} snippets`)
  const luajit = live ? luajitPool(selected) : undefined

  for (const rel of selected) {
    t.test(rel, async (t) => {
      const expectedFile = join(HERE, rel.replace(/\.lua$/, '.expected'))
      if (!existsSync(expectedFile)) {
        t.fail(`no ${relative(HERE, expectedFile)}: run node test/lua/differential/record.mjs`)
        return
      }
      const expected = readFileSync(expectedFile, 'latin1')
      if (luajit) t.equal(await luajit.get(rel), expected, 'luajit still prints the stored output')
      if (!run) {
        t.fail(`runtime missing: ${missing}`)
        return
      }
      const source = readFileSync(join(HERE, rel), 'latin1')
      let actual: string
      try {
        actual = transcript(await run(source, { chunkname: `@${rel}` }))
      } catch (e) {
        // A JS exception escaping the runtime is a runtime bug, not a Lua error: show it as such.
        const err = e instanceof Error ? e : new Error(String(e))
        t.fail(`runLuaForTest threw ${err.name}: ${err.message}`, { thrown: err.stack })
        return
      }
      t.equal(actual, expected, 'our runtime prints what luajit printed')
    })
  }
})

// `--untrusted-lua-sandbox-requires` (GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES), Kong's
// untrusted_lua_sandbox_requires, on real processes: serve takes it (and says so when it starts),
// refuses a module this gateway cannot provide, and validate checks it the same way without
// loading the Lua runtime. What `require` then does in a snippet is test/lua/requires.test.ts.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'

const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'gateway')
const RECORDER = join(ROOT, 'test', 'fixtures', 'modules', 'recorder.mjs')
const dir = mkdtempSync(join(tmpdir(), 'gw-requires-'))

// A pre-function that requires a module (never proxied: it answers or fails before).
const CONFIG = join(dir, 'kong.yml')
writeFileSync(
  CONFIG,
  `_format_version: "3.0"
routes:
  - name: json
    paths: [/json]
    plugins:
      - name: pre-function
        config:
          access:
            - |
              local cjson = require "cjson.safe"
              return kong.response.exit(200, cjson.encode({ ok = true }))
`,
)

function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', CONFIG, '--listen', '127.0.0.1:0', '--admin-listen', 'off', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"gateway started"'))
      if (line) resolve(JSON.parse(line) as Record<string, unknown>)
    })
    void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)))
  })
  started.catch(() => {}) // tests that expect an exit do not await it
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    return exited
  }
  return { started, exited, stop, output: () => ({ out, err }) }
}

t.test('serve takes the flag and says which modules snippets may require', async (t) => {
  const p = serve(['--untrusted-lua-sandbox-requires', 'cjson.safe, cjson'])
  t.teardown(p.stop)
  const info = await p.started
  t.same(info.untrusted_lua_sandbox_requires, ['cjson.safe', 'cjson'])
  // spec/01-unit/20-sandbox_spec.lua:289: a listed module loads, and the snippet runs with it
  const r = await request(`http://${(info.proxy as string[])[0]!}/json`)
  t.equal(r.statusCode, 200)
  t.equal(await r.body.text(), '{"ok":true}')
  t.equal(await p.stop(), 0)
})

t.test('the environment variable does the same; the flag wins over it', async (t) => {
  const env = serve([], { GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES: 'table.new,table.clear' })
  t.teardown(env.stop)
  t.same((await env.started).untrusted_lua_sandbox_requires, ['table.new', 'table.clear'])
  await env.stop()
  const flag = serve(['--untrusted-lua-sandbox-requires', 'bit'], { GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES: 'nope.module' })
  t.teardown(flag.stop)
  t.same((await flag.started).untrusted_lua_sandbox_requires, ['bit'])
})

t.test('without the flag nothing may be required: the snippet answers 500', async (t) => {
  const p = serve([])
  t.teardown(p.stop)
  const info = await p.started
  t.notOk('untrusted_lua_sandbox_requires' in info)
  const r = await request(`http://${(info.proxy as string[])[0]!}/json`)
  t.equal(r.statusCode, 500)
  t.match(await r.body.json(), { message: 'An unexpected error occurred' })
  await p.stop()
  // spec/01-unit/20-sandbox_spec.lua:305: Kong's words, in the plugin's error log line
  t.match(p.output().out, "require 'cjson.safe' not allowed within sandbox")
})

t.test('a module this gateway cannot provide: serve does not start (2) and names it', async (t) => {
  const p = serve(['--untrusted-lua-sandbox-requires', 'cjson,resty.http'])
  t.equal(await p.exited, 2)
  t.match(
    p.output().err,
    "gateway serve: --untrusted-lua-sandbox-requires: module 'resty.http' is not available to Lua in this gateway (available: bit, cjson, ",
  )
  const env = serve([], { GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES: 'kong.constants,resty.http' })
  t.equal(await env.exited, 2)
  t.match(env.output().err, "modules 'kong.constants', 'resty.http' are not available to Lua in this gateway")
})

t.test('validate checks the flag as serve does, without loading the Lua runtime', async (t) => {
  const validate = (args: string[], env: Record<string, string> = {}) => {
    const modules = join(dir, `modules-${args.length}-${Object.keys(env).length}.txt`)
    writeFileSync(modules, '')
    const r = spawnSync(process.execPath, ['--import', RECORDER, BIN, 'validate', CONFIG, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', RECORD_MODULES_TO: modules, ...env },
    })
    return { code: r.status, out: r.stdout, err: r.stderr, modules: readFileSync(modules, 'utf8').split('\n').filter(Boolean) }
  }
  const ok = validate(['--untrusted-lua-sandbox-requires', 'cjson.safe'])
  t.equal(ok.code, 0, ok.err)
  t.match(ok.out, `${CONFIG}: OK (1 route, 1 plugin)`)
  t.same(
    ok.modules.filter((u) => /\/dist\/lua\/(?!syntax\/|requirable\.js$)/.test(u)),
    [],
    'of the Lua code, only the syntax checker and the list of module names',
  )
  const bad = validate(['--untrusted-lua-sandbox-requires', 'resty.http'])
  t.equal(bad.code, 2)
  t.match(bad.err, "gateway validate: --untrusted-lua-sandbox-requires: module 'resty.http' is not available to Lua in this gateway")
  const badEnv = validate([], { GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES: 'resty.http' })
  t.equal(badEnv.code, 2)
})

t.test('serve --help documents the flag and its environment variable', async (t) => {
  const r = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8' })
  t.equal(r.status, 0)
  t.match(r.stdout, '[--untrusted-lua-sandbox-requires MOD,...]')
  t.match(r.stdout, 'GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES')
  t.match(r.stdout, /cjson, cjson\.safe/)
})

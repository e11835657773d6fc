// `gateway validate` loads the config layer and plugin definitions only: no
// plugin handler, no Lua VM, no server, HTTP client or logger. A real process
// records every ES module Node loads (a loader hook) while it validates a file
// that uses Lua, Redis and auth plugins.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'bin', 'gateway')
const RECORDER = join(ROOT, 'test', 'fixtures', 'modules', 'recorder.mjs')
const dir = mkdtempSync(join(tmpdir(), 'gw-graph-'))

const CONFIG = `_format_version: "3.0"
services:
  - name: api
    url: http://api.internal:8080
    routes:
      - name: api
        paths: [/api]
        plugins:
          - name: key-auth
          - name: rate-limiting
            config: { minute: 10, policy: redis, redis: { host: 127.0.0.1 } }
          - name: pre-function
            config:
              access:
                - "kong.response.set_header('x-pre', 'yes')"
          - name: request-callout
            config:
              callouts:
                - name: c1
                  request: { url: "http://callout.internal/", by_lua: "local x = 1" }
              upstream:
                headers:
                  custom:
                    X-Status: "$(callouts.c1.response.status)"
          - name: proxy-cache
            config: { strategy: memory }
          - name: http-log
            config: { http_endpoint: "http://logs.internal/" }
consumers:
  - username: alice
    keyauth_credentials: [{ key: alice-secret-key }]
`

function validateRecording(args: string[]): { code: number | null; out: string; err: string; modules: string[] } {
  const file = join(dir, `modules-${args.join('-').replace(/\W+/g, '_')}.txt`)
  writeFileSync(file, '')
  const r = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', RECORD_MODULES_TO: file },
  })
  return { code: r.status, out: r.stdout, err: r.stderr, modules: readFileSync(file, 'utf8').split('\n').filter(Boolean) }
}

t.test('validate never loads handlers, the Lua VM, servers or clients', async (t) => {
  const kong = join(dir, 'kong.yml')
  writeFileSync(kong, CONFIG)
  const r = validateRecording(['validate', kong])
  t.equal(r.code, 0, r.err)
  t.match(r.out, 'OK (1 service, 1 route, 1 consumer, 6 plugins)')
  const ours = r.modules.filter((u) => u.includes('/dist/'))
  t.ok(
    ours.some((u) => u.endsWith('/dist/config/load.js')),
    'the config layer is loaded',
  )
  t.ok(
    ours.some((u) => u.endsWith('/dist/plugins/rate-limiting/index.js')),
    'plugin definitions are loaded',
  )
  const forbidden = (u: string) =>
    /\/dist\/plugins\/[^/]+\/handler\.js$/.test(u) ||
    // Validation parses Lua (lua/syntax, and the names `require` can load) but never loads the runtime.
    /\/dist\/lua\/(?!syntax\/|requirable\.js$)/.test(u) ||
    /\/dist\/plugins\/shared\/(serverless|lua-template)\.js$/.test(u) ||
    /\/dist\/(runtime|compile|server|reload|node|observability)\//.test(u) ||
    /\/node_modules\/(fastify|undici|ioredis|pino|chokidar|prom-client|lru-cache)\//.test(u)
  t.same(r.modules.filter(forbidden), [], 'nothing of the request path is loaded')
})

t.test('a config with a Lua syntax error is refused without the Lua VM', async (t) => {
  const kong = join(dir, 'bad-lua.yml')
  writeFileSync(kong, CONFIG.replace("kong.response.set_header('x-pre', 'yes')", 'x = = 1'))
  const r = validateRecording(['validate', kong])
  t.equal(r.code, 1)
  t.match(r.out, /error parsing pre-function: \[string "x = = 1"\]:1: unexpected symbol near '='/)
  t.same(
    r.modules.filter((u) => /\/dist\/lua\/(?!syntax\/|requirable\.js$)/.test(u)),
    [],
  )
})

// pre-function / post-function through a real gateway: exits, upstream changes, 500s, schema.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (plugin: string, phase: string, sources: string[]) => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: ${plugin}
            config:
              ${phase}:
${sources.map((s) => `                - |\n${s.replace(/^/gm, '                  ')}`).join('\n')}
`

t.test('access: kong.response.exit answers with a JSON table; the upstream is not reached', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG('pre-function', 'access', [
      `if kong.request.get_header('x-block') then\n  return kong.response.exit(403, { message = 'blocked', list = {} }, { ['X-Why'] = 'lua' })\nend`,
    ]),
  )
  const r = await send('/x', { headers: { 'x-block': '1' } })
  t.equal(r.status, 403)
  t.same(r.json(), { message: 'blocked', list: {} })
  t.equal(r.headers['x-why'], 'lua')
  t.match(r.headers['content-type'], /^application\/json/)
  t.equal(r.reached, undefined)
  const ok = await send('/x')
  t.equal(ok.status, 200)
  t.ok(ok.reached)
})

t.test('access: set_header / set_query / set_path reach the upstream; ctx.shared carries to post-function', async (t) => {
  const yaml = `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: pre-function
            config:
              access:
                - "kong.ctx.shared.who = { name = kong.request.get_header('x-name') }"
          - name: post-function
            config:
              access:
                - "kong.service.request.set_header('X-Who', kong.ctx.shared.who.name) kong.service.request.set_query({ a = '1' }) kong.service.request.set_path('/rewritten')"
`
  const { send } = await pluginGateway(t, yaml)
  const r = await send('/x', { headers: { 'x-name': 'alice' } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-who'], 'alice')
  t.equal(r.reached?.url, '/rewritten?a=1')
})

t.test('a runtime error answers Kong 500; a runaway chunk answers 500 and the gateway keeps serving', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG('post-function', 'access', [
      `if kong.request.get_header('x-loop') then while true do end end\nif kong.request.get_header('x-err') then error('boom') end`,
    ]),
  )
  const err = await send('/x', { headers: { 'x-err': '1' } })
  t.equal(err.status, 500)
  t.equal(err.json().message, 'An unexpected error occurred')
  t.equal(err.reached, undefined)
  const loop = await send('/x', { headers: { 'x-loop': '1' } })
  t.equal(loop.status, 500)
  t.equal(loop.reached, undefined)
  const ok = await send('/x')
  t.equal(ok.status, 200)
  t.ok(ok.reached)
})

t.test('header_filter: kong.response.set_header on the proxied response', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG('post-function', 'header_filter', [`kong.response.set_header('X-Status', tostring(kong.response.get_status()))`]),
  )
  const r = await send('/x')
  t.equal(r.status, 200)
  t.equal(r.headers['x-status'], '200')
})

t.test('access reads the raw body', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('pre-function', 'access', [`kong.response.exit(200, kong.request.get_raw_body())`]))
  const r = await send('/x', { method: 'POST', body: 'hello' })
  t.equal(r.status, 200)
  t.equal(r.body, 'hello')
})

// spec/02-integration/07-sdk/01-ctx_spec.lua:78 (values shared through kong.ctx.shared). Lua's
// tables are copies of the gateway's values; what a run changes in them is copied back when it ends.
t.test('kong.ctx.shared: a table changed after it was stored, and a stored table changed by a later chunk, reach the next plugin', async (t) => {
  const yaml = `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: pre-function
            config:
              access:
                - "local who = {} kong.ctx.shared.who = who who.name = kong.request.get_header('x-name')"
                - "kong.ctx.shared.who.tags = { 'a' } kong.ctx.shared.who.tags[2] = kong.request.get_header('x-tag')"
          - name: post-function
            config:
              access:
                - "local who = kong.ctx.shared.who kong.service.request.set_header('X-Who', who.name .. ':' .. table.concat(who.tags, ','))"
`
  const { send } = await pluginGateway(t, yaml)
  const r = await send('/x', { headers: { 'x-name': 'alice', 'x-tag': 'b' } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-who'], 'alice:a,b')
})

// spec/01-unit/20-sandbox_spec.lua:257 ("tables are read only"): the sandbox's tables are shared by
// every snippet, so kong.table.clear (OpenResty's table.clear) may not empty one either.
t.test('kong.table.clear cannot empty a library table that every other snippet uses', async (t) => {
  const yaml = `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: attacker
        paths: [/attack]
        plugins:
          - name: pre-function
            config:
              access: ["kong.table.clear(string)"]
      - name: victim
        paths: [/victim]
        plugins:
          - name: pre-function
            config:
              access: ["kong.service.request.set_header('X-Upper', string.upper('ok'))"]
`
  const { send } = await pluginGateway(t, yaml)
  const attack = await send('/attack')
  t.equal(attack.status, 500)
  t.equal(attack.reached, undefined)
  const victim = await send('/victim')
  t.equal(victim.status, 200)
  t.equal(victim.reached?.headers['x-upper'], 'OK')
})

const load = (yaml: string) => loadConfig(`_format_version: "3.0"\nplugins:\n  - name: pre-function\n${yaml}`, { file: 'k.yml' })
const issues = (r: Awaited<ReturnType<typeof loadConfig>>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`))

t.test('schema: defaults, syntax errors with positions, at least one phase, no consumer scope', async (t) => {
  const ok = await load('    config:\n      access: ["local x = 1"]\n')
  t.ok(ok.ok)
  if (ok.ok) t.same(ok.config.plugins[0]!.config, { certificate: [], rewrite: [], access: ['local x = 1'], header_filter: [], body_filter: [], log: [] })

  const bad = issues(await load('    config:\n      access:\n        - "local x = 1"\n        - "local a = 1\\n\\nx = = 2"\n'))
  t.same(bad, [`7:11 plugins[0].config.access[1] error parsing pre-function: [string "local a = 1..."]:3: unexpected symbol near '='`])

  const none = issues(await load('    config: {}\n'))
  t.same(none, [
    "4:13 plugins[0].config at least one of these fields must be non-empty: 'config.certificate', 'config.rewrite', 'config.access', 'config.header_filter', 'config.body_filter', 'config.log'",
  ])

  const scoped = await loadConfig(
    '_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: post-function\n        config: { log: ["x = 1"] }\n',
    { file: 'k.yml' },
  )
  t.notOk(scoped.ok)
  if (!scoped.ok) t.match(scoped.issues[0]!.message, /value must be null/)
})

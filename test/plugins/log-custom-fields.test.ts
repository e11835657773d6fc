// custom_fields_by_lua of file-log and http-log, and kong.log.set_serialize_value,
// through a real gateway, a real upstream and a real HTTP log collector: fields
// added, nested, escaped, removed; the request's headers; errors; what Kong's
// serializer refuses; the schema's messages at the YAML position.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { startCollector, waitFor } from '../helpers/collector.js'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'
import { checkKongCustomFields, KONG_CUSTOM_FIELDS } from '../helpers/log-cases.js'

const logFile = () => join(mkdtempSync(join(tmpdir(), 'log-fields-')), 'access.log')
const records = (file: string): Record<string, unknown>[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : []

/** A kong.yml: service `app` at $UPSTREAM with the given routes (name, path, plugins). */
const config = (routes: { name: string; plugins: unknown[] }[]) =>
  stringify(
    {
      _format_version: '3.0',
      services: [{ name: 'app', url: '$UPSTREAM', routes: routes.map((r) => ({ name: r.name, paths: [`/${r.name}`], plugins: r.plugins })) }],
    },
    { lineWidth: 0 },
  )

// spec/03-plugins/04-file-log/01-log_spec.lua:178 (and http-log's :308): the fields Kong's specs log.

t.test('file-log: fields added, nested, with escaped dots, removed with nil; the request headers are readable', async (t) => {
  const file = logFile()
  const fields = { ...KONG_CUSTOM_FIELDS, uuid: "return kong.request.get_header('file-log-uuid')" }
  const { send } = await pluginGateway(t, config([{ name: 'a', plugins: [{ name: 'file-log', config: { path: file, custom_fields_by_lua: fields } }] }]))
  t.equal((await send('/a', { headers: { 'file-log-uuid': 'u-1' } })).status, 200)
  t.ok(await waitFor(() => records(file).length === 1))
  const rec = records(file)[0]!
  // spec/03-plugins/04-file-log/01-log_spec.lua:348-355
  t.equal(rec.client_ip, '127.0.0.1')
  t.same((rec.request as { headers: Record<string, string> }).headers['file-log-uuid'], 'u-1')
  // spec/03-plugins/04-file-log/01-log_spec.lua:376: route = "return nil" unsets the field
  checkKongCustomFields(t, rec)
  t.equal((rec.service as { name: string }).name, 'app', 'the other fields are all there')
  t.equal(rec.uuid, 'u-1')
})

t.test('http-log: the same fields reach a real collector', async (t) => {
  const c = await startCollector(t)
  const fields = { ...KONG_CUSTOM_FIELDS, agent: "return kong.request.get_header('x-agent') .. '/' .. kong.request.get_method()" }
  const { send } = await pluginGateway(
    t,
    config([{ name: 'a', plugins: [{ name: 'http-log', config: { http_endpoint: `${c.url}/post_log`, custom_fields_by_lua: fields } }] }]),
  )
  t.equal((await send('/a', { headers: { 'x-agent': 'probe' } })).status, 200)
  t.ok(await waitFor(() => c.received.length === 1))
  const rec = JSON.parse(c.received[0]!.body) as Record<string, unknown>
  // spec/03-plugins/03-http-log/01-log_spec.lua:456-460
  t.equal(rec.client_ip, '127.0.0.1')
  checkKongCustomFields(t, rec)
  t.equal(rec.agent, 'probe/GET')
})

t.test('removing a field of the service changes that record only, not the service every request logs', async (t) => {
  // spec/02-integration/07-sdk/02-log_spec.lua:261 ("use the deep copy of Service object")
  const file = logFile()
  const { send } = await pluginGateway(
    t,
    config([
      {
        name: 'a',
        plugins: [{ name: 'file-log', config: { path: file, custom_fields_by_lua: { 'service.name': 'return nil', 'route.paths.x': "return 'y'" } } }],
      },
      { name: 'b', plugins: [{ name: 'file-log', config: { path: file } }] },
    ]),
  )
  let sent = 0
  for (const path of ['/a', '/a', '/b']) {
    t.equal((await send(path)).status, 200)
    sent++
    // One at a time, so the lines are in request order.
    t.ok(await waitFor(() => records(file).length === sent))
  }
  const [a1, a2, b] = records(file) as { service: Record<string, unknown>; route: Record<string, unknown> }[]
  for (const a of [a1!, a2!]) {
    t.notOk('name' in a.service)
    t.type(a.service.id, 'string')
    // A string key on an array: the object cjson writes for a table with both kinds of keys.
    t.same(a.route.paths, { 1: '/a', x: 'y' })
  }
  t.equal(b!.service.name, 'app')
  t.same(b!.route.paths, ['/b'])
})

t.test('a snippet that fails writes no record for its instance (as Kong), logs why, and the request is served', async (t) => {
  const file = logFile()
  const c = await startCollector(t)
  const { lines, pluginLog } = pluginLines()
  const { send } = await pluginGateway(
    t,
    config([
      {
        name: 'boom',
        plugins: [
          // kong/plugins/http-log/handler.lua:183-185: nothing catches the error, the record is never serialized.
          { name: 'http-log', config: { http_endpoint: c.url, custom_fields_by_lua: { ok: 'return 1', bad: 'local t = nil\nreturn t.x' } } },
          { name: 'file-log', config: { path: file } },
        ],
      },
      { name: 'loop', plugins: [{ name: 'file-log', config: { path: file, custom_fields_by_lua: { spin: 'while true do end' } } }] },
      { name: 'fine', plugins: [{ name: 'http-log', config: { http_endpoint: c.url, custom_fields_by_lua: { ok: 'return 1' } } }] },
    ]),
    undefined,
    { pluginLog },
  )
  t.equal((await send('/boom')).status, 200)
  t.equal((await send('/loop')).status, 200)
  t.equal((await send('/fine')).status, 200)
  t.ok(await waitFor(() => c.received.length === 1 && records(file).length === 1))
  t.equal(JSON.parse(c.received[0]!.body).request.uri, '/fine', 'the failing http-log sent nothing')
  t.equal((records(file)[0]!.request as { uri: string }).uri, '/boom', 'a later log plugin of the request still writes its record')
  t.notOk(
    records(file).some((r) => (r.request as { uri: string }).uri === '/loop'),
    'the runaway loop wrote nothing',
  )

  const errors = lines.filter((l) => l.msg.startsWith('custom_fields_by_lua error'))
  t.equal(errors.length, 2)
  const [boom, loop] = errors
  t.equal(boom!.plugin, 'http-log')
  t.equal(boom!.msg, `custom_fields_by_lua error: [string "local t = nil..."]:2: attempt to index local 't' (a nil value)`)
  t.match(boom!.fields, { field: 'bad', route: 'boom', phase: 'log' })
  t.match(String(boom!.fields?.traceback), /stack traceback:/)
  t.equal(loop!.plugin, 'file-log')
  t.match(loop!.msg, /^custom_fields_by_lua error: execution (time )?budget exceeded$/)
  t.match(loop!.fields, { field: 'spin', route: 'loop' })
})

t.test('values the serializer refuses: Kong’s error, logged, and no record', async (t) => {
  const file = logFile()
  const { lines, pluginLog } = pluginLines()
  const route = (name: string, fields: Record<string, string>) => ({
    name,
    plugins: [{ name: 'file-log', config: { path: file, custom_fields_by_lua: fields } }],
  })
  const { send } = await pluginGateway(
    t,
    config([
      // t/01-pdk/02-log/05-set_serialize_value.t:47 and :53
      route('fn', { f: 'return { f = function() end }' }),
      route('cycle', { c: 'local t = {} t.self_ref = t return t' }),
      // kong/pdk/log.lua edit_result: a dotted key through a field that is not a table
      route('through', { 'client_ip.x': 'return 1' }),
      route('ok', { n: 'return ngx.null', t: 'return { 1, 2, { a = true } }', e: 'return {}' }),
    ]),
    undefined,
    { pluginLog },
  )
  for (const p of ['/fn', '/cycle', '/through', '/ok']) t.equal((await send(p)).status, 200)
  t.ok(await waitFor(() => records(file).length === 1 && lines.length >= 3))
  const rec = records(file)[0]!
  t.equal((rec.request as { uri: string }).uri, '/ok')
  t.equal(rec.n, null, 'ngx.null is JSON null (spec/01-unit/10-log_serializer_spec.lua:236)')
  t.same(rec.t, [1, 2, { a: true }])
  t.same(rec.e, {}, 'an empty table is an object, as cjson writes it')
  const invalid =
    'failed to serialize the log record: value must be nil, a number, string, boolean or a non-self-referencial table containing numbers, string and booleans'
  t.same(
    lines.map((l) => l.msg),
    [
      invalid,
      invalid,
      "failed to serialize the log record: The key 'client_ip.x' could not be used as a serialize value. Subkey 'client_ip' is not a table. It's 127.0.0.1",
    ],
  )
})

t.test('each run starts from fresh globals: Kong loads the source anew per request', async (t) => {
  // kong/plugins/file-log/handler.lua:73: set_serialize_value(key, sandbox(expression)()) on every request.
  const file = logFile()
  const fields = { count: 'n = (n or 0) + 1\nreturn n', g: "local before = _G.kong\n_G.kong = 'replaced'\nreturn type(before)" }
  const { send } = await pluginGateway(t, config([{ name: 'a', plugins: [{ name: 'file-log', config: { path: file, custom_fields_by_lua: fields } }] }]))
  await send('/a')
  await send('/a')
  t.ok(await waitFor(() => records(file).length === 2))
  t.same(
    records(file).map((r) => [r.count, r.g]),
    [
      [1, 'table'],
      [1, 'table'],
    ],
  )
})

t.test('set_serialize_value from an earlier snippet of the request: set, add, replace, nil, tables by reference', async (t) => {
  const file = logFile()
  const source = `
    local log = kong.log
    log.set_serialize_value('val1', 1)
    log.set_serialize_value('val1', 2)
    log.set_serialize_value('val2', 1, { mode = 'replace' })
    log.set_serialize_value('val1', 3, { mode = 'replace' })
    log.set_serialize_value('val3', 1, { mode = 'add' })
    log.set_serialize_value('val1', 4, { mode = 'add' })
    log.set_serialize_value('foo2.bar.baz', 1, { mode = 'replace' })
    log.set_serialize_value('foo4.bar\\\\.baz', 4, { mode = 'add' })
    log.set_serialize_value('request.headers.foo', nil)
    log.set_serialize_value('request.headers.authorization', nil, { mode = 'replace' })
    local t = { a = 1 }
    log.set_serialize_value('later', t)
    t.b = 2
    log.set_serialize_value('from_header', kong.request.get_header('x-a'))
    log.set_serialize_value('overridden', 'by access')
    local ok1, e1 = pcall(log.set_serialize_value, 1)
    local ok2, e2 = pcall(log.set_serialize_value, 'k', 1, { mode = 'invalid' })
    log.set_serialize_value('errors', { e1, e2 })
  `
  const { send } = await pluginGateway(
    t,
    config([
      {
        name: 'a',
        plugins: [
          { name: 'pre-function', config: { access: [source] } },
          { name: 'file-log', config: { path: file, custom_fields_by_lua: { overridden: "return 'by the log plugin'" } } },
        ],
      },
    ]),
  )
  t.equal((await send('/a', { headers: { 'x-a': 'hello', foo: 'bar', authorization: 'secret' } })).status, 200)
  t.ok(await waitFor(() => records(file).length === 1))
  const rec = records(file)[0]!
  // t/01-pdk/02-log/05-set_serialize_value.t:105-125 (simple keys), :166 and :186-190 (dotted keys)
  t.equal(rec.val1, 3)
  t.notOk('val2' in rec)
  t.equal(rec.val3, 1)
  t.notOk('foo2' in rec)
  t.same(rec.foo4, { 'bar.baz': 4 })
  // t/01-pdk/02-log/05-set_serialize_value.t:212-214: nil removes, even the redacted Authorization
  const headers = (rec.request as { headers: Record<string, string> }).headers
  t.notOk('foo' in headers)
  t.notOk('authorization' in headers)
  t.same(rec.later, { a: 1, b: 2 }, 'a table is logged as it is at serialize time')
  t.equal(rec.from_header, 'hello')
  t.equal(rec.overridden, 'by the log plugin', 'the log plugin’s field is applied after the access phase’s')
  // t/01-pdk/02-log/05-set_serialize_value.t:20-23
  t.same(rec.errors, ['key must be a string', "mode must be 'set', 'add' or 'replace'"])
})

t.test('fields of a log plugin also reach the records of log plugins that run after it in the request', async (t) => {
  // kong/plugins/http-log/handler.lua:181-185 adds them to the request's list (ngx.ctx), which file-log (priority 9) serializes after http-log (12).
  const file = logFile()
  const c = await startCollector(t)
  const { send } = await pluginGateway(
    t,
    config([
      {
        name: 'a',
        plugins: [
          { name: 'http-log', config: { http_endpoint: c.url, custom_fields_by_lua: { tag: "return 'from http-log'" } } },
          { name: 'file-log', config: { path: file } },
        ],
      },
    ]),
  )
  await send('/a')
  t.ok(await waitFor(() => c.received.length === 1 && records(file).length === 1))
  t.equal(JSON.parse(c.received[0]!.body).tag, 'from http-log')
  t.equal(records(file)[0]!.tag, 'from http-log')
})

t.test('schema: Kong’s message for a source that does not load, at the YAML line:column; keys as Kong’s typedef allows', async (t) => {
  const issues = (plugin: string, fields: string) => {
    const yaml = `_format_version: "3.0"\nplugins:\n  - name: ${plugin}\n    config:\n      ${plugin === 'file-log' ? 'path: /tmp/x.log' : 'http_endpoint: http://h.test'}\n      custom_fields_by_lua:\n${fields}\n`
    const r = loadConfig(yaml, { file: 'k.yml' })
    return r.ok ? '' : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')
  }
  for (const plugin of ['file-log', 'http-log']) {
    // kong/db/schema/typedefs.lua:900 lua_code → sandbox.validate_safe: "Error parsing function: " and LuaJIT's message
    t.equal(
      issues(plugin, '        ok: return 1\n        bad: "return 1 +"'),
      `8:14 plugins[0].config.custom_fields_by_lua.bad Error parsing function: [string "return 1 +"]:1: unexpected symbol near '<eof>'`,
      plugin,
    )
    t.equal(
      issues(plugin, '        multi: |\n          local a = 1\n          a = = 2'),
      `7:16 plugins[0].config.custom_fields_by_lua.multi Error parsing function: [string "local a = 1..."]:2: unexpected symbol near '='`,
    )
    // spec/02-integration/04-admin_api/02-kong_routes_spec.lua:627: dotted keys are valid
    t.equal(issues(plugin, "        new_field: return 123\n        request.headers.myheader: return nil\n        'escape\\.dots': return 1"), '')
    t.match(issues(plugin, '        a: ""'), /custom_fields_by_lua\.a length must be at least 1/)
    t.equal(issues(plugin, '        "": return 1'), `7:13 plugins[0].config.custom_fields_by_lua[""] length must be at least 1`)
  }
  // spec/03-plugins/04-file-log/02-schema_spec.lua:141, spec/03-plugins/03-http-log/02-schema_spec.lua:74
  const ok = loadConfig(
    `_format_version: "3.0"\nplugins:\n  - name: file-log\n    config: { path: /tmp/x.log, custom_fields_by_lua: { foo: "return 'bar'" } }\n`,
    { file: 'k.yml' },
  )
  t.ok(ok.ok)
  if (ok.ok) t.same(ok.config.plugins[0]!.config.custom_fields_by_lua, { foo: "return 'bar'" })
})

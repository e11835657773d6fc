// response-transformer against a real upstream answering JSON: header and JSON edits, order, Content-Length.
import t from 'tap'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { loadConfig } from '../../src/config/load.js'
import createResponseTransformer from '../../src/plugins/response-transformer/handler.js'
import type { PluginEnv } from '../../src/plugins/types.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig: string) => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: response-transformer
            config:
${pluginConfig.replace(/^/gm, '              ')}
      - name: closed
        paths: [/closed]
        plugins:
          - name: request-termination
            config: { status_code: 403, message: closed }
          - name: response-transformer
            config:
${pluginConfig.replace(/^/gm, '              ')}
`

const DOC = { keep: 1, secret: 's', old: 'o', name: 'first', list: ['a'], num: 5, off: false, nul: null, url: 'http://x/y' }

// The upstream: JSON (or not) by path, with a few headers to edit.
function upstream(_req: IncomingMessage, res: ServerResponse) {
  const path = _req.url ?? '/'
  const send = (ct: string, body: string) => {
    res.writeHead(200, { 'content-type': ct, 'content-length': Buffer.byteLength(body), 'x-up': 'u', 'x-old': 'o', 'x-gone': 'g', 'x-multi': 'm1' })
    res.end(body)
  }
  if (path.startsWith('/text')) return send('text/plain', JSON.stringify(DOC))
  if (path.startsWith('/bad')) return send('application/json', '{"secret": ')
  if (path.startsWith('/array')) return send('application/json', '[1,2]')
  if (path.startsWith('/charset')) return send('application/json; charset=utf-8', JSON.stringify(DOC))
  send('application/json', JSON.stringify(DOC))
}

t.test('headers: remove, rename, replace only if present, add only if absent, append', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`remove: { headers: [x-gone] }
rename: { headers: ["x-old:x-new", "x-absent:x-never"] }
replace: { headers: ["x-up:replaced", "x-nope:no"] }
add: { headers: ["x-up:not-added", "x-added:yes", "x-gone:back"] }
append: { headers: ["x-multi:m2", "x-added:again"] }`),
    upstream,
  )
  const r = await send('/h')
  t.equal(r.status, 200)
  t.equal(r.headers['x-gone'], undefined, 'removed; add tests presence against the headers before this plugin, as Kong does')
  t.equal(r.headers['x-old'], undefined)
  t.equal(r.headers['x-new'], 'o')
  t.equal(r.headers['x-never'], undefined)
  t.equal(r.headers['x-up'], 'replaced')
  t.equal(r.headers['x-nope'], undefined)
  t.same(r.headers['x-added'], ['yes', 'again'])
  t.same(r.headers['x-multi'], ['m1', 'm2'])
  t.same(JSON.parse(r.body), DOC, 'no JSON edits: the body is untouched')
})

t.test('headers are transformed on plugin exits too', async (t) => {
  const { send } = await pluginGateway(t, CONFIG(`add: { headers: ["x-added:yes"] }`), upstream)
  const r = await send('/closed')
  t.equal(r.status, 403)
  t.equal(r.headers['x-added'], 'yes')
  t.equal(r.reached, undefined)
})

t.test('JSON: remove, rename, replace, add, append with json_types; Content-Length follows', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG(`remove: { json: [secret] }
rename: { json: ["old:new"] }
replace: { json: ["name:second", "num:7", "missing:x", "off:no", "nul:was-null"], json_types: [string, number] }
add: { json: ["flag:true", "keep:2", "off:added", "path:/a/\\"b\\""], json_types: [boolean, number] }
append: { json: ["list:b", "name:third", "count:0x10", "numeric:12"], json_types: [string, string, number] }`),
    upstream,
  )
  const r = await send('/j')
  t.equal(r.status, 200)
  const body = JSON.parse(r.body)
  t.same(body, {
    keep: 1,
    new: 'o',
    name: ['second', 'third'],
    list: ['a', 'b'],
    num: 7,
    off: 'added',
    nul: 'was-null',
    url: 'http://x/y',
    flag: true,
    path: '/a/"b"',
    count: [16],
    numeric: ['12'],
  })
  t.equal(r.headers['content-length'], String(Buffer.byteLength(r.body)), 'Content-Length matches the new body')

  const cs = await send('/charset')
  t.notOk('secret' in JSON.parse(cs.body), 'application/json with parameters is JSON')

  const text = await send('/text')
  t.same(JSON.parse(text.body), DOC, 'other content types are not edited')
  t.equal(text.headers['content-length'], String(Buffer.byteLength(text.body)))

  const arr = await send('/array')
  t.equal(arr.body, '[1,2]', 'a top-level array has no keys to edit')
})

t.test('unparseable JSON is sent unchanged and a warning is logged', async (t) => {
  const logs: string[] = []
  const pluginLog = () => {
    const rec = (msg: string) => logs.push(msg)
    return { error: rec, warn: rec, info: rec, debug: rec }
  }
  const { send } = await pluginGateway(t, CONFIG(`add: { json: ["a:1"] }`), upstream, { pluginLog })
  const r = await send('/bad')
  t.equal(r.status, 200)
  t.equal(r.body, '{"secret": ')
  t.equal(r.headers['content-length'], String(Buffer.byteLength('{"secret": ')))
  t.same(logs, ['body transform failed: failed parsing json body'])
})

t.test('only configs with JSON edits register a bodyFilter (others keep streaming)', async (t) => {
  const env = { log: { error() {}, warn() {}, info() {}, debug() {} } } as unknown as PluginEnv
  const parse = async (yaml: string) => {
    const loaded = await loadConfig(`_format_version: "3.0"\nplugins:\n  - name: response-transformer\n    config: ${yaml}\n`, { file: 'k.yml' })
    if (!loaded.ok) throw new Error(loaded.issues[0]!.message)
    return loaded.config.plugins[0]!.config as never
  }
  const headersOnly = createResponseTransformer(await parse('{ add: { headers: ["x:1"] } }'), env)
  t.equal(headersOnly.bodyFilter, undefined)
  t.type(headersOnly.headerFilter, 'function')
  const withJson = createResponseTransformer(await parse('{ rename: { json: ["a:b"] } }'), env)
  t.type(withJson.bodyFilter, 'function')
})

t.test('schema: defaults, Kong messages with line:column', async (t) => {
  const ok = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: response-transformer\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    const typed = { json: [], json_types: [], headers: [] }
    t.same(ok.config.plugins[0]!.config, { remove: { json: [], headers: [] }, rename: { json: [], headers: [] }, replace: typed, add: typed, append: typed })
  }
  const yaml = `_format_version: "3.0"
plugins:
  - name: response-transformer
    config:
      rename:
        headers: ["x-a:bad name", "nocolon"]
        json: ["nocolon"]
      add:
        json_types: [int]
        headers: ["x-a"]
`
  const bad = await loadConfig(yaml, { file: 'k.yml' })
  t.notOk(bad.ok)
  if (!bad.ok) {
    t.same(
      bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`),
      [
        "6:19 plugins[0].config.rename.headers[0] 'bad name' is not a valid header",
        '6:35 plugins[0].config.rename.headers[1] invalid value: nocolon',
        '7:16 plugins[0].config.rename.json[0] invalid value: nocolon',
        '9:22 plugins[0].config.add.json_types[0] expected one of: boolean, number, string',
        '10:19 plugins[0].config.add.headers[0] invalid value: x-a',
      ],
    )
  }
})

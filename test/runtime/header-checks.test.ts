// Headers and exits plugins set are checked where they are set (issue 12,
// item 2): a header Node cannot write (CR/LF or another control character in
// the value, a name that is not a token) is the plugin's error: Kong's 500,
// logged with the plugin's name and the request id; never a crash, never a
// reset connection. An exit's Transfer-Encoding is ignored, as Kong does.
import t from 'tap'
import * as z from 'zod'
import { pluginSet } from '../../src/plugins/set.js'
import { ANY_SCOPE, definePlugin, defineHandler, PROTOCOLS_ALL, type Exit } from '../../src/plugins/types.js'
import type { CustomPlugin } from '../../src/plugins/set.js'
import { onePlugin, pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'
import { exchange, responses } from '../helpers/wire.js'

/** One pre-function chunk on route `/` (access), or from the global rewrite phase. */
const luaConfig = (phase: 'access' | 'rewrite', source: string) => onePlugin('pre-function', { [phase]: [source] }, { global: phase === 'rewrite' })

const UNEXPECTED_BODY = /"message":"An unexpected error occurred"/

t.test('Lua: an exit header from the query with CR/LF is the plugin error (500), and the gateway serves on', async (t) => {
  const { lines: failures, pluginLog } = pluginLines()
  const { send } = await pluginGateway(t, luaConfig('access', `kong.response.exit(200, "x", {["X-Echo"] = kong.request.get_query_arg("q")})`), undefined, {
    pluginLog,
  })
  const bad = await send('/echo?q=a%0d%0aX-Injected:%20yes')
  t.equal(bad.status, 500)
  t.match(bad.body, UNEXPECTED_BODY)
  t.equal(bad.headers['x-injected'], undefined)
  t.equal(bad.headers['x-echo'], undefined)
  t.same(
    failures.map((f) => [f.plugin, f.msg, f.fields?.phase, f.fields?.request_id]),
    [['pre-function', 'plugin failed', 'access', bad.headers['x-kong-request-id']]],
  )
  t.notMatch(JSON.stringify(failures), 'Injected', 'the value is not echoed in the log')
  const good = await send('/echo?q=fine')
  t.equal(good.status, 200)
  t.equal(good.body, 'x')
  t.equal(good.headers['x-echo'], 'fine')
})

t.test('Lua: a header name with a space, a table value holding \\n, set_header with CR/LF: each a 500', async (t) => {
  const cases = [
    `kong.response.exit(200, "x", {["X Bad"] = "1"})`,
    `kong.response.exit(200, "x", {["X-List"] = {"a", "b\\nc"}})`,
    `kong.response.set_header("X-Set", "a\\r\\nb")`,
    `kong.response.add_header("X-Add", "a\\nb")`,
    `kong.service.request.set_header("X-Up", "a\\r\\nb")`,
    `kong.service.request.set_headers({["X-Up"] = "a\\nb"})`,
    `kong.service.request.add_header("X Up", "1")`,
  ]
  for (const source of cases) {
    const { lines: failures, pluginLog } = pluginLines()
    const { send } = await pluginGateway(t, luaConfig('access', source), undefined, { pluginLog })
    const r = await send('/')
    t.equal(r.status, 500, source)
    t.match(r.body, UNEXPECTED_BODY)
    t.equal(r.reached, undefined, 'the upstream never saw it')
    t.same(
      failures.map((f) => f.plugin),
      ['pre-function'],
    )
  }
})

t.test('Lua: an exit with CR/LF from the global rewrite phase is a 500', async (t) => {
  const { lines: failures, pluginLog } = pluginLines()
  const { send } = await pluginGateway(
    t,
    luaConfig('rewrite', `kong.response.exit(401, "no", {["WWW-Authenticate"] = "Basic\\r\\nSet-Cookie: a=b"})`),
    undefined,
    {
      pluginLog,
    },
  )
  const r = await send('/')
  t.equal(r.status, 500)
  t.match(r.body, UNEXPECTED_BODY)
  t.equal(r.headers['set-cookie'], undefined)
  t.same(
    failures.map((f) => [f.plugin, f.fields?.phase]),
    [['pre-function', 'rewrite']],
  )
})

t.test('an exit that sets Transfer-Encoding: one Content-Length, no Transfer-Encoding, the connection stays usable', async (t) => {
  const { lines: failures, pluginLog } = pluginLines()
  const { gw } = await pluginGateway(t, luaConfig('access', `kong.response.exit(200, "hello", {["Transfer-Encoding"] = "chunked"})`), undefined, {
    pluginLog,
  })
  // t/01-pdk/08-response/11-exit.t:1131 (Kong ignores an exit's Transfer-Encoding)
  const answers = responses(await exchange(gw.url, 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'))
  t.equal(answers.length, 2, 'both requests answered on one connection')
  for (const a of answers) {
    t.equal(a.status, 200)
    t.same(a.headers['content-length'], ['5'])
    t.equal(a.headers['transfer-encoding'], undefined)
    t.equal(a.body, 'hello')
  }
  t.match(failures[0], { plugin: 'pre-function', msg: 'manually setting Transfer-Encoding. Ignored.' })
})

// A TypeScript plugin setting headers through the kit, or returning an exit, from `conf`.
const setterConfig = z.strictObject({
  where: z.enum(['upstream', 'response', 'exit', 'exit-status', 'header-filter-raw']),
  name: z.string().default('x-bad'),
  value: z.string().default('a\r\nb'),
})
function setter(): CustomPlugin {
  const definition = definePlugin({ name: 'setter', priority: 913, version: '0.0.0', config: setterConfig, protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE })
  const handler = defineHandler<z.infer<typeof setterConfig>>({
    name: 'setter',
    create(conf) {
      return {
        access(kit): Exit | undefined {
          if (conf.where === 'upstream') kit.upstream.setHeader(conf.name, conf.value)
          if (conf.where === 'response') kit.response.setHeader(conf.name, conf.value)
          if (conf.where === 'exit') return { status: 200, message: 'hi', headers: { [conf.name]: conf.value } }
          if (conf.where === 'exit-status') return { status: Number(conf.value), message: 'hi' }
          return undefined
        },
        headerFilter(kit) {
          if (conf.where === 'header-filter-raw') kit.response.headers[conf.name] = conf.value
        },
      }
    },
  })
  return { definition, handler: handler as CustomPlugin['handler'] }
}
const plugins = pluginSet([setter()])
const tsConfig = (conf: z.input<typeof setterConfig>) => onePlugin('setter', conf)

t.test('TypeScript plugins: kit.upstream / kit.response headers and exits are checked where set', async (t) => {
  for (const conf of [
    { where: 'upstream' },
    { where: 'upstream', name: 'x bad', value: 'ok' },
    { where: 'response' },
    { where: 'exit' },
    { where: 'exit', name: 'bad:name', value: 'ok' },
    { where: 'exit-status', value: '1000' },
  ] as const) {
    const { lines: failures, pluginLog } = pluginLines()
    const { send } = await pluginGateway(t, tsConfig(conf), undefined, { plugins, pluginLog })
    const r = await send('/')
    t.equal(r.status, 500, JSON.stringify(conf))
    t.match(r.body, UNEXPECTED_BODY)
    t.equal(r.reached, undefined)
    t.same(
      failures.map((f) => [f.plugin, f.fields?.phase, f.fields?.request_id]),
      [['setter', 'access', r.headers['x-kong-request-id']]],
    )
  }
})

t.test('a header written behind the kit (header_filter mutating the object): 500, not a reset', async (t) => {
  const { send } = await pluginGateway(t, tsConfig({ where: 'header-filter-raw' }), undefined, { plugins })
  const r = await send('/')
  t.equal(r.status, 500)
  t.match(r.body, UNEXPECTED_BODY)
  t.equal((await send('/')).status, 500, 'the gateway serves on')
})

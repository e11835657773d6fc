// kong.service.request.set_path (issue 12, item 10): Kong refuses a path that
// does not start with `/`, so a plugin can never send an absolute-form
// (`http://evil.example/`) or asterisk-form request target upstream. The
// refusal is the plugin's error: Kong's 500, logged with the plugin's name.
import t from 'tap'
import { pluginSet } from '../../src/plugins/set.js'
import { onePlugin, pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'
import { probe } from '../helpers/probe.js'

const { lines: failures, pluginLog } = pluginLines()
const plugins = pluginSet([probe('probe', 1000)])

/** `path` is Lua source: a string literal, or not a string at all. */
const lua = (path: string) => onePlugin('pre-function', { access: [`kong.service.request.set_path(${path})`] })
const ts = (path: string) => onePlugin('probe', { set_path: path })

// t/01-pdk/06-service-request/04-set_path.t:35 (path must start with /)
t.test('Lua: set_path without a leading slash is a 500; the upstream never sees the target', async (t) => {
  for (const path of ['"http://evil.example/"', '"*"', '"evil"', '""', '42']) {
    failures.length = 0
    const { send, up } = await pluginGateway(t, lua(path), undefined, { pluginLog })
    const r = await send('/x')
    t.equal(r.status, 500, path)
    t.equal(r.json().message, 'An unexpected error occurred')
    t.equal(up.requests.length, 0)
    t.same(
      failures.map((f) => [f.plugin, f.fields?.phase, f.fields?.request_id]),
      [['pre-function', 'access', r.headers['x-kong-request-id']]],
    )
    t.match(failures[0]!.msg, /path must (start with \/|be a string)/)
  }
  const ok = await pluginGateway(t, lua('"/v2/movies"'))
  t.equal((await ok.send('/x')).reached?.url, '/v2/movies')
})

t.test('TypeScript: kit.upstream.setPath refuses the same paths', async (t) => {
  for (const path of ['http://evil.example/', '*', '']) {
    failures.length = 0
    const { send, up } = await pluginGateway(t, ts(path), undefined, { plugins, pluginLog })
    const r = await send('/x')
    t.equal(r.status, 500, path)
    t.equal(up.requests.length, 0)
    t.same(
      failures.map((f) => f.plugin),
      ['probe'],
    )
  }
  const ok = await pluginGateway(t, ts('/fine'), undefined, { plugins })
  t.equal((await ok.send('/x')).reached?.url, '/fine')
})

// Kong's max-args spec (spec/02-integration/05-proxy/30-max-args_spec.lua) through a real gateway:
// Lua reading the request (kong.request.*, ngx.req.*) sees at most 100 headers, query arguments
// and form arguments (Kong's lua_max_req_headers, lua_max_uri_args and lua_max_post_args
// defaults), while a proxied request reaches the upstream whole.
//
// The spec's max-args test plugin reads everything in one access handler and answers from
// header_filter; here one pre-function route per reader plays it. Not covered:
// the response-header count (kong.response.exit from header_filter, ngx.resp.get_headers), and
// the spec's runs with the limits set to 50 and 200 (Kong settings this gateway does not have).
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'
import { exchange, responses } from '../helpers/wire.js'
import { DEFAULT_LIMITS, setLuaLimits } from '../../src/lua/engine.js'

// The wall-clock guard of a Lua run (20 ms) is raised: on a machine this busy, reading 100
// arguments can take longer than that; the instruction budget still bounds the work.
setLuaLimits({ wallMs: 10_000 })
t.teardown(() => setLuaLimits(DEFAULT_LIMITS))

// Reader → what Kong logs (kong.log.notice, kong/globalpatches.lua) when it truncates, and whether
// the reader returns "truncated" too (kong.request.get_body does not: kong/pdk/request.lua).
const readers: Record<string, { call: string; notice: string; says: boolean }> = {
  'kong-headers': { call: 'kong.request.get_headers()', notice: 'request headers truncated', says: true },
  'kong-query': { call: 'kong.request.get_query()', notice: 'uri args truncated', says: true },
  'kong-body': { call: 'kong.request.get_body()', notice: 'post args truncated', says: false },
  'ngx-headers': { call: 'ngx.req.get_headers()', notice: 'request headers truncated', says: true },
  'ngx-query': { call: 'ngx.req.get_uri_args()', notice: 'uri args truncated', says: true },
  'ngx-body': { call: 'ngx.req.get_post_args()', notice: 'post args truncated', says: true },
}

const lua = (call: string) => `ngx.req.read_body()
local function count(t) local n = 0 for _ in pairs(t or {}) do n = n + 1 end return n end
local all = count(ngx.req.get_uri_args(0))
local got, err = ${call}
return kong.response.exit(200, { client_args_count = all, count = count(got), err = err or "-" })`

const yaml = stringify({
  _format_version: '3.0',
  services: [{ name: 'mock', url: '$UPSTREAM', routes: [{ name: 'proxy', paths: ['/proxy'] }] }],
  routes: Object.entries(readers).map(([name, r]) => ({
    name,
    paths: [`/max-args/${name}`],
    plugins: [{ name: 'pre-function', config: { access: [lua(r.call)] } }],
  })),
})

/**
 * The spec's request with n parameters: a1..an in the query and in a form body, and a5..an as
 * headers beside Content-Length, Content-Type, Host and (the spec's User-Agent here) Connection:
 * n header lines in all.
 */
function post(path: string, n: number): string {
  const pairs = Array.from({ length: n }, (_, i) => `a${i + 1}=v${i + 1}`)
  const body = pairs.join('&')
  const headers = pairs.slice(4).map((p) => p.replace('=', ': '))
  const head = [
    `POST ${path}?${body} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${body.length}`,
    ...headers,
  ]
  return `${head.join('\r\n')}\r\n\r\n${body}`
}

for (const n of [100, 101]) {
  // spec/02-integration/05-proxy/30-max-args_spec.lua:222 (100: nothing truncated), :230 (101: truncated)
  t.test(`${n} parameters: Lua sees ${Math.min(n, 100)} of each`, async (t) => {
    const { lines, pluginLog } = pluginLines()
    const g = await pluginGateway(t, yaml, undefined, { pluginLog })
    for (const [name, r] of Object.entries(readers)) {
      lines.length = 0
      const [res] = responses(await exchange(g.gw.url, post(`/max-args/${name}`, n)))
      t.equal(res?.status, 200, `${r.call}: answered`)
      const body = JSON.parse(res?.body || '{}') as Record<string, unknown>
      // spec/02-integration/05-proxy/30-max-args_spec.lua:63-75, :99-111
      t.same(body, { client_args_count: n, count: Math.min(n, 100), err: n > 100 && r.says ? 'truncated' : '-' }, `${r.call} with ${n}`)
      // spec/02-integration/05-proxy/30-max-args_spec.lua:92-95, :128-131
      t.same(
        lines.map((l) => l.msg),
        n > 100 ? [r.notice] : [],
        `${r.call}: ${n > 100 ? 'a notice' : 'no notice'}`,
      )
    }
  })

  // spec/02-integration/05-proxy/30-max-args_spec.lua:238, :246 (proxied: nothing is truncated)
  t.test(`${n} parameters reach the upstream whole`, async (t) => {
    const g = await pluginGateway(t, yaml)
    const [r] = responses(await exchange(g.gw.url, post('/proxy', n)))
    t.equal(r?.status, 200)
    const seen = g.up.requests.at(-1)!
    t.equal([...new URLSearchParams(seen.url.split('?')[1]).keys()].length, n, 'every query argument')
    t.equal([...new URLSearchParams(seen.body).keys()].length, n, 'every body argument')
    const missing = Array.from({ length: n - 4 }, (_, i) => `a${i + 5}`).filter((h) => seen.headers[h] !== `v${h.slice(1)}`)
    t.same(missing, [], 'every header')
  })
}

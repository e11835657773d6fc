// Kong's context spec (spec/02-integration/05-proxy/23-context_spec.lua) through a real gateway and
// a real upstream. Kong's `ctx-tests` fixture plugin checks, in every phase, the runloop's timing
// values in ngx.ctx (KONG_*_START, _ENDED_AT, _TIME), which are Kong internals this gateway has
// no equivalent of; what a plugin can see of them here is checked instead, from post-function in
// each phase: the status the upstream sent as the response phases see it, and the latencies a log
// record carries. As in the spec, a failed check writes a `[ctx-tests]` line and the test asserts
// that none was written, on unbuffered and buffered responses and on a keep-alive connection
// reused after a buffered one.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway, pluginLines } from '../helpers/plugin-gateway.js'

// The spec's mock upstream /status/<code>: answers that status.
const status = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
  const code = Number(/\/status\/(\d{3})$/.exec(req.url ?? '')?.[1] ?? 200)
  res.writeHead(code, { 'content-type': 'text/plain' })
  res.end('ok')
}

const CHECKS = {
  access: [`kong.ctx.plugin.path = kong.request.get_path()`],
  header_filter: [
    `local up = kong.service.response.get_status()
if up == nil or up ~= kong.response.get_status() then
  ngx.log(ngx.ERR, "[ctx-tests] status ", tostring(up), " ~= ", tostring(kong.response.get_status()))
end
if kong.ctx.plugin.path ~= kong.request.get_path() then ngx.log(ngx.ERR, "[ctx-tests] ctx.plugin lost") end`,
  ],
  log: [
    `local r = kong.log.serialize()
local l = r.latencies
if r.response.status ~= kong.service.response.get_status() then ngx.log(ngx.ERR, "[ctx-tests] logged status ", tostring(r.response.status)) end
if type(l.kong) ~= "number" or l.kong < 0 then ngx.log(ngx.ERR, "[ctx-tests] latencies.kong ", tostring(l.kong)) end
if type(l.proxy) ~= "number" or l.proxy < 0 then ngx.log(ngx.ERR, "[ctx-tests] latencies.proxy ", tostring(l.proxy)) end
if type(l.request) ~= "number" or l.request < l.proxy then ngx.log(ngx.ERR, "[ctx-tests] latencies.request ", tostring(l.request)) end`,
  ],
}

const yml = stringify(
  {
    _format_version: '3.0',
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: [
          { name: 'unbuffered', paths: ['/'], strip_path: false, plugins: [{ name: 'post-function', config: CHECKS }] },
          {
            // The spec's `buffered = true`: a body_filter holds the whole response.
            name: 'buffered',
            paths: ['/buffered'],
            plugins: [{ name: 'post-function', config: { ...CHECKS, body_filter: ['local _ = ngx.arg[1]'] } }],
          },
          {
            // The spec's ctx-tests-response uses Kong's `response` phase, which plugins here do not
            // have; a body_filter holds the whole response the same way, on a route with response_buffering off.
            name: 'response',
            paths: ['/response'],
            response_buffering: false,
            plugins: [{ name: 'post-function', config: { ...CHECKS, body_filter: ['local _ = ngx.arg[1]'] } }],
          },
        ],
      },
    ],
  },
  { lineWidth: 0 },
)

t.test('what plugins see of the request context, in every phase', async (t) => {
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(t, yml, status, { pluginLog })
  const ctxLines = () => lines.filter((l) => l.msg.includes('[ctx-tests]')).map((l) => l.msg)
  // spec/02-integration/05-proxy/23-context_spec.lua:113
  t.equal((await g.send('/status/231')).status, 231)
  // spec/02-integration/05-proxy/23-context_spec.lua:121
  t.equal((await g.send('/buffered/status/232')).status, 232)
  // spec/02-integration/05-proxy/23-context_spec.lua:128
  t.equal((await g.send('/response/status/233')).status, 233)
  // spec/02-integration/05-proxy/23-context_spec.lua:135
  t.equal((await g.send('/response/status/234')).status, 234)
  t.equal((await g.send('/status/235')).status, 235)
  // The log phase runs once the answer is out: let it finish before reading the lines.
  await new Promise((r) => setImmediate(r))
  t.same(ctxLines(), [], 'no [ctx-tests] line')
})

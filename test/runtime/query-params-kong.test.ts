// Kong's query-string specs through a real gateway and a real echo upstream: the query a client
// sends reaches the upstream as sent (spec/02-integration/05-proxy/02-router_spec.lua, "URI
// arguments"), and a plugin adding an argument to a request with an empty query
// (spec/02-integration/05-proxy/32-query-params_spec.lua).
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { rawRequest } from '../helpers/raw.js'

const yaml = stringify({
  _format_version: '3.0',
  services: [
    {
      name: 'mock',
      url: '$UPSTREAM',
      routes: [
        { name: 'by-host', hosts: ['mock_upstream'] },
        {
          name: 'set-query-arg',
          paths: ['/set-query-arg'],
          plugins: [{ name: 'request-transformer', config: { add: { querystring: ['dummy:1'] } } }],
        },
      ],
    },
  ],
})

t.test('the query reaches the upstream as the client sent it', async (t) => {
  const g = await pluginGateway(t, yaml)
  const host = { host: 'mock_upstream' }

  // spec/02-integration/05-proxy/02-router_spec.lua:892
  const args = await g.send('/get?foo=bar&hello=world', { headers: host })
  t.equal(args.status, 200)
  t.equal(args.reached?.url, '/get?foo=bar&hello=world')

  // spec/02-integration/05-proxy/02-router_spec.lua:911 (a bare `?` is kept; node:http sends it, undici would not)
  const empty = await rawRequest(`${g.gw.url}/request?`, { headers: host })
  t.equal(empty.status, 200)
  t.equal(g.up.requests.at(-1)?.url, '/request?')

  // spec/02-integration/05-proxy/02-router_spec.lua:925 (an argument without a value)
  const bare = await g.send('/get?hello', { headers: host })
  t.equal(bare.reached?.url, '/get?hello')
})

// spec/02-integration/05-proxy/32-query-params_spec.lua:55
t.test('a plugin sets a query argument on a request whose query is empty', async (t) => {
  const g = await pluginGateway(t, yaml)
  const r = await rawRequest(`${g.gw.url}/set-query-arg?`)
  t.equal(r.status, 200)
  t.equal(g.up.requests.at(-1)?.url, '/?dummy=1')
})

// Kong's X-Kong-Request-Id spec (spec/02-integration/05-proxy/33-request-id-header_spec.lua)
// through a real gateway and a real echo upstream: the id on the client's answer and on the
// upstream request, whatever the client or a plugin set, and Kong's `headers` and
// `headers_upstream` settings (the gateway's `headers` and `headersUpstream` options) switching it off.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const ID = /^[0-9a-f]+$/

const yml = stringify({
  _format_version: '3.0',
  services: [
    {
      name: 'app',
      url: '$UPSTREAM',
      routes: [
        { name: 'plain', hosts: ['request_id'] },
        {
          name: 'access',
          hosts: ['post-function-access'],
          plugins: [{ name: 'post-function', config: { access: ["ngx.req.set_header('X-Kong-Request-Id', 'overwritten')"] } }],
        },
        {
          name: 'header-filter',
          hosts: ['post-function-header-filter'],
          plugins: [{ name: 'post-function', config: { header_filter: ["ngx.header['X-Kong-Request-Id'] = 'overwritten'"] } }],
        },
      ],
    },
  ],
})

t.test('X-Kong-Request-Id', async (t) => {
  const g = await pluginGateway(t, yml)
  const on = (host: string, headers: Record<string, string> = {}) => g.send('/', { headers: { host, ...headers } })

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:80
  const plain = await on('request_id')
  t.equal(plain.status, 200)
  t.match(plain.headers['x-kong-request-id'], ID)

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:92
  const notFound = await on('404.test')
  t.equal(notFound.status, 404)
  t.equal(notFound.json().message, 'no Route matched with those values')
  t.match(notFound.headers['x-kong-request-id'], ID)

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:107
  const filtered = await on('post-function-header-filter')
  t.equal(filtered.status, 200)
  t.match(filtered.headers['x-kong-request-id'], ID, "the gateway's id, set after the plugin's header_filter")

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:213
  t.match(plain.reached?.headers['x-kong-request-id'], ID)
  t.equal(plain.reached?.headers['x-kong-request-id'], plain.headers['x-kong-request-id'], 'the same id both ways')

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:226
  const spoofed = await on('request_id', { 'x-kong-request-id': 'client-value' })
  t.match(spoofed.reached?.headers['x-kong-request-id'], ID)

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:245
  const access = await on('post-function-access')
  t.equal(access.status, 200)
  t.match(access.reached?.headers['x-kong-request-id'], ID, "the gateway's id, not the plugin's")
})

t.test('X-Kong-Request-Id under `headers` and `headers_upstream`', async (t) => {
  const on = async (opts: { headers?: string; headersUpstream?: string }) => {
    const g = await pluginGateway(t, yml, undefined, opts)
    return g.send('/', { headers: { host: 'request_id' } })
  }
  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:145
  const named = await on({ headers: 'X-Kong-Request-Id' })
  t.equal(named.status, 200)
  t.match(named.headers['x-kong-request-id'], ID)
  t.equal(named.headers['x-kong-proxy-latency'], undefined, 'only the headers named')

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:178
  const off = await on({ headers: 'off' })
  t.equal(off.status, 200)
  t.equal(off.headers['x-kong-request-id'], undefined)
  t.match(off.reached?.headers['x-kong-request-id'], ID, 'headers does not reach the upstream request')

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:284
  const upstreamNamed = await on({ headersUpstream: 'X-Kong-Request-Id' })
  t.match(upstreamNamed.reached?.headers['x-kong-request-id'], ID)

  // spec/02-integration/05-proxy/33-request-id-header_spec.lua:319
  const upstreamOff = await on({ headersUpstream: 'off' })
  t.equal(upstreamOff.status, 200)
  t.equal(upstreamOff.reached?.headers['x-kong-request-id'], undefined)
  t.match(upstreamOff.headers['x-kong-request-id'], ID, 'the answer still carries it')
})

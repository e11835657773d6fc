// Kong's URI encoding spec (spec/02-integration/05-proxy/08-uri_encoding_spec.lua) through a real
// gateway and a real echo upstream: what the upstream receives of an escaped path and query,
// routed by host, by path, and by a path that strip_path removes.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'

// The spec's routes: two host routes, a prefix route kept whole and a prefix route stripped.
const yaml = stringify({
  _format_version: '3.0',
  services: [
    {
      name: 'mock',
      url: '$UPSTREAM',
      routes: [
        { name: 'host-1', hosts: ['mock_upstream'] },
        { name: 'host-2', hosts: ['mock_upstream'] },
        { name: 'request', protocols: ['http'], paths: ['/request'], strip_path: false },
        { name: 'stripped', protocols: ['http'], paths: ['/stripped-path'], strip_path: true },
      ],
    },
  ],
})

t.test('proxied URIs keep their escapes', async (t) => {
  const g = await pluginGateway(t, yaml)
  const host = { host: 'mock_upstream' }

  // spec/02-integration/05-proxy/08-uri_encoding_spec.lua:46 (issue #1975: no double escaping of the query)
  const where = '%7B%22or%22:%5B%7B%22name%22:%7B%22like%22:%22%25bac%25%22%7D%7D%5D%7D'
  const a = await g.send(`/get?limit=25&where=${where}`, { headers: host })
  t.equal(a.status, 200)
  t.equal(a.reached?.url, `/get?limit=25&where=${where}`, 'the query reaches the upstream byte for byte')
  const args = new URLSearchParams(a.reached!.url.split('?')[1])
  t.equal(args.get('limit'), '25')
  t.equal(args.get('where'), '{"or":[{"name":{"like":"%bac%"}}]}')

  // spec/02-integration/05-proxy/08-uri_encoding_spec.lua:64 (issue #1480: nothing escaped that needs no escape)
  const b = await g.send('/request?param=1.2.3', { headers: host })
  t.equal(b.reached?.url, '/request?param=1.2.3')

  // spec/02-integration/05-proxy/08-uri_encoding_spec.lua:83 (issue #749: query escapes not decoded)
  const c = await g.send('/request?param=abc%7Cdef', { headers: host })
  t.equal(c.reached?.url, '/request?param=abc%7Cdef')

  // spec/02-integration/05-proxy/08-uri_encoding_spec.lua:100 (issue #688: an escaped / in the path stays escaped)
  const d = await g.send('/request/foo%2Fbar', { headers: host })
  t.equal(d.reached?.url, '/request/foo%2Fbar')
})

// spec/02-integration/05-proxy/08-uri_encoding_spec.lua:117 (issue #2512: no double escaping of the path)
t.test('an escaped / is neither decoded nor escaped again, however the route matched', async (t) => {
  const g = await pluginGateway(t, yaml)
  const byHost = await g.send('/request/auth%2F123', { headers: { host: 'mock_upstream' } })
  t.equal(byHost.reached?.url, '/request/auth%2F123', 'matched by hosts')
  const byPath = await g.send('/request/auth%2F123')
  t.equal(byPath.reached?.url, '/request/auth%2F123', 'matched by paths')
  const stripped = await g.send('/stripped-path/request/auth%2F123')
  t.equal(stripped.reached?.url, '/request/auth%2F123', 'matched by paths, strip_path removing the prefix')
})

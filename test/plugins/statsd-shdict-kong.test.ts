// statsd's shdict_usage with a tag style (spec/03-plugins/06-statsd/01-log_spec.lua:1739) in a
// file of its own: the gauges go out once a minute per process, so they come with the first
// request this process logs. The node's sized stores stand in for Kong's shared dicts; the
// rate-limiting counters are always there.
import { hostname } from 'node:os'
import t from 'tap'
import { stringify } from 'yaml'
import { waitFor } from '../helpers/collector.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { line, startUdpListener } from '../helpers/statsd.js'

const HOST = hostname().replaceAll('.', '_')

t.test('shdict_usage in tag_style dogstatsd: free_space and capacity per dict, tagged', async (t) => {
  const udp = await startUdpListener(t)
  const yml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'statsd1',
        url: '$UPSTREAM',
        routes: [
          {
            name: 'logging1',
            paths: ['/'],
            plugins: [
              {
                name: 'statsd',
                config: {
                  host: '127.0.0.1',
                  port: udp.port,
                  tag_style: 'dogstatsd',
                  metrics: [
                    { name: 'shdict_usage', stat_type: 'gauge', sample_rate: 1 },
                    { name: 'request_count', stat_type: 'counter', sample_rate: 1 },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  })
  const g = await pluginGateway(t, yml)
  t.equal((await g.send('/')).status, 200)
  await waitFor(() => udp.packets.length >= 3)
  const tags = `|#node:${HOST},shdict:kong_rate_limiting_counters`
  const free = line(`kong.shdict.free_space:%d|g${tags}`)
  const capacity = line(`kong.shdict.capacity:%d|g${tags}`)
  // spec/03-plugins/06-statsd/01-log_spec.lua:1771
  t.ok(
    udp.packets.some((p) => free.test(p)),
    'free_space, tagged with the node and the dict',
  )
  const cap = udp.packets.find((p) => capacity.test(p))
  t.ok(cap && Number(/capacity:(\d+)/.exec(cap)![1]) > 0, 'capacity, tagged, and the store has one')
  // :1045: within the minute the next request sends its request count and nothing for the dicts
  udp.packets.length = 0
  t.equal((await g.send('/')).status, 200)
  await waitFor(() => udp.packets.length >= 1)
  t.match(
    udp.packets,
    [line('kong.request.count:1|c|#service:statsd1,route:logging1,workspace:%u,node:%s,status:200'.replace('%s', HOST))],
    'the request count',
  )
  t.notOk(
    udp.packets.some((p) => p.includes('shdict')),
    'no shdict gauges again within the minute',
  )
})

// Kong's statsd spec (spec/03-plugins/06-statsd/*) through a real gateway, a real upstream and
// real StatsD receivers: the `statsd` daemon from npm (UDP and TCP; it also checks every line
// parses) and a plain UDP listener where packet boundaries matter (udp_packet_size). Kong's spec
// counts lines per request with `assert.contains`; here each request's lines are checked exactly:
// every expected line, nothing more. shdict_usage reports the node's sized stores (the
// rate-limiting counters here) once a minute per process, so only this file's first request
// carries it, as only Kong's first request after a start does (:897, :1045). Not here: gRPC routes (:2192; the
// lines do not depend on the protocol), and `is_in_range` as a Lua function (03-allow_status_codes
// _spec.lua is covered through allow_status_codes on requests).
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { hostname } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { parse, stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { waitFor } from '../helpers/collector.js'
import { CORPUS, corpusAbsent, corpusPresent } from '../helpers/outside.js'
import { pluginGateway, pluginLines, type PluginGateway } from '../helpers/plugin-gateway.js'
import { line, startStatsd, startUdpListener, unmatched, type StatsdDaemon } from '../helpers/statsd.js'

const HOST = hostname().replaceAll('.', '_')
const WS = '0dc6f45b-8f8d-40d2-a504-473544ee190b'

/** Kong's fixture: consumer bob (custom_id robert) with API key `kong`. */
const CONSUMER_ID = 'c0000000-0000-4000-8000-000000000001'
const CONSUMERS = [{ id: CONSUMER_ID, username: 'bob', custom_id: 'robert', keyauth_credentials: [{ key: 'kong' }] }]
// Fixed ids, so the lines that carry them can be written out.
const serviceId = (n: number) => `5e000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const routeId = (n: number) => `90000000-0000-4000-8000-${String(n).padStart(12, '0')}`

interface RouteSpec {
  /** statsd config (host and port are added); null: no statsd on the route. */
  config: Record<string, unknown> | null
  keyAuth?: boolean
  /** The service's name (default `statsd<n>`); null: a service without a name. */
  service?: string | null
  /** The receiver (default: the UDP daemon). */
  port?: number
}

/** One service and route (`logging<n>.test`) per entry, as Kong's spec builds them. */
function kongYml(routes: Record<number, RouteSpec>, defaultPort: number, global?: Record<string, unknown>): string {
  return stringify(
    {
      _format_version: '3.0',
      consumers: CONSUMERS,
      ...(global ? { plugins: [{ name: 'statsd', config: { host: '127.0.0.1', port: defaultPort, ...global } }] } : {}),
      services: Object.entries(routes).map(([n, r]) => ({
        id: serviceId(Number(n)),
        ...(r.service === null ? {} : { name: r.service ?? `statsd${n}` }),
        url: '$UPSTREAM',
        routes: [
          {
            id: routeId(Number(n)),
            name: `logging${n}`,
            hosts: [`logging${n}.test`],
            plugins: [
              ...(r.keyAuth ? [{ name: 'key-auth' }] : []),
              ...(r.config ? [{ name: 'statsd', config: { host: '127.0.0.1', port: r.port ?? defaultPort, ...r.config } }] : []),
            ],
          },
        ],
      })),
    },
    { lineWidth: 0 },
  )
}

/** Sends one request to `logging<n>.test` and waits for `count` new lines at the receiver. */
async function linesOf(g: PluginGateway, d: StatsdDaemon, n: number, count: number, path = '/request?apikey=kong'): Promise<string[]> {
  d.lines.length = 0
  const r = await g.send(path, { headers: { host: `logging${n}.test` } })
  if (r.status !== 200) throw new Error(`logging${n}.test answered ${r.status}`)
  await waitFor(() => d.lines.length >= count)
  return [...d.lines]
}

function exactly(t: Test, got: string[], want: string[], what: string) {
  t.same(unmatched(got, want.map(line)), { missing: [], extra: [] }, what)
}

// Kong's DEFAULT_METRICS with a consumer, in Kong's order (shdict_usage sends nothing here).
const defaults = (p: string, n: number, svc = `statsd${n}`) => [
  `${p}.service.${svc}.request.count:1|c`,
  `${p}.service.${svc}.latency:%d|ms`,
  `${p}.service.${svc}.request.size:%d|c`,
  `${p}.service.${svc}.status.200:1|c`,
  `${p}.service.${svc}.response.size:%d|c`,
  `${p}.service.${svc}.user.uniques:robert|s`,
  `${p}.service.${svc}.user.robert.request.count:1|c`,
  `${p}.service.${svc}.upstream_latency:%d|ms`,
  `${p}.service.${svc}.kong_latency:%d|ms`,
  `${p}.service.${svc}.user.robert.status.200:1|c`,
  `${p}.service.${svc}.workspace.${WS}.status.200:1|c`,
  `${p}.route.${routeId(n)}.user.robert.status.200:1|c`,
]

// With tag_style: the six plain metrics, tags instead of scope names.
const TAGGED = ['request.count:1|c', 'request.size:%d|c', 'response.size:%d|c', 'latency:%d|ms', 'upstream_latency:%d|ms', 'kong_latency:%d|ms']

function styled(style: string, p: string, stat: string, tags: [string, string][]): string {
  const [head, tail] = stat.split(':') as [string, string]
  if (style === 'dogstatsd') return `${p}.${head}:${tail}|#${tags.map(([k, v]) => `${k}:${v}`).join(',')}`
  const list = tags.map(([k, v]) => `${k}=${v}`).join(',')
  if (style === 'influxdb') return `${p}.${head},${list}:${tail}`
  if (style === 'librato') return `${p}.${head}#${list}:${tail}`
  return `${p}.${head}[${list}]:${tail}`
}

const STYLES = ['dogstatsd', 'influxdb', 'librato', 'signalfx'] as const

t.test("Kong's statsd log spec, one route per case", async (t) => {
  const udp = await startStatsd(t)
  const tcp = await startStatsd(t, { tcp: true })
  const raw = await startUdpListener(t)
  const metric = (name: string, stat_type: string, extra: Record<string, unknown> = {}) => ({
    name,
    stat_type,
    ...(stat_type === 'counter' || stat_type === 'gauge' ? { sample_rate: 1 } : {}),
    ...extra,
  })
  const three = [metric('request_count', 'counter'), metric('upstream_latency', 'timer'), metric('kong_latency', 'timer')]
  const routes: Record<number, RouteSpec> = {
    1: { keyAuth: true, config: {} },
    2: { config: { metrics: [metric('latency', 'timer')] } },
    3: { config: { metrics: [metric('status_count', 'counter')] } },
    4: { config: { metrics: [metric('request_size', 'counter')] } },
    5: { config: { metrics: [metric('request_count', 'counter')] } },
    6: { config: { metrics: [metric('response_size', 'counter')] } },
    7: { config: { metrics: [metric('upstream_latency', 'timer')] } },
    8: { config: { metrics: [metric('kong_latency', 'timer')] } },
    9: { keyAuth: true, config: { metrics: [metric('unique_users', 'set', { consumer_identifier: 'custom_id' })] } },
    10: { keyAuth: true, config: { metrics: [metric('status_count_per_user', 'counter', { consumer_identifier: 'custom_id' })] } },
    11: { keyAuth: true, config: { metrics: [metric('request_per_user', 'counter', { consumer_identifier: 'username' })] } },
    12: { keyAuth: true, config: { metrics: [metric('latency', 'gauge')] } },
    13: { keyAuth: true, config: { prefix: 'prefix' } },
    14: { keyAuth: true, config: { metrics: [metric('unique_users', 'set', { consumer_identifier: 'consumer_id' })] } },
    15: { keyAuth: true, config: { metrics: [metric('status_count_per_user_per_route', 'counter', { consumer_identifier: 'username' })] } },
    16: { config: { metrics: [metric('status_count_per_workspace', 'counter', { workspace_identifier: 'workspace_id' })] } },
    17: { config: { metrics: [metric('status_count_per_workspace', 'counter', { workspace_identifier: 'workspace_name' })] } },
    18: { keyAuth: true, port: tcp.port, config: { use_tcp: true, metrics: [metric('request_count', 'counter')] } },
    19: { keyAuth: true, port: raw.port, config: { metrics: three, udp_packet_size: 500 } },
    20: { keyAuth: true, port: raw.port, config: { metrics: three, udp_packet_size: 100 } },
    21: { keyAuth: true, port: raw.port, config: { metrics: three, udp_packet_size: 1 } },
    22: { keyAuth: true, config: { metrics: ['request_count', 'status_count'].map((n) => metric(n, 'counter', { service_identifier: 'service_id' })) } },
    23: { keyAuth: true, config: { metrics: ['request_count', 'status_count'].map((n) => metric(n, 'counter', { service_identifier: 'service_name' })) } },
    24: { keyAuth: true, config: { metrics: ['request_count', 'status_count'].map((n) => metric(n, 'counter', { service_identifier: 'service_host' })) } },
    100: {
      keyAuth: true,
      service: null,
      config: { metrics: ['request_count', 'status_count'].map((n) => metric(n, 'counter', { service_identifier: 'service_name_or_host' })) },
    },
    101: {
      keyAuth: true,
      service: null,
      config: { metrics: ['request_count', 'status_count'].map((n) => metric(n, 'counter', { service_identifier: 'service_name' })) },
    },
    102: {
      keyAuth: true,
      service: null,
      config: { hostname_in_prefix: true, metrics: ['request_count', 'status_count'].map((n) => metric(n, 'counter', { service_identifier: 'service_name' })) },
    },
  }
  STYLES.forEach((style, i) => {
    routes[25 + i] = { config: { tag_style: style } }
    routes[31 + i] = { keyAuth: true, config: { prefix: 'prefix', tag_style: style } }
    routes[35 + i] = {
      keyAuth: true,
      config: {
        tag_style: style,
        metrics: [
          metric('request_size', 'counter', { service_identifier: 'service_id', workspace_identifier: 'workspace_name', consumer_identifier: 'consumer_id' }),
        ],
      },
    }
    routes[104 + i] = { keyAuth: true, config: { hostname_in_prefix: true, tag_style: style } }
  })
  routes[103] = { keyAuth: true, config: { hostname_in_prefix: true } }
  const g = await pluginGateway(t, kongYml(routes, udp.port))

  t.test('default metrics over UDP', async (t) => {
    // spec/03-plugins/06-statsd/01-log_spec.lua:906, with :897's shdict lines on the first request
    // after a start (:1702: free_space and capacity gauges per dict, under node.<hostname>)
    const shdict = [
      `kong.node.${HOST}.shdict.kong_rate_limiting_counters.free_space:%d|g`,
      `kong.node.${HOST}.shdict.kong_rate_limiting_counters.capacity:%d|g`,
    ]
    exactly(t, await linesOf(g, udp, 1, 14), [...defaults('kong', 1), ...shdict], 'the twelve lines of one request and the shdict gauges')
    // :1045: not again within the minute
    exactly(t, await linesOf(g, udp, 1, 12), defaults('kong', 1), 'the twelve lines alone the second time')
  })

  for (const [i, style] of STYLES.entries()) {
    t.test(`default metrics with ${style} tags`, async (t) => {
      // spec/03-plugins/06-statsd/01-log_spec.lua:935, :956, :977, :998 (prefix: :1042, :1063, :1084, :1105)
      const n = 25 + i
      const plain = [
        ['service', `statsd${n}`],
        ['route', `logging${n}`],
        ['workspace', WS],
        ['node', HOST],
        ['status', '200'],
      ] as [string, string][]
      exactly(
        t,
        await linesOf(g, udp, n, 6, '/request'),
        TAGGED.map((s) => styled(style, 'kong', s, plain)),
        'no consumer: no consumer tag',
      )
      const m = 31 + i
      const withUser = [
        ['service', `statsd${m}`],
        ['route', `logging${m}`],
        ['workspace', WS],
        ['consumer', 'robert'],
        ['node', HOST],
        ['status', '200'],
      ] as [string, string][]
      exactly(
        t,
        await linesOf(g, udp, m, 6),
        TAGGED.map((s) => styled(style, 'prefix', s, withUser)),
        'new prefix, the consumer tag',
      )
    })
  }

  t.test('default metrics with a new prefix', async (t) => {
    // spec/03-plugins/06-statsd/01-log_spec.lua:1019
    exactly(t, await linesOf(g, udp, 13, 12), defaults('prefix', 13), 'the twelve lines under the prefix')
  })

  for (const [i, style] of STYLES.entries()) {
    t.test(`request_size with service_id, workspace_name and consumer_id identifiers, ${style} tags`, async (t) => {
      // spec/03-plugins/06-statsd/01-log_spec.lua:1126, :1146, :1166, :1186
      const n = 35 + i
      const tags = [
        ['service', serviceId(n)],
        ['route', `logging${n}`],
        ['workspace', 'default'],
        ['consumer', CONSUMER_ID],
        ['node', HOST],
        ['status', '200'],
      ] as [string, string][]
      exactly(t, await linesOf(g, udp, n, 1), [styled(style, 'kong', 'request.size:%d|c', tags)], 'ids as tag values')
    })
  }

  t.test('one metric per route', async (t) => {
    const cases: [number, string, string, number?][] = [
      // spec/03-plugins/06-statsd/01-log_spec.lua:1206, :1221, :1237, :1253, :1269, :1285, :1301
      [5, 'kong.service.statsd5.request.count:1|c', '/request'],
      [3, 'kong.service.statsd3.status.200:1|c', '/request'],
      [4, 'kong.service.statsd4.request.size:%d|c', '/request'],
      [2, 'kong.service.statsd2.latency:%d|ms', '/request'],
      [6, 'kong.service.statsd6.response.size:%d|c', '/request'],
      [7, 'kong.service.statsd7.upstream_latency:%d|ms', '/request'],
      [8, 'kong.service.statsd8.kong_latency:%d|ms', '/request'],
      // :1317 unique_users, :1333 status_count_per_user, :1348 request_per_user, :1364 latency as gauge
      [9, 'kong.service.statsd9.user.uniques:robert|s', '/request?apikey=kong'],
      [10, 'kong.service.statsd10.user.robert.status.200:1|c', '/request?apikey=kong'],
      [11, 'kong.service.statsd11.user.bob.request.count:1|c', '/request?apikey=kong'],
      [12, 'kong.service.statsd12.latency:%d|g', '/request?apikey=kong'],
      // :1380 consumer by consumer_id, :1396 status_count_per_user_per_route
      [14, `kong.service.statsd14.user.uniques:${CONSUMER_ID}|s`, '/request?apikey=kong'],
      [15, `kong.route.${routeId(15)}.user.bob.status.200:1|c`, '/request?apikey=kong'],
      // :1412 status_count_per_workspace by id, :1428 by name
      [16, `kong.service.statsd16.workspace.${WS}.status.200:1|c`, '/request'],
      [17, 'kong.service.statsd17.workspace.default.status.200:1|c', '/request'],
    ]
    for (const [n, want, path] of cases) exactly(t, await linesOf(g, udp, n, 1, path), [want], `logging${n}.test`)
  })

  t.test('over TCP', async (t) => {
    // spec/03-plugins/06-statsd/01-log_spec.lua:1510
    exactly(t, await linesOf(g, tcp, 18, 1), ['kong.service.statsd18.request.count:1|c'], 'the line, newline-terminated on the stream')
    t.same(tcp.bad, [], 'the daemon parsed it')
  })

  t.test('udp_packet_size joins lines into packets', async (t) => {
    const packetsOf = async (n: number, count: number) => {
      raw.packets.length = 0
      t.equal((await g.send('/request?apikey=kong', { headers: { host: `logging${n}.test` } })).status, 200)
      await waitFor(() => raw.packets.length >= count)
      return [...raw.packets]
    }
    const p = (n: number, stat: string) => `kong.service.statsd${n}.${stat}`
    // spec/03-plugins/06-statsd/01-log_spec.lua:1528: all three in one packet
    let got = await packetsOf(19, 1)
    t.equal(got.length, 1)
    t.match(got[0], line(`${p(19, 'request.count')}:1|c\n${p(19, 'upstream_latency')}:%d|ms\n${p(19, 'kong_latency')}:%d|ms`))
    // :1551: two lines fit in 100 bytes, the third goes alone
    got = await packetsOf(20, 2)
    t.equal(got.length, 2)
    t.same(unmatched(got, [line(`${p(20, 'request.count')}:1|c\n${p(20, 'upstream_latency')}:%d|ms`), line(`${p(20, 'kong_latency')}:%d|ms`)]), {
      missing: [],
      extra: [],
    })
    // :1578: a packet size smaller than any line: each line alone
    got = await packetsOf(21, 3)
    t.equal(got.length, 3)
    t.same(unmatched(got, [line(`${p(21, 'request.count')}:1|c`), line(`${p(21, 'upstream_latency')}:%d|ms`), line(`${p(21, 'kong_latency')}:%d|ms`)]), {
      missing: [],
      extra: [],
    })
  })

  t.test('service identifiers', async (t) => {
    // spec/03-plugins/06-statsd/01-log_spec.lua:1601 (service_id), :1620 (service_name), :1639 (service_host)
    exactly(t, await linesOf(g, udp, 22, 2), [`kong.service.${serviceId(22)}.request.count:1|c`, `kong.service.${serviceId(22)}.status.200:1|c`], 'service_id')
    exactly(t, await linesOf(g, udp, 23, 2), ['kong.service.statsd23.request.count:1|c', 'kong.service.statsd23.status.200:1|c'], 'service_name')
    exactly(t, await linesOf(g, udp, 24, 2), ['kong.service.127_0_0_1.request.count:1|c', 'kong.service.127_0_0_1.status.200:1|c'], 'service_host, dots as _')
    // :1660: service_name_or_host without a name falls back to the host; :1679: service_name without a name is `unnamed`
    exactly(t, await linesOf(g, udp, 100, 2), ['kong.service.127_0_0_1.request.count:1|c', 'kong.service.127_0_0_1.status.200:1|c'], 'name or host')
    exactly(t, await linesOf(g, udp, 101, 2), ['kong.service.unnamed.request.count:1|c', 'kong.service.unnamed.status.200:1|c'], 'unnamed')
  })

  t.test('hostname_in_prefix', async (t) => {
    // spec/03-plugins/06-statsd/01-log_spec.lua:1885
    exactly(
      t,
      await linesOf(g, udp, 102, 2),
      [`kong.node.${HOST}.service.unnamed.request.count:1|c`, `kong.node.${HOST}.service.unnamed.status.200:1|c`],
      'node.<hostname> after the prefix',
    )
    // :1908 (defaults with the hostname)
    exactly(t, await linesOf(g, udp, 103, 12), defaults(`kong.node.${HOST}`, 103), 'every default metric')
    // :1934, :1965, :1996, :2027: not with tag_style
    for (const [i, style] of STYLES.entries()) {
      const n = 104 + i
      const tags = [
        ['service', `statsd${n}`],
        ['route', `logging${n}`],
        ['workspace', WS],
        ['consumer', 'robert'],
        ['node', HOST],
        ['status', '200'],
      ] as [string, string][]
      exactly(
        t,
        await linesOf(g, udp, n, 6),
        TAGGED.map((s) => styled(style, 'kong', s, tags)),
        `${style}: no hostname in the name`,
      )
    }
  })

  t.test('the daemon parsed every line', async (t) => {
    t.same(udp.bad, [])
  })
})

for (const [what, queueSize] of [
  ['one at a time', undefined],
  ['in batches (queue_size 2)', 2],
] as const) {
  t.test(`a global instance on a request that matched no route, ${what}`, async (t) => {
    // spec/03-plugins/06-statsd/01-log_spec.lua:2276 (and :2244 in batches)
    const d = await startStatsd(t)
    const { lines, pluginLog } = pluginLines()
    const g = await pluginGateway(
      t,
      stringify({
        _format_version: '3.0',
        consumers: CONSUMERS,
        plugins: [{ name: 'key-auth' }, { name: 'statsd', config: { host: '127.0.0.1', port: d.port, ...(queueSize ? { queue_size: queueSize } : {}) } }],
      }),
      undefined,
      { pluginLog },
    )
    t.equal((await g.send('/request?apikey=kong', { headers: { host: 'logging1.test' } })).status, 404)
    // Kong's udp_server stops at six lines; log.lua also sends the workspace line (the default
    // workspace stands in for the route's), the seventh.
    await waitFor(() => d.lines.length >= 7)
    exactly(
      t,
      d.lines,
      [
        'kong.global.unmatched.request.count:1|c',
        'kong.global.unmatched.latency:%d|ms',
        'kong.global.unmatched.request.size:%d|c',
        'kong.global.unmatched.status.404:1|c',
        'kong.global.unmatched.response.size:%d|c',
        'kong.global.unmatched.kong_latency:%d|ms',
        `kong.global.unmatched.workspace.${WS}.status.404:1|c`,
      ],
      'no upstream latency, no consumer',
    )
    if (queueSize)
      t.ok(
        lines.some((l) => l.msg === 'statsd: config.queue_size is deprecated, please use config.queue.max_batch_size instead'),
        'the deprecation, in Kong words',
      )
  })
}

t.test("won't send the same metric multiple times", async (t) => {
  // spec/03-plugins/06-statsd/01-log_spec.lua:2344. One global instance, so one queue: the second
  // request (another service) is the fence, its lines come after every line of the first.
  const d = await startStatsd(t)
  const g = await pluginGateway(t, kongYml({ 1: { keyAuth: true, config: null }, 2: { keyAuth: true, config: null } }, d.port, {}))
  for (const n of [1, 2]) t.equal((await g.send('/request?apikey=kong', { headers: { host: `logging${n}.test` } })).status, 200)
  await waitFor(() => d.lines.length >= 24)
  exactly(t, d.lines, [...defaults('kong', 1), ...defaults('kong', 2)], 'twelve lines per request, none twice')
})

t.test("schema: Kong's checks and messages", async (t) => {
  // spec/03-plugins/06-statsd/02-schema_spec.lua
  const problems = (config: Record<string, unknown>) => {
    const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'statsd', config }] }), { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path.replace('plugins[0].config.', '')} ${i.message}`)
  }
  const ok: [string, Record<string, unknown>][] = [
    ['empty config (:5)', {}],
    ['empty metrics (:10)', { metrics: [] }],
    ['one metric (:16)', { metrics: [{ name: 'request_count', stat_type: 'counter', sample_rate: 1 }] }],
    ['no service identifier (:106)', { metrics: [{ name: 'status_count', stat_type: 'counter', sample_rate: 1 }] }],
    ['a service identifier (:118)', { metrics: [{ name: 'status_count', stat_type: 'counter', sample_rate: 1, service_identifier: 'service_id' }] }],
    [
      'a workspace identifier (:144)',
      { metrics: [{ name: 'status_count_per_workspace', stat_type: 'counter', sample_rate: 1, workspace_identifier: 'workspace_id' }] },
    ],
    ['empty allow_status_codes (:157)', { allow_status_codes: [] }],
    ['status code ranges (:164)', { allow_status_codes: ['200-299', '300-399'] }],
    ['udp_packet_size 0 (:243)', { udp_packet_size: 0 }],
    ['udp_packet_size 1 (:246)', { udp_packet_size: 1 }],
    ['udp_packet_size 10000 (:249)', { udp_packet_size: 10000 }],
    [
      'identifier defaults (:265)',
      { consumer_identifier_default: 'consumer_id', service_identifier_default: 'service_id', workspace_identifier_default: 'workspace_id' },
    ],
    ...STYLES.map((s): [string, Record<string, unknown>] => [`tag_style ${s} (:287)`, { tag_style: s }]),
  ]
  for (const [what, config] of ok) t.same(problems(config), [], what)

  const bad: [string, Record<string, unknown>, string[]][] = [
    // :31
    ['no stat_type', { metrics: [{ name: 'request_count', sample_rate: 1 }] }, ['metrics[0].stat_type field required for entity check']],
    ['no name', { metrics: [{ stat_type: 'counter', sample_rate: 1 }] }, ['metrics[0].name required field missing']],
    // :53
    ['a counter without sample_rate', { metrics: [{ name: 'request_count', stat_type: 'counter' }] }, ['metrics[0].sample_rate required field missing']],
    // :64
    [
      'an unknown metric name',
      { metrics: [{ name: 'invalid_name', stat_type: 'counter', sample_rate: 1 }] },
      [
        'metrics[0].name expected one of: kong_latency, latency, request_count, request_per_user, request_size, response_size, status_count, status_count_per_user, unique_users, upstream_latency, status_count_per_workspace, status_count_per_user_per_route, shdict_usage',
      ],
    ],
    // :75
    [
      'an unknown stat type',
      { metrics: [{ name: 'request_count', stat_type: 'invalid_stat' }] },
      ['metrics[0].stat_type expected one of: counter, gauge, histogram, meter, set, timer'],
    ],
    // :86, :131
    [
      'an unknown service identifier',
      { metrics: [{ name: 'status_count', stat_type: 'counter', sample_rate: 1, service_identifier: 'fooo' }] },
      ['metrics[0].service_identifier expected one of: service_id, service_name, service_host, service_name_or_host'],
    ],
    [
      'an unknown workspace identifier',
      { metrics: [{ name: 'status_count_per_workspace', stat_type: 'counter', sample_rate: 1, workspace_identifier: 'fooo' }] },
      ['metrics[0].workspace_identifier expected one of: workspace_id, workspace_name'],
    ],
    // :174, :184, :194, :204, :215, :226
    ['letters', { allow_status_codes: ['test'] }, ['allow_status_codes[0] invalid value: test']],
    ['special characters', { allow_status_codes: ['$%%'] }, ['allow_status_codes[0] invalid value: $%%']],
    ['letters around a dash', { allow_status_codes: ['test-test'] }, ['allow_status_codes[0] invalid value: test-test']],
    [
      'letters and numbers',
      { allow_status_codes: ['test-299', '300-test'] },
      ['allow_status_codes[0] invalid value: test-299', 'allow_status_codes[1] invalid value: 300-test'],
    ],
    ['one bad range of two', { allow_status_codes: ['200-300', 'test-test'] }, ['allow_status_codes[1] invalid value: test-test']],
    [
      'numbers without a dash',
      { allow_status_codes: ['200', '299'] },
      ['allow_status_codes[0] invalid value: 200', 'allow_status_codes[1] invalid value: 299'],
    ],
    // :252
    ['udp_packet_size -1', { udp_packet_size: -1 }, ['udp_packet_size value should be between 0 and 65507']],
    ['udp_packet_size "a"', { udp_packet_size: 'a' }, ['udp_packet_size expected a number']],
    ['udp_packet_size 65508', { udp_packet_size: 65508 }, ['udp_packet_size value should be between 0 and 65507']],
    // :275
    [
      'unknown identifier defaults',
      { consumer_identifier_default: 'invalid type', service_identifier_default: 'invalid type', workspace_identifier_default: 'invalid type' },
      [
        'consumer_identifier_default expected one of: consumer_id, custom_id, username',
        'service_identifier_default expected one of: service_id, service_name, service_host, service_name_or_host',
        'workspace_identifier_default expected one of: workspace_id, workspace_name',
      ],
    ],
    // :300
    ['an unknown tag_style', { tag_style: 'invalid type' }, ['tag_style expected one of: dogstatsd, influxdb, librato, signalfx']],
  ]
  for (const [what, config, want] of bad) t.same(problems(config), want, what)
})

t.test("the corpus's statsd config validates", async (t) => {
  // Needs ../shared/corpus beside the checkout; says so and passes when it is absent.
  if (!corpusPresent()) return corpusAbsent(t, "28-jesperancinha-healthy-cameras.yml's statsd config")
  const file = join(CORPUS, '28-jesperancinha-healthy-cameras.yml')
  const doc = parse(readFileSync(file, 'utf8')) as { plugins: { name: string; config?: unknown }[] }
  const statsd = doc.plugins.filter((p) => p.name === 'statsd')
  t.equal(statsd.length, 1)
  const r = loadConfig(stringify({ _format_version: '3.0', plugins: statsd.map((p) => ({ name: p.name, config: p.config })) }), { file: 'k.yml' })
  t.same(r.ok ? [] : r.issues.map((i) => `${i.path} ${i.message}`), [], 'histogram stat types, prefix, host and port as written')
})

t.test('allow_status_codes: only statuses in a range are sent', async (t) => {
  // spec/03-plugins/06-statsd/03-allow_status_codes_spec.lua:5, :12, :24, through requests: one
  // instance, so one queue in order; the last request (allowed) is the fence for those before it.
  const d = await startStatsd(t)
  const yml = kongYml(
    { 1: { config: { allow_status_codes: ['200-204', '400-404'], metrics: [{ name: 'status_count', stat_type: 'counter', sample_rate: 1 }] } } },
    d.port,
  )
  const g = await pluginGateway(t, yml, (req, res) => {
    res.writeHead(Number(/^\/status\/(\d{3})/.exec(req.url ?? '')?.[1] ?? 200))
    res.end()
  })
  for (const status of [205, 301, 500, 200, 204, 404]) {
    t.equal((await g.send(`/status/${status}`, { headers: { host: 'logging1.test' } })).status, status)
  }
  await waitFor(() => d.lines.length >= 3)
  t.same(
    d.lines,
    ['kong.service.statsd1.status.200:1|c', 'kong.service.statsd1.status.204:1|c', 'kong.service.statsd1.status.404:1|c'],
    '205, 301 and 500 are not sent',
  )
})

t.test("a StatsD server that cannot be reached over TCP: Kong's words, and the queue retries", async (t) => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
  const { lines, pluginLog } = pluginLines()
  const g = await pluginGateway(
    t,
    kongYml({ 1: { port: closed, config: { use_tcp: true, metrics: [{ name: 'request_count', stat_type: 'counter', sample_rate: 1 }] } } }, closed),
    undefined,
    { pluginLog },
  )
  t.equal((await g.send('/request', { headers: { host: 'logging1.test' } })).status, 200, 'the request is served')
  const refused = `failed to connect to 127.0.0.1:${closed}: connection refused`
  t.ok(await waitFor(() => lines.filter((l) => l.msg === `failed to create Statsd logger: ${refused}`).length >= 2), 'logged on each try')
  t.ok(
    lines.some((l) => l.msg.endsWith(`: handler could not process entries: ${refused}`)),
    "the queue's warning names the failure",
  )
})

// Kong's datadog spec (spec/03-plugins/08-datadog/*) through a real gateway, a real upstream and
// real receivers: the `statsd` daemon from npm (it parses DogStatsD tags; every line must parse)
// and a plain UDP listener for the serviceless route, whose `upstream_latency:-1|ms` Kong sends as
// it is and the daemon would refuse. Each request's lines are checked exactly: every expected
// line, nothing more. Not here: gRPC routes (:384; the lines do not depend on the protocol).
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { waitFor } from '../helpers/collector.js'
import { pluginGateway, pluginLines, type PluginGateway } from '../helpers/plugin-gateway.js'
import { line, startStatsd, startUdpListener, unmatched } from '../helpers/statsd.js'

/** Kong's fixture: consumer foo (custom_id bar) with API key `kong`. */
const CONSUMERS = [{ username: 'foo', custom_id: 'bar', keyauth_credentials: [{ key: 'kong' }] }]

interface RouteSpec {
  /** datadog config; host and port are the daemon's unless given. */
  config: Record<string, unknown>
  keyAuth?: boolean
}

/** Service `dd<n>` with route `datadog<n>.test` per entry, as Kong's spec builds them. */
function kongYml(routes: Record<number, RouteSpec>, port: number, extra: Record<string, unknown> = {}): string {
  return stringify(
    {
      _format_version: '3.0',
      consumers: CONSUMERS,
      services: Object.entries(routes).map(([n, r]) => ({
        name: `dd${n}`,
        url: '$UPSTREAM',
        routes: [
          {
            name: `datadog${n}`,
            hosts: [`datadog${n}.test`],
            plugins: [...(r.keyAuth ? [{ name: 'key-auth' }] : []), { name: 'datadog', config: { host: '127.0.0.1', port, ...r.config } }],
          },
        ],
      })),
      ...extra,
    },
    { lineWidth: 0 },
  )
}

const exactly = (t: Test, got: string[], want: string[], what: string) => t.same(unmatched(got, want.map(line)), { missing: [], extra: [] }, what)

/** Kong's six default lines with `tags` after the value and type. */
const defaults = (prefix: string, tags: string) => [
  `${prefix}.request.count:1|c|#${tags}`,
  `${prefix}.latency:%d|ms|#${tags}`,
  `${prefix}.request.size:%d|ms|#${tags}`,
  `${prefix}.response.size:%d|ms|#${tags}`,
  `${prefix}.upstream_latency:%d|ms|#${tags}`,
  `${prefix}.kong_latency:%d|ms|#${tags}`,
]

t.test("Kong's datadog log spec, one route per case", async (t) => {
  const d = await startStatsd(t)
  const raw = await startUdpListener(t)
  const routes: Record<number, RouteSpec> = {
    1: { keyAuth: true, config: {} },
    2: { config: { metrics: [{ name: 'request_count', stat_type: 'counter', sample_rate: 1 }] } },
    3: {
      config: {
        metrics: [
          { name: 'request_count', stat_type: 'counter', sample_rate: 1, tags: ['T2:V2', 'T3:V3', 'T4'] },
          { name: 'latency', stat_type: 'gauge', sample_rate: 1, tags: ['T2:V2:V3', 'T4'] },
          { name: 'request_size', stat_type: 'distribution', sample_rate: 1, tags: [] },
        ],
      },
    },
    4: { keyAuth: true, config: { prefix: 'prefix' } },
    6: { keyAuth: true, config: { service_name_tag: 'upstream', status_tag: 'http_status', consumer_tag: 'user' } },
    7: { keyAuth: true, config: { queue_size: 2 } },
    8: { config: { host: '{vault://env/kong-datadog-agent-host-test}', queue_size: 2 } },
    // Not in Kong's spec: sample rates other than 1 and a consumer id with its dashes replaced.
    9: {
      keyAuth: true,
      config: {
        metrics: [
          { name: 'request_count', stat_type: 'counter', sample_rate: 0.5, consumer_identifier: 'consumer_id' },
          { name: 'kong_latency', stat_type: 'timer', sample_rate: 0.25, consumer_identifier: 'username' },
        ],
      },
    },
  }
  const g = await pluginGateway(
    t,
    kongYml(routes, d.port, {
      // :226: a route without a service, answered by request-termination.
      routes: [
        {
          name: 'serviceless',
          paths: ['/serviceless'],
          plugins: [
            { name: 'datadog', config: { host: '127.0.0.1', port: raw.port, queue_size: 2 } },
            { name: 'request-termination', config: { status_code: 200, message: 'OK' } },
          ],
        },
      ],
    }),
    undefined,
    // The env vault of route 8's host.
    { env: { KONG_DATADOG_AGENT_HOST_TEST: 'localhost' } },
  )
  const linesOf = async (n: number, count: number, path = '/status/200?apikey=kong'): Promise<string[]> => {
    d.lines.length = 0
    const r = await g.send(path, { headers: { host: `datadog${n}.test` } })
    if (r.status !== 200) throw new Error(`datadog${n}.test answered ${r.status}`)
    await waitFor(() => d.lines.length >= count)
    return [...d.lines]
  }

  t.test('default metrics over UDP', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:361
    exactly(t, await linesOf(1, 6), defaults('kong', 'name:dd1,status:200,consumer:bar,app:kong'), 'six lines, the consumer by custom_id')
  })

  t.test('a custom prefix', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:408
    exactly(t, await linesOf(4, 6), defaults('prefix', 'name:dd4,status:200,consumer:bar,app:kong'), 'prefix.*')
  })

  t.test('custom tag names', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:431
    exactly(t, await linesOf(6, 6), defaults('kong', 'upstream:dd6,http_status:200,user:bar,app:kong'), 'upstream, http_status, user')
  })

  t.test('only the given metrics', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:454
    exactly(t, await linesOf(2, 1, '/status/200'), ['kong.request.count:1|c|#name:dd2,status:200'], 'no consumer, no app tag')
  })

  t.test("each metric's tags, and the distribution type", async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:473
    exactly(
      t,
      await linesOf(3, 3, '/status/200'),
      [
        'kong.request.count:1|c|#name:dd3,status:200,T2:V2,T3:V3,T4',
        'kong.latency:%d|g|#name:dd3,status:200,T2:V2:V3,T4',
        'kong.request.size:%d|d|#name:dd3,status:200',
      ],
      'tags after name and status',
    )
  })

  t.test('in batches (queue_size 2)', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:515, :538 (no more lines than expected)
    exactly(t, await linesOf(7, 6), defaults('kong', 'name:dd7,status:200,consumer:bar,app:kong'), 'six lines once the queue flushed')
  })

  t.test('a host from the env vault', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:580
    exactly(t, await linesOf(8, 6, '/test_schema'), defaults('kong', 'name:dd8,status:200,app:kong'), 'localhost reached')
  })

  t.test('sample rates and a consumer id', async (t) => {
    const lines = await linesOf(9, 2)
    const id = /consumer:([0-9a-f_]+)/.exec(lines.find((l) => l.startsWith('kong.request.count')) ?? '')?.[1] ?? ''
    t.match(id, /^[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$/, "Kong's replace_dashes on the consumer id")
    exactly(
      t,
      lines,
      [`kong.request.count:1|c|@0.5|#name:dd9,status:200,consumer:${id}`, 'kong.kong_latency:%d|ms|@0.25|#name:dd9,status:200,consumer:foo'],
      '|@rate before the tags',
    )
  })

  t.test('a route without a service', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:600
    const r = await g.send('/serviceless')
    t.equal(r.status, 200)
    t.equal(r.body, '{"message":"OK"}')
    await waitFor(() => raw.packets.length >= 6)
    exactly(
      t,
      raw.packets,
      [
        'kong.request.count:1|c|#name:,status:200,app:kong',
        'kong.latency:%d|ms|#name:,status:200,app:kong',
        'kong.request.size:%d|ms|#name:,status:200,app:kong',
        'kong.response.size:%d|ms|#name:,status:200,app:kong',
        'kong.upstream_latency:-1|ms|#name:,status:200,app:kong',
        'kong.kong_latency:%d|ms|#name:,status:200,app:kong',
      ],
      'an empty name tag; nothing came from an upstream: -1, sent as Kong sends it',
    )
  })

  t.test('a request that matches no route', async (t) => {
    // spec/03-plugins/08-datadog/01-log_spec.lua:556
    const r = await g.send('/NonMatch', { headers: { host: 'fakedns.test' } })
    t.equal(r.status, 404)
  })

  t.test('the daemon parsed every line', async (t) => {
    t.same(d.bad, [])
  })
})

t.test('host and port from KONG_DATADOG_AGENT_HOST and KONG_DATADOG_AGENT_PORT', async (t) => {
  // spec/03-plugins/08-datadog/01-log_spec.lua:492. Kong reads them when its config sets
  // host and port to null; here unset and null are the same (README).
  const d = await startStatsd(t)
  const saved = { host: process.env.KONG_DATADOG_AGENT_HOST, port: process.env.KONG_DATADOG_AGENT_PORT }
  process.env.KONG_DATADOG_AGENT_HOST = 'localhost'
  process.env.KONG_DATADOG_AGENT_PORT = String(d.port)
  t.teardown(() => {
    for (const [k, v] of [
      ['KONG_DATADOG_AGENT_HOST', saved.host],
      ['KONG_DATADOG_AGENT_PORT', saved.port],
    ] as const)
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  })
  const yml = kongYml({ 5: { keyAuth: true, config: { host: null, port: null } } }, d.port)
  const { lines, pluginLog } = pluginLines()
  const g: PluginGateway = await pluginGateway(t, yml, undefined, { pluginLog })
  t.equal((await g.send('/status/200?apikey=kong', { headers: { host: 'datadog5.test' } })).status, 200)
  await waitFor(() => d.lines.length >= 6)
  exactly(t, d.lines, defaults('kong', 'name:dd5,status:200,consumer:bar,app:kong'), 'the six lines at the port the environment names')
  t.same(lines, [], 'nothing logged')
})

t.test("schema: Kong's checks and messages", async (t) => {
  // spec/03-plugins/08-datadog/02-schema_spec.lua
  const problems = (config: Record<string, unknown>) => {
    const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'datadog', config }] }), { file: 'k.yml' })
    // Sorted: the order of one entity's problems is not Kong's to compare.
    return r.ok ? [] : r.issues.map((i) => `${i.path.replace('plugins[0].config.', '')} ${i.message}`).sort()
  }
  // :6, :11, :16, :21, :124
  t.same(problems({}), [], 'empty config')
  t.same(problems({ host: null, port: null }), [], 'null host and port')
  t.same(problems({ metrics: [] }), [], 'empty metrics')
  t.same(problems({ metrics: [{ name: 'request_count', stat_type: 'counter', sample_rate: 1, tags: ['K1:V1'] }] }), [], 'one metric with a tag')
  t.same(problems({ metrics: [{ name: 'request_count', stat_type: 'counter', sample_rate: 1, tags: [] }] }), [], 'an empty tag list')
  // :34
  t.same(problems({ metrics: [{ name: 'request_count', sample_rate: 1 }] }), ['metrics[0].stat_type field required for entity check'], 'no stat_type')
  t.same(problems({ metrics: [{ stat_type: 'counter', sample_rate: 1 }] }), ['metrics[0].name required field missing'], 'no name')
  // :54
  t.same(
    problems({ metrics: [{ name: 'request_count', stat_type: 'counter' }] }),
    ['metrics[0].sample_rate required field missing'],
    'a counter without sample_rate',
  )
  // :65
  t.same(
    problems({ metrics: [{ name: 'invalid_name', stat_type: 'counter' }] }),
    [
      'metrics[0].name expected one of: kong_latency, latency, request_count, request_size, response_size, upstream_latency',
      'metrics[0].sample_rate required field missing',
    ],
    'an unknown name, and the missing rate',
  )
  // :77
  t.same(
    problems({ metrics: [{ name: 'request_count', stat_type: 'invalid_stat' }] }),
    ['metrics[0].stat_type expected one of: counter, gauge, histogram, meter, set, timer, distribution'],
    'an unknown stat type',
  )
  // :87
  t.same(
    problems({ metrics: [{ name: 'request_count', stat_type: 'counter', sample_rate: 1, tags: ['T1:'] }] }),
    ['metrics[0].tags[0] invalid value: T1:'],
    'a tag ending in a colon',
  )
  t.same(
    problems({ metrics: [{ name: 'request_count', stat_type: 'counter', sample_rate: 1.5 }] }),
    ['metrics[0].sample_rate value should be between 0 and 1'],
    'a rate over 1',
  )
})

// Plugins on gRPC calls: Kong's spec/02-integration/05-proxy/21-grpc_plugins_triggering_spec.lua
// (every phase runs once on a unary call) and the plugin kit's view of a gRPC service's trailers
// (RequestState.upstreamTrailers, which a body_filter such as grpc-web's reads and takes). Calls
// go over HTTP/1.1 on a plain-HTTP route in front of a real grpc-js upstream
// (test/helpers/grpc-h1.ts); Kong's spec calls a grpc route over HTTP/2.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import * as z from 'zod'
import { definePhases, definePlugin, NO_CONSUMER, PROTOCOLS_ALL } from '../../src/plugins/types.js'
import { pluginSet } from '../../src/plugins/set.js'
import type { GatewayOptions } from '../../src/server/gateway.js'
import { gateway, type TestGateway } from '../helpers/gateway.js'
import { grpcCall } from '../helpers/grpc-h1.js'
import { startGrpcUpstream, type GrpcUpstream } from '../helpers/grpc-upstream.js'
import { until } from '../helpers/kong-target.js'
import { pluginLines } from '../helpers/plugin-gateway.js'

const SAY = '/hello.HelloService/SayHello'

async function upstream(t: Test): Promise<GrpcUpstream> {
  const up = await startGrpcUpstream()
  t.teardown(() => up.close())
  return up
}

async function start(t: Test, doc: Record<string, unknown>, opts: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const gw = await gateway(stringify({ _format_version: '3.0', ...doc }), opts)
  t.teardown(() => gw.close())
  return gw
}

t.test('every phase runs once on a unary call', async (t) => {
  // spec/02-integration/05-proxy/21-grpc_plugins_triggering_spec.lua:187 ("grpc"; Kong's
  // `logger` test plugin logs each phase; here a global pre-function does)
  const up = await upstream(t)
  const { lines, pluginLog } = pluginLines()
  const log = (phase: string) => [`kong.log.info("[logger] ${phase} phase")`]
  const gw = await start(
    t,
    {
      plugins: [
        {
          name: 'pre-function',
          config: { rewrite: log('rewrite'), access: log('access'), header_filter: log('header_filter'), body_filter: log('body_filter'), log: log('log') },
        },
      ],
      services: [
        {
          name: 'grpc',
          url: `grpc://127.0.0.1:${up.port}`,
          routes: [{ name: 'grpc', protocols: ['http'], paths: ['/hello.HelloService'], strip_path: false }],
        },
      ],
    },
    { pluginLog },
  )
  const r = await grpcCall(gw.url, SAY, ['world!'])
  t.same(r.replies, ['hello world!'])
  await until(() => lines.some((l) => l.msg === '[logger] log phase'), 'the log phase')
  const count = (phase: string) => lines.filter((l) => l.msg === `[logger] ${phase} phase`).length
  for (const phase of ['rewrite', 'access', 'header_filter', 'log']) t.equal(count(phase), 1, `${phase} once`)
  t.ok(count('body_filter') >= 1, 'body_filter at least once')
})

t.test("a body_filter sees the upstream's trailers, and what it leaves goes to the client", async (t) => {
  // The grpc-web contract: kit.upstreamTrailers is set before body_filter; a plugin that
  // folds the trailers into the body clears them, and the client gets none.
  const up = await upstream(t)
  const config = z.strictObject({ fold: z.boolean().default(false) })
  const seen: (Readonly<Record<string, string>> | undefined)[] = []
  const trailers = definePlugin({
    name: 'trailer-probe',
    // Not 3 or 4: grpc-web's and syslog's (priorities are unique in a plugin set).
    priority: 5,
    version: '1.0.0',
    config,
    protocols: PROTOCOLS_ALL,
    scopes: NO_CONSUMER,
    phases: ['bodyFilter'],
    handler: () =>
      definePhases((conf: z.infer<typeof config>) => ({
        bodyFilter(kit, body) {
          seen.push(kit.upstreamTrailers)
          if (!conf.fold) return body
          const folded = Buffer.concat([body, Buffer.from(JSON.stringify(kit.upstreamTrailers))])
          kit.clearUpstreamTrailers()
          return folded
        },
      })),
  })
  const gw = await start(
    t,
    {
      services: [
        {
          name: 'grpc',
          url: `grpc://127.0.0.1:${up.port}`,
          routes: [
            { name: 'keep', protocols: ['http'], hosts: ['keep.test'], plugins: [{ name: 'trailer-probe' }] },
            { name: 'fold', protocols: ['http'], hosts: ['fold.test'], plugins: [{ name: 'trailer-probe', config: { fold: true } }] },
          ],
        },
      ],
    },
    { plugins: pluginSet([trailers]) },
  )
  const expected = { 'grpc-status': '0', 'grpc-message': 'OK', 'x-upstream-trailer': 'world!' }
  const keep = await grpcCall(gw.url, SAY, ['world!'], { host: 'keep.test' })
  t.same(seen[0], expected, 'body_filter read the trailers')
  t.same(keep.replies, ['hello world!'])
  t.same(keep.trailers, expected, 'left in place, they follow the filtered body')
  const fold = await grpcCall(gw.url, SAY, ['world!'], { host: 'fold.test' })
  t.same(fold.trailers, {}, 'taken by the plugin, none are sent')
  t.ok(fold.text.endsWith(JSON.stringify(expected)), 'the plugin put them in the body')
})

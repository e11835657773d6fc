// gRPC end to end over HTTP/2: @grpc/grpc-js clients call the gateway's TLS listener (ALPN
// h2) on grpcs routes, in front of a real grpc-js upstream (test/helpers/grpc-upstream.ts).
// Kong's gRPC specs as a gRPC client sees them: spec/02-integration/05-proxy/19-grpc_proxy_spec.lua
// (the four call shapes), 35-via_spec.lua, 02-router_spec.lua, and the plugins' gRPC cases
// (key-auth, basic-auth, hmac-auth, jwt, request-termination, rate-limiting, ip-restriction,
// correlation-id, file-log), whose refusals carry Kong's grpc-status and grpc-message
// (kong/pdk/response.lua). The same calls over HTTP/1.1 are in grpc-proxy-kong.test.ts.
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { gateway, type TestGateway } from '../helpers/gateway.js'
import { h2cClient, say, tlsClient, type Reply } from '../helpers/grpc-client.js'
import { startGrpcUpstream, type GrpcUpstream } from '../helpers/grpc-upstream.js'
import { until } from '../helpers/kong-target.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')

async function upstream(t: Test): Promise<GrpcUpstream> {
  const up = await startGrpcUpstream()
  t.teardown(() => up.close())
  return up
}

/** A gateway with a TLS listener (certificate for `localhost`) and the given entities. */
async function start(t: Test, doc: Record<string, unknown>): Promise<TestGateway> {
  const gw = await gateway(
    stringify({ _format_version: '3.0', certificates: [{ cert: fixture('server.crt'), key: fixture('server.key'), snis: ['localhost'] }], ...doc }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(() => gw.close())
  return gw
}

/** Service `grpcs` at the upstream, routed by the gRPC service's path on grpc and grpcs. */
function grpcService(port: number, extra: Record<string, unknown> = {}, plugins: unknown[] = []): Record<string, unknown> {
  return {
    services: [
      {
        name: 'grpc',
        url: `grpc://127.0.0.1:${port}`,
        ...extra,
        routes: [{ name: 'grpc', protocols: ['grpc', 'grpcs'], paths: ['/hello.HelloService/'], plugins }],
      },
    ],
  }
}

t.test('the four call shapes, metadata both ways, Kong headers', async (t) => {
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const c = tlsClient(t, gw.tls[0]!)

  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:155 ("proxies grpc"), 35-via_spec.lua:202
  const unary = await say(c, 'world!', { 'x-client-meta': 'from-client' })
  t.equal(unary.err, null)
  t.same(unary.reply, { reply: 'hello world!' })
  t.equal(unary.headers['x-upstream-header'], 'from-upstream')
  t.equal(unary.headers.via, '2 kong/3.10.0')
  t.equal(unary.headers.server, 'kong/3.10.0')
  t.equal(unary.trailers['x-upstream-trailer'], 'world!', "the upstream's trailing metadata reaches the client")
  t.equal(up.calls[0]!.metadata['x-client-meta'], 'from-client')
  t.equal(up.calls[0]!.metadata['x-forwarded-proto'], 'https')

  // :169 ("proxies grpc, streaming response")
  const replies: string[] = []
  await new Promise<void>((resolve, reject) => {
    const s = c.LotsOfReplies({ greeting: 'world!' })
    s.on('data', (r: Reply) => replies.push(r.reply))
    s.on('error', reject)
    s.on('end', resolve)
  })
  t.same(replies, ['hello world! #1', 'hello world! #2', 'hello world! #3'])

  // :183 ("proxies grpc, streaming request"): each message reaches the upstream before the next is sent
  const sum = await new Promise<Reply | undefined>((resolve, reject) => {
    const w = c.LotsOfGreetings(new grpc.Metadata(), (err, r) => (err ? reject(err) : resolve(r)))
    void (async () => {
      for (const g of ['world!', 'people!', 'y`all!']) {
        const seen = new Promise((r) => up.events.once('greeting', r))
        w.write({ greeting: g })
        await seen
      }
      w.end()
    })()
  })
  t.same(sum, { reply: 'hello world!, people!, y`all!' })

  // :199 ("proxies grpc, streaming request/response"): each reply before the next message
  const bidi = c.BidiHello()
  const next = () => new Promise<string>((r) => bidi.once('data', (m: Reply) => r(m.reply)))
  for (const g of ['world!', 'people!']) {
    const reply = next()
    bidi.write({ greeting: g })
    t.equal(await reply, `hello ${g}`)
  }
  bidi.end()
  await new Promise((r) => bidi.on('status', r))
})

t.test("errors: the upstream's status, its deadline, and the gateway's own answers", async (t) => {
  const up = await upstream(t)
  const gw = await start(t, {
    consumers: [{ username: 'bob', keyauth_credentials: [{ key: 'kong' }] }],
    services: [
      {
        name: 'grpc',
        url: `grpc://127.0.0.1:${up.port}`,
        read_timeout: 300,
        routes: [
          { name: 'open', protocols: ['grpcs'], hosts: ['open.test'] },
          { name: 'key-auth', protocols: ['grpcs'], hosts: ['key-auth.test'], plugins: [{ name: 'key-auth' }] },
          { name: 'jwt', protocols: ['grpcs'], hosts: ['jwt.test'], plugins: [{ name: 'jwt' }] },
          { name: 'terminated', protocols: ['grpcs'], hosts: ['terminated.test'], plugins: [{ name: 'request-termination', config: { status_code: 503 } }] },
          { name: 'limited', protocols: ['grpcs'], hosts: ['limited.test'], plugins: [{ name: 'rate-limiting', config: { hour: 1, policy: 'local' } }] },
          { name: 'denied', protocols: ['grpcs'], hosts: ['denied.test'], plugins: [{ name: 'ip-restriction', config: { deny: ['127.0.0.1'] } }] },
        ],
      },
      { name: 'down', url: 'grpc://127.0.0.1:1', retries: 0, routes: [{ name: 'down', protocols: ['grpcs'], hosts: ['down.test'] }] },
    ],
    routes: [{ name: 'serviceless', protocols: ['grpcs'], hosts: ['serviceless.test'] }],
  })
  const status = async (authority: string, greeting = 'world!', meta: Record<string, string> = {}, opts: grpc.CallOptions = {}) => {
    const r = await say(tlsClient(t, gw.tls[0]!, authority), greeting, meta, opts)
    return r.err ? { code: r.err.code, details: r.err.details } : { code: 0, details: r.reply?.reply }
  }

  t.same(await status('open.test', 'fail'), { code: grpc.status.NOT_FOUND, details: 'no such greeting' }, "the upstream's own status")
  const deadline = await status('open.test', 'hang', {}, { deadline: Date.now() + 100 })
  t.equal(deadline.code, grpc.status.DEADLINE_EXCEEDED, 'a deadline')
  // Kong's error handler on a gRPC call (kong/error_handlers.lua): read_timeout gives 504
  t.same(await status('open.test', 'hang'), { code: grpc.status.DEADLINE_EXCEEDED, details: 'The upstream server is timing out' })
  const down = await say(tlsClient(t, gw.tls[0]!, 'down.test'), 'world!')
  t.same(down.err && { code: down.err.code, details: down.err.details }, {
    code: grpc.status.INTERNAL,
    details: 'An invalid response was received from the upstream server',
  })
  t.equal(down.trailers.via, '2 kong/3.10.0', 'after a try, Via names HTTP/2, as on a proxied gRPC answer')
  // kong/runloop/handler.lua: no route (kong.response.error 404)
  t.same(await status('nowhere.test'), { code: grpc.status.NOT_FOUND, details: 'NotFound' })
  // spec/02-integration/05-proxy/02-router_spec.lua:543 ("responds 503 if no service found"). The
  // spec expects the message, but Kong answers with kong.response.error since 3.3 (kong/init.lua,
  // commit 037434385c), which on gRPC sends the status's name: Kong's code is followed.
  t.same(await status('serviceless.test'), { code: grpc.status.UNAVAILABLE, details: 'Unavailable' })
  // spec/03-plugins/09-key-auth/02-access_spec.lua:513 and :521
  t.same(await status('key-auth.test'), { code: grpc.status.UNAUTHENTICATED, details: 'Unauthenticated' })
  t.same(await status('key-auth.test', 'world!', { apikey: 'kong' }), { code: 0, details: 'hello world!' })
  // spec/03-plugins/16-jwt/03-access_spec.lua:449
  t.same(await status('jwt.test'), { code: grpc.status.UNAUTHENTICATED, details: 'Unauthorized' })
  // spec/03-plugins/14-request-termination/02-access_spec.lua:281
  t.same(await status('terminated.test'), { code: grpc.status.UNAVAILABLE, details: 'Service unavailable' })
  t.same(await status('limited.test'), { code: 0, details: 'hello world!' })
  t.same(await status('limited.test'), { code: grpc.status.RESOURCE_EXHAUSTED, details: 'ResourceExhausted' }, 'rate-limiting: kong.response.error')
  // spec/03-plugins/17-ip-restriction/02-access_spec.lua:326
  t.same(await status('denied.test'), { code: grpc.status.PERMISSION_DENIED, details: 'PermissionDenied' }, 'ip-restriction: kong.response.error')
})

t.test('h2c: a gRPC call in clear text, on a grpc route and on a grpcs-only one', async (t) => {
  const up = await upstream(t)
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'grpc',
          url: `grpc://127.0.0.1:${up.port}`,
          routes: [
            { name: 'grpc', protocols: ['grpc'], hosts: ['grpc'] },
            { name: 'grpcs', protocols: ['grpcs'], hosts: ['grpcs'] },
          ],
        },
      ],
    }),
    { listen: ['127.0.0.1:0 http2'] },
  )
  t.teardown(() => gw.close())
  const h2c = (authority: string) => h2cClient(t, gw.proxy[0]!, authority)
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:155
  const ok = await say(h2c('grpc'), 'world!')
  t.same(ok.reply, { reply: 'hello world!' })
  t.equal(ok.trailers['x-upstream-trailer'], 'world!')
  t.equal(up.calls[0]!.metadata['x-forwarded-proto'], 'http')
  t.equal(up.calls[0]!.metadata.via, '2 kong/3.10.0', 'Via upstream names the client HTTP/2')
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:366 ("grpc on grpcs route")
  const refused = await say(h2c('grpcs'), 'world!')
  t.equal(refused.err?.code, grpc.status.CANCELLED)
  t.equal(refused.err?.details, 'gRPC request matched gRPCs route')
  t.equal(up.calls.length, 1)
})

t.test("plugins on gRPC calls: Kong's plugin specs' gRPC cases", async (t) => {
  const up = await upstream(t)
  const logFile = join(mkdtempSync(join(tmpdir(), 'grpc-log-')), 'file.log')
  const route = (name: string, plugins: unknown[]) => ({ name, protocols: ['grpcs'], hosts: [`${name}.test`], plugins })
  const gw = await start(t, {
    consumers: [{ username: 'bob', basicauth_credentials: [{ username: 'bob', password: 'kong' }] }],
    services: [
      {
        name: 'grpc',
        url: `grpc://127.0.0.1:${up.port}`,
        routes: [
          route('correlation', [{ name: 'correlation-id', config: { echo_downstream: true } }]),
          route('basic-auth', [{ name: 'basic-auth' }]),
          route('hmac-auth', [{ name: 'hmac-auth' }]),
          route('rate-limited', [{ name: 'rate-limiting', config: { hour: 6, policy: 'local' } }]),
          route('file-log', [{ name: 'file-log', config: { path: logFile } }]),
        ],
      },
    ],
  })
  const call = (host: string, meta: Record<string, string> = {}) => say(tlsClient(t, gw.tls[0]!, `${host}.test`), 'world!', meta)

  // spec/03-plugins/11-correlation-id/01-access_spec.lua:240 ("increments the counter part #grpc")
  const UUID_COUNTER = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}#\d+$/
  const one = await call('correlation')
  const two = await call('correlation')
  t.match(one.headers['kong-request-id'], UUID_COUNTER)
  t.match(two.headers['kong-request-id'], UUID_COUNTER)
  t.not(one.headers['kong-request-id'], two.headers['kong-request-id'])

  // spec/03-plugins/10-basic-auth/03-access_spec.lua:239 and :248
  const anonymous = await call('basic-auth')
  t.equal(anonymous.err?.code, grpc.status.UNAUTHENTICATED)
  const bob = await call('basic-auth', { authorization: 'Basic Ym9iOmtvbmc=' })
  t.same(bob.reply, { reply: 'hello world!' })

  // spec/03-plugins/19-hmac-auth/03-access_spec.lua:216
  t.equal((await call('hmac-auth')).err?.code, grpc.status.UNAUTHENTICATED)

  // spec/03-plugins/04-file-log/01-log_spec.lua:425 ("logs to file #grpcs")
  const uuid = randomUUID()
  t.same((await call('file-log', { 'file-log-uuid': uuid })).reply, { reply: 'hello world!' })
  await until(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('\n'), 'the log line')
  const entry = JSON.parse(readFileSync(logFile, 'utf8').split('\n')[0]!) as {
    client_ip: string
    request: { headers: Record<string, string> }
    response: { status: number }
  }
  t.equal(entry.client_ip, '127.0.0.1')
  t.equal(entry.request.headers['file-log-uuid'], uuid)
  t.equal(entry.response.status, 200)

  // spec/03-plugins/23-rate-limiting/04-access_spec.lua:549 (Kong limits per minute and retries
  // across a minute's end; here per hour, so six calls never straddle a window)
  for (let i = 1; i <= 6; i++) {
    const r = await call('rate-limited')
    t.equal(r.err, null, `call ${i} passes`)
    t.equal(r.headers['x-ratelimit-limit-hour'], '6')
    t.equal(r.headers['x-ratelimit-remaining-hour'], String(6 - i))
    t.equal(r.headers['ratelimit-limit'], '6')
    t.equal(r.headers['ratelimit-remaining'], String(6 - i))
  }
  const over = await call('rate-limited')
  t.equal(over.err?.code, grpc.status.RESOURCE_EXHAUSTED)
  t.equal(over.err?.metadata.get('ratelimit-remaining')[0], '0')
  t.ok(Number(over.err?.metadata.get('retry-after')[0]) > 0, 'retry-after')
})

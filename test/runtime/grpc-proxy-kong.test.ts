// Kong's gRPC proxy spec (spec/02-integration/05-proxy/19-grpc_proxy_spec.lua) through a real
// gateway in front of a real @grpc/grpc-js upstream (test/helpers/grpc-upstream.ts). The
// calls are made over HTTP/1.1 on a plain-HTTP route (`protocols: [http]`) in front of a gRPC
// service, as Kong allows (Node's http client, `TE: trailers`, trailers read from
// res.trailers; test/helpers/grpc-h1.ts): the upstream side is HTTP/2 all the same. Kong's
// spec calls through grpcurl over HTTP/2; its grpc-route cases over HTTP/2 are in
// grpc-h2-kong.test.ts.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway, type TestGateway } from '../helpers/gateway.js'
import { grpcCall, openCall } from '../helpers/grpc-h1.js'
import { until } from '../helpers/kong-target.js'
import { startGrpcUpstream, type GrpcTls, type GrpcUpstream } from '../helpers/grpc-upstream.js'

const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
const SAY = '/hello.HelloService/SayHello'

async function upstream(t: Test, tls?: GrpcTls): Promise<GrpcUpstream> {
  const up = await startGrpcUpstream(tls)
  t.teardown(() => up.close())
  return up
}

async function start(t: Test, doc: Record<string, unknown>): Promise<TestGateway> {
  const gw = await gateway(stringify({ _format_version: '3.0', ...doc }))
  t.teardown(() => gw.close())
  return gw
}

/** Service `grpc` at the upstream, with a plain-HTTP route on the gRPC service's path. */
function grpcService(port: number, extra: Record<string, unknown> = {}, route: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    services: [
      {
        name: 'grpc',
        url: `grpc://127.0.0.1:${port}`,
        ...extra,
        routes: [{ name: 'grpc', protocols: ['http'], paths: ['/hello.HelloService'], strip_path: false, ...route }],
      },
    ],
  }
}

t.test('unary call: reply, metadata both ways, trailers, Kong headers', async (t) => {
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:155 ("proxies grpc")
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const r = await grpcCall(gw.url, SAY, ['world!'], { 'x-client-meta': 'from-client' })
  t.equal(r.status, 200)
  t.match(r.headers['content-type'], /^application\/grpc/)
  t.same(r.replies, ['hello world!'])
  t.equal(r.headers['x-upstream-header'], 'from-upstream', "the upstream's initial metadata is a response header")
  t.same(r.trailers, { 'grpc-status': '0', 'grpc-message': 'OK', 'x-upstream-trailer': 'world!' }, "the upstream's trailers reach the client as trailers")
  // spec/02-integration/05-proxy/35-via_spec.lua:178: Kong names HTTP/2, which it spoke upstream
  t.equal(r.headers.via, '2 kong/3.10.0')
  t.equal(r.headers.server, 'kong/3.10.0')
  const call = up.calls[0]!
  t.equal(call.metadata['x-client-meta'], 'from-client', "the client's metadata reaches the upstream")
  // Kong's grpc location (kong/templates/nginx_kong.lua, grpc_set_header lines)
  t.equal(call.metadata['x-forwarded-for'], '127.0.0.1')
  t.equal(call.metadata['x-forwarded-proto'], 'http')
  t.equal(call.metadata['x-forwarded-path'], SAY)
  t.equal(call.metadata['x-real-ip'], '127.0.0.1')
  t.equal(call.metadata.via, '1.1 kong/3.10.0', "Via names the client's HTTP version")
  t.match(call.metadata['x-kong-request-id'], /^[0-9a-f]{32}$/)
  for (const hop of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade']) t.notOk(hop in call.metadata, `no ${hop} upstream`)
})

t.test('server streaming: every reply in order, then the trailers', async (t) => {
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:169 ("proxies grpc, streaming response")
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const r = await grpcCall(gw.url, '/hello.HelloService/LotsOfReplies', ['world!'])
  t.equal(r.status, 200)
  t.same(r.replies, ['hello world! #1', 'hello world! #2', 'hello world! #3'])
  t.same(r.trailers, { 'grpc-status': '0', 'grpc-message': 'OK', 'x-upstream-trailer': 'replies' })
})

t.test('client streaming: each message reaches the upstream before the client sent the next', async (t) => {
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:183 ("proxies grpc, streaming request").
  // The body is streamed, never read whole first (nginx's grpc_pass; request_buffering is
  // for proxy_pass only): the client waits for the upstream to see each message.
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const call = openCall(gw.url, '/hello.HelloService/LotsOfGreetings')
  for (const g of ['world!', 'people!', 'y`all!']) {
    const seen = new Promise<string>((resolve) => up.events.once('greeting', resolve))
    call.send(g)
    t.equal(await seen, g, `the upstream got "${g}" while the request is still open`)
  }
  call.end()
  const r = await call.done
  t.same(r.replies, ['hello world!, people!, y`all!'])
  t.same(r.trailers, { 'grpc-status': '0', 'grpc-message': 'OK', 'x-upstream-trailer': '3' })
})

t.test('bidirectional streaming: each reply arrives before the next message is sent', async (t) => {
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:199 ("proxies grpc, streaming request/response")
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const call = openCall(gw.url, '/hello.HelloService/BidiHello')
  for (const g of ['world!', 'people!', 'y`all!']) {
    call.send(g)
    t.equal(await call.next(), `hello ${g}`)
  }
  call.end()
  const r = await call.done
  t.equal(r.status, 200)
  t.same(r.replies, ['hello world!', 'hello people!', 'hello y`all!'])
  t.same(r.trailers, { 'grpc-status': '0', 'grpc-message': 'OK', 'x-upstream-trailer': 'bidi' })
})

t.test('a client that goes away mid-call cancels the upstream call', async (t) => {
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const call = openCall(gw.url, '/hello.HelloService/BidiHello')
  call.send('world!')
  t.equal(await call.next(), 'hello world!')
  const cancelled = new Promise((resolve) => up.events.once('cancelled', resolve))
  call.abort()
  t.equal(await cancelled, 'BidiHello', 'the upstream saw the call cancelled')
})

t.test(':authority: the client Host with preserve_host, else the service host and port', async (t) => {
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:229 and :244
  const up = await upstream(t)
  const gw = await start(t, {
    services: [
      {
        name: 'mock_grpc_service',
        url: `grpc://127.0.0.1:${up.port}`,
        routes: [
          { name: 'one', protocols: ['http'], hosts: ['grpc_authority_1.example'], preserve_host: true },
          { name: 'two', protocols: ['http'], hosts: ['grpc_authority_2.example'], preserve_host: false },
        ],
      },
    ],
  })
  const one = await grpcCall(gw.url, SAY, ['world!'], { host: 'grpc_authority_1.example' })
  t.same(one.replies, ['hello world!'])
  t.equal(up.calls[0]!.host, 'grpc_authority_1.example')
  const two = await grpcCall(gw.url, SAY, ['world!'], { host: 'grpc_authority_2.example' })
  t.same(two.replies, ['hello world!'])
  t.equal(up.calls[1]!.host, `127.0.0.1:${up.port}`)
})

t.test(':authority on a balancer retry names the target that answered', async (t) => {
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:259 (Kong's first target times out;
  // here it refuses the connection: either way the retry goes to the second one)
  const up = await upstream(t)
  const gw = await start(t, {
    upstreams: [{ name: 'grpc_retry', targets: [{ target: '127.0.0.1:1' }, { target: `127.0.0.1:${up.port}` }] }],
    services: [
      {
        name: 'mock_grpc_service_retry',
        url: 'grpc://grpc_retry',
        routes: [{ name: 'retry', protocols: ['http'], hosts: ['grpc_authority_retry.example'] }],
      },
    ],
  })
  for (let i = 0; i < 4; i++) {
    const r = await grpcCall(gw.url, SAY, ['world!'], { host: 'grpc_authority_retry.example' })
    t.same(r.replies, ['hello world!'], `call ${i + 1} answered`)
  }
  t.equal(up.calls.length, 4)
  for (const c of up.calls) t.equal(c.host, `127.0.0.1:${up.port}`)
})

t.test("an upstream's error status passes through (trailers-only answer)", async (t) => {
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const r = await grpcCall(gw.url, SAY, ['fail'])
  t.equal(r.status, 200)
  t.equal(r.headers['grpc-status'], '5', 'NOT_FOUND, in the head')
  t.equal(r.headers['grpc-message'], 'no%20such%20greeting')
  t.equal(r.headers['x-upstream-trailer'], 'failed')
  t.same(r.replies, [])
  t.same(r.trailers, {}, 'nothing after the head')
})

t.test('grpc-timeout reaches the upstream, whose deadline answer passes through', async (t) => {
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port))
  const ok = await grpcCall(gw.url, SAY, ['world!'], { 'grpc-timeout': '30S' })
  t.same(ok.replies, ['hello world!'])
  const left = up.calls[0]!.deadlineMs
  t.ok(left !== undefined && left > 0 && left <= 30_000, 'the upstream got the 30 s deadline')
  // The upstream's own deadline handling (grpc-js ends the call with DEADLINE_EXCEEDED).
  const late = await grpcCall(gw.url, SAY, ['hang'], { 'grpc-timeout': '50m' })
  t.equal(late.status, 200)
  t.equal(late.headers['grpc-status'] ?? late.trailers['grpc-status'], '4', 'DEADLINE_EXCEEDED')
})

t.test("the service's read_timeout: Kong's 504, as its error handler answers a gRPC client over HTTP/1.1", async (t) => {
  // Kong: grpc_read_timeout is the service's read_timeout (ngx.balancer.set_timeouts); its error
  // handler (kong/error_handlers.lua) takes the request's Content-Type when there is no Accept,
  // and for application/grpc answers kong.response.exit(status, { message }), which is compact
  // JSON unless the request is gRPC over HTTP/2 (kong/pdk/response.lua is_grpc_request).
  const up = await upstream(t)
  const gw = await start(t, grpcService(up.port, { read_timeout: 200, retries: 0 }))
  const r = await grpcCall(gw.url, SAY, ['hang'])
  t.equal(r.status, 504)
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(r.text, '{"message":"The upstream server is timing out"}')
})

t.test("an upstream that is down: Kong's 502", async (t) => {
  const gw = await start(t, grpcService(1, { retries: 0 }))
  const r = await grpcCall(gw.url, SAY, ['world!'])
  t.equal(r.status, 502)
  t.equal(r.text, '{"message":"An invalid response was received from the upstream server"}')
})

t.test("grpcs: TLS to the upstream, the upstream entity's client certificate", async (t) => {
  // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:215 ("proxies grpcs"). Kong's service
  // schema refuses tls_verify, tls_verify_depth, ca_certificates and client_certificate on a
  // grpcs service (kong/db/schema/entities/services.lua: only https and tls take them), so the
  // upstream's certificate is not verified, and a client certificate comes from the upstream
  // entity (kong/runloop/upstream_ssl.lua fallback_upstream_client_cert).
  const certId = '5a8f1b9e-2d3c-4e5f-8a9b-0c1d2e3f4a5b'
  const plain = await upstream(t, { cert: fixture('server.crt'), key: fixture('server.key') })
  const mtls = await upstream(t, { cert: fixture('server.crt'), key: fixture('server.key'), clientCa: fixture('chain-root-ca.crt') })
  const svc = (name: string, host: string) => ({
    name,
    url: `grpcs://${host}`,
    retries: 0,
    routes: [{ name, protocols: ['http'], hosts: [`${name}.test`] }],
  })
  const gw = await start(t, {
    certificates: [{ id: certId, cert: fixture('client.crt'), key: fixture('client.key') }],
    upstreams: [
      { name: 'mtls.upstream', client_certificate: { id: certId }, targets: [{ target: `127.0.0.1:${mtls.port}` }] },
      { name: 'nocert.upstream', targets: [{ target: `127.0.0.1:${mtls.port}` }] },
    ],
    services: [svc('grpcs', `localhost:${plain.port}`), svc('mtls', 'mtls.upstream'), svc('nocert', 'nocert.upstream')],
  })
  const ok = await grpcCall(gw.url, SAY, ['world!'], { host: 'grpcs.test' })
  t.equal(ok.status, 200)
  t.same(ok.replies, ['hello world!'])
  t.equal(ok.trailers['grpc-status'], '0')
  t.equal(ok.headers.via, '2 kong/3.10.0')
  t.equal(plain.calls[0]!.host, `localhost:${plain.port}`)
  const m = await grpcCall(gw.url, SAY, ['world!'], { host: 'mtls.test' })
  t.same(m.replies, ['hello world!'], 'the client certificate opens an upstream that requires one')
  t.equal(mtls.calls[0]!.clientCn, 'gateway-client')
  const none = await grpcCall(gw.url, SAY, ['world!'], { host: 'nocert.test' })
  t.equal(none.status, 502, 'without it the upstream refuses the handshake')
  t.equal(mtls.calls.length, 1)
})

t.test('a grpc route refuses what is not gRPC over HTTP/2', async (t) => {
  const up = await upstream(t)
  const gw = await start(t, {
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
  })
  for (const host of ['grpc', 'grpcs']) {
    // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:290 and :304 (HTTP/1.1, gRPC content type)
    const old = await grpcCall(gw.url, SAY, ['world!'], { host })
    t.equal(old.status, 426, `${host}: HTTP/1.1 is refused`)
    t.equal(JSON.parse(old.text).message, 'Please use HTTP2 protocol')
    t.match(old.headers.connection, /Upgrade/)
    t.equal(old.headers.upgrade, 'HTTP/2')
    // spec/02-integration/05-proxy/19-grpc_proxy_spec.lua:316, :328, :340 and :353 (Kong asks over HTTP/2; the
    // content type is checked first, so HTTP/1.1 gets the same 415)
    for (const type of [undefined, 'application/json']) {
      const r = await fetchRaw(`${gw.url}/`, { method: 'POST', headers: { host, ...(type ? { 'content-type': type } : {}) } })
      t.equal(r.status, 415, `${host}, content type ${type ?? 'none'}`)
      t.equal(r.json().message, 'Non-gRPC request matched gRPC route')
    }
  }
  t.equal(up.calls.length, 0)
})

t.test('active health checks of grpc and grpcs upstreams are plain-text HTTP GETs, as Kong sends them', async (t) => {
  // Kong's checker (lua-resty-healthcheck 3.1.0, lib/resty/healthcheck.lua run_single_check)
  // opens TLS for `https` only and writes an HTTP/1 GET for every other non-tcp type.
  const seen: { type: string; method: string; url: string }[] = []
  const probe = createServer((req, res) => {
    seen.push({ type: String(req.headers.host).split('.')[0]!, method: req.method ?? '', url: req.url ?? '' })
    res.end('ok')
  })
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => (probe.closeAllConnections(), probe.close(() => r()))))
  const port = (probe.address() as AddressInfo).port
  const active = (type: string) => ({
    active: { type, http_path: `/${type}-probe`, healthy: { interval: 0.05, successes: 1 }, unhealthy: { interval: 0.05, http_failures: 1 } },
  })
  const gw = await start(t, {
    upstreams: ['grpc', 'grpcs'].map((type) => ({
      name: `${type}.upstream`,
      host_header: `${type}.probe`,
      healthchecks: active(type),
      targets: [{ target: `127.0.0.1:${port}` }],
    })),
    services: ['grpc', 'grpcs'].map((type) => ({ name: type, url: `${type}://${type}.upstream`, routes: [{ name: type, protocols: [type], hosts: [type] }] })),
  })
  t.ok(gw)
  await until(() => ['grpc', 'grpcs'].every((type) => seen.some((p) => p.type === type)), 'a probe of each upstream')
  for (const type of ['grpc', 'grpcs'])
    t.same(
      seen.find((p) => p.type === type),
      { type, method: 'GET', url: `/${type}-probe` },
    )
})

// Kong's grpc-web spec (spec/03-plugins/32-grpc-web/01-proxy_spec.lua) through a real gateway:
// gRPC-Web clients (base64 text, binary, JSON in gRPC-Web frames, plain JSON) in front of a
// grpc-js server reached as a `grpc` service over HTTP/2 (as Kong's grpcbin), with the spec's
// own payloads, and Kong's mock upstream (HTTP/1.1) for what the upstream request carries.
// Then what the spec leaves out, against a gRPC target over HTTP/1.1 and one that sends
// trailers (test/helpers/grpc-target.ts, grpc-upstream.ts).
import { join } from 'node:path'
import t from 'tap'
import { Agent, request } from 'undici'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { pluginLines } from '../helpers/plugin-gateway.js'
import { FIXTURES, startGrpcJsTarget, startHttp1GrpcTarget, startMockTarget } from '../helpers/grpc-target.js'

const HELLO_PROTO = join(FIXTURES, 'kong-hello.proto')

// spec/03-plugins/32-grpc-web/01-proxy_spec.lua:20-25: the spec's request and answer.
const HELLO_REQUEST_TEXT_BODY = 'AAAAAAYKBGhleWE='
const HELLO_REQUEST_BODY = Buffer.from(HELLO_REQUEST_TEXT_BODY, 'base64')
const HELLO_RESPONSE_TEXT_BODY = 'AAAAAAwKCmhlbGxvIGhleWE=' + 'gAAAAB5ncnBjLXN0YXR1czowDQpncnBjLW1lc3NhZ2U6DQo='
const HELLO_RESPONSE_BODY = Buffer.concat([
  Buffer.from('AAAAAAwKCmhlbGxvIGhleWE=', 'base64'),
  Buffer.from('gAAAAB5ncnBjLXN0YXR1czowDQpncnBjLW1lc3NhZ2U6DQo=', 'base64'),
])

/** gRPC's length prefix (flag, big-endian size) before `payload`, as the spec builds it with be_bytes. */
const framed = (flag: number, payload: string) => {
  const head = Buffer.alloc(5)
  head[0] = flag
  head.writeUInt32BE(Buffer.byteLength(payload), 1)
  return Buffer.concat([head, Buffer.from(payload)])
}

// The spec's target (grpcbin, in Go) sends no grpc-message on success; grpc-js sends `OK`:
// the same answers, with the trailer frame a grpc-js server's trailers make.
const GRPC_JS_TRAILER = framed(0x80, 'grpc-status:0\r\ngrpc-message:OK\r\n')
const HELLO_RESPONSE_TEXT_BODY_JS = 'AAAAAAwKCmhlbGxvIGhleWE=' + GRPC_JS_TRAILER.toString('base64')
const HELLO_RESPONSE_BODY_JS = Buffer.concat([Buffer.from('AAAAAAwKCmhlbGxvIGhleWE=', 'base64'), GRPC_JS_TRAILER])

// The gateway's TLS listener serves Kong's self-signed default certificate.
const insecure = new Agent({ connect: { rejectUnauthorized: false } })

async function post(url: string, headers: Record<string, string>, body?: string | Buffer) {
  const r = await request(url, { method: 'POST', headers, body, dispatcher: url.startsWith('https:') ? insecure : undefined })
  return { status: r.statusCode, headers: r.headers, body: Buffer.from(await r.body.arrayBuffer()) }
}

t.test("Kong's grpc-web proxy spec", async (t) => {
  const target = await startGrpcJsTarget(['kong-hello.proto'])
  const mock = await startMockTarget()
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'grpc',
          url: target.url,
          routes: [
            { name: 'root', protocols: ['http', 'https'], paths: ['/'], plugins: [{ name: 'grpc-web', config: { proto: HELLO_PROTO } }] },
            {
              name: 'prefix',
              protocols: ['http', 'https'],
              paths: ['/prefix'],
              plugins: [{ name: 'grpc-web', config: { proto: HELLO_PROTO, pass_stripped_path: true } }],
            },
          ],
        },
        {
          name: 'mock_grpc_service',
          url: mock.url,
          routes: [{ name: 'mock', protocols: ['http'], hosts: ['grpc_mock.example'], preserve_host: true, plugins: [{ name: 'grpc-web', config: {} }] }],
        },
      ],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  const tlsUrl = `https://${gw.tls[0]!}`
  t.teardown(async () => {
    await gw.close()
    await target.close()
    await mock.close()
    await insecure.close()
  })

  t.test("Sets 'TE: trailers'", async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:123
    const r = await post(`${gw.url}/`, { host: 'grpc_mock.example', 'content-type': 'application/grpc-web-text' })
    t.equal(r.headers['received-te'], 'trailers')
    t.equal(r.headers['received-host'], 'grpc_mock.example')
    t.equal(mock.calls.at(-1)?.headers['content-type'], 'application/grpc', 'the upstream is asked in gRPC')
  })

  t.test('Ignores user-agent TE', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:135
    const r = await post(`${gw.url}/`, { host: 'grpc_mock.example', 'content-type': 'application/grpc-web-text', te: 'chunked' })
    t.equal(r.headers['received-te'], 'trailers')
  })

  t.test('Call gRPC-base64 via HTTP', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:151
    const r = await post(`${gw.url}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web-text' }, HELLO_REQUEST_TEXT_BODY)
    t.equal(r.status, 200)
    t.equal(r.body.toString(), HELLO_RESPONSE_TEXT_BODY_JS)
    t.equal(r.headers['content-type'], 'application/grpc-web-text', "the client's content type comes back")
    t.equal(r.headers['access-control-allow-origin'], '*')
    const call = target.calls.at(-1)!
    t.equal(call.path, '/hello.HelloService/SayHello')
    t.same(call.message, { greeting: 'heya' }, 'the target got the decoded message')
  })

  t.test('Call gRPC-base64 via HTTPS', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:164
    const r = await post(`${tlsUrl}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web-text' }, HELLO_REQUEST_TEXT_BODY)
    t.equal(r.body.toString(), HELLO_RESPONSE_TEXT_BODY_JS)
  })

  t.test('Call binary gRPC via HTTPS', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:190
    const r = await post(`${tlsUrl}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web+proto' }, HELLO_REQUEST_BODY)
    t.same(r.body, HELLO_RESPONSE_BODY_JS)
  })

  t.test('Call binary gRPC via HTTP', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:177
    const r = await post(`${gw.url}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web+proto' }, HELLO_REQUEST_BODY)
    t.same(r.body, HELLO_RESPONSE_BODY_JS)
    t.equal(r.headers['content-type'], 'application/grpc-web+proto')
  })

  t.test('Call gRPC-Web JSON via HTTP', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:203
    const req = framed(0, JSON.stringify({ greeting: 'heya' }))
    const r = await post(`${gw.url}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web+json' }, req)
    const want = Buffer.concat([framed(0, JSON.stringify({ reply: 'hello heya' })), framed(0x80, 'grpc-status:0\r\ngrpc-message:OK\r\n')])
    t.same(r.body, want)
  })

  t.test('Call plain JSON via HTTP', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:224
    const r = await post(`${gw.url}/hello.HelloService/SayHello`, { 'content-type': 'application/json' }, JSON.stringify({ greeting: 'heya' }))
    t.same(JSON.parse(r.body.toString()), { reply: 'hello heya' })
  })

  t.test('Pass stripped URI', async (t) => {
    // spec/03-plugins/32-grpc-web/01-proxy_spec.lua:236
    const r = await post(`${gw.url}/prefix/hello.HelloService/SayHello`, { 'content-type': 'application/json' }, JSON.stringify({ greeting: 'heya' }))
    t.same(JSON.parse(r.body.toString()), { reply: 'hello heya' })
    t.equal(target.calls.at(-1)?.path, '/hello.HelloService/SayHello')
  })
})

t.test('grpc-web: what the spec does not cover', async (t) => {
  const target = await startHttp1GrpcTarget(['kong-hello.proto'])
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'grpc',
          url: target.url,
          routes: [
            { name: 'proto', paths: ['/'], plugins: [{ name: 'grpc-web', config: { proto: HELLO_PROTO, allow_origin_header: 'https://app.example' } }] },
            { name: 'bare', paths: ['/bare'], plugins: [{ name: 'grpc-web' }] },
          ],
        },
      ],
    }),
  )
  t.teardown(async () => {
    await gw.close()
    await target.close()
  })

  t.test("a preflight gets Kong's answer, never the upstream", async (t) => {
    const before = target.calls.length
    const r = await fetchRaw(`${gw.url}/hello.HelloService/SayHello`, { method: 'OPTIONS', headers: { origin: 'https://app.example' } })
    t.equal(r.status, 200)
    t.equal(r.body, 'OK')
    t.equal(r.headers['content-type'], 'application/grpc-web-text+proto')
    t.equal(r.headers['access-control-allow-origin'], 'https://app.example', 'allow_origin_header')
    t.equal(r.headers['access-control-allow-methods'], 'POST')
    t.equal(r.headers['access-control-allow-headers'], 'content-type,x-grpc-web,x-user-agent')
    t.equal(target.calls.length, before)
  })

  t.test('allow_origin_header is on every answer', async (t) => {
    const r = await post(`${gw.url}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web+proto' }, HELLO_REQUEST_BODY)
    t.equal(r.headers['access-control-allow-origin'], 'https://app.example')
    t.same(r.body, HELLO_RESPONSE_BODY, "the spec's bytes, from a target that sends no grpc-message as grpcbin")
  })

  t.test('a text body sent as several padded base64 runs', async (t) => {
    // A client that encodes each chunk on its own: padding inside the body.
    const [a, b] = [HELLO_REQUEST_BODY.subarray(0, 4), HELLO_REQUEST_BODY.subarray(4)]
    const text = a.toString('base64') + b.toString('base64')
    t.match(text, /=.+/, 'the body has padding before its end')
    const r = await post(`${gw.url}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web-text' }, text)
    t.equal(r.body.toString(), HELLO_RESPONSE_TEXT_BODY)
  })

  t.test('text mode with JSON messages', async (t) => {
    const req = framed(0, JSON.stringify({ greeting: 'heya' })).toString('base64')
    const r = await post(`${gw.url}/hello.HelloService/SayHello`, { 'content-type': 'application/grpc-web-text+json' }, req)
    const want = framed(0, JSON.stringify({ reply: 'hello heya' })).toString('base64') + framed(0x80, 'grpc-status:0\r\ngrpc-message:\r\n').toString('base64')
    t.equal(r.body.toString(), want)
  })

  t.test('a method the .proto does not have: 400', async (t) => {
    const r = await post(`${gw.url}/hello.HelloService/Nope`, { 'content-type': 'application/json' }, '{}')
    t.equal(r.status, 400)
    t.equal(r.body.toString(), 'Unknown path "/hello.HelloService/Nope"')
    t.equal(r.headers['content-type'], undefined, "kong.response.exit's text: no Content-Type")
  })

  t.test('JSON without a .proto: 400', async (t) => {
    const r = await post(`${gw.url}/bare/hello.HelloService/SayHello`, { 'content-type': 'application/json' }, '{}')
    t.equal(r.status, 400)
    t.equal(r.body.toString(), 'transcoding requests require a .proto file defining the service')
  })

  t.test("the target's grpc-status reaches the trailer frame", async (t) => {
    // The target answers UNIMPLEMENTED (Trailers-Only) for a method it lacks.
    const r = await post(`${gw.url}/hello.HelloService/LotsOfReplies`, { 'content-type': 'application/grpc-web+proto' }, HELLO_REQUEST_BODY)
    t.same(r.body, framed(0x80, 'grpc-status:12\r\ngrpc-message:unknown method /hello.HelloService/LotsOfReplies\r\n'))
  })
})

// Kong's schemas take any string for `proto` and its handlers load the file on a
// request (kong/plugins/grpc-gateway/handler.lua:43: deco.new, then exit(400, err)):
// a file missing where the config is checked must not stop the config.
t.test('a .proto that does not load: the config loads as in Kong, its requests get 400 and why', async (t) => {
  const { loadConfig } = await import('../../src/config/load.js')
  const cases = [
    [join(FIXTURES, 'missing.proto'), /cannot read .*missing\.proto: ENOENT/],
    [join(FIXTURES, 'broken.proto'), /cannot load .*broken\.proto: illegal/],
    [join(FIXTURES, 'missing-import.proto'), /cannot load .*missing-import\.proto: an import was not found .*nowhere\/to_be_found\.proto/],
  ] as const
  for (const [proto, message] of cases) {
    const yaml = stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'g',
          url: 'grpc://127.0.0.1:9',
          routes: [
            { name: 'web', paths: ['/web'], plugins: [{ name: 'grpc-web', config: { proto } }] },
            { name: 'rest', paths: ['/rest'], plugins: [{ name: 'grpc-gateway', config: { proto } }] },
          ],
        },
      ],
    })
    t.ok(loadConfig(yaml, { file: 'kong.yml' }).ok, `${proto}: the config loads`)
    const { lines, pluginLog } = pluginLines()
    const gw = await gateway(yaml, { pluginLog })
    const web = await fetchRaw(`${gw.url}/web/hello.HelloService/SayHello`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+json' },
      body: '{}',
    })
    t.equal(web.status, 400, 'grpc-web answers 400')
    t.match(web.body, message)
    const rest = await fetchRaw(`${gw.url}/rest/v1/messages/x`)
    t.equal(rest.status, 400, 'grpc-gateway answers 400')
    t.match(rest.body, /^failed to transcode \.proto file /)
    t.match(rest.body, message)
    t.ok(
      lines.some((l) => message.test(l.msg)),
      'why is logged when the config is compiled',
    )
    await gw.close()
  }
})

t.test("grpc-web over HTTP/2: the upstream's trailers end the body, not the answer", async (t) => {
  const { PROTO, startGrpcUpstream } = await import('../helpers/grpc-upstream.js')
  const up = await startGrpcUpstream()
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 'grpc',
          url: `grpc://127.0.0.1:${up.port}`,
          routes: [{ name: 'web', paths: ['/'], plugins: [{ name: 'grpc-web', config: { proto: PROTO } }] }],
        },
      ],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  const call = async (method: string, type: string, body: Buffer | string) => {
    const r = await request(`${gw.url}/hello.HelloService/${method}`, { method: 'POST', headers: { 'content-type': type, te: 'trailers' }, body })
    const bytes = Buffer.from(await r.body.arrayBuffer())
    return { status: r.statusCode, headers: r.headers, body: bytes, trailers: r.trailers }
  }

  t.test('a unary call: its metadata trailer joins the trailer frame; no HTTP trailers are left', async (t) => {
    const r = await call('SayHello', 'application/grpc-web+proto', HELLO_REQUEST_BODY)
    t.equal(r.status, 200)
    t.equal(r.headers['x-upstream-header'], 'from-upstream')
    t.same(
      r.body,
      Buffer.concat([Buffer.from('AAAAAAwKCmhlbGxvIGhleWE=', 'base64'), framed(0x80, 'grpc-status:0\r\ngrpc-message:OK\r\nx-upstream-trailer:heya\r\n')]),
    )
    t.same(r.trailers, {}, 'the client asked for trailers and got none: they are in the body')
  })

  t.test('a server stream in JSON: every message, then the trailers', async (t) => {
    const r = await call('LotsOfReplies', 'application/grpc-web+json', framed(0, JSON.stringify({ greeting: 'x' })))
    const want = [1, 2, 3].map((i) => framed(0, JSON.stringify({ reply: `hello x #${i}` })))
    t.same(r.body, Buffer.concat([...want, framed(0x80, 'grpc-status:0\r\ngrpc-message:OK\r\nx-upstream-trailer:replies\r\n')]))
  })

  t.test('a failed call: its status in the trailer frame', async (t) => {
    const r = await call('SayHello', 'application/grpc-web-text', framed(0, '\n\x04fail').toString('base64'))
    t.equal(r.status, 200)
    const frames = Buffer.from(r.body.toString(), 'base64')
    t.match(frames.subarray(5).toString(), /^grpc-status:5\r\ngrpc-message:no%20such%20greeting\r\n/, 'grpc-message as on the wire (percent-encoded)')
    t.equal(frames[0], 0x80, 'nothing but the trailer frame')
  })

  t.test('a browser on HTTP/2 (TLS, ALPN h2): the same body, and no HTTP/2 trailers', async (t) => {
    const { connect } = await import('node:http2')
    const session = connect(`https://${gw.tls[0]!}`, { rejectUnauthorized: false })
    t.teardown(() => session.close())
    const reply = await new Promise<{ status: number; body: string; trailers: boolean }>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/hello.HelloService/SayHello',
        'content-type': 'application/grpc-web-text',
        te: 'trailers',
      })
      let status = 0
      let trailers = false
      const chunks: Buffer[] = []
      stream.on('response', (h) => (status = Number(h[':status'])))
      stream.on('trailers', () => (trailers = true))
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString(), trailers }))
      stream.on('error', reject)
      stream.end(HELLO_REQUEST_TEXT_BODY)
    })
    t.equal(reply.status, 200)
    t.equal(reply.body, 'AAAAAAwKCmhlbGxvIGhleWE=' + framed(0x80, 'grpc-status:0\r\ngrpc-message:OK\r\nx-upstream-trailer:heya\r\n').toString('base64'))
    t.equal(reply.trailers, false, 'the trailers went into the body')
  })
})

// HTTP/2 downstream: TLS listeners offer h2 by ALPN, `--listen HOST:PORT http2`
// takes h2c beside HTTP/1.1, and every stream runs the same pipeline as an
// HTTP/1.1 request (router, plugins, Kong's headers and errors, access log).
import { createServer, type IncomingMessage } from 'node:http'
import { constants as h2constants } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import t from 'tap'
import { Agent, request } from 'undici'
import { stringify } from 'yaml'
import { DEFAULT_TOKENS } from '../../src/version.js'
import { gateway } from '../helpers/gateway.js'
import { h2Request, h2Session } from '../helpers/h2.js'
import { startUpstream } from '../helpers/upstream.js'

const TOKEN = DEFAULT_TOKENS.server

function alpn(address: string, protocols: string[]): Promise<string | false> {
  const [host, port] = address.split(':')
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: host!, port: Number(port), servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: protocols }, () => {
      resolve(s.alpnProtocol ?? false)
      s.end()
    })
    s.on('error', reject)
  })
}

t.test('TLS listeners offer h2 and http/1.1 by ALPN', async (t) => {
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      routes: [{ name: 'r', paths: ['/'], plugins: [{ name: 'request-termination', config: { status_code: 200, message: 'hi' } }] }],
    }),
    {
      tlsListen: ['127.0.0.1:0'],
    },
  )
  t.teardown(() => gw.close())
  const address = gw.tls[0]!
  t.equal(await alpn(address, ['h2', 'http/1.1']), 'h2', 'a client offering both gets h2')
  t.equal(await alpn(address, ['http/1.1']), 'http/1.1', 'an HTTP/1.1-only client keeps HTTP/1.1')
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } })
  t.teardown(() => dispatcher.close())
  const r = await request(`https://${address}/`, { dispatcher })
  t.equal(r.statusCode, 200, 'a client without ALPN is served over HTTP/1.1')
  t.equal(await r.body.text(), '{"message":"hi"}')
  const session = await h2Session(`https://${address}`)
  t.teardown(() => session.close())
  const h2 = await h2Request(session, { ':path': '/' })
  t.equal(h2.status, 200)
  t.equal(h2.body, '{"message":"hi"}', 'the same answer over HTTP/2')
})

t.test('an HTTP/2 stream runs the pipeline: :authority routes, Kong headers both ways', async (t) => {
  const up = await startUpstream()
  t.teardown(() => up.close())
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 's',
          url: up.url,
          routes: [
            { name: 'by-host', hosts: ['h2.test'], preserve_host: true },
            { name: 'via', hosts: ['test.via'] },
          ],
        },
      ],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(() => gw.close())
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.close())

  const r = await h2Request(session, { ':path': '/p?q=1', ':authority': 'h2.test', 'x-client': 'yes' })
  t.equal(r.status, 200, ':authority is the Host the router matches')
  const seen = up.requests.at(-1)!
  t.equal(seen.headers.host, 'h2.test', 'preserve_host sends the :authority on')
  t.equal(seen.url, '/p?q=1')
  t.equal(seen.headers['x-client'], 'yes')
  t.equal(seen.headers['x-forwarded-proto'], 'https')
  t.equal(seen.headers['x-forwarded-host'], 'h2.test')
  t.notOk(
    Object.keys(seen.headers).some((h) => h.startsWith(':')),
    'no pseudo-header reaches the upstream',
  )
  t.equal(r.headers.server, TOKEN)
  t.match(r.headers['x-kong-request-id'], /^[0-9a-f]{32}$/)
  t.equal(r.headers.connection, undefined, 'no connection-specific field on an HTTP/2 answer')
  t.equal(r.headers['keep-alive'], undefined)

  // spec/02-integration/05-proxy/35-via_spec.lua:158
  const via = await h2Request(session, { ':path': '/get', ':authority': 'test.via', via: '1.1 dev' })
  t.equal(via.status, 200)
  t.equal(up.requests.at(-1)!.headers.via, `1.1 dev, 2 ${TOKEN}`, 'the Via entry sent upstream names HTTP/2 as `2`')
  t.equal(via.headers.via, `1.1 ${TOKEN}`, 'the answer names the HTTP/1.1 hop to the upstream')

  const none = await h2Request(session, { ':path': '/', ':authority': 'unknown.test' })
  t.equal(none.status, 404)
  t.match(none.json(), { message: 'no Route matched with those values' }, "Kong's own answer, over HTTP/2")
})

t.test('plugins, body filters, HEAD and the access log over HTTP/2', async (t) => {
  const up = await startUpstream()
  t.teardown(() => up.close())
  const entries: Record<string, unknown>[] = []
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      consumers: [{ username: 'alice', keyauth_credentials: [{ key: 'secret-key' }] }],
      services: [
        {
          name: 's',
          url: up.url,
          routes: [
            { name: 'auth', paths: ['/auth'], plugins: [{ name: 'key-auth' }] },
            {
              name: 'json',
              paths: ['/json'],
              plugins: [{ name: 'response-transformer', config: { add: { json: ['modified:true'], headers: ['Modified:yes'] } } }],
            },
          ],
        },
      ],
    }),
    { tlsListen: ['127.0.0.1:0'], accessLog: (e) => entries.push(e) },
  )
  t.teardown(() => gw.close())
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.close())

  const denied = await h2Request(session, { ':path': '/auth' })
  t.equal(denied.status, 401)
  t.equal(denied.json().message, 'No API key found in request')
  t.equal(denied.headers['www-authenticate'], 'Key', 'key-auth answers as on HTTP/1.1')
  const allowed = await h2Request(session, { ':path': '/auth', apikey: 'secret-key' })
  t.equal(allowed.status, 200)
  t.equal(up.requests.at(-1)!.headers['x-consumer-username'], 'alice')
  t.equal(up.requests.at(-1)!.headers.apikey, 'secret-key')

  // spec/02-integration/05-proxy/24-buffered_spec.lua:8 (the http2 client): a body filter over HTTP/2, and HEAD without a body
  const json = await h2Request(session, { ':path': '/json' })
  t.equal(json.status, 200)
  t.equal(json.headers.modified, 'yes')
  t.equal(json.json().modified, 'true', 'the body filter changed the body (a string: json_types defaults to string)')
  t.equal(Number(json.headers['content-length']), Buffer.byteLength(json.body))
  const head = await h2Request(session, { ':path': '/json', ':method': 'HEAD' })
  t.equal(head.status, 200)
  t.equal(head.body, '', 'HEAD has no body')
  t.equal(head.headers.modified, 'yes')

  await new Promise((r) => setTimeout(r, 50))
  t.match(
    entries.map((e) => [e.path, e.status]),
    [
      ['/auth', 401],
      ['/auth', 200],
      ['/json', 200],
      ['/json', 200],
    ],
    'each stream has its access log line',
  )
})

// spec/02-integration/05-proxy/27-unbuffered_spec.lua:294 (HTTP/2.0 posts on buffered and unbuffered routes)
t.test('request bodies over HTTP/2, buffered and streamed', async (t) => {
  const up = await startUpstream()
  t.teardown(() => up.close())
  const combos = [
    ['buffered', true, true],
    ['unbuffered', false, false],
    ['unbuffered-request', false, true],
    ['unbuffered-response', true, false],
  ] as const
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 's',
          url: up.url,
          routes: combos.map(([name, request_buffering, response_buffering]) => ({ name, paths: [`/${name}`], request_buffering, response_buffering })),
        },
      ],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(() => gw.close())
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.close())
  const body = 'x'.repeat(200_000)
  for (const [name] of combos) {
    const r = await h2Request(session, { ':path': `/${name}/post`, ':method': 'POST', 'content-type': 'text/plain' }, body)
    t.equal(r.status, 200, name)
    t.match(r.headers['x-kong-proxy-latency'], /^\d+$/, `${name}: the proxy latency is reported`)
    t.ok(r.json().body === body, `${name}: the upstream got the whole body`)
  }
})

t.test('`--listen HOST:PORT http2` takes h2c (prior knowledge) and HTTP/1.1 on one port', async (t) => {
  const yaml = stringify({
    _format_version: '3.0',
    routes: [{ name: 'r', paths: ['/'], plugins: [{ name: 'request-termination', config: { status_code: 200, message: 'plain' } }] }],
  })
  const gw = await gateway(yaml, { listen: ['127.0.0.1:0 http2'] })
  t.teardown(() => gw.close())
  const session = await h2Session(`http://${gw.proxy[0]}`)
  t.teardown(() => session.close())
  const h2c = await h2Request(session, { ':path': '/' })
  t.equal(h2c.status, 200)
  t.equal(h2c.body, '{"message":"plain"}', 'h2c with prior knowledge')
  const h1 = await request(`http://${gw.proxy[0]}/`)
  t.equal(h1.statusCode, 200, 'HTTP/1.1 on the same port')
  t.equal(await h1.body.text(), '{"message":"plain"}')

  const plain = await gateway(yaml)
  t.teardown(() => plain.close())
  const refused = await new Promise<string>((resolve) => {
    const s = h2Session(`http://${plain.proxy[0]}`)
    s.then(
      (session) => {
        const stream = session.request({ ':path': '/' })
        stream.on('response', () => resolve('answered'))
        stream.on('error', () => resolve('refused'))
        session.on('close', () => resolve('refused'))
      },
      () => resolve('refused'),
    )
  })
  t.equal(refused, 'refused', 'without the option, a plain listener speaks HTTP/1.1 only')
})

t.test('HTTP/2 limits: the settings offered, and a header list over them', async (t) => {
  const up = await startUpstream()
  t.teardown(() => up.close())
  const gw = await gateway(stringify({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }] }), {
    tlsListen: ['127.0.0.1:0'],
  })
  t.teardown(() => gw.close())
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.close())
  const settings = session.remoteSettings
  t.equal(settings.maxConcurrentStreams, 128, "nginx's http2_max_concurrent_streams")
  t.equal(settings.maxHeaderListSize, 32768, "large_client_header_buffers' 4 x 8 KiB")
  t.equal(settings.initialWindowSize, 65536, 'a 64 KiB receive window per stream')
  t.equal(settings.enablePush, false)

  const big: Record<string, string> = { ':path': '/' }
  for (let i = 0; i < 8; i++) big[`x-big-${i}`] = 'v'.repeat(6000)
  const outcome = await h2Request(session, big).then(
    (r) => `status ${r.status}`,
    () => 'refused',
  )
  t.not(outcome, 'status 200', `a 48 KiB header list is not served (${outcome})`)
  t.notOk(
    up.requests.some((r) => r.headers['x-big-0']),
    'and never reaches the upstream',
  )
  const again = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => again.close())
  t.equal((await h2Request(again, { ':path': '/after' })).status, 200, 'the gateway serves the next client')
})

t.test('a reset stream frees what it held upstream; the connection goes on', async (t) => {
  const held: IncomingMessage[] = []
  const upstreamClosed: string[] = []
  const up = createServer((req, res) => {
    if (req.url === '/quick') return res.end('quick')
    held.push(req)
    req.on('data', () => {})
    res.on('close', () => upstreamClosed.push(req.url ?? ''))
    if (req.url === '/download') {
      // A large answer the client will not read to the end.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(64 * 1024, 97)
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump)
      }
      pump()
    }
  })
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => up.close())
  const url = `http://127.0.0.1:${(up.address() as AddressInfo).port}`
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [
        {
          name: 's',
          url,
          routes: [
            { name: 'r', paths: ['/'] },
            { name: 'upload', paths: ['/upload'], strip_path: false, request_buffering: false },
          ],
        },
      ],
    }),
    { tlsListen: ['127.0.0.1:0'] },
  )
  t.teardown(() => gw.close())
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.close())
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
    t.ok(check(), what)
  }

  // A request the upstream holds: the client gives up on it.
  const waiting = session.request({ ':path': '/wait' })
  waiting.on('error', () => {})
  await until(() => held.some((r) => r.url === '/wait'), 'the upstream holds /wait')
  waiting.close(h2constants.NGHTTP2_CANCEL)
  await until(() => upstreamClosed.includes('/wait'), 'the reset ends the upstream request')

  // A streamed upload cut half-way.
  const upload = session.request({ ':path': '/upload', ':method': 'POST' }, { endStream: false })
  upload.on('error', () => {})
  upload.write('half of a body')
  await until(() => held.some((r) => r.url === '/upload'), 'the upload is streaming upstream')
  upload.close(h2constants.NGHTTP2_CANCEL)
  await until(() => upstreamClosed.includes('/upload'), 'the reset ends the upstream upload')

  // A large download the client stops reading, then resets.
  const download = session.request({ ':path': '/download' })
  download.on('error', () => {})
  await new Promise((r) => download.once('response', r))
  download.pause()
  await until(() => held.some((r) => r.url === '/download'), 'the download started')
  download.close(h2constants.NGHTTP2_CANCEL)
  await until(() => upstreamClosed.includes('/download'), 'the reset ends the upstream download')

  const after = await h2Request(session, { ':path': '/quick' })
  t.equal(after.status, 200, 'the same connection serves the next stream')
  t.equal(after.body, 'quick')
})

t.test('closing the gateway sends GOAWAY and lets the streams in flight finish', async (t) => {
  let release: (() => void) | undefined
  const up = createServer((req, res) => {
    release = () => res.end('finished')
  })
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => up.close())
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [{ name: 's', url: `http://127.0.0.1:${(up.address() as AddressInfo).port}`, routes: [{ name: 'r', paths: ['/'] }] }],
    }),
    {
      tlsListen: ['127.0.0.1:0'],
    },
  )
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.destroy())
  const goaway = new Promise<boolean>((resolve) => session.once('goaway', () => resolve(true)))
  const inFlight = h2Request(session, { ':path': '/slow' })
  for (let i = 0; i < 500 && !release; i++) await new Promise((r) => setTimeout(r, 10))
  const closed = gw.close()
  t.ok(await goaway, 'the client is told to open no new stream')
  release!()
  const r = await inFlight
  t.equal(r.status, 200, 'the stream in flight finishes')
  t.equal(r.body, 'finished')
  await closed
})

t.test("/status counts HTTP/2 streams and their connection's state", async (t) => {
  let release: (() => void) | undefined
  const up = createServer((req, res) => {
    if (req.url === '/slow') release = () => res.end('slow')
    else res.end('quick')
  })
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => up.close())
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      services: [{ name: 's', url: `http://127.0.0.1:${(up.address() as AddressInfo).port}`, routes: [{ name: 'r', paths: ['/'] }] }],
    }),
    {
      tlsListen: ['127.0.0.1:0'],
      adminListen: '127.0.0.1:0',
    },
  )
  t.teardown(() => gw.close())
  const status = async () =>
    (
      (await (await request(`http://${gw.admin}/status`)).body.json()) as {
        server: { total_requests: number; connections_writing: number; connections_active: number }
      }
    ).server
  const before = await status()
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.close())
  await h2Request(session, { ':path': '/a' })
  await h2Request(session, { ':path': '/b' })
  const slow = h2Request(session, { ':path': '/slow' })
  for (let i = 0; i < 500 && !release; i++) await new Promise((r) => setTimeout(r, 10))
  const during = await status()
  t.equal(during.total_requests - before.total_requests, 3, 'each stream is a request')
  t.equal(during.connections_writing, 1, 'the connection is writing while a stream is in flight')
  release!()
  await slow
  await new Promise((r) => setTimeout(r, 20))
  const after = await status()
  t.equal(after.connections_writing, 0, 'and no longer once it ended')
  t.equal(after.connections_active, 1, 'one connection carried every stream')
})

// Bodies stream through the gateway (reference §2.9: no body size limit on the
// proxy): a request body on a route with request_buffering false, and every
// response (held aside only when the client is slower than the upstream);
// nothing is buffered whole in memory, bytes arrive intact, chunked responses
// stay chunked. Buffered request bodies: body-buffering.test.ts.
import { createHash } from 'node:crypto'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { gateway } from '../../helpers/gateway.js'

const MB = 1024 * 1024
const CHUNKS = 20
const chunk = (i: number) => Buffer.alloc(MB, i % 251)
const expectedSha = (() => {
  const h = createHash('sha256')
  for (let i = 0; i < CHUNKS; i++) h.update(chunk(i))
  return h.digest('hex')
})()

/** Resolves with `p`, or rejects after `ms`: a gateway that buffers would otherwise hang the test. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]).finally(() =>
    clearTimeout(timer),
  )
}

function deferred<T = void>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function proxyTo(t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void, routeFields = '') {
  const up = await listen(handler)
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: stream
    url: ${up.url}
    routes: [{ name: stream, paths: [/]${routeFields} }]
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return gw
}

t.test('request_buffering false: a 20 MB request body streams to the upstream, which starts receiving before the client has finished', async (t) => {
  const firstByte = deferred()
  // Kong's @unbuffered_request location (kong/runloop/handler.lua: route.request_buffering == false).
  const streamed = ', request_buffering: false'
  const gw = await proxyTo(
    t,
    (req, res) => {
      const hash = createHash('sha256')
      let bytes = 0
      req.on('data', (c: Buffer) => {
        if (bytes === 0) firstByte.resolve()
        bytes += c.length
        hash.update(c)
      })
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }))
      })
    },
    streamed,
  )
  const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { hostname, port } = new URL(gw.url)
    const req = request(
      { hostname, port, path: '/upload', method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream', 'content-length': CHUNKS * MB } },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    void (async () => {
      req.write(chunk(0))
      // The rest is only sent once the upstream has seen the first bytes.
      await within(firstByte.promise, 3000, 'the upstream never saw the first megabyte while the upload was incomplete')
      for (let i = 1; i < CHUNKS; i++) {
        if (!req.write(chunk(i))) await new Promise((r) => req.once('drain', r))
      }
      req.end()
    })().catch((err: unknown) => {
      req.destroy()
      reject(err as Error)
    })
  })
  const r = await within(reply, 8000, 'upload')
  t.equal(r.status, 200)
  t.same(JSON.parse(r.body), { bytes: CHUNKS * MB, sha256: expectedSha }, 'every byte arrived, in order')
})

t.test('a 20 MB response streams back to the client intact', async (t) => {
  const gw = await proxyTo(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': CHUNKS * MB })
    let i = 0
    const pump = () => {
      while (i < CHUNKS) {
        if (!res.write(chunk(i++))) return void res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  const got = new Promise<{ status: number; length: string | undefined; bytes: number; sha: string }>((resolve, reject) => {
    const { hostname, port } = new URL(gw.url)
    request({ hostname, port, path: '/download', agent: false }, (res) => {
      const hash = createHash('sha256')
      let bytes = 0
      res.on('data', (c: Buffer) => {
        bytes += c.length
        hash.update(c)
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], bytes, sha: hash.digest('hex') }))
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
  const r = await within(got, 8000, 'download')
  t.equal(r.status, 200)
  t.equal(r.length, String(CHUNKS * MB), 'Content-Length passed through')
  t.equal(r.bytes, CHUNKS * MB)
  t.equal(r.sha, expectedSha)
})

t.test('a chunked response passes through chunked, each chunk delivered as the upstream sends it', async (t) => {
  const clientGotFirst = deferred()
  const gw = await proxyTo(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('part-1;')
    // The second chunk is only written after the client has received the first.
    within(clientGotFirst.promise, 3000, 'first chunk')
      .then(() => res.end('part-2'))
      .catch(() => res.destroy())
  })
  const got = new Promise<{ status: number; headers: IncomingMessage['headers']; chunks: string[] }>((resolve, reject) => {
    const { hostname, port } = new URL(gw.url)
    request({ hostname, port, path: '/events', agent: false }, (res) => {
      const chunks: string[] = []
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        chunks.push(c)
        if (chunks.join('').includes('part-1;')) clientGotFirst.resolve()
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }))
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
  const r = await within(got, 5000, 'chunked response')
  t.equal(r.status, 200)
  t.equal(r.headers['transfer-encoding'], 'chunked')
  t.equal(r.headers['content-length'], undefined)
  t.equal(r.chunks.join(''), 'part-1;part-2', 'the whole body, in order')
  t.equal(r.chunks[0], 'part-1;', 'the first chunk arrived on its own, before the upstream finished')
})

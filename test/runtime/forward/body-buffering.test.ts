// Issue 12, item 4: slow clients do not starve an upstream. Kong's routes
// default to request_buffering and response_buffering (kong/runloop/handler.lua
// picks the @unbuffered* locations only when they are false): a request body
// is read whole before the upstream is contacted, in memory up to
// client_body_buffer_size and then in a temp file; a response the client is
// slow to read is held aside so the upstream connection goes back to the pool.
// client_body_timeout and send_timeout cut off clients that stall.
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { gateway, fetchRaw, type TestGateway } from '../../helpers/gateway.js'
import type { GatewayOptions } from '../../../src/server/gateway.js'

/** Resolves with `p`, or rejects after `ms`: a gateway without the fix would otherwise hang the test. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`never happened: ${what}`)), ms)))]).finally(() =>
    clearTimeout(timer),
  )
}

/** Files of `dir` this process holds open (spool files are unlinked at once: only /proc still sees them). */
function openIn(dir: string): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) n++
    } catch {
      // closed meanwhile
    }
  }
  return n
}

/** Waits (a bounded number of turns) until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (cond()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`never happened: ${what}`)
}

async function upstream(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handler(req, res, Buffer.concat(chunks)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function setup(t: Test, handler: Parameters<typeof upstream>[0], opts: Partial<GatewayOptions>, routeFields = '') {
  const up = await upstream(handler)
  const gw = await gateway(
    `_format_version: "3.0"
services:
  - name: app
    url: ${up.url}
    routes: [{ name: app, paths: [/]${routeFields} }]
`,
    opts,
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return { gw, up }
}

/** A raw connection to the gateway; `closed` resolves with everything it received once the gateway closed it. */
function open(gw: TestGateway): { socket: Socket; closed: Promise<Buffer> } {
  const { hostname, port } = new URL(gw.url)
  const socket = connect(Number(port), hostname)
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.on('error', () => {})
  const closed = new Promise<Buffer>((resolve) => socket.on('close', () => resolve(Buffer.concat(chunks))))
  return { socket, closed }
}

/** Sends a `total`-byte body one byte every `everyMs`; `left()` is how many bytes it still has to send. */
function slowPost(gw: TestGateway, total: number, everyMs: number) {
  const c = open(gw)
  let left = total
  c.socket.write(`POST /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${total}\r\n\r\n`)
  const timer = setInterval(() => {
    if (left === 0 || c.socket.destroyed) return clearInterval(timer)
    c.socket.write('x')
    left--
  }, everyMs)
  c.closed.finally(() => clearInterval(timer)).catch(() => {})
  return { left: () => left, reply: c.closed.then((b) => b.toString('latin1')) }
}

const echoLength = (_req: IncomingMessage, res: ServerResponse, body: Buffer) => {
  const out = JSON.stringify({ bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
  res.end(out)
}

t.test('slow request bodies do not starve other clients of the same upstream (request_buffering, the default)', async (t) => {
  // Two upstream connections, four clients sending 40 bytes at one byte per 25 ms:
  // streamed, two of them would hold both connections for a second.
  const { gw, up } = await setup(t, echoLength, { upstreamKeepalive: { poolSize: 2 } })
  let seen = 0
  up.server.on('request', () => seen++)
  const slow = Array.from({ length: 4 }, () => slowPost(gw, 40, 25))
  await until(() => slow.every((c) => c.left() < 40), 'every slow client started its body')
  const r = await fetchRaw(`${gw.url}/normal`)
  const stillSending = slow.filter((c) => c.left() > 0).length
  t.equal(r.status, 200, 'the normal client got its answer')
  t.equal(stillSending, 4, 'while every slow client was still sending its body')
  t.equal(seen, 1, 'the upstream had seen only the normal request: slow bodies are read whole first')
  for (const reply of await within(Promise.all(slow.map((c) => c.reply)), 5000, 'slow clients answered')) {
    t.match(reply, /^HTTP\/1\.1 200 /)
    t.match(reply, /"bytes":40/, 'the whole body reached the upstream')
  }
})

t.test('a body over client_body_buffer_size goes through a temp file, arrives intact, and the file is gone after', async (t) => {
  const tempDir = mkdtempSync(join(tmpdir(), 'gw-spool-'))
  let openWhileProxying = -1
  const { gw } = await setup(
    t,
    (req, res, body) => {
      openWhileProxying = openIn(tempDir)
      echoLength(req, res, body)
    },
    { limits: { bodyBufferBytes: 1024, tempDir } },
  )
  const body = Buffer.alloc(3 * 1024 * 1024, 7)
  const r = await fetchRaw(`${gw.url}/upload`, { method: 'POST', body: body.toString('latin1') })
  t.equal(r.status, 200)
  t.same(r.json(), { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') })
  t.equal(openWhileProxying, 1, 'the body was in a temp file while it went upstream')
  t.same(readdirSync(tempDir), [], 'the file has no name on disk at any time')
  await until(() => openIn(tempDir) === 0, 'the temp file closed after the exchange')
  t.pass('closed')
})

t.test('a client that goes away mid-body: its temp file is closed, the upstream never contacted', async (t) => {
  const tempDir = mkdtempSync(join(tmpdir(), 'gw-spool-'))
  const { gw, up } = await setup(t, echoLength, { limits: { bodyBufferBytes: 1024, tempDir } })
  let seen = 0
  up.server.on('request', () => seen++)
  const c = open(gw)
  c.socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n`)
  c.socket.write(Buffer.alloc(100_000, 1))
  await until(() => openIn(tempDir) === 1, 'the body spilled to a temp file')
  c.socket.destroy()
  await until(() => openIn(tempDir) === 0, 'the temp file closed once the client left')
  t.equal(seen, 0)
})

t.test('client_body_timeout: a client that stops sending its body is cut off without an answer (nginx), 408 in the log', async (t) => {
  const log: Record<string, unknown>[] = []
  const { gw, up } = await setup(t, echoLength, { limits: { bodyTimeoutMs: 200 }, accessLog: (e) => log.push(e) })
  let seen = 0
  up.server.on('request', () => seen++)
  const c = open(gw)
  c.socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello`)
  const received = await within(c.closed, 5000, 'the gateway closed the stalled connection')
  t.equal(received.length, 0, 'nothing was sent back, as nginx terminates the request')
  t.equal(seen, 0, 'the upstream was never contacted')
  await until(() => log.length === 1, 'the access log line')
  t.equal(log[0]?.status, 408)
})

t.test('client_body_timeout with request_buffering false: the streamed request to the upstream is aborted too', async (t) => {
  const log: Record<string, unknown>[] = []
  let upstreamAborted!: () => void
  const aborted = new Promise<void>((r) => (upstreamAborted = r))
  const up = createServer((req) => {
    req.on('data', () => {})
    req.on('close', () => {
      if (!req.complete) upstreamAborted()
    })
  })
  await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve))
  const gw = await gateway(
    `_format_version: "3.0"
services:
  - name: app
    url: http://127.0.0.1:${(up.address() as AddressInfo).port}
    routes: [{ name: app, paths: [/], request_buffering: false }]
`,
    { limits: { bodyTimeoutMs: 200 }, accessLog: (e) => log.push(e) },
  )
  t.teardown(async () => {
    await gw.close()
    up.closeAllConnections()
    await new Promise<void>((r) => up.close(() => r()))
  })
  const c = open(gw)
  c.socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello`)
  const received = await within(c.closed, 5000, 'the gateway closed the stalled connection')
  t.equal(received.length, 0)
  await within(aborted, 5000, 'the upstream request was aborted')
  await until(() => log.length === 1, 'the access log line')
  t.equal(log[0]?.status, 408)
})

const MB = 1024 * 1024
const BIG = 48 // MB: more than the kernel's socket buffers hold on loopback
const bigSha = (() => {
  const h = createHash('sha256')
  for (let i = 0; i < BIG; i++) h.update(Buffer.alloc(MB, i % 251))
  return h.digest('hex')
})()

/** The upstream: /big is BIG MB (and says when it has written all of it), anything else a small JSON. */
function bigOrSmall(onBigWritten: () => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/big') return echoLength(req, res, Buffer.alloc(0))
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG * MB })
    let i = 0
    const pump = () => {
      while (i < BIG) if (!res.write(Buffer.alloc(MB, i++ % 251))) return void res.once('drain', pump)
      res.end()
    }
    res.once('finish', onBigWritten)
    pump()
  }
}

t.test('response_buffering (the default): a reader that stops reading does not hold the upstream connection', async (t) => {
  const tempDir = mkdtempSync(join(tmpdir(), 'gw-spool-'))
  let bigWritten!: () => void
  const written = new Promise<void>((r) => (bigWritten = r))
  const { gw } = await setup(t, bigOrSmall(bigWritten), { upstreamKeepalive: { poolSize: 1 }, limits: { proxyBufferBytes: 64 * 1024, tempDir } })
  const slow = open(gw)
  slow.socket.pause() // reads nothing for now
  slow.socket.write('GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  await within(written, 10_000, 'the upstream wrote its whole answer while the client read nothing')
  t.equal(openIn(tempDir), 1, 'what the client has not read waits in a temp file')
  const r = await within(fetchRaw(`${gw.url}/small`), 5000, 'another request on the only upstream connection')
  t.equal(r.status, 200, 'the one upstream connection was free for another client')
  slow.socket.resume()
  const raw = await within(slow.closed, 10_000, 'the slow reader got everything')
  const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4)
  t.equal(body.length, BIG * MB)
  t.equal(createHash('sha256').update(body).digest('hex'), bigSha, 'intact and in order')
  await until(() => openIn(tempDir) === 0, 'the temp file closed')
})

t.test('send_timeout: a client that reads nothing is disconnected, and what was held for it released', async (t) => {
  const tempDir = mkdtempSync(join(tmpdir(), 'gw-spool-'))
  let gaveUp!: () => void
  const over = new Promise<void>((r) => (gaveUp = r))
  const { gw } = await setup(
    t,
    bigOrSmall(() => {}),
    {
      limits: { sendTimeoutMs: 200, proxyBufferBytes: 64 * 1024, tempDir },
      // The exchange is over for the gateway: its log line is written.
      accessLog: () => gaveUp(),
    },
  )
  const slow = open(gw)
  slow.socket.pause() // reads nothing
  slow.socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n')
  await within(over, 10_000, 'the gateway gave up on a client that read nothing')
  await until(() => openIn(tempDir) === 0, 'the temp file closed')
  // Reading now: what was already in flight, then the end of a cut answer.
  slow.socket.resume()
  const raw = await within(slow.closed, 10_000, 'the connection ends')
  t.ok(raw.length < BIG * MB, `the answer was cut (${raw.length} of ${BIG * MB} bytes)`)
})

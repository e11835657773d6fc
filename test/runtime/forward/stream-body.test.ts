// Per-chunk body filters (KitResponse.streamBody, Kong's body_filter on
// ngx.arg[1] / ngx.arg[2]): a plugin rewrites a proxied answer as it passes,
// without it being buffered; several chain in plugin order; Content-Length
// goes; the response_buffering spool and backpressure still hold for a slow
// reader; HTTP/1.1 and HTTP/2 listeners; a filter that throws is logged and
// cuts the connection, and the gateway serves on.
import { createHash } from 'node:crypto'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import * as z from 'zod'
import { pluginSet, type CustomPlugin } from '../../../src/plugins/set.js'
import { ANY_SCOPE, definePlugin, defineHandler, PROTOCOLS_ALL } from '../../../src/plugins/types.js'
import { gateway } from '../../helpers/gateway.js'
import { h2Request, h2Session } from '../../helpers/h2.js'

const MB = 1024 * 1024
const CHUNKS = 20

const config = z.strictObject({
  /** Wraps each chunk as `<tag:chunk>`; the end adds `<tag:end>`. */
  tag: z.string().default('f'),
  /** Passes bytes unchanged, adds `<tag:end>` at the end only. */
  pass: z.boolean().default(false),
  /** Throws on the chunk with this index (0-based). */
  throw_at: z.number().int().optional(),
})

function chunker(name: string, priority: number): CustomPlugin {
  const definition = definePlugin({ name, priority, version: '0.0.0', config, protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE })
  const handler = defineHandler<z.infer<typeof config>>({
    name,
    create(conf) {
      return {
        headerFilter(kit) {
          let n = 0
          kit.response.streamBody((chunk, last) => {
            if (conf.throw_at !== undefined && n++ === conf.throw_at) throw new Error(`${name} exploded`)
            const end = last ? `<${conf.tag}:end>` : ''
            if (conf.pass) return end === '' ? chunk : Buffer.concat([chunk, Buffer.from(end)])
            return chunk.length > 0 ? `<${conf.tag}:${chunk.toString('latin1')}>${end}` : end
          })
        },
        bodyFilter(_kit, body) {
          return Buffer.concat([body, Buffer.from('<whole-body filter ran>')])
        },
      }
    },
  })
  return { definition, handler: handler as CustomPlugin['handler'] }
}

const plugins = pluginSet([chunker('chunker-a', 2017), chunker('chunker-b', 1017)])

function deferred<T = void>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void>; server: Server }> {
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

interface Lines {
  who: string
  msg: string
  fields: Record<string, unknown>
}

async function start(
  t: Test,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  pluginYaml: string,
  opts: { routeFields?: string; listen?: string } = {},
) {
  const up = await listen(handler)
  const lines: Lines[] = []
  const pluginLog = (p: { name: string }) => {
    const rec = (msg: string, fields?: Record<string, unknown>) => lines.push({ who: p.name, msg, fields: fields ?? {} })
    return { error: rec, warn: rec, info: rec, debug: rec }
  }
  const gw = await gateway(
    `_format_version: "3.0"
services:
  - name: app
    url: ${up.url}
    routes:
      - name: app
        paths: [/]${opts.routeFields ?? ''}
        plugins:
${pluginYaml}
`,
    { plugins, pluginLog, ...(opts.listen ? { listen: [opts.listen] } : {}) },
  )
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  return { gw, lines }
}

/** A raw HTTP/1.1 GET: the head, then each body chunk as the client sees it. */
function get(url: string, path: string, onChunk?: (c: Buffer) => void) {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer; error?: Error }>((resolve) => {
    const { hostname, port } = new URL(url)
    const chunks: Buffer[] = []
    let head: IncomingMessage | undefined
    const req = request({ hostname, port, path, agent: false }, (res) => {
      head = res
      res.on('data', (c: Buffer) => {
        chunks.push(c)
        onChunk?.(c)
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', (error) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error }))
    })
    req.on('error', (error) => resolve({ status: head?.statusCode ?? 0, headers: head?.headers ?? {}, body: Buffer.concat(chunks), error }))
    req.end()
  })
}

const one = (name: string, conf = '{}') => `          - name: ${name}\n            config: ${conf}\n`

t.test('each chunk is rewritten as it passes: the client has the first before the upstream sends the second', async (t) => {
  const seen = deferred()
  const { gw } = await start(
    t,
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10' })
      res.write('hello')
      // The rest only once the client got the first chunk, rewritten: nothing waited for the whole body.
      void seen.promise.then(() => res.end('world'))
    },
    one('chunker-a'),
  )
  let first = ''
  const r = await get(gw.url, '/', (c) => {
    if (first === '') {
      first = c.toString()
      seen.resolve()
    }
  })
  t.equal(r.status, 200)
  t.equal(first, '<f:hello>', 'the first chunk arrived rewritten before the upstream went on')
  t.equal(r.body.toString(), '<f:hello><f:world><f:end>', 'the last call adds its end')
  t.equal(r.headers['content-length'], undefined, 'the upstream length is dropped')
  t.equal(r.headers['transfer-encoding'], 'chunked')
  t.notMatch(r.body.toString(), /whole-body filter ran/, "the plugin's whole-body filter is out for this answer")
})

t.test('two plugins chain in plugin order (higher priority first)', async (t) => {
  const { gw } = await start(
    t,
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('x')
    },
    one('chunker-b', '{ tag: b }') + one('chunker-a', '{ tag: a }'),
  )
  const r = await get(gw.url, '/')
  t.equal(r.body.toString(), '<b:<a:x>><b:<a:end>><b:end>', 'a (priority 2017) runs first, b rewrites what a made')
})

t.test('a filter that throws: logged as that plugin body_filter crash, the client is cut off, the gateway serves on', async (t) => {
  // Each answer's second chunk waits until the client got the first.
  let seen = deferred()
  const { gw, lines } = await start(
    t,
    (_req, res) => {
      const gate = seen
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('one')
      void gate.promise.then(() => res.end('two'))
    },
    one('chunker-a', '{ throw_at: 1 }'),
  )
  const r = await get(gw.url, '/', () => seen.resolve())
  t.equal(r.status, 200, 'the head was out')
  t.ok(r.error, 'the client sees a cut connection, not a complete answer')
  t.equal(r.body.toString(), '<f:one>')
  t.same(
    lines.filter((l) => l.msg === 'plugin failed').map((l) => [l.who, l.fields.phase]),
    [['chunker-a', 'body_filter']],
  )
  seen = deferred()
  const r2 = await get(gw.url, '/', () => seen.resolve())
  t.ok(r2.error, 'the next request runs (and fails the same way)')
})

t.test('an answer the gateway makes whole: the filter sees it once, as the last chunk; its length is announced', async (t) => {
  const { gw } = await start(t, () => {}, one('chunker-a') + '          - name: request-termination\n            config: { status_code: 418, body: teapot }\n')
  const r = await get(gw.url, '/')
  t.equal(r.status, 418)
  t.equal(r.body.toString(), '<f:teapot><f:end>')
  t.equal(r.headers['content-length'], String(r.body.length))
})

const blob = (i: number) => Buffer.alloc(MB, i % 251)
const expectedSha = (() => {
  const h = createHash('sha256')
  for (let i = 0; i < CHUNKS; i++) h.update(blob(i))
  h.update('<f:end>')
  return h.digest('hex')
})()

function bigUpstream(finished: { resolve(): void }) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(CHUNKS * MB) })
    let i = 0
    const pump = () => {
      while (i < CHUNKS) {
        if (!res.write(blob(i++))) return void res.once('drain', pump)
      }
      res.end()
    }
    res.on('finish', () => finished.resolve())
    pump()
  }
}

/** A client that reads nothing until `go` resolves, then hashes the body. */
function slowRead(url: string, go: Promise<void>) {
  return new Promise<{ status: number; length: string | undefined; bytes: number; sha: string }>((resolve, reject) => {
    const { hostname, port } = new URL(url)
    request({ hostname, port, path: '/', agent: false }, (res) => {
      res.pause()
      const hash = createHash('sha256')
      let bytes = 0
      res.on('data', (c: Buffer) => {
        bytes += c.length
        hash.update(c)
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], bytes, sha: hash.digest('hex') }))
      res.on('error', reject)
      void go.then(() => res.resume())
    })
      .on('error', reject)
      .end()
  })
}

t.test('slow reader, response_buffering on: the upstream finishes while the client reads nothing; every filtered byte arrives', async (t) => {
  const finished = deferred()
  const { gw } = await start(t, bigUpstream(finished), one('chunker-a', '{ pass: true }'))
  const r = await slowRead(gw.url, finished.promise)
  t.equal(r.status, 200)
  t.equal(r.length, undefined)
  t.equal(r.bytes, CHUNKS * MB + '<f:end>'.length)
  t.equal(r.sha, expectedSha, 'in order, with the end the filter added')
})

t.test('slow reader, response_buffering off: the upstream is held back until the client reads', async (t) => {
  const finished = deferred()
  let upstreamSocket: { bytesWritten: number } | undefined
  const big = bigUpstream(finished)
  const { gw } = await start(
    t,
    (req, res) => {
      upstreamSocket = req.socket
      big(req, res)
    },
    one('chunker-a', '{ pass: true }'),
    { routeFields: '\n        response_buffering: false' },
  )
  let finishedEarly = false
  void finished.promise.then(() => (finishedEarly = true))
  const stalled = (async () => {
    // Waits until what the upstream has sent stops growing (the gateway stopped reading it).
    let last = -1
    let same = 0
    for (let i = 0; i < 500 && same < 5; i++) {
      await new Promise((r) => setTimeout(r, 20))
      const now = upstreamSocket?.bytesWritten ?? 0
      same = now > 0 && now === last ? same + 1 : 0
      last = now
    }
    t.equal(finishedEarly, false, 'the upstream could not finish while the client read nothing')
    t.ok(last < CHUNKS * MB, `the upstream was held back after ${last} bytes`)
  })()
  const r = await slowRead(gw.url, stalled)
  t.equal(r.bytes, CHUNKS * MB + '<f:end>'.length)
  t.equal(r.sha, expectedSha)
})

t.test('an HTTP/2 listener: the same rewriting, no length', async (t) => {
  const { gw } = await start(
    t,
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' })
      res.end('hello')
    },
    one('chunker-a'),
    { listen: '127.0.0.1:0 http2' },
  )
  const session = await h2Session(`http://${gw.proxy[0]}`)
  t.teardown(() => session.close())
  const r = await h2Request(session, { ':method': 'GET', ':path': '/' })
  t.equal(r.status, 200)
  t.equal(r.body, '<f:hello><f:end>')
  t.equal(r.headers['content-length'], undefined)
})

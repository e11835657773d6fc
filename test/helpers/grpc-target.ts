// gRPC targets for the grpc-web and grpc-gateway tests: the services of
// Kong's specs (hello.HelloService, targetservice.Bouncer, as Kong's grpcbin
// and Go target answer them), on a real gRPC server (@grpc/grpc-js over
// HTTP/2, for `protocol: grpc` services), or as gRPC's framing over HTTP/1.1
// with node:http, whose answers name their grpc-status in the response
// headers as a Trailers-Only answer does. The test sees every call.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { frame, unframeAll } from '../../src/plugins/shared/grpc/frame.js'
import { loadProto, type LoadedProto } from '../../src/plugins/shared/grpc/proto.js'

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'grpc')

type Msg = Record<string, any>
type Impl = (req: Msg) => Msg

const iso = (ts: Msg | undefined) => new Date(Number(ts?.seconds ?? 0) * 1000).toISOString().replace('.000Z', 'Z')

/** Go's time.Duration text for whole seconds (`5m15s`). */
function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`
}

/** What Kong's targets answer (spec/fixtures/grpc/target/grpc-target.go, grpcbin's hello service). */
export const IMPLEMENTATIONS: Readonly<Record<string, Impl>> = {
  '/hello.HelloService/SayHello': (req) => ({ reply: `hello ${req.greeting ?? 'noname'}` }),
  '/targetservice.Bouncer/SayHello': (req) => ({ reply: `hello ${req.greeting}`, boolean_test: req.boolean_test }),
  '/targetservice.Bouncer/BounceIt': (req) => ({
    reply: `hello ${req.message}`,
    time_message: `${iso(req.when)} was ${goDuration(Number(req.now?.seconds ?? 0) - Number(req.when?.seconds ?? 0))} ago`,
    now: req.now,
  }),
  '/targetservice.Bouncer/GrowTail': (req) => ({ ...req, tail: { ...req.tail, count: (req.tail?.count ?? 0) + 1 } }),
  '/targetservice.Bouncer/Echo': (req) => req,
  // Not Kong's: echoes test/fixtures/grpc/shapes.proto's message for the JSON mapping tests.
  '/shapes.Shapes/Get': (req) => req,
}

export interface SeenCall {
  path: string
  headers: IncomingHttpHeaders
  /** The request's first message, decoded (undefined when the path is not a known method). */
  message: Msg | undefined
  body: Buffer
}

export interface GrpcTarget {
  url: string
  calls: SeenCall[]
  close(): Promise<void>
}

/** A gRPC target over HTTP/1.1 for the methods of `protos` that IMPLEMENTATIONS has (others answer UNIMPLEMENTED). */
export async function startHttp1GrpcTarget(protos: readonly string[]): Promise<GrpcTarget> {
  const loaded: LoadedProto[] = protos.map((p) => loadProto(join(FIXTURES, p)))
  const calls: SeenCall[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const path = req.url ?? '/'
      const method = loaded.map((l) => l.methods.get(path)).find((m) => m !== undefined)
      const impl = IMPLEMENTATIONS[path]
      const first = unframeAll(body).frames[0]
      const message = method && first ? (method.input.toObject(method.input.decode(first), { longs: String, defaults: true }) as Msg) : undefined
      calls.push({ path, headers: req.headers, message, body })
      if (!method || !impl || !message) {
        res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': '12', 'grpc-message': `unknown method ${path}` })
        return res.end()
      }
      const out = method.output.encode(method.output.fromObject(impl(message))).finish()
      res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': '0' })
      res.end(frame(0, Buffer.from(out)))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Kong's mock upstream (the specs' `grpc_mock.example`): an empty gRPC answer that names the Host and TE it received. */
export async function startMockTarget(): Promise<GrpcTarget> {
  const calls: SeenCall[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      calls.push({ path: req.url ?? '/', headers: req.headers, message: undefined, body: Buffer.alloc(0) })
      res.writeHead(200, { 'content-type': 'application/grpc', 'received-host': req.headers.host ?? '', 'received-te': req.headers.te ?? '' })
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The same services on a real gRPC server (@grpc/grpc-js, HTTP/2 cleartext):
 * the unary methods IMPLEMENTATIONS has (others answer UNIMPLEMENTED, as
 * Kong's Go target does), and server-streaming ones three replies. No
 * metadata of its own, so answers are the bytes Kong's spec expects.
 */
export async function startGrpcJsTarget(protos: readonly string[]): Promise<GrpcTarget & { port: number }> {
  const grpc = await import('@grpc/grpc-js')
  const loader = await import('@grpc/proto-loader')
  const { createRequire } = await import('node:module')
  const { dirname } = await import('node:path')
  const protobufDir = dirname(createRequire(import.meta.url).resolve('protobufjs/package.json'))
  const calls: SeenCall[] = []
  const server = new grpc.Server()
  for (const file of protos) {
    const def = loader.loadSync(join(FIXTURES, file), { keepCase: true, longs: String, defaults: true, includeDirs: [FIXTURES, protobufDir] })
    for (const value of Object.values(def)) {
      if (!('format' in value) && typeof value === 'object' && Object.values(value).some((m) => typeof m === 'object' && m !== null && 'path' in m)) {
        const service = value as Record<string, { path: string; responseStream: boolean }>
        const impl: Record<string, unknown> = {}
        for (const [method, m] of Object.entries(service)) {
          const path = m.path
          const record = (call: { metadata: { getMap(): Record<string, unknown> }; request?: Msg }) =>
            calls.push({ path, headers: call.metadata.getMap() as IncomingHttpHeaders, message: call.request, body: Buffer.alloc(0) })
          if (m.responseStream) {
            impl[method] = (call: any) => {
              record(call)
              for (let i = 1; i <= 3; i++) call.write({ reply: `hello ${call.request.greeting} ${i}` })
              call.end()
            }
          } else {
            impl[method] = (call: any, callback: (err: unknown, res?: Msg) => void) => {
              record(call)
              const f = IMPLEMENTATIONS[path]
              if (!f) return callback({ code: grpc.status.UNIMPLEMENTED, details: `unknown method ${path}` })
              callback(null, f(call.request))
            }
          }
        }
        server.addService(service as never, impl as never)
      }
    }
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  )
  return {
    port,
    url: `grpc://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve())
        setTimeout(() => server.forceShutdown(), 1000).unref()
      }),
  }
}

// A real gRPC upstream for the gateway's gRPC tests: an @grpc/grpc-js server of
// hello.HelloService (test/fixtures/grpc/hello.proto) on 127.0.0.1:0, cleartext or
// TLS (optionally requiring a client certificate). Each call is recorded with
// what the upstream saw (:authority, path, metadata, deadline, client certificate);
// greetings steer it: `fail` answers NOT_FOUND, `hang` never answers (the
// deadline, when there is one, ends the call as grpc-js does: DEADLINE_EXCEEDED).
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as loader from '@grpc/proto-loader'

export const PROTO = join(import.meta.dirname, '..', 'fixtures', 'grpc', 'hello.proto')

interface HelloRequest {
  greeting: string
}
interface HelloResponse {
  reply: string
}

export interface GrpcCall {
  method: string
  /** The :authority the upstream saw. */
  host: string
  /** The request's metadata (headers), pseudo-headers and grpc-timeout aside. */
  metadata: Record<string, string>
  /** Milliseconds the call had left when it arrived; undefined without a deadline. */
  deadlineMs: number | undefined
  /** The client certificate's subject CN (TLS upstreams asking for one). */
  clientCn: string | undefined
}

export interface GrpcUpstream {
  port: number
  calls: GrpcCall[]
  /** Emits 'greeting' (text) for each message of a client stream, as it arrives, and 'cancelled' when a call is cancelled. */
  events: EventEmitter
  close(): Promise<void>
}

/** The proto's package definition, for grpc-js clients. */
export function helloPackage(): grpc.GrpcObject {
  const def = loader.loadSync(PROTO, { keepCase: true, defaults: true })
  return grpc.loadPackageDefinition(def)
}

export interface GrpcTls {
  cert: string
  key: string
  /** Client certificates are required and checked against this CA. */
  clientCa?: string
}

export async function startGrpcUpstream(tls?: GrpcTls): Promise<GrpcUpstream> {
  const hello = helloPackage().hello as grpc.GrpcObject
  const service = (hello.HelloService as grpc.ServiceClientConstructor).service
  const calls: GrpcCall[] = []
  const events = new EventEmitter()
  const record = (method: string, call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown>) => {
    const metadata: Record<string, string> = {}
    for (const [k, v] of Object.entries(call.metadata.getMap())) metadata[k] = Buffer.isBuffer(v) ? v.toString('base64') : v
    const deadline = call.getDeadline()
    const at = deadline instanceof Date ? deadline.getTime() : deadline
    const cert = call.getAuthContext().sslPeerCertificate
    call.on('cancelled', () => events.emit('cancelled', method))
    calls.push({
      method,
      host: call.getHost(),
      metadata,
      deadlineMs: Number.isFinite(at) ? at - Date.now() : undefined,
      clientCn: (cert?.subject as { CN?: string } | undefined)?.CN,
    })
  }
  const trailer = (value: string) => {
    const m = new grpc.Metadata()
    m.set('x-upstream-trailer', value)
    return m
  }
  const server = new grpc.Server()
  server.addService(service, {
    SayHello(call: grpc.ServerUnaryCall<HelloRequest, HelloResponse>, done: grpc.sendUnaryData<HelloResponse>) {
      record('SayHello', call)
      const greeting = call.request.greeting
      if (greeting === 'hang') return
      if (greeting === 'fail') return done({ code: grpc.status.NOT_FOUND, details: 'no such greeting', metadata: trailer('failed') })
      const head = new grpc.Metadata()
      head.set('x-upstream-header', 'from-upstream')
      call.sendMetadata(head)
      done(null, { reply: `hello ${greeting}` }, trailer(greeting))
    },
    LotsOfReplies(call: grpc.ServerWritableStream<HelloRequest, HelloResponse>) {
      record('LotsOfReplies', call)
      for (let i = 1; i <= 3; i++) call.write({ reply: `hello ${call.request.greeting} #${i}` })
      call.end(trailer('replies'))
    },
    LotsOfGreetings(call: grpc.ServerReadableStream<HelloRequest, HelloResponse>, done: grpc.sendUnaryData<HelloResponse>) {
      record('LotsOfGreetings', call)
      const seen: string[] = []
      call.on('data', (m: HelloRequest) => {
        seen.push(m.greeting)
        events.emit('greeting', m.greeting)
      })
      call.on('end', () => done(null, { reply: `hello ${seen.join(', ')}` }, trailer(String(seen.length))))
    },
    BidiHello(call: grpc.ServerDuplexStream<HelloRequest, HelloResponse>) {
      record('BidiHello', call)
      call.on('data', (m: HelloRequest) => call.write({ reply: `hello ${m.greeting}` }))
      call.on('end', () => call.end(trailer('bidi')))
    },
  })
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(
        tls.clientCa ? Buffer.from(tls.clientCa) : null,
        [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
        !!tls.clientCa,
      )
    : grpc.ServerCredentials.createInsecure()
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))))
  return {
    port,
    calls,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown()
        resolve()
      }),
  }
}

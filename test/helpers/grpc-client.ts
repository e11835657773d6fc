// grpc-js clients of hello.HelloService (test/fixtures/grpc/hello.proto) for the gateway's
// gRPC tests over HTTP/2: over TLS to its TLS listener (trusting the test CA, for `localhost`),
// or h2c to an `http2` listener; and a unary call that keeps what the client saw.
import { readFileSync } from 'node:fs'
import * as grpc from '@grpc/grpc-js'
import { helloPackage } from './grpc-upstream.js'

export interface Reply {
  reply: string
}
export type Hello = grpc.Client & {
  SayHello(req: { greeting: string }, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, r?: Reply) => void): grpc.ClientUnaryCall
  LotsOfReplies(req: { greeting: string }, md?: grpc.Metadata): grpc.ClientReadableStream<Reply>
  LotsOfGreetings(md: grpc.Metadata, cb: (err: grpc.ServiceError | null, r?: Reply) => void): grpc.ClientWritableStream<{ greeting: string }>
  BidiHello(md?: grpc.Metadata): grpc.ClientDuplexStream<{ greeting: string }, Reply>
}

/** A client over TLS to `address` (the gateway's TLS listener); `authority` routes by host. */
export function tlsClient(t: { teardown(fn: () => void): void }, address: string, authority = 'localhost'): Hello {
  const Ctor = (helloPackage().hello as grpc.GrpcObject).HelloService as grpc.ServiceClientConstructor
  const c = new Ctor(address, grpc.credentials.createSsl(readFileSync('test/fixtures/tls/ca.crt')), {
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': authority,
  }) as unknown as Hello
  t.teardown(() => c.close())
  return c
}

/** A cleartext (h2c) client to `address` (a listener with the `http2` flag). */
export function h2cClient(t: { teardown(fn: () => void): void }, address: string, authority: string): Hello {
  const Ctor = (helloPackage().hello as grpc.GrpcObject).HelloService as grpc.ServiceClientConstructor
  const c = new Ctor(address, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority }) as unknown as Hello
  t.teardown(() => c.close())
  return c
}

export interface Outcome {
  err: grpc.ServiceError | null
  reply: Reply | undefined
  headers: Record<string, string>
  trailers: Record<string, string>
}

const flat = (m: grpc.Metadata) => Object.fromEntries(Object.entries(m.getMap()).map(([k, v]) => [k, String(v)]))

/** A unary call: its error or reply, with the response headers and trailers it got. */
export function say(c: Hello, greeting: string, meta: Record<string, string> = {}, opts: grpc.CallOptions = {}): Promise<Outcome> {
  const md = new grpc.Metadata()
  for (const [k, v] of Object.entries(meta)) md.set(k, v)
  return new Promise((resolve) => {
    const out: Outcome = { err: null, reply: undefined, headers: {}, trailers: {} }
    let pending = 2
    const done = () => --pending === 0 && resolve(out)
    const call = c.SayHello({ greeting }, md, opts, (err, reply) => {
      out.err = err
      out.reply = reply
      done()
    })
    call.on('metadata', (m) => (out.headers = flat(m)))
    call.on('status', (s) => {
      out.trailers = flat(s.metadata)
      done()
    })
  })
}

// gRPC calls by hand over HTTP/1.1 (Node's http client, chunked, `TE: trailers`): the
// length-prefixed protobuf messages of hello.proto written as the request streams and read
// as the answer streams, and the trailers from `res.trailers`. For routes that take plain
// HTTP (`protocols: [http]`) in front of a gRPC service, as Kong allows.
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import protobuf from 'protobufjs'
import { PROTO } from './grpc-upstream.js'

const root = protobuf.loadSync(PROTO)
const HelloRequest = root.lookupType('hello.HelloRequest')
const HelloResponse = root.lookupType('hello.HelloResponse')

/** One gRPC message: flag 0 (not compressed), 4-byte length, the protobuf bytes. */
export function grpcFrame(greeting: string): Buffer {
  const msg = HelloRequest.encode({ greeting }).finish()
  const out = Buffer.alloc(5 + msg.length)
  out.writeUInt32BE(msg.length, 1)
  out.set(msg, 5)
  return out
}

export interface GrpcReply {
  status: number
  headers: IncomingHttpHeaders
  /** The decoded `reply` of each message. */
  replies: string[]
  /** The raw body, when it was not gRPC (a gateway error). */
  text: string
  trailers: NodeJS.Dict<string>
}

/** A call in progress: messages go out as they are sent; replies are read as they arrive. */
export interface OpenCall {
  send(greeting: string): void
  end(): void
  /** Drops the connection mid-call. */
  abort(): void
  /** The answer's head. */
  response: Promise<IncomingMessage>
  /** The next reply message (resolves as soon as it arrived). */
  next(): Promise<string>
  /** The whole answer, once it ended. */
  done: Promise<GrpcReply>
}

export function openCall(url: string, path: string, headers: Record<string, string> = {}): OpenCall {
  const replies: string[] = []
  const waiting: ((r: string) => void)[] = []
  let pending = Buffer.alloc(0)
  let raw = Buffer.alloc(0)
  let grpcBody = false
  const req = request(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/grpc', te: 'trailers', ...headers },
  })
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve)
    req.on('error', reject)
  })
  const done = response.then(
    (res) =>
      new Promise<GrpcReply>((resolve, reject) => {
        grpcBody = (res.headers['content-type'] ?? '').startsWith('application/grpc')
        res.on('data', (chunk: Buffer) => {
          raw = Buffer.concat([raw, chunk])
          if (!grpcBody) return
          pending = Buffer.concat([pending, chunk])
          while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
            const len = pending.readUInt32BE(1)
            const reply = (HelloResponse.decode(pending.subarray(5, 5 + len)) as unknown as { reply: string }).reply
            pending = pending.subarray(5 + len)
            const w = waiting.shift()
            if (w) w(reply)
            else replies.push(reply)
          }
        })
        res.on('error', reject)
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, replies: [...replies], text: raw.toString(), trailers: res.trailers })
        })
      }),
  )
  // Replies handed to next() are not kept for `done`: count them back in.
  const taken: string[] = []
  const whole = done.then((r) => ({ ...r, replies: [...taken, ...r.replies] }))
  return {
    send: (greeting) => void req.write(grpcFrame(greeting)),
    end: () => void req.end(),
    abort: () => {
      // The call ends in an error nobody waits for.
      response.catch(() => {})
      whole.catch(() => {})
      req.destroy()
    },
    response,
    next: () =>
      new Promise<string>((resolve) => {
        const r = replies.shift()
        if (r !== undefined) {
          taken.push(r)
          return resolve(r)
        }
        waiting.push((x) => {
          taken.push(x)
          resolve(x)
        })
      }),
    done: whole,
  }
}

/** A call whose messages are all sent at once. */
export function grpcCall(url: string, path: string, greetings: string[], headers: Record<string, string> = {}): Promise<GrpcReply> {
  const call = openCall(url, path, headers)
  for (const g of greetings) call.send(g)
  call.end()
  return call.done
}

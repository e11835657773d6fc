#!/usr/bin/env node
// Benchmark gRPC upstream (not a test): an @grpc/grpc-js server (cleartext HTTP/2)
// of one unary method, /hello.HelloService/SayHello (the service the gateway's gRPC
// tests use, test/fixtures/grpc/hello.proto), answering every call with the same
// 100-byte message, as bench/upstream.mjs answers HTTP with a 100-byte body. Messages
// are handled as raw bytes (no proto loading, no decoding): the benchmark measures
// the transport and the gateway, not protobuf. Started by bench/protocols.mjs in its
// own process; prints one JSON line {"msg":"listening","address":...}.
//
//   node bench/grpc-upstream.mjs [--listen 127.0.0.1:0]
import { parseArgs } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import { GRPC_METHOD, GRPC_REPLY, rawMethod } from './grpc-common.mjs'

const { values } = parseArgs({ options: { listen: { type: 'string', default: '127.0.0.1:0' } } })

const server = new grpc.Server()
server.addService({ SayHello: rawMethod(GRPC_METHOD) }, { SayHello: (_call, done) => done(null, GRPC_REPLY) })
server.bindAsync(values.listen, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    console.error(`grpc-upstream: ${err.message}`)
    process.exit(1)
  }
  const host = values.listen.slice(0, values.listen.lastIndexOf(':'))
  process.stdout.write(`${JSON.stringify({ msg: 'listening', role: 'grpc-upstream', address: `${host}:${port}` })}\n`)
})
const stop = () => server.tryShutdown(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

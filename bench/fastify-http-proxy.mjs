#!/usr/bin/env node
// Benchmark reference (not a test): plain fastify + @fastify/http-proxy with
// default options (no prefix: every path goes to the upstream).
//
//   node bench/fastify-http-proxy.mjs --upstream http://127.0.0.1:PORT [--listen 127.0.0.1:0]
// Prints one JSON line {"msg":"listening","address":"HOST:PORT"}.
import { parseArgs } from 'node:util'
import proxy from '@fastify/http-proxy'
import Fastify from 'fastify'

const { values } = parseArgs({ options: { upstream: { type: 'string' }, listen: { type: 'string', default: '127.0.0.1:0' } } })
if (!values.upstream) {
  console.error('fastify-http-proxy: --upstream http://HOST:PORT is required')
  process.exit(2)
}
const i = values.listen.lastIndexOf(':')
const app = Fastify()
app.register(proxy, { upstream: values.upstream })
await app.listen({ host: values.listen.slice(0, i) || '127.0.0.1', port: Number(values.listen.slice(i + 1)) })
const a = app.server.address()
process.stdout.write(`${JSON.stringify({ msg: 'listening', role: 'fastify-http-proxy', address: `${a.address}:${a.port}` })}\n`)
const stop = () => app.close().finally(() => process.exit(0))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

#!/usr/bin/env node
// Benchmark upstream (not a test): a minimal node:http server answering every
// request with the same 100-byte body, keep-alive. Started by bench/proxy.mjs
// in its own process; prints one JSON line {"msg":"listening","address":...}.
// Three paths answer JSON instead, for bench/lua.mjs: /_/uuid and /_/anything
// (httpbin's shapes, the request-callout seed's callouts) and /_/echo (the
// request's headers, to check what a plugin sent upstream).
//
//   node bench/upstream.mjs [--listen 127.0.0.1:0]
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { UUID_BODY, anythingBody } from './lua-snippets.mjs'

const { values } = parseArgs({ options: { listen: { type: 'string', default: '127.0.0.1:0' } } })
const [host, port] = splitListen(values.listen)

const BODY = Buffer.alloc(100, 'x')
const HEADERS = { 'content-type': 'text/plain', 'content-length': String(BODY.length) }

const json = (body) => {
  const b = Buffer.from(JSON.stringify(body))
  return [b, { 'content-type': 'application/json', 'content-length': String(b.length) }]
}
const UUID = json(UUID_BODY)
const JSON_PATHS = {
  '/_/uuid': () => UUID,
  '/_/anything': (req) => json(anythingBody(`http://${req.headers.host}${req.url}`)),
  '/_/echo': (req) => json({ method: req.method, url: req.url, headers: req.headers }),
}

const server = createServer((req, res) => {
  const special = req.url.startsWith('/_/') ? JSON_PATHS[req.url.split('?')[0]] : undefined
  if (special) {
    const [body, headers] = special(req)
    req.resume()
    req.on('end', () => res.writeHead(200, headers).end(body))
    return
  }
  // Drain any request body before answering (keeps the connection reusable).
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    req.resume()
    req.on('end', () => res.writeHead(200, HEADERS).end(BODY))
    return
  }
  res.writeHead(200, HEADERS).end(BODY)
})
server.keepAliveTimeout = 65_000
server.headersTimeout = 66_000
server.listen(port, host, () => {
  const a = server.address()
  process.stdout.write(`${JSON.stringify({ msg: 'listening', role: 'upstream', address: `${a.address}:${a.port}` })}\n`)
})
const stop = () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

function splitListen(spec) {
  const i = spec.lastIndexOf(':')
  return [spec.slice(0, i) || '127.0.0.1', Number(spec.slice(i + 1))]
}

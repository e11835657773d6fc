#!/usr/bin/env node
// Benchmark reference (not a test): the floor of what a Node proxy costs.
// A node:http server forwarding every request to one origin through an undici
// Pool's `dispatch` (keep-alive, streaming both ways, hop-by-hop headers
// dropped). No routing, no header rewriting beyond Host, no logging.
//
//   node bench/bare-proxy.mjs --upstream http://127.0.0.1:PORT [--listen 127.0.0.1:0]
// Prints one JSON line {"msg":"listening","address":"HOST:PORT"}.
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'

const { values } = parseArgs({ options: { upstream: { type: 'string' }, listen: { type: 'string', default: '127.0.0.1:0' } } })
if (!values.upstream) {
  console.error('bare-proxy: --upstream http://HOST:PORT is required')
  process.exit(2)
}
const upstream = new URL(values.upstream)
const pool = new Pool(upstream.origin, { connections: 512, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 })

const HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']

const server = createServer((req, res) => {
  const headers = { ...req.headers, host: upstream.host }
  for (const h of HOP) delete headers[h]
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined
  let done = false
  pool.dispatch(
    { path: req.url, method: req.method, headers, body: hasBody ? req : null },
    {
      onRequestStart(controller) {
        res.once('close', () => {
          if (!done) controller.abort(new Error('client closed'))
        })
      },
      onResponseStart(controller, status, upstreamHeaders) {
        if (status < 200) return
        for (const h of HOP) delete upstreamHeaders[h]
        res.writeHead(status, upstreamHeaders)
        res.on('drain', () => controller.resume())
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) controller.pause()
      },
      onResponseEnd() {
        done = true
        res.end()
      },
      onResponseError(_controller, err) {
        done = true
        if (res.headersSent) return res.destroy(err)
        res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n')
      },
    },
  )
})
server.listen(...listenArgs(values.listen), () => {
  const a = server.address()
  process.stdout.write(`${JSON.stringify({ msg: 'listening', role: 'bare-proxy', address: `${a.address}:${a.port}` })}\n`)
})
const stop = () => {
  server.close()
  server.closeAllConnections()
  pool.close().finally(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

function listenArgs(spec) {
  const i = spec.lastIndexOf(':')
  return [Number(spec.slice(i + 1)), spec.slice(0, i) || '127.0.0.1']
}

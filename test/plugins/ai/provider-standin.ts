// A provider API stand-in on 127.0.0.1:0 for the driver integration tests: it
// records each request and lets the test's `answer` decide, from what a real
// provider would look at (path, headers, JSON body), the status and body.
import { createServer, type IncomingMessage } from 'node:http'
import type { Test } from 'tap'
import { listenOnLoopback } from '../../helpers/listen.js'

export interface Seen {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  json: any
}

export interface Answer {
  status: number
  body: string
  type?: string
  headers?: Record<string, string>
  /** A streamed answer: each piece written on its own (chunked), the next one a turn later; `body` is then ignored. */
  chunks?: string[]
}

export interface ProviderStandIn {
  url: string
  seen: Seen[]
  last(): Seen
}

export async function providerStandIn(t: Test, answer: (s: Seen) => Answer): Promise<ProviderStandIn> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x')
      let json: any
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        json = undefined
      }
      const s: Seen = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, json }
      seen.push(s)
      const a = answer(s)
      res.writeHead(a.status, { 'content-type': a.type ?? 'application/json', ...a.headers })
      const pieces = a.chunks
      if (!pieces) return void res.end(a.body)
      let i = 0
      const next = () => {
        if (i === pieces.length || res.destroyed) return void res.end()
        res.write(pieces[i++])
        setImmediate(next)
      }
      next()
    })
  })
  const port = await listenOnLoopback(t, server)
  return { url: `http://127.0.0.1:${port}`, seen, last: () => seen[seen.length - 1]! }
}

// An echo upstream on 127.0.0.1:0: answers with what it received, as JSON.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Echo {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
  /** Which upstream answered (for balancing tests). */
  name: string
}

export interface Upstream {
  server: Server
  port: number
  url: string
  requests: Echo[]
  close(): Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

export async function startUpstream(name = 'upstream', handler?: Handler): Promise<Upstream> {
  const requests: Echo[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const echo: Echo = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, name }
      requests.push(echo)
      if (handler) return handler(req, res, body)
      const out = JSON.stringify(echo)
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) })
      res.end(out)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

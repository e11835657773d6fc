// A request through node:http, for what undici refuses to send (Connection,
// Keep-Alive, Proxy-Connection, TE, a custom Host) and to read hop-by-hop
// response headers as the client sees them; the path goes out verbatim. A
// fresh connection per request.
import { request } from 'node:http'

export interface RawReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    // The path is sent as written: `new URL` would resolve `/./` and `/../`.
    const m = /^http:\/\/([^/]+)(.*)$/.exec(url)
    if (!m) throw new Error(`not an http URL: ${url}`)
    const { hostname, port } = new URL(`http://${m[1]}`)
    const target = { hostname, port, path: m[2] || '/', method: opts.method ?? 'GET', headers: opts.headers, agent: false }
    const req = request(target, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

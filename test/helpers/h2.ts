// HTTP/2 clients for the tests: Node's own http2 module, over TLS (ALPN h2) or cleartext (h2c, prior knowledge).
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2'

export interface H2Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
  json<T = Record<string, unknown>>(): T
}

/** A session to `authority` (`https://host:port` or `http://host:port`); TLS certificates are not checked. */
export async function h2Session(authority: string, servername = 'localhost'): Promise<ClientHttp2Session> {
  const session = connect(authority, { rejectUnauthorized: false, servername })
  await new Promise<void>((resolve, reject) => {
    // The server's SETTINGS are its first frame: once they are in, remoteSettings is the server's.
    session.once('remoteSettings', () => resolve())
    session.once('error', reject)
  })
  session.on('error', () => {})
  return session
}

/** One request on `session`, its body read in full. */
export function h2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string | Buffer): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined })
    let head: IncomingHttpHeaders = {}
    const chunks: Buffer[] = []
    stream.on('response', (h) => (head = h))
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      resolve({ status: Number(head[':status']), headers: head, body: text, json: () => JSON.parse(text) })
    })
    stream.on('error', reject)
    if (body !== undefined) stream.end(body)
  })
}

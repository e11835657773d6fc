// Raw HTTP/1.1 on one TCP connection: send bytes exactly as written (duplicate
// headers, no Host, bytes after the request) and read every byte until the
// server closes, then split what came back into responses by Content-Length.
import { connect } from 'node:net'

export interface WireResponse {
  status: number
  /** Lower-cased names; repeated headers keep every value. */
  headers: Record<string, string[]>
  body: string
}

/** Sends `text` on a fresh connection; resolves with everything read once the server closes it. */
export function exchange(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let out = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => (out += d))
    socket.on('error', reject)
    socket.on('close', () => resolve(out))
    socket.write(text)
  })
}

/** The responses in `raw`, in order (bodies framed by Content-Length). */
export function responses(raw: string): WireResponse[] {
  const out: WireResponse[] = []
  let rest = raw
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) throw new Error(`incomplete response head: ${JSON.stringify(rest)}`)
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n')
    const headers: Record<string, string[]> = {}
    for (const l of lines) {
      const i = l.indexOf(':')
      ;(headers[l.slice(0, i).trim().toLowerCase()] ??= []).push(l.slice(i + 1).trim())
    }
    const length = Number(headers['content-length']?.[0] ?? 0)
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) })
    rest = rest.slice(end + 4 + length)
  }
  return out
}

// Issue 12, item 5: the request head within nginx's limits as Kong sets them
// (`large_client_header_buffers 4 8k`): a request line over 8 KiB is 414, a
// header line over 8 KiB or a head over 4 x 8 KiB is 400 `Request header or
// cookie too large` in Kong's error template, never Node's 431 or Fastify's
// JSON; and more than 2,000 header lines are refused, not cut short.
import { connect } from 'node:net'
import t from 'tap'
import { DEFAULT_SERVER_TOKEN as SERVER_TOKEN } from '../../src/version.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

interface Answer {
  status: number
  headers: Record<string, string>
  body: string
}

/** Writes `head` on a fresh connection and reads one answer (its Content-Length, or up to the close). */
function send(url: string, head: string): Promise<Answer> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    const parse = (closed: boolean) => {
      const text = Buffer.concat(chunks).toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (end === -1) return closed ? reject(new Error(`no answer: ${JSON.stringify(text.slice(0, 200))}`)) : undefined
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim()
      const body = text.slice(end + 4)
      const length = headers['content-length']
      if (!closed && (length === undefined || body.length < Number(length))) return
      socket.destroy()
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body })
    }
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      parse(false)
    })
    socket.on('error', reject)
    socket.on('close', () => parse(true))
    socket.write(head)
  })
}

const YAML = `_format_version: "3.0"
services:
  - name: s
    url: $UPSTREAM
    routes: [{ name: r, paths: [/] }]
`

t.test('a header line over 8 KiB: 400 Request header or cookie too large, Kong template, not proxied', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  // spec/02-integration/05-proxy/13-error_handlers_spec.lua:28
  const r = await send(gw.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Large: ${'a'.repeat(10 * 1024)}\r\n\r\n`)
  t.equal(r.status, 400)
  t.equal(r.headers.server, SERVER_TOKEN)
  t.equal(r.headers['content-type'], 'text/plain; charset=utf-8')
  t.match(r.body, /^Request header or cookie too large\nrequest_id: [0-9a-f]{32}\n$/)
  t.equal(r.headers.connection, 'close')
  t.equal(up.requests.length, 0, 'the upstream never saw it')
})

t.test('the same refusal negotiates the template on Accept, as Kong’s error handler does', async (t) => {
  const { gw } = await pluginGateway(t, YAML)
  const r = await send(gw.url, `GET / HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nX-Large: ${'a'.repeat(9000)}\r\n\r\n`)
  t.equal(r.status, 400)
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(JSON.parse(r.body).message, 'Request header or cookie too large')
})

t.test('a header line just inside 8 KiB is proxied', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  const value = 'a'.repeat(8192 - 'X-Large: '.length - 2)
  const r = await send(gw.url, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Large: ${value}\r\n\r\n`)
  t.equal(r.status, 200)
  t.equal(up.requests[0]?.headers['x-large'], value)
})

t.test('a request line over 8 KiB: 414 URI too long', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  // spec/02-integration/05-proxy/04-plugins_triggering_spec.lua:955
  const r = await send(gw.url, `GET /?foo=${'a'.repeat(10 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`)
  t.equal(r.status, 414)
  t.match(r.body, /^URI too long\nrequest_id: [0-9a-f]{32}\n$/)
  t.equal(r.headers.server, SERVER_TOKEN)
  t.equal(up.requests.length, 0)
})

t.test('a head over 4 x 8 KiB (every line under 8 KiB): 400 in Kong’s template, not 431', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  const lines = Array.from({ length: 5 }, (_, i) => `X-Part-${i}: ${'b'.repeat(7000)}\r\n`).join('')
  const r = await send(gw.url, `GET / HTTP/1.1\r\nHost: x\r\n${lines}\r\n`)
  t.equal(r.status, 400)
  t.equal(r.headers.server, SERVER_TOKEN)
  t.match(r.body, /^Request header or cookie too large\nrequest_id: [0-9a-f]{32}\n$/)
  t.equal(r.headers['x-kong-request-id'], /request_id: ([0-9a-f]{32})/.exec(r.body)?.[1])
  t.equal(up.requests.length, 0)
})

t.test('a request line over the whole head’s bound: 414, not 431', async (t) => {
  const { gw } = await pluginGateway(t, YAML)
  const r = await send(gw.url, `GET /${'a'.repeat(40 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`)
  t.equal(r.status, 414)
  t.match(r.body, /^URI too long\n/)
})

t.test('2,001 header lines: refused, never proxied with some of them dropped', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  const filler = Array.from({ length: 1999 }, (_, i) => `X-H${i}: v\r\n`).join('')
  // The apikey is the 2,001st line (Host first): Node would have dropped it silently.
  const r = await send(gw.url, `GET / HTTP/1.1\r\nHost: x\r\n${filler}apikey: secret\r\n\r\n`)
  t.equal(r.status, 400)
  t.match(r.body, /^Request header or cookie too large\n/)
  t.equal(up.requests.length, 0)
})

t.test('2,000 header lines: all of them reach the upstream', async (t) => {
  const { gw, up } = await pluginGateway(t, YAML)
  // The gateway adds its own headers: the test upstream (Node too) must not cut the list either.
  up.server.maxHeadersCount = 0
  const filler = Array.from({ length: 1997 }, (_, i) => `X-H${i}: v\r\n`).join('')
  const r = await send(gw.url, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${filler}apikey: last\r\n\r\n`)
  t.equal(r.status, 200)
  t.equal(up.requests[0]?.headers.apikey, 'last', 'the 2,000th header arrived')
})

// HTTP/2 clients that misbehave: one that opens and resets streams as fast as
// it can (the "rapid reset" attack, CVE-2023-44487), and one that stops
// reading a stream. Neither may take the gateway down, keep what it held, or
// hold up the connection's other streams and other clients.
import { createServer } from 'node:http'
import { constants as h2constants } from 'node:http2'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { stringify } from 'yaml'
import { heap } from '../helpers/attack.js'
import { gateway } from '../helpers/gateway.js'
import { h2Request, h2Session } from '../helpers/h2.js'

async function bigUpstream(t: { teardown(fn: () => void): void }): Promise<string> {
  const up = createServer((req, res) => {
    if (req.url === '/big') {
      // 4 MiB, far more than a stream's flow-control window and the socket buffers.
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(64 * 1024, 98)
      let left = 64
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          left--
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end()
      }
      return pump()
    }
    res.end('small')
  })
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r))
  t.teardown(() => up.close())
  return `http://127.0.0.1:${(up.address() as AddressInfo).port}`
}

t.test('rapid reset: thousands of streams opened and reset leave the gateway serving, and nothing held', async (t) => {
  const url = await bigUpstream(t)
  const gw = await gateway(stringify({ _format_version: '3.0', services: [{ name: 's', url, routes: [{ name: 'r', paths: ['/'] }] }] }), {
    tlsListen: ['127.0.0.1:0'],
  })
  t.teardown(() => gw.close())
  const before = heap()
  const attacker = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => attacker.destroy())
  let sent = 0
  for (; sent < 5000 && !attacker.closed && !attacker.destroyed; sent++) {
    try {
      const s = attacker.request({ ':path': '/big' })
      s.on('error', () => {})
      s.close(h2constants.NGHTTP2_CANCEL)
    } catch {
      break // the gateway closed the session
    }
    if (sent % 100 === 99) await new Promise((r) => setImmediate(r))
  }
  t.ok(sent > 100, `the attacker got ${sent} streams out`)
  const bystander = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => bystander.close())
  const r = await h2Request(bystander, { ':path': '/small' })
  t.equal(r.status, 200, 'another client is served meanwhile')
  t.equal(r.body, 'small')
  attacker.destroy()
  // The exchanges the resets ended are torn down asynchronously (upstream aborts, spool files): give them time.
  let growth = heap().heap - before.heap
  for (let i = 0; i < 50 && growth >= 32 * 1024 * 1024; i++) {
    await new Promise((r) => setTimeout(r, 100))
    growth = heap().heap - before.heap
  }
  t.ok(growth < 32 * 1024 * 1024, `the heap kept ${Math.round(growth / 1024)} KiB once the attacker left`)
})

t.test('a stream the client stops reading is reset after send_timeout; its connection goes on', async (t) => {
  const url = await bigUpstream(t)
  const gw = await gateway(
    stringify({ _format_version: '3.0', services: [{ name: 's', url, routes: [{ name: 'r', paths: ['/'], response_buffering: false }] }] }),
    {
      tlsListen: ['127.0.0.1:0'],
      limits: { sendTimeoutMs: 300 },
    },
  )
  t.teardown(() => gw.close())
  const session = await h2Session(`https://${gw.tls[0]}`)
  t.teardown(() => session.close())
  const stalled = session.request({ ':path': '/big' })
  stalled.on('error', () => {})
  await new Promise((r) => stalled.once('response', r))
  stalled.pause()
  const code = await new Promise<number>((resolve) => stalled.once('close', () => resolve(stalled.rstCode ?? 0)))
  // nginx resets a stream whose client timed out with PROTOCOL_ERROR (ngx_http_v2_close_stream).
  t.equal(code, h2constants.NGHTTP2_PROTOCOL_ERROR, 'the gateway reset the stalled stream')
  t.notOk(session.closed || session.destroyed, 'the connection stays open')
  const r = await h2Request(session, { ':path': '/small' })
  t.equal(r.status, 200, 'and serves its next stream')
})

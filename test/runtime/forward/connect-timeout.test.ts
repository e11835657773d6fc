// Issue 12, item 19: a service's connect_timeout below one second is honoured.
// The "upstream" accepts TCP and never answers the TLS handshake, so every try
// of an https service ends on its connect timeout (undici counts the handshake
// in it); the answer is Kong's 504 after 1 + retries tries.
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { fetchRaw, gateway } from '../../helpers/gateway.js'

async function silentServer() {
  const held: Socket[] = []
  let accepted = 0
  const server = createServer((socket) => {
    accepted++
    held.push(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of held) s.destroy()
        server.close(() => resolve())
      }),
  }
}

t.test('connect_timeout 1 ms with 5 retries: six short tries, then 504, well under one second', async (t) => {
  const up = await silentServer()
  const gw = await gateway(`_format_version: "3.0"
services:
  - name: slow-handshake
    url: https://127.0.0.1:${up.port}
    connect_timeout: 1
    retries: 5
    routes: [{ name: r, paths: [/] }]
`)
  t.teardown(async () => {
    await gw.close()
    await up.close()
  })
  // Not a speed measurement: undici's own connect timer ticks on a 1 s clock,
  // so a single try took 0.5-1 s before the fix and six took about 6 s. Six
  // 1 ms tries fit in the deadline below by a factor of more than 100.
  let deadline: NodeJS.Timeout | undefined
  const tooLate = new Promise<'too late'>((resolve) => (deadline = setTimeout(() => resolve('too late'), 1000)))
  const r = await Promise.race([fetchRaw(`${gw.url}/`), tooLate]).finally(() => clearTimeout(deadline))
  t.not(r, 'too late', 'the six tries ended before one second had passed')
  if (r === 'too late') return
  t.equal(r.status, 504)
  t.match(r.body, /The upstream server is timing out/)
  t.equal(up.accepted(), 6, 'the first try and five retries each opened a connection')
})

// Issue 12, item 16: /status as Kong's. configuration_hash is the MD5 of the file
// (32 zeros for an empty one); the `server` block has nginx's seven counters,
// counted on the proxy listeners' real connections.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../helpers/gateway.js'
import { startUpstream } from '../helpers/upstream.js'

interface Server {
  total_requests: number
  connections_active: number
  connections_accepted: number
  connections_handled: number
  connections_reading: number
  connections_writing: number
  connections_waiting: number
}
interface Status {
  configuration_hash: string
  server: Server
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await read()
    if (ok(v) || i >= 200) return v
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('configuration_hash is the MD5 of the file being served, 32 hex characters', async (t) => {
  const gw = await gateway('_format_version: "3.0"\nroutes: [{ name: r, paths: [/] }]\n', { adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  const s = (await fetchRaw(`${gw.adminUrl}/status`)).json<Status>()
  // spec/02-integration/02-cmd/02-start_stop_spec.lua:496-498
  t.match(s.configuration_hash, /^[0-9a-f]{32}$/)
  t.equal(s.configuration_hash, md5(readFileSync(gw.file, 'utf8')), "Kong's: the MD5 of the file's contents")
  t.not(s.configuration_hash, '0'.repeat(32))
})

t.test('an empty configuration has the hash of no configuration: 32 zeros', async (t) => {
  const gw = await gateway('_format_version: "3.0"\n', { adminListen: '127.0.0.1:0' })
  t.teardown(() => gw.close())
  // spec/02-integration/02-cmd/02-start_stop_spec.lua:518-519
  t.equal((await fetchRaw(`${gw.adminUrl}/status`)).json<Status>().configuration_hash, '0'.repeat(32))
})

t.test('the server block: each connection in its nginx state, every request counted', { timeout: 10_000 }, async (t) => {
  // The upstream holds /held until released: that request stays in flight.
  const held: (() => void)[] = []
  const up = await startUpstream('held', (req, res) => (req.url === '/held' ? held.push(() => res.end('done')) : res.end('done')))
  t.teardown(() => up.close())
  const gw = await gateway(`_format_version: "3.0"\nservices: [{ name: s, url: "${up.url}", routes: [{ name: r, paths: [/] }] }]\n`, {
    adminListen: '127.0.0.1:0',
  })
  t.teardown(() => gw.close())
  const status = async () => (await fetchRaw(`${gw.adminUrl}/status`)).json<Status>().server
  const before = await status()
  // spec/02-integration/04-admin_api/02-kong_routes_spec.lua:205-211: seven numbers.
  t.same(Object.keys(before).sort(), [
    'connections_accepted',
    'connections_active',
    'connections_handled',
    'connections_reading',
    'connections_waiting',
    'connections_writing',
    'total_requests',
  ])
  t.ok(
    Object.values(before).every((v) => v === 0),
    'all zero: no proxy traffic yet (the admin listener, /status included, is not counted)',
  )

  const [host, port] = gw.proxy[0]!.split(':') as [string, string]
  const open = () =>
    new Promise<Socket>((resolve) => {
      const s: Socket = connect(Number(port), host, () => resolve(s))
      t.teardown(() => s.destroy())
    })
  const idle = await open() // connected, nothing sent: waiting
  const reading = await open()
  reading.write('GET / HTTP/1.1\r\nHost: x\r\n') // headers not finished
  const writing = await open()
  writing.write('GET /held HTTP/1.1\r\nHost: x\r\n\r\n') // in flight (the upstream holds it)
  const answered = await open()
  const reply = new Promise<string>((resolve) => {
    let text = ''
    answered.on('data', (d: Buffer) => {
      text += d.toString()
      if (text.includes('done')) resolve(text)
    })
  })
  answered.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
  await reply // answered: this connection goes idle (keep-alive)
  await until(
    async () => held.length,
    (n) => n === 1,
  )

  const s = await until(status, (v) => v.connections_reading === 1 && v.connections_writing === 1)
  t.same(s, {
    total_requests: 2,
    connections_active: 4,
    connections_accepted: 4,
    connections_handled: 4,
    connections_reading: 1,
    connections_writing: 1,
    connections_waiting: 2, // the one that never spoke and the idle keep-alive one
  })

  held.shift()!()
  idle.destroy()
  reading.destroy()
  const after = await until(status, (v) => v.connections_active === 2 && v.connections_writing === 0)
  t.same(after, { ...s, connections_active: 2, connections_reading: 0, connections_writing: 0, connections_waiting: 2 }, 'closed ones leave; totals stay')
  writing.destroy()
  answered.destroy()
})

t.test('TLS listeners count too: a request in flight over TLS is writing', { timeout: 10_000 }, async (t) => {
  const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
  const held: (() => void)[] = []
  const up = await startUpstream('held', (_req, res) => held.push(() => res.end('done')))
  t.teardown(() => up.close())
  const gw = await gateway(
    stringify({
      _format_version: '3.0',
      certificates: [{ cert: fixture('server.crt'), key: fixture('server.key'), snis: ['localhost'] }],
      services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }],
    }),
    { listen: [], tlsListen: ['127.0.0.1:0'], adminListen: '127.0.0.1:0' },
  )
  t.teardown(() => gw.close())
  const [host, port] = gw.tls[0]!.split(':') as [string, string]
  const socket = await new Promise<TLSSocket>((resolve) => {
    const s = tlsConnect({ host, port: Number(port), servername: 'localhost', ca: fixture('ca.crt') }, () => resolve(s))
  })
  t.teardown(() => socket.destroy())
  socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')
  await until(
    async () => held.length,
    (n) => n === 1,
  )
  const status = async () => (await fetchRaw(`${gw.adminUrl}/status`)).json<Status>().server
  t.match(await until(status, (v) => v.connections_writing === 1), {
    total_requests: 1,
    connections_active: 1,
    connections_accepted: 1,
    connections_writing: 1,
    connections_reading: 0,
    connections_waiting: 0,
  })
  held.shift()!()
  t.match(await until(status, (v) => v.connections_writing === 0), { connections_active: 1, connections_waiting: 1 }, 'answered: idle')
})

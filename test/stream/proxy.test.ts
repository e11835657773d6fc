// The stream proxy's own guarantees, with real sockets: reloads pin the config a connection
// started on, a client that stops reading holds the upstream back (bounded memory), an
// unreachable upstream closes the connection and is logged, TLS passthrough routes by SNI
// without terminating, and a graceful close lets open sessions finish.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import t from 'tap'
import {
  CA_CERT,
  hostPort,
  OTHER_CERT,
  OTHER_KEY,
  readAll,
  deadPort,
  streamGateway,
  tcpEcho,
  tcpExchange,
  tlsEcho,
  tlsExchange,
  udpEcho,
  udpExchange,
} from '../helpers/stream.js'

const tmpFile = (name: string) => join(mkdtempSync(join(tmpdir(), 'stream-')), name)

async function logLines(path: string, n: number): Promise<Record<string, any>[]> {
  for (;;) {
    let text = ''
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      // not written yet
    }
    const lines = text.split('\n').filter(Boolean)
    if (lines.length >= n) return lines.map((l) => JSON.parse(l) as Record<string, any>)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** An open client connection that sends lines and reads answers one at a time. */
async function client(bound: string) {
  const { host, port } = hostPort(bound)
  const socket = connect({ host, port })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  let buf = ''
  const waiting: ((line: string) => void)[] = []
  socket.on('data', (c: Buffer) => {
    buf += c.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0 && waiting.length > 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      waiting.shift()!(line)
    }
  })
  return {
    socket,
    ask: (line: string) =>
      new Promise<string>((resolve) => {
        waiting.push(resolve)
        socket.write(`${line}\n`)
      }),
    close: () => new Promise<void>((resolve) => socket.once('close', () => resolve()).end()),
  }
}

const oneRoute = (port: number, log: string, extra = '') => `_format_version: "3.0"
services:
- name: svc
  host: 127.0.0.1
  port: ${port}
  protocol: tcp
  ${extra}
  routes: [{name: r, protocols: [tcp], sources: [{ip: 127.0.0.1}]}]
plugins:
- {name: file-log, protocols: [tcp], config: {path: ${log}}}
`

t.test('a reload while a connection is open: it finishes on its config, a new one uses the new config', async (t) => {
  const a = await tcpEcho(t, { keep: true, name: 'A' })
  const b = await tcpEcho(t, { keep: true, name: 'B' })
  const logA = tmpFile('a.log')
  const logB = tmpFile('b.log')
  const gw = await streamGateway(t, oneRoute(a.port, logA), ['127.0.0.1:0'])
  const first = await client(gw.stream[0]!)
  t.equal(await first.ask('one'), 'A:one')
  writeFileSync(gw.file, oneRoute(b.port, logB))
  t.equal((await gw.reload()).result, 'applied')
  t.equal(await first.ask('two'), 'A:two', 'the open connection still goes where it went')
  const second = await client(gw.stream[0]!)
  t.equal(await second.ask('three'), 'B:three', 'a new connection takes the new route')
  await first.close()
  await second.close()
  const [oldRecord] = await logLines(logA, 1)
  const [newRecord] = await logLines(logB, 1)
  t.equal(oldRecord!.tries[0].port, a.port, "the first session was logged by the old config's plugin")
  t.equal(newRecord!.tries[0].port, b.port, "the second by the new config's")
})

t.test('a client that stops reading holds the upstream back (bounded memory)', async (t) => {
  const TOTAL = 512 * 1024 * 1024
  let accepted = 0
  let stalled: (() => void) | undefined
  const stall = new Promise<void>((resolve) => (stalled = resolve))
  const upstream = createServer((s: Socket) => {
    s.on('error', () => {})
    const chunk = Buffer.alloc(64 * 1024, 120)
    const pump = () => {
      while (accepted < TOTAL) {
        accepted += chunk.length
        if (!s.write(chunk)) {
          // Stalled: no 'drain' while the client reads nothing.
          const timer = setTimeout(() => stalled?.(), 500)
          s.once('drain', () => {
            clearTimeout(timer)
            pump()
          })
          return
        }
      }
      stalled?.()
    }
    pump()
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => upstream.close(() => resolve())))
  const gw = await streamGateway(t, oneRoute((upstream.address() as AddressInfo).port, tmpFile('x.log')), ['127.0.0.1:0'])
  const { host, port } = hostPort(gw.stream[0]!)
  const reader = connect({ host, port })
  reader.pause()
  await stall
  t.ok(accepted < TOTAL, 'the upstream could not send everything')
  t.ok(accepted < 64 * 1024 * 1024, `at most socket buffers are in flight (${accepted} bytes)`)
  reader.destroy()
  // The gateway still serves.
  const echo = await tcpEcho(t)
  writeFileSync(gw.file, oneRoute(echo.port, tmpFile('y.log')))
  await gw.reload()
  t.equal((await tcpExchange(gw.stream[0]!, 'still here\n')).data, 'still here\n')
})

t.test('an unreachable upstream: the connection is closed, the session logged with its failed tries', async (t) => {
  const log = tmpFile('dead.log')
  const port = await deadPort()
  const lines: { level: string; msg: string }[] = []
  const gw = await streamGateway(t, oneRoute(port, log, 'retries: 2'), ['127.0.0.1:0'], {
    streamLog: (level, _fields, msg) => lines.push({ level, msg }),
  })
  const got = await tcpExchange(gw.stream[0]!, 'hello\n')
  t.equal(got.data, '', 'nothing was answered')
  const [record] = await logLines(log, 1)
  t.equal(record!.session.status, 502)
  t.equal(record!.tries.length, 3, 'the first try and two retries')
  t.same(
    record!.tries.map((x: Record<string, unknown>) => [x.port, x.state, x.code]),
    [
      [port, 'failed', 502],
      [port, 'failed', 502],
      [port, 'failed', 502],
    ],
  )
  t.match(lines, [{ level: 'error', msg: /ECONNREFUSED|refused/ }])
})

// kong/runloop/handler.lua preread.before: no route is Kong's exit(500); the log phase still runs
// for the global plugins (the record has no route).
t.test('no route: the connection is closed, the reason logged, global log plugins see it', async (t) => {
  const lines: string[] = []
  const echo = await tcpEcho(t)
  const log = tmpFile('noroute.log')
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- {name: s, host: 127.0.0.1, port: ${echo.port}, protocol: tcp, routes: [{protocols: [tcp], sources: [{ip: 10.0.0.1}]}]}
plugins:
- {name: file-log, protocols: [tcp], config: {path: ${log}}}
`,
    ['127.0.0.1:0'],
    { streamLog: (_l, _f, msg) => lines.push(msg) },
  )
  t.equal((await tcpExchange(gw.stream[0]!, 'hello\n')).data, '')
  t.same(lines, ['no Route found with those values'])
  t.equal(echo.connections, 0)
  const [record] = await logLines(log, 1)
  t.equal(record!.session.status, 500)
  t.equal(record!.route, undefined)
  t.equal(record!.service, undefined)
})

t.test('TLS passthrough: routed by the ClientHello SNI to two TLS upstreams, never terminated', async (t) => {
  const a = await tlsEcho(t, { name: 'A' })
  const b = await tlsEcho(t, { name: 'B', cert: OTHER_CERT, key: OTHER_KEY })
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- {name: a, host: 127.0.0.1, port: ${a.port}, protocol: tcp, routes: [{name: a, protocols: [tls_passthrough], snis: [a.example.test]}]}
- {name: b, host: 127.0.0.1, port: ${b.port}, protocol: tcp, routes: [{name: b, protocols: [tls_passthrough], snis: [other.test]}]}
`,
    ['127.0.0.1:0 ssl'],
  )
  const { host, port } = hostPort(gw.stream[0]!)
  // The client verifies the upstream's own certificate: the gateway holds neither key.
  const ask = async (servername: string, ca: string, line: string) => {
    const s = tlsConnect({ host, port, servername, ca })
    const done = readAll(s)
    await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject))
    s.write(line)
    return (await done).data
  }
  t.equal(await ask('a.example.test', CA_CERT, 'hello\n'), 'A:hello\n')
  t.equal(await ask('other.test', OTHER_CERT, 'hello\n'), 'B:hello\n')
  t.equal(await ask('a.example.test', CA_CERT, 'get_sni\n'), 'a.example.test\n', 'the hello reached the upstream as sent')
  t.equal(a.connections, 2)
  t.equal(b.connections, 1)
})

t.test('graceful close: no new connections, open sessions finish', async (t) => {
  const echo = await tcpEcho(t, { keep: true })
  const gw = await streamGateway(t, oneRoute(echo.port, tmpFile('c.log')), ['127.0.0.1:0'])
  const open = await client(gw.stream[0]!)
  t.equal(await open.ask('before'), 'before')
  let closed = false
  const closing = gw.close().then(() => (closed = true))
  const refused = await tcpExchange(gw.stream[0]!, 'late\n')
  t.equal(refused.data, '', 'a new connection is not served')
  t.equal(await open.ask('during'), 'during', 'the open session still works')
  t.equal(closed, false, 'close waits for it')
  await open.close()
  await closing
  t.equal(closed, true)
})

// kong/runloop/handler.lua preread.after: preserve_host only holds when the client sent a server
// name; without one, the upstream's host_header (or the target's name) is sent, as without it.
t.test('preserve_host without a client server name sends the upstream host_header', async (t) => {
  const up = await tlsEcho(t)
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
upstreams:
- {name: named, host_header: named.test, targets: [{target: "127.0.0.1:${up.port}"}]}
services:
- {name: tls, url: "tls://named", routes: [{protocols: [tls], preserve_host: true, destinations: [{ip: 127.0.0.1}]}]}
`,
    ['127.0.0.1:0 ssl'],
  )
  t.equal((await tlsExchange(gw.stream[0]!, 'get_sni\n')).data, 'named.test\n')
  t.equal((await tlsExchange(gw.stream[0]!, 'get_sni\n', 'client.test')).data, 'client.test\n')
})

// Kong sets nginx's proxy_timeout to max(read_timeout, write_timeout) (lua-resty-core's stream
// balancer.set_timeouts): a session with no byte either way for that long is ended.
t.test('proxy_timeout: an idle TCP session and an idle UDP session end, and are logged', async (t) => {
  const echo = await tcpEcho(t, { keep: true })
  const udp = await udpEcho(t)
  const log = tmpFile('idle.log')
  const gw = await streamGateway(
    t,
    `_format_version: "3.0"
services:
- {name: tcp, url: "tcp://127.0.0.1:${echo.port}", read_timeout: 50, write_timeout: 200, routes: [{name: tcp, protocols: [tcp], destinations: [{ip: 127.0.0.1}]}]}
- {name: udp, url: "udp://127.0.0.1:${udp.port}", read_timeout: 200, write_timeout: 50, routes: [{name: udp, protocols: [udp], destinations: [{ip: 127.0.0.2}]}]}
plugins:
- {name: file-log, protocols: [tcp, udp], config: {path: ${log}}}
`,
    ['127.0.0.1:0', '127.0.0.2:0 udp'],
  )
  const open = await client(gw.stream[0]!)
  t.equal(await open.ask('hi'), 'hi')
  // Nothing more is sent: the gateway ends the session.
  await new Promise<void>((resolve) => open.socket.once('close', () => resolve()))
  t.pass('the idle TCP session was closed by the gateway')
  t.equal(await udpExchange(gw.stream[1]!, 'ping'), 'ping')
  const records = await logLines(log, 2)
  const byRoute = new Map(records.map((r) => [r.route.name as string, r]))
  t.equal(byRoute.get('tcp')?.session.status, 200)
  t.equal(byRoute.get('udp')?.session.received, 4)
  t.equal(byRoute.get('udp')?.session.sent, 4)
})

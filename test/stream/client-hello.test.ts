// The ClientHello reader behind TLS passthrough and SNI routing on ssl stream listeners: real
// hellos from Node's TLS client, split anywhere, and what is not a hello (bounded, no SNI).
import { createServer, type AddressInfo } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import t from 'tap'
import { MAX_HELLO, readClientHello } from '../../src/runtime/stream/client-hello.js'

/** The first bytes a Node TLS client sends (its ClientHello) for `servername`. */
async function helloOf(servername: string | undefined): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d)
        s.destroy()
        server.close()
      })
    })
    server.listen(0, '127.0.0.1', () => {
      const c = tlsConnect({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        rejectUnauthorized: false,
        ...(servername ? { servername } : {}),
      })
      c.on('error', () => {})
    })
  })
}

t.test('reads the server name of a real ClientHello, whole or in pieces', async (t) => {
  const hello = await helloOf('Passthrough.Example.Test')
  t.same(readClientHello(hello), { kind: 'done', tls: true, sni: 'passthrough.example.test' })
  for (const cut of [1, 5, 40, hello.length - 1]) t.same(readClientHello(hello.subarray(0, cut)), { kind: 'more' }, `cut at ${cut}`)
})

t.test('a hello without a server name', async (t) => {
  t.same(readClientHello(await helloOf(undefined)), { kind: 'done', tls: true, sni: undefined })
})

t.test('what is not a TLS hello has no server name', async (t) => {
  t.same(readClientHello(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'done', tls: false, sni: undefined })
  // A handshake record announcing a message larger than the bound.
  const huge = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff])
  t.same(readClientHello(huge), { kind: 'done', tls: false, sni: undefined })
  t.ok(MAX_HELLO >= 16 * 1024)
  // A hello whose extension lengths run past its end: no name, no exception.
  const hello = await helloOf('a.test')
  const broken = Buffer.from(hello)
  broken.writeUInt16BE(0xffff, broken.length - 2)
  t.doesNotThrow(() => readClientHello(broken))
})

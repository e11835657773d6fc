// `gateway serve --stream-listen` and GATEWAY_STREAM_LISTEN as a process (bin/gateway: `npm run build`
// first): Kong's stream_listen syntax (kong.conf.default, stream_listen), bound addresses in the
// start line, a TCP session through the listener, and the entries refused before anything opens.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseStreamListen, splitStreamListen } from '../../src/runtime/stream/listeners.js'
import { serveProcess } from '../helpers/serve-process.js'
import { MESSAGE, tcpEcho, tcpExchange } from '../helpers/stream.js'

t.test("Kong's stream_listen entries", async (t) => {
  t.same(splitStreamListen('off'), [])
  t.same(splitStreamListen('0.0.0.0:5555, 0.0.0.0:5556 ssl , 0.0.0.0:5557 udp'), ['0.0.0.0:5555', '0.0.0.0:5556 ssl', '0.0.0.0:5557 udp'])
  t.match(parseStreamListen('0.0.0.0:5556 ssl'), { host: '0.0.0.0', port: 5556, ssl: true, udp: false })
  t.match(parseStreamListen('[::1]:1234 backlog=16384'), { host: '::1', port: 1234, backlog: 16384 })
  t.match(parseStreamListen('127.0.0.1:7000 reuseport backlog=16384 so_keepalive=on'), { port: 7000, backlog: 16384 })
  t.throws(() => parseStreamListen('127.0.0.1:7000 ssl udp'), /"ssl" parameter is incompatible with "udp"/)
  t.throws(() => parseStreamListen('127.0.0.1:7000 proxy_protocol'), /proxy_protocol is not supported/)
  t.throws(() => parseStreamListen('127.0.0.1 ssl'), /must be of form: \[off\] \| <ip>:<port>/)
  t.throws(() => parseStreamListen('127.0.0.1:7000 http2'), /must be of form/)
})

t.test('gateway serve --stream-listen: a TCP route served by a real process', async (t) => {
  const up = await tcpEcho(t)
  const dir = mkdtempSync(join(tmpdir(), 'gw-stream-serve-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(
    file,
    `_format_version: "3.0"\nservices:\n- {name: s, url: "tcp://127.0.0.1:${up.port}", routes: [{protocols: [tcp], sources: [{ip: 127.0.0.1}]}]}\n`,
  )
  const p = serveProcess(t, ['--config', file, '--listen', 'off', '--admin-listen', 'off', '--stream-listen', '127.0.0.1:0'])
  const started = await p.waitFor((l) => l.msg === 'gateway started')
  const stream = started.stream as string[]
  t.equal(stream.length, 1)
  t.equal((await tcpExchange(stream[0]!, MESSAGE)).data, MESSAGE)
})

t.test('a bad --stream-listen entry stops the start (exit 2)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-stream-serve-'))
  const file = join(dir, 'kong.yml')
  writeFileSync(file, '_format_version: "3.0"\n')
  const p = serveProcess(t, ['--config', file, '--listen', 'off', '--admin-listen', 'off', '--stream-listen', '127.0.0.1:0 ssl udp'])
  t.equal(await p.exited, 2)
})

// Kong's log serializer (spec/01-unit/10-log_serializer_spec.lua, kong/pdk/log.lua) through a real
// gateway, real upstreams and file-log's records: the tries with Kong's balancer fields and failure
// state, nginx's $upstream_status over several tries, and request.tls on an https listener.
// Covered elsewhere: the record's keys and types, redaction, route/service/consumer/authenticated
// entity, upstream_uri with its query (test/plugins/http-log.test.ts); a gateway answer without
// tries (http-log.test.ts); deep copies and ngx.null (test/plugins/log-custom-fields.test.ts).
// The stream subsystem's record (session, upstream sizes) has no equivalent here.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { connect } from 'node:tls'
import { join } from 'node:path'
import t from 'tap'
import { waitFor } from '../helpers/collector.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const logFile = () => join(mkdtempSync(join(tmpdir(), 'serializer-kong-')), 'access.log')
const records = (file: string): Record<string, unknown>[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : []

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

type Try = Record<string, unknown>

t.test("a proxied request: one try with Kong's balancer fields, no failure state", async (t) => {
  // spec/01-unit/10-log_serializer_spec.lua:104 (tries is a table); kong/init.lua's balancer fields
  const file = logFile()
  const { send, up } = await pluginGateway(
    t,
    `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes: [{ name: app, paths: [/] }]
plugins: [{ name: file-log, config: { path: "${file}" } }]
`,
  )
  const before = Date.now()
  t.equal((await send('/x')).status, 200)
  t.ok(await waitFor(() => records(file).length === 1))
  const rec = records(file)[0]!
  const tries = rec.tries as Try[]
  t.equal(tries.length, 1)
  t.same(Object.keys(tries[0]!).sort(), ['balancer_latency', 'balancer_latency_ns', 'balancer_start', 'balancer_start_ns', 'ip', 'port'])
  t.match(tries[0], { ip: '127.0.0.1', port: up.port })
  const start = tries[0]!.balancer_start as number
  t.ok(Number.isInteger(start) && start >= before - 1 && start <= Date.now(), `balancer_start ${start} is Unix ms`)
  t.ok(Number.isInteger(tries[0]!.balancer_latency) && (tries[0]!.balancer_latency as number) >= 0)
  t.ok(Math.abs((tries[0]!.balancer_start_ns as number) / 1e6 - start) < 1, 'balancer_start_ns is the same instant in ns')
  t.equal(rec.upstream_status, '200')
})

t.test('tries that fail: state failed with 502, every try in upstream_status', async (t) => {
  // spec/01-unit/10-log_serializer_spec.lua:155 (the tries and failure information)
  // spec/01-unit/10-log_serializer_spec.lua:90 (upstream_status is nginx's list over tries)
  const file = logFile()
  const port = await deadPort()
  const { send } = await pluginGateway(
    t,
    `_format_version: "3.0"
upstreams:
  - name: dead.upstream
    targets: [{ target: "127.0.0.1:${port}" }]
services:
  - name: app
    host: dead.upstream
    retries: 1
    routes: [{ name: app, paths: [/] }]
plugins: [{ name: file-log, config: { path: "${file}" } }]
`,
  )
  t.equal((await send('/x')).status, 502)
  t.ok(await waitFor(() => records(file).length === 1))
  const rec = records(file)[0]!
  const tries = rec.tries as Try[]
  t.equal(tries.length, 2, 'the try and its retry')
  for (const tr of tries) t.match(tr, { ip: '127.0.0.1', port, state: 'failed', code: 502 })
  t.equal(rec.upstream_status, '502, 502')
  t.equal(rec.source, 'kong')
})

t.test('a try that times out fails with 504', async (t) => {
  // spec/01-unit/10-log_serializer_spec.lua:155; nginx's $upstream_status is 504 for a timeout
  const file = logFile()
  const { send } = await pluginGateway(
    t,
    `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    read_timeout: 100
    retries: 0
    routes: [{ name: app, paths: [/] }]
plugins: [{ name: file-log, config: { path: "${file}" } }]
`,
    () => {
      // never answers: the gateway's read timeout ends the try
    },
  )
  t.equal((await send('/x')).status, 504)
  t.ok(await waitFor(() => records(file).length === 1))
  const rec = records(file)[0]!
  t.match(rec.tries, [{ state: 'failed', code: 504 }])
  t.equal(rec.upstream_status, '504')
})

t.test('the last try, retries spent, answered 5xx: Kong marks it failed with that status', async (t) => {
  // kong/runloop/handler.lua header_filter: "if this is the last try and it failed, save its state"
  const file = logFile()
  const { send } = await pluginGateway(
    t,
    `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    retries: 0
    routes: [{ name: app, paths: [/] }]
  - name: patient
    url: $UPSTREAM
    routes: [{ name: patient, paths: [/patient] }]
plugins: [{ name: file-log, config: { path: "${file}" } }]
`,
    (_req, res) => {
      res.writeHead(503)
      res.end('busy')
    },
  )
  t.equal((await send('/x')).status, 503)
  t.equal((await send('/patient')).status, 503)
  t.ok(await waitFor(() => records(file).length === 2))
  const [spent, patient] = records(file)
  t.match(spent!.tries, [{ state: 'failed', code: 503 }])
  t.equal(spent!.upstream_status, '503')
  t.notOk('state' in (patient!.tries as Try[])[0]!, 'with retries left (5 by default) the try is not marked')
})

t.test('request.tls on an https listener: version, cipher, client_verify NONE; absent on http', async (t) => {
  // kong/pdk/log.lua:827-829 (request.tls.version, .cipher, .client_verify, TLS requests only)
  // spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:461 (logs TLS info), :217 (no request.tls over HTTP)
  const file = logFile()
  const fixture = (f: string) => readFileSync(`test/fixtures/tls/${f}`, 'utf8')
  const { send, gw } = await pluginGateway(
    t,
    `_format_version: "3.0"
certificates:
  - cert: ${JSON.stringify(fixture('server.crt'))}
    key: ${JSON.stringify(fixture('server.key'))}
    snis: [localhost]
services:
  - name: app
    url: $UPSTREAM
    routes: [{ name: app, paths: [/] }]
plugins: [{ name: file-log, config: { path: "${file}" } }]
`,
    undefined,
    { tlsListen: ['127.0.0.1:0'] },
  )
  // A raw TLS client, so the session's protocol and cipher can be compared with what was logged.
  const [host, port] = gw.tls[0]!.split(':')
  const session = await new Promise<{ version: string; cipher: string; head: string }>((resolve, reject) => {
    const s = connect({ host: host!, port: Number(port), servername: 'localhost', ca: fixture('ca.crt') }, () => {
      const version = s.getProtocol() ?? ''
      const cipher = s.getCipher().name
      let head = ''
      s.on('data', (c: Buffer) => (head += c.toString('latin1')))
      s.on('end', () => resolve({ version, cipher, head }))
      s.write('GET /secure HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    })
    s.on('error', reject)
  })
  t.match(session.head, /^HTTP\/1\.1 200 /)
  t.equal((await send('/plain')).status, 200)
  t.ok(await waitFor(() => records(file).length === 2))
  const byUri = Object.fromEntries(records(file).map((rec) => [(rec.request as { uri: string }).uri, rec.request as Record<string, unknown>]))
  t.same(byUri['/secure']!.tls, { version: session.version, cipher: session.cipher, client_verify: 'NONE' })
  t.match(session.version, /^TLSv1\.[23]$/)
  t.notOk('tls' in byUri['/plain']!)
})

// request-size-limiting against a real upstream: Content-Length checks in access,
// chunked bodies counted as they stream, 411, 417 for Expect: 100-continue, units.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway, type PluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig = '') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: request-size-limiting
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
`

interface Raw {
  status: number
  headers: IncomingHttpHeaders
  body: string
  /** The gateway sent an interim 100 Continue. */
  continued: boolean
  json(): Record<string, unknown>
}

/**
 * One request through node:http. `chunks` are written one by one (no
 * Content-Length header: the body goes chunked); with `expect: 100-continue`
 * the body is sent only once the gateway says 100 Continue. Write errors after
 * the gateway answered (it may cut the upload) are ignored.
 */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; chunks?: (string | Buffer)[]; holdBody?: boolean } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    let continued = false
    let answered = false
    const req = httpRequest(url, { method: opts.method ?? 'POST', headers: { connection: 'close', ...opts.headers }, agent: false })
    const sendBody = async () => {
      for (const c of opts.chunks ?? []) {
        if (answered || req.destroyed) return
        req.write(c)
        await sleep(5)
      }
      if (!answered) req.end()
    }
    req.on('continue', () => {
      continued = true
      void sendBody()
    })
    req.on('response', (res) => {
      answered = true
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const body = Buffer.concat(parts).toString('utf8')
        req.destroy()
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, continued, json: () => JSON.parse(body) as Record<string, unknown> })
      })
      res.on('error', reject)
    })
    req.on('error', (err) => {
      if (!answered) reject(err)
    })
    if (opts.holdBody) req.flushHeaders()
    else if (opts.headers?.expect === undefined) void sendBody()
    else req.flushHeaders()
  })
}

/** Upstream requests completed so far, after letting a cut request settle. */
async function completed(g: PluginGateway): Promise<number> {
  await sleep(50)
  return g.up.requests.length
}

/** Kong's kong.response.error: the JSON template with the message and request_id. */
const isError = (t: Test, r: Raw, status: number, message: string) => {
  t.equal(r.status, status)
  t.match(r.headers['content-type'], /^application\/json/)
  const body = r.headers['content-type']?.startsWith('application/json') ? r.json() : {}
  t.equal(body.message, message)
  t.match(body.request_id, /^[0-9a-f]{32}$/, "kong.response.error's template with request_id")
}

t.test('Content-Length over the limit: 413 in access, before any byte of the body is sent', async (t) => {
  const g = await pluginGateway(t, CONFIG())
  // 128 MB + 1 announced, nothing sent: the answer comes from the headers alone.
  const r = await raw(`${g.gw.url}/x`, { headers: { 'content-length': String(128 * 1048576 + 1) }, holdBody: true })
  isError(t, r, 413, 'Request size limit exceeded')
  t.equal(await completed(g), 0, 'the upstream never got the request')
})

t.test('Content-Length at the limit passes, one byte more is refused (bytes)', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:83 and :112
  const g = await pluginGateway(t, CONFIG('allowed_payload_size: 10\nsize_unit: bytes'))
  const ok = await g.send('/x', { method: 'POST', body: '0123456789' })
  t.equal(ok.status, 200)
  t.equal(ok.reached?.body, '0123456789', 'the body arrives whole')
  const no = await g.send('/x', { method: 'POST', body: '0123456789a' })
  t.equal(no.status, 413)
  t.equal(no.json().message, 'Request size limit exceeded')
  t.equal(no.reached, undefined)
  const empty = await g.send('/x', { method: 'GET' })
  t.equal(empty.status, 200, 'no body, no Content-Length: passes')
})

t.test('units: kilobytes = 1024 bytes, megabytes = 2^20 bytes', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:148 and :167
  const kb = await pluginGateway(t, CONFIG('allowed_payload_size: 1\nsize_unit: kilobytes'))
  const k1 = await kb.send('/x', { method: 'POST', body: 'k'.repeat(1024) })
  t.equal(k1.status, 200)
  t.equal(k1.reached?.body.length, 1024)
  const k2 = await kb.send('/x', { method: 'POST', body: 'k'.repeat(1025) })
  t.equal(k2.status, 413)
  t.equal(k2.reached, undefined)

  const mb = await pluginGateway(t, CONFIG('allowed_payload_size: 1'))
  const m1 = await mb.send('/x', { method: 'POST', body: 'm'.repeat(1048576) })
  t.equal(m1.status, 200)
  t.equal(m1.reached?.body.length, 1048576, '1 MiB arrives whole')
  const m2 = await mb.send('/x', { method: 'POST', body: 'm'.repeat(1048577) })
  t.equal(m2.status, 413)
  t.equal(m2.reached, undefined)
})

t.test('Expect: 100-continue over the limit: 417 with the same message', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:129
  const g = await pluginGateway(t, CONFIG('allowed_payload_size: 10\nsize_unit: bytes'))
  const r = await raw(`${g.gw.url}/x`, { headers: { expect: '100-continue', 'content-length': '11' }, chunks: ['0123456789a'] })
  isError(t, r, 417, 'Request size limit exceeded')
  t.equal(r.continued, false, 'refused before any 100 Continue, as nginx does')
  t.equal(await completed(g), 0)

  const spaced = await raw(`${g.gw.url}/x`, { headers: { expect: ' 100-Continue ', 'content-length': '11' }, chunks: ['0123456789a'] })
  t.equal(spaced.status, 417, 'the value is trimmed and compared case-insensitively')
})

t.test('Expect: 100-continue under the limit is proxied (100 Continue sent when the body is read)', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:97
  const g = await pluginGateway(t, CONFIG('allowed_payload_size: 10\nsize_unit: bytes'))
  const under = await raw(`${g.gw.url}/x`, { headers: { expect: '100-continue', 'content-length': '10' }, chunks: ['0123456789'] })
  t.equal(under.status, 200, 'under the limit: proxied')
  t.equal(under.status === 200 ? under.json().body : undefined, '0123456789')
  t.ok(under.continued, 'the client got 100 Continue')
  t.equal(
    under.status === 200 ? (under.json().headers as Record<string, unknown>).expect : 'n/a',
    undefined,
    'Expect is not sent upstream (the gateway answered it)',
  )
})

t.test('chunked body under the limit reaches the upstream whole', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:185 and :255
  const g = await pluginGateway(t, CONFIG('allowed_payload_size: 1\nsize_unit: kilobytes'))
  const chunks = Array.from({ length: 8 }, (_, i) => String(i).repeat(128))
  const r = await raw(`${g.gw.url}/x`, { chunks })
  t.equal(r.status, 200)
  const echo = r.json() as { body: string; headers: IncomingHttpHeaders }
  t.equal(echo.body, chunks.join(''), 'exactly 1024 bytes: at the limit, all there')
  // request_buffering (the route's default): the body was read whole, and goes on with its length, as nginx sends it.
  t.equal(echo.headers['content-length'], '1024')
  t.equal(echo.headers['transfer-encoding'], undefined)
})

t.test('chunked body over the limit: the upstream request is cut, the client gets 413', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:216 and :286
  const g = await pluginGateway(t, CONFIG('allowed_payload_size: 1\nsize_unit: kilobytes'))
  const chunks = Array.from({ length: 12 }, () => 'z'.repeat(100))
  const r = await raw(`${g.gw.url}/x`, { chunks })
  isError(t, r, 413, 'Request size limit exceeded')
  t.equal(await completed(g), 0, 'the upstream never saw a complete request')

  const one = await raw(`${g.gw.url}/x`, { chunks: ['y'.repeat(1025)] })
  t.equal(one.status, 413, 'one byte over, in a single chunk')
  t.equal(await completed(g), 0)

  const after = await raw(`${g.gw.url}/x`, { chunks: ['ok'] })
  t.equal(after.status, 200, 'the gateway and the upstream pool still work')
  t.equal(await completed(g), 1)
})

t.test('chunked body over the limit with Expect: 100-continue: 417', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:234 and :304
  const g = await pluginGateway(t, CONFIG('allowed_payload_size: 10\nsize_unit: bytes'))
  const r = await raw(`${g.gw.url}/x`, { headers: { expect: '100-continue', 'transfer-encoding': 'chunked' }, chunks: ['01234', '56789', 'abc'] })
  isError(t, r, 417, 'Request size limit exceeded')
  t.equal(await completed(g), 0)
})

t.test('require_content_length: 411 without a Content-Length unless chunked', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:363
  const g = await pluginGateway(t, CONFIG('allowed_payload_size: 10\nsize_unit: bytes\nrequire_content_length: true'))
  const get = await raw(`${g.gw.url}/x`, { method: 'GET' })
  isError(t, get, 411, 'A valid Content-Length header is required')
  t.equal(await completed(g), 0, 'Kong refuses a bodiless request without Content-Length too')

  const withLength = await g.send('/x', { method: 'POST', body: 'abc' })
  t.equal(withLength.status, 200)
  t.equal(withLength.reached?.body, 'abc')
  const zero = await g.send('/x', { method: 'POST', headers: { 'content-length': '0' } })
  t.equal(zero.status, 200, 'Content-Length: 0 is valid')

  const chunked = await raw(`${g.gw.url}/x`, { chunks: ['ab', 'cd'] })
  t.equal(chunked.status, 200, 'chunked: no Content-Length needed')
  t.equal(chunked.json().body, 'abcd')
  const bigChunked = await raw(`${g.gw.url}/x`, { chunks: ['0123456789', 'x'] })
  t.equal(bigChunked.status, 413, 'chunked is still limited')

  const off = await pluginGateway(t, CONFIG('allowed_payload_size: 10\nsize_unit: bytes'))
  const plain = await raw(`${off.gw.url}/x`, { method: 'GET' })
  t.equal(plain.status, 200, 'off by default')
})

t.test('a body already read by a plugin that runs earlier is checked too', async (t) => {
  const g = await pluginGateway(
    t,
    `_format_version: "3.0"
consumers:
  - username: alice
    keyauth_credentials: [{ key: k }]
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: key-auth
            config: { key_in_body: true, key_in_header: false, key_in_query: false }
          - name: request-size-limiting
            config: { allowed_payload_size: 16, size_unit: bytes }
`,
  )
  const headers = { 'content-type': 'application/x-www-form-urlencoded' }
  const ok = await raw(`${g.gw.url}/x`, { headers, chunks: ['apikey=k&a=1'] })
  t.equal(ok.status, 200)
  t.equal(ok.json().body, 'apikey=k&a=1')
  const big = await raw(`${g.gw.url}/x`, { headers, chunks: ['apikey=k&a=', '1234567890'] })
  isError(t, big, 413, 'Request size limit exceeded')
  t.equal(await completed(g), 1)
})

const issues = (plugin: string) => {
  const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: request-size-limiting\n    config: ${plugin}\n`, { file: 'k.yml' })
  return r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`)
}

t.test('schema: defaults, Kong messages, scopes', async (t) => {
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n  - name: request-size-limiting\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) t.same(ok.config.plugins[0]!.config, { allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false })
  t.same(issues('{ size_unit: gigabytes }'), ['4:26 plugins[0].config.size_unit expected one of: megabytes, kilobytes, bytes'])
  t.same(issues('{ allowed_payload_size: 1.5 }'), ['4:37 plugins[0].config.allowed_payload_size expected an integer'])
  t.same(issues('{ allowed_payload_size: "10" }'), ['4:37 plugins[0].config.allowed_payload_size expected an integer'])
  t.match(issues('{ require_content_length: "yes" }').join('\n'), /config\.require_content_length expected a boolean/)
  t.match(issues('{ allowed: 1 }').join('\n'), /config\.allowed unknown field/)
  const scoped = loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: request-size-limiting\n', { file: 'k.yml' })
  t.ok(scoped.ok, 'consumer scope is allowed (Kong does not forbid it)')
})

// request-size-limiting against Kong's access spec (spec/03-plugins/12-request-size-limiting/01-access_spec.lua):
// its per-unit loops with Kong's sizes (allowed_payload_size 2, one byte under, at and over the
// limit), with Content-Length and chunked (GET, as the spec sends them), and a chunked body under the
// limit with Expect: 100-continue. The other cases are in request-size-limiting.test.ts, with their
// citations. nginx's client_body_buffer_size split of the spec (bodies above and below it) has no
// equivalent here: both sizes go through the same path.
import { request as httpRequest } from 'node:http'
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const TEST_SIZE = 2
const FACTOR = { megabytes: 1048576, kilobytes: 1024, bytes: 1 } as const
type Unit = keyof typeof FACTOR

// The spec's routes (:24-67): one per unit, by Host; `limit.test` uses the default unit.
const yml = stringify({
  _format_version: '3.0',
  services: [
    {
      name: 'app',
      url: '$UPSTREAM',
      routes: [
        { name: 'limit', hosts: ['limit.test'], plugins: [{ name: 'request-size-limiting', config: { allowed_payload_size: TEST_SIZE } }] },
        ...Object.keys(FACTOR).map((unit) => ({
          name: `limit_${unit}`,
          hosts: [`limit_${unit}.test`],
          plugins: [{ name: 'request-size-limiting', config: { allowed_payload_size: TEST_SIZE, size_unit: unit } }],
        })),
      ],
    },
  ],
})

/** One request; without `length` the body goes chunked (node:http frames it). Resolves with the status and the message. */
function send(
  url: string,
  host: string,
  body: string,
  opts: { length?: boolean; expect?: boolean; method?: string } = {},
): Promise<{ status: number; message?: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, connection: 'close' }
    if (opts.length) headers['content-length'] = String(body.length)
    else headers['transfer-encoding'] = 'chunked'
    if (opts.expect) headers.expect = '100-continue'
    let answered = false
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      answered = true
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        req.destroy()
        let message: string | undefined
        if (res.statusCode !== 200) message = (JSON.parse(text) as { message?: string }).message
        resolve({ status: res.statusCode ?? 0, message })
      })
    })
    // The gateway may answer before taking the whole body: a write error after that is expected.
    req.on('error', (e) => {
      if (!answered) reject(e)
    })
    const write = () => req.end(body)
    if (opts.expect) req.on('continue', write)
    else write()
    if (opts.expect) req.flushHeaders()
  })
}

t.test("Kong's per-unit limits", async (t) => {
  const g = await pluginGateway(t, yml)
  const url = `${g.gw.url}/request`
  for (const unit of Object.keys(FACTOR) as Unit[]) {
    const host = `limit_${unit}.test`
    const limit = TEST_SIZE * FACTOR[unit]
    // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:148 (with Content-Length, over the limit)
    t.same(
      await send(url, host, 'a'.repeat(limit + 1), { length: true, method: 'POST' }),
      { status: 413, message: 'Request size limit exceeded' },
      `${unit}: over`,
    )
    // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:167 (with Content-Length, under the limit)
    t.same(await send(url, host, 'a'.repeat(limit - 1), { length: true, method: 'POST' }), { status: 200 }, `${unit}: under`)
    // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:325 (chunked, over the limit)
    t.same(await send(url, host, 'a'.repeat(limit + 1)), { status: 413, message: 'Request size limit exceeded' }, `${unit}: chunked, over`)
    // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:345 (chunked, at the limit)
    t.same(await send(url, host, 'a'.repeat(limit)), { status: 200 }, `${unit}: chunked, at the limit`)
  }
})

t.test('chunked under the limit with Expect: 100-continue, the default unit (megabytes)', async (t) => {
  // spec/03-plugins/12-request-size-limiting/01-access_spec.lua:200 and :270
  const g = await pluginGateway(t, yml)
  t.same(await send(`${g.gw.url}/request`, 'limit.test', 'a'.repeat(TEST_SIZE * FACTOR.megabytes), { expect: true }), { status: 200 })
  t.same(await send(`${g.gw.url}/request`, 'limit.test', 'a'.repeat(1000), { expect: true }), { status: 200 })
  t.equal(g.up.requests.at(-1)?.body.length, 1000, 'the body reached the upstream whole')
})

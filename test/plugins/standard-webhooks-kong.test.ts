// Kong's standard-webhooks spec (spec/03-plugins/44-standard-webhooks/*) through a real gateway
// and a real upstream: a webhook reaches the upstream only when its id, timestamp and signature
// verify. The signature is computed here as the Standard Webhooks spec defines it (HMAC-SHA256
// over "<id>.<timestamp>.<body>", base64, `v1,` prefix), not by the gateway's code.
import { createHmac } from 'node:crypto'
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const SECRET = 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const MESSAGE_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const BODY = '{"foo":"bar"}'

const sign = (id: string, ts: number, body: string, secret = SECRET) => `v1,${createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64')}`
const now = () => Math.floor(Date.now() / 1000)

const yml = (config: Record<string, unknown>) =>
  stringify({
    _format_version: '3.0',
    services: [{ name: 'hooks', url: '$UPSTREAM', routes: [{ name: 'hooks', paths: ['/'], plugins: [{ name: 'standard-webhooks', config }] }] }],
  })

t.test("Kong's integration spec", async (t) => {
  const g = await pluginGateway(t, yml({ secret_v1: SECRET }))
  const post = (headers: Record<string, string>, body?: string) =>
    g.send('/', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body }) })

  t.test('rejects missing headers', async (t) => {
    // spec/03-plugins/44-standard-webhooks/02-integration_spec.lua:51
    const r = await post({ 'webhook-id': MESSAGE_ID, 'webhook-timestamp': String(now()) }, BODY)
    t.equal(r.status, 400)
    t.match(JSON.parse(r.body), { message: 'Bad request' }, "Kong's default 400 message")
    t.equal(r.reached, undefined, 'the upstream never sees it')
  })

  t.test('rejects invalid timestamp', async (t) => {
    // spec/03-plugins/44-standard-webhooks/02-integration_spec.lua:66
    const r = await post({ 'webhook-id': MESSAGE_ID, 'webhook-signature': 'asdf', 'webhook-timestamp': 'XYZ' }, BODY)
    t.equal(r.status, 400)
  })

  t.test('rejects missing body', async (t) => {
    // spec/03-plugins/44-standard-webhooks/02-integration_spec.lua:82
    const ts = now()
    const r = await post({ 'webhook-id': MESSAGE_ID, 'webhook-signature': sign(MESSAGE_ID, ts, ''), 'webhook-timestamp': String(ts) })
    t.equal(r.status, 400, 'even with the signature of an empty body')
  })

  t.test('accepts correct signature', async (t) => {
    // spec/03-plugins/44-standard-webhooks/02-integration_spec.lua:95
    const ts = now()
    const r = await post({ 'webhook-id': MESSAGE_ID, 'webhook-signature': sign(MESSAGE_ID, ts, BODY), 'webhook-timestamp': String(ts) }, BODY)
    t.equal(r.status, 200)
    t.equal(r.reached?.body, BODY, 'the upstream gets the body untouched')
    t.equal(r.reached?.headers['webhook-id'], MESSAGE_ID, 'and the webhook headers')
  })

  t.test('fails because the timestamp tolerance is exceeded', async (t) => {
    // spec/03-plugins/44-standard-webhooks/02-integration_spec.lua:114
    const ts = now() - 6 * 60
    const r = await post({ 'webhook-id': MESSAGE_ID, 'webhook-signature': sign(MESSAGE_ID, ts, BODY), 'webhook-timestamp': String(ts) }, BODY)
    t.equal(r.status, 400)
  })

  t.test('a signature made with another secret, or over another body, is refused', async (t) => {
    // internal.lua: the signature must equal v1,<base64 HMAC> exactly
    const ts = now()
    const other = await post({ 'webhook-id': MESSAGE_ID, 'webhook-signature': sign(MESSAGE_ID, ts, BODY, 'another'), 'webhook-timestamp': String(ts) }, BODY)
    t.equal(other.status, 400, 'another secret')
    const tampered = await post({ 'webhook-id': MESSAGE_ID, 'webhook-signature': sign(MESSAGE_ID, ts, BODY), 'webhook-timestamp': String(ts) }, '{"foo":"baz"}')
    t.equal(tampered.status, 400, 'another body')
  })
})

t.test('tolerance_second is what the timestamp may lag', async (t) => {
  const g = await pluginGateway(t, yml({ secret_v1: SECRET, tolerance_second: 3600 }))
  const ts = now() - 6 * 60
  const r = await g.send('/', {
    method: 'POST',
    headers: { 'webhook-id': MESSAGE_ID, 'webhook-signature': sign(MESSAGE_ID, ts, BODY), 'webhook-timestamp': String(ts) },
    body: BODY,
  })
  t.equal(r.status, 200, 'six minutes old passes an hour of tolerance')
})

t.test("schema: Kong's checks and messages", async (t) => {
  const problems = (config: Record<string, unknown>) => {
    const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'standard-webhooks', config }] }), { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path.replace('plugins[0].config.', '')} ${i.message}`)
  }
  // spec/03-plugins/44-standard-webhooks/01-unit_spec.lua:18
  t.same(problems({ secret_v1: 'abc123', tolerance_second: 300 }), [], 'a valid config')
  // :30, :45 (a YAML null is an absent key here)
  t.same(problems({ tolerance_second: 300 }), ['secret_v1 required field missing'], 'secret_v1 must be set')
  t.same(problems({ secret_v1: null }), ['secret_v1 required field missing'], 'secret_v1 is not nullable')
  // :60
  t.same(problems({ secret_v1: 123 }), ['secret_v1 expected a string'], 'secret_v1 must be a string')
  // :80
  const r = loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'standard-webhooks', config: { secret_v1: 'abc123' } }] }), { file: 'k.yml' })
  t.equal(r.ok && (r.config.plugins[0]?.config as { tolerance_second?: number }).tolerance_second, 300, 'tolerance_second defaults to 5 * 60')
  // :109, :124
  t.same(problems({ secret_v1: 'abc123', tolerance_second: 1.5 }), ['tolerance_second expected an integer'], 'tolerance_second must be an integer')
  t.same(problems({ secret_v1: 'abc123', tolerance_second: -1 }), ['tolerance_second value must be greater than -1'], 'tolerance_second must be >= 0')
  // typedefs.no_consumer
  const onConsumer = loadConfig(
    stringify({ _format_version: '3.0', consumers: [{ username: 'a', plugins: [{ name: 'standard-webhooks', config: { secret_v1: 's' } }] }] }),
    { file: 'k.yml' },
  )
  t.notOk(onConsumer.ok, 'not on a consumer')
})

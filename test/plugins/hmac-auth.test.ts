// hmac-auth against a real upstream: every status, message and header of Kong's plugin.
import t from 'tap'
import { createHash, createHmac } from 'node:crypto'
import { connect } from 'node:net'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const NO_DATE = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication'
const NOT_VALID = 'HMAC signature cannot be verified'
const NOT_SAME = 'HMAC signature does not match'

const CONFIG = (pluginConfig = '') => `_format_version: "3.0"
consumers:
  - username: bob
    custom_id: "1234"
    hmacauth_credentials: [{ username: bob-hmac, secret: secret }]
  - username: guest
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: hmac-auth
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
`

const now = () => new Date().toUTCString()
const sign = (lines: string[], alg = 'sha1', secret = 'secret') => createHmac(alg, secret).update(lines.join('\n')).digest('base64')
const auth = (names: string, signature: string, alg = 'hmac-sha1', user = 'bob-hmac') =>
  `hmac username="${user}", algorithm="${alg}", headers="${names}", signature="${signature}"`
/** An Authorization header signing only the Date header. */
const dateAuth = (date: string, alg = 'sha1') => auth('date', sign([`date: ${date}`], alg), `hmac-${alg}`)

t.test('no Authorization: 401 Unauthorized with WWW-Authenticate: hmac, upstream not reached', async (t) => {
  // spec/03-plugins/19-hmac-auth/03-access_spec.lua:364
  const { send } = await pluginGateway(t, CONFIG())
  const r = await send('/x', { headers: { date: now() } })
  t.equal(r.status, 401)
  t.equal(r.json().message, 'Unauthorized')
  t.match(r.json().request_id, /^[0-9a-f]{32}$/, 'error template with request_id')
  t.equal(r.headers['www-authenticate'], 'hmac')
  t.equal(r.reached, undefined)

  const realm = await pluginGateway(t, CONFIG('realm: test-realm'))
  const rr = await realm.send('/x', { headers: { authorization: 'asd', date: now() } })
  t.equal(rr.headers['www-authenticate'], 'hmac realm="test-realm"')
  t.equal(rr.json().message, NOT_VALID)
})

t.test('Date / X-Date: missing, malformed or outside clock_skew', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('clock_skew: 60'))
  const missing = await send('/x', { headers: { authorization: 'asd' } })
  t.equal(missing.status, 401)
  t.equal(missing.json().message, NO_DATE, 'the date is checked before the header is parsed')
  t.equal(missing.headers['www-authenticate'], 'hmac')
  t.equal(missing.reached, undefined)

  const old = new Date(Date.now() - 120_000).toUTCString()
  const stale = await send('/x', { headers: { date: old, authorization: dateAuth(old) } })
  t.equal(stale.json().message, NO_DATE)
  const future = new Date(Date.now() + 120_000).toUTCString()
  t.equal((await send('/x', { headers: { date: future, authorization: dateAuth(future) } })).json().message, NO_DATE)
  t.equal((await send('/x', { headers: { date: 'wrong date', authorization: dateAuth('wrong date') } })).json().message, NO_DATE)

  const date = now()
  const xdate = await send('/x', { headers: { 'x-date': date, authorization: auth('x-date', sign([`x-date: ${date}`])) } })
  t.equal(xdate.status, 200, 'X-Date alone is enough')
  const either = await send('/x', { headers: { 'x-date': 'wrong date', date, authorization: auth('x-date', sign(['x-date: wrong date'])) } })
  t.equal(either.status, 200, 'a bad X-Date is fine when Date is valid (and the signature covers what was sent)')
})

t.test('valid signature: consumer headers upstream, credential identified by username', async (t) => {
  // spec/03-plugins/19-hmac-auth/03-access_spec.lua:423 and :881
  const { send, gw } = await pluginGateway(t, CONFIG())
  const date = now()
  const authorization = dateAuth(date)
  const r = await send('/x', { headers: { date, authorization, 'x-credential-identifier': 'spoof', 'x-anonymous-consumer': 'true' } })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  const bob = gw.holder.current().config.consumers.find((c) => c.username === 'bob')!
  t.equal(h['x-consumer-id'], bob.id)
  t.equal(h['x-consumer-username'], 'bob')
  t.equal(h['x-consumer-custom-id'], '1234')
  t.equal(h['x-credential-identifier'], 'bob-hmac')
  t.equal(h['x-anonymous-consumer'], undefined)
  t.equal(h.authorization, authorization, 'forwarded unless hide_credentials')

  const tight = `hmac username="bob-hmac",algorithm="hmac-sha1",headers="date",signature="${sign([`date: ${date}`])}"`
  t.equal((await send('/x', { headers: { date, authorization: tight } })).status, 200, 'no space between fields')
})

t.test('all four algorithms; the algorithms list restricts them', async (t) => {
  // spec/03-plugins/19-hmac-auth/03-access_spec.lua:1644, :1666 and :1727
  const { send } = await pluginGateway(t, CONFIG())
  const date = now()
  for (const alg of ['sha1', 'sha256', 'sha384', 'sha512']) {
    t.equal((await send('/x', { headers: { date, authorization: dateAuth(date, alg) } })).status, 200, alg)
  }
  const bogus = await send('/x', { headers: { date, authorization: auth('date', sign([`date: ${date}`]), 'hmac-sha') } })
  t.equal(bogus.json().message, NOT_VALID)

  const only = await pluginGateway(t, CONFIG('algorithms: [hmac-sha256]'))
  const refused = await only.send('/x', { headers: { date, authorization: dateAuth(date, 'sha1') } })
  t.equal(refused.status, 401)
  t.equal(refused.json().message, NOT_VALID)
  t.equal(refused.reached, undefined)
  t.equal((await only.send('/x', { headers: { date, authorization: dateAuth(date, 'sha256') } })).status, 200)
})

t.test('malformed parameters and unknown users: HMAC signature cannot be verified', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  const date = now()
  const sig = sign([`date: ${date}`])
  const cases: Record<string, string> = {
    garbage: 'asd',
    'only the username': 'hmac username',
    'username missing': `hmac algorithm="hmac-sha1", headers="date", signature="${sig}"`,
    'empty username': auth('date', sig, 'hmac-sha1', ''),
    'signature missing': 'hmac username="bob-hmac", algorithm="hmac-sha1", headers="date"',
    'missing comma': `hmac username="bob-hmac", algorithm="hmac-sha1" headers="date", signature="${sig}"`,
    'wrong field name': `hmac username="bob-hmac", algorithm="hmac-sha1", wrong_header="date", signature="${sig}"`,
    'unknown user': auth('date', sig, 'hmac-sha1', 'bobb'),
  }
  for (const [name, authorization] of Object.entries(cases)) {
    const r = await send('/x', { headers: { date, authorization } })
    t.equal(r.status, 401, name)
    t.equal(r.json().message, NOT_VALID, name)
    t.equal(r.reached, undefined, name)
  }
})

t.test('wrong or undecodable signature: HMAC signature does not match', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  const date = now()
  const wrong = await send('/x', { headers: { date, authorization: auth('date', sign([`date: ${date}`], 'sha1', 'other')) } })
  t.equal(wrong.status, 401)
  t.equal(wrong.json().message, NOT_SAME)
  t.equal(wrong.headers['www-authenticate'], 'hmac')
  t.equal(wrong.reached, undefined)
  const b64 = await send('/x', { headers: { date, authorization: auth('date', 'not really a base64 encoded value!!!') } })
  t.equal(b64.json().message, NOT_SAME)
})

t.test('signing string: headers, request-line, @request-target, absent headers', async (t) => {
  // spec/03-plugins/19-hmac-auth/03-access_spec.lua:577 and :600
  const { send } = await pluginGateway(t, CONFIG())
  const date = now()
  const headers = { date, 'content-md5': 'md5' }
  const line = await send('/request?name=foo%20bar&a=1', {
    headers: {
      ...headers,
      authorization: auth('date content-md5 request-line', sign([`date: ${date}`, 'content-md5: md5', 'GET /request?name=foo%20bar&a=1 HTTP/1.1'])),
    },
  })
  t.equal(line.status, 200, 'request-line is METHOD path?query HTTP/x.y, as sent')

  const noQuery = await send('/request?name=foo', {
    headers: { ...headers, authorization: auth('date content-md5 request-line', sign([`date: ${date}`, 'content-md5: md5', 'GET /request HTTP/1.1'])) },
  })
  t.equal(noQuery.status, 401, 'the query is part of the request line')
  t.equal(noQuery.json().message, NOT_SAME)

  const target = await send('/request', {
    method: 'POST',
    headers: { ...headers, authorization: auth('date @request-target', sign([`date: ${date}`, '@request-target: post /request'])) },
  })
  t.equal(target.status, 200, '@request-target is lower-case method and path')

  const absent = await send('/x', { headers: { date, authorization: auth('date x-missing', sign([`date: ${date}`, 'x-missing:'])) } })
  t.equal(absent.status, 200, 'an absent header signs as "name:"')

  const mixed = await send('/x', { headers: { date, 'X-Custom': 'v', authorization: auth('Date X-Custom', sign([`Date: ${date}`, 'X-Custom: v'])) } })
  t.equal(mixed.status, 200, 'names are looked up case-insensitively and signed as written')
})

t.test('request-line of an HTTP/1.0 request says HTTP/1.0', async (t) => {
  // spec/03-plugins/19-hmac-auth/03-access_spec.lua:623
  const { gw } = await pluginGateway(t, CONFIG())
  const date = now()
  const authorization = auth('date request-line', sign([`date: ${date}`, 'GET /old HTTP/1.0']))
  const { port } = new URL(gw.url)
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(`GET /old HTTP/1.0\r\nHost: x\r\nDate: ${date}\r\nAuthorization: ${authorization}\r\n\r\n`),
    )
    let data = ''
    socket.on('data', (c) => (data += c.toString()))
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
  })
  t.match(raw, /^HTTP\/1\.[01] 200 /)
})

t.test('Proxy-Authorization first, then Authorization', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  const date = now()
  const good = dateAuth(date)
  t.equal((await send('/x', { headers: { date, 'proxy-authorization': good, authorization: 'hello' } })).status, 200)
  t.equal((await send('/x', { headers: { date, 'proxy-authorization': 'hmac username', authorization: good } })).status, 200)
  const proxyOnly = await send('/x', { headers: { date, 'proxy-authorization': 'asd' } })
  t.equal(proxyOnly.json().message, NOT_VALID)
})

t.test('enforce_headers: every listed header must be signed', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('enforce_headers: [date, request-line]'))
  const date = now()
  const missing = await send('/x', { headers: { date, authorization: dateAuth(date) } })
  t.equal(missing.status, 401)
  t.equal(missing.json().message, NOT_VALID)
  t.equal(missing.reached, undefined)
  const ok = await send('/x', { headers: { date, authorization: auth('date request-line', sign([`date: ${date}`, 'GET /x HTTP/1.1'])) } })
  t.equal(ok.status, 200)
})

t.test('validate_request_body: the Digest header must match the body', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('validate_request_body: true'))
  const date = now()
  const body = '{"a":"apple","b":"ball"}'
  const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`
  const authorization = auth('date digest', sign([`date: ${date}`, `digest: ${digest}`]))
  const post = { method: 'POST', headers: { date, digest, authorization, 'content-type': 'application/json' } }

  const ok = await send('/x', { ...post, body })
  t.equal(ok.status, 200)
  t.equal(ok.reached!.body, body, 'the body still reaches the upstream')

  const tampered = await send('/x', { ...post, body: 'abc' })
  t.equal(tampered.status, 401)
  t.equal(tampered.json().message, NOT_SAME)
  t.equal(tampered.reached, undefined)

  const noDigest = await send('/x', { method: 'POST', headers: { date, authorization: dateAuth(date) }, body })
  t.equal(noDigest.json().message, NOT_SAME, 'a body without a Digest header is refused')

  t.equal((await send('/x', { headers: { date, authorization: dateAuth(date) } })).status, 200, 'no body and no digest is fine')

  const spoofed = `${digest}spoofed`
  const bad = await send('/x', { method: 'POST', headers: { date, digest: spoofed, authorization: auth('date', sign([`date: ${date}`])) }, body })
  t.equal(bad.json().message, NOT_SAME)

  const off = await pluginGateway(t, CONFIG())
  t.equal((await off.send('/x', { method: 'POST', headers: { date, authorization: dateAuth(date) }, body })).status, 200, 'not checked by default')
})

t.test('hide_credentials strips the header the signature came from', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('hide_credentials: true'))
  const date = now()
  const a = await send('/x', { headers: { date, authorization: dateAuth(date) } })
  t.equal(a.status, 200)
  t.equal(a.reached!.headers.authorization, undefined)
  const p = await send('/x', { headers: { date, 'proxy-authorization': dateAuth(date), authorization: 'Bearer other' } })
  t.equal(p.status, 200)
  t.equal(p.reached!.headers['proxy-authorization'], undefined)
  t.equal(p.reached!.headers.authorization, 'Bearer other', 'Authorization was not used, so it is kept (as in Kong)')
})

t.test('anonymous: failures attach the anonymous consumer; a missing one is a 500', async (t) => {
  // spec/03-plugins/19-hmac-auth/03-access_spec.lua:1165, :1181 and :1196
  const { send } = await pluginGateway(t, CONFIG('anonymous: guest'))
  const r = await send('/x')
  t.equal(r.status, 200)
  t.equal(r.reached!.headers['x-consumer-username'], 'guest')
  t.equal(r.reached!.headers['x-anonymous-consumer'], 'true')
  t.equal(r.reached!.headers['x-credential-identifier'], undefined)
  const date = now()
  const ok = await send('/x', { headers: { date, authorization: dateAuth(date) } })
  t.equal(ok.reached!.headers['x-consumer-username'], 'bob')
  t.equal(ok.reached!.headers['x-anonymous-consumer'], undefined)

  const missing = await pluginGateway(t, CONFIG('anonymous: nobody'))
  const m = await missing.send('/x')
  t.equal(m.status, 500)
  t.equal(m.json().message, "anonymous consumer nobody is configured but doesn't exist")
  t.equal(m.reached, undefined)
})

t.test('schema: defaults, consumer scope refused, bad values', async (t) => {
  // spec/03-plugins/19-hmac-auth/01-schema_spec.lua:5, :15 and :20
  const ok = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: hmac-auth\n', { file: 'h.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, {
      hide_credentials: false,
      clock_skew: 300,
      validate_request_body: false,
      enforce_headers: [],
      algorithms: ['hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'],
    })
  }
  const scoped = await loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: hmac-auth\n', { file: 'h.yml' })
  t.notOk(scoped.ok)
  if (!scoped.ok) t.match(scoped.issues[0]!.message, /value must be null/)
  const bad = await loadConfig(
    '_format_version: "3.0"\nplugins:\n  - name: hmac-auth\n    config: { clock_skew: 0, algorithms: [hmac-md5], enforce_headers: date }\n',
    { file: 'h.yml' },
  )
  t.notOk(bad.ok)
  if (!bad.ok) {
    const messages = bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')
    t.match(messages, /^4:\d+ .*config\.clock_skew.*value must be greater than 0/m)
    t.match(messages, /config\.algorithms\[0\].*expected one of: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512/)
    t.match(messages, /config\.enforce_headers.*expected an array/)
  }
})

// The session plugin beyond Kong's access spec: its schema, logout (spec/03-plugins/30-session/
// 03-session_spec.lua's cases, through a real gateway), tampered and expired cookies, renewal,
// acl beside it, and cookies built here byte for byte as lua-resty-session 4.0 builds them (Kong's
// cookies), with Node's own HKDF rather than the gateway's code.
import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto'
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { KONG_STORAGE_REFUSED } from '../../src/plugins/session/schema.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const SECRET = 'a test secret nobody else knows'
const now = () => Math.floor(Date.now() / 1000)
const setCookies = (h: string | string[] | undefined): string[] => (h === undefined ? [] : Array.isArray(h) ? h : [h])
/** `name=value` of a Set-Cookie. */
const pair = (c: string) => c.split(';')[0]!

/**
 * A session cookie as lua-resty-session 4.0 writes it (lib/resty/session.lua `save`): header
 * type|flags|sid|creation|rolling|size|tag|idling|mac, little-endian, then the AES-256-GCM payload.
 */
function kongCookie(opts: { secret?: string; data: unknown; creation: number; rolling?: number; idling?: number; audience?: string; name?: string }): string {
  const ikm = createHash('sha256')
    .update(opts.secret ?? SECRET)
    .digest()
  const sid = randomBytes(32)
  const derive = (usage: string, size: number) => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), Buffer.concat([Buffer.from(`${usage}:`), sid]), size))
  const plain = Buffer.from(JSON.stringify([[opts.data, opts.audience ?? 'default', 'coop']]))
  const size = Math.ceil((plain.length * 4) / 3)
  const head = Buffer.alloc(47)
  head[0] = 1
  head.writeUInt16LE(0, 1)
  sid.copy(head, 3)
  head.writeUIntLE(opts.creation, 35, 5)
  head.writeUInt32LE(opts.rolling ?? 0, 40)
  head.writeUIntLE(size, 44, 3)
  const enc = derive('encryption', 44)
  const c = createCipheriv('aes-256-gcm', enc.subarray(0, 32), enc.subarray(32))
  c.setAAD(head)
  const ciphertext = Buffer.concat([c.update(plain), c.final()])
  const idle = Buffer.alloc(3)
  idle.writeUIntLE(opts.idling ?? 0, 0, 3)
  const msg = Buffer.concat([head, c.getAuthTag(), idle])
  const mac = createHmac('sha256', derive('authentication', 32)).update(msg).digest().subarray(0, 16)
  return `${opts.name ?? 'session'}=${Buffer.concat([msg, mac]).toString('base64url')}${ciphertext.toString('base64url')}`
}

/** The numbers in a cookie's header (for checking what the gateway wrote). */
function headerOf(cookie: string): { sid: string; creation: number; rolling: number; idling: number } {
  const value = pair(cookie).slice(pair(cookie).indexOf('=') + 1)
  const h = Buffer.from(value.slice(0, 110), 'base64url')
  return { sid: h.subarray(3, 35).toString('hex'), creation: h.readUIntLE(35, 5), rolling: h.readUInt32LE(40), idling: h.readUIntLE(63, 3) }
}

type Plugin = { name: string; config?: Record<string, unknown> }
const keyAuth: Plugin = { name: 'key-auth', config: { anonymous: 'anon' } }
const session = (config: Record<string, unknown> = {}): Plugin => ({ name: 'session', config: { secret: SECRET, ...config } })

const CONSUMERS = [
  { username: 'coop', id: '2a3a6b7c-0000-4000-8000-000000000001', keyauth_credentials: [{ key: 'kong' }], acls: [{ group: 'gold' }] },
  { username: 'silvia', keyauth_credentials: [{ key: 'silver' }], acls: [{ group: 'silver' }] },
  { username: 'anon' },
]
const COOP = CONSUMERS[0]!.id

function yml(routes: Record<string, Plugin[]>): string {
  return stringify(
    {
      _format_version: '3.0',
      consumers: CONSUMERS,
      services: [
        { name: 'app', url: '$UPSTREAM', routes: Object.entries(routes).map(([name, plugins]) => ({ name, paths: [`/${name}`], strip_path: false, plugins })) },
      ],
      plugins: [{ name: 'request-termination', consumer: 'anon', config: { status_code: 403, message: 'So it goes.' } }],
    },
    { lineWidth: 0 },
  )
}

t.test('schema: Kong fields, defaults and refusals', async (t) => {
  const load = (config: Record<string, unknown>, where: Record<string, unknown> = {}) =>
    loadConfig(stringify({ _format_version: '3.0', plugins: [{ name: 'session', config, ...where }] }), { file: 'k.yml' })
  const problems = (config: Record<string, unknown>) => {
    const r = load(config)
    return r.ok ? [] : r.issues.map((i) => `${i.path.replace('plugins[0].config.', '')} ${i.message}`)
  }
  const r = load({})
  t.ok(r.ok)
  const conf = r.ok ? (r.config.plugins[0]!.config as Record<string, unknown>) : {}
  // kong/plugins/session/schema.lua defaults
  t.match(conf, {
    storage: 'cookie',
    audience: 'default',
    idling_timeout: 900,
    rolling_timeout: 3600,
    absolute_timeout: 86400,
    stale_ttl: 10,
    cookie_name: 'session',
    cookie_path: '/',
    cookie_same_site: 'Strict',
    cookie_http_only: true,
    cookie_secure: true,
    remember: false,
    remember_cookie_name: 'remember',
    remember_rolling_timeout: 604800,
    remember_absolute_timeout: 2592000,
    read_body_for_logout: false,
    logout_methods: ['POST', 'DELETE'],
    logout_query_arg: 'session_logout',
    logout_post_arg: 'session_logout',
    hash_subject: false,
    store_metadata: false,
  })
  t.same(problems({ storage: 'kong' }), [`storage ${KONG_STORAGE_REFUSED}`], "storage 'kong' is refused, saying why")
  t.same(problems({ storage: 'redis' }), ['storage expected one of: cookie, kong'])
  t.same(problems({ cookie_same_site: 'Sometimes' }), ['cookie_same_site expected one of: Strict, Lax, None, Default'])
  t.same(problems({ response_headers: ['id', 'secret'] }), [
    'response_headers[1] expected one of: id, audience, subject, timeout, idling-timeout, rolling-timeout, absolute-timeout',
  ])
  t.same(problems({ logout_methods: ['PUT'] }), ['logout_methods[0] expected one of: GET, POST, DELETE'])
  t.same(problems({ rolling_timeout: '1h' }), ['rolling_timeout expected a number'])
  t.same(problems({ cookie_lifetime: 60, cookie_samesite: 'off', cookie_persistent: true }), [], "Kong's deprecated shorthands load")
  t.notOk(
    loadConfig(stringify({ _format_version: '3.0', consumers: [{ username: 'a', plugins: [{ name: 'session' }] }] }), { file: 'k.yml' }).ok,
    'not on a consumer',
  )
})

t.test('logout: methods, query argument, body argument', async (t) => {
  const g = await pluginGateway(
    t,
    yml({
      plain: [session(), keyAuth],
      get: [session({ logout_methods: ['GET', 'POST'] }), keyAuth],
      body: [session({ read_body_for_logout: true }), keyAuth],
    }),
  )
  const login = async (route: string) => pair(setCookies((await g.send(`/${route}`, { headers: { apikey: 'kong' } })).headers['set-cookie'])[0]!)

  const cookie = await login('plain')
  // spec/03-plugins/30-session/02-kong_storage_adapter_spec.lua:349 (the logout request; here the cookie holds the session)
  const out = await g.send('/plain/status/200?session_logout=true', { method: 'DELETE', headers: { cookie } })
  t.equal(out.status, 200, "Kong's kong.response.exit(200)")
  t.equal(out.body, '', 'no body')
  t.equal(out.reached, undefined, 'the upstream never sees a logout')
  t.same(
    setCookies(out.headers['set-cookie']),
    ['session=; Path=/; SameSite=Strict; Secure; HttpOnly; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0'],
    'the cookie expires',
  )

  // spec/03-plugins/30-session/03-session_spec.lua:104: GET is not a logout method by default
  const get = await g.send('/plain?session_logout', { headers: { cookie } })
  t.equal(get.status, 200)
  t.ok(get.reached, 'proxied as the session')
  t.equal(get.reached?.headers['x-consumer-username'], 'coop')
  // spec/03-plugins/30-session/03-session_spec.lua:27: unless logout_methods names it
  const getCookie = await login('get')
  const byGet = await g.send('/get?session_logout', { headers: { cookie: getCookie } })
  t.equal(byGet.status, 200)
  t.equal(byGet.reached, undefined, 'logged out with GET')
  // spec/03-plugins/30-session/03-session_spec.lua:46 and :75: the body is not read by default
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  for (const method of ['POST', 'DELETE']) {
    const ignored = await g.send('/plain', { method, headers: { cookie, ...form }, body: 'session_logout=true' })
    t.ok(ignored.reached, `${method} with the body argument is proxied without read_body_for_logout`)
  }
  // spec/03-plugins/30-session/03-session_spec.lua:36 and :65: with read_body_for_logout
  const bodyCookie = await login('body')
  for (const method of ['POST', 'DELETE']) {
    const byBody = await g.send('/body', { method, headers: { cookie: bodyCookie, ...form }, body: 'session_logout=true' })
    t.equal(byBody.status, 200)
    t.equal(byBody.reached, undefined, `${method} logs out by its body`)
  }
  // spec/03-plugins/30-session/03-session_spec.lua:113: a method not listed is no logout
  const put = await g.send('/body?session_logout=1', { method: 'PUT', headers: { cookie: bodyCookie } })
  t.ok(put.reached, 'PUT is not a logout method')
  // No session: no logout, the request goes on (and is anonymous here).
  const none = await g.send('/plain?session_logout=true', { method: 'DELETE' })
  t.equal(none.status, 403)
})

t.test('cookies Kong writes open here; tampered or expired ones do not', async (t) => {
  const g = await pluginGateway(t, yml({ s: [session({ response_headers: ['id', 'audience', 'subject', 'timeout'] }), keyAuth] }))
  const data = [COOP, 'some-credential-id']
  const valid = await g.send('/s', { headers: { cookie: kongCookie({ data, creation: now() - 5 }) } })
  t.equal(valid.status, 200, 'a cookie built as lua-resty-session builds it authenticates')
  t.equal(valid.reached?.headers['x-consumer-id'], COOP)
  t.equal(valid.reached?.headers['x-credential-identifier'], 'some-credential-id')
  t.equal(valid.headers['session-audience'], 'default')
  t.equal(valid.headers['session-subject'], 'coop')
  t.ok(Number(valid.headers['session-timeout']) <= 900 && Number(valid.headers['session-timeout']) > 800, 'Session-Timeout: the idling time left')

  const refused = async (cookie: string, why: string) => {
    const r = await g.send('/s', { headers: { cookie } })
    t.equal(r.status, 403, `${why}: anonymous, terminated`)
    t.equal(r.reached, undefined)
  }
  const good = kongCookie({ data, creation: now() - 5 })
  const value = good.slice('session='.length)
  const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1)
  await refused(`session=${flip(value, 20)}`, 'a changed header byte')
  await refused(`session=${flip(value, 115)}`, 'a changed payload byte')
  await refused(kongCookie({ data, creation: now() - 5, secret: 'another secret' }), 'another secret')
  await refused(kongCookie({ data, creation: now() - 86401, rolling: 86400 - 10 }), 'past absolute_timeout')
  await refused(kongCookie({ data, creation: now() - 3700 }), 'past rolling_timeout')
  await refused(kongCookie({ data, creation: now() - 1000, rolling: 0, idling: 50 }), 'past idling_timeout')
  await refused(kongCookie({ data, creation: now() - 5, audience: 'another-app' }), 'another audience')
  await refused('session=not-a-session', 'garbage')

  // A consumer no longer in the config: the session is ended.
  const gone = await g.send('/s', { headers: { cookie: kongCookie({ data: ['0b6a3e6e-0000-4000-8000-00000000dead', 'x'], creation: now() - 5 }) } })
  t.equal(gone.status, 403)
  t.match(setCookies(gone.headers['set-cookie'])[0], /^session=; .*Max-Age=0$/, 'its cookie expires')
})

t.test('renewal and touch keep the session going', async (t) => {
  const g = await pluginGateway(t, yml({ s: [session(), keyAuth] }))
  const data = [COOP, 'cred']
  // Past three quarters of rolling_timeout (3600): a new cookie, new id, same creation time.
  const creation = now() - 2800
  const renewed = await g.send('/s', { headers: { cookie: kongCookie({ data, creation, idling: 2790 }) } })
  t.equal(renewed.status, 200)
  const [fresh] = setCookies(renewed.headers['set-cookie'])
  t.ok(fresh, 'renewed')
  const h = headerOf(fresh!)
  t.equal(h.creation, creation, 'the creation time is kept (absolute_timeout still counts from it)')
  t.ok(h.rolling >= 2800, 'the rolling offset moves to now')
  const again = await g.send('/s', { headers: { cookie: pair(fresh!) } })
  t.equal(again.status, 200, 'the renewed cookie works')
  t.same(setCookies(again.headers['set-cookie']), [], 'and needs no renewal')

  // More than a minute unused (but within idling_timeout): touched, the same session id.
  const idle = kongCookie({ data, creation: now() - 200 })
  const touched = await g.send('/s', { headers: { cookie: idle } })
  t.equal(touched.status, 200)
  const [t1] = setCookies(touched.headers['set-cookie'])
  t.equal(headerOf(t1!).sid, headerOf(idle).sid, 'same session id')
  t.ok(headerOf(t1!).idling >= 200, 'the idling offset moves to now')
  t.equal(pair(t1!).slice(118), idle.slice(118), 'the payload is sent as it was')
})

t.test('remember: the persistent cookie brings the session back', async (t) => {
  const g = await pluginGateway(t, yml({ r: [session({ remember: true }), keyAuth] }))
  const login = await g.send('/r', { headers: { apikey: 'kong' } })
  const [sessionCookie, rememberCookie] = setCookies(login.headers['set-cookie'])
  t.match(rememberCookie, /^remember=.*; Max-Age=604800$/, 'a persistent cookie, remember_rolling_timeout long')
  // The browser closed: the session cookie is gone, the persistent one is sent.
  const back = await g.send('/r', { headers: { cookie: pair(rememberCookie!) } })
  t.equal(back.status, 200)
  t.equal(back.reached?.headers['x-consumer-username'], 'coop', 'the consumer of the persistent cookie')
  const renewed = setCookies(back.headers['set-cookie'])
  t.same(renewed.map((c) => pair(c).split('=')[0]).sort(), ['remember', 'session'], 'a new persistent cookie and a new session cookie')
  t.not(headerOf(renewed.find((c) => c.startsWith('session='))!).sid, headerOf(sessionCookie!).sid, 'a new session')
  const value = pair(rememberCookie!)
  const forged = value.slice(0, 120) + (value[120] === 'A' ? 'B' : 'A') + value.slice(121)
  t.equal((await g.send('/r', { headers: { cookie: forged } })).status, 403, 'a changed persistent cookie is no session')
  // Logging out expires both.
  const out = await g.send('/r?session_logout', { method: 'POST', headers: { cookie: `${pair(sessionCookie!)}; ${pair(rememberCookie!)}` } })
  t.equal(out.status, 200)
  t.same(
    setCookies(out.headers['set-cookie']).map((c) => c.split(';')[0]),
    ['session=', 'remember='],
    'both cookies expire',
  )
})

t.test('acl beside the session: the consumer from the cookie and its groups', async (t) => {
  const g = await pluginGateway(t, yml({ gold: [session(), keyAuth, { name: 'acl', config: { allow: ['gold'] } }] }))
  const gold = pair(setCookies((await g.send('/gold', { headers: { apikey: 'kong' } })).headers['set-cookie'])[0]!)
  const r = await g.send('/gold', { headers: { cookie: gold } })
  t.equal(r.status, 200, 'a gold consumer passes with the cookie alone')
  t.equal(r.reached?.headers['x-consumer-groups'], 'gold')
  const silver = await g.send('/gold', { headers: { apikey: 'silver' } })
  t.equal(silver.status, 403, 'a silver consumer is refused by acl')
  const silverCookie = setCookies(silver.headers['set-cookie'])[0]
  t.ok(silverCookie, 'its session is saved all the same (header_filter runs on the 403, as in Kong)')
  const again = await g.send('/gold', { headers: { cookie: pair(silverCookie!) } })
  t.equal(again.status, 403, 'and acl refuses it by the consumer the session names')
  t.equal(again.json().message, 'You cannot consume this service')
})

t.test('large sessions are chunked as lua-resty-session chunks them', async (t) => {
  const groups = Array.from({ length: 400 }, (_, i) => `group-${i}-${randomBytes(6).toString('hex')}`)
  const lua = `kong.ctx.shared.authenticated_groups = { ${groups.map((g) => `"${g}"`).join(', ')} }`
  const g = await pluginGateway(t, yml({ big: [session(), keyAuth, { name: 'pre-function', config: { access: [lua] } }] }))
  const r = await g.send('/big', { headers: { apikey: 'kong' } })
  const cookies = setCookies(r.headers['set-cookie'])
  t.ok(cookies.length >= 2, 'more than one cookie')
  t.same(
    cookies.map((c) => pair(c).split('=')[0]),
    ['session', ...cookies.slice(1).map((_, i) => `session${i + 2}`)],
    'session, session2, ...',
  )
  t.ok(
    cookies.every((c) => pair(c).length <= 4096),
    'each at most 4 KiB',
  )
  const back = await g.send('/big', { headers: { cookie: cookies.map(pair).join('; ') } })
  t.equal(back.status, 200)
  t.equal(back.reached?.headers['x-authenticated-groups'], groups.join(', '), 'every group came back')
})

t.test('without a secret: the node secret, shared by the workers it is handed to', async (t) => {
  const conf = yml({ s: [{ name: 'session' }, keyAuth] })
  const nodeSecret = randomBytes(32).toString('base64url')
  const a = await pluginGateway(t, conf, undefined, { env: { GATEWAY_NODE_SECRET: nodeSecret } })
  const b = await pluginGateway(t, conf, undefined, { env: { GATEWAY_NODE_SECRET: nodeSecret } })
  const c = await pluginGateway(t, conf)
  const cookie = pair(setCookies((await a.send('/s', { headers: { apikey: 'kong' } })).headers['set-cookie'])[0]!)
  t.equal((await b.send('/s', { headers: { cookie } })).status, 200, 'a process with the same node secret (a worker) opens it')
  t.equal((await c.send('/s', { headers: { cookie } })).status, 403, 'another node does not')
})

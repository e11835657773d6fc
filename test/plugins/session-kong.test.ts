// Kong's session access spec (spec/03-plugins/30-session/01-access_spec.lua) through a real gateway
// with key-auth (anonymous fallback) and a real echo upstream: the first request with a key gets a
// cookie, the next with only the cookie passes as the same consumer, groups travel in the session,
// a persistent cookie comes with remember. Kong routes by host; these routes are paths.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const GROUPS_LUA = 'if kong.request.get_header("apikey") then kong.ctx.shared.authenticated_groups = { "agents", "doubleagents" } end'

type Plugin = { name: string; config?: Record<string, unknown> }
const keyAuth: Plugin = { name: 'key-auth', config: { anonymous: 'anon' } }

const ROUTES: Record<string, Plugin[]> = {
  test1: [{ name: 'session' }, keyAuth],
  test2: [{ name: 'session', config: { cookie_name: 'da_cookie', cookie_same_site: 'Lax', cookie_http_only: false, cookie_secure: false } }, keyAuth],
  headers: [{ name: 'session' }, keyAuth],
  // Kong's ctx-checker sets ngx.ctx.authenticated_groups; here a pre-function does, and only when a key is sent.
  groups: [{ name: 'session' }, keyAuth, { name: 'pre-function', config: { access: [GROUPS_LUA] } }],
  test5: [{ name: 'session', config: { remember_rolling_timeout: 3600, remember: true } }, keyAuth],
}

const yml = stringify(
  {
    _format_version: '3.0',
    consumers: [{ username: 'coop', keyauth_credentials: [{ key: 'kong' }] }, { username: 'anon' }],
    services: [
      { name: 'app', url: '$UPSTREAM', routes: Object.entries(ROUTES).map(([name, plugins]) => ({ name, paths: [`/${name}`], strip_path: false, plugins })) },
    ],
    plugins: [{ name: 'request-termination', consumer: 'anon', config: { status_code: 403, message: 'So it goes.' } }],
  },
  { lineWidth: 0 },
)

const setCookies = (h: string | string[] | undefined): string[] => (h === undefined ? [] : Array.isArray(h) ? h : [h])

t.test("Kong's session access spec", async (t) => {
  const g = await pluginGateway(t, yml)

  t.test('plugin attaches Set-Cookie and cookie response headers', async (t) => {
    // spec/03-plugins/30-session/01-access_spec.lua:185
    const r = await g.send('/test1/status/200', { headers: { apikey: 'kong' } })
    t.equal(r.status, 200)
    const [cookie] = setCookies(r.headers['set-cookie'])
    t.ok(cookie, 'a Set-Cookie')
    t.equal(cookie!.split('=')[0], 'session')
    const parts = cookie!.split('; ')
    t.equal(parts[1], 'Path=/')
    t.equal(parts[2], 'SameSite=Strict')
    t.equal(parts[3], 'Secure')
    t.equal(parts[4], 'HttpOnly')
    t.equal(parts.length, 5, 'a session cookie: no Expires, no Max-Age')
  })

  t.test('cookie works as authentication after initial auth plugin', async (t) => {
    // spec/03-plugins/30-session/01-access_spec.lua:212
    const anonymous = await g.send('/test2/status/200')
    t.equal(anonymous.status, 403, 'the anonymous consumer is terminated')
    t.equal(anonymous.reached, undefined)
    t.same(setCookies(anonymous.headers['set-cookie']), [], 'no session for anonymous')

    const withKey = await g.send('/test2/status/200', { headers: { apikey: 'kong' } })
    t.equal(withKey.status, 200)
    const [cookie] = setCookies(withKey.headers['set-cookie'])
    t.equal(cookie!.split('=')[0], 'da_cookie')
    const parts = cookie!.split('; ')
    t.equal(parts[2], 'SameSite=Lax')
    t.equal(parts[3], undefined, 'no Secure')
    t.equal(parts[4], undefined, 'no HttpOnly')

    // Kong's spec sends the Set-Cookie value back as the Cookie header.
    const withCookie = await g.send('/test2/status/200', { headers: { cookie: cookie! } })
    t.equal(withCookie.status, 200)
    t.equal(withCookie.reached?.headers['x-consumer-username'], 'coop')
    t.same(setCookies(withCookie.headers['set-cookie']), [], 'a fresh session is not saved again')
  })

  t.test('plugin attaches Set-Cookie with max-age/expiry when remember is on', async (t) => {
    // spec/03-plugins/30-session/01-access_spec.lua:250
    const before = Math.floor(Date.now() / 1000)
    const r = await g.send('/test5/status/200', { headers: { apikey: 'kong' } })
    t.equal(r.status, 200)
    const cookies = setCookies(r.headers['set-cookie'])
    t.equal(cookies.length, 2)
    t.equal(cookies[0]!.split('=')[0], 'session')
    const parts = cookies[1]!.split('; ')
    t.equal(parts[0]!.split('=')[0], 'remember')
    t.equal(parts[1], 'Path=/')
    t.equal(parts[2], 'SameSite=Strict')
    t.equal(parts[3], 'Secure')
    t.equal(parts[4], 'HttpOnly')
    t.match(parts[5], /^Expires=/)
    t.equal(parts[6], 'Max-Age=3600')
    // Expires is the creation time plus Max-Age.
    const expires = Date.parse(parts[5]!.slice('Expires='.length)) / 1000
    t.ok(expires >= before + 3600 && expires <= Math.floor(Date.now() / 1000) + 3600, 'Expires = creation + 3600 s')
  })

  t.test('consumer headers are set correctly on request', async (t) => {
    // spec/03-plugins/30-session/01-access_spec.lua:281
    const withKey = await g.send('/headers', { headers: { apikey: 'kong' } })
    t.equal(withKey.status, 200)
    const keyHeaders = withKey.reached!.headers
    const [cookie] = setCookies(withKey.headers['set-cookie'])
    const r = await g.send('/headers', { headers: { cookie: cookie! } })
    t.equal(r.status, 200)
    const h = r.reached!.headers
    t.equal(h['x-consumer-id'], keyHeaders['x-consumer-id'], "the key's consumer")
    t.equal(h['x-consumer-username'], 'coop')
    t.equal(h['x-credential-identifier'], keyHeaders['x-credential-identifier'], "the key's credential id")
    t.equal(h['x-anonymous-consumer'], undefined)
    t.equal(h['x-consumer-custom-id'], undefined)
    t.equal(h['x-authenticated-groups'], undefined)
    t.equal(h.apikey, undefined, 'no key was sent: the cookie authenticated')
  })

  t.test('groups are retrieved from session and headers are set', async (t) => {
    // spec/03-plugins/30-session/01-access_spec.lua:321
    const withKey = await g.send('/groups', { headers: { apikey: 'kong' } })
    t.equal(withKey.status, 200)
    const [cookie] = setCookies(withKey.headers['set-cookie'])
    const r = await g.send('/groups', { headers: { cookie: cookie! } })
    t.equal(r.status, 200)
    t.equal(r.reached!.headers['x-authenticated-groups'], 'agents, doubleagents')
  })
})

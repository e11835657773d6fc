// Kong's oauth2 access spec (spec/03-plugins/25-oauth2/03-access_spec.lua), the parts that hold
// for a DB-less node: tokens are declared in the file instead of issued, so each "provision_token()"
// of Kong's spec is a token written in kong.yml. Through a real gateway (plain and TLS listeners)
// and a real echo upstream. The endpoints run every check Kong runs; what passes them all reaches
// the write a DB-less Kong refuses, and gets its 500.
import t from 'tap'
import { Agent, request } from 'undici'
import { stringify } from 'yaml'
import { pluginGateway, pluginLines, type PluginGateway } from '../helpers/plugin-gateway.js'
import type { Reply } from '../helpers/gateway.js'

const ANONYMOUS_ID = '8b8c3a2e-6a0c-4bc0-9b5b-9f0c6c6f0a01'
const NONEXISTING_ANONYMOUS = '0f3a7a52-8a1e-4d8b-8d38-3b2b0f9d7c11'
const SCOPES = ['email', 'profile', 'user.email']
const now = Math.floor(Date.now() / 1000)

/** bp.oauth2_plugins' defaults (spec/fixtures/blueprints.lua:296), plus the route's own config. */
const oauth2 = (config: Record<string, unknown> = {}) => ({
  name: 'oauth2',
  config: {
    scopes: SCOPES,
    mandatory_scope: true,
    provision_key: 'provision123',
    enable_authorization_code: true,
    enable_implicit_grant: true,
    token_expiration: 5,
    ...config,
  },
})

/** One service per route (tokens are bound to a service), each on `/<name>`. */
const ROUTES: Record<string, ReturnType<typeof oauth2>[]> = {
  r1: [oauth2()],
  r3: [oauth2({ hide_credentials: true })],
  r4: [oauth2({ enable_client_credentials: true, enable_authorization_code: false })],
  r5: [oauth2({ enable_password_grant: true, enable_authorization_code: false, realm: 'test-oauth2' })],
  r6: [oauth2({ accept_http_if_already_terminated: true })],
  r7: [oauth2({ anonymous: ANONYMOUS_ID })],
  r8: [oauth2({ global_credentials: true })],
  r9: [oauth2({ global_credentials: true })],
  r10: [oauth2({ global_credentials: true, anonymous: NONEXISTING_ANONYMOUS })],
  r11: [oauth2({ global_credentials: true, token_expiration: 7, auth_header_name: 'custom_header_name' })],
  r12: [oauth2({ global_credentials: true, auth_header_name: 'custom_header_name', hide_credentials: true })],
  rc: [oauth2({ anonymous: 'no-body' })],
  rnon: [oauth2({ enable_client_credentials: true, global_credentials: false })],
}

const token = (access_token: string, extra: Record<string, unknown> = {}) => ({
  credential: 'clientid123',
  access_token,
  expires_in: 3600,
  scope: 'email',
  authenticated_userid: 'userid123',
  ...extra,
})

const YAML = stringify(
  {
    _format_version: '3.0',
    consumers: [
      {
        username: 'bob',
        oauth2_credentials: [
          { name: 'testapp', client_id: 'clientid123', client_secret: 'secret123', hash_secret: true, redirect_uris: ['http://google.test/kong'] },
          { name: 'testapp2', client_id: 'clientid789', client_secret: 'secret789', redirect_uris: ['http://google.test/kong?foo=bar&code=123'] },
          { name: 'testapp50', client_id: 'clientid11211', client_secret: 'secret11211', client_type: 'public', redirect_uris: ['http://google.test/kong'] },
          // Nested tokens may not name a service (Kong's nested records): they are global.
          { name: 'globalapp', client_id: 'clientid_global', client_secret: 'secretg', oauth2_tokens: [{ access_token: 'tok-global', expires_in: 0 }] },
        ],
      },
      { username: 'no-body', id: ANONYMOUS_ID },
    ],
    services: Object.entries(ROUTES).map(([name, plugins]) => ({
      name: `s-${name}`,
      url: '$UPSTREAM',
      routes: [{ name, paths: [`/${name}`], plugins }],
    })),
    oauth2_tokens: [
      token('tok-r1', { service: 's-r1' }),
      token('tok-r3', { service: 's-r3' }),
      token('tok-r7', { service: 's-r7' }),
      token('tok-r8', { service: 's-r8' }),
      token('tok-expired', { service: 's-r1', expires_in: 5, created_at: now - 60 }),
      token('tok-refreshable', { service: 's-r1', refresh_token: 'refresh-r1' }),
    ],
  },
  { lineWidth: 0 },
)

const tls = new Agent({ connect: { rejectUnauthorized: false } })
t.teardown(() => tls.close())

let env: PluginGateway & { https: string }
const { lines, pluginLog } = pluginLines()

t.before(async () => {
  const pg = await pluginGateway(t, YAML, undefined, { tlsListen: ['127.0.0.1:0'], trustedIps: '127.0.0.1', pluginLog })
  env = Object.assign(pg, { https: `https://${pg.gw.tls[0]}` })
})

/** A request over TLS (Kong's proxy_ssl_client). */
async function sendTls(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const r = await request(`${env.https}${path}`, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, body: opts.body, dispatcher: tls })
  const body = await r.body.text()
  return { status: r.statusCode, headers: r.headers, body, json: () => JSON.parse(body) }
}

const json = (body: Record<string, unknown>) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const INVALID_TOKEN = { error_description: 'The access token is invalid or has expired', error: 'invalid_token' }
const INVALID_TOKEN_HEADER = 'Bearer error="invalid_token", error_description="The access token is invalid or has expired"'

t.test('Making a request', async (t) => {
  // spec/03-plugins/25-oauth2/03-access_spec.lua:2940
  t.test('fails when no access_token is being sent in an application/json body', async (t) => {
    const r = await env.send('/r1/request', json({}))
    t.equal(r.status, 401)
    t.same(r.json(), { error_description: 'The access token is missing', error: 'invalid_request' })
    t.equal(r.headers['www-authenticate'], 'Bearer')
    t.notOk(r.reached, 'never reached the upstream')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:2954
  t.test('works when a correct access_token is being sent in the querystring', async (t) => {
    const r = await env.send('/r1/request?access_token=tok-r1')
    t.equal(r.status, 200)
    t.ok(r.reached)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:2966
  t.test('works when a correct access_token is being sent in the custom header', async (t) => {
    const r = await env.send('/r11/request', { headers: { custom_header_name: 'bearer tok-global' } })
    t.equal(r.status, 200)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:2992
  t.test('fails when missing access_token is being sent in the custom header', async (t) => {
    const r = await env.send('/r11/request', { headers: { custom_header_name: '' } })
    t.equal(r.status, 401)
    t.equal(r.headers['www-authenticate'], 'Bearer')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3145
  t.test('fails when a correct access_token is being sent in the wrong header', async (t) => {
    const r = await env.send('/r11/request', { headers: { authorization: 'bearer tok-global' } })
    t.equal(r.status, 401)
    t.equal(r.headers['www-authenticate'], 'Bearer')
    t.notOk(r.reached)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3159
  t.test('does not work when requesting a different API - with no realm set', async (t) => {
    const r = await env.send('/r3/request?access_token=tok-r1')
    t.equal(r.status, 401)
    t.same(r.json(), INVALID_TOKEN)
    t.equal(r.headers['www-authenticate'], INVALID_TOKEN_HEADER)
    t.notOk(r.reached)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3174 (there the realm is not set on that route either)
  t.test('does not work when requesting a different API - with realm set', async (t) => {
    const r = await env.send('/r5/request?access_token=tok-r1')
    t.equal(r.status, 401)
    t.same(r.json(), INVALID_TOKEN)
    t.equal(r.headers['www-authenticate'], `Bearer realm="test-oauth2", error="invalid_token", error_description="The access token is invalid or has expired"`)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3189
  t.test('works when a correct access_token is being sent in a form body', async (t) => {
    const r = await env.send('/r1/request', json({ access_token: 'tok-r1' }))
    t.equal(r.status, 200)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3233
  t.test('works when a correct access_token is being sent in an authorization header (bearer)', async (t) => {
    const r = await env.send('/r1/request', { method: 'POST', headers: { authorization: 'bearer tok-r1' } })
    t.equal(r.status, 200)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3246
  t.test('works when a correct access_token is being sent in an authorization header (token)', async (t) => {
    const r = await env.send('/r1/request', { method: 'POST', headers: { authorization: 'token tok-r1' } })
    t.equal(r.status, 200)
    const h = r.reached!.headers
    t.match(h['x-consumer-id'], /^[0-9a-f-]{36}$/)
    t.equal(h['x-consumer-username'], 'bob')
    t.equal(h['x-authenticated-userid'], 'userid123')
    t.equal(h['x-authenticated-scope'], 'email')
    t.equal(h['x-credential-identifier'], 'clientid123')
    t.equal(h['x-anonymous-consumer'], undefined)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3315
  t.test('works with right credentials and anonymous', async (t) => {
    const r = await env.send('/r7/request', { method: 'POST', headers: { authorization: 'bearer tok-r7' } })
    t.equal(r.status, 200)
    const h = r.reached!.headers
    t.equal(h['x-consumer-username'], 'bob')
    t.equal(h['x-authenticated-userid'], 'userid123')
    t.equal(h['x-authenticated-scope'], 'email')
    t.equal(h['x-credential-identifier'], 'clientid123')
    t.equal(h['x-anonymous-consumer'], undefined)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3335
  t.test('works with wrong credentials and anonymous', async (t) => {
    const r = await env.send('/r7/request', {
      method: 'POST',
      headers: { 'x-authenticated-scope': 'spoofed', 'x-authenticated-userid': 'spoofed' },
    })
    t.equal(r.status, 200)
    const h = r.reached!.headers
    t.equal(h['x-anonymous-consumer'], 'true')
    t.equal(h['x-consumer-username'], 'no-body')
    t.equal(h['x-credential-identifier'], undefined)
    // set_consumer(anonymous) clears the plugin's own headers: a client cannot send them through.
    t.equal(h['x-authenticated-scope'], undefined)
    t.equal(h['x-authenticated-userid'], undefined)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3349
  t.test('works with wrong credentials and username in anonymous', async (t) => {
    const r = await env.send('/rc/request', { method: 'POST' })
    t.equal(r.status, 200)
    t.equal(r.reached!.headers['x-anonymous-consumer'], 'true')
    t.equal(r.reached!.headers['x-consumer-username'], 'no-body')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3361
  t.test("errors when anonymous user doesn't exist", async (t) => {
    const r = await env.send('/r10/request')
    t.equal(r.status, 500)
    t.equal(r.json().message, `anonymous consumer ${NONEXISTING_ANONYMOUS} is configured but doesn't exist`)
    t.notOk(r.reached)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3408
  t.test('returns success while accessing the correct service after accessing the wrong service first', async (t) => {
    t.equal((await env.send('/r3/request?access_token=tok-r1')).status, 401)
    t.equal((await env.send('/r1/request?access_token=tok-r1')).status, 200)
  })
})

t.test('Global Credentials', async (t) => {
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3433
  t.test('does not access two different APIs that are not sharing global credentials', async (t) => {
    t.equal((await env.send('/r8/request', { method: 'POST', headers: { authorization: 'bearer tok-r8' } })).status, 200)
    const r = await env.send('/r1/request', { method: 'POST', headers: { authorization: 'bearer tok-r8' } })
    t.equal(r.status, 401)
    t.equal(r.headers['www-authenticate'], INVALID_TOKEN_HEADER)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3457
  t.test('does not access two different APIs that are not sharing global credentials 2', async (t) => {
    const r = await env.send('/r8/request', { method: 'POST', headers: { authorization: 'bearer tok-r1' } })
    t.equal(r.status, 401)
    t.equal(r.headers['www-authenticate'], INVALID_TOKEN_HEADER)
    t.equal((await env.send('/r1/request', { method: 'POST', headers: { authorization: 'bearer tok-r1' } })).status, 200)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3481 (a token issued with global_credentials has no service)
  t.test('access two different APIs that are sharing global credentials', async (t) => {
    t.equal((await env.send('/r8/request', { method: 'POST', headers: { authorization: 'bearer tok-global' } })).status, 200)
    t.equal((await env.send('/r9/request', { method: 'POST', headers: { authorization: 'bearer tok-global' } })).status, 200)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:4340
  t.test('responds 401 when using global token against non-global plugin', async (t) => {
    const r = await env.send('/rnon/anything', json({ access_token: 'tok-global' }))
    t.equal(r.status, 401)
    t.same(r.json(), {
      error_description: "The access token is global, but the current plugin is configured without 'global_credentials'",
      error: 'invalid_token',
    })
    t.equal(r.headers['www-authenticate'], INVALID_TOKEN_HEADER)
    t.notOk(r.reached)
  })
})

t.test('Authentication challenge', async (t) => {
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3508
  t.test('returns 401 Unauthorized without error if it lacks any authentication information', async (t) => {
    const r = await env.send('/r1/request', { method: 'POST' })
    t.equal(r.status, 401)
    t.same(r.json(), { error_description: 'The access token is missing', error: 'invalid_request' })
    t.equal(r.headers['www-authenticate'], 'Bearer')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3521
  t.test('returns 401 Unauthorized when an invalid access token is being sent via url parameter', async (t) => {
    const r = await env.send('/r1/request?access_token=invalid')
    t.equal(r.status, 401)
    t.same(r.json(), INVALID_TOKEN)
    t.equal(r.headers['www-authenticate'], INVALID_TOKEN_HEADER)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3534
  t.test('returns 401 Unauthorized when an invalid access token is being sent via the Authorization header', async (t) => {
    const r = await env.send('/r1/request', { method: 'POST', headers: { authorization: 'bearer invalid' } })
    t.equal(r.status, 401)
    t.same(r.json(), INVALID_TOKEN)
    t.equal(r.headers['www-authenticate'], INVALID_TOKEN_HEADER)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3548 (declared with a created_at in the past instead of waiting)
  t.test('returns 401 Unauthorized when token has expired', async (t) => {
    const r = await env.send('/r1/request', { method: 'POST', headers: { authorization: 'bearer tok-expired' } })
    t.equal(r.status, 401)
    t.same(r.json(), INVALID_TOKEN)
    t.equal(r.headers['www-authenticate'], INVALID_TOKEN_HEADER)
    t.notOk(r.reached)
  })
})

t.test('Hide Credentials', async (t) => {
  const form = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3832
  t.test('does not hide credentials in the body', async (t) => {
    const r = await env.send('/r1/request', form('access_token=tok-r1'))
    t.equal(r.status, 200)
    t.equal(r.reached!.body, 'access_token=tok-r1')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3849
  t.test('hides credentials in the body', async (t) => {
    const r = await env.send('/r3/request', form('access_token=tok-r3&foo=bar'))
    t.equal(r.status, 200)
    t.equal(r.reached!.body, 'foo=bar')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3866
  t.test('does not hide credentials in the querystring', async (t) => {
    const r = await env.send('/r1/request?access_token=tok-r1')
    t.equal(r.status, 200)
    t.match(r.reached!.url, /access_token=tok-r1/)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3879
  t.test('hides credentials in the querystring', async (t) => {
    const r = await env.send('/r3/request?access_token=tok-r3&foo=bar')
    t.equal(r.status, 200)
    t.notMatch(r.reached!.url, /access_token/)
    t.match(r.reached!.url, /foo=bar/)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3892
  t.test('hides credentials in the querystring for api with custom header', async (t) => {
    const r = await env.send('/r12/request?access_token=tok-global')
    t.equal(r.status, 200)
    t.notMatch(r.reached!.url, /access_token/)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3905
  t.test('does not hide credentials in the header', async (t) => {
    const r = await env.send('/r1/request', { headers: { authorization: 'bearer tok-r1' } })
    t.equal(r.status, 200)
    t.equal(r.reached!.headers.authorization, 'bearer tok-r1')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3919
  t.test('hides credentials in the header', async (t) => {
    const r = await env.send('/r3/request', { headers: { authorization: 'bearer tok-r3' } })
    t.equal(r.status, 200)
    t.equal(r.reached!.headers.authorization, undefined)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3933
  t.test('hides credentials in the custom header', async (t) => {
    const r = await env.send('/r12/request', { headers: { custom_header_name: 'bearer tok-global' } })
    t.equal(r.status, 200)
    t.equal(r.reached!.headers.authorization, undefined)
    t.equal(r.reached!.headers.custom_header_name, undefined)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3948
  t.test('does not abort when the request body is a multipart form upload', async (t) => {
    const body = '--b\r\nContent-Disposition: form-data; name="foo"\r\n\r\nbar\r\n--b--\r\n'
    const r = await env.send('/r3/request?access_token=tok-r3', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body })
    t.equal(r.status, 200)
  })
})

t.test('the token endpoint', async (t) => {
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1371
  t.test('returns an error when client_secret is not sent', async (t) => {
    const r = await sendTls('/r4/oauth2/token', json({ client_id: 'clientid123', scope: 'email', grant_type: 'client_credentials' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid client authentication', error: 'invalid_client' })
    t.equal(r.headers['cache-control'], 'no-store')
    t.equal(r.headers.pragma, 'no-cache')
    t.notOk(
      env.up.requests.some((q) => q.url.includes('oauth2')),
      'the endpoints never reach the upstream',
    )
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1389
  t.test('returns an error when empty client_id and empty client_secret is sent', async (t) => {
    const r = await sendTls('/r4/oauth2/token', json({ client_id: '', client_secret: '', scope: 'email', grant_type: 'client_credentials' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid client authentication', error: 'invalid_client' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1409
  t.test('returns an error when missing client_id and missing client_secret is sent', async (t) => {
    const r = await sendTls('/r4/oauth2/token', json({ scope: 'email', grant_type: 'client_credentials' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid client authentication', error: 'invalid_client' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1427
  t.test('returns an error when empty client_id and empty client_secret is sent regardless of method - without realm', async (t) => {
    const r = await sendTls('/r4/oauth2/token?client_id&grant_type=client_credentials&client_secret')
    t.equal(r.status, 405)
    t.same(r.json(), { error_description: 'The HTTP method GET is invalid for the token endpoint', error: 'invalid_method' })
    t.equal(r.headers['www-authenticate'], 'Bearer error="invalid_method", error_description="The HTTP method GET is invalid for the token endpoint"')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1443
  t.test('returns an error when empty client_id and empty client_secret is sent regardless of method - with realm', async (t) => {
    const r = await sendTls('/r5/oauth2/token?client_id&grant_type=client_credentials&client_secret')
    t.equal(r.status, 405)
    t.equal(
      r.headers['www-authenticate'],
      'Bearer realm="test-oauth2", error="invalid_method", error_description="The HTTP method GET is invalid for the token endpoint"',
    )
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1459
  t.test('returns an error when grant_type is not sent', async (t) => {
    const r = await sendTls('/r4/oauth2/token', json({ client_id: 'clientid123', client_secret: 'secret123', scope: 'email' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1478
  t.test('fails when not under HTTPS', async (t) => {
    const r = await env.send(
      '/r4/oauth2/token',
      json({ client_id: 'clientid123', client_secret: 'secret123', scope: 'email', grant_type: 'client_credentials' }),
    )
    t.equal(r.status, 400)
    t.equal(r.json().error_description, 'You must use HTTPS')
    t.equal(r.json().error, 'access_denied')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1499
  t.test('fails when setting authenticated_userid and no provision_key', async (t) => {
    const r = await sendTls(
      '/r4/oauth2/token',
      json({ client_id: 'clientid123', client_secret: 'secret123', scope: 'email', grant_type: 'client_credentials', authenticated_userid: 'user123' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid provision_key', error: 'invalid_provision_key' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1519
  t.test('fails when setting authenticated_userid and invalid provision_key', async (t) => {
    const r = await sendTls(
      '/r4/oauth2/token',
      json({
        client_id: 'clientid123',
        client_secret: 'secret123',
        scope: 'email',
        grant_type: 'client_credentials',
        authenticated_userid: 'user123',
        provision_key: 'hello',
      }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid provision_key', error: 'invalid_provision_key' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1696
  t.test('returns an error with a wrong authorization header', async (t) => {
    const r = await sendTls('/r4/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic Y2xpZW50aWQxMjM6c2VjcmV0MTI0' },
      body: JSON.stringify({ scope: 'email', grant_type: 'client_credentials' }),
    })
    t.equal(r.status, 401)
    t.same(r.json(), { error_description: 'Invalid client authentication', error: 'invalid_client' })
    t.equal(r.headers['www-authenticate'], 'Basic realm="OAuth2.0"')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1653: Kong issues a token; a DB-less node cannot write it.
  t.test('a client that passes every check meets the write DB-less Kong refuses', async (t) => {
    const before = lines.length
    const r = await sendTls('/r4/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic Y2xpZW50aWQxMjM6c2VjcmV0MTIz' },
      body: JSON.stringify({ scope: 'email', grant_type: 'client_credentials' }),
    })
    t.equal(r.status, 500)
    t.equal(r.json().message, 'An unexpected error occurred')
    const logged = lines.slice(before).map((l) => l.msg)
    t.ok(logged.includes("cannot create 'oauth2_tokens' entities when not using a database"), 'logs why, as Kong logs the Lua error')
    t.notOk(
      logged.some((m) => m.includes('secret123')),
      'the secret is never logged',
    )
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1783
  t.test('password grant: blocks unauthorized requests - with realm set', async (t) => {
    const r = await env.send('/r5/request')
    t.equal(r.status, 401)
    t.same(r.json(), { error_description: 'The access token is missing', error: 'invalid_request' })
    t.equal(r.headers['www-authenticate'], 'Bearer realm="test-oauth2"')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1846
  t.test('password grant: fails when no provision key is being sent', async (t) => {
    const r = await sendTls(
      '/r5/oauth2/token',
      json({ client_id: 'clientid123', client_secret: 'secret123', scope: 'email', grant_type: 'password', authenticated_userid: 'id123' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid provision_key', error: 'invalid_provision_key' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1885
  t.test('password grant: fails when no authenticated user id is being sent', async (t) => {
    const r = await sendTls(
      '/r5/oauth2/token',
      json({ provision_key: 'provision123', client_id: 'clientid123', client_secret: 'secret123', grant_type: 'password' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Missing authenticated_userid parameter', error: 'invalid_authenticated_userid' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3283
  t.test('returns HTTP 400 when scope is not a string', async (t) => {
    for (const scope of [['email'], 123, false]) {
      const r = await sendTls(
        '/r5/oauth2/token',
        json({
          provision_key: 'provision123',
          authenticated_userid: 'id123',
          client_id: 'clientid123',
          client_secret: 'secret123',
          scope,
          grant_type: 'password',
        }),
      )
      t.equal(r.status, 400)
      t.same(r.json(), { error: 'invalid_scope', error_description: 'scope must be a string' })
    }
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:2013
  t.test('returns an error when nothing is being sent', async (t) => {
    const r = await sendTls('/r1/oauth2/token', json({}))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid client authentication', error: 'invalid_client' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:2091
  t.test('returns an error with a wrong code', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/token',
      json({ code: 'code123', client_id: 'clientid123', client_secret: 'secret123', grant_type: 'authorization_code' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid code', error: 'invalid_request' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:2407
  t.test('fails when a secret provided for public app', async (t) => {
    const r = await sendTls('/r1/oauth2/token', json({ code: 'x', client_id: 'clientid11211', client_secret: 'secret11211', grant_type: 'authorization_code' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'client_secret is disallowed for public clients', error: 'invalid_request' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3576
  t.test('does not refresh an invalid access token', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/token',
      json({ refresh_token: 'hello', client_id: 'clientid123', client_secret: 'secret123', grant_type: 'refresh_token' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid refresh_token', error: 'invalid_request' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:3595: a declared refresh token is found; the new token cannot be written.
  t.test('refreshing a declared token meets the write DB-less Kong refuses', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/token',
      json({ refresh_token: 'refresh-r1', client_id: 'clientid123', client_secret: 'secret123', grant_type: 'refresh_token' }),
    )
    t.equal(r.status, 500)
  })
})

t.test('the authorize endpoint', async (t) => {
  // spec/03-plugins/25-oauth2/03-access_spec.lua:636
  t.test('returns an error when no provision_key is being sent', async (t) => {
    const r = await sendTls('/r1/oauth2/authorize', json({}))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid provision_key', error: 'invalid_provision_key' })
    t.equal(r.headers['cache-control'], 'no-store')
    t.equal(r.headers.pragma, 'no-cache')
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:662
  t.test('returns an error when no parameter is being sent', async (t) => {
    const r = await sendTls('/r1/oauth2/authorize', json({ provision_key: 'provision123' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Missing authenticated_userid parameter', error: 'invalid_authenticated_userid' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:678
  t.test('returns an error when only provision_key and authenticated_userid are sent', async (t) => {
    const r = await sendTls('/r1/oauth2/authorize', json({ provision_key: 'provision123', authenticated_userid: 'id123' }))
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'Invalid client authentication', error: 'invalid_client' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:697
  t.test('returns an error when only the client_id is being sent', async (t) => {
    const r = await sendTls('/r1/oauth2/authorize', json({ provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123' }))
    t.equal(r.status, 400)
    t.same(r.json(), { redirect_uri: 'http://google.test/kong?error=invalid_scope&error_description=You%20must%20specify%20a%20scope' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:715
  t.test('returns an error when an invalid scope is being sent', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/authorize',
      json({ provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123', scope: 'wot' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { redirect_uri: 'http://google.test/kong?error=invalid_scope&error_description=%22wot%22%20is%20an%20invalid%20scope' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:734
  t.test('returns an error when no response_type is being sent', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/authorize',
      json({ provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123', scope: 'email' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { redirect_uri: 'http://google.test/kong?error=unsupported_response_type&error_description=Invalid%20response_type' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:753
  t.test('returns an error with a state when no response_type is being sent', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/authorize',
      json({ provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123', scope: 'email', state: 'somestate' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { redirect_uri: 'http://google.test/kong?error=unsupported_response_type&error_description=Invalid%20response_type&state=somestate' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:773
  t.test('returns error when the redirect_uri does not match', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/authorize',
      json({
        provision_key: 'provision123',
        authenticated_userid: 'id123',
        client_id: 'clientid123',
        scope: 'email',
        response_type: 'code',
        redirect_uri: 'http://hello.com/',
      }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), {
      redirect_uri:
        'http://google.test/kong?error=invalid_request&error_description=Invalid%20redirect_uri%20that%20does%20not%20match%20with%20any%20redirect_uri%20created%20with%20the%20application',
    })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:835
  t.test('fails when not under HTTPS', async (t) => {
    const r = await env.send(
      '/r1/oauth2/authorize',
      json({ provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123', scope: 'email', response_type: 'code' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'You must use HTTPS', error: 'access_denied' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:857: plain HTTP from a trusted proxy that terminated TLS.
  t.test('works when not under HTTPS but accept_http_if_already_terminated is true', async (t) => {
    const body = { provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123', scope: 'email', response_type: 'code' }
    const r = await env.send('/r6/oauth2/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify(body),
    })
    // Kong answers 200 with a code; a DB-less node cannot write the code.
    t.equal(r.status, 500)
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:877
  t.test('fails when not under HTTPS and accept_http_if_already_terminated is false', async (t) => {
    const body = { provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123', scope: 'email', response_type: 'code' }
    const r = await env.send('/r1/oauth2/authorize', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify(body),
    })
    t.equal(r.status, 400)
    t.same(r.json(), { error_description: 'You must use HTTPS', error: 'access_denied' })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1058
  t.test('fails when code challenge method is not supported', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/authorize',
      json({
        provision_key: 'provision123',
        authenticated_userid: 'id123',
        client_id: 'clientid123',
        scope: 'email',
        response_type: 'code',
        code_challenge: '1234',
        code_challenge_method: 'foo',
      }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), {
      redirect_uri: 'http://google.test/kong?error=invalid_request&error_description=code_challenge_method%20is%20not%20supported%2c%20must%20be%20S256',
    })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:1103
  t.test('fails when code challenge is not included for public client', async (t) => {
    const r = await sendTls(
      '/r1/oauth2/authorize',
      json({ provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid11211', scope: 'email', response_type: 'code' }),
    )
    t.equal(r.status, 400)
    t.same(r.json(), {
      redirect_uri: 'http://google.test/kong?error=invalid_request&error_description=code_challenge%20is%20required%20for%20public%20clients',
    })
  })
  // spec/03-plugins/25-oauth2/03-access_spec.lua:900: Kong answers 200 with a code; a DB-less node cannot write it.
  t.test('a request that passes every check meets the write DB-less Kong refuses', async (t) => {
    const before = lines.length
    const r = await sendTls(
      '/r1/oauth2/authorize',
      json({ provision_key: 'provision123', authenticated_userid: 'id123', client_id: 'clientid123', scope: 'email', response_type: 'code' }),
    )
    t.equal(r.status, 500)
    t.ok(
      lines.slice(before).some((l) => l.msg === "cannot create 'oauth2_authorization_codes' entities when not using a database"),
      'logs the refused write',
    )
  })
})

// Kong's jwt specs (spec/03-plugins/16-jwt/01-jwt_parser_spec.lua, 03-access_spec.lua) through a
// real gateway and a real echo upstream: the cases jwt.test.ts does not already cover (those carry
// their own citations there).
import t from 'tap'
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { request } from 'undici'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url')

/** A compact JWS signed with an HMAC secret (HS*) or a private key (RS256, EdDSA). */
function jwt(
  alg: 'HS256' | 'RS256' | 'EdDSA',
  payload: Record<string, unknown>,
  key: string | Buffer | KeyObject,
  header: Record<string, unknown> = { typ: 'JWT' },
): string {
  const data = `${b64url(JSON.stringify({ ...header, alg }))}.${b64url(JSON.stringify(payload))}`
  const sig =
    alg === 'HS256'
      ? createHmac('sha256', key as string | Buffer)
          .update(data)
          .digest()
      : sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(data), key as KeyObject)
  return `${data}.${b64url(sig)}`
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ed448 = generateKeyPairSync('ed448')
const pemBlock = (k: KeyObject, n: number) =>
  `|\n${k
    .export({ type: 'spki', format: 'pem' })
    .toString()
    .trim()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n')}`
const SECRET = 'jwt-tests-secret'
const B64_SECRET = Buffer.from('raw secret bytes')

// Routes as the spec's jwtN.test hosts: each `/<name>` has its own jwt config.
const CONFIG = `_format_version: "3.0"
consumers:
  - username: jwt_tests_consumer
    jwt_secrets: [{ key: hs-key, secret: ${SECRET} }]
  - username: jwt_tests_base64_consumer
    jwt_secrets: [{ key: b64-key, secret: "${B64_SECRET.toString('base64')}" }]
  - username: jwt_tests_rsa_consumer_2
    jwt_secrets:
      - key: rs-key
        algorithm: RS256
        rsa_public_key: ${pemBlock(rsa.publicKey, 10)}
  - username: jwt_tests_rsa_consumer_16
    jwt_secrets:
      - key: ed448-key
        algorithm: EdDSA
        rsa_public_key: ${pemBlock(ed448.publicKey, 10)}
services:
  - name: app
    url: $UPSTREAM
    routes:
      - { name: jwt1, paths: [/jwt1], plugins: [{ name: jwt }] }
      - { name: jwt5, paths: [/jwt5], plugins: [{ name: jwt, config: { secret_is_base64: true } }] }
      - { name: jwt9, paths: [/jwt9], plugins: [{ name: jwt, config: { cookie_names: [silly, crumble], realm: test-jwt } }] }
      - { name: jwt11, paths: [/jwt11], plugins: [{ name: jwt, config: { claims_to_verify: [nbf, exp], maximum_expiration: 300 } }] }
      - { name: jwt12, paths: [/jwt12], plugins: [{ name: jwt, config: { header_names: [CustomAuthorization] } }] }
`

const now = () => Math.floor(Date.now() / 1000)
const HS = (claims: Record<string, unknown> = {}) => jwt('HS256', { iss: 'hs-key', nbf: now(), exp: now() + 3600, ...claims }, SECRET)
const COOKIE_TAIL = '; path=/;domain=.jwt9.test'

t.test("realm: Kong's challenges carry a comma before error", async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  // spec/03-plugins/16-jwt/03-access_spec.lua:597
  const unknown = await send('/jwt9/request', { headers: { cookie: `silly=${HS({ iss: 'incorrect-issuer' })}${COOKIE_TAIL}` } })
  t.equal(unknown.status, 401)
  t.same(unknown.json(), { message: "No credentials found for given 'iss'" })
  t.equal(unknown.headers['www-authenticate'], 'Bearer realm="test-jwt", error="invalid_token"')

  // spec/03-plugins/16-jwt/03-access_spec.lua:613
  const corrupted = await send('/jwt9/request', { headers: { cookie: `silly=no-way-this-works${HS()}${COOKIE_TAIL}` } })
  t.equal(corrupted.status, 401)
  t.equal(corrupted.body, '{"message":"Bad token; invalid JSON"}')
  t.equal(corrupted.headers['www-authenticate'], 'Bearer realm="test-jwt", error="invalid_token"')
  t.equal(corrupted.reached, undefined)

  // spec/03-plugins/16-jwt/03-access_spec.lua:641
  const none = await send('/jwt9/request')
  t.equal(none.status, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer realm="test-jwt"')
})

t.test('cookies carrying attributes after the token, and the Authorization header beside cookies', async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  // spec/03-plugins/16-jwt/03-access_spec.lua:571
  t.equal((await send('/jwt9/request', { headers: { cookie: `crumble=${HS()}${COOKIE_TAIL}` } })).status, 200)
  // spec/03-plugins/16-jwt/03-access_spec.lua:584
  const silly = await send('/jwt9/request', { headers: { cookie: `silly=${HS()}${COOKIE_TAIL}` } })
  t.equal(silly.status, 200)
  t.equal(silly.reached?.headers['x-consumer-username'], 'jwt_tests_consumer')
  // spec/03-plugins/16-jwt/03-access_spec.lua:628
  t.equal((await send('/jwt9/request', { headers: { authorization: `Bearer ${HS()}` } })).status, 200)
})

t.test('secret_is_base64 decodes HMAC secrets only: an RS256 consumer on that route passes', async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  // spec/03-plugins/16-jwt/03-access_spec.lua:739
  const authorization = `Bearer ${jwt('RS256', { iss: 'rs-key', nbf: now(), exp: now() + 3600 }, rsa.privateKey)}`
  const r = await send('/jwt5/request', { headers: { authorization } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers.authorization, authorization)
  t.equal(r.reached?.headers['x-consumer-username'], 'jwt_tests_rsa_consumer_2')
  t.equal(r.reached?.headers['x-credential-identifier'], 'rs-key')

  // spec/03-plugins/16-jwt/03-access_spec.lua:540: the HMAC consumer on the same route uses the decoded bytes.
  const hs = await send('/jwt5/request', { headers: { authorization: `Bearer ${jwt('HS256', { iss: 'b64-key' }, B64_SECRET)}` } })
  t.equal(hs.status, 200)
  t.equal(hs.reached?.headers['x-consumer-username'], 'jwt_tests_base64_consumer')
})

t.test('EdDSA with an Ed448 key; no X-Credential-Username', async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  // spec/03-plugins/16-jwt/03-access_spec.lua:1043
  const authorization = `Bearer ${jwt('EdDSA', { iss: 'ed448-key', nbf: now(), exp: now() + 3600 }, ed448.privateKey)}`
  const r = await send('/jwt1/request', { headers: { authorization } })
  t.equal(r.status, 200)
  t.equal(r.reached?.headers.authorization, authorization)
  t.equal(r.reached?.headers['x-credential-identifier'], 'ed448-key')
  t.equal(r.reached?.headers['x-consumer-username'], 'jwt_tests_rsa_consumer_16')
  t.equal(r.reached?.headers['x-credential-username'], undefined)
})

t.test("the header's typ is not checked: lowercase or missing", async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  // spec/03-plugins/16-jwt/01-jwt_parser_spec.lua:191, :198
  for (const header of [{ typ: 'jwt' }, {}]) {
    const r = await send('/jwt1/request', { headers: { authorization: `Bearer ${jwt('HS256', { iss: 'hs-key' }, SECRET, header)}` } })
    t.equal(r.status, 200, JSON.stringify(header))
  }
})

t.test('header_names: a mixed-case name; of a repeated header the first occurrence counts', async (t) => {
  const { gw, up } = await pluginGateway(t, CONFIG)
  const send = async (headers: string[]) => {
    const before = up.requests.length
    const r = await request(`${gw.url}/jwt12/request`, { headers })
    await r.body.text()
    return { status: r.statusCode, reached: up.requests.length > before }
  }
  // spec/03-plugins/16-jwt/03-access_spec.lua:652
  t.equal((await send(['CustomAuthorization', `Bearer ${HS()}`])).status, 200)
  // spec/03-plugins/16-jwt/03-access_spec.lua:665
  const twice = await send(['CustomAuthorization', `Bearer ${HS()}`, 'CustomAuthorization', 'Bearer other-token'])
  t.equal(twice.status, 200)
  t.ok(twice.reached)
})

t.test('a query token and an unparsable Bearer token are two tokens', async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  // spec/03-plugins/16-jwt/03-access_spec.lua:458
  const r = await send(`/jwt1/request?jwt=${HS()}`, { headers: { authorization: 'Bearer invalid.jwt.token' } })
  t.equal(r.status, 401)
  t.same(r.json(), { message: 'Multiple tokens provided' })
  t.equal(r.headers['www-authenticate'], 'Bearer error="invalid_token"')
})

t.test('maximum_expiration with nbf and exp verified, token in the query of a path ending in /', async (t) => {
  const { send } = await pluginGateway(t, CONFIG)
  // spec/03-plugins/16-jwt/03-access_spec.lua:414
  const long = await send(`/jwt11/request/?jwt=${HS({ exp: now() + 3600, nbf: now() - 30 })}`)
  t.equal(long.status, 401)
  t.equal(long.body, '{"exp":"exceeds maximum allowed expiration"}')
  t.equal(long.headers['www-authenticate'], 'Bearer error="invalid_token"')
  // spec/03-plugins/16-jwt/03-access_spec.lua:432
  t.equal((await send(`/jwt11/request/?jwt=${HS({ exp: now() + 270, nbf: now() - 30 })}`)).status, 200)
})

// Two auth plugins on one route: jwt (1450) runs before key-auth (1250).
const MULTI = `_format_version: "3.0"
consumers:
  - username: Anonymous
  - username: Mickey
    keyauth_credentials: [{ id: 5e3d5b54-1f6b-4a8e-9c1c-0d6f4c3b2a10, key: Mouse }]
  - username: Aladdin
    jwt_secrets: [{ key: aladdin-key, secret: ${SECRET} }]
services:
  - name: app
    url: $UPSTREAM/request
    routes:
      - name: and
        paths: [/and]
        plugins: [{ name: jwt }, { name: key-auth }]
      - name: or
        paths: [/or]
        plugins: [{ name: jwt, config: { anonymous: Anonymous } }, { name: key-auth, config: { anonymous: Anonymous } }]
`

t.test('jwt with key-auth: logical AND without anonymous, logical OR with it', async (t) => {
  const { send, gw } = await pluginGateway(t, MULTI)
  const ids = Object.fromEntries(gw.holder.current().config.consumers.map((c) => [c.username, c.id]))
  const token = `Bearer ${jwt('HS256', { iss: 'aladdin-key' }, SECRET)}`
  const both = { apikey: 'Mouse', authorization: token }

  // spec/03-plugins/16-jwt/03-access_spec.lua:1359
  const and = await send('/and', { headers: both })
  t.equal(and.status, 200)
  t.equal(and.reached?.headers['x-anonymous-consumer'], undefined)
  t.ok([ids.Mickey, ids.Aladdin].includes(and.reached?.headers['x-consumer-id'] as string))
  t.equal(and.reached?.headers['x-credential-identifier'], '5e3d5b54-1f6b-4a8e-9c1c-0d6f4c3b2a10', "key-auth runs last: its credential's id")
  // spec/03-plugins/16-jwt/03-access_spec.lua:1378
  const keyOnly = await send('/and', { headers: { apikey: 'Mouse' } })
  t.equal(keyOnly.status, 401)
  t.equal(keyOnly.headers['www-authenticate'], 'Bearer')
  // spec/03-plugins/16-jwt/03-access_spec.lua:1391
  const jwtOnly = await send('/and', { headers: { authorization: token } })
  t.equal(jwtOnly.status, 401)
  t.equal(jwtOnly.headers['www-authenticate'], 'Key')
  // spec/03-plugins/16-jwt/03-access_spec.lua:1404
  const neither = await send('/and')
  t.equal(neither.status, 401)
  t.equal(neither.headers['www-authenticate'], 'Bearer')

  // spec/03-plugins/16-jwt/03-access_spec.lua:1420
  const or = await send('/or', { headers: both })
  t.equal(or.status, 200)
  t.equal(or.reached?.headers['x-anonymous-consumer'], undefined)
  t.equal(or.reached?.headers['x-consumer-id'], ids.Aladdin, 'key-auth does not run again once jwt authenticated')
  t.equal(or.reached?.headers['x-credential-identifier'], 'aladdin-key')
  // spec/03-plugins/16-jwt/03-access_spec.lua:1439
  const orKey = await send('/or', { headers: { apikey: 'Mouse' } })
  t.equal(orKey.status, 200)
  t.equal(orKey.reached?.headers['x-anonymous-consumer'], undefined)
  t.equal(orKey.reached?.headers['x-consumer-id'], ids.Mickey)
  t.not(orKey.reached?.headers['x-credential-identifier'], 'aladdin-key')
  // spec/03-plugins/16-jwt/03-access_spec.lua:1456
  const orJwt = await send('/or', { headers: { authorization: token } })
  t.equal(orJwt.status, 200)
  t.equal(orJwt.reached?.headers['x-anonymous-consumer'], undefined)
  t.equal(orJwt.reached?.headers['x-consumer-id'], ids.Aladdin)
  t.equal(orJwt.reached?.headers['x-credential-identifier'], 'aladdin-key')
  // spec/03-plugins/16-jwt/03-access_spec.lua:1474
  const orNone = await send('/or')
  t.equal(orNone.status, 200)
  t.equal(orNone.reached?.headers['x-anonymous-consumer'], 'true')
  t.equal(orNone.reached?.headers['x-consumer-id'], ids.Anonymous)
})

// jwt against a real upstream: every token source, status, message and header of Kong's plugin.
import t from 'tap'
import * as z from 'zod'
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { loadConfig } from '../../src/config/load.js'
import { pluginSet } from '../../src/plugins/set.js'
import { ANY_SCOPE, definePlugin, defineHandler, PROTOCOLS_ALL } from '../../src/plugins/types.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

type Alg = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA' | 'none'

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url')
const HASH = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as Record<string, string>

/** A compact JWS; `key` is the HMAC secret or the private key. */
function jwt(alg: Alg, payload: Record<string, unknown>, key: string | Buffer | KeyObject, header: Record<string, unknown> = {}): string {
  const data = `${b64url(JSON.stringify({ typ: 'JWT', alg, ...header }))}.${b64url(JSON.stringify(payload))}`
  const hash = HASH[alg.slice(2)]!
  let sig: Buffer
  if (alg === 'none') sig = Buffer.alloc(0)
  else if (alg.startsWith('HS'))
    sig = createHmac(hash, key as string | Buffer)
      .update(data)
      .digest()
  else if (alg === 'EdDSA') sig = sign(null, Buffer.from(data), key as KeyObject)
  else if (alg.startsWith('RS')) sig = sign(hash, Buffer.from(data), key as KeyObject)
  else if (alg.startsWith('PS'))
    sig = sign(hash, Buffer.from(data), { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
  else sig = sign(hash, Buffer.from(data), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' })
  return `${data}.${b64url(sig)}`
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' })
const ed = generateKeyPairSync('ed25519')
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString()
const RSA_PEM = pem(rsa.publicKey)
const BINARY_SECRET = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13])

/** A YAML block scalar holding `text`, indented `n` spaces. */
const block = (text: string, n: number) =>
  `|\n${text
    .trim()
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n')}`

const asym = (key: string, algorithm: string, pub: KeyObject) => `      - key: ${key}
        algorithm: ${algorithm}
        rsa_public_key: ${block(pem(pub), 10)}`

const CONFIG = (pluginConfig = '') => `_format_version: "3.0"
consumers:
  - username: alice
    custom_id: a-1
    jwt_secrets:
      - { key: hs256-key, secret: hs256-secret }
      - { key: hs384-key, algorithm: HS384, secret: hs384-secret }
      - { key: hs512-key, algorithm: HS512, secret: hs512-secret }
      - { key: b64-key, secret: "${BINARY_SECRET.toString('base64')}" }
${asym('rs256-key', 'RS256', rsa.publicKey)}
${asym('rs512-key', 'RS512', rsa.publicKey)}
${asym('ps256-key', 'PS256', rsa.publicKey)}
${asym('ps384-key', 'PS384', rsa.publicKey)}
${asym('es256-key', 'ES256', p256.publicKey)}
${asym('es384-key', 'ES384', p384.publicKey)}
${asym('es512-key', 'ES512', p521.publicKey)}
${asym('eddsa-key', 'EdDSA', ed.publicKey)}
${asym('rs-with-ec-key', 'RS256', p256.publicKey)}
  - username: bob
    jwt_secrets: [{ key: bob-key, secret: bob-secret }, { key: text-key, secret: "plain text!" }]
  - username: guest
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: jwt
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
`

const now = () => Math.floor(Date.now() / 1000)
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const ALICE = jwt('HS256', { iss: 'hs256-key' }, 'hs256-secret')
const BOB = jwt('HS256', { iss: 'bob-key' }, 'bob-secret')
const INVALID = 'Bearer error="invalid_token"'

t.test('no token: 401 {"message":"Unauthorized"} as compact JSON, WWW-Authenticate: Bearer', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:296
  const { send } = await pluginGateway(t, CONFIG())
  const r = await send('/x')
  t.equal(r.status, 401)
  t.equal(r.body, '{"message":"Unauthorized"}', 'kong.response.exit body: no request_id')
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(r.headers['www-authenticate'], 'Bearer')
  t.equal(r.reached, undefined)

  for (const headers of [{ authorization: 'Basic abc' }, { authorization: `Token ${ALICE}` }, { authorization: 'Bearer ' }]) {
    const n = await send('/x', { headers })
    t.equal(n.status, 401)
    t.equal(n.body, '{"message":"Unauthorized"}', `no bearer token in ${headers.authorization}`)
    t.equal(n.reached, undefined)
  }
  t.equal((await send('/x?jwt=')).body, '{"message":"Unauthorized"}', 'an empty query argument is no token')
})

t.test('realm goes into both challenges', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('realm: shop'))
  t.equal((await send('/x')).headers['www-authenticate'], 'Bearer realm="shop"')
  const bad = await send('/x', { headers: bearer('garbage') })
  // spec/03-plugins/16-jwt/03-access_spec.lua:611: a comma after the realm.
  t.equal(bad.headers['www-authenticate'], 'Bearer realm="shop", error="invalid_token"')
})

t.test('valid HS256 token in the Authorization header: consumer headers upstream, spoofs replaced', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:476
  const { send, gw } = await pluginGateway(t, CONFIG())
  const r = await send('/x', {
    headers: { ...bearer(ALICE), 'x-consumer-username': 'root', 'x-anonymous-consumer': 'true', 'x-credential-identifier': 'spoof' },
  })
  t.equal(r.status, 200)
  const h = r.reached!.headers
  const alice = gw.holder.current().config.consumers.find((c) => c.username === 'alice')!
  t.equal(h['x-consumer-id'], alice.id)
  t.equal(h['x-consumer-username'], 'alice')
  t.equal(h['x-consumer-custom-id'], 'a-1')
  t.equal(h['x-credential-identifier'], 'hs256-key', 'jwt identifies the credential by its key')
  t.equal(h['x-anonymous-consumer'], undefined)
  t.equal(h.authorization, `Bearer ${ALICE}`, 'the token is forwarded')

  const lower = await send('/x', { headers: { authorization: `  bearer   ${BOB}` } })
  t.equal(lower.reached?.headers['x-consumer-username'], 'bob', 'lower-case scheme and extra spaces')
})

t.test('every HMAC size, RSA, RSA-PSS, ECDSA (P-256/384/521) and EdDSA', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:705-1117 (RS256 ... HS512, one describe per algorithm)
  const { send } = await pluginGateway(t, CONFIG())
  const cases: [Alg, string, string | Buffer | KeyObject][] = [
    ['HS256', 'hs256-key', 'hs256-secret'],
    ['HS384', 'hs384-key', 'hs384-secret'],
    ['HS512', 'hs512-key', 'hs512-secret'],
    ['RS256', 'rs256-key', rsa.privateKey],
    ['RS512', 'rs512-key', rsa.privateKey],
    ['PS256', 'ps256-key', rsa.privateKey],
    ['PS384', 'ps384-key', rsa.privateKey],
    ['ES256', 'es256-key', p256.privateKey],
    ['ES384', 'es384-key', p384.privateKey],
    ['ES512', 'es512-key', p521.privateKey],
    ['EdDSA', 'eddsa-key', ed.privateKey],
  ]
  for (const [alg, iss, key] of cases) {
    const ok = await send('/x', { headers: bearer(jwt(alg, { iss }, key)) })
    t.equal(ok.status, 200, `${alg} accepted`)
    t.equal(ok.reached?.headers['x-credential-identifier'], iss)

    // Flip one signature byte.
    const token = jwt(alg, { iss, n: 1 }, key)
    const sig = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
    const mid = sig.length >> 1
    sig[mid] = sig[mid]! ^ 1
    const bad = await send('/x', { headers: bearer(`${token.slice(0, token.lastIndexOf('.'))}.${b64url(sig)}`) })
    t.equal(bad.status, 401, `${alg} with a damaged signature`)
    t.equal(bad.body, '{"message":"Invalid signature"}')
    t.equal(bad.headers['www-authenticate'], INVALID)
    t.equal(bad.reached, undefined)
  }
})

t.test('wrong secret or key: Invalid signature', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:358
  const { send } = await pluginGateway(t, CONFIG())
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
  for (const token of [
    jwt('HS256', { iss: 'hs256-key' }, 'not-the-secret'),
    jwt('RS256', { iss: 'rs256-key' }, other.privateKey),
    jwt('ES256', { iss: 'es256-key' }, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  ]) {
    const r = await send('/x', { headers: bearer(token) })
    t.equal(r.status, 401)
    t.equal(r.body, '{"message":"Invalid signature"}')
    t.equal(r.reached, undefined)
  }
  // A credential whose key does not fit its algorithm never verifies.
  const mismatch = await send('/x', { headers: bearer(jwt('ES256', { iss: 'rs-with-ec-key' }, p256.privateKey, { alg: 'RS256' })) })
  t.equal(mismatch.body, '{"message":"Invalid signature"}')
})

t.test('the credential decides the algorithm: other alg, alg none and key confusion refused', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:375; spec/03-plugins/16-jwt/01-jwt_parser_spec.lua:176
  const { send } = await pluginGateway(t, CONFIG())
  const other = await send('/x', { headers: bearer(jwt('HS512', { iss: 'hs256-key' }, 'hs256-secret')) })
  t.equal(other.status, 401)
  t.equal(other.body, '{"message":"Invalid algorithm"}')
  t.equal(other.headers['www-authenticate'], INVALID)
  t.equal(other.reached, undefined)

  // The classic confusion attack: the RSA public key used as an HMAC secret.
  const confused = await send('/x', { headers: bearer(jwt('HS256', { iss: 'rs256-key' }, RSA_PEM)) })
  t.equal(confused.status, 401)
  t.equal(confused.body, '{"message":"Invalid algorithm"}')
  t.equal(confused.reached, undefined)

  const none = await send('/x', { headers: bearer(jwt('none', { iss: 'hs256-key' }, '')) })
  t.equal(none.status, 401)
  t.equal(none.body, '{"message":"Bad token; invalid alg"}')
  t.equal(none.reached, undefined)
  const noneNoSig = await send('/x', { headers: bearer(`${b64url('{"alg":"none"}')}.${b64url('{"iss":"hs256-key"}')}.`) })
  t.equal(noneNoSig.body, '{"message":"Bad token; invalid alg"}')
})

t.test('bad token text: Kong decoder messages', async (t) => {
  const { send } = await pluginGateway(t, CONFIG())
  const h = b64url('{"alg":"HS256"}')
  const p = b64url('{"iss":"hs256-key"}')
  const cases: [string, string][] = [
    ['not-a-jwt', 'Bad token; invalid JSON'],
    [`${h}.${p}`, 'Bad token; invalid JSON'],
    [`${h}.${b64url('{oops')}.sig`, 'Bad token; invalid JSON'],
    [`${h}.!!.sig`, 'Bad token; invalid JSON'],
    [`${b64url('{"typ":"JWT"}')}.${p}.sig`, 'Bad token; invalid alg'],
    [`${b64url('{"alg":"XX999"}')}.${p}.sig`, 'Bad token; invalid alg'],
    [`${h}.${b64url('42')}.sig`, 'Bad token; invalid claims'],
    [`${h}.${p}.bad*signature`, 'Bad token; invalid signature'],
    [`${h}.${p}.sig.more`, 'Bad token; invalid signature'],
  ]
  for (const [token, message] of cases) {
    const r = await send('/x', { headers: bearer(token) })
    t.equal(r.status, 401, token)
    t.equal(r.body, JSON.stringify({ message }), token)
    t.equal(r.headers['www-authenticate'], INVALID)
    t.equal(r.reached, undefined)
  }
})

t.test('key claim: missing, empty, unknown; read from the JWT header when absent from the payload', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:307, :324, :341, :509
  const { send } = await pluginGateway(t, CONFIG())
  const missing = await send('/x', { headers: bearer(jwt('HS256', { sub: 'x' }, 'hs256-secret')) })
  t.equal(missing.status, 401)
  t.equal(missing.body, `{"message":"No mandatory 'iss' in claims"}`)
  t.equal(missing.headers['www-authenticate'], INVALID)
  t.equal(missing.reached, undefined)

  const empty = await send('/x', { headers: bearer(jwt('HS256', { iss: '' }, 'hs256-secret')) })
  t.equal(empty.body, `{"message":"Invalid 'iss' in claims"}`)
  t.equal(empty.reached, undefined)

  const unknown = await send('/x', { headers: bearer(jwt('HS256', { iss: 'who' }, 'hs256-secret')) })
  t.equal(unknown.status, 401)
  t.equal(unknown.body, `{"message":"No credentials found for given 'iss'"}`)
  t.equal(unknown.headers['www-authenticate'], INVALID)
  t.equal(unknown.reached, undefined)

  const inHeader = await send('/x', { headers: bearer(jwt('HS256', { sub: 'x' }, 'bob-secret', { iss: 'bob-key' })) })
  t.equal(inHeader.status, 200)
  t.equal(inHeader.reached?.headers['x-consumer-username'], 'bob')

  const payloadFirst = await send('/x', { headers: bearer(jwt('HS256', { iss: 'bob-key' }, 'bob-secret', { iss: 'hs256-key' })) })
  t.equal(payloadFirst.reached?.headers['x-consumer-username'], 'bob', 'the payload wins over the header')
})

t.test('key_claim_name picks another claim', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:509, :523
  const { send } = await pluginGateway(t, CONFIG('key_claim_name: kid'))
  t.equal((await send('/x', { headers: bearer(jwt('HS256', { sub: 'x' }, 'bob-secret', { kid: 'bob-key' })) })).status, 200)
  const r = await send('/x', { headers: bearer(ALICE) })
  t.equal(r.body, `{"message":"No mandatory 'kid' in claims"}`)
})

t.test('query argument and cookie sources; duplicates of one token are fine, distinct tokens are not', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:678, :690 (query), :571 (cookie)
  const { send } = await pluginGateway(t, CONFIG('cookie_names: [session, jwt_cookie]'))
  const q = await send(`/x?a=1&jwt=${ALICE}`)
  t.equal(q.status, 200)
  t.equal(q.reached?.headers['x-consumer-username'], 'alice')
  t.equal(q.reached?.url, `/x?a=1&jwt=${ALICE}`, 'the query is forwarded untouched')

  const c = await send('/x', { headers: { cookie: `other=1; JWT_Cookie=${BOB}` } })
  t.equal(c.status, 200, 'cookie names match case-insensitively, as in nginx')
  t.equal(c.reached?.headers['x-consumer-username'], 'bob')

  const same = await send(`/x?jwt=${ALICE}&jwt=${ALICE}`, { headers: { ...bearer(ALICE), cookie: `session=${ALICE}` } })
  t.equal(same.status, 200, 'one token from several places counts once')

  for (const [path, headers] of [
    [`/x?jwt=${ALICE}`, bearer(BOB)],
    [`/x?jwt=${ALICE}&jwt=${BOB}`, {}],
    ['/x', { cookie: `session=${ALICE}; jwt_cookie=${BOB}` }],
  ] as [string, Record<string, string>][]) {
    const r = await send(path, { headers })
    t.equal(r.status, 401)
    t.equal(r.body, '{"message":"Multiple tokens provided"}')
    t.equal(r.headers['www-authenticate'], INVALID)
    t.equal(r.reached, undefined)
  }

  const bare = await send('/x?jwt')
  t.equal(bare.status, 401)
  t.equal(bare.body, '{"message":"Unrecognizable token"}', 'a query argument without a value is not a token')
  t.equal(bare.reached, undefined)
})

t.test('header_names: custom headers carry "Bearer <token>"; the default one is then ignored', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('header_names: [x-token]\nuri_param_names: []'))
  t.equal((await send('/x', { headers: { 'X-Token': `Bearer ${BOB}` } })).reached?.headers['x-consumer-username'], 'bob')
  t.equal((await send('/x', { headers: { 'x-token': BOB } })).body, '{"message":"Unauthorized"}', 'the Bearer scheme is required')
  t.equal((await send('/x', { headers: bearer(BOB) })).body, '{"message":"Unauthorized"}')
  t.equal((await send(`/x?jwt=${BOB}`)).body, '{"message":"Unauthorized"}', 'uri_param_names: [] disables the query')
})

t.test('claims_to_verify: exp and nbf errors are an object body', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:1122, :1138, :1156
  const { send } = await pluginGateway(t, CONFIG('claims_to_verify: [exp, nbf]'))
  const fresh = await send('/x', { headers: bearer(jwt('HS256', { iss: 'hs256-key', exp: now() + 60, nbf: now() - 60 }, 'hs256-secret')) })
  t.equal(fresh.status, 200)

  const cases: [Record<string, unknown>, string][] = [
    [{ exp: now() - 1, nbf: now() - 60 }, '{"exp":"token expired"}'],
    [{ exp: now() + 60, nbf: now() + 60 }, '{"nbf":"token not valid yet"}'],
    [{ exp: String(now() + 60), nbf: now() }, '{"exp":"must be a number"}'],
    [{}, '{"exp":"must be a number","nbf":"must be a number"}'],
  ]
  for (const [claims, body] of cases) {
    const r = await send('/x', { headers: bearer(jwt('HS256', { iss: 'hs256-key', ...claims }, 'hs256-secret')) })
    t.equal(r.status, 401)
    t.equal(r.body, body)
    t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
    t.equal(r.headers['www-authenticate'], INVALID)
    t.equal(r.reached, undefined)
  }

  const unchecked = await pluginGateway(t, CONFIG())
  const expired = await unchecked.send('/x', { headers: bearer(jwt('HS256', { iss: 'hs256-key', exp: 1 }, 'hs256-secret')) })
  t.equal(expired.status, 200, 'exp is not checked unless asked')
})

t.test('maximum_expiration', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:414, :432
  const { send } = await pluginGateway(t, CONFIG('claims_to_verify: [exp]\nmaximum_expiration: 600'))
  t.equal((await send('/x', { headers: bearer(jwt('HS256', { iss: 'hs256-key', exp: now() + 300 }, 'hs256-secret')) })).status, 200)
  const r = await send('/x', { headers: bearer(jwt('HS256', { iss: 'hs256-key', exp: now() + 3600 }, 'hs256-secret')) })
  t.equal(r.status, 401)
  t.equal(r.body, '{"exp":"exceeds maximum allowed expiration"}')
  t.equal(r.headers['www-authenticate'], INVALID)
  t.equal(r.reached, undefined)
  const expired = await send('/x', { headers: bearer(jwt('HS256', { iss: 'hs256-key', exp: now() - 5 }, 'hs256-secret')) })
  t.equal(expired.body, '{"exp":"token expired"}', 'claim checks come first')
})

t.test('secret_is_base64: the stored secret is decoded; text that is not base64 is Invalid key/secret', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:540
  const { send } = await pluginGateway(t, CONFIG('secret_is_base64: true'))
  t.equal((await send('/x', { headers: bearer(jwt('HS256', { iss: 'b64-key' }, BINARY_SECRET)) })).status, 200)
  const literal = await send('/x', { headers: bearer(jwt('HS256', { iss: 'b64-key' }, BINARY_SECRET.toString('base64'))) })
  t.equal(literal.body, '{"message":"Invalid signature"}', 'the base64 text itself is not the secret')
  const r = await send('/x', { headers: bearer(jwt('HS256', { iss: 'text-key' }, 'plain text!')) })
  t.equal(r.status, 401)
  t.equal(r.body, '{"message":"Invalid key/secret"}')
  t.equal(r.headers['www-authenticate'], INVALID)
  t.equal(r.reached, undefined)
})

t.test('a public key that does not parse is refused at load with Kong message', async (t) => {
  const yaml = `_format_version: "3.0"
consumers:
  - username: carol
    jwt_secrets: [{ key: rs-bad, algorithm: RS256, rsa_public_key: "not a key" }]
  - username: dave
    jwt_secrets:
      - { key: rs-b64, algorithm: RS256, rsa_public_key: "${Buffer.from(RSA_PEM).toString('base64')}" }
`
  const r = await loadConfig(yaml, { file: 'kong.yml' })
  t.notOk(r.ok)
  if (r.ok) return
  t.same(
    r.issues.map((i) => `${i.line}:${i.path}: ${i.message}`),
    ['4:consumers[0].jwt_secrets[0].rsa_public_key: invalid key', '7:consumers[1].jwt_secrets[0].rsa_public_key: invalid key'],
    'a base64-encoded PEM is not a key either (Kong checks it with OpenSSL when it is written)',
  )
})

// A probe after jwt (lower priority) that exposes kong.ctx.shared.authenticated_jwt_token.
const sharedProbe = {
  definition: definePlugin({ name: 'jwt-probe', priority: 1234, version: '0.0.0', config: z.strictObject({}), protocols: PROTOCOLS_ALL, scopes: ANY_SCOPE }),
  handler: defineHandler<Record<string, never>>({
    name: 'jwt-probe',
    create: () => ({
      access(kit) {
        const token = kit.shared.authenticated_jwt_token
        if (typeof token === 'string') kit.upstream.setHeader('x-shared-token', token)
      },
    }),
  }),
}

t.test('the token is shared with later plugins (kong.ctx.shared.authenticated_jwt_token)', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:1177
  const plugins = pluginSet([sharedProbe as never])
  const { send } = await pluginGateway(t, CONFIG().replace('          - name: jwt\n', '          - name: jwt\n          - name: jwt-probe\n'), undefined, {
    plugins,
  })
  const r = await send(`/x?jwt=${ALICE}`)
  t.equal(r.status, 200)
  t.equal(r.reached?.headers['x-shared-token'], ALICE)
})

t.test('run_on_preflight: false lets OPTIONS through unauthenticated', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:392, :402
  const { send } = await pluginGateway(t, CONFIG('run_on_preflight: false'))
  t.equal((await send('/x', { method: 'OPTIONS' })).status, 200)
  t.equal((await send('/x', { method: 'GET' })).status, 401)
  const on = await pluginGateway(t, CONFIG())
  t.equal((await on.send('/x', { method: 'OPTIONS' })).status, 401)
})

t.test('anonymous: failures attach the anonymous consumer; a valid token still wins', async (t) => {
  // spec/03-plugins/16-jwt/03-access_spec.lua:1196, :1213, :1226, :1239
  const { send } = await pluginGateway(t, CONFIG('anonymous: guest'))
  for (const headers of [{}, bearer('garbage'), bearer(jwt('HS256', { iss: 'hs256-key' }, 'wrong'))]) {
    const r = await send('/x', { headers: { ...headers, 'x-credential-identifier': 'spoof' } })
    t.equal(r.status, 200)
    t.equal(r.reached!.headers['x-consumer-username'], 'guest')
    t.equal(r.reached!.headers['x-anonymous-consumer'], 'true')
    t.equal(r.reached!.headers['x-credential-identifier'], undefined)
  }
  const ok = await send('/x', { headers: bearer(ALICE) })
  t.equal(ok.reached!.headers['x-consumer-username'], 'alice')
  t.equal(ok.reached!.headers['x-anonymous-consumer'], undefined)

  const missing = await pluginGateway(t, CONFIG('anonymous: nobody'))
  const r = await missing.send('/x')
  t.equal(r.status, 500)
  t.equal(r.json().message, "anonymous consumer nobody is configured but doesn't exist")
  t.equal(r.reached, undefined)
})

t.test('schema: defaults, consumer scope refused, Kong messages for bad values', async (t) => {
  // spec/03-plugins/16-jwt/06-schema_spec.lua:6, :17, :39
  const ok = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: jwt\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, {
      uri_param_names: ['jwt'],
      cookie_names: [],
      key_claim_name: 'iss',
      secret_is_base64: false,
      run_on_preflight: true,
      maximum_expiration: 0,
      header_names: ['authorization'],
    })
  }
  const scoped = await loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: jwt\n', { file: 'k.yml' })
  t.notOk(scoped.ok)
  if (!scoped.ok) t.match(scoped.issues[0]!.message, /value must be null/)

  const issues = async (config: string) => {
    const r = await loadConfig(`_format_version: "3.0"\nplugins:\n  - name: jwt\n    config: ${config}\n`, { file: 'k.yml' })
    t.notOk(r.ok, config)
    return r.ok ? '' : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`).join('\n')
  }
  t.match(await issues('{ maximum_expiration: 60, claims_to_verify: [nbf] }'), /^4:\d+ .*config\.claims_to_verify.* expected to contain: exp$/m)
  t.match(await issues('{ maximum_expiration: 60 }'), /config.* expected to contain: exp/)
  t.match(await issues('{ maximum_expiration: -1, claims_to_verify: [exp] }'), /config\.maximum_expiration.*value should be between 0 and 31536000/)
  t.match(await issues('{ maximum_expiration: 31536001, claims_to_verify: [exp] }'), /value should be between 0 and 31536000/)
  t.match(await issues('{ claims_to_verify: [iat] }'), /config\.claims_to_verify.*expected one of: exp, nbf/)
  t.match(await issues('{ secret_is_base64: "yes" }'), /config\.secret_is_base64.*expected a boolean/)
  t.match(await issues('{ key_claim_name: 1 }'), /config\.key_claim_name.*expected a string/)

  const max = await loadConfig('_format_version: "3.0"\nplugins:\n  - name: jwt\n    config: { maximum_expiration: 60, claims_to_verify: [exp, nbf] }\n', {
    file: 'k.yml',
  })
  t.ok(max.ok, 'maximum_expiration with exp verified is fine')
})

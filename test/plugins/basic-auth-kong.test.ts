// Kong's basic-auth access spec (spec/03-plugins/10-basic-auth/03-access_spec.lua) through a real
// gateway and a real echo upstream, with the spec's own header values: what is refused, which
// credential is identified, and basic-auth beside key-auth. Cases basic-auth.test.ts already
// covers carry their citation there. Not covered: gRPC (no HTTP/2 listener) and the consumer
// cache after an Admin API delete (Kong's database).
import { createHash } from 'node:crypto'
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const BOB = '11111111-1111-4111-8111-111111111111'

/** The problems of a file with one consumer holding `entity` (YAML flow text), as `path: message`. */
async function consumerIssues(entity: string): Promise<string[]> {
  const r = await loadConfig(`_format_version: "3.0"\nconsumers:\n  - username: bob\n    id: ${BOB}\n    ${entity}\n`, { file: 'k.yml' })
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)
}

const YML = stringify(
  {
    _format_version: '3.0',
    consumers: [
      {
        username: 'bob',
        basicauth_credentials: [
          { username: 'bob', password: 'kong' },
          { username: 'user123', password: 'password123' },
          { username: 'user321', password: 'password:123' },
        ],
      },
      { username: 'Anonymous' },
      { username: 'Mickey', keyauth_credentials: [{ key: 'Mouse' }] },
      { username: 'Aladdin', basicauth_credentials: [{ username: 'Aladdin', password: 'OpenSesame' }] },
    ],
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: [
          { name: 'r1', paths: ['/r1/'], plugins: [{ name: 'basic-auth', config: { realm: 'test-realm' } }] },
          { name: 'and', paths: ['/and/'], plugins: [{ name: 'basic-auth' }, { name: 'key-auth' }] },
        ],
      },
    ],
  },
  { lineWidth: 0 },
)

interface Case {
  spec: number
  what: string
  route: 'r1' | 'and'
  headers: Record<string, string>
  status: 200 | 401
  challenge?: string
  message?: string
  username?: string
  identifier?: string
}

const CASES: Case[] = [
  { spec: 139, what: 'no credentials, a realm configured', route: 'r1', headers: {}, status: 401, challenge: 'Basic realm="test-realm"' },
  { spec: 175, what: 'Authorization: foobar', route: 'r1', headers: { authorization: 'foobar' }, status: 401, challenge: 'Basic realm="test-realm"' },
  {
    spec: 191,
    what: 'Proxy-Authorization: foobar',
    route: 'r1',
    headers: { 'proxy-authorization': 'foobar' },
    status: 401,
    challenge: 'Basic realm="test-realm"',
  },
  { spec: 207, what: 'a password only', route: 'r1', headers: { authorization: 'Basic a29uZw==' }, status: 401, challenge: 'Basic realm="test-realm"' },
  { spec: 223, what: 'a username only', route: 'r1', headers: { authorization: 'Basic Ym9i' }, status: 401, challenge: 'Basic realm="test-realm"' },
  { spec: 259, what: 'valid credentials in Authorization', route: 'r1', headers: { authorization: 'Basic Ym9iOmtvbmc=' }, status: 200 },
  {
    spec: 271,
    what: 'the second credential of a consumer',
    route: 'r1',
    headers: { authorization: 'Basic dXNlcjEyMzpwYXNzd29yZDEyMw==' },
    status: 200,
    username: 'bob',
    identifier: 'user123',
  },
  {
    spec: 285,
    what: "a password containing ':'",
    route: 'r1',
    headers: { authorization: 'Basic dXNlcjMyMTpwYXNzd29yZDoxMjM=' },
    status: 200,
    username: 'bob',
    identifier: 'user321',
  },
  {
    spec: 299,
    what: 'base64 that decodes to something else',
    route: 'r1',
    headers: { authorization: 'Basic adXNlcjEyMzpwYXNzd29yZDEyMw==' },
    status: 401,
    challenge: 'Basic realm="test-realm"',
  },
  { spec: 315, what: 'valid credentials in Proxy-Authorization', route: 'r1', headers: { 'proxy-authorization': 'Basic Ym9iOmtvbmc=' }, status: 200 },
  // key-auth (1250) runs before basic-auth (1100): without a key, its challenge answers.
  {
    spec: 572,
    what: 'logical AND, basic credentials only',
    route: 'and',
    headers: { authorization: 'Basic QWxhZGRpbjpPcGVuU2VzYW1l' },
    status: 401,
    challenge: 'Key',
    message: 'No API key found in request',
  },
  { spec: 585, what: 'logical AND, no credential', route: 'and', headers: {}, status: 401, challenge: 'Key', message: 'No API key found in request' },
]

t.test("Kong's basic-auth access spec", async (t) => {
  const g = await pluginGateway(t, YML)
  for (const c of CASES) {
    // spec/03-plugins/10-basic-auth/03-access_spec.lua:<c.spec>, one test per row
    t.test(`spec/03-plugins/10-basic-auth/03-access_spec.lua:${c.spec} ${c.what}: ${c.status}`, async (t) => {
      const r = await g.send(`/${c.route}/request`, { headers: c.headers })
      t.equal(r.status, c.status)
      if (c.status === 401) {
        t.equal(r.json().message, c.message ?? 'Unauthorized')
        t.equal(r.headers['www-authenticate'], c.challenge)
        t.equal(r.reached, undefined, 'the upstream is not reached')
        return
      }
      const seen = r.reached?.headers ?? {}
      t.equal(seen['x-consumer-username'], c.username ?? 'bob')
      t.equal(seen['x-credential-identifier'], c.identifier ?? 'bob')
    })
  }
})

t.test('basicauth_credentials as Kong validates and stores them', async (t) => {
  // spec/03-plugins/10-basic-auth/02-api_spec.lua:129
  // Kong's fields are a map: the order is not part of the answer.
  t.same((await consumerIssues('basicauth_credentials: [{ tags: [a] }]')).sort(), [
    'consumers[0].basicauth_credentials[0].password: required field missing',
    'consumers[0].basicauth_credentials[0].username: required field missing',
  ])
  // spec/03-plugins/10-basic-auth/02-api_spec.lua:268
  t.same((await consumerIssues('basicauth_credentials: [{ username: 123 }]')).sort(), [
    'consumers[0].basicauth_credentials[0].password: required field missing',
    'consumers[0].basicauth_credentials[0].username: expected a string',
  ])
  // spec/03-plugins/10-basic-auth/02-api_spec.lua:145
  t.match(
    (await consumerIssues('basicauth_credentials: [{ username: u, password: a }, { username: u, password: b }]')).join('\n'),
    /username.*uniqueness violation/,
  )
  // spec/03-plugins/10-basic-auth/02-api_spec.lua:86 and :107: sha1(password .. consumer id), spaces kept
  for (const password of ['kong', ' kong ']) {
    const r = await loadConfig(
      `_format_version: "3.0"\nconsumers:\n  - username: bob\n    id: ${BOB}\n    basicauth_credentials: [{ username: bob, password: "${password}" }]\n`,
      {
        file: 'k.yml',
      },
    )
    t.ok(r.ok)
    if (r.ok) t.equal(r.config.basicauth_credentials[0]!.password, createHash('sha1').update(`${password}${BOB}`).digest('hex'), JSON.stringify(password))
  }
})

// Kong's ldap-auth access and invalidation specs (spec/03-plugins/20-ldap-auth/01-access_spec.lua,
// 02-invalidations_spec.lua) through a real gateway, a real echo upstream and a real slapd seeded
// with the spec's directory (einstein/password under ou=scientists,dc=ldap,dc=mashape,dc=com),
// run twice as Kong runs them: over plain LDAP and with StartTLS. Not covered: gRPC (the spec's
// grpcbin calls) and the Admin API's /cache endpoint (the cache is observed through its effects
// in ldap-auth.test.ts instead).
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import { ATTRIBUTE, BASE_DN, startSlapd } from '../helpers/slapd.js'

const ANONYMOUS = '22222222-2222-4222-8222-222222222222'
const MISSING = '33333333-3333-4333-8333-333333333333'
const USER = '44444444-4444-4444-8444-444444444444'

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const EINSTEIN = `ldap ${b64('einstein:password')}`

function yml(port: number, startTls: boolean): string {
  const ldap = (extra: Record<string, unknown> = {}) => ({
    name: 'ldap-auth',
    config: { ldap_host: '127.0.0.1', ldap_port: port, start_tls: startTls, base_dn: BASE_DN, attribute: ATTRIBUTE, ...extra },
  })
  const route = (name: string, plugins: unknown[]) => ({ name, paths: [`/${name}/`], plugins })
  return stringify(
    {
      _format_version: '3.0',
      consumers: [
        { username: 'no-body', id: ANONYMOUS },
        { username: 'Mickey', id: USER, keyauth_credentials: [{ key: 'Mouse', id: '55555555-5555-4555-8555-555555555555' }] },
      ],
      services: [
        {
          name: 'app',
          url: '$UPSTREAM',
          routes: [
            route('ldap1', [ldap()]),
            route('ldap2', [ldap({ hide_credentials: true, cache_ttl: 2, realm: 'test-ldap' })]),
            route('ldap3', [ldap({ anonymous: ANONYMOUS })]),
            route('ldap4', [ldap({ ldap_host: '127.0.0.1', cache_ttl: 2, anonymous: MISSING })]),
            route('ldap5', [ldap({ header_type: 'Basic' })]),
            route('ldap7', [ldap({ anonymous: 'no-body' })]),
            route('ldap8', [ldap({ header_type: 'Basic', realm: 'test-ldap' })]),
            route('and', [ldap(), { name: 'key-auth' }]),
            route('or', [ldap({ anonymous: ANONYMOUS }), { name: 'key-auth', config: { anonymous: ANONYMOUS } }]),
            { name: 'ldap6', paths: ['/ldap6/'] },
          ],
        },
      ],
      // The spec's global plugin, reached through the route without its own (ldap6).
      plugins: [{ ...ldap(), route: 'ldap6' }],
    },
    { lineWidth: 0 },
  )
}

for (const startTls of [false, true]) {
  t.test(`Connection strategy [${startTls ? 'starttls' : 'non-secure'}]`, async (t) => {
    const slapd = await startSlapd(t)
    const g = await pluginGateway(t, yml(slapd.port, startTls))
    const send = (route: string, headers: Record<string, string> = {}, method = 'GET') => g.send(`/${route}/request`, { method, headers })

    t.test('refusals: 401 Unauthorized with the challenge, the upstream not reached', async (t) => {
      const cases: [number, string, string, Record<string, string>, string][] = [
        [225, 'the credential is missing', 'ldap1', {}, 'LDAP'],
        [248, 'a wrong format in Authorization', 'ldap1', { authorization: 'abcd' }, 'LDAP'],
        [261, 'a wrong format in Proxy-Authorization', 'ldap1', { 'proxy-authorization': 'abcd' }, 'LDAP'],
        [275, 'the value is missing after the scheme', 'ldap1', { authorization: 'ldap ' }, 'LDAP'],
        [314, 'another scheme', 'ldap1', { authorization: `invalidldap ${b64('einstein:password')}` }, 'LDAP'],
        [364, 'no password', 'ldap1', { authorization: `ldap ${b64('einstein:')}` }, 'LDAP'],
        [376, 'a wrong, very long password', 'ldap1', { authorization: `ldap ${b64(`einstein:${'e0d91f53c566'.repeat(15)}`)}` }, 'LDAP'],
        [388, "more ':'-separated parts", 'ldap1', { authorization: `ldap ${b64('einstein:password:another_password')}` }, 'LDAP'],
        [400, 'a wrong password', 'ldap1', { authorization: `ldap ${b64('einstein:wrong_password')}` }, 'LDAP'],
        [437, 'a wrong password, with the realm', 'ldap2', { authorization: `ldap ${b64('einstein:wrong_password')}` }, 'LDAP realm="test-ldap"'],
        [462, 'no credential, header_type Basic', 'ldap5', {}, 'Basic'],
        [477, 'no credential, header_type Basic and a realm', 'ldap8', {}, 'Basic realm="test-ldap"'],
        [492, 'another scheme than header_type', 'ldap5', { authorization: `invalidldap ${b64('einstein:password')}` }, 'Basic'],
      ]
      for (const [line, what, route, headers, challenge] of cases) {
        // spec/03-plugins/20-ldap-auth/01-access_spec.lua:<line>, one assertion group per row
        const r = await send(route, headers)
        t.equal(r.status, 401, `01-access_spec.lua:${line} ${what}`)
        t.equal(r.headers['www-authenticate'], challenge, `01-access_spec.lua:${line} challenge`)
        t.equal(r.json().message, 'Unauthorized', `01-access_spec.lua:${line} message`)
        t.equal(r.reached, undefined, `01-access_spec.lua:${line} not proxied`)
      }
    })

    t.test('valid credentials pass', async (t) => {
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:289 POST with a form body
      let r = await g.send('/ldap1/request', {
        method: 'POST',
        headers: { authorization: EINSTEIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      })
      t.equal(r.status, 200)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:328 leading space
      t.equal((await send('ldap1', { authorization: ` ${EINSTEIN}` }, 'POST')).status, 200)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:339 scheme in capitals
      t.equal((await send('ldap1', { authorization: `LDAP ${b64('einstein:password')}` }, 'POST')).status, 200)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:350 GET: X-Credential-Identifier is the username
      r = await send('ldap1', { authorization: EINSTEIN })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-credential-identifier'], 'einstein')
      t.equal(r.reached?.headers['x-anonymous-consumer'], undefined)
      // No consumer is attached: the consumer headers are absent (Kong's set_consumer(nil, credential)).
      t.equal(r.reached?.headers['x-consumer-id'], undefined)
      t.equal(r.reached?.headers['x-consumer-username'], undefined)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:449 a custom header_type
      t.equal((await send('ldap5', { authorization: `basic ${b64('einstein:password')}` }, 'POST')).status, 200)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:506 the global plugin
      r = await send('ldap6', { authorization: EINSTEIN })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-credential-identifier'], 'einstein')
    })

    t.test('hide_credentials', async (t) => {
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:412 does not hide the credential
      let r = await send('ldap1', { authorization: EINSTEIN })
      t.equal(r.reached?.headers.authorization, EINSTEIN)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:425 hides it
      r = await send('ldap2', { authorization: EINSTEIN })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers.authorization, undefined)
    })

    t.test('config.anonymous', async (t) => {
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:548
      let r = await send('ldap3', { authorization: EINSTEIN })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-credential-identifier'], 'einstein')
      t.equal(r.reached?.headers['x-anonymous-consumer'], undefined)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:564
      r = await send('ldap3')
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-anonymous-consumer'], 'true')
      t.equal(r.reached?.headers['x-consumer-username'], 'no-body')
      t.equal(r.reached?.headers['x-credential-identifier'], undefined)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:579 anonymous given by username
      r = await send('ldap7')
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-anonymous-consumer'], 'true')
      t.equal(r.reached?.headers['x-consumer-username'], 'no-body')
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:593
      r = await send('ldap4')
      t.equal(r.status, 500)
      t.equal(r.json().message, `anonymous consumer ${MISSING} is configured but doesn't exist`)
      t.equal(r.reached, undefined)
    })

    t.test('multiple auth without anonymous, logical AND', async (t) => {
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:710
      let r = await send('and', { apikey: 'Mouse', authorization: EINSTEIN })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-anonymous-consumer'], undefined)
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:724 (key-auth runs first, at 1250)
      r = await send('and', { apikey: 'Mouse' })
      t.equal(r.status, 401)
      t.equal(r.headers['www-authenticate'], 'LDAP')
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:737
      r = await send('and', { authorization: EINSTEIN })
      t.equal(r.status, 401)
      t.equal(r.headers['www-authenticate'], 'Key')
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:750
      r = await send('and')
      t.equal(r.status, 401)
      t.equal(r.headers['www-authenticate'], 'Key')
    })

    t.test('multiple auth with anonymous, logical OR', async (t) => {
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:766 key-auth's consumer stays
      let r = await send('or', { apikey: 'Mouse', authorization: EINSTEIN })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-anonymous-consumer'], undefined)
      t.equal(r.reached?.headers['x-consumer-id'], USER)
      t.equal(r.reached?.headers['x-credential-identifier'], '55555555-5555-4555-8555-555555555555')
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:785
      r = await send('or', { apikey: 'Mouse' })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-consumer-id'], USER)
      t.equal(r.reached?.headers['x-credential-identifier'], '55555555-5555-4555-8555-555555555555')
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:803
      r = await send('or', { authorization: EINSTEIN })
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-anonymous-consumer'], undefined)
      t.equal(r.reached?.headers['x-credential-identifier'], 'einstein')
      // spec/03-plugins/20-ldap-auth/01-access_spec.lua:818
      r = await send('or')
      t.equal(r.status, 200)
      t.equal(r.reached?.headers['x-anonymous-consumer'], 'true')
      t.equal(r.reached?.headers['x-consumer-id'], ANONYMOUS)
      t.equal(r.reached?.headers['x-credential-identifier'], undefined)
    })
  })
}

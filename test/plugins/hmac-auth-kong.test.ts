// Kong's hmac-auth access spec (spec/03-plugins/19-hmac-auth/03-access_spec.lua) through a real
// gateway and a real echo upstream, with the spec's own Authorization values: parsing of the
// parameters, Date / X-Date, which header is read, body digests, request lines with queries,
// enforced headers and algorithms. Cases hmac-auth.test.ts already covers carry their citation
// there. Not covered: gRPC (no HTTP/2 listener here).
import { createHash, createHmac } from 'node:crypto'
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

const hmac = (config: Record<string, unknown>) => [{ name: 'hmac-auth', config: { clock_skew: 3000, ...config } }]
// The spec's routes (spec/03-plugins/19-hmac-auth/03-access_spec.lua:19-170), by host as there (hmacauth.test is h1.test here).
const ROUTES = {
  h1: hmac({ realm: 'test-realm' }),
  h4: hmac({ validate_request_body: true }),
  h5: hmac({ enforce_headers: ['date', 'request-line'], validate_request_body: true }),
  h6: hmac({ enforce_headers: ['date', 'request-line'], algorithms: ['hmac-sha1', 'hmac-sha256'], validate_request_body: true }),
  // :1752: hmac-auth beside key-auth, without and with anonymous.
  'logical-and': [{ name: 'hmac-auth' }, { name: 'key-auth' }],
  'logical-or': [
    { name: 'hmac-auth', config: { anonymous: 'Anonymous' } },
    { name: 'key-auth', config: { anonymous: 'Anonymous' } },
  ],
}

const YML = stringify(
  {
    _format_version: '3.0',
    consumers: [
      { username: 'bob', custom_id: '1234', hmacauth_credentials: [{ username: 'bob', secret: 'secret' }] },
      { username: 'Anonymous' },
      { username: 'Mickey', keyauth_credentials: [{ key: 'Mouse' }] },
      { username: 'Aladdin', hmacauth_credentials: [{ username: 'Aladdin', secret: 'OpenSesame' }] },
    ],
    services: [{ name: 'app', url: '$UPSTREAM', routes: Object.entries(ROUTES).map(([name, plugins]) => ({ name, hosts: [`${name}.test`], plugins })) }],
  },
  { lineWidth: 0 },
)

const sign = (alg: 'sha1' | 'sha256' | 'sha384' | 'sha512', text: string, secret = 'secret') => createHmac(alg, secret).update(text).digest('base64')
/** Aladdin's signature of the Date alone, as the logical AND/OR cases send it. */
const aladdin = (date: string) => ({
  date,
  authorization: `hmac username="Aladdin",algorithm="hmac-sha1",headers="date",signature="${sign('sha1', `date: ${date}`, 'OpenSesame')}"`,
})
const sha256 = (body: string) => `SHA-256=${createHash('sha256').update(body).digest('base64')}`

const NOT_VALID = 'HMAC signature cannot be verified'
const NOT_SAME = 'HMAC signature does not match'
const NO_DATE = 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication'

interface Case {
  spec: number
  what: string
  route: keyof typeof ROUTES
  /** The request path; `/request` unless given. */
  path?: string
  method?: string
  body?: string
  headers: (date: string) => Record<string, string>
  status: 200 | 401
  message?: string
  /** The challenge of a 401, when not the route's own hmac one. */
  challenge?: string
  /** Who the upstream sees on a 200 (default bob); `Mickey|Aladdin` when either may win. */
  consumer?: string
  anonymous?: boolean
}

const MD5_LINE = (date: string, line = 'GET /request HTTP/1.1') => `date: ${date}\ncontent-md5: md5\n${line}`
const signed = (alg: string, headers: string, signature: string, sep = ',') =>
  `hmac username="bob",${sep === ',' ? '' : ' '}algorithm="${alg}",  headers="${headers}",signature="${signature}"`

const CASES: Case[] = [
  { spec: 181, what: 'no credentials, a realm set', route: 'h1', headers: (date) => ({ date }), status: 401, message: 'Unauthorized' },
  {
    spec: 199,
    what: 'no hmac token at all',
    route: 'h6',
    headers: (date) => ({ date, 'proxy-authorization': 'this is no hmac token at all is it?' }),
    status: 401,
  },
  { spec: 225, what: 'Authorization: asd', route: 'h1', headers: (date) => ({ date, authorization: 'asd' }), status: 401, message: NOT_VALID },
  {
    spec: 242,
    what: 'a signature that is not base64',
    route: 'h1',
    headers: (date) => ({ date, authorization: '"hmac username="bob",algorithm="hmac-sha1",headers="date",signature="not really a base64 encoded value!!!"' }),
    status: 401,
    message: NOT_SAME,
  },
  { spec: 260, what: 'no Date', route: 'h1', headers: () => ({ authorization: 'asd' }), status: 401, message: NO_DATE },
  { spec: 277, what: 'Proxy-Authorization: asd', route: 'h1', headers: (date) => ({ date, 'proxy-authorization': 'asd' }), status: 401, message: NOT_VALID },
  {
    spec: 294,
    what: 'only a digest',
    route: 'h1',
    headers: (date) => ({ date, 'proxy-authorization': 'hmac :dXNlcm5hbWU6cGFzc3dvcmQ=' }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 311,
    what: 'wrong parameters in Proxy-Authorization',
    route: 'h1',
    headers: (date) => ({ date, 'proxy-authorization': 'hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=' }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 329,
    what: 'wrong parameters in Authorization',
    route: 'h1',
    headers: (date) => ({ date, authorization: 'hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=' }),
    status: 401,
    message: NOT_VALID,
  },
  { spec: 347, what: 'only the username', route: 'h1', headers: (date) => ({ date, authorization: 'hmac username' }), status: 401, message: NOT_VALID },
  {
    spec: 380,
    what: 'no username',
    route: 'h1',
    headers: (date) => ({ date, authorization: `hmac algorithm="hmac-sha1",headers="date",signature="${sign('sha1', `date: ${date}`)}"` }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 402,
    what: 'no signature',
    route: 'h1',
    headers: (date) => ({ date, authorization: 'hmac username="bob",algorithm="hmac-sha1",headers="date"' }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 515,
    what: 'valid Authorization, invalid Proxy-Authorization',
    route: 'h1',
    headers: (date) => ({
      date,
      'proxy-authorization': 'hmac username',
      authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date",signature="${sign('sha1', `date: ${date}`)}"`,
    }),
    status: 200,
  },
  {
    spec: 536,
    what: 'invalid Authorization, valid Proxy-Authorization',
    route: 'h1',
    headers: (date) => ({
      date,
      authorization: 'hello',
      'proxy-authorization': `hmac username="bob",algorithm="hmac-sha1",headers="date",signature="${sign('sha1', `date: ${date}`)}"`,
    }),
    status: 200,
  },
  {
    spec: 648,
    what: 'an unknown username',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': `hmac username="bobb",  algorithm="hmac-sha1", headers="date content-md5 request-line", signature="${sign('sha1', MD5_LINE(date))}"`,
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 675,
    what: 'an empty username',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': `hmac username="",  algorithm="hmac-sha1", headers="date content-md5 request-line", signature="${sign('sha1', MD5_LINE(date))}"`,
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 730,
    what: 'a misnamed headers field',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1",   wrong_header="date content-md5 request-line", signature="${sign('sha1', MD5_LINE(date))}"`,
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 756,
    what: 'a misnamed signature field',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1",   headers="date content-md5 request-line", wrong_signature="${sign('sha1', MD5_LINE(date))}"`,
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 782,
    what: 'no comma after the algorithm',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1" headers="date content-md5 request-line", signature="${sign('sha1', MD5_LINE(date))}"`,
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 834,
    what: 'no space or several between the fields',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha1', 'date content-md5 request-line', sign('sha1', MD5_LINE(date))),
    }),
    status: 200,
  },
  {
    spec: 857,
    what: 'an unknown algorithm',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha', 'date content-md5 request-line', sign('sha256', MD5_LINE(date))),
    }),
    status: 401,
  },
  {
    spec: 909,
    what: 'X-Date signed instead of Date',
    route: 'h1',
    headers: (date) => ({
      'x-date': date,
      'content-md5': 'md5',
      authorization: signed('hmac-sha1', 'x-date content-md5 request-line', sign('sha1', `x-date: ${date}\ncontent-md5: md5\nGET /request HTTP/1.1`)),
    }),
    status: 200,
  },
  {
    spec: 956,
    what: 'a malformed X-Date and no Date',
    route: 'h1',
    headers: (date) => ({
      'x-date': 'wrong date',
      'content-md5': 'md5',
      authorization: signed('hmac-sha1', 'x-date content-md5 request-line', sign('sha1', `x-date: ${date}\ncontent-md5: md5\nGET /request? HTTP/1.1`)),
    }),
    status: 401,
    message: NO_DATE,
  },
  {
    spec: 982,
    what: 'a malformed X-Date, a good Date, neither signed',
    route: 'h1',
    headers: (date) => ({
      'x-date': 'wrong date',
      date,
      'content-md5': 'md5',
      authorization: signed('hmac-sha1', 'content-md5 request-line', sign('sha1', 'content-md5: md5\nGET /request HTTP/1.1')),
    }),
    status: 200,
  },
  {
    spec: 1028,
    what: 'the malformed X-Date signed, the good Date passing the skew test',
    route: 'h1',
    headers: (date) => ({
      'x-date': 'wrong date',
      date,
      'content-md5': 'md5',
      authorization: signed('hmac-sha1', 'x-date content-md5 request-line', sign('sha1', 'x-date: wrong date\ncontent-md5: md5\nGET /request HTTP/1.1')),
    }),
    status: 200,
  },
  {
    spec: 1051,
    what: 'the malformed Date signed, the good X-Date passing the skew test',
    route: 'h1',
    headers: (date) => ({
      'x-date': date,
      date: 'wrong date',
      'content-md5': 'md5',
      authorization: signed('hmac-sha1', 'date content-md5 request-line', sign('sha1', 'date: wrong date\ncontent-md5: md5\nGET /request HTTP/1.1')),
    }),
    status: 200,
  },
  {
    spec: 1097,
    what: 'body validation, a body and no Digest',
    route: 'h4',
    method: 'POST',
    body: '{"a":"apple","b":"ball"}',
    headers: (date) => ({ date, authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date",signature="${sign('sha1', `date: ${date}`)}"` }),
    status: 401,
    message: NOT_SAME,
  },
  {
    spec: 1142,
    what: "body validation, no body and the empty body's Digest",
    route: 'h4',
    headers: (date) => ({
      date,
      digest: sha256(''),
      authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date digest",signature="${sign('sha1', `date: ${date}\ndigest: ${sha256('')}`)}"`,
    }),
    status: 200,
  },
  {
    spec: 1307,
    what: 'body validation, a tampered body',
    route: 'h4',
    method: 'POST',
    body: 'abc',
    headers: (date) => {
      const digest = sha256('{"a":"apple","b":"ball"}')
      return {
        date,
        digest,
        authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date digest",signature="${sign('sha1', `date: ${date}\ndigest: ${digest}`)}"`,
      }
    },
    status: 401,
    message: NOT_SAME,
  },
  {
    spec: 1335,
    what: 'body validation, a tampered Digest',
    route: 'h4',
    method: 'POST',
    body: '{"a":"apple","b":"ball"}',
    headers: (date) => {
      const digest = sha256('{"a":"apple","b":"ball"}')
      return {
        date,
        digest: `${digest}spoofed`,
        authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date digest",signature="${sign('sha1', `date: ${date}\ndigest: ${digest}`)}"`,
      }
    },
    status: 401,
    message: NOT_SAME,
  },
  {
    spec: 1385,
    what: 'a query the request line did not sign',
    route: 'h5',
    path: '/request?name=foo',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha1', 'date content-md5 request-line', sign('sha1', MD5_LINE(date)), ' '),
    }),
    status: 401,
    message: NOT_SAME,
  },
  {
    spec: 1429,
    what: 'a query the request line signed',
    route: 'h5',
    path: '/request?name=foo',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha1', 'date content-md5 request-line', sign('sha1', MD5_LINE(date, 'GET /request?name=foo HTTP/1.1')), ' '),
    }),
    status: 200,
  },
  {
    spec: 1470,
    what: 'an encoded query argument, signed as sent',
    route: 'h5',
    path: '/request?name=foo%20b%C3%A1r',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed(
        'hmac-sha1',
        'date content-md5 request-line',
        sign('sha1', MD5_LINE(date, 'GET /request?name=foo%20b%C3%A1r HTTP/1.1')),
        ' ',
      ),
    }),
    status: 200,
  },
  {
    spec: 1621,
    what: 'the enforced request-line not signed',
    route: 'h5',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha1', 'date content-md5', sign('sha1', `date: ${date}\ncontent-md5: md5`), ' '),
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 1688,
    what: 'an algorithm the route does not allow',
    route: 'h6',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha512', 'date content-md5 request-line', sign('sha512', MD5_LINE(date)), ' '),
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 1727,
    what: 'an algorithm the route allows',
    route: 'h6',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha1', 'date content-md5 request-line', sign('sha1', MD5_LINE(date)), ' '),
    }),
    status: 200,
  },
  {
    spec: 702,
    what: 'no username in the parameters',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': `hmac algorithm="hmac-sha1", headers="date content-md5 request-line", signature="${sign('sha1', MD5_LINE(date))}"`,
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 808,
    what: 'no comma before a padded headers field',
    route: 'h1',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': `hmac username="bob",  algorithm="hmac-sha1" headers="  date content-md5 request-line",signature="${sign('sha1', MD5_LINE(date, 'GET /request? HTTP/1.1'))}"`,
    }),
    status: 401,
    message: NOT_VALID,
  },
  {
    spec: 931,
    what: 'neither Date nor X-Date',
    route: 'h1',
    headers: () => ({
      'content-md5': 'md5',
      authorization: 'hello',
      'proxy-authorization': signed('hmac-sha1', 'content-md5 request-line', sign('sha1', 'content-md5: md5\nGET /request? HTTP/1.1'), ' '),
    }),
    status: 401,
    message: NO_DATE,
  },
  {
    spec: 1123,
    what: 'body validation, no body and no Digest',
    route: 'h4',
    headers: (date) => ({ date, authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date",signature="${sign('sha1', `date: ${date}`)}"` }),
    status: 200,
  },
  {
    spec: 1230,
    what: 'body validation, the Digest signed',
    route: 'h4',
    method: 'POST',
    body: '{"a":"apple","b":"ball"}',
    headers: (date) => {
      const digest = sha256('{"a":"apple","b":"ball"}')
      return {
        date,
        digest,
        authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date digest",signature="${sign('sha1', `date: ${date}\ndigest: ${digest}`)}"`,
      }
    },
    status: 200,
  },
  {
    spec: 1280,
    what: 'body validation, the signed Digest not sent',
    route: 'h4',
    method: 'POST',
    body: '{"a":"apple","b":"ball"}',
    headers: (date) => {
      const digest = sha256('{"a":"apple","b":"ball"}')
      return {
        date,
        authorization: `hmac username="bob",algorithm="hmac-sha1",headers="date digest",signature="${sign('sha1', `date: ${date}\ndigest: ${digest}`)}"`,
      }
    },
    status: 401,
    message: NOT_SAME,
  },
  {
    spec: 1519,
    what: 'several encoded query arguments',
    route: 'h5',
    path: '/request?name=foo%20bar&address=san%20francisco',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed(
        'hmac-sha1',
        'date content-md5 request-line',
        sign('sha1', MD5_LINE(date, 'GET /request?name=foo%20bar&address=san%20francisco HTTP/1.1')),
        ' ',
      ),
    }),
    status: 200,
  },
  {
    spec: 1547,
    what: 'one query argument twice',
    route: 'h5',
    path: '/request?name=foo&name=bar',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha1', 'date content-md5 request-line', sign('sha1', MD5_LINE(date, 'GET /request?name=foo&name=bar HTTP/1.1')), ' '),
    }),
    status: 200,
  },
  {
    spec: 1572,
    what: 'the request line of /',
    route: 'h5',
    path: '/',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed('hmac-sha1', 'date content-md5 request-line', sign('sha1', MD5_LINE(date, 'GET / HTTP/1.1')), ' '),
    }),
    status: 200,
  },
  {
    spec: 1593,
    what: 'an encoded path segment',
    route: 'h5',
    path: '/request/some%20value/?name=foo&name=bar',
    headers: (date) => ({
      date,
      'content-md5': 'md5',
      'proxy-authorization': signed(
        'hmac-sha1',
        'date content-md5 request-line',
        sign('sha1', MD5_LINE(date, 'GET /request/some%20value/?name=foo&name=bar HTTP/1.1')),
        ' ',
      ),
    }),
    status: 200,
  },
  {
    spec: 1711,
    what: 'no hmac token at all',
    route: 'h6',
    headers: (date) => ({ date, 'proxy-authorization': 'this is no hmac token at all is it?' }),
    status: 401,
  },
  // hmac-auth (1030) runs after key-auth (1250).
  {
    spec: 1859,
    what: 'logical AND, both credentials',
    route: 'logical-and',
    headers: (date) => ({ apikey: 'Mouse', ...aladdin(date) }),
    status: 200,
    consumer: 'Mickey|Aladdin',
  },
  { spec: 1878, what: 'logical AND, the key only', route: 'logical-and', headers: () => ({ apikey: 'Mouse' }), status: 401, message: 'Unauthorized' },
  {
    spec: 1891,
    what: 'logical AND, the signature only',
    route: 'logical-and',
    headers: aladdin,
    status: 401,
    challenge: 'Key',
    message: 'No API key found in request',
  },
  {
    spec: 1905,
    what: 'logical AND, nothing',
    route: 'logical-and',
    headers: () => ({}),
    status: 401,
    challenge: 'Key',
    message: 'No API key found in request',
  },
  {
    spec: 1921,
    what: 'logical OR, both credentials',
    route: 'logical-or',
    headers: (date) => ({ apikey: 'Mouse', ...aladdin(date) }),
    status: 200,
    consumer: 'Mickey|Aladdin',
  },
  { spec: 1940, what: 'logical OR, the key only', route: 'logical-or', headers: () => ({ apikey: 'Mouse' }), status: 200, consumer: 'Mickey' },
  { spec: 1956, what: 'logical OR, the signature only', route: 'logical-or', headers: aladdin, status: 200, consumer: 'Aladdin' },
  { spec: 1973, what: 'logical OR, nothing', route: 'logical-or', headers: () => ({}), status: 200, consumer: 'Anonymous', anonymous: true },
]

t.test("Kong's hmac-auth access spec", async (t) => {
  const g = await pluginGateway(t, YML)
  for (const c of CASES) {
    // spec/03-plugins/19-hmac-auth/03-access_spec.lua:<c.spec>, one test per row
    t.test(`spec/03-plugins/19-hmac-auth/03-access_spec.lua:${c.spec} ${c.what}: ${c.status}`, async (t) => {
      const date = new Date().toUTCString()
      const r = await g.send(c.path ?? '/request', {
        method: c.method ?? 'GET',
        headers: { host: `${c.route}.test`, ...c.headers(date) },
        ...(c.body ? { body: c.body } : {}),
      })
      t.equal(r.status, c.status)
      if (c.status === 401) {
        t.equal(r.headers['www-authenticate'], c.challenge ?? (c.route === 'h1' ? 'hmac realm="test-realm"' : 'hmac'))
        if (c.message) t.equal(r.json().message, c.message)
        t.equal(r.reached, undefined, 'the upstream is not reached')
        return
      }
      const seen = r.reached?.headers ?? {}
      t.match(seen['x-consumer-username'], new RegExp(`^(${c.consumer ?? 'bob'})$`))
      t.equal(seen['x-anonymous-consumer'], c.anonymous ? 'true' : undefined)
    })
  }
})

t.test('hmacauth_credentials as Kong validates them', async (t) => {
  // spec/03-plugins/19-hmac-auth/02-api_spec.lua:103
  t.same(await consumerIssues('hmacauth_credentials: [{ secret: s }]'), ['consumers[0].hmacauth_credentials[0].username: required field missing'])
  // spec/03-plugins/19-hmac-auth/02-api_spec.lua:205
  t.same(await consumerIssues('hmacauth_credentials: [{ username: "" }]'), ['consumers[0].hmacauth_credentials[0].username: length must be at least 1'])
  // spec/03-plugins/19-hmac-auth/02-api_spec.lua:239
  t.same(await consumerIssues('hmacauth_credentials: [{ username: u, secret: 123 }]'), ['consumers[0].hmacauth_credentials[0].secret: expected a string'])
  // spec/03-plugins/19-hmac-auth/02-api_spec.lua:69: without a secret, one is made
  t.same(await consumerIssues('hmacauth_credentials: [{ username: u }]'), [])
})

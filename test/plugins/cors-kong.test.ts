// Kong's cors spec (spec/03-plugins/13-cors/01-access_spec.lua) through a real gateway and a real
// upstream: the cases cors.test.ts does not already cover, with the spec's route configs.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import type { Handler } from '../helpers/upstream.js'

// The spec's /response-headers: the upstream answers with the query's pairs as headers, and echoes Origin.
const responseHeaders: Handler = (req, res) => {
  const query = new URL(req.url ?? '/', 'http://x').searchParams
  const body = JSON.stringify({ headers: { origin: req.headers.origin } })
  res.writeHead(200, { ...Object.fromEntries(query), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

const yaml = stringify({
  _format_version: '3.0',
  services: [
    {
      name: 'app',
      url: '$UPSTREAM',
      routes: [
        {
          name: 'cors12',
          paths: ['/cors12'],
          plugins: [
            {
              name: 'cors',
              config: { credentials: true, max_age: 1728000, headers: ['DNT', 'X-CustomHeader'], origins: ['a.xxx.test', 'allowed-domain.test'] },
            },
          ],
        },
        {
          name: 'cors15',
          paths: ['/cors15'],
          plugins: [{ name: 'cors', config: { allow_origin_absent: false, origins: ['foo.bar'], exposed_headers: ['x-auth-token'], credentials: true } }],
        },
        {
          name: 'cors16',
          paths: ['/cors16'],
          plugins: [{ name: 'cors', config: { allow_origin_absent: true, origins: ['foo.bar'], exposed_headers: ['x-auth-token'], credentials: true } }],
        },
        { name: 'cors5', paths: ['/cors5'], plugins: [{ name: 'cors', config: { origins: ['*'], credentials: true } }] },
      ],
    },
  ],
})

const ABSENT: (string | undefined)[] = [undefined, '']

t.test('allow_origin_absent: a missing or empty Origin is absent', async (t) => {
  const { send } = await pluginGateway(t, yaml, responseHeaders)
  for (const origin of ABSENT) {
    const headers: Record<string, string> = origin === undefined ? {} : { origin }
    // spec/03-plugins/13-cors/01-access_spec.lua:1170
    const off = await send('/cors15/x', { headers })
    t.equal(off.status, 200)
    t.equal(off.headers['access-control-allow-origin'], undefined, `disabled, Origin ${JSON.stringify(origin)}: no ACAO`)
    t.equal(off.headers['access-control-allow-credentials'], undefined)
    t.equal(off.headers['access-control-expose-headers'], undefined)
    // spec/03-plugins/13-cors/01-access_spec.lua:1185
    const on = await send('/cors16/x', { headers })
    t.equal(on.status, 200)
    t.equal(on.headers['access-control-allow-origin'], 'foo.bar', `enabled, Origin ${JSON.stringify(origin)}: ACAO`)
    t.equal(on.headers['access-control-allow-credentials'], 'true')
    t.equal(on.headers['access-control-expose-headers'], 'x-auth-token')
  }
})

t.test('an empty Origin is no Origin: no preflight, no echo with credentials', async (t) => {
  const { send } = await pluginGateway(t, yaml, responseHeaders)
  // kong/plugins/cors/handler.lua's is_origin_provided, used by the preflight check and credentials
  const preflight = await send('/cors5/x', { method: 'OPTIONS', headers: { origin: '', 'access-control-request-method': 'GET' } })
  t.ok(preflight.reached, 'not a preflight: proxied')
  t.equal(preflight.headers['access-control-allow-methods'], undefined)
  const get = await send('/cors5/x', { headers: { origin: '' } })
  t.equal(get.headers['access-control-allow-origin'], '*', 'ACAO * is not replaced by an empty echo')
  t.equal(get.headers['access-control-allow-credentials'], undefined)
})

t.test("the upstream's ACAO is replaced or removed", async (t) => {
  const { send } = await pluginGateway(t, yaml, responseHeaders)
  const query = '?Response-Header=is-added&Access-Control-Allow-Origin=*'
  // spec/03-plugins/13-cors/01-access_spec.lua:1127
  const match = await send(`/cors12/response-headers${query}`, { headers: { origin: 'allowed-domain.test' } })
  t.equal(match.status, 200)
  t.equal(match.headers['response-header'], 'is-added')
  t.equal(match.headers['access-control-allow-origin'], 'allowed-domain.test')
  t.equal(match.headers['access-control-allow-credentials'], 'true')
  t.equal(match.headers.vary, 'Origin')
  t.equal(match.json<{ headers: { origin: string } }>().headers.origin, 'allowed-domain.test')
  // spec/03-plugins/13-cors/01-access_spec.lua:1147
  const other = await send(`/cors12/response-headers${query}`, { headers: { origin: 'disallowed-domain.test' } })
  t.equal(other.status, 200)
  t.equal(other.headers['response-header'], 'is-added')
  t.equal(other.headers['access-control-allow-origin'], undefined)
  t.equal(other.headers['access-control-allow-credentials'], 'true')
  t.equal(other.json<{ headers: { origin: string } }>().headers.origin, 'disallowed-domain.test')
})

// The spec's regex_testcases (spec/03-plugins/13-cors/01-access_spec.lua:29): each route's
// `origins`, and per Origin sent what Access-Control-Allow-Origin answers: true echoes the Origin,
// false sends none, a string is that value.
const REGEX_CASES: [string[], [string, string | boolean][]][] = [
  [
    ['foo.test'],
    [
      ['http://evil.test', 'foo.test'],
      ['http://foo.test', 'foo.test'],
      ['http://foo.test.evil.test', 'foo.test'],
      ['http://something.foo.test', 'foo.test'],
      ['http://evilfoo.test', 'foo.test'],
      ['http://foo.test:80', 'foo.test'],
      ['http://foo.test:8000', 'foo.test'],
      ['https://foo.test:8000', 'foo.test'],
      ['http://foo.test:90', 'foo.test'],
      ['http://foobtest', 'foo.test'],
      ['https://bar.test:1234', 'foo.test'],
    ],
  ],
  [
    ['https://bar.test:1234'],
    [
      ['http://evil.test', 'https://bar.test:1234'],
      ['http://foo.test', 'https://bar.test:1234'],
      ['http://foo.test.evil.test', 'https://bar.test:1234'],
      ['http://something.foo.test', 'https://bar.test:1234'],
      ['http://evilfoo.test', 'https://bar.test:1234'],
      ['http://foo.test:80', 'https://bar.test:1234'],
      ['http://foo.test:8000', 'https://bar.test:1234'],
      ['https://foo.test:8000', 'https://bar.test:1234'],
      ['http://foo.test:90', 'https://bar.test:1234'],
      ['http://foobtest', 'https://bar.test:1234'],
      ['https://bar.test:1234', 'https://bar.test:1234'],
    ],
  ],
  [
    ['foo\\.test'],
    [
      ['http://evil.test', false],
      ['http://foo.test', true],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', false],
      ['http://evilfoo.test', false],
      ['http://foo.test:80', 'http://foo.test'],
      ['http://foo.test:8000', true],
      ['https://foo.test:8000', true],
      ['http://foo.test:90', true],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['(.*[./])?foo\\.test'],
    [
      ['http://evil.test', false],
      ['http://foo.test', true],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', true],
      ['http://evilfoo.test', false],
      ['http://foo.test:80', 'http://foo.test'],
      ['http://foo.test:8000', true],
      ['https://foo.test:8000', true],
      ['http://foo.test:90', true],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['(.*[./])?foo\\.test:8000'],
    [
      ['http://evil.test', false],
      ['http://foo.test', false],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', false],
      ['http://evilfoo.test', false],
      ['http://foo.test:80', false],
      ['http://foo.test:8000', true],
      ['https://foo.test:8000', true],
      ['http://foo.test:90', false],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['https://(.*[.])?foo\\.test:8000'],
    [
      ['http://evil.test', false],
      ['http://foo.test', false],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', false],
      ['http://foo.test:80', false],
      ['http://foo.test:8000', false],
      ['https://foo.test:8000', true],
      ['http://foo.test:90', false],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['^http://(.*[.])?foo\\.test(:(80|90))?$'],
    [
      ['http://evil.test', false],
      ['http://foo.test', true],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', true],
      ['http://foo.test:80', 'http://foo.test'],
      ['http://foo.test:8000', false],
      ['https://foo.test:8000', false],
      ['http://foo.test:90', true],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['foo.test', 'bar.test'],
    [
      ['http://evil.test', false],
      ['http://foo.test', false],
      ['http://foo.test.evil.test', false],
      ['http://foo.test:80', false],
      ['http://foo.test:8000', false],
      ['http://foo.test:90', false],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['http://foo.test', 'https://bar.test:1234'],
    [
      ['http://evil.test', false],
      ['http://foo.test', true],
      ['http://foo.test.evil.test', false],
      ['http://foo.test:80', 'http://foo.test'],
      ['http://foo.test:8000', false],
      ['http://foo.test:90', false],
      ['http://foobtest', false],
      ['https://bar.test:1234', true],
    ],
  ],
  [
    ['bar.test', 'foo\\.test'],
    [
      ['http://evil.test', false],
      ['http://foo.test', true],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', false],
      ['http://foo.test:80', 'http://foo.test'],
      ['http://foo.test:8000', true],
      ['http://foo.test:90', true],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['bar.test', '(.*\\.)?foo\\.test'],
    [
      ['http://evil.test', false],
      ['http://foo.test', true],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', true],
      ['http://foo.test:80', 'http://foo.test'],
      ['http://foo.test:8000', true],
      ['http://foo.test:90', true],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['bar.test', '(.*[./])?foo\\.test:8000'],
    [
      ['http://evil.test', false],
      ['http://foo.test', false],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', false],
      ['http://foo.test:80', false],
      ['http://foo.test:8000', true],
      ['https://foo.test:8000', true],
      ['http://foo.test:90', false],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
  [
    ['bar.test', 'https://(.*\\.)?foo\\.test:8000'],
    [
      ['http://evil.test', false],
      ['http://foo.test', false],
      ['http://foo.test.evil.test', false],
      ['http://something.foo.test', false],
      ['http://foo.test:80', false],
      ['http://foo.test:8000', false],
      ['https://foo.test:8000', true],
      ['http://foo.test:90', false],
      ['http://foobtest', false],
      ['https://bar.test:1234', false],
    ],
  ],
]

t.test('origins: plain origins and regexes, the preflight table', async (t) => {
  const regexYaml = stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'app',
        url: '$UPSTREAM',
        routes: REGEX_CASES.map(([origins], i) => ({
          name: `cors-regex-${i + 1}`,
          hosts: [`cors-regex-${i + 1}.test`],
          plugins: [{ name: 'cors', config: { origins } }],
        })),
      },
    ],
  })
  const { send } = await pluginGateway(t, regexYaml)
  for (const [i, [origins, tests]] of REGEX_CASES.entries()) {
    for (const [origin, accept] of [...tests].sort(([a], [b]) => (a < b ? -1 : 1))) {
      // spec/03-plugins/13-cors/01-access_spec.lua:587
      const r = await send('/', { method: 'OPTIONS', headers: { host: `cors-regex-${i + 1}.test`, origin, 'access-control-request-method': 'GET' } })
      const what = `${JSON.stringify(origins)}, Origin ${origin}`
      t.equal(r.status, 200, what)
      if (accept === false) {
        t.equal(r.headers['access-control-allow-origin'], undefined, `${what}: rejected`)
        continue
      }
      t.equal(r.headers['access-control-allow-origin'], accept === true ? origin : accept, `${what}: accepted`)
      t.equal(r.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT', what)
      t.match(
        r.headers,
        {
          'access-control-allow-headers': undefined,
          'access-control-expose-headers': undefined,
          'access-control-allow-credentials': undefined,
          'access-control-max-age': undefined,
        },
        what,
      )
    }
  }
})

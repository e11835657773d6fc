// cors against a real upstream: preflight answers, the header_filter headers on
// proxied responses, exits and errors, and Kong's origin matching rules.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'
import type { Handler } from '../helpers/upstream.js'

const ALL_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT'

const CONFIG = (pluginConfig = '', extraPlugins = '') => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: cors
${pluginConfig ? `            config:\n${pluginConfig.replace(/^/gm, '              ')}` : ''}
${extraPlugins}`

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : v)

// An upstream that sends its own Vary and ACAO, to see what cors does with them.
const varying: Handler = (_req, res) => {
  res.writeHead(200, { vary: 'Accept-Encoding', 'access-control-allow-origin': 'http://from-upstream.test', 'content-length': 2 })
  res.end('ok')
}

t.test('preflight: 200, empty body, all the preflight headers, upstream not reached', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('max_age: 3600\nprivate_network: true'))
  const r = await send('/x', {
    method: 'OPTIONS',
    headers: {
      origin: 'http://a.test',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'X-One, X-Two',
      'access-control-request-private-network': 'true',
    },
  })
  t.equal(r.status, 200)
  t.equal(r.body, '')
  t.equal(r.headers['access-control-allow-origin'], '*')
  t.equal(r.headers['access-control-allow-methods'], ALL_METHODS)
  t.equal(r.headers['access-control-allow-headers'], 'X-One, X-Two', 'echoes the requested headers when none are configured')
  t.equal(r.headers['access-control-max-age'], '3600')
  t.equal(r.headers['access-control-allow-private-network'], 'true')
  t.equal(r.headers['access-control-allow-credentials'], undefined)
  t.equal(r.headers['access-control-expose-headers'], undefined, 'header_filter adds nothing to a preflight')
  t.equal(r.headers.vary, undefined, 'no Vary when all origins are allowed')
  t.equal(r.reached, undefined)

  const plain = await send('/x', { method: 'OPTIONS', headers: { origin: 'http://a.test', 'access-control-request-method': 'GET' } })
  t.equal(plain.status, 200)
  t.equal(plain.headers['access-control-allow-headers'], undefined)
  t.equal(plain.headers['access-control-allow-private-network'], undefined, 'only when the client asks for it')
})

t.test('preflight with configured headers, methods and credentials; Vary: Origin', async (t) => {
  const { send } = await pluginGateway(
    t,
    CONFIG('origins: [http://a.test, "http://b\\\\.test"]\nheaders: [X-Auth, X-Other]\nmethods: [GET, POST]\ncredentials: true\nexposed_headers: [X-Exposed]'),
  )
  const r = await send('/x', {
    method: 'OPTIONS',
    headers: { origin: 'http://b.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'X-Ignored' },
  })
  t.equal(r.status, 200)
  t.equal(r.headers['access-control-allow-origin'], 'http://b.test')
  t.equal(r.headers['access-control-allow-headers'], 'X-Auth,X-Other')
  t.equal(r.headers['access-control-allow-methods'], 'GET,POST')
  t.equal(r.headers['access-control-allow-credentials'], 'true')
  t.equal(r.headers['access-control-max-age'], undefined)
  t.equal(r.headers.vary, 'Origin')
  t.equal(r.headers['access-control-expose-headers'], undefined)
  t.equal(r.reached, undefined)

  const refused = await send('/x', { method: 'OPTIONS', headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' } })
  t.equal(refused.status, 200, 'Kong still answers the preflight')
  t.equal(refused.headers['access-control-allow-origin'], undefined, 'without an allowed origin')
  t.equal(refused.headers['access-control-allow-credentials'], 'true')
  t.equal(refused.reached, undefined)
})

t.test('not a preflight: OPTIONS without Origin or Access-Control-Request-Method is proxied', async (t) => {
  // spec/03-plugins/13-cors/01-access_spec.lua:822
  const { send } = await pluginGateway(t, CONFIG('exposed_headers: [X-A, X-B]'))
  const noMethod = await send('/x', { method: 'OPTIONS', headers: { origin: 'http://a.test' } })
  t.equal(noMethod.status, 200)
  t.ok(noMethod.reached)
  t.equal(noMethod.headers['access-control-allow-origin'], '*')
  t.equal(noMethod.headers['access-control-expose-headers'], 'X-A,X-B')
  t.equal(noMethod.headers['access-control-allow-methods'], undefined)

  const noOrigin = await send('/x', { method: 'OPTIONS', headers: { 'access-control-request-method': 'GET' } })
  t.ok(noOrigin.reached)
  t.equal(noOrigin.headers['access-control-allow-origin'], '*', 'allow_origin_absent defaults to true')
})

t.test('preflight_continue: the upstream answers the preflight, cors adds nothing', async (t) => {
  // spec/03-plugins/13-cors/01-access_spec.lua:722
  const { send } = await pluginGateway(t, CONFIG('preflight_continue: true\nexposed_headers: [X-A]'))
  const r = await send('/x', { method: 'OPTIONS', headers: { origin: 'http://a.test', 'access-control-request-method': 'GET' } })
  t.equal(r.status, 200)
  t.equal(r.reached!.method, 'OPTIONS')
  t.equal(r.headers['access-control-allow-origin'], undefined)
  t.equal(r.headers['access-control-allow-methods'], undefined)
  t.equal(r.headers['access-control-expose-headers'], undefined)
})

t.test('proxied responses: ACAO * by default; allow_origin_absent false skips requests without Origin', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('allow_origin_absent: false'))
  const r = await send('/x', { headers: { origin: 'http://a.test' } })
  t.ok(r.reached)
  t.equal(r.headers['access-control-allow-origin'], '*')
  t.equal(r.reached!.headers['access-control-allow-origin'], undefined, 'nothing sent upstream')
  const none = await send('/x')
  t.ok(none.reached)
  t.equal(none.headers['access-control-allow-origin'], undefined)
})

t.test('one plain origin is sent as configured, whatever the request Origin; Vary added to the upstream one', async (t) => {
  // spec/03-plugins/13-cors/01-access_spec.lua:963
  const { send } = await pluginGateway(t, CONFIG('origins: [http://only.test]'), varying)
  const r = await send('/x', { headers: { origin: 'http://other.test' } })
  t.equal(r.headers['access-control-allow-origin'], 'http://only.test')
  t.equal(list(r.headers.vary), 'Accept-Encoding, Origin', 'added to the existing Vary, not replacing it')
  t.equal(r.headers['access-control-allow-credentials'], undefined)
  const none = await send('/x')
  t.equal(none.headers['access-control-allow-origin'], 'http://only.test', 'also without Origin (allow_origin_absent)')
})

t.test('origin matching: normalized plain origins, regexes by host or by origin, anchored', async (t) => {
  const origins = ['http://plain.test:80', 'https://secure.test', '.*\\\\.by-host\\\\.test', '^https://withport\\\\.test:\\\\d+$', 'exact\\\\.test']
  const { send } = await pluginGateway(t, CONFIG(`origins: [${origins.map((o) => `"${o}"`).join(', ')}]`), varying)
  const acao = async (origin: string) => (await send('/x', { headers: { origin } })).headers['access-control-allow-origin']
  t.equal(await acao('http://plain.test'), 'http://plain.test', 'default port dropped on the configured side')
  t.equal(await acao('https://secure.test:443'), 'https://secure.test', 'default port dropped on the request side; ACAO is the normalized origin')
  t.equal(await acao('http://secure.test'), undefined, 'scheme matters for plain origins')
  t.equal(await acao('http://a.by-host.test:8080'), 'http://a.by-host.test:8080', 'a regex without `:` matches the host only')
  t.equal(await acao('https://withport.test:8443'), 'https://withport.test:8443', 'a regex with `:` matches scheme://host:port')
  t.equal(await acao('https://withport.test'), undefined)
  t.equal(await acao('http://exact.test'), 'http://exact.test')
  t.equal(await acao('http://notexact.test'), undefined, 'anchored at the start')
  t.equal(await acao('http://exact.test.evil'), undefined, 'anchored at the end')
  const refused = await send('/x', { headers: { origin: 'http://evil.test' } })
  t.equal(refused.headers['access-control-allow-origin'], undefined, "the upstream's own ACAO is removed too")
  t.equal(list(refused.headers.vary), 'Accept-Encoding, Origin')
  const absent = await send('/x')
  t.equal(absent.headers['access-control-allow-origin'], undefined, 'no Origin, several origins: no ACAO')
})

t.test('`*` among several origins allows any Origin; credentials then echo it', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('origins: [http://a.test, "*"]\ncredentials: true'))
  const r = await send('/x', { headers: { origin: 'http://any.test' } })
  t.equal(r.headers['access-control-allow-origin'], 'http://any.test')
  t.equal(r.headers['access-control-allow-credentials'], 'true')
  t.equal(list(r.headers.vary), 'Origin, Origin', 'Kong adds Vary once for the origin list and once for credentials')
})

t.test('credentials with all origins allowed: the request Origin is echoed with Vary; no Origin, no ACAC', async (t) => {
  const { send } = await pluginGateway(t, CONFIG('credentials: true'))
  const r = await send('/x', { headers: { origin: 'http://a.test' } })
  t.equal(r.headers['access-control-allow-origin'], 'http://a.test')
  t.equal(r.headers['access-control-allow-credentials'], 'true')
  t.equal(r.headers.vary, 'Origin')
  const none = await send('/x')
  t.equal(none.headers['access-control-allow-origin'], '*')
  t.equal(none.headers['access-control-allow-credentials'], undefined)

  const pre = await send('/x', { method: 'OPTIONS', headers: { origin: 'http://a.test', 'access-control-request-method': 'GET' } })
  t.equal(pre.headers['access-control-allow-origin'], 'http://a.test')
  t.equal(pre.headers['access-control-allow-credentials'], 'true')
  t.equal(pre.headers.vary, 'Origin')
})

t.test('exits and errors get the headers too; preflights are answered before auth', async (t) => {
  // spec/03-plugins/13-cors/01-access_spec.lua:893, :911
  const { send } = await pluginGateway(t, CONFIG('exposed_headers: [X-A]', '          - name: key-auth\n'))
  const denied = await send('/x', { headers: { origin: 'http://a.test' } })
  t.equal(denied.status, 401)
  t.equal(denied.json().message, 'No API key found in request')
  t.equal(denied.headers['access-control-allow-origin'], '*')
  t.equal(denied.headers['access-control-expose-headers'], 'X-A')
  t.equal(denied.reached, undefined)
  const pre = await send('/x', { method: 'OPTIONS', headers: { origin: 'http://a.test', 'access-control-request-method': 'GET' } })
  t.equal(pre.status, 200, 'cors (2000) answers before key-auth (1250)')
  t.equal(pre.headers['access-control-allow-origin'], '*')
  t.equal(pre.reached, undefined)

  const dead = await pluginGateway(
    t,
    `_format_version: "3.0"
services:
  - name: dead
    url: http://127.0.0.1:1
    routes:
      - paths: [/]
        plugins:
          - name: cors
            config: { origins: [http://a.test] }
`,
  )
  const r = await dead.send('/x', { headers: { origin: 'http://a.test' } })
  t.equal(r.status, 502)
  t.equal(r.headers['access-control-allow-origin'], 'http://a.test')
  t.equal(r.headers.vary, 'Origin')
})

t.test('schema: defaults, Kong messages, consumer scope refused', async (t) => {
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n  - name: cors\n', { file: 'k.yml' })
  t.ok(ok.ok)
  if (ok.ok) {
    t.same(ok.config.plugins[0]!.config, {
      methods: ALL_METHODS.split(','),
      credentials: false,
      private_network: false,
      preflight_continue: false,
      allow_origin_absent: true,
    })
  }
  const bad = loadConfig(
    '_format_version: "3.0"\nplugins:\n  - name: cors\n    config:\n      origins: ["(", "*", "*.x.test"]\n      methods: [GET, FETCH]\n',
    { file: 'k.yml' },
  )
  t.notOk(bad.ok)
  if (!bad.ok) {
    t.same(
      bad.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`),
      [
        "5:17 plugins[0].config.origins[0] '(' is not a valid regex",
        "5:27 plugins[0].config.origins[2] '*.x.test' is not a valid regex",
        '6:22 plugins[0].config.methods[1] expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT',
      ],
    )
  }
  const scoped = loadConfig('_format_version: "3.0"\nconsumers:\n  - username: a\n    plugins:\n      - name: cors\n', { file: 'k.yml' })
  t.notOk(scoped.ok)
  if (!scoped.ok) t.match(scoped.issues[0]!.message, /value must be null/)
})

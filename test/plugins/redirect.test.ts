// redirect against a real upstream: status, Location (as configured or with the
// incoming path and query), the `redirecting` body; the upstream is never reached.
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

const CONFIG = (pluginConfig: string) => `_format_version: "3.0"
services:
  - name: app
    url: $UPSTREAM
    routes:
      - name: app
        paths: [/]
        plugins:
          - name: redirect
            config:
${pluginConfig.replace(/^/gm, '              ')}
`

t.test('default 301 to the configured location, path and query kept from it', async (t) => {
  // spec/03-plugins/45-redirect/02-access_spec.lua:99 and :123
  const { send } = await pluginGateway(t, CONFIG('location: https://example.com/path?foo=bar'))
  const r = await send('/status/200?keep=this')
  t.equal(r.status, 301)
  t.equal(r.headers.location, 'https://example.com/path?foo=bar')
  t.equal(r.body, 'redirecting')
  t.equal(r.headers['content-type'], 'text/plain; charset=UTF-8')
  t.equal(r.reached, undefined)
})

t.test('custom status code; HEAD gets no body', async (t) => {
  // spec/03-plugins/45-redirect/02-access_spec.lua:110
  const { send } = await pluginGateway(t, CONFIG('status_code: 302\nlocation: https://example.com'))
  const r = await send('/x', { method: 'POST', body: 'data' })
  t.equal(r.status, 302)
  t.equal(r.headers.location, 'https://example.com')
  t.equal(r.reached, undefined)
  const head = await send('/x', { method: 'HEAD' })
  t.equal(head.status, 302)
  t.equal(head.body, '')
})

t.test('keep_incoming_path: the incoming path and raw query replace those of location', async (t) => {
  // spec/03-plugins/45-redirect/02-access_spec.lua:135
  const { send } = await pluginGateway(t, CONFIG('location: https://example.com:8443/some_path?foo=bar#frag\nkeep_incoming_path: true'))
  const r = await send('/status/200?keep=this&x=a%20b')
  t.equal(r.status, 301)
  t.equal(r.headers.location, 'https://example.com:8443/status/200?keep=this&x=a%20b#frag')
  t.equal(r.reached, undefined)
  const bare = await send('/other')
  t.equal(bare.headers.location, 'https://example.com:8443/other#frag', 'no incoming query: the location query goes too')
})

t.test('schema: defaults, location required and must be a URL, status range', async (t) => {
  // spec/03-plugins/45-redirect/01-schema_spec.lua:25, :63, :72, :80
  const ok = loadConfig('_format_version: "3.0"\nplugins:\n  - name: redirect\n    config: { location: "someapp://open" }\n', { file: 'k.yml' })
  t.ok(ok.ok, 'any scheme with a host')
  if (ok.ok) t.same(ok.config.plugins[0]!.config, { status_code: 301, location: 'someapp://open', keep_incoming_path: false })
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: redirect\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path} ${i.message}`)
  }
  t.same(issues('{}'), ['4:13 plugins[0].config.location required field missing'])
  t.same(issues('{ location: /relative }'), ['4:25 plugins[0].config.location missing host in url'])
  t.same(issues('{ location: "//example.com/x" }'), ['4:25 plugins[0].config.location missing scheme in url'])
  t.same(issues('{ location: "http://x.test", status_code: 600 }'), ['4:55 plugins[0].config.status_code value should be between 100 and 599'])
})

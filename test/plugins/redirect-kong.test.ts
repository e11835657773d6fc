// redirect against Kong's own specs (spec/03-plugins/45-redirect/*) where redirect.test.ts does
// not already cover them (those cases carry their citations there): a consumer-scoped instance
// after key-auth (03-integration_spec.lua, declared in the file instead of through the Admin API)
// and the schema's remaining errors.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { pluginGateway } from '../helpers/plugin-gateway.js'

t.test('can be applied on a consumer', async (t) => {
  // spec/03-plugins/45-redirect/03-integration_spec.lua:53
  const { send } = await pluginGateway(
    t,
    stringify({
      _format_version: '3.0',
      services: [{ name: 'app', url: '$UPSTREAM', routes: [{ name: 'api1', hosts: ['api1.redirect.test'] }] }],
      consumers: [
        {
          username: 'bob',
          keyauth_credentials: [{ key: 'kong' }],
          plugins: [{ name: 'redirect', config: { location: 'https://example.com/path?foo=bar' } }],
        },
      ],
      plugins: [{ name: 'key-auth' }],
    }),
  )
  const r = await send('/request', { headers: { host: 'api1.redirect.test', apikey: 'kong' } })
  t.equal(r.status, 301)
  t.equal(r.headers.location, 'https://example.com/path?foo=bar')
  t.equal(r.reached, undefined)
})

t.test("Kong's schema spec", async (t) => {
  const issues = (config: string) => {
    const r = loadConfig(`_format_version: "3.0"\nplugins:\n  - name: redirect\n    config: ${config}\n`, { file: 'k.yml' })
    return r.ok ? [] : r.issues.map((i) => `${i.path} ${i.message}`)
  }
  // spec/03-plugins/45-redirect/01-schema_spec.lua:16
  t.same(issues('{ status_code: 404, location: "https://example.com" }'), [])
  // spec/03-plugins/45-redirect/01-schema_spec.lua:36
  t.same(issues('{ status_code: abcd, location: "https://example.com" }'), ['plugins[0].config.status_code expected an integer'])
  // spec/03-plugins/45-redirect/01-schema_spec.lua:54
  t.same(issues('{ status_code: 99, location: "https://example.com" }'), ['plugins[0].config.status_code value should be between 100 and 599'])
  // spec/03-plugins/45-redirect/01-schema_spec.lua:80
  t.same(issues('{ status_code: 301, location: definitely_not_a_url }'), ['plugins[0].config.location missing host in url'])
  // spec/03-plugins/45-redirect/01-schema_spec.lua:89
  t.same(issues('{ status_code: 301, location: "https://example.com", keep_incoming_path: invalid }'), [
    'plugins[0].config.keep_incoming_path expected a boolean',
  ])
})

// `gateway diff` compares what the loader produces: the same config written differently is no
// change; what it does change is matched by identity as Kong and decK match entities.
import t from 'tap'
import { gatewayCli, tempFiles } from '../helpers/gateway-cli.js'

const { file, cleanup } = tempFiles('gw-diff-equal-')
t.teardown(cleanup)
const gateway = (args: string[]) => gatewayCli(args)

t.test('the nested and flat forms of one config are equal', async (t) => {
  const [r, json, md] = await Promise.all(
    ['text', 'json', 'github'].map((format) => gateway(['diff', '--format', format, 'examples/nested.yml', 'examples/flat.yml'])),
  )
  t.equal(r!.code, 0, r!.out + r!.err)
  t.equal(r!.out, 'No differences between examples/nested.yml and examples/flat.yml.\n')
  t.equal(json!.code, 0)
  t.same(JSON.parse(json!.out), {
    old: 'examples/nested.yml',
    new: 'examples/flat.yml',
    equal: true,
    summary: { created: 0, updated: 0, deleted: 0, routes: 0 },
    changes: [],
    routes: [],
  })
  t.equal(md!.code, 0)
  t.match(md!.out, 'No changes: both files load to the same configuration.')
})

t.test('formatting, key order, comments, JSON and defaults written out are no change', async (t) => {
  const a = file(
    'implicit.yml',
    `_format_version: "3.0"
services:
  - name: s
    url: http://s.internal/p
    routes:
      - name: r
        paths: [/r]
plugins:
  - name: rate-limiting
    service: s
    config: { minute: 5 }
`,
  )
  const b = file(
    'explicit.json',
    JSON.stringify({
      plugins: [{ config: { policy: 'local', minute: 5, limit_by: 'consumer' }, enabled: true, service: 's', name: 'rate-limiting' }],
      routes: [{ strip_path: true, paths: ['/r'], preserve_host: false, protocols: ['http', 'https'], service: { name: 's' }, name: 'r' }],
      services: [{ retries: 5, port: 80, protocol: 'http', path: '/p', host: 's.internal', name: 's', connect_timeout: 60000 }],
      _format_version: '3.0',
    }),
  )
  const r = await gateway(['diff', a, b])
  t.equal(r.code, 0, r.out + r.err)
})

t.test('what the loader makes up (random ids, generated keys) is no change', async (t) => {
  const text = `_format_version: "3.0"
services:
  - url: http://a.internal
    routes:
      - paths: [/a]
      - paths: [/b]
        methods: [GET]
consumers:
  - custom_id: c1
    keyauth_credentials:
      - {}
    jwt_secrets:
      - {}
    oauth2_credentials:
      - name: app
        redirect_uris: [https://x.test/cb]
        oauth2_tokens:
          - expires_in: 3600
`
  const [r, moved] = await Promise.all([
    gateway(['diff', file('gen-a.yml', text), file('gen-b.yml', `# the same\n${text}`)]),
    // An unnamed route is still told apart by its rules.
    gateway(['diff', file('gen-c.yml', text), file('gen-d.yml', text.replace('[/b]', '[/c]'))]),
  ])
  t.equal(r!.code, 0, r!.out + r!.err)
  t.equal(moved!.code, 1)
  t.match(moved!.out, 'creating route (unnamed methods=GET paths=/c of service (unnamed http://a.internal:80))')
  t.match(moved!.out, 'deleting route (unnamed methods=GET paths=/b of service (unnamed http://a.internal:80))')
})

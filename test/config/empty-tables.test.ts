// Kong's record and map checks want a Lua table (kong/db/schema/init.lua:930-952, validate_field:
// `type(value) ~= "table"`), and YAML's `[]` is an empty one: Kong takes it where a record or a map is
// expected and fills in the record's defaults. A non-empty list is refused with the record check's
// message (kong/db/schema/init.lua:71 RECORD). Real files do this: ../shared/corpus
// 34-erichsend-api-erichsen-dev.yml:28 has acme's `storage_config.kong: []`.
import t from 'tap'
import { stringify } from 'yaml'
import { loadConfig } from '../../src/config/load.js'

const load = (doc: Record<string, unknown>) => loadConfig(stringify({ _format_version: '3.0', ...doc }), { file: 'kong.yml', env: {} })
const problems = (r: ReturnType<typeof load>) => (r.ok ? [] : r.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`))

t.test('an empty list is an empty record, with its defaults', async (t) => {
  const r = load({
    upstreams: [{ name: 'u', healthchecks: [] }],
    plugins: [
      // a record inside a plugin's config (acme's storage_config.kong, as in the corpus file)
      { name: 'acme', config: { account_email: 'a@example.com', domains: [], storage_config: { kong: [] } } },
      // the plugin's config itself
      { name: 'cors', config: [] },
    ],
  })
  t.same(problems(r), [])
  if (!r.ok) return
  // kong/db/schema/entities/upstreams.lua: the healthchecks defaults fill the empty table
  t.equal((r.config.upstreams[0] as any).healthchecks.active.timeout, 1)
  t.equal((r.config.upstreams[0] as any).healthchecks.passive.unhealthy.http_failures, 0)
  const cors = r.config.plugins.find((p: any) => p.name === 'cors') as any
  t.equal(cors.config.methods.length, 9, "cors's defaults")
  t.equal(cors.config.preflight_continue, false)
})

t.test('an empty list is an empty map', async (t) => {
  // http-log's `headers` is a map (kong/plugins/http-log/schema.lua)
  const r = load({ plugins: [{ name: 'http-log', config: { http_endpoint: 'http://127.0.0.1:9/', headers: [] } }] })
  t.same(problems(r), [])
})

t.test('a non-empty list is still not a record', async (t) => {
  const r = load({ upstreams: [{ name: 'u', healthchecks: [{ active: {} }] }] })
  t.same(problems(r), ['5:7 upstreams[0].healthchecks: expected a record'])
})

t.test('a list where a string is expected stays refused', async (t) => {
  const r = load({ services: [{ name: 's', host: [] }] })
  t.same(problems(r), ['4:11 services[0].host: expected a string'])
})

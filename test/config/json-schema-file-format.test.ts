// The JSON Schema editors use says what the loader says of the file format
// (src/cli/json-schema/): nulls as decK dumps write them, decK templates in
// typed fields, a service `url` overriding its parts, plugin scopes, hosts,
// and one definition per repeated subschema.
import { readFileSync } from 'node:fs'
import t from 'tap'
import Ajv2020 from 'ajv/dist/2020.js'
import { loadConfig } from '../../src/config/load.js'
import { registry } from '../../src/plugins/registry.js'

const committed = readFileSync('schemas/kong.schema.json', 'utf8')
const schema = JSON.parse(committed) as Record<string, unknown>
const validate = new Ajv2020.default({ strict: false, allErrors: true }).compile(schema)

/** The schema's verdict and the loader's on one document. */
function both(doc: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): { schema: boolean; gateway: boolean } {
  const r = loadConfig(JSON.stringify(doc), { file: 'kong.json', env })
  return { schema: validate(doc), gateway: r.ok }
}

const v3 = (rest: Record<string, unknown>) => ({ _format_version: '3.0', ...rest })

t.test('an explicit null on an optional field is unset, on a required one missing', async (t) => {
  const dump = v3({
    services: [
      { name: 'a', host: 'a.internal', path: null, tags: null, client_certificate: null, routes: [{ name: 'r', paths: ['/'], hosts: null, headers: null }] },
    ],
    plugins: [{ name: 'key-auth', config: { key_names: null, anonymous: null }, consumer: null, route: null }],
    consumers: null,
  })
  t.same(both(dump), { schema: true, gateway: true }, 'a decK dump with nulls')
  t.same(both(v3({ services: [{ name: 'a', host: null }] })), { schema: false, gateway: false }, 'a null host is a missing host')
  t.same(both(v3({ services: [{ name: 'a', host: 'a', tags: [null] }] })), { schema: false, gateway: false }, 'a null in a list is a value')
})

t.test('a service url overrides protocol, host, port and path', async (t) => {
  t.same(both(v3({ services: [{ name: 'a', url: 'http://a.internal/x', protocol: 'ws' }] })), { schema: true, gateway: true }, 'protocol: ws beside a url')
  t.same(both(v3({ services: [{ name: 'a', host: 'a.internal', protocol: 'ws' }] })), { schema: false, gateway: false }, 'protocol: ws alone')
  t.same(both(v3({ services: [{ name: 'a', url: 'http://$AUTH_HOST:$AUTH_PORT/x' }] })), { schema: false, gateway: false }, 'a url with placeholders')
  t.same(
    both(v3({ services: [{ name: 'a', url: 'HTTPS://a.internal:8443' }] })),
    { schema: false, gateway: false },
    'an upper-case scheme is no protocol, as in Kong',
  )
  t.same(both(v3({ services: [{ name: 'a' }] })), { schema: false, gateway: false }, 'neither url nor host')
})

t.test('a plugin that cannot be scoped to a consumer is refused there', async (t) => {
  const nested = v3({ consumers: [{ username: 'u', plugins: [{ name: 'key-auth' }] }] })
  t.same(both(nested), { schema: false, gateway: false }, 'key-auth nested in a consumer')
  const flat = v3({ consumers: [{ username: 'u' }], plugins: [{ name: 'key-auth', consumer: 'u' }] })
  t.same(both(flat), { schema: false, gateway: false }, 'key-auth naming a consumer')
  const allowed = v3({ consumers: [{ username: 'u', plugins: [{ name: 'rate-limiting', config: { minute: 5 } }] }] })
  t.same(both(allowed), { schema: true, gateway: true }, 'rate-limiting may be')
})

t.test('hosts are checked as the loader checks them', async (t) => {
  t.same(both(v3({ services: [{ name: 'a', host: 'api-${ENV}.internal' }] })), { schema: false, gateway: false }, 'a shell placeholder in a service host')
  const route = (hosts: string[]) => v3({ services: [{ name: 'a', host: 'a', routes: [{ hosts }] }] })
  t.same(both(route(['idva-${ENVIRONMENT_NAME}.app.cloud.gov'])), { schema: false, gateway: false }, 'a shell placeholder in a route host')
  t.same(both(route(['*.example.com', 'example.*', 'a.example.com:8443', '[::1]:80'])), { schema: true, gateway: true }, 'wildcards and ports')
  t.same(
    both(
      v3({
        services: [
          { name: 'a', host: '10.0.0.1' },
          { name: 'b', host: 'db_1' },
          { name: 'c', host: '::1' },
        ],
      }),
    ),
    { schema: true, gateway: true },
    'addresses',
  )
})

t.test('decK templates stand for typed values', async (t) => {
  const doc = v3({
    services: [
      {
        name: 'a',
        host: '${{ env "DECK_HOST" }}',
        protocol: '${{ env "DECK_PROTO" }}',
        port: '${{ env "DECK_PORT" | toInt }}',
        retries: '${{ env "DECK_RETRIES" }}',
        enabled: '${{ env "DECK_ENABLED" | toBool }}',
      },
    ],
  })
  t.ok(validate(doc), `accepted: ${JSON.stringify(validate.errors?.slice(0, 2))}`)
  t.notOk(validate(v3({ services: [{ name: 'a', host: 'a', port: 'eighty' }] })), 'another string is still not a port')
})

t.test('repeated subschemas are shared through $defs', async (t) => {
  const defs = schema.$defs as Record<string, unknown>
  t.ok(Object.keys(defs).length > 50, 'definitions')
  t.ok(defs['key-auth'] !== undefined, 'a plugin is defined once, by name')
  // It was 1.6 MB for 34 plugins (47 KB each) when each place a plugin may stand had its own
  // copy of every config; shared, it is under 16 KB a plugin (descriptions included).
  const perPlugin = committed.length / registry.size
  t.ok(perPlugin < 16_000, `${committed.length} bytes for ${registry.size} plugins: ${Math.round(perPlugin)} a plugin`)
})

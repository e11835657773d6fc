// Issue 17's conformance test: every plugin Kong bundles (kong/constants.lua)
// is in our registry, loads from a config with only Kong's required fields, and
// fills Kong's defaults at every config path; its PRIORITY, default protocols
// and forbidden scopes are Kong's. The facts come from
// test/fixtures/kong-plugin-defaults.json, written by
// scripts/kong-plugin-defaults.mjs from each kong/plugins/<name>/schema.lua and
// handler.lua at the Kong commit recorded in the fixture.
//
// Representation (how our loaded config is compared with Kong's):
// - Kong fills a field without a default with null (ngx.null); our loader
//   leaves it out (YAML nulls are dropped, zod leaves optional fields
//   undefined). Null and absent are the same here, also inside values.
// - A record is filled when it is required (records are, unless they say
//   `required = false`: kong/db/schema/entity.lua make_records_required) or
//   has a default; otherwise Kong's value is null and its fields are not
//   checked.
// - A default computed at run time (session's random `secret`, oauth2's `auto`
//   provision_key) must be present as a non-empty string; its value is ours.
// - Sets and the protocols default are compared as sets.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadConfig } from '../../src/config/load.js'
import { registry } from '../../src/plugins/registry.js'

interface KongField {
  type: string
  required: boolean
  default?: unknown
  computed?: string
  deprecated?: boolean
}
interface KongPlugin {
  priority: number
  version: string
  protocols: { default: string[]; httpOnly: boolean }
  scopes: { consumer: boolean; route: boolean; service: boolean }
  fields: Record<string, KongField>
}
const KONG = JSON.parse(readFileSync(new URL('../fixtures/kong-plugin-defaults.json', import.meta.url), 'utf8')) as {
  kong: { commit: string; version: string }
  plugins: Record<string, KongPlugin>
}

/**
 * Kong's bundled plugins this gateway does not provide yet. Each is asserted
 * absent from the registry, so an entry must go when its plugin lands (the
 * test then checks it like the others).
 */
const NOT_YET_BUILT: readonly string[] = []

/**
 * The least config Kong accepts, for plugins whose schema requires fields
 * without defaults (or an entity check asks for one of several). Every other
 * plugin loads with `config: {}`.
 */
const MINIMAL: Record<string, Record<string, unknown>> = {
  // kong/plugins/acl/schema.lua:26 at_least_one_of allow, deny
  acl: { allow: ['admins'] },
  // kong/plugins/acme/schema.lua:145-151 account_email, required
  acme: { account_email: 'ops@example.test' },
  // kong/plugins/ai-prompt-decorator/schema.lua:56 at_least_one_of prompts.prepend, prompts.append
  'ai-prompt-decorator': { prompts: { prepend: [{ content: 'Be brief.' }] } },
  // kong/plugins/ai-prompt-guard/schema.lua:57 at_least_one_of allow_patterns, deny_patterns
  'ai-prompt-guard': { allow_patterns: ['.*'] },
  // kong/plugins/ai-prompt-template/schema.lua:29 templates, required
  'ai-prompt-template': { templates: [{ name: 't', template: '{"messages":[]}' }] },
  // kong/llm/schemas/init.lua:204-211,251-255 model.provider and route_type, required
  'ai-proxy': { route_type: 'llm/v1/chat', model: { provider: 'openai' } },
  // kong/plugins/ai-request-transformer/schema.lua:14-18 prompt; kong/llm/schemas/init.lua:204-211,251-255 llm's provider and route_type
  'ai-request-transformer': { prompt: 'p', llm: { route_type: 'llm/v1/chat', model: { provider: 'openai' } } },
  // kong/plugins/ai-response-transformer/schema.lua:13-17 prompt; kong/llm/schemas/init.lua:204-211,251-255
  'ai-response-transformer': { prompt: 'p', llm: { route_type: 'llm/v1/chat', model: { provider: 'openai' } } },
  // kong/plugins/azure-functions/schema.lua:62,84 appname and functionname, required
  'azure-functions': { appname: 'app', functionname: 'fn' },
  // kong/plugins/file-log/schema.lua:11-12 path, required
  'file-log': { path: '/tmp/conformance.log' },
  // kong/plugins/http-log/schema.lua:12 http_endpoint, required
  'http-log': { http_endpoint: 'http://127.0.0.1:9/log' },
  // kong/plugins/ip-restriction/schema.lua:20 at_least_one_of allow, deny
  'ip-restriction': { allow: ['127.0.0.1'] },
  // kong/plugins/ldap-auth/schema.lua:14,19,20 ldap_host, base_dn, attribute, required
  'ldap-auth': { ldap_host: 'ldap.example.test', base_dn: 'dc=example,dc=test', attribute: 'cn' },
  // kong/plugins/loggly/schema.lua:18 key, required
  loggly: { key: 'loggly-token' },
  // kong/plugins/oauth2/schema.lua:3-13,41 validate_flows: at least one grant enabled
  oauth2: { enable_client_credentials: true },
  // kong/plugins/opentelemetry/schema.lua:96 at_least_one_of traces_endpoint, logs_endpoint
  opentelemetry: { traces_endpoint: 'http://127.0.0.1:4318/v1/traces' },
  // kong/plugins/pre-function/_schema.lua:53 at_least_one_of the phases
  'post-function': { access: ['return'] },
  'pre-function': { access: ['return'] },
  // kong/plugins/proxy-cache/schema.lua:47 strategy, required
  'proxy-cache': { strategy: 'memory' },
  // kong/plugins/rate-limiting/schema.lua:199 at_least_one_of second..year
  'rate-limiting': { minute: 5 },
  // kong/plugins/redirect/schema.lua:23 location, required
  redirect: { location: 'https://example.test/' },
  // kong/plugins/response-ratelimiting/schema.lua:115,134 limits, required, each with a period
  'response-ratelimiting': { limits: { video: { minute: 5 } } },
  // kong/plugins/standard-webhooks/schema.lua:15-17 secret_v1, required
  'standard-webhooks': { secret_v1: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  // kong/plugins/tcp-log/schema.lua:10-11 host and port, required
  'tcp-log': { host: '127.0.0.1', port: 9 },
  // kong/plugins/udp-log/schema.lua:10-11 host and port, required
  'udp-log': { host: '127.0.0.1', port: 9 },
}

/**
 * Deliberate differences from Kong, each documented in README.md: what our
 * loaded config holds at the path instead (asserted, so an entry goes when the
 * difference does). A path Kong's schema lacks is a field we add on purpose.
 */
const DIFFERENCES: Record<string, Record<string, { ours: unknown; readme: string }>> = {
  datadog: {
    'config.host': {
      ours: undefined,
      readme: 'README.md "**datadog.**": unset host and port read KONG_DATADOG_AGENT_HOST/_PORT, else localhost:8125 (Kong: default "localhost")',
    },
    'config.port': { ours: undefined, readme: 'README.md "**datadog.**": unset port reads KONG_DATADOG_AGENT_PORT, else 8125 (Kong: default 8125)' },
  },
  'aws-lambda': {
    'config.awsgateway_compatible_payload_version': {
      ours: '1.0',
      readme: 'README.md "**aws-lambda.**": Kong Enterprise\'s field, accepted so an Enterprise file loads (API Gateway event 1.0 or 2.0)',
    },
  },
  session: {
    'config.secret': {
      ours: undefined,
      readme: 'README.md "**session.**": without `secret` the node\'s random secret signs cookies (one per node, shared by its workers), not one per config',
    },
  },
}

const ALL = Object.keys(KONG.plugins)

/** null and absent are the same (see the header); objects compared without them. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize)
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = normalize(x)
    return out
  }
  return v ?? undefined
}

/** How many elements an array, or values a map, holds. */
function size(v: unknown): number {
  return Array.isArray(v) ? v.length : v !== null && typeof v === 'object' ? Object.keys(v).length : 0
}

/** The value at a fixture path (`config.a.b`) in a config object. */
function at(config: unknown, path: string): unknown {
  let cur = config
  for (const key of path.split('.').slice(1)) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined
  return cur
}

function load(name: string, config: Record<string, unknown>) {
  const text = JSON.stringify({ _format_version: '3.0', plugins: [{ name, config }] })
  return loadConfig(text, { file: 'kong.yml', env: {} })
}

/**
 * The fields Kong fills in a config with only the minimal fields given (those
 * whose parents are filled), each with its default: its own, or the one an
 * enclosing record's default gives it (opentelemetry's queue defaults
 * max_batch_size to 200 where the shared queue says 1).
 */
function expectations(kong: KongPlugin, given: Record<string, unknown>) {
  const nullRecords: string[] = []
  const recordDefaults = new Map<string, unknown>()
  const out: { path: string; field: KongField; given: unknown }[] = []
  for (const [path, own] of Object.entries(kong.fields)) {
    // Elements of arrays and values of maps exist only when the user writes them.
    if (path.includes('[]') || path.includes('.*')) continue
    if (nullRecords.some((r) => path.startsWith(`${r}.`))) continue
    let field = own
    for (const [record, dflt] of recordDefaults) {
      if (!path.startsWith(`${record}.`)) continue
      const inherited = at(dflt, `config.${path.slice(record.length + 1)}`)
      if (inherited !== undefined) field = { ...own, default: inherited }
    }
    const g = at(given, path)
    if (field.type === 'record' && field.default !== undefined) recordDefaults.set(path, field.default)
    if (field.type === 'record' && !field.required && field.default === undefined && g === undefined) nullRecords.push(path)
    out.push({ path, field, given: g })
  }
  return out
}

/** The paths of every field our config holds (records are walked, values are leaves). */
function pathsOf(v: unknown, prefix: string, kongFields?: Record<string, KongField>): string[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return []
  const out: string[] = []
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || x === null) continue
    const path = `${prefix}.${k}`
    out.push(path)
    if (x !== null && typeof x === 'object' && !Array.isArray(x) && (kongFields === undefined || kongFields[path]?.type === 'record'))
      out.push(...pathsOf(x, path, kongFields))
  }
  return out
}

/**
 * For `config.a[].b` and `config.m.*.b` fields: one expectation per element
 * (or map value) that the given config writes, with ours beside it.
 */
function elementExpectations(kong: KongPlugin, given: Record<string, unknown>, ours: Record<string, unknown>) {
  const out: { path: string; field: KongField; given: unknown; ours: unknown }[] = []
  for (const [path, field] of Object.entries(kong.fields)) {
    const m = /^(config(?:\.[a-z_]+)*?)(\[\]|\.\*)\.([a-z_]+)$/.exec(path)
    if (!m) continue
    const [, container, kind, key] = m as unknown as [string, string, string, string]
    const g = at(given, container)
    const o = at(ours, container)
    if (g === null || typeof g !== 'object') continue
    const entries = kind === '[]' ? (Array.isArray(g) ? g.map((_, i) => String(i)) : []) : Object.keys(g)
    for (const k of entries) {
      const el = (x: unknown) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined)
      const pick = (x: unknown) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[key] : undefined)
      out.push({ path: `${container}${kind === '[]' ? `[${k}]` : `.${k}`}.${key}`, field, given: pick(el(g)), ours: pick(el(o)) })
    }
  }
  return out
}

t.test("the fixture is Kong's list of 45 bundled plugins", async (t) => {
  t.equal(ALL.length, 45, `Kong ${KONG.kong.version} at ${KONG.kong.commit}`)
  t.ok(ALL.includes('key-auth') && ALL.includes('redirect') && ALL.includes('standard-webhooks'))
})

t.test('NOT_YET_BUILT lists exactly the bundled plugins missing from the registry', async (t) => {
  for (const name of NOT_YET_BUILT) {
    t.ok(ALL.includes(name), `${name} is one of Kong's bundled plugins`)
    t.notOk(registry.has(name), `${name} is in the registry now: remove it from NOT_YET_BUILT`)
  }
  for (const name of ALL) if (!NOT_YET_BUILT.includes(name)) t.ok(registry.has(name), `${name} is registered`)
})

t.test("MINIMAL writes only Kong's fields, and every one Kong requires without a default", async (t) => {
  for (const name of ALL) {
    const kong = KONG.plugins[name]!
    const given = MINIMAL[name] ?? {}
    for (const path of pathsOf(given, 'config', kong.fields)) t.ok(kong.fields[path], `${name} ${path}: a field of Kong's schema`)
    for (const { path, field, given: g } of expectations(kong, given)) {
      if (field.required && field.default === undefined && field.computed === undefined && field.type !== 'record')
        t.not(g, undefined, `${name} ${path}: required by Kong, so in MINIMAL`)
    }
  }
})

for (const name of ALL.filter((n) => !NOT_YET_BUILT.includes(n))) {
  const kong = KONG.plugins[name]!
  t.test(name, async (t) => {
    const def = registry.get(name)!
    t.equal(def.priority, kong.priority, `PRIORITY (kong/plugins/${name}/handler.lua)`)
    t.strictSame([...def.protocols].sort(), [...kong.protocols.default].sort(), 'default protocols')
    t.equal(def.httpOnly === true, kong.protocols.httpOnly, 'protocols limited to HTTP ones (typedefs.protocols_http)')
    t.strictSame(def.scopes, kong.scopes, 'scopes the schema allows (no_consumer, no_route, no_service)')

    const given = MINIMAL[name] ?? {}
    const loaded = load(name, given)
    if (!loaded.ok) {
      t.fail(`Kong accepts ${JSON.stringify(given)}; we refuse it: ${loaded.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
      return
    }
    const config = loaded.config.plugins[0]!.config as Record<string, unknown>
    const known = DIFFERENCES[name] ?? {}
    for (const { path, field, given: g } of expectations(kong, given)) {
      const ours = normalize(at(config, path))
      const difference = known[path]
      if (difference) {
        t.strictSame(ours, difference.ours, `${path}: differs from Kong on purpose (${difference.readme})`)
        continue
      }
      // Arrays of records and maps of records: their elements take defaults too, checked one by one below.
      const hasElementFields = Object.keys(kong.fields).some((p) => p.startsWith(`${path}[].`) || p.startsWith(`${path}.*.`))
      if (g !== undefined && field.type !== 'record') {
        if (!hasElementFields) t.strictSame(ours, normalize(g), `${path}: the value given`)
        else t.equal(size(ours), size(g), `${path}: the elements given`)
      } else if (field.computed !== undefined) {
        t.ok(typeof ours === 'string' && ours !== '', `${path}: computed when absent (Kong: ${field.computed})`)
      } else if (field.type === 'record') {
        if (g !== undefined || field.required || field.default !== undefined) t.ok(ours !== undefined && typeof ours === 'object', `${path}: a filled record`)
        else t.equal(ours, undefined, `${path}: null, as Kong's non-required record`)
        if (field.default !== undefined && typeof field.default === 'object') {
          for (const [k, v] of Object.entries(field.default as Record<string, unknown>)) {
            if (at(given, `${path}.${k}`) === undefined) t.strictSame(normalize(at(config, `${path}.${k}`)), normalize(v), `${path}.${k}: the record's default`)
          }
        }
      } else if (field.default !== undefined) {
        const want = normalize(field.default)
        if (field.type === 'set' && Array.isArray(ours) && Array.isArray(want)) t.strictSame([...ours].sort(), [...want].sort(), `${path}: default`)
        else t.strictSame(ours, want, `${path}: default`)
      } else if (!field.required) {
        t.equal(ours, undefined, `${path}: null (no default in Kong)`)
      } else {
        t.fail(`${path}: Kong requires it and has no default, so MINIMAL must give it`)
      }
    }

    // Nothing is filled in that Kong's schema does not have, unless README says why (asserted as the differences above).
    for (const path of pathsOf(config, 'config', kong.fields)) {
      if (kong.fields[path]) continue
      const difference = known[path]
      if (difference) t.strictSame(normalize(at(config, path)), difference.ours, `${path}: not in Kong's schema, on purpose (${difference.readme})`)
      else t.fail(`${path}: not a field of Kong's schema`)
    }

    // Fields of the array elements and map values MINIMAL writes: filled as Kong fills them.
    for (const { path, field, given: g, ours } of elementExpectations(kong, given, config)) {
      if (g !== undefined) t.strictSame(normalize(ours), normalize(g), `${path}: the value given`)
      else if (field.default !== undefined) t.strictSame(normalize(ours), normalize(field.default), `${path}: default`)
      else if (!field.required) t.equal(normalize(ours), undefined, `${path}: null (no default in Kong)`)
      else t.fail(`${path}: Kong requires it and has no default, so MINIMAL must give it`)
    }

    // Every field Kong requires without a default is refused when left out.
    for (const { path, field } of expectations(kong, given)) {
      // A required field without a default is in MINIMAL (or comes from its record's default, as zipkin's propagation.default_format).
      if (!field.required || field.default !== undefined || field.computed !== undefined || field.type === 'record' || at(given, path) === undefined) continue
      const without = structuredClone(given)
      const keys = path.split('.').slice(1)
      let parent: Record<string, unknown> | undefined = without
      for (const k of keys.slice(0, -1)) parent = parent?.[k] as Record<string, unknown> | undefined
      if (parent) delete parent[keys[keys.length - 1]!]
      const r = load(name, without)
      t.notOk(r.ok, `${path}: required (kong/plugins/${name}/schema.lua)`)
      if (!r.ok)
        t.ok(
          r.issues.some((i) => i.path.endsWith(path) && /required field missing/.test(i.message)),
          `${path}: 'required field missing'`,
        )
    }
  })
}

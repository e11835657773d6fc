// The Lua that bench/lua.mjs runs through the gateway and bench/lua-micro.mjs runs
// under our runtime and under the luajit binary: one definition, so the two
// benchmarks measure the same code. Plain Node ESM; reads Supabase's rendered
// kong.yml from ../shared/corpus (beside the checkout) when asked.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './lib.mjs'

/**
 * A pre-function of about 20 lines (the "reading headers and setting
 * two"): tenant routing from request headers, two headers set upstream.
 */
export const PRE_FUNCTION = `-- Tenant routing: the caller's identity from its headers, two headers for the service.
local tenant = kong.request.get_header("x-tenant-id")
if not tenant or tenant == "" then
  return kong.response.exit(400, { message = "x-tenant-id is required" })
end
local auth = kong.request.get_header("authorization")
local apikey = kong.request.get_header("apikey")
local client = "anonymous"
if auth then
  local token = auth:match("^[Bb]earer%s+(.+)$")
  if token then client = "jwt:" .. token:sub(1, 12) end
elseif apikey then
  client = "key:" .. apikey:sub(1, 12)
end
local accept = kong.request.get_header("accept") or "*/*"
local kind = accept:find("json", 1, true) and "json" or "other"
local region = kong.request.get_header("x-region") or "eu-west"
kong.service.request.set_header("X-Tenant-Route", tenant:lower() .. "." .. region)
kong.service.request.set_header("X-Client", client .. ";" .. kind)
`

/** The seed's aggregation (../shared/seeds/000_*.txt, "Aggregation"): the response built from two callouts. */
export const AGGREGATION_LUA =
  'kong.response.exit(200, { uuid = kong.ctx.shared.callouts.c1.response.body.uuid,\n' + '  origin = kong.ctx.shared.callouts.c2.response.body.url})'

/** What bench/upstream.mjs answers on /_/uuid and /_/anything (httpbin's shapes), for the callouts. */
export const UUID_BODY = { uuid: '3d545847-6500-4c78-bc32-75996d23e3f6' }
export function anythingBody(url) {
  return {
    args: {},
    data: '',
    files: {},
    form: {},
    headers: { Accept: '*/*', Host: 'httpbin.org', 'User-Agent': 'kong-gateway', 'X-Amzn-Trace-Id': 'Root=1-6752c0de-3f1c2a4b5d6e7f8091a2b3c4' },
    json: null,
    method: 'GET',
    origin: '203.0.113.7',
    url,
  }
}

/** The Supabase publishable key the bench clients send (the template maps it to the anon JWT). */
export const SUPABASE_RENDERED = join(ROOT, '..', 'shared', 'corpus', 'supabase-rendered')

/**
 * Supabase's request-transformer on `rest-v1` (the REST routes), as the
 * rendered kong.rendered.yml has it, with the keys render.mjs put in:
 * { config, template (the Lua expression of the Authorization header), keys }.
 * Throws, saying where the file should be, when the corpus is absent.
 */
export function supabaseTransformer() {
  const file = join(SUPABASE_RENDERED, 'kong.rendered.yml')
  if (!existsSync(file)) throw new Error(`${file} is absent: the Supabase target needs ../shared/corpus beside the checkout`)
  const doc = parse(readFileSync(file, 'utf8'))
  const keys = JSON.parse(readFileSync(join(SUPABASE_RENDERED, 'keys.json'), 'utf8'))
  const service = doc.services.find((s) => s.name === 'rest-v1')
  const plugin = service?.plugins?.find((p) => p.name === 'request-transformer')
  if (!plugin) throw new Error(`${file}: no request-transformer on service rest-v1`)
  const header = plugin.config.add.headers.find((h) => h.startsWith('Authorization:'))
  const m = /^Authorization:\s*\$\(([\s\S]*)\)$/.exec(header ?? '')
  if (!m) throw new Error(`${file}: rest-v1's request-transformer has no Authorization template`)
  return { config: plugin.config, template: m[1], keys }
}

/** Request headers every bench/lua.mjs target gets (the baseline too, so all parse the same request). */
export function clientHeaders(keys) {
  return { 'x-tenant-id': 'T-42', apikey: keys.SUPABASE_PUBLISHABLE_KEY, accept: 'application/json' }
}

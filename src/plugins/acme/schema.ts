/**
 * acme (Kong PRIORITY 1705): the config, as Kong's schema.lua has it — every
 * field, default and message, the storage records (redis with its deprecated
 * shorthands: auth, ssl_server_name, namespace, scan_count) and the entity
 * checks (Let's Encrypt's terms, redis needs a host, no `kong` storage
 * without a database).
 */
import * as z from 'zod'
import { checkAddress, host, kongUrl, markSecret, metaFields, oneOf, oneOfInt, port, referenceable, whenValid } from '../../config/schema/typedefs.js'
import { redisFields } from '../shared/redis/schema.js'

/** Kong's reserved storage key prefixes (kong/plugins/acme/reserved_words.lua); also the keys the plugin writes. */
export const RESERVED_WORDS = {
  RENEW_KEY_PREFIX: 'kong_acme:renew_config:',
  RENEW_LAST_RUN_KEY: 'kong_acme:renew_last_run',
  CERTKEY_KEY_PREFIX: 'kong_acme:cert_key:',
} as const

/** Let's Encrypt's directories whose terms must be accepted (compared as written, as Kong's entity check does). */
const LETS_ENCRYPT = ['https://acme-v02.api.letsencrypt.org', 'https://acme-staging-v02.api.letsencrypt.org']

/** Kong's lua_shared_dicts (kong/templates/nginx_kong.lua): the zones `shm_name` may name. */
export const SHARED_DICTS = [
  'kong',
  'kong_locks',
  'kong_healthchecks',
  'kong_cluster_events',
  'kong_rate_limiting_counters',
  'kong_core_db_cache',
  'kong_core_db_cache_miss',
  'kong_db_cache',
  'kong_db_cache_miss',
  'kong_secrets',
]

// Kong's `match = "%w*%p*@+%w*%.?%w*"`, unanchored: any text holding an '@'.
const email = z.string().refine((v) => v.includes('@'), { error: (iss) => `invalid value: ${String(iss.input)}` })

const url = kongUrl()

/** Kong's typedefs.hosts element: at most one '*', as the leftmost or rightmost label. */
const domain = z.string().superRefine((v, ctx) => {
  if (v.split('*').length > 2) ctx.addIssue({ code: 'custom', message: 'invalid wildcard: must have at most one wildcard' })
  else if (v.includes('*') && !v.startsWith('*.') && !v.endsWith('.*'))
    ctx.addIssue({ code: 'custom', message: 'invalid wildcard: must be placed at leftmost or rightmost label' })
  else {
    const checked = checkAddress(v.replace('*', 'abc'))
    if ('error' in checked) ctx.addIssue({ code: 'custom', message: checked.error })
  }
})

const namespace = z.string().superRefine((v, ctx) => {
  if (v === '') return
  for (const w of Object.values(RESERVED_WORDS))
    if (v.startsWith(w)) {
      ctx.addIssue({ code: 'custom', message: `namespace can't be prefixed with reserved word: ${w}` })
      return
    }
})

const shm = z
  .strictObject({
    shm_name: z
      .string()
      .refine((v) => SHARED_DICTS.includes(v), { error: (iss) => `failed validating: ${String(iss.input)}` })
      .default('kong')
      .describe("The shared zone certificates are kept in with `storage: shm`: one of Kong's lua_shared_dict names (this gateway keeps them in the node)."),
  })
  .prefault({})
  .describe('Settings of `shm` storage.')

const extraOptions = z
  .strictObject({
    namespace: namespace.default('').describe('A prefix put before every key the plugin stores in Redis.'),
    scan_count: z.number().default(10).describe('How many keys each Redis SCAN asks for when listing.'),
  })
  .prefault({})
  .describe('Redis options of the acme plugin.')

/** The redis record: Kong's shared redis fields, `extra_options`, and the deprecated flat fields Kong still takes. */
const redis = z
  .strictObject({
    ...redisFields,
    host: host.optional().describe('Host name or IP address of the Redis server. Required when `storage` is `redis`.'),
    extra_options: extraOptions,
    auth: markSecret(z.string()).optional().describe('Deprecated: use `password`.'),
    ssl_server_name: z.string().optional().describe('Deprecated: use `server_name`.'),
    namespace: namespace.optional().describe('Deprecated: use `extra_options.namespace`.'),
    scan_count: z.number().int({ error: 'expected an integer' }).optional().describe('Deprecated: use `extra_options.scan_count`.'),
  })
  .transform(({ auth, ssl_server_name, namespace: ns, scan_count, ...rest }) => {
    // A shorthand wins over the field it replaces, as Kong's shorthand_fields do.
    const out = { ...rest, extra_options: { ...rest.extra_options } }
    if (auth !== undefined) out.password = auth
    if (ssl_server_name !== undefined) out.server_name = ssl_server_name
    if (ns !== undefined) out.extra_options.namespace = ns
    if (scan_count !== undefined) out.extra_options.scan_count = scan_count
    return out
  })
  .prefault({})
  .describe('Settings of `redis` storage (shared by every node that names the same Redis).')

const remote = {
  https: z.boolean().default(false).describe('Talk to the server over HTTPS.'),
  host: host.optional().describe('Host name or IP address of the server.'),
  port: port.optional().describe('Port of the server.'),
  kv_path: z.string().optional().describe('The KV path prefix.'),
  timeout: z.number().optional().describe('Timeout in milliseconds.'),
  token: referenceable(z.string(), 'The ACL token.').optional(),
}

const consul = z.strictObject(remote).prefault({}).describe('Settings of `consul` storage (accepted; this gateway does not talk to Consul).')

const vault = z
  .strictObject({
    ...remote,
    tls_verify: z.boolean().default(true).describe("Verify the server's TLS certificate."),
    tls_server_name: z.string().optional().describe('SNI sent to the server (the host when unset).'),
    auth_method: oneOf(['token', 'kubernetes']).default('token').describe('How to log in to Vault: `token` or `kubernetes`.'),
    auth_path: z.string().optional().describe("Vault's authentication path."),
    auth_role: z.string().optional().describe('The role to log in as.'),
    jwt_path: z.string().optional().describe('The path of the JWT (kubernetes auth).'),
  })
  .prefault({})
  .describe('Settings of `vault` storage (accepted; this gateway does not talk to Vault).')

export const config = z
  .strictObject({
    account_email: referenceable(email, 'The ACME account identifier (an email address); may be shared by several plugin instances.'),
    account_key: z
      .strictObject({
        key_id: z.string().describe('The key id (kid) of a `keys` entity holding the account key.'),
        key_set: z.string().optional().describe('The name of the key set of that key.'),
      })
      .optional()
      .describe('The private key of the ACME account, from a `keys` entity; a new RSA 4096 key is made when unset.'),
    api_uri: url.default('https://acme-v02.api.letsencrypt.org/directory').describe("The ACME server's directory URL."),
    tos_accepted: z.boolean().default(false).describe("Agree to the ACME server's terms of service; required with Let's Encrypt."),
    eab_kid: referenceable(z.string(), 'External account binding (EAB) key id, when the CA requires one.').optional(),
    eab_hmac_key: referenceable(z.string(), 'External account binding (EAB) HMAC key, base64url, when the CA requires one.').optional(),
    cert_type: oneOf(['rsa', 'ecc']).default('rsa').describe('The certificate key type: `rsa`, or `ecc` (P-256).'),
    rsa_key_size: oneOfInt([2048, 3072, 4096]).default(4096).describe('The RSA key size of certificates: 2048, 3072 or 4096.'),
    renew_threshold_days: z.number().default(14).describe('Renew a certificate when it expires within this many days.'),
    domains: z.array(domain).optional().describe('The domains certificates are ordered for; `*.example.com` matches its subdomains.'),
    allow_any_domain: z.boolean().default(false).describe('Order certificates for any domain, ignoring `domains`.'),
    fail_backoff_minutes: z.number().default(5).describe('Minutes to wait after a failed order (new or renewal) before trying that domain again.'),
    storage: oneOf(['kong', 'shm', 'redis', 'consul', 'vault'])
      .default('shm')
      .describe('Where accounts, challenges and certificates are kept: `shm` (this node) or `redis` (shared); `kong` needs a database.'),
    storage_config: z
      .strictObject({
        shm,
        kong: z.strictObject({}).prefault({}).describe('Settings of `kong` storage (none).'),
        redis,
        consul,
        vault,
      })
      .prefault({})
      .describe('Settings of each storage.'),
    preferred_chain: z.string().optional().describe('The issuer common name of the alternate chain to prefer, when the CA offers several.'),
    enable_ipv4_common_name: z.boolean().default(true).describe('Order certificates for IPv4 addresses too (false: skip a host that is an IPv4 address).'),
    ...metaFields,
  })
  // Kong's entity checks, each run when the fields it reads are valid.
  .superRefine(
    (c, ctx) => {
      if (LETS_ENCRYPT.includes(c.api_uri) && c.tos_accepted !== true) {
        ctx.addIssue({ code: 'custom', message: 'terms of service must be accepted, see https://letsencrypt.org/repository/' })
        ctx.addIssue({ code: 'custom', path: ['tos_accepted'], message: 'value must be true' })
      }
    },
    whenValid('api_uri', 'tos_accepted'),
  )
  .superRefine(
    (c, ctx) => {
      if (c.storage === 'redis' && c.storage_config.redis.host === undefined) {
        ctx.addIssue({ code: 'custom', message: "failed conditional validation given value of field 'config.storage'" })
        ctx.addIssue({ code: 'custom', path: ['storage_config', 'redis', 'host'], message: 'required field missing' })
      }
    },
    whenValid('storage', 'storage_config'),
  )
  .superRefine((c, ctx) => {
    // This gateway is always DB-less.
    if (c.storage === 'kong') ctx.addIssue({ code: 'custom', message: '"kong" storage can\'t be used with dbless mode' })
  }, whenValid('storage'))

export type AcmeConfig = z.infer<typeof config>

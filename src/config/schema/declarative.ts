/**
 * The root of a declarative file: `_format_version`, `_transform` and the
 * entity collections. While validating, the loader checks the root keys itself
 * and parses each entity with `topLevelSchemas` so one bad entity does not hide
 * the problems of the others; `documentSchema` is the whole file as one schema,
 * for the JSON Schema that editors use.
 */
import * as z from 'zod'
import type { PluginRegistry } from '../../plugins/registry.js'
import type { Collection, SchemaMode } from './context.js'
import { aclSchema, basicauthCredentialSchema, consumerSchema, hmacauthCredentialSchema, jwtSecretSchema, keyauthCredentialSchema } from './consumer.js'
import { keySchema, keySetSchema } from './keys.js'
import { oauth2AuthorizationCodeSchema, oauth2CredentialSchema, oauth2TokenSchema } from './oauth2.js'
import { pluginSchema } from './plugin.js'
import { routeSchema } from './route.js'
import { serviceSchema } from './service.js'
import { caCertificateSchema, certificateSchema, certificateSni, sniSchema, vaultSchema } from './tls.js'
import { bySubschema, metaFields } from './typedefs.js'
import { targetSchema, upstreamSchema } from './upstream.js'

export const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'] as const
export type FormatVersion = (typeof FORMAT_VERSIONS)[number]

/** Collections in the order Kong loads them (parents before children). */
export const COLLECTIONS: readonly Collection[] = [
  'vaults',
  'certificates',
  'snis',
  'ca_certificates',
  'services',
  'routes',
  'consumers',
  'upstreams',
  'targets',
  'plugins',
  'keyauth_credentials',
  'basicauth_credentials',
  'jwt_secrets',
  'hmacauth_credentials',
  'acls',
  'oauth2_credentials',
  'oauth2_authorization_codes',
  'oauth2_tokens',
  'key_sets',
  'keys',
]

/** Root keys that are not collections. */
export const ROOT_META_KEYS = ['_format_version', '_transform', '_comment', '_ignore'] as const

export function topLevelSchemas(mode: SchemaMode, registry: PluginRegistry): Record<Collection, z.ZodType> {
  const ctx = { mode }
  return {
    // Kong validates nothing else of a vault whose type is not installed (its subschema_key is the name).
    vaults:
      mode === 'validate'
        ? bySubschema(
            vaultSchema,
            'name',
            (n) => n === 'env' || typeof n !== 'string',
            (n) => `vault '${String(n)}' is not installed`,
          )
        : vaultSchema,
    certificates: certificateSchema(ctx),
    snis: sniSchema(ctx),
    ca_certificates: caCertificateSchema(ctx),
    services: serviceSchema(ctx, registry),
    routes: routeSchema(ctx, registry),
    consumers: consumerSchema(ctx, registry),
    upstreams: upstreamSchema(ctx),
    targets: targetSchema(ctx),
    plugins: pluginSchema(ctx, registry),
    keyauth_credentials: keyauthCredentialSchema(ctx),
    basicauth_credentials: basicauthCredentialSchema(ctx),
    jwt_secrets: jwtSecretSchema(ctx),
    hmacauth_credentials: hmacauthCredentialSchema(ctx),
    acls: aclSchema(ctx),
    oauth2_credentials: oauth2CredentialSchema(ctx),
    oauth2_authorization_codes: oauth2AuthorizationCodeSchema(ctx),
    oauth2_tokens: oauth2TokenSchema(ctx),
    key_sets: keySetSchema(ctx),
    keys: keySchema(ctx),
  }
}

/**
 * The schema of each collection nested in a parent, as the parent's own schema
 * checks its items (validate mode): used to add the children of an entity that
 * failed as a whole (normalize/salvage.ts).
 */
export function nestedSchemas(registry: PluginRegistry): Partial<Record<Collection, Partial<Record<Collection, z.ZodType>>>> {
  const under = (parent: Collection) => ({ mode: 'validate' as const, parent })
  const consumer = under('consumers')
  return {
    services: { routes: routeSchema(under('services'), registry), plugins: pluginSchema(under('services'), registry) },
    routes: { plugins: pluginSchema(under('routes'), registry) },
    consumers: {
      plugins: pluginSchema(consumer, registry),
      keyauth_credentials: keyauthCredentialSchema(consumer),
      basicauth_credentials: basicauthCredentialSchema(consumer),
      jwt_secrets: jwtSecretSchema(consumer),
      hmacauth_credentials: hmacauthCredentialSchema(consumer),
      acls: aclSchema(consumer),
      oauth2_credentials: oauth2CredentialSchema(consumer),
    },
    oauth2_credentials: {
      oauth2_tokens: oauth2TokenSchema(under('oauth2_credentials')),
      oauth2_authorization_codes: oauth2AuthorizationCodeSchema(under('oauth2_credentials')),
    },
    upstreams: { targets: targetSchema(under('upstreams')) },
    certificates: { snis: certificateSni },
    key_sets: { keys: keySchema(under('key_sets')) },
  }
}

const DESCRIPTIONS: Record<Collection, string> = {
  vaults: 'Vault entities: named prefixes for {vault://...} references.',
  certificates: 'TLS certificates served to clients (chosen by SNI) or presented to upstreams.',
  snis: 'Server names mapped to certificates.',
  ca_certificates: 'CA certificates trusted when verifying upstreams.',
  services: 'Upstream services (the nested form may hold routes and plugins).',
  routes: 'Routes; at top level they name their service.',
  consumers: 'Consumers of the API and their credentials.',
  upstreams: 'Load balancers: a service whose host is an upstream name is balanced over its targets.',
  targets: 'Targets of upstreams; at top level they name their upstream.',
  plugins: 'Plugins: global when they name no route, service or consumer.',
  keyauth_credentials: 'key-auth API keys; at top level they name their consumer.',
  basicauth_credentials: 'basic-auth username/password pairs.',
  jwt_secrets: 'jwt credentials.',
  hmacauth_credentials: 'hmac-auth credentials.',
  acls: 'ACL group memberships of consumers.',
  oauth2_credentials: 'oauth2 client applications; at top level they name their consumer.',
  oauth2_authorization_codes: 'oauth2 authorization codes; at top level they name their client application (client_id).',
  oauth2_tokens: 'oauth2 access tokens; at top level they name their client application (client_id).',
  key_sets: 'Key sets: named groups of keys (the nested form may hold its keys). Kong OSS loads them for Enterprise plugins; nothing here uses them.',
  keys: 'Keys (a JWK or a PEM pair); at top level they name their key set, if any. Loaded and checked, used by no plugin here.',
}

export function documentSchema(registry: PluginRegistry) {
  const entities = topLevelSchemas('document', registry)
  const collections = Object.fromEntries(COLLECTIONS.map((c) => [c, z.array(entities[c]).optional().describe(DESCRIPTIONS[c])]))
  return z
    .strictObject({
      _format_version: z.enum(FORMAT_VERSIONS).describe('The declarative format: "3.0" (Kong 3.x); "1.1" and "2.1" files are migrated on load.'),
      _transform: z.boolean().default(true).describe('Apply load-time transformations such as hashing basic-auth passwords.'),
      ...metaFields,
      ...collections,
    })
    .meta({
      title: 'kong.yml',
      description: "A DB-less declarative configuration in Kong's format, as this gateway reads it.",
    })
}

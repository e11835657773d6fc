/**
 * What Kong's declarative schema says of each collection, as data: which
 * children nest in it, how it is named, keyed and referenced, and which fields
 * are unique. The passes read these tables; none of them names a collection.
 */
import type { Collection } from '../schema/context.js'

/** Children that may be nested in a parent, and the field that points back at it. */
export const NESTED: Partial<Record<Collection, Partial<Record<Collection, string>>>> = {
  services: { routes: 'service', plugins: 'service' },
  routes: { plugins: 'route' },
  consumers: {
    plugins: 'consumer',
    keyauth_credentials: 'consumer',
    basicauth_credentials: 'consumer',
    jwt_secrets: 'consumer',
    hmacauth_credentials: 'consumer',
    acls: 'consumer',
    oauth2_credentials: 'consumer',
  },
  oauth2_credentials: { oauth2_tokens: 'credential', oauth2_authorization_codes: 'credential' },
  upstreams: { targets: 'upstream' },
  certificates: { snis: 'certificate' },
  key_sets: { keys: 'set' },
}

/** The field other entities use to name an entity (Kong's endpoint_key). */
export const ENDPOINT_KEY: Partial<Record<Collection, string>> = {
  services: 'name',
  routes: 'name',
  consumers: 'username',
  upstreams: 'name',
  snis: 'name',
  vaults: 'prefix',
  plugins: 'instance_name',
  keyauth_credentials: 'key',
  basicauth_credentials: 'username',
  jwt_secrets: 'key',
  hmacauth_credentials: 'username',
  oauth2_credentials: 'client_id',
  oauth2_tokens: 'access_token',
  key_sets: 'name',
  keys: 'name',
}

/** Kong's cache_key fields; a deterministic id is built from them first. */
export const CACHE_KEY: Partial<Record<Collection, readonly string[]>> = {
  plugins: ['name', 'route', 'service', 'consumer'],
  targets: ['upstream', 'target'],
  acls: ['consumer', 'group'],
  basicauth_credentials: ['username'],
  hmacauth_credentials: ['username'],
  vaults: ['prefix'],
  keys: ['kid', 'set'],
}

/** Collections whose id Kong never derives (a cache-key field is generated, or there is no key). */
export const RANDOM_ID = new Set<Collection>([
  'keyauth_credentials',
  'jwt_secrets',
  'certificates',
  'ca_certificates',
  // Kong derives a credential's id from its client_id only when written; random here either way.
  'oauth2_credentials',
  'oauth2_tokens',
  'oauth2_authorization_codes',
])

/** Collections whose derived id comes from a unique field: a collision is reported as that field's. */
export const ID_FROM_UNIQUE_FIELD = new Set<Collection>([
  'services',
  'routes',
  'consumers',
  'upstreams',
  'snis',
  'vaults',
  'basicauth_credentials',
  'hmacauth_credentials',
  'key_sets',
])

/** Reference fields: field → referenced collection. */
export const REFERENCES: Partial<Record<Collection, Record<string, Collection>>> = {
  routes: { service: 'services' },
  plugins: { route: 'routes', service: 'services', consumer: 'consumers' },
  targets: { upstream: 'upstreams' },
  snis: { certificate: 'certificates' },
  services: { client_certificate: 'certificates' },
  upstreams: { client_certificate: 'certificates' },
  keyauth_credentials: { consumer: 'consumers' },
  basicauth_credentials: { consumer: 'consumers' },
  jwt_secrets: { consumer: 'consumers' },
  hmacauth_credentials: { consumer: 'consumers' },
  acls: { consumer: 'consumers' },
  oauth2_credentials: { consumer: 'consumers' },
  oauth2_tokens: { credential: 'oauth2_credentials', service: 'services' },
  oauth2_authorization_codes: { credential: 'oauth2_credentials', service: 'services', plugin: 'plugins' },
  keys: { set: 'key_sets' },
}

/**
 * Kong's transformations that need a reference's id (a daos.lua `needs`):
 * basic-auth hashes the password with `consumer.id`. When the consumer written
 * as a name or id names no entity, Kong's mutually_required check on the pair
 * fails and the reference reads as a missing primary key (03-flatten_spec).
 */
export const NEEDS_ID: Partial<Record<Collection, { input: string; reference: string }>> = {
  basicauth_credentials: { input: 'password', reference: 'consumer' },
}

/** Kong's mutually_required message for a transformation of `input` that needs `reference`'s id. */
export function needsIdMessage(input: string, reference: string): string {
  return `all or none of these fields must be set: '${input}', '${reference}.id'`
}

/** Unique fields beyond the id, and whether the value is a secret. */
export const UNIQUE: Partial<Record<Collection, readonly { field: string; secret?: boolean }[]>> = {
  services: [{ field: 'name' }],
  routes: [{ field: 'name' }],
  consumers: [{ field: 'username' }, { field: 'custom_id' }],
  plugins: [{ field: 'instance_name' }],
  upstreams: [{ field: 'name' }],
  snis: [{ field: 'name' }],
  vaults: [{ field: 'prefix' }],
  keyauth_credentials: [{ field: 'key', secret: true }],
  basicauth_credentials: [{ field: 'username' }],
  jwt_secrets: [{ field: 'key' }],
  hmacauth_credentials: [{ field: 'username' }],
  oauth2_credentials: [{ field: 'client_id' }],
  oauth2_tokens: [
    { field: 'access_token', secret: true },
    { field: 'refresh_token', secret: true },
  ],
  oauth2_authorization_codes: [{ field: 'code', secret: true }],
  ca_certificates: [{ field: 'cert_digest' }],
  key_sets: [{ field: 'name' }],
  keys: [{ field: 'name' }],
}

/** How messages name one entity of a collection. */
export const SINGULAR: Record<Collection, string> = {
  services: 'service',
  routes: 'route',
  consumers: 'consumer',
  plugins: 'plugin',
  upstreams: 'upstream',
  targets: 'target',
  certificates: 'certificate',
  snis: 'sni',
  ca_certificates: 'ca_certificate',
  vaults: 'vault',
  keyauth_credentials: 'key-auth credential',
  basicauth_credentials: 'basic-auth credential',
  jwt_secrets: 'jwt credential',
  hmacauth_credentials: 'hmac-auth credential',
  acls: 'acl',
  oauth2_credentials: 'oauth2 credential',
  oauth2_authorization_codes: 'oauth2 authorization code',
  oauth2_tokens: 'oauth2 token',
  key_sets: 'key set',
  keys: 'key',
}

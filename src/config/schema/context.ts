/**
 * How an entity schema is being built: for validating a file (with transforms
 * such as the service `url` shorthand and vault resolution) or for the JSON
 * Schema document editors use (plain, transform-free shapes); and under which
 * parent collection, if nested.
 */
export type SchemaMode = 'validate' | 'document'

export type Collection =
  | 'services'
  | 'routes'
  | 'consumers'
  | 'plugins'
  | 'upstreams'
  | 'targets'
  | 'certificates'
  | 'snis'
  | 'ca_certificates'
  | 'vaults'
  | 'keyauth_credentials'
  | 'basicauth_credentials'
  | 'jwt_secrets'
  | 'hmacauth_credentials'
  | 'acls'
  | 'oauth2_credentials'
  | 'oauth2_authorization_codes'
  | 'oauth2_tokens'
  | 'key_sets'
  | 'keys'

export interface SchemaContext {
  mode: SchemaMode
  /** The collection this entity is nested in, or undefined at top level. */
  parent?: Collection | undefined
}

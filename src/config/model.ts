/**
 * The loaded configuration: every entity flat, with an id, references
 * resolved to ids, defaults filled in, deep-frozen. Types come from the zod
 * schemas; only the reference fields are narrowed to ids here.
 */
import type * as z from 'zod'
import type {
  aclSchema,
  basicauthCredentialSchema,
  consumerSchema,
  hmacauthCredentialSchema,
  jwtSecretSchema,
  keyauthCredentialSchema,
} from './schema/consumer.js'
import type { FormatVersion } from './schema/declarative.js'
import type { keySchema, keySetSchema } from './schema/keys.js'
import type { oauth2AuthorizationCodeSchema, oauth2CredentialSchema, oauth2TokenSchema } from './schema/oauth2.js'
import type { routeSchema } from './schema/route.js'
import type { serviceSchema } from './schema/service.js'
import type { caCertificateSchema, certificateSchema, sniSchema, vaultSchema } from './schema/tls.js'
import type { Protocol } from './schema/typedefs.js'
import type { targetSchema, upstreamSchema } from './schema/upstream.js'

type Out<F extends (...args: never[]) => z.ZodType> = z.output<ReturnType<F>>
type Meta = '_comment' | '_ignore' | 'id'
type Flat<T, Drop extends PropertyKey, Refs extends object> = Omit<T, Drop | Meta | keyof Refs> & Refs & { readonly id: string }

// The validating schema's branch (host required), not the editor document's (url shorthand).
export type Service = Flat<Extract<Out<typeof serviceSchema>, { host: string }>, 'routes' | 'plugins' | 'url', { client_certificate?: string | undefined }>
export type Route = Flat<Out<typeof routeSchema>, 'plugins', { service?: string | undefined }> & { strip_path: boolean }
export type Consumer = Flat<
  Out<typeof consumerSchema>,
  'plugins' | 'keyauth_credentials' | 'basicauth_credentials' | 'jwt_secrets' | 'hmacauth_credentials' | 'acls' | 'oauth2_credentials',
  object
>
export type Upstream = Flat<Out<typeof upstreamSchema>, 'targets', { client_certificate?: string | undefined }>
export type Target = Flat<Out<typeof targetSchema>, never, { upstream: string }>
export type Certificate = Flat<Out<typeof certificateSchema>, 'snis', object>
export type Sni = Flat<Out<typeof sniSchema>, never, { certificate: string }>
export type CaCertificate = Flat<Out<typeof caCertificateSchema>, never, { cert_digest: string }>
export type Vault = Flat<z.output<typeof vaultSchema>, never, object>
export type KeyauthCredential = Flat<Out<typeof keyauthCredentialSchema>, never, { consumer: string; key: string }>
export type BasicauthCredential = Flat<Out<typeof basicauthCredentialSchema>, never, { consumer: string }>
export type JwtSecret = Flat<Out<typeof jwtSecretSchema>, never, { consumer: string; key: string; secret: string }>
export type HmacauthCredential = Flat<Out<typeof hmacauthCredentialSchema>, never, { consumer: string; secret: string }>
export type Oauth2Credential = Flat<
  Out<typeof oauth2CredentialSchema>,
  'oauth2_tokens' | 'oauth2_authorization_codes',
  { consumer: string; client_id: string; client_secret: string }
>
export type Oauth2Token = Flat<
  Out<typeof oauth2TokenSchema>,
  never,
  { credential: string; service?: string | undefined; access_token: string; created_at: number }
>
export type Oauth2AuthorizationCode = Flat<
  Out<typeof oauth2AuthorizationCodeSchema>,
  never,
  { credential: string; service?: string | undefined; plugin?: string | undefined; code: string; created_at: number }
>
export type Acl = Flat<Out<typeof aclSchema>, never, { consumer: string }>
/** Loaded and checked; nothing in the gateway reads them (Kong OSS keeps them for Enterprise plugins). */
export type KeySet = Flat<Out<typeof keySetSchema>, 'keys', object>
export type Key = Flat<Out<typeof keySchema>, never, { set?: string | undefined }>

export interface PluginOrdering {
  before?: { access?: string[] | undefined } | undefined
  after?: { access?: string[] | undefined } | undefined
}

export interface Plugin {
  readonly id: string
  name: string
  instance_name?: string | undefined
  enabled: boolean
  protocols: Protocol[]
  tags?: string[] | undefined
  ordering?: PluginOrdering | undefined
  route?: string | undefined
  service?: string | undefined
  consumer?: string | undefined
  /** Validated by the plugin's own schema, defaults filled in. */
  config: Record<string, unknown>
}

export interface Entities {
  vaults: Vault[]
  certificates: Certificate[]
  snis: Sni[]
  ca_certificates: CaCertificate[]
  services: Service[]
  routes: Route[]
  consumers: Consumer[]
  upstreams: Upstream[]
  targets: Target[]
  plugins: Plugin[]
  keyauth_credentials: KeyauthCredential[]
  basicauth_credentials: BasicauthCredential[]
  jwt_secrets: JwtSecret[]
  hmacauth_credentials: HmacauthCredential[]
  acls: Acl[]
  oauth2_credentials: Oauth2Credential[]
  oauth2_authorization_codes: Oauth2AuthorizationCode[]
  oauth2_tokens: Oauth2Token[]
  key_sets: KeySet[]
  keys: Key[]
}

/** A value the loader put where the file wrote something else: a resolved vault reference or a decK-substituted scalar. */
export interface ConfigSource {
  readonly value: string
  /** What the file wrote: `{vault://...}` or the scalar with its `${{ env "DECK_..." }}`. */
  readonly written: string
}

export interface Config extends Readonly<Entities> {
  /** The `_format_version` the file declared (legacy files are migrated to 3.0 semantics). */
  readonly formatVersion: FormatVersion
  readonly transform: boolean
  /** Values that came from the environment or a vault: shown as the file wrote them, never as themselves. */
  readonly sources: readonly ConfigSource[]
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

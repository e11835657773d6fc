/** Consumers and the credentials they carry (Kong: consumers.lua and the auth plugins' daos.lua). */
import { createPublicKey } from 'node:crypto'
import * as z from 'zod'
import type { PluginRegistry } from '../../plugins/registry.js'
import type { SchemaContext } from './context.js'
import { oauth2CredentialSchema } from './oauth2.js'
import { pluginSchema } from './plugin.js'
import { credentialFields, entityFields, foreignRef, integer, oneOf, tags, uuid, whenValid } from './typedefs.js'

function consumerRef(ctx: SchemaContext) {
  return ctx.parent === 'consumers'
    ? foreignRef.optional().describe('Filled in from the enclosing consumer.')
    : foreignRef.describe('The consumer (username or id) this credential belongs to.')
}

export function keyauthCredentialSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      consumer: consumerRef(ctx),
      key: z.string().min(1, { error: 'length must be at least 1' }).optional().describe('The API key. A random key is generated when omitted.'),
      ttl: integer(0, 100000000).optional().describe('Seconds the credential lives (accepted for compatibility; DB-less credentials do not expire).'),
      tags: tags.optional(),
      ...credentialFields,
    })
    .meta({ title: 'key-auth credential' })
}

export function basicauthCredentialSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      consumer: consumerRef(ctx),
      username: z.string().min(1, { error: 'length must be at least 1' }).describe('The basic-auth username; unique.'),
      password: z.string().describe('The password. Hashed on load as Kong does when `_transform` is true.'),
      tags: tags.optional(),
      ...credentialFields,
    })
    .meta({ title: 'basic-auth credential' })
}

/** Kong checks the key with OpenSSL when the credential is written ('invalid key'). */
function isPublicKey(pem: string): boolean {
  try {
    createPublicKey(pem)
    return true
  } catch {
    return false
  }
}

export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const

export function jwtSecretSchema(ctx: SchemaContext) {
  const shape = {
    id: uuid.optional(),
    consumer: consumerRef(ctx),
    key: z.string().optional().describe('The value the token claim (default `iss`) must carry. Random when omitted.'),
    secret: z.string().optional().describe('The HMAC secret (HS* algorithms). Random when omitted.'),
    rsa_public_key: z.string().optional().describe('PEM public key for RS*, PS*, ES* and EdDSA algorithms.'),
    algorithm: oneOf(JWT_ALGORITHMS).default('HS256').describe('The signing algorithm.'),
    tags: tags.optional(),
    ...credentialFields,
  }
  if (ctx.mode === 'document') return z.strictObject(shape).meta({ title: 'jwt credential' })
  return z.strictObject(shape).superRefine(
    (j, c) => {
      if (/^(RS|PS|ES)\d+$|^EdDSA$/.test(j.algorithm)) {
        if (j.rsa_public_key === undefined) c.addIssue({ code: 'custom', path: ['rsa_public_key'], message: `required field missing` })
        else if (!isPublicKey(j.rsa_public_key)) c.addIssue({ code: 'custom', path: ['rsa_public_key'], message: 'invalid key' })
      }
    },
    whenValid('algorithm', 'rsa_public_key'),
  )
}

export function hmacauthCredentialSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      consumer: consumerRef(ctx),
      username: z.string().min(1, { error: 'length must be at least 1' }).describe('The hmac-auth username; unique.'),
      secret: z.string().optional().describe('The shared secret. Random when omitted.'),
      tags: tags.optional(),
      ...credentialFields,
    })
    .meta({ title: 'hmac-auth credential' })
}

export function aclSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      consumer: consumerRef(ctx),
      group: z.string().min(1, { error: 'length must be at least 1' }).describe('The ACL group the consumer belongs to.'),
      tags: tags.optional(),
      ...credentialFields,
    })
    .meta({ title: 'ACL group membership' })
}

export function consumerSchema(ctx: SchemaContext, registry: PluginRegistry) {
  const child: SchemaContext = { mode: ctx.mode, parent: 'consumers' }
  const shape = {
    id: uuid.optional(),
    username: z.string().min(1, { error: 'length must be at least 1' }).optional().describe('Unique username; plugins and credentials refer to it.'),
    custom_id: z.string().min(1, { error: 'length must be at least 1' }).optional().describe('Unique id from another system.'),
    tags: tags.optional(),
    plugins: z.array(pluginSchema(child, registry)).optional().describe('Plugins scoped to this consumer (nested form).'),
    keyauth_credentials: z.array(keyauthCredentialSchema(child)).optional().describe('key-auth API keys of this consumer.'),
    basicauth_credentials: z.array(basicauthCredentialSchema(child)).optional().describe('basic-auth credentials of this consumer.'),
    jwt_secrets: z.array(jwtSecretSchema(child)).optional().describe('jwt credentials of this consumer.'),
    hmacauth_credentials: z.array(hmacauthCredentialSchema(child)).optional().describe('hmac-auth credentials of this consumer.'),
    acls: z.array(aclSchema(child)).optional().describe('ACL groups this consumer belongs to.'),
    oauth2_credentials: z.array(oauth2CredentialSchema(child)).optional().describe('oauth2 client applications of this consumer.'),
    ...entityFields,
  }
  if (ctx.mode === 'document') return z.strictObject(shape).meta({ title: 'Consumer' })
  return z.strictObject(shape).refine((c) => c.username !== undefined || c.custom_id !== undefined, {
    error: "at least one of these fields must be non-empty: 'custom_id', 'username'",
    ...whenValid('username', 'custom_id'),
  })
}

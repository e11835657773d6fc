/**
 * Kong's `keys` and `key_sets` (kong/db/schema/entities/keys.lua, key_sets.lua
 * and typedefs.lua's `jwk` and `pem`): a key is a JWK (a JSON string) or a PEM
 * pair, optionally in a named set. Kong OSS itself never reads them (they serve
 * Enterprise plugins), so here they are validated and loaded, never compiled.
 *
 * The checks are Kong's, in Kong's order and words. A value that came from a
 * vault reference is not judged, as Kong does not (it validates the file with
 * the references unresolved): an entity check does not run when one of its
 * fields holds a reference.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import * as z from 'zod'
import { resolvedInParse } from '../vault.js'
import type { SchemaContext } from './context.js'
import { entityFields, foreignRef, referenceable, tags, uuid, whenValid } from './typedefs.js'

const nonEmpty = z.string().min(1, { error: 'length must be at least 1' })

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const always = { when: ({ value }: z.core.ParsePayload) => isObject(value) }

// ---------------------------------------------------------------- PEM (typedefs.pem)

/** A PEM public key, as OpenSSL loads one with type "pu": a private key or a certificate is not one. */
function publicKey(pem: string): KeyObject | undefined {
  if (/-----BEGIN [A-Z0-9 ]*(PRIVATE KEY|CERTIFICATE)-----/.test(pem)) return undefined
  try {
    return createPublicKey({ key: pem, format: 'pem' })
  } catch {
    return undefined
  }
}

function privateKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    return undefined
  }
}

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' })

/** Kong's validate_pem_keys: each key given loads, and a pair is one key. Never echoes a key. */
function pemProblem(pem: { private_key?: string | undefined; public_key?: string | undefined }): string | undefined {
  const pub = pem.public_key === undefined ? undefined : publicKey(pem.public_key)
  if (pem.public_key !== undefined && !pub) return 'could not load public key'
  const priv = pem.private_key === undefined ? undefined : privateKey(pem.private_key)
  if (pem.private_key !== undefined && !priv) return 'could not load private key'
  if (pub && priv && !spki(createPublicKey(priv)).equals(spki(pub))) return 'public key does not match private key'
  return undefined
}

function pemSchema(ctx: SchemaContext) {
  const shape =
    ctx.mode === 'validate'
      ? {
          private_key: referenceable(nonEmpty, 'The PEM private key.').optional(),
          public_key: referenceable(nonEmpty, 'The PEM public key.', 'public').optional(),
        }
      : {
          private_key: z.string().optional().describe('The PEM private key. May be a vault reference.'),
          public_key: z.string().optional().describe('The PEM public key. May be a vault reference.'),
        }
  const record = z.strictObject(shape).describe('A PEM key pair: a private key, a public key, or both (then they must match).')
  if (ctx.mode === 'document') return record
  return record
    .superRefine((pem, c) => {
      if (pem.private_key === undefined && pem.public_key === undefined)
        c.addIssue({ code: 'custom', path: [], message: "at least one of these fields must be non-empty: 'private_key', 'public_key'" })
    }, always)
    .superRefine(
      (pem, c) => {
        if ([pem.private_key, pem.public_key].some((v) => v !== undefined && resolvedInParse(v))) return
        const problem = pemProblem(pem)
        if (problem) c.addIssue({ code: 'custom', path: [], message: problem })
      },
      whenValid('private_key', 'public_key'),
    )
}

// ---------------------------------------------------------------- JWK (typedefs.jwk)

/** The members typedefs.jwk declares: strings, but for two arrays of strings. */
const JWK_ARRAYS = new Set(['key_ops', 'x5c'])
const JWK_STRINGS = new Set([
  'issuer',
  'kty',
  'use',
  'alg',
  'kid',
  'x5u',
  'x5t',
  'x5t#S256',
  'k',
  'x',
  'y',
  'crv',
  'n',
  'e',
  'd',
  'p',
  'q',
  'dp',
  'dq',
  'qi',
  'oth',
  'r',
  't',
])

/** What typedefs.jwk finds wrong in a decoded JWK, as Kong's errors_to_string puts it, or undefined. */
function jwkFieldProblems(jwk: Record<string, unknown>): string | undefined {
  const problems: string[] = []
  for (const [k, v] of Object.entries(jwk)) {
    if (JWK_ARRAYS.has(k)) {
      if (!Array.isArray(v)) problems.push(`${k}: expected an array`)
      else if (v.some((x) => typeof x !== 'string')) problems.push(`${k}: expected a string`)
    } else if (JWK_STRINGS.has(k)) {
      if (typeof v !== 'string') problems.push(`${k}: expected a string`)
    } else problems.push(`${k}: unknown field`)
  }
  return problems.length > 0 ? `Validation error: ${problems.join('; ')}` : undefined
}

/** Whether OpenSSL would load the JWK as a key (Kong's validate_jwk): a private key when it has `d`. */
function loadsAsKey(jwk: Record<string, unknown>): boolean {
  try {
    if (jwk.d !== undefined) createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
    else createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    return true
  } catch {
    return false
  }
}

/** keys.lua's custom entity check on a JWK, in its order. The JSON parser's own message is not used: it quotes the text. */
function jwkProblem(text: string, kid: string): string | undefined {
  let jwk: unknown
  try {
    jwk = JSON.parse(text)
  } catch {
    return 'could not json decode jwk string'
  }
  if (!isObject(jwk) || jwk.kid !== kid) return 'kid in jwk.kid must be equal to keys.kid'
  if (!loadsAsKey(jwk)) return 'could not load JWK, likely not a valid key'
  return jwkFieldProblems(jwk)
}

// ---------------------------------------------------------------- the entities

export function keySchema(ctx: SchemaContext) {
  const jwkDescription = "A JSON Web Key, as a JSON string whose `kid` is the key's `kid`. A secret (it may hold a private key)."
  const shape = {
    id: uuid.optional(),
    set:
      ctx.parent === 'key_sets'
        ? foreignRef.optional().describe('Filled in from the enclosing key set.')
        : foreignRef.optional().describe('The key set (name or id) this key belongs to, if any.'),
    name: nonEmpty.optional().describe('A unique name for the key.'),
    kid: nonEmpty.describe('The key identifier; unique within its set.'),
    jwk: (ctx.mode === 'validate' ? referenceable(nonEmpty, jwkDescription) : z.string().describe(`${jwkDescription} May be a vault reference.`)).optional(),
    pem: pemSchema(ctx).optional(),
    tags: tags.optional(),
    ...entityFields,
  }
  if (ctx.mode === 'document') return z.strictObject(shape).meta({ title: 'Key' })
  return (
    z
      .strictObject(shape)
      // keys.lua's entity checks, in its order; none runs on a key whose jwk is a vault reference.
      .superRefine(
        (key, c) => {
          if (key.jwk !== undefined && key.pem !== undefined && !resolvedInParse(key.jwk))
            c.addIssue({ code: 'custom', path: [], message: "only one or none of these fields must be set: 'jwk', 'pem'" })
        },
        whenValid('jwk', 'pem'),
      )
      .superRefine((key, c) => {
        if (key.jwk === undefined && key.pem === undefined)
          c.addIssue({ code: 'custom', path: [], message: "at least one of these fields must be non-empty: 'jwk', 'pem'" })
      }, always)
      .superRefine(
        (key, c) => {
          if (key.jwk === undefined || resolvedInParse(key.jwk)) return
          const problem = jwkProblem(key.jwk, key.kid)
          if (problem) c.addIssue({ code: 'custom', path: ['jwk'], message: problem })
        },
        whenValid('jwk', 'pem', 'kid'),
      )
  )
}

export function keySetSchema(ctx: SchemaContext) {
  const child: SchemaContext = { mode: ctx.mode, parent: 'key_sets' }
  return z
    .strictObject({
      id: uuid.optional(),
      name: nonEmpty.optional().describe('A unique name; keys name their set by it (or by id).'),
      tags: tags.optional(),
      keys: z.array(keySchema(child)).optional().describe('Keys of this set (nested form).'),
      ...entityFields,
    })
    .meta({ title: 'Key set' })
}

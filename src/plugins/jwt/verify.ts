/**
 * Signature verification with node:crypto. The credential's algorithm decides
 * how a token is checked; its key material is prepared once per credential and
 * cached, never per request.
 */
import { constants, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto'
import type { JwtSecret } from '../../config/model.js'
import { safeEqual } from '../shared/auth.js'
import { decodeBase64Url, type JwtAlgorithm } from './token.js'

/** What a credential verifies with: a secret, a public key, nothing usable, or a key that does not parse. */
export type Material = { kind: 'secret'; secret: Buffer } | { kind: 'key'; key: KeyObject } | { kind: 'missing' } | { kind: 'unparsable' }

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }
const CURVE: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }

// Keyed by the (frozen) credential object, so a reload with new credentials starts afresh.
const plainCache = new WeakMap<JwtSecret, Material>()
const base64Cache = new WeakMap<JwtSecret, Material>()

function toPublicKey(value: string | Buffer): KeyObject | undefined {
  try {
    return createPublicKey(value)
  } catch {
    if (typeof value === 'string') return undefined
  }
  try {
    return createPublicKey({ key: value, format: 'der', type: 'spki' })
  } catch {
    return undefined
  }
}

function prepare(credential: JwtSecret, base64: boolean): Material {
  const hmac = credential.algorithm.startsWith('HS')
  const text = hmac ? credential.secret : credential.rsa_public_key
  if (text === undefined) return { kind: 'missing' }
  // Kong decodes only HMAC secrets: a public key is PEM text, never base64 of it,
  // so RS/ES/PS/EdDSA credentials keep working on a `secret_is_base64` route.
  const value = base64 && hmac ? decodeBase64Url(text) : text
  if (value === undefined) return { kind: 'missing' }
  if (hmac) return { kind: 'secret', secret: typeof value === 'string' ? Buffer.from(value) : value }
  const key = toPublicKey(value)
  return key ? { kind: 'key', key } : { kind: 'unparsable' }
}

/** The credential's key material (`secret_is_base64` decodes an HMAC secret first, as Kong does). */
export function materialOf(credential: JwtSecret, base64: boolean): Material {
  const cache = base64 && credential.algorithm.startsWith('HS') ? base64Cache : plainCache
  let m = cache.get(credential)
  if (!m) {
    m = prepare(credential, base64)
    cache.set(credential, m)
  }
  return m
}

/** Whether the key's type fits the algorithm: an RSA key never checks an ECDSA token, and so on. */
function keyFits(alg: JwtAlgorithm, key: KeyObject): boolean {
  const type = key.asymmetricKeyType
  if (alg.startsWith('RS')) return type === 'rsa'
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss'
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVE[alg]
  return type === 'ed25519' || type === 'ed448'
}

/** Checks `signature` over `data` with the credential's algorithm (the token's `alg` already equals it). */
export function verifySignature(alg: JwtAlgorithm, material: Material, data: string, signature: Buffer): boolean {
  const hash = HASH[alg.slice(2)]
  if (alg.startsWith('HS')) {
    if (material.kind !== 'secret' || !hash) return false
    return safeEqual(createHmac(hash, material.secret).update(data).digest(), signature)
  }
  if (material.kind !== 'key' || !keyFits(alg, material.key)) return false
  const key = material.key
  try {
    if (alg === 'EdDSA') return verify(null, Buffer.from(data), key, signature)
    if (alg.startsWith('RS')) return verify(hash!, Buffer.from(data), key, signature)
    if (alg.startsWith('PS')) {
      return verify(hash!, Buffer.from(data), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)
    }
    return verify(hash!, Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, signature)
  } catch {
    return false
  }
}

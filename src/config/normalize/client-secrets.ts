/**
 * oauth2's `hash_secret` transformation (Kong: daos.lua, secret.lua): with
 * `_transform` on, a client secret declared with `hash_secret: true` is stored
 * as a PBKDF2 PHC string, `$pbkdf2-sha512$i=10000,l=32$<salt>$<hash>` (base64
 * without padding, a 16-byte random salt), which the plugin verifies against.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto'
import type { EntitySets } from './located.js'

const ITERATIONS = 10000
const LENGTH = 32

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '')

export function hashClientSecret(secret: string): string {
  const salt = randomBytes(16)
  const hash = pbkdf2Sync(secret, salt, ITERATIONS, LENGTH, 'sha512')
  return `$pbkdf2-sha512$i=${ITERATIONS},l=${LENGTH}$${b64(salt)}$${b64(hash)}`
}

export function hashClientSecrets(sets: EntitySets): void {
  for (const { entity, failed } of sets.oauth2_credentials) {
    if (failed || entity.hash_secret !== true || typeof entity.client_secret !== 'string') continue
    entity.client_secret = hashClientSecret(entity.client_secret)
  }
}

/**
 * The fields Kong fills itself once the whole file is known: defaults that
 * depend on other fields, and generated credentials.
 */
import { randomBytes } from 'node:crypto'
import { certDigest } from '../schema/tls.js'
import type { EntitySets } from './located.js'

function randomAlnum(n: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = randomBytes(n)
  let s = ''
  for (let i = 0; i < n; i++) s += alphabet[bytes[i]! % alphabet.length]
  return s
}

export function fillAutoFields(sets: EntitySets): void {
  // Stand-ins of refused entities (salvage.ts) have nothing to fill: they never load.
  const whole = <T extends { failed?: unknown }>(list: T[]) => list.filter((l) => !l.failed)
  for (const { entity } of whole(sets.routes)) {
    if (entity.strip_path === undefined) {
      const protocols = entity.protocols as string[]
      entity.strip_path = !protocols.some((p) => p === 'grpc' || p === 'grpcs')
    }
  }
  // Kong couples algorithm and hash_on: hashing implies consistent-hashing,
  // and least-connections or latency do not hash.
  for (const { entity } of whole(sets.upstreams)) {
    if (entity.algorithm === 'least-connections' || entity.algorithm === 'latency') {
      entity.hash_on = 'none'
      entity.hash_fallback = 'none'
    } else if (entity.hash_on !== 'none') entity.algorithm = 'consistent-hashing'
    else if (entity.algorithm === 'consistent-hashing') entity.algorithm = 'round-robin'
  }
  for (const { entity } of whole(sets.keyauth_credentials)) entity.key ??= randomAlnum(32)
  for (const { entity } of whole(sets.jwt_secrets)) {
    entity.key ??= randomAlnum(32)
    entity.secret ??= randomAlnum(32)
  }
  for (const { entity } of whole(sets.hmacauth_credentials)) entity.secret ??= randomAlnum(32)
  for (const { entity } of whole(sets.oauth2_credentials)) {
    entity.client_id ??= randomAlnum(32)
    entity.client_secret ??= randomAlnum(32)
  }
  // A declared token or code without created_at is created when the file loads, as in Kong.
  const now = Math.floor(Date.now() / 1000)
  for (const { entity } of whole(sets.oauth2_tokens)) {
    entity.access_token ??= randomAlnum(32)
    entity.created_at ??= now
  }
  for (const { entity } of whole(sets.oauth2_authorization_codes)) {
    entity.code ??= randomAlnum(32)
    entity.created_at ??= now
  }
  for (const { entity } of whole(sets.ca_certificates)) {
    try {
      entity.cert_digest ??= certDigest(entity.cert as string)
    } catch {
      // The schema already reported the certificate as invalid.
    }
  }
}

/**
 * Client secrets stored hashed (`hash_secret`): Kong's PHC string
 * `$pbkdf2-<digest>$i=<iterations>,l=<length>$<salt>$<hash>` (base64, padding
 * optional). Verified off the event loop (crypto.pbkdf2) and compared in
 * constant time. Anything else is not a hash Kong could verify: false.
 */
import { pbkdf2, timingSafeEqual } from 'node:crypto'

const DIGESTS = new Set(['sha1', 'sha256', 'sha384', 'sha512'])
/** Far above Kong's 10000, below what would pin a worker thread for long. */
const MAX_ITERATIONS = 1_000_000

interface Phc {
  digest: string
  iterations: number
  length: number
  salt: Buffer
  hash: Buffer
}

function parsePhc(phc: string): Phc | undefined {
  const parts = phc.split('$')
  if (parts.length !== 5 || parts[0] !== '') return undefined
  const id = /^pbkdf2-([a-z0-9]+)$/.exec(parts[1]!)
  if (!id || !DIGESTS.has(id[1]!)) return undefined
  const params = new Map(parts[2]!.split(',').map((p) => p.split('=', 2).map((x) => x.trim()) as [string, string]))
  const iterations = Number(params.get('i'))
  const salt = Buffer.from(parts[3]!, 'base64')
  const hash = Buffer.from(parts[4]!, 'base64')
  const length = params.has('l') ? Number(params.get('l')) : hash.length
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) return undefined
  if (!Number.isInteger(length) || length < 1 || length > 1024 || length !== hash.length) return undefined
  return { digest: id[1]!, iterations, length, salt, hash }
}

/** Whether `secret` is the one `stored` hashes. */
export function verifySecret(secret: unknown, stored: string): Promise<boolean> {
  if (typeof secret !== 'string') return Promise.resolve(false)
  const phc = parsePhc(stored)
  if (!phc) return Promise.resolve(false)
  return new Promise((resolve) => {
    pbkdf2(secret, phc.salt, phc.iterations, phc.length, phc.digest, (err, derived) => {
      resolve(!err && timingSafeEqual(derived, phc.hash))
    })
  })
}

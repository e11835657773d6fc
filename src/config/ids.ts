/**
 * Kong's deterministic entity ids: UUID v5 (RFC 4122, SHA-1) in a namespace
 * per collection, itself derived from Kong's root namespace. The same file
 * gives the same ids on every load, so X-Consumer-ID and friends match Kong.
 */
import { createHash, randomUUID } from 'node:crypto'

const NS_ROOT = 'fd02801f-0957-4a15-a55a-c8d9606f30b5'

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex')
}

export function uuidv5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const namespaces = new Map<string, string>()

/** The id Kong derives for an entity of `collection` from `key`. */
export function entityId(collection: string, key: string): string {
  let ns = namespaces.get(collection)
  if (ns === undefined) {
    ns = uuidv5(NS_ROOT, collection)
    namespaces.set(collection, ns)
  }
  return uuidv5(ns, key)
}

export { randomUUID }

/**
 * The `memory` strategy: one LRU per `memory.dictionary_name`, owned by this
 * module so every instance naming it shares it and it outlives config reloads
 * (as Kong's lua_shared_dict does). Each store is bounded by bytes (body,
 * headers and key), evicting the least recently used entries beyond that.
 */
import { LRUCache } from 'lru-cache'

/** Default byte bound of each store (Kong sizes its shared dicts in the nginx template; 64 MiB here). */
export const DEFAULT_STORE_BYTES = 64 * 1024 * 1024

// Bookkeeping per entry beyond its bytes (object, key slot, timestamps).
const ENTRY_OVERHEAD = 128

export interface CachedResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[]>>
  readonly body: Buffer
  /** Unix seconds when stored. */
  readonly timestamp: number
  /** The resource TTL (cache_ttl, or the Cache-Control TTL) in seconds. */
  readonly ttl: number
}

export type Store = LRUCache<string, CachedResponse>

const stores = new Map<string, Store>()
let storeBytes = DEFAULT_STORE_BYTES

function sizeOf(entry: CachedResponse, key: string): number {
  let n = ENTRY_OVERHEAD + key.length + entry.body.length
  for (const name in entry.headers) {
    const v = entry.headers[name]!
    n += name.length + (Array.isArray(v) ? v.reduce((s, x) => s + x.length + 2, 0) : v.length)
  }
  return n
}

/** The store of that name, created on first use. */
export function memoryStore(name: string): Store {
  let store = stores.get(name)
  if (!store) {
    store = new LRUCache<string, CachedResponse>({ maxSize: storeBytes, sizeCalculation: sizeOf })
    stores.set(name, store)
  }
  return store
}

/**
 * Sets the byte bound of stores created from now on (embedding, tests); an
 * existing store of `name` is dropped so the next use gets the new bound.
 */
export function setStoreBytes(bytes: number, name?: string): void {
  if (!Number.isInteger(bytes) || bytes <= 0) throw new RangeError(`invalid store size ${bytes}`)
  storeBytes = bytes
  if (name !== undefined) stores.delete(name)
}

/**
 * The `memory` strategy: one LRU per `memory.dictionary_name`, kept in a node
 * slot so every instance naming it shares it and it outlives config reloads
 * (as Kong's lua_shared_dict does). Each store is bounded by bytes (body,
 * headers and key), evicting the least recently used entries beyond that.
 */
import { LRUCache } from 'lru-cache'
import { nodeSlot, type NodeView } from '../types.js'

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

function sizeOf(entry: CachedResponse, key: string): number {
  let n = ENTRY_OVERHEAD + key.length + entry.body.length
  for (const name in entry.headers) {
    const v = entry.headers[name]!
    n += name.length + (Array.isArray(v) ? v.reduce((s, x) => s + x.length + 2, 0) : v.length)
  }
  return n
}

/** A node's memory stores, by dictionary name. */
export class MemoryStores {
  readonly #stores = new Map<string, Store>()
  readonly #bytes = new Map<string, number>()
  readonly #shown = new Set<string>()

  /** `node`: where each dictionary shows as Kong's shared dict of that name (its bytes and bound). */
  constructor(readonly node?: NodeView) {}

  /** The store of that name, created on first use. */
  get(name: string): Store {
    let store = this.#stores.get(name)
    if (!store) {
      const created = new LRUCache<string, CachedResponse>({ maxSize: this.#bytes.get(name) ?? DEFAULT_STORE_BYTES, sizeCalculation: sizeOf })
      if (this.node && !this.#shown.has(name)) {
        // Shown once per name; a store replaced by setBytes is read through the map.
        this.#shown.add(name)
        this.node.sharedDict(name, { used: () => this.#stores.get(name)?.calculatedSize ?? 0, capacity: () => this.#stores.get(name)?.maxSize ?? 0 })
      }
      this.#stores.set(name, (store = created))
    }
    return store
  }

  /**
   * Sets the byte bound of one dictionary (Kong sizes each lua_shared_dict);
   * takes effect when the store is created, so set it before the config that
   * uses the dictionary is compiled.
   */
  setBytes(name: string, bytes: number): void {
    if (!Number.isInteger(bytes) || bytes <= 0) throw new RangeError(`invalid store size ${bytes}`)
    this.#bytes.set(name, bytes)
    this.#stores.delete(name)
  }

  clear(): void {
    this.#stores.clear()
  }
}

export const MEMORY_STORES = nodeSlot(
  'proxy-cache:stores',
  (node) => new MemoryStores(node),
  (s) => s.clear(),
)

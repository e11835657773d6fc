/**
 * The node's memory of bind outcomes (Kong's kong.cache entries for
 * ldap-auth), kept across reloads: keyed by a keyed hash of the server, the
 * username and the password, so a password is never stored and a different
 * password never matches an entry made for another. Successes and refusals
 * are both kept for `cache_ttl` seconds, as Kong keeps them; server errors are
 * not kept. Bounded: the least recently used entries go first.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { nodeSlot } from '../types.js'

/** Entries kept at most (a bind outcome is a boolean under a 64-character key). */
export const CACHE_SIZE = 10_000

export class BindCache {
  // Random per node: the keys (which a credential id carries into logs) cannot be tested against guessed passwords.
  private readonly secret = randomBytes(32)
  private readonly outcomes = new LRUCache<string, boolean>({ max: CACHE_SIZE })
  // Concurrent requests with the same credentials share one bind, as Kong's cache lock makes them.
  private readonly pending = new Map<string, Promise<boolean>>()

  key(material: string): string {
    return createHmac('sha256', this.secret).update(material).digest('hex')
  }

  /** The remembered outcome under `key`, or the one `load` finds (kept for `ttlSeconds`; 0 = until evicted). */
  get(key: string, ttlSeconds: number, load: () => Promise<boolean>): boolean | Promise<boolean> {
    const known = this.outcomes.get(key)
    if (known !== undefined) return known
    let running = this.pending.get(key)
    if (!running) {
      running = load()
        .then((outcome) => {
          if (ttlSeconds >= 0) this.outcomes.set(key, outcome, { ttl: Math.ceil(ttlSeconds * 1000) })
          return outcome
        })
        .finally(() => this.pending.delete(key))
      this.pending.set(key, running)
    }
    return running
  }

  /** Whether an outcome is remembered under `key` (tests). */
  has(key: string): boolean {
    return this.outcomes.has(key)
  }

  get size(): number {
    return this.outcomes.size
  }
}

export const CACHE = nodeSlot('ldap-auth:cache', () => new BindCache())

/**
 * Keys for the persistent (`remember`) cookie, prepared ahead. Its key comes
 * from PBKDF2 with 10,000 rounds (lua-resty-session's "Medium" safety, which
 * Kong keeps), some milliseconds of CPU. A new cookie needs a new random
 * session id and so a new key; since the id does not depend on the session,
 * a few (id, key) pairs are derived on libuv's thread pool in advance and
 * header_filter, which cannot wait, takes one. Only when a burst of logins
 * empties the pool is a key derived on the event loop.
 */
import { randomBytes } from 'node:crypto'
import { rememberKey, rememberKeySync, SID_SIZE, type CipherKey, type SessionKeys } from './format.js'

const POOL_SIZE = 8

export class RememberKeys {
  readonly #ready: { sid: Buffer; key: CipherKey }[] = []
  #pending = 0

  constructor(private readonly keys: SessionKeys) {
    this.#fill()
  }

  /** A fresh session id and its key. */
  take(): { sid: Buffer; key: CipherKey } {
    const ready = this.#ready.pop()
    this.#fill()
    if (ready) return ready
    const sid = randomBytes(SID_SIZE)
    return { sid, key: rememberKeySync(this.keys, sid) }
  }

  #fill(): void {
    while (this.#ready.length + this.#pending < POOL_SIZE) {
      this.#pending++
      const sid = randomBytes(SID_SIZE)
      rememberKey(this.keys, sid).then(
        (key) => {
          this.#pending--
          this.#ready.push({ sid, key })
        },
        () => {
          // Not refilled on failure: take() derives on the spot instead.
          this.#pending = Number.NaN
        },
      )
    }
  }
}

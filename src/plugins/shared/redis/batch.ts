/**
 * One script call for many requests: the calls of a per-key Lua script made in
 * the same turn of the event loop, or while the previous batch is on the wire,
 * are sent as a single call whose KEYS (and ARGV, `stride` values per key) are
 * the concatenation of theirs; each caller gets its slice of the reply. The
 * gateway then pays for one Redis command per batch rather than per request,
 * and Redis runs the keys in call order. Used for scripts that treat every key
 * on its own and answer one value per key.
 */
import { redisIdentity, type RedisClients } from './client.js'
import type { RedisConfig } from './schema.js'
import { runScript, type RedisScript } from './script.js'

/** Keys per call: a larger backlog waits for the next call. */
const MAX_KEYS = 1000

interface Pending {
  keys: readonly string[]
  args: readonly (string | number)[]
  resolve(values: unknown[]): void
  reject(err: unknown): void
}

class Batcher {
  readonly #clients: RedisClients
  readonly #cfg: RedisConfig
  readonly #script: RedisScript
  #queue: Pending[] = []
  #scheduled = false
  #inFlight = false

  constructor(clients: RedisClients, cfg: RedisConfig, script: RedisScript) {
    this.#clients = clients
    this.#cfg = cfg
    this.#script = script
  }

  call(keys: readonly string[], args: readonly (string | number)[]): Promise<unknown[]> {
    if (keys.length === 0) return Promise.resolve([])
    return new Promise((resolve, reject) => {
      this.#queue.push({ keys, args, resolve, reject })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return
    this.#scheduled = true
    // After the I/O of this turn: the requests that arrived together go together.
    setImmediate(() => this.#send())
  }

  #send(): void {
    this.#scheduled = false
    if (this.#inFlight || this.#queue.length === 0) return
    let count = 0
    let n = 0
    while (n < this.#queue.length && (n === 0 || count + this.#queue[n]!.keys.length <= MAX_KEYS)) count += this.#queue[n++]!.keys.length
    const batch = this.#queue.slice(0, n)
    this.#queue = this.#queue.slice(n)
    const keys: string[] = []
    const args: (string | number)[] = []
    for (const p of batch) {
      keys.push(...p.keys)
      args.push(...p.args)
    }
    this.#inFlight = true
    this.#clients
      .get(this.#cfg)
      .then((client) => runScript(client, this.#script, keys, args))
      .then((reply) => {
        if (!Array.isArray(reply) || reply.length !== keys.length) throw new Error(`unexpected Redis reply to ${this.#script.name}`)
        let at = 0
        for (const p of batch) {
          p.resolve(reply.slice(at, at + p.keys.length))
          at += p.keys.length
        }
      })
      .catch((err: unknown) => {
        for (const p of batch) p.reject(err)
      })
      .finally(() => {
        this.#inFlight = false
        if (this.#queue.length > 0) this.#schedule()
      })
  }
}

// Per node (its clients) and per Redis configuration and script.
const batchers = new WeakMap<RedisClients, Map<string, Batcher>>()

/** Runs a per-key `script` for `keys`, batched with the other calls of this moment; its values for these keys. */
export function batchedScript(
  clients: RedisClients,
  cfg: RedisConfig,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown[]> {
  let byId = batchers.get(clients)
  if (!byId) {
    byId = new Map()
    batchers.set(clients, byId)
  }
  const id = `${redisIdentity(cfg)}:${script.name}`
  let b = byId.get(id)
  if (!b) {
    b = new Batcher(clients, cfg, script)
    byId.set(id, b)
  }
  return b.call(keys, args)
}

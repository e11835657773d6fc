/**
 * Lua scripts on the shared Redis clients: each is one command per call, so
 * several reads and writes cost one round trip and run atomically. ioredis
 * sends the script once per connection (EVAL) and its SHA1 afterwards
 * (EVALSHA), and auto-pipelines calls made while others are on the wire.
 */
import type { Redis } from 'ioredis'

export interface RedisScript {
  /** The command name it is defined under on each client (unique per script). */
  readonly name: string
  readonly lua: string
}

type Call = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>

const defined = new WeakMap<Redis, Set<string>>()

function define(client: Redis, script: RedisScript): void {
  let names = defined.get(client)
  if (!names) {
    names = new Set()
    defined.set(client, names)
  }
  if (names.has(script.name)) return
  client.defineCommand(script.name, { lua: script.lua })
  names.add(script.name)
}

/** Runs `script` with KEYS = `keys` and ARGV = `args`. */
export function runScript(client: Redis, script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  define(client, script)
  const call = (client as unknown as Record<string, Call>)[script.name]!
  return call.call(client, keys.length, ...keys, ...args)
}

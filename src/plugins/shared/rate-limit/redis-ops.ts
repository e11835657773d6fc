/**
 * The rate-limiting plugins' Redis commands on the node's shared clients: each
 * call is one command (a Lua script or MGET), so one round trip per request,
 * shared with concurrent requests through the client's auto-pipelining.
 */
import type { RedisClients } from '../redis/client.js'
import type { RedisConfig } from '../redis/schema.js'
import { runScript, type RedisScript } from '../redis/script.js'

/**
 * Kong's usage script (kong/plugins/rate-limiting/policies/init.lua), for every
 * period key at once: INCR, EXPIRE only when the INCR created the key (the TTL
 * runs from a window's first hit), and the value before this increment.
 * ARGV[i] is the TTL of KEYS[i], in seconds.
 */
const INCR_BEFORE: RedisScript = {
  name: 'rateLimitIncrBefore',
  lua: `local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('incr', key)
  if v == 1 then redis.call('expire', key, ARGV[i]) end
  out[i] = v - 1
end
return out`,
}

/**
 * INCRBY every key by ARGV[1]; a key that did not exist gets the TTL ARGV[i + 1]
 * (response-ratelimiting's EXISTS / INCRBY / EXPIRE, in one command).
 */
const INCR_BY: RedisScript = {
  name: 'rateLimitIncrBy',
  lua: `local by = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local existed = redis.call('exists', key)
  redis.call('incrby', key, by)
  if existed == 0 then redis.call('expire', key, ARGV[i + 1]) end
end
return 1`,
}

/**
 * INCR each key (its expiry set when created); returns the values the counters
 * had before this increment (rate-limiting: the request is counted while it is
 * checked, as Kong's script does).
 */
export async function redisIncrBefore(clients: RedisClients, cfg: RedisConfig, keys: readonly string[], ttls: readonly number[]): Promise<number[]> {
  const client = await clients.get(cfg)
  return numbers(await runScript(client, INCR_BEFORE, keys, ttls))
}

/** GET many counters (missing → 0). */
export async function redisGet(clients: RedisClients, cfg: RedisConfig, keys: readonly string[]): Promise<number[]> {
  const client = await clients.get(cfg)
  const values = await client.mget(...keys)
  return values.map((v) => (v === null ? 0 : Number(v)))
}

/** INCRBY each key by `by`; a key created here expires after its TTL. */
export async function redisIncrBy(clients: RedisClients, cfg: RedisConfig, keys: readonly string[], ttls: readonly number[], by: number): Promise<void> {
  const client = await clients.get(cfg)
  await runScript(client, INCR_BY, keys, [by, ...ttls])
}

/** A script's array reply as numbers (anything else is a protocol surprise, thrown). */
export function numbers(reply: unknown): number[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected Redis reply: ${String(reply)}`)
  return reply.map(Number)
}

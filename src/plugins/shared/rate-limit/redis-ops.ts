/**
 * The rate-limiting plugins' Redis commands on the node's shared clients. Each
 * is a Lua script that handles every key on its own, so the calls of
 * concurrent requests are batched into one command (shared/redis/batch.ts):
 * one round trip per request at most, usually shared with others.
 */
import type { RedisClients } from '../redis/client.js'
import type { RedisConfig } from '../redis/schema.js'
import { batchedScript } from '../redis/batch.js'
import type { RedisScript } from '../redis/script.js'

/**
 * Kong's usage script (kong/plugins/rate-limiting/policies/init.lua), per key:
 * INCR, EXPIRE only when the INCR created the key (the TTL runs from a window's
 * first hit), and the value before this increment. ARGV[i] is the TTL of
 * KEYS[i], in seconds.
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

/** GET per key, a missing key being 0 (a nil would end Lua's array). */
const GET: RedisScript = {
  name: 'rateLimitGet',
  lua: `local out = {}
for i, key in ipairs(KEYS) do
  out[i] = tonumber(redis.call('get', key) or '0')
end
return out`,
}

/**
 * INCRBY KEYS[i] by ARGV[2i-1]; a key that did not exist gets the TTL ARGV[2i]
 * (response-ratelimiting's EXISTS / INCRBY / EXPIRE). Answers the new values.
 */
const INCR_BY: RedisScript = {
  name: 'rateLimitIncrBy',
  lua: `local out = {}
for i, key in ipairs(KEYS) do
  local existed = redis.call('exists', key)
  out[i] = redis.call('incrby', key, ARGV[2 * i - 1])
  if existed == 0 then redis.call('expire', key, ARGV[2 * i]) end
end
return out`,
}

/**
 * INCR each key (its expiry set when created); returns the values the counters
 * had before this increment (rate-limiting: the request is counted while it is
 * checked, as Kong's script does).
 */
export async function redisIncrBefore(clients: RedisClients, cfg: RedisConfig, keys: readonly string[], ttls: readonly number[]): Promise<number[]> {
  return numbers(await batchedScript(clients, cfg, INCR_BEFORE, keys, ttls))
}

/** GET many counters (missing → 0). */
export async function redisGet(clients: RedisClients, cfg: RedisConfig, keys: readonly string[]): Promise<number[]> {
  return numbers(await batchedScript(clients, cfg, GET, keys, []))
}

/** INCRBY each key by `by`; a key created here expires after its TTL. */
export async function redisIncrBy(clients: RedisClients, cfg: RedisConfig, keys: readonly string[], ttls: readonly number[], by: number): Promise<void> {
  await batchedScript(
    clients,
    cfg,
    INCR_BY,
    keys,
    ttls.flatMap((ttl) => [by, ttl]),
  )
}

/** A script's array reply as numbers (anything else is a protocol surprise, thrown). */
export function numbers(reply: unknown): number[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected Redis reply: ${String(reply)}`)
  return reply.map(Number)
}

/**
 * The rate-limiting plugins' Redis commands: counters incremented and read in
 * one round trip each (MULTI), on the node's shared clients.
 */
import type { RedisClients } from '../redis/client.js'
import type { RedisConfig } from '../redis/schema.js'

/**
 * INCR each key and (re)arm its expiry, in one MULTI; returns the values the
 * counters had before this increment (rate-limiting with sync_rate -1: the
 * request is counted while it is checked, as Kong's INCR script does).
 */
export async function redisIncrBefore(clients: RedisClients, cfg: RedisConfig, keys: readonly string[], ttls: readonly number[]): Promise<number[]> {
  const client = await clients.get(cfg)
  const multi = client.multi()
  keys.forEach((k, i) => multi.incr(k).expire(k, ttls[i]!))
  return valuesOf(await multi.exec(), 2).map((v) => v - 1)
}

/** GET many counters (missing → 0). */
export async function redisGet(clients: RedisClients, cfg: RedisConfig, keys: readonly string[]): Promise<number[]> {
  const client = await clients.get(cfg)
  const values = await client.mget(...keys)
  return values.map((v) => (v === null ? 0 : Number(v)))
}

/** INCRBY each key by `by` and arm its expiry, in one MULTI. */
export async function redisIncrBy(clients: RedisClients, cfg: RedisConfig, keys: readonly string[], ttls: readonly number[], by: number): Promise<void> {
  const client = await clients.get(cfg)
  const multi = client.multi()
  keys.forEach((k, i) => multi.incrby(k, by).expire(k, ttls[i]!))
  valuesOf(await multi.exec(), 2)
}

// A MULTI's replies: throws the first command error; returns every `step`-th value.
function valuesOf(replies: [Error | null, unknown][] | null, step: number): number[] {
  if (!replies) throw new Error('redis transaction aborted')
  const out: number[] = []
  for (let i = 0; i < replies.length; i++) {
    const [err, value] = replies[i]!
    if (err) throw err
    if (i % step === 0) out.push(Number(value))
  }
  return out
}

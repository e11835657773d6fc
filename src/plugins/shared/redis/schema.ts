/**
 * The `redis` record shared by rate-limiting and response-ratelimiting
 * (Kong/kong: kong/tools/redis/schema.lua) and Kong's deprecated flat
 * `redis_*` shorthands, which are accepted and moved into the record.
 */
import * as z from 'zod'
import { host, integer, isHostname, port, referenceable } from '../../../config/schema/typedefs.js'

const anyInteger = z.number({ error: (iss) => (iss.input === undefined ? undefined : 'expected an integer') }).int({ error: 'expected an integer' })

const serverName = z.string().refine(isHostname, { error: (iss) => `invalid value: ${String(iss.input)}` })

/** The fields of Kong's redis record (acme adds its own beside them). */
export const redisFields = {
  host: host.optional().describe('Host name or IP address of the Redis server. Required when `policy` is `redis`.'),
  port: port.default(6379).describe('Port of the Redis server.'),
  timeout: integer(0, 2147483646).default(2000).describe('Connect and command timeout, in milliseconds.'),
  username: referenceable(z.string(), 'Username for Redis ACL authentication (Redis 6+); none by default.').optional(),
  password: referenceable(z.string(), 'Password sent with AUTH; none by default. Never logged.').optional(),
  database: anyInteger.default(0).describe('Redis database number to SELECT.'),
  ssl: z.boolean().default(false).describe('Connect to Redis over TLS.'),
  ssl_verify: z.boolean().default(false).describe("Verify the Redis server's TLS certificate."),
  server_name: serverName.optional().describe('SNI and certificate name used with `ssl`.'),
}

export const redisRecord = z.strictObject(redisFields).prefault({}).describe('Redis connection used when `policy` is `redis`.')

export type RedisConfig = z.infer<typeof redisRecord>

/** Kong's deprecated shorthands, each mapped to a field of `redis` (to be removed in Kong 4.0). */
export const redisShorthands = {
  redis_host: host.optional().describe('Deprecated: use `redis.host`.'),
  redis_port: port.optional().describe('Deprecated: use `redis.port`.'),
  redis_password: referenceable(z.string(), 'Deprecated: use `redis.password`.').optional(),
  redis_username: referenceable(z.string(), 'Deprecated: use `redis.username`.').optional(),
  redis_ssl: z.boolean().optional().describe('Deprecated: use `redis.ssl`.'),
  redis_ssl_verify: z.boolean().optional().describe('Deprecated: use `redis.ssl_verify`.'),
  redis_server_name: serverName.optional().describe('Deprecated: use `redis.server_name`.'),
  redis_timeout: integer(0, 2147483646).optional().describe('Deprecated: use `redis.timeout`.'),
  redis_database: anyInteger.optional().describe('Deprecated: use `redis.database`.'),
}

type Shorthands = { [K in keyof typeof redisShorthands]?: z.infer<(typeof redisShorthands)[K]> }

/**
 * Moves the shorthands into `redis` (a shorthand wins over the record's field,
 * as Kong's shorthand_fields do) and drops them from the config.
 */
export function liftRedisShorthands<C extends Shorthands & { redis: RedisConfig }>(conf: C): Omit<C, keyof Shorthands> {
  const { redis_host, redis_port, redis_password, redis_username, redis_ssl, redis_ssl_verify, redis_server_name, redis_timeout, redis_database, ...rest } =
    conf
  const redis: RedisConfig = { ...conf.redis }
  if (redis_host !== undefined) redis.host = redis_host
  if (redis_port !== undefined) redis.port = redis_port
  if (redis_password !== undefined) redis.password = redis_password
  if (redis_username !== undefined) redis.username = redis_username
  if (redis_ssl !== undefined) redis.ssl = redis_ssl
  if (redis_ssl_verify !== undefined) redis.ssl_verify = redis_ssl_verify
  if (redis_server_name !== undefined) redis.server_name = redis_server_name
  if (redis_timeout !== undefined) redis.timeout = redis_timeout
  if (redis_database !== undefined) redis.database = redis_database
  return { ...rest, redis }
}

/** rate-limiting (Kong PRIORITY 910): fixed-window request limits per second … year. */
import * as z from 'zod'
import { RATE_LIMITING } from '../../errors.js'
import { headerName, metaFields, oneOf, servicePath, whenValid } from '../../config/schema/typedefs.js'
import { PERIODS, periodOrderError, positive } from '../shared/rate-limit/periods.js'
import { liftRedisShorthands, redisRecord, redisShorthands } from '../shared/redis/schema.js'

/** `sync_rate: -1`: every request reads and increments Redis. */
export const SYNC_RATE_REALTIME = -1

const limit = (period: string) => positive.optional().describe(`The number of HTTP requests that can be made per ${period}.`)

export const config = z
  .strictObject({
    second: limit('second'),
    minute: limit('minute'),
    hour: limit('hour'),
    day: limit('day'),
    month: limit('month'),
    year: limit('year'),
    limit_by: oneOf(['consumer', 'credential', 'ip', 'service', 'header', 'path'])
      .default('consumer')
      .describe('What the counters are kept per; when it cannot be determined, the client IP is used.'),
    header_name: headerName.optional().describe('The header whose value identifies the client when `limit_by` is `header`.'),
    path: servicePath.optional().describe('The request path counted when `limit_by` is `path` (other paths are counted per client IP).'),
    // DB-less: `cluster` needs a database, so it is not offered (Kong's DB-less schema).
    policy: oneOf(['local', 'redis']).default('local').describe('Where the counters live: `local` (this process) or `redis` (shared).'),
    fault_tolerant: z.boolean().default(true).describe('When the data store fails: true lets requests through without rate-limit headers; false answers 500.'),
    redis: redisRecord,
    hide_client_headers: z.boolean().default(false).describe('Do not send the rate-limit headers to the client.'),
    error_code: positive.default(RATE_LIMITING.DEFAULT_CODE).describe('The status code sent when a limit is exceeded.'),
    error_message: z.string().default(RATE_LIMITING.DEFAULT_MESSAGE).describe('The message sent when a limit is exceeded.'),
    sync_rate: z
      .number()
      .default(SYNC_RATE_REALTIME)
      .describe(
        'How often, in seconds, the counters of this node are synced with Redis (0.02 or more); -1 reads and increments Redis on every request. Only with the redis policy.',
      ),
    ...redisShorthands,
    ...metaFields,
  })
  // Kong's custom validator, then its entity checks, in Kong's order; each runs when the fields it reads are valid.
  .superRefine(
    (c, ctx) => {
      const order = periodOrderError(c, true)
      if (order) ctx.addIssue({ code: 'custom', message: order })
    },
    whenValid(...PERIODS),
  )
  .superRefine(
    (c, ctx) => {
      if (c.policy !== 'redis' && c.sync_rate !== SYNC_RATE_REALTIME) {
        ctx.addIssue({ code: 'custom', message: 'sync_rate can only be used with the redis policy' })
      }
      if (c.policy === 'redis' && c.sync_rate !== SYNC_RATE_REALTIME && c.sync_rate < 0.02) {
        ctx.addIssue({ code: 'custom', message: 'sync_rate must be greater than 0.02, or -1 to disable' })
      }
    },
    whenValid('policy', 'sync_rate'),
  )
  .superRefine(
    (c, ctx) => {
      if (PERIODS.every((p) => c[p] === undefined)) {
        ctx.addIssue({ code: 'custom', message: `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'config.${p}'`).join(', ')}` })
      }
    },
    whenValid(...PERIODS),
  )
  .superRefine(
    (c, ctx) => {
      if (c.policy === 'redis' && c.redis.host === undefined && c.redis_host === undefined) {
        ctx.addIssue({ code: 'custom', message: 'required field missing', path: ['redis', 'host'] })
      }
    },
    whenValid('policy', 'redis', 'redis_host'),
  )
  .superRefine(
    (c, ctx) => {
      if (c.limit_by === 'header' && c.header_name === undefined) ctx.addIssue({ code: 'custom', message: 'required field missing', path: ['header_name'] })
      if (c.limit_by === 'path' && c.path === undefined) ctx.addIssue({ code: 'custom', message: 'required field missing', path: ['path'] })
    },
    whenValid('limit_by', 'header_name', 'path'),
  )
  .transform(liftRedisShorthands)

export type RateLimitingConfig = z.infer<typeof config>

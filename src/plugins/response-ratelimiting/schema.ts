/** response-ratelimiting (Kong PRIORITY 900): limits the upstream spends through a response header. */
import * as z from 'zod'
import { metaFields, oneOf, whenValid } from '../../config/schema/typedefs.js'
import { PERIODS, periodOrderError, positive } from '../shared/rate-limit/periods.js'
import { liftRedisShorthands, redisRecord, redisShorthands } from '../shared/redis/schema.js'

const limit = (period: string) => positive.optional().describe(`The number of units that can be used per ${period}.`)

const periods = z
  .strictObject({
    second: limit('second'),
    minute: limit('minute'),
    hour: limit('hour'),
    day: limit('day'),
    month: limit('month'),
    year: limit('year'),
  })
  .superRefine(
    (l, ctx) => {
      const order = periodOrderError(l, false)
      if (order) ctx.addIssue({ code: 'custom', message: order })
      if (PERIODS.every((p) => l[p] === undefined)) {
        ctx.addIssue({ code: 'custom', message: `at least one of these fields must be non-empty: ${PERIODS.map((p) => `'${p}'`).join(', ')}` })
      }
    },
    whenValid(...PERIODS),
  )
  .describe('The limits of one name, per period (at least one).')

export const config = z
  .strictObject({
    header_name: z.string().default('x-kong-limit').describe('The upstream response header that spends the limits, e.g. `x-kong-limit: videos=1, images=2`.'),
    limit_by: oneOf(['consumer', 'credential', 'ip'])
      .default('consumer')
      .describe('What the counters are kept per; when the consumer or credential is unknown, the client IP is used.'),
    // DB-less: `cluster` needs a database, so it is not offered (Kong's DB-less schema).
    policy: oneOf(['local', 'redis']).default('local').describe('Where the counters live: `local` (this process) or `redis` (shared).'),
    fault_tolerant: z.boolean().default(true).describe('When the data store fails: true lets requests through without rate-limit headers; false answers 500.'),
    redis: redisRecord,
    block_on_first_violation: z.boolean().default(false).describe('Refuse a request (429) as soon as any limit is used up, before it reaches the upstream.'),
    hide_client_headers: z.boolean().default(false).describe('Do not send the rate-limit headers to the client.'),
    limits: z
      .record(z.string(), periods)
      .refine((m) => Object.keys(m).length >= 1, { error: 'length must be at least 1' })
      .describe('The limits, by name; the upstream spends them through `header_name`.'),
    ...redisShorthands,
    ...metaFields,
  })
  .superRefine(
    (c, ctx) => {
      if (c.policy === 'redis' && c.redis.host === undefined && c.redis_host === undefined) {
        ctx.addIssue({ code: 'custom', message: 'required field missing', path: ['redis', 'host'] })
      }
    },
    whenValid('policy', 'redis', 'redis_host'),
  )
  .transform(liftRedisShorthands)

export type ResponseRateLimitingConfig = z.infer<typeof config>

/** datadog (Kong PRIORITY 10): Kong's request metrics as DogStatsD lines to a Datadog agent over UDP. */
import * as z from 'zod'
import { host, metaFields, number, oneOf, port, referenceable, whenValid } from '../../config/schema/typedefs.js'
import { queueSchema } from '../shared/queue.js'
import { sampleRateCheck } from '../shared/statsd/metric-check.js'

export const STAT_NAMES = ['kong_latency', 'latency', 'request_count', 'request_size', 'response_size', 'upstream_latency'] as const
export const STAT_TYPES = ['counter', 'gauge', 'histogram', 'meter', 'set', 'timer', 'distribution'] as const
export const CONSUMER_IDENTIFIERS = ['consumer_id', 'custom_id', 'username'] as const

const text = (description: string) => z.string().min(1).describe(description)

const metric = z
  .strictObject({
    // Required: reported missing by sampleRateCheck, in Kong's words.
    name: oneOf(STAT_NAMES).optional().describe("The metric's name (required)."),
    // Required, but Kong's entity check reports it missing (`field required for entity check`).
    stat_type: oneOf(STAT_TYPES).optional().describe('What sort of event the metric represents (required).'),
    tags: z
      .array(z.string().regex(/^.*[^:]$/))
      .optional()
      .describe('Tags added to the line (`key:value` or `key`), after the service, status and consumer tags.'),
    sample_rate: number(0, 1).optional().describe('The sample rate written on the line (`|@rate`); required for counters and gauges.'),
    consumer_identifier: oneOf(CONSUMER_IDENTIFIERS).optional().describe('Which consumer field goes into the consumer tag (none: no consumer tag).'),
  })
  .superRefine(sampleRateCheck, whenValid('stat_type', 'sample_rate'))

export type DatadogMetric = z.output<typeof metric> & { name: NonNullable<z.output<typeof metric>['name']>; stat_type: (typeof STAT_TYPES)[number] }

// Kong's DEFAULT_METRICS, in its order.
const APP_KONG = ['app:kong']
const DEFAULT_METRICS = [
  { name: 'request_count', stat_type: 'counter', sample_rate: 1, tags: APP_KONG, consumer_identifier: 'custom_id' },
  { name: 'latency', stat_type: 'timer', tags: APP_KONG, consumer_identifier: 'custom_id' },
  { name: 'request_size', stat_type: 'timer', tags: APP_KONG, consumer_identifier: 'custom_id' },
  { name: 'response_size', stat_type: 'timer', tags: APP_KONG, consumer_identifier: 'custom_id' },
  { name: 'upstream_latency', stat_type: 'timer', tags: APP_KONG, consumer_identifier: 'custom_id' },
  { name: 'kong_latency', stat_type: 'timer', tags: APP_KONG, consumer_identifier: 'custom_id' },
] as const

const deprecated = (what: string) => `Deprecated: ${what}.`

export const config = z.strictObject({
  // No default here: an unset host or port is KONG_DATADOG_AGENT_HOST / _PORT when set, else localhost:8125 (handler.ts).
  host: referenceable(host, 'The Datadog agent host (unset: KONG_DATADOG_AGENT_HOST, else localhost).', 'public').optional(),
  port: port.optional().describe('The Datadog agent port (unset: KONG_DATADOG_AGENT_PORT, else 8125).'),
  prefix: text("String put before each metric's name.").default('kong'),
  service_name_tag: text('The name of the service tag.').default('name'),
  status_tag: text('The name of the HTTP status tag.').default('status'),
  consumer_tag: text('The name of the consumer tag.').default('consumer'),
  retry_count: z.number().int({ error: 'expected an integer' }).optional().describe(deprecated('has no effect; use queue.max_retry_time')),
  queue_size: z.number().int({ error: 'expected an integer' }).optional().describe(deprecated('use queue.max_batch_size (a value other than 1 overrides it)')),
  flush_timeout: z.number().optional().describe(deprecated('use queue.max_coalescing_delay (a value other than 2 overrides it)')),
  queue: queueSchema,
  metrics: z
    .array(metric)
    .default(() => DEFAULT_METRICS.map((m) => ({ ...m, tags: [...m.tags] })))
    .describe('The metrics to send, in order.'),
  ...metaFields,
})

export type DatadogConfig = z.output<typeof config>

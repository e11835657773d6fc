/** statsd (Kong PRIORITY 11): Kong's request metrics as StatsD lines over UDP or TCP. */
import * as z from 'zod'
import { host, metaFields, number, oneOf, port, whenValid } from '../../config/schema/typedefs.js'
import { queueSchema } from '../shared/queue.js'
import { sampleRateCheck } from '../shared/statsd/metric-check.js'

export const METRIC_NAMES = [
  'kong_latency',
  'latency',
  'request_count',
  'request_per_user',
  'request_size',
  'response_size',
  'status_count',
  'status_count_per_user',
  'unique_users',
  'upstream_latency',
  'status_count_per_workspace',
  'status_count_per_user_per_route',
  'shdict_usage',
] as const
export const STAT_TYPES = ['counter', 'gauge', 'histogram', 'meter', 'set', 'timer'] as const
export const CONSUMER_IDENTIFIERS = ['consumer_id', 'custom_id', 'username'] as const
export const SERVICE_IDENTIFIERS = ['service_id', 'service_name', 'service_host', 'service_name_or_host'] as const
export const WORKSPACE_IDENTIFIERS = ['workspace_id', 'workspace_name'] as const
export const TAG_STYLES = ['dogstatsd', 'influxdb', 'librato', 'signalfx'] as const

const text = (description: string) => z.string().min(1).describe(description)

const metric = z
  .strictObject({
    // Required: reported missing by sampleRateCheck, in Kong's words.
    name: oneOf(METRIC_NAMES).optional().describe("The metric's name (required)."),
    // Required, but Kong's entity check reports it missing (`field required for entity check`).
    stat_type: oneOf(STAT_TYPES).optional().describe('What sort of event the metric represents (required).'),
    sample_rate: z
      .number()
      .gt(0, { error: 'value must be greater than 0' })
      .optional()
      .describe('The sample rate written on the line (`|@rate`); required for counters and gauges.'),
    consumer_identifier: oneOf(CONSUMER_IDENTIFIERS).optional().describe('Which consumer field names the user (default: consumer_identifier_default).'),
    service_identifier: oneOf(SERVICE_IDENTIFIERS).optional().describe('Which service field names the service (default: service_identifier_default).'),
    workspace_identifier: oneOf(WORKSPACE_IDENTIFIERS)
      .optional()
      .describe('Which workspace field names the workspace (default: workspace_identifier_default).'),
  })
  .superRefine(sampleRateCheck, whenValid('stat_type', 'sample_rate'))

export type StatsdMetric = z.output<typeof metric> & { name: NonNullable<z.output<typeof metric>['name']>; stat_type: (typeof STAT_TYPES)[number] }

// Kong's DEFAULT_METRICS, in its order (the order lines are written in).
const DEFAULT_METRICS = [
  { name: 'request_count', stat_type: 'counter', sample_rate: 1 },
  { name: 'latency', stat_type: 'timer' },
  { name: 'request_size', stat_type: 'counter', sample_rate: 1 },
  { name: 'status_count', stat_type: 'counter', sample_rate: 1 },
  { name: 'response_size', stat_type: 'counter', sample_rate: 1 },
  { name: 'unique_users', stat_type: 'set' },
  { name: 'request_per_user', stat_type: 'counter', sample_rate: 1 },
  { name: 'upstream_latency', stat_type: 'timer' },
  { name: 'kong_latency', stat_type: 'timer' },
  { name: 'status_count_per_user', stat_type: 'counter', sample_rate: 1 },
  { name: 'status_count_per_workspace', stat_type: 'counter', sample_rate: 1 },
  { name: 'status_count_per_user_per_route', stat_type: 'counter', sample_rate: 1 },
  { name: 'shdict_usage', stat_type: 'gauge', sample_rate: 1 },
] as const

const deprecated = (what: string) => `Deprecated: ${what}.`

export const config = z.strictObject({
  host: host.default('localhost').describe('The IP address or hostname of the StatsD server.'),
  port: port.default(8125).describe('The port of the StatsD server.'),
  prefix: text("String put before each metric's name.").default('kong'),
  metrics: z
    .array(metric)
    .default(() => DEFAULT_METRICS.map((m) => ({ ...m })))
    .describe('The metrics to send, in order.'),
  allow_status_codes: z
    .array(z.string().regex(/^[0-9]+-[0-9]+$/))
    .optional()
    .describe('Status code ranges (`200-299`) whose requests are sent; unset sends every request.'),
  udp_packet_size: number(0, 65507).default(0).describe('Join lines into UDP packets of up to this many bytes (0: one line per packet).'),
  use_tcp: z.boolean().default(false).describe('Send over TCP instead of UDP.'),
  hostname_in_prefix: z.boolean().default(false).describe('Put `node.<hostname>` after the prefix (not with tag_style).'),
  consumer_identifier_default: oneOf(CONSUMER_IDENTIFIERS).default('custom_id').describe('The consumer identifier of metrics that set none.'),
  service_identifier_default: oneOf(SERVICE_IDENTIFIERS).default('service_name_or_host').describe('The service identifier of metrics that set none.'),
  workspace_identifier_default: oneOf(WORKSPACE_IDENTIFIERS).default('workspace_id').describe('The workspace identifier of metrics that set none.'),
  retry_count: z.number().int({ error: 'expected an integer' }).optional().describe(deprecated('has no effect; use queue.max_retry_time')),
  queue_size: z.number().int({ error: 'expected an integer' }).optional().describe(deprecated('use queue.max_batch_size (a value other than 1 overrides it)')),
  flush_timeout: z.number().optional().describe(deprecated('use queue.max_coalescing_delay (a value other than 2 overrides it)')),
  tag_style: oneOf(TAG_STYLES)
    .optional()
    .describe('Send tags (service, route, workspace, consumer, node, status) in this style instead of names built from them.'),
  queue: queueSchema,
  ...metaFields,
})

export type StatsdConfig = z.output<typeof config>

/** prometheus (Kong PRIORITY 13): request metrics in Prometheus format on the admin /metrics. */
import * as z from 'zod'
import { metaFields } from '../../config/schema/typedefs.js'

export const config = z.strictObject({
  per_consumer: z.boolean().default(false).describe('Fill the `consumer` label (the consumer username) of the request and bandwidth metrics.'),
  status_code_metrics: z.boolean().default(false).describe('Count requests by status code (`kong_http_requests_total`).'),
  latency_metrics: z
    .boolean()
    .default(false)
    .describe('Record the Kong, upstream and total latency histograms (`kong_kong_latency_ms`, `kong_upstream_latency_ms`, `kong_request_latency_ms`).'),
  bandwidth_metrics: z.boolean().default(false).describe('Count request and response bytes (`kong_bandwidth_bytes`).'),
  upstream_health_metrics: z
    .boolean()
    .default(false)
    .describe('Export the health of upstream targets (`kong_upstream_target_health`): on when any enabled instance turns it on.'),
  ai_metrics: z.boolean().default(false).describe('Export AI (LLM) metrics. There are no AI plugins here: accepted and ignored.'),
  wasm_metrics: z.boolean().default(false).describe('Export metrics of Wasm filters. There are no Wasm filters here: accepted and ignored.'),
  ...metaFields,
})

export type PrometheusConfig = z.infer<typeof config>

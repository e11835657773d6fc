/** opentelemetry (Kong PRIORITY 14): the config record (kong/plugins/opentelemetry/schema.lua). */
import * as z from 'zod'
import { headerName, httpUrl, metaFields, number, oneOf, referenceable, timeoutMs } from '../../config/schema/typedefs.js'
import { queueSchemaWith } from '../shared/queue.js'
import { HEADER_TYPES, propagationSchema } from '../shared/tracing/propagation/index.js'

// Kong's typedefs.url: parsed, with a host and a scheme; the exporter speaks http and https.
const url = httpUrl()

const endpoint = (what: string) => referenceable(url, what, 'url').optional()

const resourceAttributes = z
  .record(z.string({ error: 'expected a string' }), z.string({ error: 'expected a string' }).min(1, { error: 'length must be at least 1' }), {
    error: 'expected a map',
  })
  .optional()
  .describe(
    'Attributes of the OpenTelemetry resource; service.name (default `kong`), service.version and service.instance.id are added unless given. Values may be `$(...)` templates over the request (`$(headers.host)`).',
  )

const deprecated = (what: string) => `Deprecated: ${what}.`

export const config = z
  .strictObject({
    traces_endpoint: endpoint('The OTLP/HTTP URL spans are sent to (protobuf).'),
    logs_endpoint: endpoint('The OTLP/HTTP URL log records are sent to (protobuf).'),
    endpoint: endpoint(deprecated('use traces_endpoint')),
    headers: z
      .record(headerName, referenceable(z.string(), 'A header value.'))
      .optional()
      .describe('Headers added to the requests sent to the OTLP server (authentication tokens).'),
    resource_attributes: resourceAttributes,
    queue: queueSchemaWith({ max_batch_size: 200 }),
    batch_span_count: z
      .number()
      .int({ error: 'expected an integer' })
      .optional()
      .describe(deprecated('use queue.max_batch_size (a value other than 200 overrides it)')),
    batch_flush_delay: z
      .number()
      .int({ error: 'expected an integer' })
      .optional()
      .describe(deprecated('use queue.max_coalescing_delay (a value other than 3 overrides it)')),
    connect_timeout: timeoutMs.default(1000).describe('Timeout (ms) of the connection to the OTLP server.'),
    send_timeout: timeoutMs.default(5000).describe('Timeout (ms) of sending a batch.'),
    read_timeout: timeoutMs.default(5000).describe("Timeout (ms) of reading the OTLP server's answer."),
    http_response_header_for_traceid: z.string().optional().describe('A response header the trace id (hex) is set in.'),
    sampling_rate: number(0, 1).optional().describe('The probability a trace is kept; overrides --tracing-sampling-rate.'),
    header_type: oneOf(HEADER_TYPES)
      .default('preserve')
      .describe(deprecated('use propagation; the tracing headers read and written when propagation sets none of extract, inject, clear')),
    propagation: propagationSchema('w3c'),
    ...metaFields,
  })
  .superRefine((c, ctx) => {
    // Kong's at_least_one_of (the `endpoint` shorthand fills traces_endpoint).
    if (c.traces_endpoint === undefined && c.endpoint === undefined && c.logs_endpoint === undefined)
      ctx.addIssue({ code: 'custom', message: "at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'" })
  })

export type OpenTelemetryConfig = z.infer<typeof config>

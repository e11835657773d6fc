/** zipkin's config (Kong's kong/plugins/zipkin/schema.lua): where spans go, sampling, tags, propagation. */
import * as z from 'zod'
import { httpUrl, integer, metaFields, number, oneOf, oneOfInt, referenceable } from '../../config/schema/typedefs.js'
import { queueSchema } from '../shared/queue.js'
import { FORMATS, HEADER_TYPES, propagationSchema } from '../shared/tracing/propagation/index.js'

// Tags the plugin sets itself: a static tag may not take their names.
const PROTECTED_TAGS = [
  'error',
  'http.method',
  'http.path',
  'http.status_code',
  'kong.balancer.state',
  'kong.balancer.try',
  'kong.consumer',
  'kong.credential',
  'kong.node.id',
  'kong.route',
  'kong.service',
  'lc',
  'peer.hostname',
]

const staticTag = z.strictObject({
  name: z
    .string()
    .refine((v) => !PROTECTED_TAGS.includes(v), { error: `must not be one of: ${PROTECTED_TAGS.join(', ')}` })
    .describe("The tag's name (not one the plugin sets itself)."),
  value: z.string().describe("The tag's value."),
})

// Kong's typedefs.url; spans can only be POSTed over http or https.
const url = httpUrl()

// Kong's typedefs.timeout: 0 to 2^31-2 ms.
const timeout = (d: number, what: string) => integer(0, 2147483646).default(d).describe(`Timeout (ms) ${what} the Zipkin server.`)

export const config = z
  .strictObject({
    local_service_name: z.string().default('kong').describe('The name of the service as displayed in Zipkin.'),
    http_endpoint: referenceable(url, 'The URL spans are POSTed to (Zipkin v2 JSON); none: spans are not sent, context is still propagated.', 'url')
      .nullable()
      .optional()
      .describe('The URL spans are POSTed to (Zipkin v2 JSON); none: spans are not sent, context is still propagated.'),
    sample_ratio: number(0, 1).default(0.001).describe('How often to sample requests that carry no sampling decision: 0 never, 1 always.'),
    default_service_name: z
      .string()
      .nullable()
      .optional()
      .describe("The remote service name of spans whose request has no service (Zipkin's unknown-service-name)."),
    include_credential: z.boolean().default(true).describe("Whether the authenticated credential's id is sent as the kong.credential tag."),
    traceid_byte_count: oneOfInt([8, 16]).default(16).describe('The length in bytes of the trace ids this plugin starts.'),
    header_type: oneOf(HEADER_TYPES)
      .default('preserve')
      .describe('Deprecated (use propagation): the tracing header format expected on requests and sent upstream.'),
    default_header_type: oneOf(FORMATS)
      .default('b3')
      .describe('Deprecated (use propagation.default_format): the format sent upstream when the request had none and header_type is preserve.'),
    tags_header: z.string().default('Zipkin-Tags').describe('The request header whose `name=value; ...` pairs become tags of the request span.'),
    static_tags: z
      .array(staticTag)
      .nullable()
      .optional()
      .superRefine((tags, ctx) => {
        const seen = new Set<string>()
        for (const t of tags ?? []) {
          if (seen.has(t.name)) return void ctx.addIssue({ code: 'custom', message: `repeated tags are not allowed: ${t.name}` })
          seen.add(t.name)
        }
      })
      .describe('Tags added to every request span.'),
    http_span_name: oneOf(['method', 'method_path']).default('method').describe('The request span is named by the method, or the method and the path.'),
    connect_timeout: timeout(2000, 'to connect to'),
    send_timeout: timeout(5000, 'to send to'),
    read_timeout: timeout(5000, 'to read from'),
    http_response_header_for_traceid: z.string().nullable().optional().describe('A response header the trace id is added to.'),
    phase_duration_flavor: oneOf(['annotations', 'tags'])
      .default('annotations')
      .describe("How the gateway's phases are shown: as annotations (start and finish) or as duration tags."),
    queue: queueSchema,
    propagation: propagationSchema('b3'),
    ...metaFields,
  })
  .describe('Traces requests and sends the spans to a Zipkin server.')

export type ZipkinConfig = z.output<typeof config>

/**
 * What every proxy listener of one gateway is told, once, about how to treat
 * the requests it serves: whose forwarded headers to believe, what to log and
 * where, whether '_' headers are kept, what a client may cost. `startGateway`
 * resolves the defaults once (server/gateway.ts) and hands the same value to
 * each listener and from there to the request path (handle.ts); nothing below
 * it fills in a default again.
 */
import type { WireHeaders } from './kong-headers.js'
import type { ClientLimits } from './limits.js'
import type { ErrorFormat } from './render.js'
import type { RequestLog } from './state.js'
import type { TracingSettings } from './tracing/settings.js'
import type { RealIpRule, TrustCheck } from './trust.js'

export interface ProxyOptions {
  /** --trusted-ips: peers whose X-Forwarded-* and X-Real-IP are believed. */
  readonly trusted: TrustCheck
  /** --real-ip-header, --real-ip-recursive: where a trusted peer's client address is read. */
  readonly realIp: RealIpRule
  /** One entry per request when set; nothing is added to the request path otherwise. */
  readonly accessLog: ((entry: Record<string, unknown>) => void) | undefined
  /** Where errors of the request path itself go (with the request id); silent when undefined. */
  readonly requestLog: RequestLog | undefined
  /** Keep request headers whose names contain '_' (true, as Kong's template; false drops them, as nginx's default). */
  readonly underscoresInHeaders: boolean
  /** Body buffering, client_body_timeout, send_timeout (nginx's under Kong unless set). */
  readonly limits: ClientLimits
  /** Kong's headers on answers and upstream (`headers`, `headers_upstream`), with the product token (Kong's by default). */
  readonly wire: WireHeaders
  /** Kong's error_default_type and error_template_* (error-format.ts). */
  readonly errors: ErrorFormat
  /** Kong's tracing_instrumentations and tracing_sampling_rate; undefined (`off`): no request is traced. */
  readonly tracing: TracingSettings | undefined
}

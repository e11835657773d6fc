/**
 * One request's state, from arrival to the log phase: what the pipeline's
 * steps (pipeline.ts) read and write, whatever the transport. Everything a
 * plugin may change (the upstream request, response headers, the consumer,
 * kong.ctx.shared) lives here; the plugin kit (kit.ts) is only a view over it,
 * built when a plugin first runs, so a request without plugins never pays for
 * one.
 */
import type { IncomingMessage } from 'node:http'
import type { PhaseLists, PluginInstance } from '../compile/chains.js'
import type { RouteMatch } from '../compile/router.js'
import type { Runtime } from '../compile/runtime.js'
import type { Consumer } from '../config/model.js'
import type { AuthCredential, Exit, KitLogLine, StreamBodyFilter } from '../plugins/types.js'
import type { WireHeaders } from './kong-headers.js'
import type { RequestKit } from './kit.js'
import type { ClientLimits } from './limits.js'
import type { ErrorFormat } from './render.js'
import type { ResponseDraft } from './response-draft.js'
import type { UpstreamChanges } from './upstream-changes.js'
import type { RequestTrace } from './tracing/trace.js'
import type { Transport } from './transport.js'
import type { TrustCheck } from './trust.js'

/** One plugin's per-chunk body filter, with the instance that set it (its crash is logged under its name). */
export interface StreamFilter {
  readonly inst: PluginInstance
  readonly filter: StreamBodyFilter
}

/** Where the request came in: fixed for the listener and the connection. */
export interface Arrival {
  scheme: 'http' | 'https'
  /** The gateway port the request came in on. */
  localPort: number
  /** The TCP peer (unmapped IPv4). */
  peer: string
  /** The peer is in --trusted-ips: its X-Forwarded-* and X-Real-IP are believed. */
  trusted: boolean
  /** The --trusted-ips check itself, for any address (kong.ip.is_trusted). */
  trust: TrustCheck
  /** The client address after the trusted-ips rules (Kong's realip). */
  clientIp: string
  /** TLS server name (https listeners). */
  sni: string | undefined
}

/** Where the request path reports what went wrong outside any plugin (a bug of ours): pino-style. */
export type RequestLog = (fields: Record<string, unknown>, msg: string) => void

/** One try, as the log phase sees it (the kit's `KitTry`). */
export interface TryInfo {
  ip: string
  port: number
  balancerStart: number
  balancerLatency: number
  failed?: 502 | 504
}

/** What happened upstream, for the log phase (the kit's `proxied`). */
export class ProxiedInfo {
  status = 0
  upstreamLatency = -1
  receiveLatency = -1
  readonly tries: TryInfo[] = []
  constructor(
    public uri: string,
    public origin: string,
    readonly kongLatency: number,
  ) {}

  /** nginx's $upstream_status: each try's status (502/504 for a failed one), comma-separated. */
  get statusText(): string {
    let text = ''
    for (const t of this.tries) {
      const code = t.failed ?? (t === this.tries[this.tries.length - 1] ? this.status : 0)
      if (code > 0) text = text === '' ? String(code) : `${text}, ${code}`
    }
    return text
  }
}

export class RequestState {
  /** performance.now() at arrival. */
  readonly start = performance.now()

  // -- the target step
  /** The path as sent, without the query. */
  rawPath = '/'
  /** `?...` verbatim, or ''. */
  query = ''
  /** The normalized path the router matches on. */
  path = '/'

  // -- the route step
  match: RouteMatch | undefined = undefined

  // -- plugins
  /** The plugin kit, built when a plugin first runs (kitOf). */
  kit: RequestKit | undefined = undefined
  /** The instances whose response phases run for this request. */
  lists: PhaseLists | undefined = undefined
  /** The instance whose response phase is running. */
  current: PluginInstance | undefined = undefined
  /** body_filter instances that said in header_filter they do not need this response's body. */
  bodySkipped: Set<PluginInstance> | undefined = undefined
  /** Per-chunk body filters plugins set in header_filter (KitResponse.streamBody), in plugin order. */
  streamFilters: StreamFilter[] | undefined = undefined
  /** What plugins changed in the request to send upstream (created on first change). */
  changes: UpstreamChanges | undefined = undefined
  /** Response status and headers once known; before that, headers plugins set early. */
  response: ResponseDraft | undefined = undefined
  consumer: Consumer | undefined = undefined
  credential: AuthCredential | undefined = undefined
  anonymous = false
  /** Kong's KONG_WAITING_TIME: how long a plugin that answered itself waited on another service (ms). */
  waitingMs: number | undefined = undefined
  /** kong.ctx.shared */
  shared: Record<string, unknown> | undefined = undefined

  // -- the client's body
  /** Set once a plugin read the body into memory. */
  buffered: Buffer | undefined = undefined
  bodyRead: Promise<Buffer> | undefined = undefined
  /** A cap on the body while it streams (request-size-limiting). */
  bodyLimit: { maxBytes: number; exit: Exit } | undefined = undefined

  // -- upstream
  /** performance.now() when the last try went upstream; 0 while nothing did (Kong's KONG_PROXIED). */
  sentAt = 0
  proxied: ProxiedInfo | undefined = undefined
  /**
   * The upstream's trailers (lower-case names), set when a gRPC service's
   * answer ended, before body_filter; whatever is left here when the answer
   * goes out is sent as trailers (a body_filter that folds them into the
   * body, as grpc-web does, sets it to undefined).
   */
  upstreamTrailers: Record<string, string> | undefined = undefined
  /** The log phase is scheduled. */
  logScheduled = false
  /** The request's trace: made on arrival with --tracing-instrumentations, or by a plugin that propagates. */
  trace: RequestTrace | undefined = undefined
  /** Lines plugins wrote for this request, kept once a plugin asked (kit.keepLogs). */
  logs: KitLogLine[] | undefined = undefined
  /** Where unexpected errors of this request are logged (unexpected.ts); silent when unset. */
  log: RequestLog | undefined = undefined

  constructor(
    readonly runtime: Runtime,
    readonly transport: Transport,
    readonly req: IncomingMessage,
    readonly requestId: string,
    readonly arrival: Arrival,
    /** What the listener allows a client (body buffering and timeouts, send timeout). */
    readonly limits: ClientLimits,
    /** Kong's own headers switched on, with the product token they carry. */
    readonly wire: WireHeaders,
    /** How the gateway's own errors are rendered (Kong's error_default_type, error_template_*). */
    readonly errors: ErrorFormat,
  ) {}

  /** Unix ms at arrival (the clock is read only when a log plugin asks). */
  get startedAt(): number {
    return Math.round(performance.timeOrigin + this.start)
  }

  /** Milliseconds since arrival, rounded, as Kong's latency headers show them. */
  latency(): string {
    return String(Math.round(performance.now() - this.start))
  }
}

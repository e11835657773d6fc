/**
 * The stream kit: what stream-route plugins (preread, streamLog) see of a TCP,
 * TLS or UDP session, and the StreamExit that ends one.
 */
import type { Route, Service } from '../config/model.js'

/** Kong's `ngx.exit(status)` in the preread phase: the session ends with this status, nothing is proxied. */
export interface StreamExit {
  readonly status: number
}

/** One try at a stream upstream (Kong's `balancer_data.tries` entry). */
export interface StreamTry {
  readonly ip: string
  readonly port: number
  /** When the balancer started picking this try's target (Unix ms). */
  readonly balancerStart: number
  readonly balancerLatency: number
  /** The try failed to connect: 502 (refused, reset, TLS) or 504 (connect timeout). */
  readonly failed?: 502 | 504 | undefined
}

/** A stream session (TCP connection or UDP exchange), as stream plugins see it. */
export interface StreamKit {
  /** The route's protocol this session is served as: what the listener and the route agreed on. */
  readonly protocol: 'tcp' | 'tls' | 'tls_passthrough' | 'udp'
  /** The client's address and port (nginx's $remote_addr / $remote_port). */
  readonly clientIp: string
  readonly clientPort: number
  /** The listener's address and port. */
  readonly serverAddr: string
  readonly serverPort: number
  /** The server name the client asked for (handshake or ClientHello), if any. */
  readonly sni: string | undefined
  /** The TLS session the gateway terminated (OpenSSL's names); undefined for tcp, passthrough and udp. */
  readonly tls: { readonly version: string; readonly cipher: string } | undefined
  /** Undefined for a session that matched no route (only global instances log it, as in Kong). */
  readonly route: Route | undefined
  readonly service: Service | undefined
  /** When the session started (Unix ms). */
  readonly startedAt: number
  /** Data shared between the plugins of one session (Kong's `kong.ctx.shared`). */
  readonly shared: Record<string, unknown>
  /** What the session did; final in streamLog. */
  readonly session: StreamSessionFacts
}

export interface StreamSessionFacts {
  /** nginx's $status for streams: 200, or 403 / 500 / 502 / 503 when the gateway ended it. */
  readonly status: number
  /** Bytes from and to the client. */
  readonly received: number
  readonly sent: number
  /** Bytes from and to the upstream. */
  readonly upstreamReceived: number
  readonly upstreamSent: number
  readonly tries: readonly StreamTry[]
  /** Whether a connection to an upstream was made. */
  readonly proxied: boolean
  /** Gateway time before the upstream connection was made, or until the session ended when none was (ms). */
  readonly kongLatency: number
  /** The whole session (ms; up to now before the log phase). */
  readonly durationMs: number
}

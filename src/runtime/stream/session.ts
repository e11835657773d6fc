/**
 * One stream session (a TCP or TLS connection, or a UDP client's exchange):
 * the Runtime it pinned when it began, its route and service, what it moved,
 * and the plugin phases Kong runs on streams (preread, then log once it is
 * over). It is the StreamKit stream plugins see. A plugin that throws is
 * logged and skipped, as on the HTTP path: one plugin's failure never ends
 * the session, nor the process.
 */
import type { Route, Service } from '../../config/model.js'
import type { Runtime } from '../../compile/runtime.js'
import type { StreamChain } from '../../compile/stream-chains.js'
import type { StreamExit, StreamKit, StreamSessionFacts, StreamTry } from '../../plugins/types.js'

/** Where the stream listeners report what goes wrong (no route, upstream failures): pino-like. */
export type StreamLog = (level: 'error' | 'warn' | 'info', fields: Record<string, unknown>, msg: string) => void

export interface Endpoints {
  clientIp: string
  clientPort: number
  serverAddr: string
  serverPort: number
}

export class StreamSession implements StreamKit, StreamSessionFacts {
  readonly startedAt = Date.now()
  readonly #t0 = performance.now()
  readonly shared: Record<string, unknown> = {}
  readonly tries: StreamTry[] = []
  readonly chain: StreamChain
  status = 200
  /** Bytes from the client and from the upstream, counted as they are passed on. */
  received = 0
  upstreamReceived = 0
  proxied = false
  tls: { version: string; cipher: string } | undefined = undefined
  #kongLatency: number | undefined
  #endedAt: number | undefined
  #logged = false

  constructor(
    readonly runtime: Runtime,
    readonly route: Route | undefined,
    readonly service: Service | undefined,
    readonly protocol: StreamKit['protocol'],
    readonly ends: Endpoints,
    readonly sni: string | undefined,
    readonly log: StreamLog,
  ) {
    this.chain = route ? runtime.streamChains.forRoute(route) : runtime.streamChains.global
  }

  get clientIp(): string {
    return this.ends.clientIp
  }
  get clientPort(): number {
    return this.ends.clientPort
  }
  get serverAddr(): string {
    return this.ends.serverAddr
  }
  get serverPort(): number {
    return this.ends.serverPort
  }
  /** What the client was sent is what the upstream gave, and the other way round. */
  get sent(): number {
    return this.upstreamReceived
  }
  get upstreamSent(): number {
    return this.received
  }
  get session(): StreamSessionFacts {
    return this
  }
  get kongLatency(): number {
    return this.#kongLatency ?? this.durationMs
  }
  get durationMs(): number {
    return (this.#endedAt ?? performance.now()) - this.#t0
  }

  /** The upstream connection is made: what the gateway took until now is its latency. */
  markProxied(): void {
    this.proxied = true
    this.#kongLatency = performance.now() - this.#t0
  }

  /** Kong's preread phase; an exit ends the session with its status. */
  preread(): StreamExit | undefined {
    for (const inst of this.chain.preread) {
      try {
        const exit = inst.phases.preread!(this)
        if (exit) {
          this.status = exit.status
          return exit
        }
      } catch (e) {
        this.log('error', { plugin: inst.name, phase: 'preread', route: this.route?.name ?? this.route?.id, err: e }, 'stream plugin failed')
      }
    }
    return undefined
  }

  /** Ends the session (once): its facts are final, then the log phase runs. */
  finish(): void {
    if (this.#logged) return
    this.#logged = true
    this.#endedAt = performance.now()
    for (const inst of this.chain.log) {
      try {
        inst.phases.streamLog!(this)
      } catch (e) {
        this.log('error', { plugin: inst.name, phase: 'log', route: this.route?.name ?? this.route?.id, err: e }, 'stream plugin failed')
      }
    }
  }
}

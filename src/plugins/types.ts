/**
 * The plugin contract and the plugin kit: what a bundled plugin declares, and
 * the typed API its phase handlers use (Kong's PDK, in TypeScript).
 *
 * A plugin is one definition (name, priority, config schema, scopes, phases)
 * whose `handler` loads, on first use, a factory that runs once per plugin
 * instance when a config is compiled. The factory does everything that can be
 * done ahead of time (parse the config, compile regexes, build lookup tables)
 * and returns the phase functions that run per request with a `Kit`. The
 * config layer sees definitions only; handlers are loaded by compile.
 *
 * The kit itself is in kit.ts (per request), node-view.ts (per node) and
 * stream-kit.ts (stream sessions); this module re-exports them, so a plugin
 * imports its whole contract from here.
 */
import type * as z from 'zod'
import type { Registry } from 'prom-client'
import type { SecureContext } from 'node:tls'
import type { Protocol } from '../config/schema/typedefs.js'
import type { Consumer, Plugin } from '../config/model.js'
import type { Exit, Kit, PluginLog } from './kit.js'
import type { ConsumerIndex, NodeView } from './node-view.js'
import type { StreamExit, StreamKit } from './stream-kit.js'

export type * from './kit.js'
export type * from './node-view.js'
export { nodeSlot } from './node-view.js'
export type * from './stream-kit.js'

export interface PluginScopes {
  /** false when Kong's schema forbids this scope (`no_consumer`, ...). */
  consumer: boolean
  route: boolean
  service: boolean
}

/**
 * The phases a plugin may implement, in the order a request meets them; then
 * the two Kong runs on stream routes (its stream subsystem): `preread` and
 * `streamLog` (Kong's `log` there, whose record differs); then `certificate`,
 * which runs in a TLS handshake of the proxy, global instances only.
 */
export const PHASE_NAMES = ['rewrite', 'access', 'headerFilter', 'bodyFilter', 'log', 'preread', 'streamLog', 'certificate'] as const
export type PhaseName = (typeof PHASE_NAMES)[number]

/**
 * Creates the phase functions of one plugin instance; runs once per instance
 * when a config is compiled (never per request).
 */
export type PluginFactory<C = any> = (conf: C, env: PluginEnv) => PluginPhases

/** What a definition's `handler` gives: the factory, or a module whose default export it is. */
export type HandlerSource<C> = PluginFactory<C> | { readonly default: PluginFactory<C> }

export interface PluginDefinition<S extends z.ZodType = z.ZodType<any, any>> {
  /** kebab-case, as in Kong; also the folder name. */
  readonly name: string
  /** Kong's static PRIORITY: higher runs first within a phase. */
  readonly priority: number
  readonly version: string
  /** The `config` record; fills Kong's defaults. */
  readonly config: S
  /** Default for the plugin entity's `protocols`. */
  readonly protocols: readonly Protocol[]
  /**
   * Kong's `typedefs.protocols_http`: an instance's `protocols` may only name
   * grpc, grpcs, http and https (a stream protocol is refused when the file is
   * loaded). Unset: any protocol, as Kong's `typedefs.protocols`.
   */
  readonly httpOnly?: boolean
  readonly scopes: PluginScopes
  /** The phases the handler implements; an instance returning another one is refused when the config is compiled. */
  readonly phases: readonly PhaseName[]
  /**
   * Loads the handler. Called once, when a config that uses the plugin is first
   * compiled, so validating a file never loads request code:
   * `handler: () => import('./handler.js')`.
   */
  handler(): HandlerSource<z.output<S>> | Promise<HandlerSource<z.output<S>>>
  /**
   * Optional, for `gateway explain`: what this instance's access phase would
   * do with `req`, predicted from the same parsed config the handler's
   * factory gets. Must have no side effect (no counter, no network, no
   * clock-dependent answer). Undefined: it cannot say ("runs; outcome depends
   * on runtime").
   */
  explain?(conf: z.output<S>, req: ExplainRequest): ExplainOutcome | undefined
}

/** The request as `gateway explain` describes it, for plugins' explain hooks. */
export interface ExplainRequest {
  readonly method: string
  /** The normalized path. */
  readonly path: string
  /** Lower-cased names, every value in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>
  readonly query: URLSearchParams
  /** The client address (`--client-ip`), when given. */
  readonly clientIp: string | undefined
  /** The consumer identified so far by the plugins before this one. */
  readonly consumer: Consumer | undefined
  /** Whether a credential (not an anonymous fallback) identified it. */
  readonly credential: boolean
  /** `--consumer`: authenticate as this consumer when the request carries no credential of its own. */
  readonly assume: Consumer | undefined
  readonly consumers: ConsumerIndex
}

/** What an explain hook predicts. */
export interface ExplainOutcome {
  /** The plugin answers instead of proxying: Kong's status and message (from the errors catalogue). */
  readonly answers?: Exit
  /** The plugin identifies this consumer (a credential's owner, or the anonymous fallback). */
  readonly identifies?: { readonly consumer: Consumer; readonly anonymous: boolean }
  /** What else to say (never a secret). */
  readonly note?: string
  /** The phase does nothing for this request (a trigger absent, a preflight skipped). */
  readonly skipped?: boolean
}

/** Kong's default plugin protocols. */
export const PROTOCOLS_ALL: readonly Protocol[] = ['grpc', 'grpcs', 'http', 'https']

export const ANY_SCOPE: PluginScopes = { consumer: true, route: true, service: true }
export const NO_CONSUMER: PluginScopes = { consumer: false, route: true, service: true }

/** A definition of the first plugin API: no phases, no handler (those come with `pluginSet([{ definition, handler }])`). */
export type PluginDeclaration<S extends z.ZodType = z.ZodType> = Omit<PluginDefinition<S>, 'phases' | 'handler'>

/** Declares a plugin; the identity function that keeps the config type. */
export function definePlugin<S extends z.ZodType>(def: PluginDefinition<S>): PluginDefinition<S>
export function definePlugin<S extends z.ZodType>(def: PluginDeclaration<S>): PluginDeclaration<S>
export function definePlugin<S extends z.ZodType>(def: PluginDeclaration<S>): PluginDeclaration<S> {
  return def
}

/** What `create` gets besides its config: indexes of the compiled config, a logger. */
export interface PluginEnv {
  /** The plugin entity (id, scope, protocols, instance_name). */
  readonly plugin: Plugin
  readonly consumers: ConsumerIndex
  /** Logs with the plugin's name attached. */
  readonly log: PluginLog
  /** This node: its identity (Kong's node_id, hostname) and the state plugins keep across reloads. */
  readonly node: NodeView
  /** The gateway's plugin metrics registry (prom-client), served on the admin /metrics. */
  readonly metrics: Registry
}

/** What a phase function may return: an Exit stops the phase (rewrite/access only). */
export type PhaseResult = Exit | undefined | void | Promise<Exit | undefined | void>

/** The phase functions of one plugin instance. All optional; an absent phase costs nothing. */
export interface PluginPhases {
  /** Before routing; global instances only. */
  rewrite?(kit: Kit): PhaseResult
  /** After routing, in priority (or dynamic) order. */
  access?(kit: Kit): PhaseResult
  /** Response status and headers (proxied, exit or error), before they are sent. */
  headerFilter?(kit: Kit): void
  /**
   * The whole response body (buffered when any instance of the request has this
   * phase); returns the body to send.
   */
  bodyFilter?(kit: Kit, body: Buffer): Buffer | string
  /** After the response was sent (or the client went away). */
  log?(kit: Kit): void
  /**
   * Stream routes: after routing, before the upstream is picked (Kong's
   * `preread`). A StreamExit ends the session: the connection is closed.
   */
  preread?(kit: StreamKit): StreamExit | undefined | void
  /** Stream routes: once the session is over (Kong's `log` in its stream subsystem). */
  streamLog?(kit: StreamKit): void
  /**
   * A TLS handshake on a proxy listener whose server name (lower-cased) no
   * `snis` entry matched, so that the default certificate would be served
   * (Kong's `certificate` phase as acme uses it). Returns the certificate to
   * serve instead, or undefined; global instances only. Runs per handshake:
   * answer from memory, and return a promise only on a miss.
   */
  certificate?(servername: string): CertificateAnswer
}

/** What a certificate phase answers: a context to serve, or undefined for the default certificate. */
export type CertificateAnswer = SecureContext | undefined | Promise<SecureContext | undefined>

/** Declares a handler's factory with its config type (the default export of a plugin's handler.ts). */
export function definePhases<C>(create: PluginFactory<C>): PluginFactory<C> {
  return create
}

/**
 * The handler of the first plugin API (`pluginSet([{ definition, handler }])`),
 * still accepted for custom plugins: a name and a `create` factory.
 */
export interface PluginHandler<C = Record<string, unknown>> {
  readonly name: string
  /** Runs once per plugin instance when a config is compiled. */
  create(conf: C, env: PluginEnv): PluginPhases
}

/** Declares a handler of the first plugin API with its config type. */
export function defineHandler<C>(h: PluginHandler<C>): PluginHandler<C> {
  return h
}

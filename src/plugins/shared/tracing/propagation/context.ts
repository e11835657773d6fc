/**
 * The tracing context that goes from an extractor, through the plugin that
 * owns the trace, to the injectors (Kong's extractors/_base.lua get_context
 * table). Ids are lower-case hex (ids.ts); after extraction a trace id has 16
 * bytes and span ids 8.
 */

export interface TraceContext {
  traceId?: string | undefined
  /**
   * The sender's span: the parent of the receiver's span, except in formats
   * that share one span between both sides (b3, jaeger: `reuseSpanId`), where
   * it is the shared span and `parentId` is its parent.
   */
  spanId?: string | undefined
  parentId?: string | undefined
  /** The format lets both sides of the request use the same span id (b3, jaeger). */
  reuseSpanId?: boolean | undefined
  /** The sampling decision the caller made, if it made one. */
  shouldSample?: boolean | undefined
  /** jaeger's uberctx-* and ot's ot-baggage-* items, unescaped. */
  baggage?: Readonly<Record<string, string>> | undefined
  /** b3's debug flag ("1"). */
  flags?: string | undefined
  /** W3C's trace-flags byte. */
  w3cFlags?: number | undefined
  /** b3 only: found in the single `b3` header (injected back the same way by `preserve`). */
  singleHeader?: boolean | undefined
  /** The size in bytes the incoming trace id had; injectors that allow it keep it. */
  traceIdOriginalSize?: number | undefined
}

/**
 * Request headers as Node gives them: lower-cased names; a value repeated
 * where Node keeps them apart is an array.
 */
export type HeaderSource = Readonly<Record<string, string | readonly string[] | undefined>>

/** Where an extractor reports a malformed header it ignored (Kong: kong.log.warn). */
export type Warn = (message: string) => void

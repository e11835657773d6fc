/**
 * Kong's frame_to_events: a provider's streamed answer, chunk by chunk, split
 * into events by the answer's content type. A framer is made per response and
 * keeps what a chunk cut in half until the next chunk completes it.
 */
import type { StreamEvent } from './drivers/types.js'
import { jsonLinesFramer } from './json-lines-framer.js'
import { sseFramer } from './sse-framer.js'
import { jsonArrayFramer } from './stream-json-array.js'
import { eventStreamFramer } from './stream-eventstream.js'

export interface Framer {
  /** The events this chunk completes (none while a message is still incomplete). */
  push(chunk: Buffer): StreamEvent[]
  /** The stream ended: whatever complete event was still held. */
  end(): StreamEvent[]
  /** Characters dropped so far because one message outgrew what a framer holds (frame-limit.ts); the caller logs them. */
  readonly dropped?: number
}

/**
 * Content types (without parameters, lower-cased) and how to make their
 * framer (Kong's _SUPPORTED_STREAMING_CONTENT_TYPES); each format's framer
 * lives in its own module, listed here.
 */
const FRAMERS: ReadonlyMap<string, () => Framer> = new Map<string, () => Framer>([
  ['text/event-stream', sseFramer],
  ['application/stream+json', jsonLinesFramer],
  ['application/x-ndjson', jsonLinesFramer],
  // Gemini streams one JSON array (Kong's GEMINI_STREAM_CONTENT_TYPE).
  ['application/json', jsonArrayFramer],
  // Bedrock's ConverseStream (Kong's AWS_STREAM_CONTENT_TYPE).
  ['application/vnd.amazon.eventstream', eventStreamFramer],
])

/** A fresh framer for this Content-Type header, or undefined when Kong does not translate that type (passed on as is). */
export function framerFor(contentType: string | undefined): Framer | undefined {
  const bare = (contentType ?? 'text/event-stream').split(';', 1)[0]!.trim().toLowerCase()
  return FRAMERS.get(bare)?.()
}

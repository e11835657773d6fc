/**
 * How much of one streamed message a framer holds while waiting for its end:
 * a peer that never ends a line or an event must not grow memory without
 * bound. Past this, the message is dropped (the framer counts the bytes; the
 * caller logs them) and framing starts again at the next message boundary.
 */
export const MAX_HELD_BYTES = 1024 * 1024

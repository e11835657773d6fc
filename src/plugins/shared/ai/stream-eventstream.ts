/**
 * The framer of AWS event streams (`application/vnd.amazon.eventstream`,
 * Bedrock's ConverseStream answer): each message becomes one event whose
 * `event` is its `:event-type` header and whose data is the message as Kong's
 * frame_to_events gives it (JSON of `{headers, body}`, the payload as text).
 * Unlike Kong, a message cut across chunks is reassembled and both CRCs are
 * checked. A broken stream (a CRC, a length, a header) cannot be resynced:
 * the framer throws once, for the runtime to log and end the answer, and
 * reads nothing more.
 */
import { EventStreamReader, type EventStreamMessage } from '../aws/eventstream.js'
import type { StreamEvent } from './drivers/types.js'
import type { Framer } from './stream-frames.js'

function toEvent(m: EventStreamMessage): StreamEvent {
  const type = m.headers[':event-type']
  const data = JSON.stringify({ headers: m.headers, body: m.payload.toString('utf8') })
  return typeof type === 'string' ? { event: type, data } : { data }
}

export function eventStreamFramer(): Framer {
  const reader = new EventStreamReader()
  let broken = false
  return {
    push(chunk) {
      if (broken) return []
      try {
        return reader.push(chunk).map(toEvent)
      } catch (err) {
        broken = true
        throw err
      }
    },
    // A message still incomplete when the stream ends was cut: there is nothing whole to give.
    end: () => [],
  }
}

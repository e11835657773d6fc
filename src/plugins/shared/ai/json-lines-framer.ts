/**
 * JSON lines (application/stream+json, application/x-ndjson, and cohere's
 * JSON sent as text/event-stream): each non-blank line is one message, its
 * text the event's data (Kong's frame_to_events for a body starting with
 * `{`). A line cut across chunks is held until its end arrives; one longer
 * than MAX_HELD_BYTES is dropped up to its end.
 */
import { StringDecoder } from 'node:string_decoder'
import type { StreamEvent } from './drivers/types.js'
import { MAX_HELD_BYTES } from './frame-limit.js'
import type { Framer } from './stream-frames.js'

export class JsonLinesFramer implements Framer {
  readonly #decoder = new StringDecoder('utf8')
  #line = ''
  #skipping = false
  dropped = 0

  push(chunk: Buffer): StreamEvent[] {
    return this.#text(this.#decoder.write(chunk))
  }

  end(): StreamEvent[] {
    const out = this.#text(this.#decoder.end())
    if (!this.#skipping) this.#emit(this.#line, out)
    this.#line = ''
    this.#skipping = false
    return out
  }

  #text(text: string): StreamEvent[] {
    const out: StreamEvent[] = []
    let i = 0
    const n = text.length
    while (i < n) {
      let j = i
      while (j < n) {
        const c = text.charCodeAt(j)
        if (c === 10 || c === 13) break
        j++
      }
      if (j === n) {
        if (!this.#skipping) {
          this.#line += text.slice(i)
          if (this.#line.length > MAX_HELD_BYTES) {
            this.dropped += this.#line.length
            this.#line = ''
            this.#skipping = true
          }
        }
        break
      }
      if (this.#skipping) this.#skipping = false
      else this.#emit(this.#line === '' ? text.slice(i, j) : this.#line + text.slice(i, j), out)
      this.#line = ''
      i = j + 1
    }
    return out
  }

  #emit(line: string, out: StreamEvent[]): void {
    if (line.trim() !== '') out.push({ data: line })
  }
}

export function jsonLinesFramer(): Framer {
  return new JsonLinesFramer()
}

/**
 * text/event-stream, parsed as the HTML standard defines it (9.2.6, "Event
 * stream interpretation"): lines end with CRLF, LF or CR; `event`, `id` and
 * `data` fields (one space after the colon dropped, several `data` lines
 * joined with LF); lines starting with `:` are comments; a blank line ends
 * the message. A message (or a line, or a CRLF) cut across chunks is held
 * until the chunk that completes it: Kong's frame_to_events keeps only the
 * cut line and loses the fields before it; we keep the whole message. A
 * message still open when the stream ends is delivered (the standard drops
 * it; providers, and Kong's own `data: [DONE]`, end without a blank line).
 *
 * Kong's rule for a body sent as text/event-stream that is JSON lines
 * (cohere's): a stream whose first non-blank character is `{` is framed as
 * JSON lines (json-lines-framer.ts); Kong decides per chunk, we once, at the
 * start, so a message split across chunks cannot flip the mode.
 */
import { StringDecoder } from 'node:string_decoder'
import type { StreamEvent } from './drivers/types.js'
import { MAX_HELD_BYTES } from './frame-limit.js'
import { JsonLinesFramer } from './json-lines-framer.js'
import type { Framer } from './stream-frames.js'

export class SseFramer implements Framer {
  readonly #decoder = new StringDecoder('utf8')
  /** The current line, not yet ended. */
  #line = ''
  /** The last character seen was CR: an LF opening the next chunk belongs to it. */
  #afterCr = false
  #event: string | undefined
  #id: string | undefined
  #data: string[] | undefined
  /** Characters the open message holds (its fields and the open line). */
  #held = 0
  /** The open message went past MAX_HELD_BYTES: the rest of it is skipped. */
  #skipping = false
  dropped = 0

  push(chunk: Buffer): StreamEvent[] {
    return this.#text(this.#decoder.write(chunk), [])
  }

  end(): StreamEvent[] {
    const out = this.#text(this.#decoder.end(), [])
    if (this.#line !== '') this.#field(this.#line)
    this.#line = ''
    this.#dispatch(out)
    return out
  }

  #text(text: string, out: StreamEvent[]): StreamEvent[] {
    let i = 0
    if (this.#afterCr && text.charCodeAt(0) === 10) i = 1
    this.#afterCr = false
    const n = text.length
    while (i < n) {
      let j = i
      while (j < n) {
        const c = text.charCodeAt(j)
        if (c === 10 || c === 13) break
        j++
      }
      if (j === n) {
        // No line end in the rest of this chunk: held for the next one.
        this.#hold(text.slice(i))
        break
      }
      const line = this.#line === '' ? text.slice(i, j) : this.#line + text.slice(i, j)
      this.#line = ''
      if (text.charCodeAt(j) === 13) {
        if (j + 1 === n) this.#afterCr = true
        else if (text.charCodeAt(j + 1) === 10) j++
      }
      i = j + 1
      if (line === '') this.#dispatch(out)
      else if (!this.#skipping) this.#field(line)
    }
    return out
  }

  #hold(part: string): void {
    if (this.#skipping) return
    this.#line += part
    if (this.#held + this.#line.length > MAX_HELD_BYTES) this.#drop()
  }

  /** One `name: value` line (a comment when the name is empty). */
  #field(line: string): void {
    const colon = line.indexOf(':')
    if (colon === 0) return
    const name = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (name === 'data') (this.#data ??= []).push(value)
    else if (name === 'event') this.#event = value
    else if (name === 'id' && !value.includes('\0')) this.#id = value
    else return
    this.#held += line.length
    if (this.#held > MAX_HELD_BYTES) this.#drop()
  }

  #drop(): void {
    this.dropped += this.#held + this.#line.length
    this.#skipping = true
    this.#line = ''
    this.#reset()
  }

  #reset(): void {
    this.#event = this.#id = this.#data = undefined
    this.#held = 0
  }

  #dispatch(out: StreamEvent[]): void {
    if (this.#skipping) {
      this.#skipping = false
      this.#reset()
      return
    }
    if (this.#event === undefined && this.#id === undefined && this.#data === undefined) return
    const e: StreamEvent = {}
    if (this.#event !== undefined) e.event = this.#event
    if (this.#id !== undefined) e.id = this.#id
    if (this.#data !== undefined) e.data = this.#data.join('\n')
    out.push(e)
    this.#reset()
  }
}

/**
 * The framer for a text/event-stream answer: SSE, unless the body's first
 * non-blank character is `{` (JSON lines sent as SSE, Kong's rule).
 */
export function sseFramer(): Framer {
  let inner: Framer | undefined
  let pending: Buffer[] = []
  const pick = (chunk: Buffer): Framer | undefined => {
    for (const b of chunk) {
      if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue
      return b === 0x7b ? new JsonLinesFramer() : new SseFramer()
    }
    return undefined
  }
  const framer = {
    dropped: 0,
    push(chunk: Buffer): StreamEvent[] {
      if (!inner) {
        inner = pick(chunk)
        // Only blank so far: nothing to frame yet (kept: it is only whitespace, and little of it counts).
        if (!inner) {
          if (pending.length < 64) pending.push(chunk)
          return []
        }
        const before = pending
        pending = []
        for (const b of before) inner.push(b)
      }
      const out = inner.push(chunk)
      framer.dropped = inner.dropped ?? 0
      return out
    },
    end(): StreamEvent[] {
      const out = inner ? inner.end() : []
      framer.dropped = inner?.dropped ?? 0
      return out
    },
  }
  return framer
}

/**
 * Kong's json_array_iterator (Content-Type application/json, Gemini's
 * streamGenerateContent answer): a JSON array that arrives in pieces, split
 * into its elements as each one completes, one event each; the array's
 * closing bracket is `[DONE]`. A body that is not an array is read as JSON
 * values one after another rather than refused.
 */
import type { StreamEvent } from './drivers/types.js'
import type { Framer } from './stream-frames.js'

// An element larger than this is scanned past, not kept (an LLM's chunk is far smaller).
const MAX_ELEMENT = 16 * 1024 * 1024

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

export function jsonArrayFramer(): Framer {
  // start: before the first value; array: inside the top-level array; values: a bare sequence; done: after `]`.
  let mode: 'start' | 'array' | 'values' | 'done' = 'start'
  let inElement = false
  let depth = 0
  let inString = false
  let escaped = false
  let scalar = false
  let held: Buffer[] = []
  let heldSize = 0
  let oversized = false

  const keep = (b: Buffer) => {
    if (oversized || b.length === 0) return
    if (heldSize + b.length > MAX_ELEMENT) {
      oversized = true
      held = []
      heldSize = 0
      return
    }
    held.push(b)
    heldSize += b.length
  }

  const finish = (events: StreamEvent[], tail: Buffer) => {
    keep(tail)
    if (!oversized) events.push({ data: Buffer.concat(held).toString('utf8') })
    held = []
    heldSize = 0
    oversized = false
    inElement = false
  }

  return {
    push(chunk) {
      const events: StreamEvent[] = []
      let start = 0
      for (let i = 0; i < chunk.length && mode !== 'done'; i++) {
        const c = chunk[i]!
        if (!inElement) {
          if (isSpace(c) || c === COMMA) continue
          if (mode === 'start') {
            if (c === OPEN_BRACKET) {
              mode = 'array'
              continue
            }
            mode = 'values'
          }
          if (c === CLOSE_BRACKET) {
            if (mode === 'array') {
              mode = 'done'
              events.push({ data: '[DONE]' })
            }
            continue
          }
          inElement = true
          start = i
          depth = c === OPEN_BRACE || c === OPEN_BRACKET ? 1 : 0
          inString = c === QUOTE
          escaped = false
          scalar = depth === 0 && !inString
          continue
        }
        if (inString) {
          if (escaped) escaped = false
          else if (c === BACKSLASH) escaped = true
          else if (c === QUOTE) {
            inString = false
            if (depth === 0) finish(events, chunk.subarray(start, i + 1))
          }
        } else if (scalar) {
          if (isSpace(c) || c === COMMA || c === CLOSE_BRACKET) {
            finish(events, chunk.subarray(start, i))
            // The delimiter is read again outside the element (a `]` ends the array).
            i--
          }
        } else if (c === QUOTE) inString = true
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth--
          if (depth === 0) finish(events, chunk.subarray(start, i + 1))
        }
      }
      if (inElement) keep(chunk.subarray(start))
      return events
    },
    end() {
      const events: StreamEvent[] = []
      // A bare number or literal has no closing character: it ends with the body.
      if (inElement && scalar && !inString) finish(events, Buffer.alloc(0))
      return events
    },
  }
}

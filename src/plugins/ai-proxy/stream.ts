/**
 * ai-proxy's streamed answer, chunk by chunk (Kong's parse-sse-chunk and
 * normalize-sse-chunk): the provider's bytes framed into events by their
 * content type, each event translated to an OpenAI chunk by the driver and
 * written as `data: <json>` plus a blank line, the provider's end as
 * `data: [DONE]`. The chunks' text is tallied as it passes, so that at the
 * end the completion tokens can be estimated when no event reported them,
 * the cost priced, and the composite answer Kong logs built.
 */
import type { StreamBodyFilter } from '../types.js'
import type { Framer } from '../shared/ai/stream-frames.js'
import type { LlmStats } from '../shared/ai/stats.js'
import type { StreamFrame, StreamTranslator } from '../shared/ai/drivers/types.js'

/** Kong's answer when a 200 stream cannot be framed (a content type it does not translate): sent once, and the answer ends. */
export const UNSUPPORTED_STREAM = 'data: {"error": true, "message": "empty or unsupported transformer response"}\n\n'

/** The answer's text kept for the logged composite answer, at most this many characters (the tally goes on past it). */
const MAX_KEPT_TEXT = 4 * 1024 * 1024

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13)

/**
 * The streamed text's byte length without leading and trailing white space
 * (Lua's `#strip(text)`), kept without holding the text; the text itself
 * is kept (up to MAX_KEPT_TEXT) only when it is logged.
 */
class TextTally {
  bytes = 0
  #leading = true
  /** Bytes of white space since the last other character. */
  #trailing = 0
  kept: string[] | undefined
  #keptChars = 0

  constructor(keep: boolean) {
    if (keep) this.kept = []
  }

  add(text: string): void {
    if (text === '') return
    if (this.kept && this.#keptChars < MAX_KEPT_TEXT) {
      const part = text.length + this.#keptChars > MAX_KEPT_TEXT ? text.slice(0, MAX_KEPT_TEXT - this.#keptChars) : text
      this.kept.push(part)
      this.#keptChars += part.length
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (isSpace(c)) {
        if (!this.#leading) this.#trailing++
        continue
      }
      this.#leading = false
      const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3
      this.bytes += this.#trailing + size
      this.#trailing = 0
    }
  }
}

/** Kong's get_token_text: the first choice's delta content, else its text, else nothing. */
function tokenText(chunk: unknown): { text: string; finish: unknown } {
  const choice = (chunk as { choices?: unknown[] } | null)?.choices?.[0] as
    { delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown } | undefined
  if (typeof choice !== 'object' || choice === null) return { text: '', finish: undefined }
  const t = choice.delta?.content ?? choice.text
  return { text: typeof t === 'string' ? t : '', finish: choice.finish_reason }
}

export interface StreamSetup {
  framer: Framer
  translate: StreamTranslator
  stats: LlmStats
  logPayloads: boolean
  /** The configured prices (per million tokens). */
  inputCost: number | undefined
  outputCost: number | undefined
  log: (msg: string) => void
  /** At the end: the composite answer Kong builds for the log. */
  done: (composite: string) => void
}

/** The per-chunk body filter that translates one streamed answer. */
export function translateStream(o: StreamSetup): StreamBodyFilter {
  const { framer, translate, stats } = o
  const tally = new TextTally(o.logPayloads)
  let finish: unknown
  let dropped = 0
  let sawChoices = false

  const frameOf = (ev: Parameters<StreamTranslator>[0]): StreamFrame | undefined => {
    try {
      return translate(ev)
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) }
    }
  }

  const finishUp = () => {
    stats.end()
    // No event reported completion tokens: about four characters a token (Kong's estimate).
    if (stats.completionTokens === 0) stats.completionTokens = Math.ceil(tally.bytes / 4)
    stats.price(o.inputCost, o.outputCost)
    const text = tally.kept?.join('')
    const composite: Record<string, unknown> = {
      choices: [
        {
          ...(sawChoices && finish !== undefined ? { finish_reason: finish } : {}),
          index: 0,
          logprobs: null,
          message: { role: 'assistant', content: text ?? '' },
        },
      ],
      object: 'chat.completion',
      ...(o.logPayloads ? { response: text ?? '' } : {}),
      usage: { prompt_tokens: stats.promptTokens, completion_tokens: stats.completionTokens, total_tokens: stats.totalTokens },
    }
    o.done(JSON.stringify(composite))
  }

  return (chunk, last) => {
    const events = framer.push(chunk)
    if (last) events.push(...framer.end())
    const lost = framer.dropped ?? 0
    if (lost > dropped) {
      o.log(`a streamed message outgrew the framer's bound and was dropped (${lost - dropped} characters)`)
      dropped = lost
    }
    let out = ''
    for (const ev of events) {
      const f = frameOf(ev)
      if (f === undefined) continue
      if (f.error !== undefined) {
        o.log(`failed to translate a streamed event: ${f.error}`)
        continue
      }
      const u = f.usage
      if (u) {
        if (u.replace) {
          if (u.promptTokens !== undefined) stats.promptTokens = u.promptTokens
          if (u.completionTokens !== undefined) stats.completionTokens = u.completionTokens
        } else {
          stats.promptTokens += u.promptTokens ?? 0
          stats.completionTokens += u.completionTokens ?? 0
        }
      }
      const data = f.data
      if (data === undefined) continue
      out += `data: ${data}\n\n`
      if (data === '[DONE]') continue
      let parsed: unknown
      try {
        parsed = JSON.parse(data)
      } catch {
        continue
      }
      const t = tokenText(parsed)
      if ((parsed as { choices?: unknown[] } | null)?.choices?.length) {
        sawChoices = true
        finish = t.finish
      }
      tally.add(t.text)
    }
    if (last) finishUp()
    return out
  }
}

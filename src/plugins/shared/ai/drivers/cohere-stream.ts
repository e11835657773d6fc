/**
 * Cohere's streamed answer (JSON lines) as OpenAI chunks (Kong's cohere
 * driver, `stream/<route_type>`): `stream-start` opens the answer with the
 * generation id, each `text-generation` is a token (a chat delta, or a
 * completion's text), `stream-end` ends the stream with the billed tokens
 * (else the response's token_count); other events send nothing.
 */
import type { AiModel, RouteType } from '../schema.js'
import { parseData } from './stream.js'
import type { StreamTranslator } from './types.js'

type Event = {
  event_type?: unknown
  generation_id?: unknown
  text?: unknown
  response?: {
    meta?: { billed_units?: { input_tokens?: unknown; output_tokens?: unknown } }
    token_count?: { prompt_tokens?: unknown; response_tokens?: unknown }
  }
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined)

export function cohereStream(model: AiModel, routeType: Exclude<RouteType, 'preserve'>): StreamTranslator {
  const name = model.name
  let id: unknown
  return (e) => {
    // Empty messages (a stray blank line) are dropped.
    if (e.data === undefined || e.data === '') return undefined
    const ev = parseData(e.data) as Event | undefined
    if (typeof ev !== 'object' || ev === null)
      return { error: `transformation failed from type cohere://stream/${routeType}: failed to decode event frame from cohere` }
    switch (ev.event_type) {
      case 'stream-start':
        id = ev.generation_id
        return {
          data: JSON.stringify({
            choices: [{ delta: { content: '', role: 'assistant' }, index: 0 }],
            id: ev.generation_id,
            model: name,
            object: 'chat.completion.chunk',
          }),
        }
      case 'text-generation': {
        const text = typeof ev.text === 'string' ? ev.text : ''
        const choice =
          routeType === 'llm/v1/chat'
            ? { delta: { content: text }, index: 0, finish_reason: null, logprobs: null }
            : { text, index: 0, finish_reason: null, logprobs: null }
        return {
          data: JSON.stringify({ choices: [choice], id, model: name, object: routeType === 'llm/v1/chat' ? 'chat.completion.chunk' : 'text_completion' }),
        }
      }
      case 'stream-end': {
        const r = ev.response
        const billed = r?.meta?.billed_units
        return {
          data: '[DONE]',
          usage: {
            completionTokens: num(billed?.output_tokens) ?? num(r?.token_count?.response_tokens) ?? 0,
            promptTokens: num(billed?.input_tokens) ?? num(r?.token_count?.prompt_tokens) ?? 0,
          },
        }
      }
      default:
        return undefined
    }
  }
}

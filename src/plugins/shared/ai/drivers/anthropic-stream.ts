/**
 * Claude's streamed Messages answer as OpenAI chunks (Kong's anthropic
 * driver, `stream/llm/v1/chat`): `message_start` opens the answer (its id,
 * the role, the prompt and first output tokens), `content_block_start` and
 * each `content_block_delta` carry text (a tool-use block or a JSON input
 * delta carries none: Kong sends an empty content), `message_delta` only
 * reports output tokens, `message_stop` ends the stream; `ping` and
 * `content_block_stop` send nothing. The configured model names the chunks.
 * Kong has no stream transformer for completions: every event is an error.
 */
import type { AiModel, RouteType } from '../schema.js'
import { noStreamTransformer, parseData } from './stream.js'
import type { StreamFrame, StreamTranslator } from './types.js'

type Data = {
  message?: { id?: unknown; role?: unknown; usage?: { input_tokens?: unknown; output_tokens?: unknown } }
  delta?: { text?: unknown }
  content_block?: unknown
  usage?: { output_tokens?: unknown }
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined)
const FAILED = 'transformation failed from type anthropic://stream/llm/v1/chat: '

export function anthropicStream(model: AiModel, routeType: Exclude<RouteType, 'preserve'>): StreamTranslator {
  if (routeType !== 'llm/v1/chat') return noStreamTransformer('anthropic', routeType)
  const name = model.name
  /** The message id from message_start, which later chunks carry. */
  let id: unknown
  const delta = (d: Data): StreamFrame => {
    const text = d.delta?.text
    const content = text !== undefined && text !== null ? text : ''
    return {
      data: JSON.stringify({
        choices: [{ delta: { content }, index: 0, finish_reason: null, logprobs: null }],
        id,
        model: name,
        object: 'chat.completion.chunk',
      }),
    }
  }
  return (e) => {
    const d = parseData(e.data) as Data | undefined
    if (e.event === undefined || typeof d !== 'object' || d === null)
      return { error: `${FAILED}transformation to stream event failed or empty stream event received` }
    switch (e.event) {
      case 'message_start': {
        const m = d.message
        if (typeof m !== 'object' || m === null) return { error: `${FAILED}message_start is missing the metadata block` }
        id = m.id
        return {
          data: JSON.stringify({
            choices: [{ delta: { content: '', role: m.role }, index: 0, logprobs: null }],
            id: m.id,
            model: name,
            object: 'chat.completion.chunk',
            system_fingerprint: null,
          }),
          usage: { promptTokens: num(m.usage?.input_tokens) ?? 0, completionTokens: num(m.usage?.output_tokens) ?? 0 },
        }
      }
      case 'message_delta':
        if (typeof d.usage !== 'object' || d.usage === null) return { error: `${FAILED}message_delta is missing the metadata block` }
        return { usage: { completionTokens: num(d.usage.output_tokens) ?? 0 } }
      case 'content_block_start':
      case 'content_block_delta':
        return delta(d)
      case 'message_stop':
        return { data: '[DONE]' }
      default:
        return undefined
    }
  }
}

/**
 * Ollama's streamed answer (JSON lines) as OpenAI chunks (Kong's from_ollama
 * for `stream/<route_type>`): each line's message content or response text,
 * and the `done` line ends the stream with its eval counts as the tokens.
 */
import type { RouteType } from '../schema.js'
import { parseData } from './stream.js'
import type { StreamTranslator } from './types.js'

type Line = { done?: unknown; model?: unknown; message?: { content?: unknown }; response?: unknown; prompt_eval_count?: unknown; eval_count?: unknown }

const count = (v: unknown) => (typeof v === 'number' ? v : 0)

export function ollamaStream(provider: string, routeType: Exclude<RouteType, 'preserve'>): StreamTranslator {
  return (e) => {
    const t = parseData(e.data) as Line | undefined
    if (typeof t !== 'object' || t === null)
      return { error: `transformation failed from type ${provider}://stream/${routeType}: failed to decode ollama response` }
    if (t.done) return { data: '[DONE]', usage: { promptTokens: count(t.prompt_eval_count), completionTokens: count(t.eval_count) } }
    if (routeType === 'llm/v1/chat') {
      const content = t.message?.content
      return {
        data: JSON.stringify({
          choices: [{ delta: { content: content === undefined || content === null ? '' : content }, index: 0 }],
          model: t.model,
          object: 'chat.completion.chunk',
        }),
      }
    }
    const text = t.response
    return {
      data: JSON.stringify({ choices: [{ text: text === undefined || text === null ? '' : text, index: 0 }], model: t.model, object: 'text_completion' }),
    }
  }
}

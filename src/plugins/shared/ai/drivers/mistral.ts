/** The Mistral driver (kong/llm/drivers/mistral.lua): OpenAI's format, or Ollama's (`mistral_format`). */
import { fromOllama, toOllama } from './ollama.js'
import { openaiAnswer, openaiBody } from './openai.js'
import type { Driver } from './types.js'
import { endpointOf } from './url.js'
import { ollamaStream } from './ollama-stream.js'
import { passThrough } from './stream.js'

export const mistral: Driver = {
  provider: 'mistral',
  countsTokens: false,
  clearHeaders: ['set-cookie'],
  toFormat(b, model, routeType) {
    if (model.options?.mistral_format === 'openai') return openaiBody(b, model)
    const out = toOllama(b, model)
    return 'error' in out ? { error: `error transforming to mistral://${routeType}` } : out
  },
  fromFormat(raw, model, routeType) {
    if (model.options?.mistral_format === 'openai') return openaiAnswer('mistral', raw, routeType)
    const out = fromOllama(raw, model, routeType)
    // Kong names a `mistral_version` option that does not exist: its message says nil.
    return 'error' in out ? { error: `transformation failed from type mistral://${routeType}/nil: ${out.error}` } : out
  },
  streamTranslator: (model, routeType) => (model.options?.mistral_format === 'openai' ? passThrough : ollamaStream('mistral', routeType)),
  endpoint(model, routeType) {
    const o = model.options
    if (o?.upstream_url !== undefined) return endpointOf(o.upstream_url)
    return endpointOf('https://api.mistral.ai:443', o?.upstream_path ?? (routeType === 'llm/v1/chat' ? 'v1/chat/completions' : '/'))
  },
}

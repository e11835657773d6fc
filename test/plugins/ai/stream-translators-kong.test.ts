// Each driver's stream translator (Kong's from_format with `stream/<route_type>`): the real
// provider frames of Kong's unit spec (spec/03-plugins/38-ai-proxy/01-unit_spec.lua:772,
// fixtures unit/real-stream-frames), framed and translated, give Kong's expected choices;
// then each driver's events, shapes and token counts as its Kong driver writes them.
import t from 'tap'
import { DRIVERS } from '../../../src/plugins/shared/ai/drivers/index.js'
import { passThrough } from '../../../src/plugins/shared/ai/drivers/stream.js'
import type { StreamEvent, StreamTranslator } from '../../../src/plugins/shared/ai/drivers/types.js'
import type { AiModel, Provider } from '../../../src/plugins/shared/ai/schema.js'
import { framerFor } from '../../../src/plugins/shared/ai/stream-frames.js'
import { fixture } from './openai-standin.js'

type Route = 'llm/v1/chat' | 'llm/v1/completions'
const translator = (provider: Provider, route: Route, model: Partial<AiModel> = {}): StreamTranslator => {
  const m = { provider, name: 'm', ...model } as AiModel
  return DRIVERS[provider]!.streamTranslator?.(m, route) ?? passThrough
}

// spec/03-plugins/38-ai-proxy/01-unit_spec.lua:447 expected_stream_choices
const EXPECTED = {
  'llm/v1/chat': [{ delta: { content: 'the answer' }, finish_reason: null, index: 0, logprobs: null }],
  'llm/v1/completions': [{ text: 'the answer', finish_reason: null, index: 0, logprobs: null }],
}

t.test('real stream frames, translated (Kong fixtures)', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:424 STREAMS
  const cases: [Provider, Route, string][] = [
    ['openai', 'llm/v1/chat', 'gpt-4'],
    ['openai', 'llm/v1/completions', 'gpt-3.5-turbo-instruct'],
    ['cohere', 'llm/v1/chat', 'command'],
    ['cohere', 'llm/v1/completions', 'command-light'],
  ]
  for (const [provider, route, name] of cases) {
    const f = framerFor('text/event-stream')!
    const raw = fixture(`unit/real-stream-frames/${provider}/${route.replaceAll('/', '-')}.txt`)
    const events = [...f.push(Buffer.from(raw)), ...f.end()]
    // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:789
    const frame = translator(provider, route, { name })(events[0]!)
    t.equal(frame?.error, undefined, `${provider} ${route}`)
    t.same(JSON.parse(frame!.data!).choices, EXPECTED[route], `${provider} ${route}`)
  }
})

t.test('openai and azure, and mistral/llama2 in the openai format: events pass as they came', async (t) => {
  const e: StreamEvent = { data: '{"choices":[{"delta":{"content":"x"}}]}' }
  for (const [p, options] of [
    ['openai', {}],
    ['azure', {}],
    ['mistral', { mistral_format: 'openai' }],
    ['llama2', { llama2_format: 'openai' }],
  ] as const) {
    t.same(translator(p, 'llm/v1/chat', { options } as Partial<AiModel>)(e), { data: e.data }, p)
  }
  t.same(passThrough({ data: '[DONE]' }), { data: '[DONE]' })
  t.equal(passThrough({ event: 'x' }), undefined, 'an event without data sends nothing')
})

t.test('anthropic: each event of a Messages stream', async (t) => {
  const tr = translator('anthropic', 'llm/v1/chat', { name: 'claude-2.1' })
  const ev = (event: string, data: unknown) => tr({ event, data: JSON.stringify(data) })
  const start = ev('message_start', { type: 'message_start', message: { id: 'msg_1', role: 'assistant', usage: { input_tokens: 15, output_tokens: 1 } } })
  t.same(start?.usage, { promptTokens: 15, completionTokens: 1 })
  t.same(JSON.parse(start!.data!), {
    choices: [{ delta: { content: '', role: 'assistant' }, index: 0, logprobs: null }],
    id: 'msg_1',
    model: 'claude-2.1',
    object: 'chat.completion.chunk',
    system_fingerprint: null,
  })
  t.same(JSON.parse(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })!.data!).choices[0].delta, { content: '' })
  const d = JSON.parse(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'hi' } })!.data!)
  t.same(d, {
    choices: [{ delta: { content: 'hi' }, index: 0, finish_reason: null, logprobs: null }],
    id: 'msg_1',
    model: 'claude-2.1',
    object: 'chat.completion.chunk',
  })
  // A tool-use input delta has no text: Kong sends an empty content.
  t.same(JSON.parse(ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"a"' } })!.data!).choices[0].delta, {
    content: '',
  })
  t.equal(ev('ping', { type: 'ping' }), undefined)
  t.equal(ev('content_block_stop', { index: 0 }), undefined)
  t.same(ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } }), { usage: { completionTokens: 9 } })
  t.same(ev('message_stop', { type: 'message_stop' }), { data: '[DONE]' })
  t.match(tr({ data: '{}' })?.error, /empty stream event received/, 'an event without a name')
  t.match(ev('message_start', {})?.error, /message_start is missing the metadata block/)
  t.match(
    translator('anthropic', 'llm/v1/completions')({ event: 'completion', data: '{}' })?.error,
    /no transformer available from format anthropic:\/\/stream\/llm\/v1\/completions/,
  )
})

t.test('cohere: stream-start, text-generation, stream-end with its token counts', async (t) => {
  const chat = translator('cohere', 'llm/v1/chat', { name: 'command' })
  chat({ data: '{"event_type":"stream-start","generation_id":"g1"}' })
  t.same(JSON.parse(chat({ data: '{"event_type":"text-generation","text":"1"}' })!.data!), {
    choices: [{ delta: { content: '1' }, index: 0, finish_reason: null, logprobs: null }],
    id: 'g1',
    model: 'command',
    object: 'chat.completion.chunk',
  })
  t.same(chat({ data: '{"event_type":"stream-end","response":{"meta":{"billed_units":{"input_tokens":57,"output_tokens":123}}}}' }), {
    data: '[DONE]',
    usage: { completionTokens: 123, promptTokens: 57 },
  })
  t.same(chat({ data: '{"event_type":"stream-end","response":{"token_count":{"prompt_tokens":5,"response_tokens":6}}}' })?.usage, {
    completionTokens: 6,
    promptTokens: 5,
  })
  t.equal(chat({ data: '' }), undefined, 'an empty message is dropped')
  t.equal(chat({ data: '{"event_type":"search-results"}' }), undefined)
  const comp = translator('cohere', 'llm/v1/completions', { name: 'command' })
  t.same(JSON.parse(comp({ data: '{"event_type":"text-generation","text":"x"}' })!.data!), {
    choices: [{ text: 'x', index: 0, finish_reason: null, logprobs: null }],
    model: 'command',
    object: 'text_completion',
  })
})

t.test('ollama format (mistral, llama2): chunks, and done with the eval counts', async (t) => {
  for (const p of ['mistral', 'llama2'] as const) {
    const options = p === 'mistral' ? { mistral_format: 'ollama' } : { llama2_format: 'ollama' }
    const chat = translator(p, 'llm/v1/chat', { options } as Partial<AiModel>)
    t.same(JSON.parse(chat({ data: '{"model":"x","message":{"content":"hi"},"done":false}' })!.data!), {
      choices: [{ delta: { content: 'hi' }, index: 0 }],
      model: 'x',
      object: 'chat.completion.chunk',
    })
    t.same(chat({ data: '{"done":true,"prompt_eval_count":3,"eval_count":4}' }), { data: '[DONE]', usage: { promptTokens: 3, completionTokens: 4 } })
    t.match(chat({ data: 'nope' })?.error, /failed to decode ollama response/)
    const comp = translator(p, 'llm/v1/completions', { options } as Partial<AiModel>)
    t.same(JSON.parse(comp({ data: '{"model":"x","response":"hi","done":false}' })!.data!), {
      choices: [{ text: 'hi', index: 0 }],
      model: 'x',
      object: 'text_completion',
    })
  }
})

t.test("llama2's raw format: Kong has no stream transformer, every event is an error", async (t) => {
  const raw = translator('llama2', 'llm/v1/chat', { options: { llama2_format: 'raw' } } as Partial<AiModel>)
  t.match(raw({ data: '{"token":{"text":"x"}}' })?.error, /no transformer available from format llama2:\/\/stream\/llm\/v1\/chat\/raw/)
})

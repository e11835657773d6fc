// The Hugging Face driver's mapping, read from kong/llm/drivers/huggingface.lua (Kong's specs have no
// unit cases for it: spec/03-plugins/38-ai-proxy/01-unit_spec.lua has none): endpoints, the request's
// parameters, answers and their failures in Kong's words, and the streamed events.
import t from 'tap'
import { huggingface } from '../../../src/plugins/shared/ai/drivers/huggingface.js'
import type { AiModel } from '../../../src/plugins/shared/ai/schema.js'
import { fixture } from './openai-standin.js'

const MODEL: AiModel = { name: 'mistralai/Mistral-7B-Instruct-v0.2', provider: 'huggingface' }
const CHAT = 'llm/v1/chat'
const COMPLETIONS = 'llm/v1/completions'
/** Model options as the schema gives them (with its default). */
const options = (o: Record<string, unknown>) => ({ azure_api_version: '2023-05-15', ...o }) as NonNullable<AiModel['options']>

t.test('endpoints', async (t) => {
  // kong/llm/drivers/shared.lua:103 upstream_url_format; kong/llm/drivers/huggingface.lua:227-229
  t.match(huggingface.endpoint(MODEL, COMPLETIONS), {
    ok: { scheme: 'https', host: 'api-inference.huggingface.co', port: 443, path: '/models/mistralai/Mistral-7B-Instruct-v0.2', pathRule: 'fixed' },
  })
  t.match(huggingface.endpoint(MODEL, CHAT), { ok: { path: '/models/mistralai/Mistral-7B-Instruct-v0.2/v1/chat/completions' } })
  // preserve: the chat path too, and no client path (the driver does not call override_upstream_url)
  t.match(huggingface.endpoint(MODEL, 'preserve'), { ok: { path: '/models/mistralai/Mistral-7B-Instruct-v0.2/v1/chat/completions', pathRule: 'fixed' } })
  // upstream_url replaces the model URL; upstream_path is not read by this driver
  const own = { ...MODEL, options: options({ upstream_url: 'http://10.0.0.1:8080/tgi', upstream_path: '/ignored' }) }
  t.match(huggingface.endpoint(own, CHAT), { ok: { scheme: 'http', host: '10.0.0.1', port: 8080, path: '/tgi/v1/chat/completions' } })
  // kong/llm/drivers/huggingface.lua:259: a URL without a path sets none
  t.match(huggingface.endpoint({ ...MODEL, options: options({ upstream_url: 'http://10.0.0.1:8080' }) }, COMPLETIONS), { ok: { pathRule: 'routed' } })
  // kong/llm/drivers/huggingface.lua:239-257: nothing to build the URL from is Kong's 400 text
  const none = huggingface.endpoint({ provider: 'huggingface' }, 'preserve')
  t.match(none, { answer: { status: 400, body: 'Could not parse the Hugging Face model endponit' } })
})

t.test('request parameters', async (t) => {
  // kong/llm/drivers/huggingface.lua:84-110: sampling options into `parameters`, unless it has them
  const chat = huggingface.toFormat(
    { messages: [{ role: 'user', content: 'hi' }], top_k: 5, top_p: 0.5, temperature: 0.2, max_tokens: 10, parameters: { top_k: 9 } },
    MODEL,
    CHAT,
  )
  t.same(chat, {
    ok: {
      messages: [{ role: 'user', content: 'hi' }],
      parameters: { top_k: 9, top_p: 0.5, temperature: 0.2, max_length: 10 },
      options: { use_cache: false, wait_for_model: false },
      model: MODEL.name,
    },
  })
  // the config's options win (merge_config_defaults); huggingface options as given
  const model: AiModel = { ...MODEL, options: options({ max_tokens: 7, huggingface: { use_cache: true } }) }
  t.same(huggingface.toFormat({ prompt: 'p', max_tokens: 99 }, model, COMPLETIONS), {
    ok: { inputs: 'p', parameters: { max_new_tokens: 7 }, options: { use_cache: true, wait_for_model: false }, model: MODEL.name },
  })
  // :99: the request's max_tokens replaces the client's max_length, even when it has none
  t.same(huggingface.toFormat({ messages: [{ role: 'user', content: 'hi' }], parameters: { max_length: 3 } }, MODEL, CHAT), {
    ok: { messages: [{ role: 'user', content: 'hi' }], parameters: {}, options: { use_cache: false, wait_for_model: false }, model: MODEL.name },
  })
  // a `parameters` Lua cannot index is Kong's transformation error
  t.same(huggingface.toFormat({ prompt: 'p', parameters: 'x' }, MODEL, COMPLETIONS), { error: 'error transforming to huggingface://llm/v1/completions' })
  t.same(huggingface.toFormat({ prompt: 'p', parameters: null }, MODEL, COMPLETIONS), { error: 'error transforming to huggingface://llm/v1/completions' })
})

t.test('answers', async (t) => {
  const map = (raw: string, route = CHAT): any => {
    const r = huggingface.fromFormat(raw, MODEL, route as typeof CHAT)
    return 'ok' in r ? { ok: JSON.parse(r.ok) } : r
  }
  // kong/llm/drivers/huggingface.lua:40-46: a text generation's first text, object the route type
  t.same(map(fixture('huggingface/llm-v1-completions/responses/good.json'), COMPLETIONS), {
    ok: {
      model: MODEL.name,
      object: COMPLETIONS,
      choices: [{ message: { content: 'I am a language model AI created by Mistral AI' }, index: 0, finish_reason: 'complete' }],
      usage: {},
    },
  })
  // :47-55: every choice, in order; a choice without a message has empty content
  t.same(map('{"choices":[{"message":{"content":"a"}},{"x":1}]}').ok.choices, [
    { message: { content: 'a' }, index: 0, finish_reason: 'complete' },
    { message: { content: '' }, index: 1, finish_reason: 'complete' },
  ])
  // :24-28: an error in a 200 answer
  const prefix = 'transformation failed from type huggingface://llm/v1/chat: '
  t.same(map(chatError('Model is overloaded')), { error: `${prefix}API error: Model is overloaded` })
  t.same(map('{"message":"Failed to deserialize"}'), { error: `${prefix}API error: Failed to deserialize` })
  // :18-21, :56-58 and the pcall around them
  t.same(map('not json'), { error: `${prefix}Failed to decode response` })
  t.same(map('{"id":"x"}'), { error: `${prefix}Invalid response format` })
  t.same(map('{"error":{"message":"nested"}}'), { error: `${prefix}unexpected_error` })
  t.same(map('null'), { error: `${prefix}unexpected_error` })
  t.same(map('"text"'), { error: `${prefix}unexpected_error` })
  // an empty Lua table is written as an object
  t.same(map('{"choices":[]}').ok.choices, {})
})

const chatError = (message: string) => JSON.stringify({ error: message })

t.test('streamed events', async (t) => {
  // kong/llm/drivers/huggingface.lua:137-179
  const chat = huggingface.streamTranslator!(MODEL, CHAT)
  const tgi = { object: 'chat.completion.chunk', model: 'tgi', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] }
  t.same(JSON.parse(chat({ data: JSON.stringify(tgi) })!.data!), {
    choices: [{ delta: { content: 'Hel', role: 'assistant' }, index: 0 }],
    model: 'tgi',
    object: 'chat.completion.chunk',
  })
  t.same(JSON.parse(chat({ data: '{"choices":[]}' })!.data!).choices[0].delta.content, '')
  t.same(JSON.parse(chat({ data: '{"choices":[]}' })!.data!).model, MODEL.name)
  // empty events, `[DONE]` and anything not JSON are dropped (Kong's decode fails on `[DONE]` too)
  t.equal(chat({ data: '' }), undefined)
  t.equal(chat({ event: 'ping' }), undefined)
  t.equal(chat({ data: '[DONE]' }), undefined)
  t.equal(chat({ data: '5' }), undefined)
  const generation = huggingface.streamTranslator!(MODEL, COMPLETIONS)
  const token = { index: 1, token: { id: 1, text: ' am', logprob: -0.1, special: false }, generated_text: null, details: null }
  t.same(JSON.parse(generation({ data: JSON.stringify(token) })!.data!), {
    choices: [{ text: ' am', index: 0 }],
    model: MODEL.name,
    object: 'text_completion',
  })
})

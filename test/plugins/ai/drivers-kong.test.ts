// Kong's driver format tests (spec/03-plugins/38-ai-proxy/01-unit_spec.lua:668): the same OpenAI
// request through each driver must give Kong's expected provider request, and each provider's real
// answer must come back as Kong's expected OpenAI answer. Fixtures are Kong's (unit/).
import t from 'tap'
import { DRIVERS } from '../../../src/plugins/shared/ai/drivers/index.js'
import { estimateTokens, incompatibility } from '../../../src/plugins/shared/ai/request.js'
import type { AiModel, Provider } from '../../../src/plugins/shared/ai/schema.js'
import { fixture } from './openai-standin.js'

type Route = 'llm/v1/chat' | 'llm/v1/completions'
interface Case {
  provider: Provider
  /** The fixture folder under the provider (llama2 and mistral formats). */
  sub?: string
  route: Route
  model: AiModel
}

// spec/03-plugins/38-ai-proxy/01-unit_spec.lua:215 FORMATS (the providers with a driver here)
const CASES: Case[] = [
  {
    provider: 'openai',
    route: 'llm/v1/chat',
    model: { name: 'gpt-4', provider: 'openai', options: { max_tokens: 512, temperature: 0.5, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'openai',
    route: 'llm/v1/completions',
    model: { name: 'gpt-3.5-turbo-instruct', provider: 'openai', options: { max_tokens: 512, temperature: 0.5, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'azure',
    route: 'llm/v1/chat',
    model: { name: 'gpt-4', provider: 'azure', options: { max_tokens: 512, temperature: 0.5, top_p: 1.0, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'azure',
    route: 'llm/v1/completions',
    model: { name: 'gpt-3.5-turbo-instruct', provider: 'azure', options: { max_tokens: 512, temperature: 0.5, top_p: 1.0, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'anthropic',
    route: 'llm/v1/chat',
    model: { name: 'claude-2.1', provider: 'anthropic', options: { max_tokens: 512, temperature: 0.5, top_p: 1.0, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'anthropic',
    route: 'llm/v1/completions',
    model: { name: 'claude-2.1', provider: 'anthropic', options: { max_tokens: 512, temperature: 0.5, top_p: 1.0, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'cohere',
    route: 'llm/v1/chat',
    model: { name: 'command', provider: 'cohere', options: { max_tokens: 512, temperature: 0.5, top_p: 1.0, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'cohere',
    route: 'llm/v1/completions',
    model: { name: 'command', provider: 'cohere', options: { max_tokens: 512, temperature: 0.5, top_p: 0.75, top_k: 5, azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'llama2',
    sub: 'raw',
    route: 'llm/v1/chat',
    model: {
      name: 'llama2',
      provider: 'llama2',
      options: { max_tokens: 512, temperature: 0.5, llama2_format: 'raw', top_p: 1, top_k: 40, azure_api_version: '2023-05-15' },
    },
  },
  {
    provider: 'llama2',
    sub: 'raw',
    route: 'llm/v1/completions',
    model: { name: 'llama2', provider: 'llama2', options: { max_tokens: 512, temperature: 0.5, llama2_format: 'raw', azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'llama2',
    sub: 'ollama',
    route: 'llm/v1/chat',
    model: { name: 'llama2', provider: 'llama2', options: { max_tokens: 512, temperature: 0.5, llama2_format: 'ollama', azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'llama2',
    sub: 'ollama',
    route: 'llm/v1/completions',
    model: { name: 'llama2', provider: 'llama2', options: { max_tokens: 512, temperature: 0.5, llama2_format: 'ollama', azure_api_version: '2023-05-15' } },
  },
  {
    provider: 'mistral',
    sub: 'openai',
    route: 'llm/v1/chat',
    model: {
      name: 'mistral-tiny',
      provider: 'mistral',
      options: { max_tokens: 512, temperature: 0.5, mistral_format: 'openai', azure_api_version: '2023-05-15' },
    },
  },
  {
    provider: 'mistral',
    sub: 'ollama',
    route: 'llm/v1/chat',
    model: {
      name: 'mistral-tiny',
      provider: 'mistral',
      options: { max_tokens: 512, temperature: 0.5, mistral_format: 'ollama', azure_api_version: '2023-05-15' },
    },
  },
]

const file = (route: Route) => route.replace(/\//g, '-')
const json = (path: string): any => JSON.parse(fixture(path))

for (const c of CASES) {
  const where = `${c.provider}${c.sub ? `/${c.sub}` : ''}/${file(c.route)}.json`
  t.test(`${c.provider}${c.sub ? ` ${c.sub}` : ''} ${c.route}`, async (t) => {
    const driver = DRIVERS[c.provider]!
    // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:684
    const out = driver.toFormat(json(`unit/requests/${file(c.route)}.json`), c.model, c.route)
    if (!('ok' in out)) return t.fail(out.error)
    t.same(JSON.parse(JSON.stringify(out.ok)), json(`unit/expected-requests/${where}`), 'converts to provider request format correctly')
    // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:722
    const back = driver.fromFormat(fixture(`unit/real-responses/${where}`), c.model, c.route)
    if (!('ok' in back)) return t.fail(back.error)
    const got = JSON.parse(back.ok)
    const expected = json(`unit/expected-responses/${where}`)
    t.same(got.choices[0].message, expected.choices[0].message, 'converts from provider response format correctly')
    // Not in Kong's spec (which compares only messages): anthropic's completion text and stop reason as its fixture has them.
    if (c.provider === 'anthropic') t.same(got.choices[0], expected.choices[0], 'the whole choice')
    // Cohere's generate answer: the whole choice, id and billed tokens as Kong's fixture has them (its chat fixture's
    // usage is Cohere's token_count, which Kong's chat mapping does not read, so only the id is compared there).
    if (c.provider === 'cohere' && c.route === 'llm/v1/completions') {
      t.same(got.choices[0], expected.choices[0], 'the whole choice')
      t.same(got.usage, expected.usage, 'billed tokens as usage')
    }
    if (c.provider === 'cohere') t.equal(got.id, expected.id)
    t.same(got.model, expected.model)
  })
}

t.test('message format compatibility', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:642, :649, :656, :663
  const chat = json('unit/requests/llm-v1-chat.json')
  t.equal(incompatibility(chat, 'llm/v1/chat'), undefined)
  t.equal(incompatibility(chat, 'llm/v1/completions'), '[llm/v1/chat] message format is not compatible with [llm/v1/completions] route type')
  const both = { ...chat, prompt: 'hi' }
  t.equal(incompatibility(both, 'llm/v1/chat'), 'request matches multiple LLM request formats')
  t.equal(incompatibility(both, 'llm/v1/completions'), 'request matches multiple LLM request formats')
})

t.test('count_words', async (t) => {
  // spec/03-plugins/38-ai-proxy/01-unit_spec.lua:998 and :1002, through calculate_cost
  t.equal(estimateTokens({ prompt: 'This is a test' }, 1), 4)
  t.equal(estimateTokens({ prompt: 'This is a test' }, 1.8), 7, 'rounded as Kong rounds')
  const multi = {
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'This is a test' },
          { type: 'image_url', image_url: { url: 'x' } },
        ],
      },
    ],
  }
  t.equal(estimateTokens(multi, 1), 4, 'only the text parts of multi-modal content')
  t.equal(estimateTokens({ prompt: [1, 2, [3, 4]] }, 1), 4, 'token arrays count one each')
  t.equal(estimateTokens({ prompt: [{}] }, 1), undefined, 'an invalid prompt')
})

t.test('an unreadable llama2 answer', async (t) => {
  const d = DRIVERS.llama2!
  const model: AiModel = { provider: 'llama2', options: { llama2_format: 'raw', azure_api_version: '2023-05-15' } }
  t.same(d.fromFormat('not json', model, 'llm/v1/chat'), { error: 'transformation failed from type llama2://llm/v1/chat: failed to decode llama2 response' })
  t.same(d.fromFormat('{"data":[]}', model, 'llm/v1/chat'), {
    error: 'transformation failed from type llama2://llm/v1/chat: response data is empty from llama2 endpoint',
  })
})

t.test('anthropic mapping details', async (t) => {
  const d = DRIVERS.anthropic!
  const model: AiModel = { name: 'claude-3', provider: 'anthropic', options: { anthropic_version: '2023-06-01', azure_api_version: '2023-05-15' } }
  // kong/llm/drivers/shared.lua operation_map.anthropic: the default endpoint per route type
  t.same(d.endpoint(model, 'llm/v1/chat'), { ok: { scheme: 'https', host: 'api.anthropic.com', port: 443, path: '/v1/messages' } })
  t.same(d.endpoint(model, 'llm/v1/completions'), { ok: { scheme: 'https', host: 'api.anthropic.com', port: 443, path: '/v1/complete' } })
  t.same(d.headers?.(model), { 'anthropic-version': '2023-06-01' })
  // kong/llm/drivers/anthropic.lua: an assistant's tool calls become tool_use blocks, tool results the user's tool_result
  const out = d.toFormat(
    {
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
    },
    model,
    'llm/v1/chat',
  )
  if (!('ok' in out)) return t.fail(out.error)
  t.same(out.ok.messages, [
    { role: 'user', content: 'weather?' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'weather', input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'sunny' }] },
  ])
  t.equal(out.ok.system, undefined, 'no system prompt, none sent')
  // ...and Claude's tool_use blocks come back as OpenAI tool calls, text blocks joined by newlines
  const back = d.fromFormat(
    JSON.stringify({
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Paris' } },
        { type: 'text', text: 'Done.' },
      ],
      stop_reason: 'tool_use',
      model: 'claude-3',
      usage: { input_tokens: 3, output_tokens: 4 },
    }),
    model,
    'llm/v1/chat',
  )
  if (!('ok' in back)) return t.fail(back.error)
  t.same(JSON.parse(back.ok), {
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Let me check.\nDone.',
          tool_calls: [{ id: 't1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
        },
        finish_reason: 'tool_use',
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    model: 'claude-3',
    object: 'chat.completion',
  })
  t.same(d.fromFormat('not json', model, 'llm/v1/chat'), {
    error: 'transformation failed from type anthropic://llm/v1/chat: failed to decode anthropic response',
  })
  t.same(d.fromFormat('{"error":{}}', model, 'llm/v1/completions'), {
    error: "transformation failed from type anthropic://llm/v1/completions: 'completion' not in anthropic://llm/v1/chat response",
  })
  t.same(d.toFormat({ messages: ['not a message'] }, model, 'llm/v1/chat'), { error: 'error transforming to anthropic://llm/v1/chat' })
})

t.test('cohere mapping details', async (t) => {
  const d = DRIVERS.cohere!
  const model: AiModel = { name: 'command', provider: 'cohere', options: { azure_api_version: '2023-05-15' } }
  // kong/llm/drivers/shared.lua operation_map.cohere: the default endpoint per route type
  t.same(d.endpoint(model, 'llm/v1/chat'), { ok: { scheme: 'https', host: 'api.cohere.com', port: 443, path: '/v1/chat' } })
  t.same(d.endpoint(model, 'llm/v1/completions'), { ok: { scheme: 'https', host: 'api.cohere.com', port: 443, path: '/v1/generate' } })
  // kong/llm/drivers/cohere.lua to_format: a request with tools goes in OpenAI's format
  const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }]
  const out = d.toFormat({ messages: [{ role: 'user', content: 'hi' }], tools }, model, 'llm/v1/chat')
  t.same(out, { ok: { messages: [{ role: 'user', content: 'hi' }], tools, model: 'command', stream: false } })
  // a single message has no chat_history
  t.same(d.toFormat({ messages: [{ role: 'user', content: 'hi' }] }, model, 'llm/v1/chat'), { ok: { message: 'hi', model: 'command', stream: false } })
  // Cohere's v2 chat answer: the tool plan as content, its tool calls and finish reason, usage from billed units
  const v2 = d.fromFormat(
    JSON.stringify({
      id: 'x1',
      finish_reason: 'TOOL_CALL',
      message: { role: 'assistant', tool_plan: 'I will call f.', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      usage: { billed_units: { input_tokens: 5, output_tokens: 6 } },
    }),
    model,
    'llm/v1/chat',
  )
  if (!('ok' in v2)) return t.fail(v2.error)
  t.same(JSON.parse(v2.ok), {
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'I will call f.', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        finish_reason: 'TOOL_CALL',
      },
    ],
    object: 'chat.completion',
    model: 'command',
    id: 'x1',
    usage: { completion_tokens: 6, prompt_tokens: 5, total_tokens: 11 },
  })
  t.same(d.fromFormat('not json', model, 'llm/v1/chat'), { error: 'transformation failed from type cohere://llm/v1/chat: failed to decode cohere response' })
  // The completions route reads billed_units without a check: Kong's pcall turns the error into its message.
  t.same(d.fromFormat('{"prompt":"p","generations":[],"meta":{}}', model, 'llm/v1/completions'), {
    error: 'transformation failed from type cohere://llm/v1/completions: unexpected_error',
  })
})

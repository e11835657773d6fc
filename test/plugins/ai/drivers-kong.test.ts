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

// Kong's ai-request-transformer "exact json response" cases for anthropic, cohere and huggingface
// (spec/03-plugins/39-ai-request-transformer/01-transformer_spec.lua:242) through a real gateway,
// a real echo upstream and a stand-in LLM that checks each provider's credential and path and
// answers with Kong's request-transformer fixtures in the provider's own format.
import t from 'tap'
import { stringify } from 'yaml'
import { pluginGateway } from '../../helpers/plugin-gateway.js'
import { fixture } from './openai-standin.js'
import { providerStandIn } from './provider-standin.js'

const SYSTEM_PROMPT = 'You are a mathematician. Multiply all numbers in my JSON request, by 2.'
const REQUEST_BODY = JSON.stringify({
  persons: [
    { name: 'Kong A', age: 31 },
    { name: 'Kong B', age: 42 },
  ],
})

const llm = await providerStandIn(t, (s) => {
  if (s.path === '/v1/messages') {
    if (s.headers['x-api-key'] !== 'anthropic-key') return { status: 401, body: fixture('anthropic/llm-v1-chat/responses/unauthorized.json') }
    if (s.headers['anthropic-version'] !== '2023-06-01' || !Array.isArray(s.json?.messages) || typeof s.json?.max_tokens !== 'number')
      return { status: 400, body: fixture('anthropic/llm-v1-chat/responses/bad_request.json') }
    return { status: 200, body: fixture('anthropic/request-transformer/response-in-json.json') }
  }
  if (s.path === '/v1/chat') {
    if (s.headers.authorization !== 'Bearer cohere-key') return { status: 401, body: fixture('cohere/llm-v1-chat/responses/unauthorized.json') }
    if (typeof s.json?.message !== 'string') return { status: 400, body: fixture('cohere/llm-v1-chat/responses/bad_request.json') }
    return { status: 200, body: fixture('cohere/request-transformer/response-in-json.json') }
  }
  if (s.path === '/hf/v1/chat/completions') {
    if (s.headers.authorization !== 'Bearer huggingface-key') return { status: 401, body: fixture('huggingface/llm-v1-chat/responses/unauthorized.json') }
    if (!Array.isArray(s.json?.messages)) return { status: 400, body: fixture('huggingface/llm-v1-chat/responses/bad_request.json') }
    // Hugging Face's chat answers in OpenAI's shape: the OpenAI fixture's answer.
    return { status: 200, body: fixture('openai/request-transformer/response-in-json.json') }
  }
  return { status: 404, body: '{}' }
})

const llmConfig = {
  anthropic: {
    route_type: 'llm/v1/chat',
    model: {
      name: 'claude-2.1',
      provider: 'anthropic',
      options: { max_tokens: 512, temperature: 0.5, upstream_url: `${llm.url}/v1/messages`, anthropic_version: '2023-06-01' },
    },
    auth: { header_name: 'x-api-key', header_value: 'anthropic-key' },
  },
  cohere: {
    route_type: 'llm/v1/chat',
    model: { name: 'command', provider: 'cohere', options: { max_tokens: 512, temperature: 0.5, upstream_url: `${llm.url}/v1/chat` } },
    auth: { header_name: 'Authorization', header_value: 'Bearer cohere-key' },
  },
  // Not in Kong's spec (Kong's transformers fail on huggingface: its subrequest reads a model it is not given).
  huggingface: {
    route_type: 'llm/v1/chat',
    model: { name: 'mistralai/Mistral-7B-Instruct-v0.2', provider: 'huggingface', options: { upstream_url: `${llm.url}/hf` } },
    auth: { header_name: 'Authorization', header_value: 'Bearer huggingface-key' },
  },
}

const g = await pluginGateway(
  t,
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'echo',
        url: '$UPSTREAM',
        routes: Object.entries(llmConfig).map(([name, config]) => ({
          name,
          paths: [`/${name}`],
          plugins: [{ name: 'ai-request-transformer', config: { prompt: SYSTEM_PROMPT, llm: config } }],
        })),
      },
    ],
  }),
)

for (const name of Object.keys(llmConfig)) {
  t.test(`${name} transformer tests, exact json response`, async (t) => {
    // spec/03-plugins/39-ai-request-transformer/01-transformer_spec.lua:243
    const r = await g.send(`/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: REQUEST_BODY })
    t.equal(r.status, 200)
    t.same(JSON.parse(r.reached!.body), {
      persons: [
        { name: 'Kong A', age: 62 },
        { name: 'Kong B', age: 84 },
      ],
    })
  })
}

t.test('the prompt reaches each provider in its own format', async (t) => {
  // kong/llm/drivers/anthropic.lua and cohere.lua to_format, on the transformer's chat
  const anthropic = llm.seen.find((s) => s.path === '/v1/messages')!
  t.equal(anthropic.json.system, SYSTEM_PROMPT)
  t.same(anthropic.json.messages, [{ role: 'user', content: REQUEST_BODY }])
  const cohere = llm.seen.find((s) => s.path === '/v1/chat')!
  t.same(cohere.json.chat_history, [{ role: 'USER', message: SYSTEM_PROMPT }])
  t.equal(cohere.json.message, REQUEST_BODY)
})

// Kong's Hugging Face integration spec (spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua)
// through a real gateway and a stand-in Hugging Face inference API on loopback, laid out as Kong's mock
// is (chat at <model URL>/v1/chat/completions, text generation at the model URL itself). The stand-in
// checks what the inference API checks — a POST, the Bearer token, `messages` for a chat and `inputs`
// for a text generation — and answers with Kong's fixtures. A model that is still loading answers 503
// unless the request's `options.wait_for_model` is true, as the inference API does. Unlike Kong's mock,
// the loading and timeout models check the token too, so those routes send the right one.
import t, { type Test } from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { fixture } from './openai-standin.js'
import { providerStandIn, type Seen } from './provider-standin.js'

const TOKEN = 'Bearer huggingface-key'
const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2'
const chatFixture = (name: string) => fixture(`huggingface/llm-v1-chat/responses/${name}`)
const generationFixture = (name: string) => fixture(`huggingface/llm-v1-completions/responses/${name}`)

const wellFormedChat = (b: any) =>
  Array.isArray(b?.messages) && b.messages.length > 0 && b.messages.every((m: any) => typeof m?.role === 'string' && typeof m?.content === 'string')

const api = await providerStandIn(t, (s: Seen) => {
  if (s.method !== 'POST') return { status: 405, body: '{"error":"Method Not Allowed"}' }
  const chat = s.path.endsWith('/v1/chat/completions')
  const model = chat ? s.path.slice(0, -'/v1/chat/completions'.length) : s.path
  if (s.headers.authorization !== TOKEN) return { status: 401, body: chat ? chatFixture('unauthorized.json') : generationFixture('unauthorized.json') }
  if (model === '/model-timeout' && chat) return { status: 504, body: chatFixture('bad_response_timeout.json') }
  if (model === '/model-loading' && chat && s.json?.options?.wait_for_model !== true) return { status: 503, body: chatFixture('bad_response_model_load.json') }
  if (chat) return wellFormedChat(s.json) ? { status: 200, body: chatFixture('good.json') } : { status: 400, body: chatFixture('bad_request.json') }
  if (model !== '/') return { status: 404, body: '{"error":"Model not found"}' }
  return typeof s.json?.inputs === 'string'
    ? { status: 200, body: generationFixture('good.json') }
    : { status: 400, body: generationFixture('bad_request.json') }
})

const config = (route: 'chat' | 'completions', extra: { path?: string; wait?: boolean; header?: [string, string]; allowOverride?: boolean } = {}) => ({
  route_type: `llm/v1/${route}`,
  auth: { header_name: extra.header?.[0] ?? 'Authorization', header_value: extra.header?.[1] ?? TOKEN, allow_override: extra.allowOverride ?? false },
  model: {
    name: MODEL,
    provider: 'huggingface',
    options: {
      max_tokens: 256,
      temperature: 1.0,
      huggingface: { use_cache: false, wait_for_model: extra.wait ?? true },
      upstream_url: `${api.url}${extra.path ?? ''}`,
    },
  },
})

const routes: [string, Record<string, unknown>][] = [
  // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:107
  ['/huggingface/llm/v1/chat/good', config('chat')],
  // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:137
  ['/huggingface/llm/v1/completions/good', config('completions')],
  // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:168
  ['/huggingface/llm/v1/chat/unauthorized', config('chat', { header: ['api-key', 'wrong-key'] })],
  // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:199
  ['/huggingface/llm/v1/completions/unauthorized', config('completions', { header: ['api-key', 'wrong-key'] })],
  // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:230
  ['/huggingface/llm/v1/chat/bad-response/model-loading', config('chat', { path: '/model-loading', wait: false })],
  // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:261
  ['/huggingface/llm/v1/chat/bad-response/model-timeout', config('chat', { path: '/model-timeout', wait: false })],
  // Not in Kong's spec: the same loading model, waited for.
  ['/huggingface/llm/v1/chat/wait-for-model', config('chat', { path: '/model-loading', wait: true })],
  ['/huggingface/llm/v1/chat/allow-override', config('chat', { allowOverride: true })],
  [
    '/huggingface/preserve',
    { route_type: 'preserve', auth: { header_name: 'Authorization', header_value: TOKEN }, model: { provider: 'huggingface', options: {} } },
  ],
]

const gw = await gateway(
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'empty_service',
        url: 'http://127.0.0.1:9',
        routes: routes.map(([path, cfg], i) => ({ name: `r${i}`, paths: [path], plugins: [{ name: 'ai-proxy', config: cfg }] })),
      },
    ],
  }),
)
t.teardown(() => gw.close())

const send = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetchRaw(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body })
const CHAT = fixture('huggingface/llm-v1-chat/requests/good.json')
const GENERATION = fixture('huggingface/llm-v1-completions/requests/good.json')
const ANSWER =
  ' The sum of 1 + 1 is 2. This is a basic arithmetic operation and the answer is always the same: adding one to one results in having two in total.'

function goodChat(t: Test, r: Awaited<ReturnType<typeof send>>) {
  t.equal(r.status, 200)
  const json = r.json<any>()
  t.equal(json.model, MODEL)
  t.equal(json.object, 'chat.completion')
  t.type(json.choices, Array)
  t.equal(json.choices[0].message.content, ANSWER)
}

t.test('huggingface llm/v1/chat', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:320
    const r = await send('/huggingface/llm/v1/chat/good', CHAT)
    goodChat(t, r)
    // kong/llm/drivers/huggingface.lua:30-55: the model, the answer's object and usage, each choice's content alone
    t.same(r.json<any>(), {
      model: MODEL,
      object: 'chat.completion',
      choices: [{ message: { content: ANSWER }, index: 0, finish_reason: 'complete' }],
      usage: { prompt_tokens: 26, completion_tokens: 40, total_tokens: 66 },
    })
    // kong/llm/drivers/huggingface.lua:84-123 and :227-229: what went upstream, and where
    const seen = api.last()
    t.equal(seen.path, '/v1/chat/completions')
    t.equal(seen.headers.authorization, TOKEN)
    t.same(seen.json, {
      messages: JSON.parse(CHAT).messages,
      stream: false,
      options: { use_cache: false, wait_for_model: true },
      parameters: { temperature: 1, max_length: 256 },
      model: MODEL,
    })
  })
  t.test('the huggingface options reach the inference API', async (t) => {
    // kong/llm/drivers/huggingface.lua:69-82 (options.wait_for_model), the inference API's loading answer
    goodChat(t, await send('/huggingface/llm/v1/chat/wait-for-model', CHAT))
    t.equal(api.last().path, '/model-loading/v1/chat/completions')
  })
  t.test("the configured token replaces the client's, whatever allow_override says", async (t) => {
    // kong/llm/drivers/huggingface.lua:265-270 (no allow_override check, unlike the other drivers)
    goodChat(t, await send('/huggingface/llm/v1/chat/allow-override', CHAT, { authorization: 'Bearer wrong' }))
    t.equal(api.last().headers.authorization, TOKEN)
  })
})

t.test('huggingface llm/v1/completions', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:346
    const r = await send('/huggingface/llm/v1/completions/good', GENERATION)
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.equal(json.model, MODEL)
    t.equal(json.object, 'llm/v1/completions')
    t.type(json.choices, Array)
    t.type(json.choices[0], Object)
    t.equal(json.choices[0].message.content, 'I am a language model AI created by Mistral AI')
    // kong/llm/drivers/huggingface.lua:115-117 and :259-261: the prompt as `inputs`, sent to the model URL
    // itself; an upstream_url without a path sets none, so the routed path (here `/`) is sent.
    const seen = api.last()
    t.equal(seen.path, '/')
    t.same(seen.json, {
      inputs: 'What are you?',
      options: { use_cache: false, wait_for_model: true },
      parameters: { temperature: 1, max_new_tokens: 256 },
      model: MODEL,
    })
  })
})

t.test('huggingface no auth', async (t) => {
  t.test('unauthorized request chat', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:369
    const r = await send('/huggingface/llm/v1/chat/unauthorized', CHAT)
    t.equal(r.status, 401)
    t.equal(r.json<any>().error, 'Authorization header is correct, but the token seems invalid')
    t.equal(api.last().headers['api-key'], 'wrong-key')
  })
  t.test('unauthorized request completions', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:382
    const r = await send('/huggingface/llm/v1/completions/unauthorized', GENERATION)
    t.equal(r.status, 401)
    t.equal(r.json<any>().error, 'Authorization header is correct, but the token seems invalid')
  })
})

t.test('huggingface bad request', async (t) => {
  t.test('bad chat request', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:397
    const before = api.seen.length
    const r = await send('/huggingface/llm/v1/chat/good', JSON.stringify({ messages: null }))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
    t.equal(api.seen.length, before, 'the inference API is not called')
  })
  t.test('bad completions request', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:410
    const before = api.seen.length
    const r = await send('/huggingface/llm/v1/completions/good', JSON.stringify({ prompt: null }))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
    t.equal(api.seen.length, before, 'the inference API is not called')
  })
})

t.test('huggingface bad response', async (t) => {
  t.test('bad chat response', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:425
    const r = await send('/huggingface/llm/v1/chat/bad-response/model-loading', CHAT)
    t.equal(r.status, 503)
    t.equal(r.json<any>().error, 'Model mistralai/Mistral-7B-Instruct-v0.2 is currently loading')
    t.equal(api.last().json.options.wait_for_model, false)
  })
  t.test('bad completions request', async (t) => {
    // spec/03-plugins/38-ai-proxy/10-huggingface_integration_spec.lua:438
    const r = await send('/huggingface/llm/v1/chat/bad-response/model-timeout', CHAT)
    t.equal(r.status, 504)
    t.equal(r.json<any>().error, 'Model mistralai/Mistral-7B-Instruct-v0.2 time out')
  })
})

t.test('preserve without a model to name in the URL', async (t) => {
  // kong/llm/drivers/huggingface.lua:231-258: no upstream_url and no model name is Kong's 400 text
  const before = api.seen.length
  const r = await send('/huggingface/preserve', '{"inputs":"hi"}')
  t.equal(r.status, 400)
  t.equal(r.body, 'Could not parse the Hugging Face model endponit')
  t.equal(api.seen.length, before)
})

// Kong's anthropic integration spec (spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua)
// through a real gateway and a stand-in Anthropic API on loopback. The stand-in checks what
// Anthropic's API checks — the x-api-key, an anthropic-version header, the operation's path
// (/v1/messages, /v1/complete) and its required body fields, no system role inside `messages` —
// and answers with Kong's fixtures. The path's first segment picks the fixture, as Kong's mock
// locations do.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { fetchRaw, gateway } from '../../helpers/gateway.js'
import { fixture } from './openai-standin.js'
import { providerStandIn, type Answer, type Seen } from './provider-standin.js'

const KEY = 'anthropic-key'
const chatFixture = (name: string) => fixture(`anthropic/llm-v1-chat/responses/${name}`)
const completionFixture = (name: string) => fixture(`anthropic/llm-v1-completions/responses/${name}`)
const invalid = (message: string): Answer => ({ status: 400, body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }) })

/** What Anthropic's Messages API refuses before answering. */
function messagesProblem(s: Seen): string | undefined {
  const b = s.json
  if (typeof b !== 'object' || b === null) return 'body: invalid JSON'
  if (typeof b.model !== 'string') return 'model: Field required'
  if (typeof b.max_tokens !== 'number') return 'max_tokens: Field required'
  if (!Array.isArray(b.messages)) return 'messages: Field required'
  for (const m of b.messages) if (m?.role !== 'user' && m?.role !== 'assistant') return `messages: Unexpected role "${String(m?.role)}"`
  if (b.system !== undefined && typeof b.system !== 'string' && !Array.isArray(b.system)) return 'system: Input should be a valid list'
  return undefined
}

/** What the Text Completions API refuses. */
function completeProblem(s: Seen): string | undefined {
  const b = s.json
  if (typeof b !== 'object' || b === null) return 'body: invalid JSON'
  if (typeof b.model !== 'string') return 'model: Field required'
  if (typeof b.max_tokens_to_sample !== 'number') return 'max_tokens_to_sample: Field required'
  if (typeof b.prompt !== 'string' || (!b.prompt.startsWith('\n\nHuman:') && !b.prompt.startsWith('Human:'))) return 'prompt: must start with "Human:"'
  if (!b.prompt.endsWith('Assistant:')) return 'prompt: must end with "Assistant:"'
  return undefined
}

const api = await providerStandIn(t, (s) => {
  const [, scenario, ...rest] = s.path.split('/')
  const op = `/${rest.join('/')}`
  if (scenario === 'internal_server_error') return { status: 500, body: chatFixture('internal_server_error.html'), type: 'text/html' }
  if (scenario === 'bad_request') return { status: 400, body: op === '/v1/complete' ? completionFixture('bad_request.json') : chatFixture('bad_request.json') }
  if (op !== '/v1/messages' && op !== '/v1/complete') return { status: 404, body: '{"type":"error","error":{"type":"not_found_error","message":"Not Found"}}' }
  if (s.headers['x-api-key'] !== KEY)
    return { status: 401, body: op === '/v1/complete' ? completionFixture('unauthorized.json') : chatFixture('unauthorized.json') }
  if (typeof s.headers['anthropic-version'] !== 'string') return invalid('anthropic-version: header is required')
  if (op === '/v1/complete') {
    const problem = completeProblem(s)
    return problem ? invalid(problem) : { status: 200, body: completionFixture('good.json') }
  }
  const problem = messagesProblem(s)
  if (problem) return invalid(problem)
  if (scenario === 'tool_choice') return { status: 200, body: chatFixture('good.json'), headers: { 'tool-choice': JSON.stringify(s.json.tool_choice ?? null) } }
  if (scenario === 'counted') {
    // Kong's good answer with token counts that are not zero, to see them mapped and logged.
    const good = JSON.parse(chatFixture('good.json'))
    good.usage = { input_tokens: 12, output_tokens: 7 }
    return { status: 200, body: JSON.stringify(good) }
  }
  const bodies: Record<string, string> = {
    good: 'good.json',
    bad_upstream_response: 'bad_upstream_response.json',
    no_usage_upstream_response: 'no_usage_response.json',
    malformed_usage_upstream_response: 'malformed_usage_response.json',
  }
  const name = bodies[scenario ?? '']
  return name ? { status: 200, body: chatFixture(name) } : { status: 404, body: '{}' }
})

const dir = mkdtempSync(join(tmpdir(), 'ai-proxy-anthropic-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const LOG = join(dir, 'stats.log')

const config = (route: 'chat' | 'completions', scenario: string, extra: Record<string, unknown> = {}) => ({
  route_type: `llm/v1/${route}`,
  auth: { header_name: 'x-api-key', header_value: KEY },
  model: {
    name: 'claude-2.1',
    provider: 'anthropic',
    options: {
      max_tokens: 256,
      temperature: 1.0,
      upstream_url: `${api.url}/${scenario}${route === 'chat' ? '/v1/messages' : '/v1/complete'}`,
      anthropic_version: '2023-06-01',
    },
  },
  ...(route === 'completions' ? { logging: { log_statistics: false } } : {}),
  ...extra,
})

const routes: [string, Record<string, unknown>, string?][] = [
  ['/anthropic/llm/v1/chat/good', config('chat', 'good', { auth: { header_name: 'x-api-key', header_value: KEY, allow_override: true } })],
  ['/anthropic/llm/v1/chat/good-no-allow-override', config('chat', 'good', { auth: { header_name: 'x-api-key', header_value: KEY, allow_override: false } })],
  ['/anthropic/llm/v1/chat/bad_upstream_response', config('chat', 'bad_upstream_response')],
  ['/anthropic/llm/v1/chat/no_usage_upstream_response', config('chat', 'no_usage_upstream_response')],
  ['/anthropic/llm/v1/chat/malformed_usage_upstream_response', config('chat', 'malformed_usage_upstream_response')],
  ['/anthropic/llm/v1/chat/tool_choice', config('chat', 'tool_choice')],
  ['/anthropic/llm/v1/chat/unauthorized', config('chat', 'good', { auth: { header_name: 'x-api-key', header_value: 'wrong-key' } })],
  ['/anthropic/llm/v1/chat/bad_request', config('chat', 'bad_request')],
  ['/anthropic/llm/v1/chat/internal_server_error', config('chat', 'internal_server_error')],
  ['/anthropic/llm/v1/chat/counted', config('chat', 'counted', { logging: { log_statistics: true } }), LOG],
  ['/anthropic/llm/v1/completions/good', config('completions', 'good')],
  ['/anthropic/llm/v1/completions/bad_request', config('completions', 'bad_request')],
]

const gw = await gateway(
  stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'empty_service',
        url: 'http://127.0.0.1:9',
        routes: routes.map(([path, cfg, log], i) => ({
          name: `r${i}`,
          paths: [path],
          plugins: [{ name: 'ai-proxy', config: cfg }, ...(log ? [{ name: 'file-log', config: { path: log } }] : [])],
        })),
      },
    ],
  }),
)
t.teardown(() => gw.close())

const send = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetchRaw(`${gw.url}${path}`, { method: 'GET', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body })
const CHAT = fixture('anthropic/llm-v1-chat/requests/good.json')
const ANSWER = { content: 'The sum of 1 + 1 is 2.', role: 'assistant' }

t.test('anthropic general', async (t) => {
  t.test('internal_server_error request', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:579
    const r = await send('/anthropic/llm/v1/chat/internal_server_error', CHAT)
    t.equal(r.status, 500)
    t.match(r.body, /<html>/, "the provider's page passes through untranslated")
  })
  t.test('unauthorized request', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:592
    const r = await send('/anthropic/llm/v1/chat/unauthorized', CHAT)
    t.equal(r.status, 401)
    t.equal(r.json<any>().error.type, 'authentication_error')
  })
})

t.test('anthropic llm/v1/chat', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:611
    const r = await send('/anthropic/llm/v1/chat/good', CHAT)
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.equal(json.model, 'claude-2.1')
    t.equal(json.object, 'chat.completion')
    t.equal(r.headers['x-kong-llm-model'], 'anthropic/claude-2.1')
    t.same(json.choices[0].message, ANSWER)
    t.equal(json.choices[0].finish_reason, 'end_turn', "Anthropic's stop reason")
    t.same(json.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })
    // kong/llm/drivers/anthropic.lua: what went upstream
    const seen = api.last()
    t.equal(seen.path, '/good/v1/messages')
    t.equal(seen.headers['anthropic-version'], '2023-06-01')
    t.equal(seen.headers['x-api-key'], KEY)
    t.same(seen.json, {
      messages: [{ role: 'user', content: 'What is 1 + 1?' }],
      system: 'You are a helpful assistant.',
      temperature: 1,
      max_tokens: 256,
      model: 'claude-2.1',
      stream: false,
    })
  })
  t.test('good request with client right header auth', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:637
    const r = await send('/anthropic/llm/v1/chat/good', CHAT, { 'x-api-key': KEY })
    t.equal(r.status, 200)
    t.same(r.json<any>().choices[0].message, ANSWER)
  })
  t.test('good request with client wrong header auth', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:664
    const r = await send('/anthropic/llm/v1/chat/good', CHAT, { 'x-api-key': 'wrong' })
    t.equal(r.status, 401)
    t.equal(r.json<any>().error.type, 'authentication_error')
  })
  t.test('good request with client right header auth and no allow_override', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:682
    const r = await send('/anthropic/llm/v1/chat/good-no-allow-override', CHAT, { 'x-api-key': KEY })
    t.equal(r.status, 200)
    t.equal(r.headers['x-kong-llm-model'], 'anthropic/claude-2.1')
    t.same(r.json<any>().choices[0].message, ANSWER)
  })
  t.test('good request with client wrong header auth and no allow_override', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:709
    const r = await send('/anthropic/llm/v1/chat/good-no-allow-override', CHAT, { 'x-api-key': 'wrong' })
    t.equal(r.status, 200)
    t.same(r.json<any>().choices[0].message, ANSWER)
  })
  t.test('bad upstream response', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:736
    const r = await send('/anthropic/llm/v1/chat/bad_upstream_response', CHAT)
    t.equal(r.status, 500)
    t.equal(r.json<any>().error.message, "transformation failed from type anthropic://llm/v1/chat: 'content' not in anthropic://llm/v1/chat response")
  })
  t.test('bad request', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:751
    const r = await send('/anthropic/llm/v1/chat/bad_request', fixture('anthropic/llm-v1-chat/requests/bad_request.json'))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
  })
  t.test('no usage response', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:767
    const r = await send('/anthropic/llm/v1/chat/no_usage_upstream_response', CHAT)
    t.equal(r.status, 200)
    t.equal(r.json<any>().usage, 'no usage data returned from upstream')
  })
  t.test('malformed usage response', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:781
    const r = await send('/anthropic/llm/v1/chat/malformed_usage_upstream_response', CHAT)
    t.equal(r.status, 200)
    t.same(r.json<any>().usage, {})
  })
  t.test('tool_choice conversion', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:795
    const cases: [string, unknown][] = [
      ['tool_choice_auto.json', { type: 'auto' }],
      ['tool_choice_none.json', { type: 'none' }],
      ['tool_choice_required.json', { type: 'any' }],
      ['tool_choice_object_function.json', { type: 'tool', name: 'my_function' }],
    ]
    for (const [file, expected] of cases) {
      const body = JSON.parse(fixture(`openai/llm-v1-chat/requests/${file}`))
      body.model = 'claude-2.1'
      const r = await send('/anthropic/llm/v1/chat/tool_choice', JSON.stringify(body), {})
      t.equal(r.status, 200, file)
      t.same(JSON.parse(String(r.headers['tool-choice'])), expected, file)
    }
    // kong/llm/drivers/anthropic.lua to_tools: the function itself, parameters as input_schema
    t.same(api.last().json.tools, [{ name: 'my_function', input_schema: {} }])
  })
  t.test('token usage is mapped and logged', async (t) => {
    // kong/llm/drivers/anthropic.lua from_format: input/output tokens as prompt/completion, and their sum
    const r = await send('/anthropic/llm/v1/chat/counted', CHAT)
    t.equal(r.status, 200)
    t.same(r.json<any>().usage, { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 })
    let line = ''
    for (let i = 0; i < 500 && line === ''; i++) {
      if (existsSync(LOG)) line = readFileSync(LOG, 'utf8').trim()
      if (line === '') await new Promise((r) => setTimeout(r, 10))
    }
    const usage = JSON.parse(line).ai.proxy.usage
    // Anthropic counts tokens itself (streaming_has_token_counts): no word-count estimate is logged.
    t.equal(usage.prompt_tokens, 12)
    t.equal(usage.completion_tokens, 7)
    t.equal(usage.total_tokens, 19)
  })
})

t.test('anthropic llm/v1/completions', async (t) => {
  t.test('good request', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:833
    const r = await send('/anthropic/llm/v1/completions/good', fixture('anthropic/llm-v1-completions/requests/good.json'))
    t.equal(r.status, 200)
    const json = r.json<any>()
    t.equal(json.model, 'claude-2.1')
    t.equal(json.object, 'text_completion')
    t.equal(json.choices[0].text, ' Hello! My name is Claude.')
    const seen = api.last()
    t.equal(seen.path, '/good/v1/complete')
    t.same(seen.json, { prompt: 'Human: What are you?\n\nAssistant:', temperature: 1, max_tokens_to_sample: 256, model: 'claude-2.1', stream: false })
  })
  t.test('bad request', async (t) => {
    // spec/03-plugins/38-ai-proxy/03-anthropic_integration_spec.lua:854
    const r = await send('/anthropic/llm/v1/completions/bad_request', fixture('anthropic/llm-v1-completions/requests/bad_request.json'))
    t.equal(r.status, 400)
    t.equal(r.json<any>().error.message, "request body doesn't contain valid prompts")
  })
})
